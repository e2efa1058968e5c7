//! The gateways' daily statement files (issue 14, `server::reconcile`): bytes downloaded
//! from WeChat Pay, Alipay and UnionPay. The first input byte picks the reader, the rest
//! is the file. Checks in `certrenew_fuzz::statements`: never a panic; an accepted
//! statement keeps the limits and reads back the same after the emulator's writer.
#![no_main]

use certrenew_fuzz::statements::{self, Reader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else {
        return;
    };
    statements::check(Reader::pick(pick), file);
});
