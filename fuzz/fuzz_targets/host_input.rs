//! The whole byte stream Chrome writes to `certrenew-host`'s stdin: frames read one by
//! one as `serve` does, until a clean end of input or a framing error, each body parsed
//! as a request and checked by `certrenew_fuzz::check_body`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use native_host::framing::{FrameError, read_frame};
use protocol::host::Response;
use protocol::{ErrorCode, MAX_MESSAGE_BYTES};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let mut cursor = data;
    loop {
        match read_frame(&mut cursor) {
            Ok(Some(body)) => {
                assert!(body.len() <= MAX_MESSAGE_BYTES);
                certrenew_fuzz::check_body(&body);
            }
            Ok(None) => {
                assert!(cursor.is_empty(), "a clean end of input left bytes unread");
                break;
            }
            Err(err) => {
                // serve answers a framing error once, then exits: the answer must fit.
                let code = match err {
                    FrameError::TooLarge { .. } => ErrorCode::MessageTooLarge,
                    _ => ErrorCode::BadRequest,
                };
                let response = Response::error(None, code, err.to_string(), Value::Null);
                let json = serde_json::to_vec(&response).expect("an error answer serialises");
                assert!(json.len() <= MAX_MESSAGE_BYTES);
                break;
            }
        }
    }
});
