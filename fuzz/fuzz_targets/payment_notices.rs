//! The payment gateways' notices and answers (issue 14, `server::payments`): WeChat Pay's
//! signed JSON notice with its AEAD resource, Alipay's and UnionPay's signed forms, their
//! answers. The first input byte picks the gateway and the way in
//! (`certrenew_fuzz::notices::Mode`); the keys are fixed and made once.
#![no_main]

use certrenew_fuzz::notices::{self, Mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    notices::check(Mode::pick(pick), rest);
});
