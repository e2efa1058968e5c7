//! The native-messaging loop Chrome drives: check the calling extension, then read a
//! frame, answer it, repeat, until the input ends.
//!
//! Requests are answered in order, one at a time. A malformed request gets an error
//! answer and the loop goes on; an oversized or truncated frame cannot be resynchronised,
//! so it gets a last answer and the host exits non-zero. Request bytes are zeroized
//! after parsing on every path, refusals included, as they may carry a PIN.
//!
//! Before serving, the build's extension policy (crate::extension_policy) decides
//! which configured extensions it serves: a release build refuses to start for the
//! development extension unless development use is switched on.

use std::io::{Read, Write};
use std::process::ExitCode;

use protocol::ErrorCode;
use protocol::MAX_MESSAGE_BYTES;
use protocol::host::{Response, parse_request};
use protocol::ids::ExtensionId;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::cmd;
use crate::config::Config;
use crate::context::Context;
use crate::extension_policy::{self, BuildKind};
use crate::framing::{FrameError, read_frame, write_frame};

/// Serves one connection for the extension named by `caller` (argv\[1\]).
pub fn serve(
    caller: &str,
    config: Result<Config, String>,
    mut input: impl Read,
    mut output: impl Write,
) -> ExitCode {
    let config = match config {
        Ok(config) => config,
        Err(message) => {
            refuse_first(&mut input, &mut output, ErrorCode::Internal, &message);
            return ExitCode::FAILURE;
        }
    };
    if let Err(message) = caller_check(&config, caller) {
        refuse_first(&mut input, &mut output, ErrorCode::OriginRefused, &message);
        return ExitCode::FAILURE;
    }

    let mut ctx = Context::new(config);
    loop {
        let body = match read_frame(&mut input) {
            Ok(Some(body)) => Zeroizing::new(body),
            Ok(None) => return ExitCode::SUCCESS,
            Err(err @ FrameError::TooLarge { .. }) => {
                send(
                    &mut output,
                    &Response::error(
                        None,
                        ErrorCode::MessageTooLarge,
                        err.to_string(),
                        Value::Null,
                    ),
                );
                return ExitCode::FAILURE;
            }
            Err(err) => {
                send(
                    &mut output,
                    &Response::error(None, ErrorCode::BadRequest, err.to_string(), Value::Null),
                );
                return ExitCode::FAILURE;
            }
        };
        let parsed = parse_request(&body);
        drop(body);
        let response = match parsed {
            Ok(request) => cmd::handle(&mut ctx, request),
            Err(rejection) => rejection.into_response(),
        };
        if !send(&mut output, &response) {
            return ExitCode::FAILURE;
        }
    }
}

/// Whether this build serves the extension that started it; the refusal otherwise.
fn caller_check(config: &Config, caller: &str) -> Result<(), String> {
    let serving = config
        .serving_extensions(BuildKind::current())
        .inspect_err(|err| {
            // Also to stderr: the browser's log is where an administrator looks.
            eprintln!("certrenew-host: {err}");
        })
        .map_err(|err| err.to_string())?;
    let id = ExtensionId::from_origin(caller).map_err(|err| err.to_string())?;
    if serving.contains(&id) {
        Ok(())
    } else if Some(&id) == extension_policy::development_id().as_ref() {
        Err(format!(
            "the development extension {id} is served only by debug builds of certrenew-host, or with allow_development_extension = true in {} (or {}=1)",
            config.file_to_edit(),
            extension_policy::ALLOW_DEVELOPMENT_ENV
        ))
    } else {
        Err(format!(
            "the extension {id} is not allowed to use this host"
        ))
    }
}

// Answers the first request (if one comes) with a refusal, without acting on it.
fn refuse_first(input: &mut impl Read, output: &mut impl Write, code: ErrorCode, message: &str) {
    let id = match read_frame(input) {
        Ok(Some(body)) => {
            let body = Zeroizing::new(body);
            // Only the id is read: the rest (a PIN among it) is skipped, never copied.
            serde_json::from_slice::<IdOnly>(&body)
                .ok()
                .and_then(|v| v.id)
                .and_then(|id| protocol::ids::RequestId::parse(&id).ok())
        }
        _ => None,
    };
    send(output, &Response::error(id, code, message, Value::Null));
}

#[derive(serde::Deserialize)]
struct IdOnly {
    #[serde(default)]
    id: Option<String>,
}

// Writes one answer; an answer too large for Chrome becomes an error answer instead.
fn send(output: &mut impl Write, response: &Response) -> bool {
    let body = match serde_json::to_vec(response) {
        Ok(body) if body.len() <= MAX_MESSAGE_BYTES => body,
        Ok(body) => {
            let fallback = Response::error(
                response.id.clone(),
                ErrorCode::MessageTooLarge,
                format!(
                    "the answer would be {} bytes, over the {MAX_MESSAGE_BYTES}-byte limit",
                    body.len()
                ),
                Value::Null,
            );
            serde_json::to_vec(&fallback).unwrap_or_default()
        }
        Err(_) => return false,
    };
    write_frame(output, &body).is_ok()
}

/// The capabilities `hello` lists, for `diagnose`.
pub fn capabilities() -> Vec<String> {
    cmd::capabilities()
}
