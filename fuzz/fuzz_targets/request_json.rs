//! One frame body, straight to `protocol::host::parse_request`, with the same checks as
//! `host_input` but without spending mutations on the length prefix.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    certrenew_fuzz::check_body(data);
});
