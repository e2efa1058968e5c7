//! The commands of docs/protocol.md §9, one file each, and the dispatcher that turns every
//! outcome, failures included, into an answer: a bad command never drops the
//! connection.

mod discard_key;
mod generate_csr;
mod hello;
mod import_encryption_key;
mod install_certificate;
mod list_certificates;
mod sign;

use protocol::host::{Command, Request, Response};
use serde::Serialize;
use serde_json::Value;

use crate::context::Context;
use crate::error::HostError;

/// Runs one checked request and answers it.
pub fn handle(ctx: &mut Context, request: Request) -> Response {
    let Request {
        id,
        origin,
        command,
        pin,
    } = request;
    let pin = pin.as_ref();
    let result = match &command {
        Command::Hello => to_value(hello::run(ctx)),
        Command::ListCertificates => list_certificates::run(ctx).and_then(to_value),
        Command::Sign(args) => sign::run(ctx, &origin, args, pin).and_then(to_value),
        Command::GenerateCsr(args) => generate_csr::run(ctx, &origin, args, pin).and_then(to_value),
        Command::InstallCertificate(args) => {
            install_certificate::run(ctx, &origin, args, pin).and_then(to_value)
        }
        Command::DiscardKey(args) => discard_key::run(ctx, args, pin).and_then(to_value),
        Command::ImportEncryptionKey(args) => {
            import_encryption_key::run(ctx, &origin, args, pin).and_then(to_value)
        }
        _ => Err(HostError::Internal(format!(
            "{} is not implemented",
            command.name()
        ))),
    };
    match result {
        Ok(value) => Response::success(id, value),
        Err(err) => {
            if let Some(serial) = token_of(&command).filter(|_| err.session_lost()) {
                ctx.forget(serial);
            }
            Response::error(Some(id), err.code(), err.to_string(), err.details())
        }
    }
}

fn token_of(command: &Command) -> Option<&protocol::ids::TokenSerial> {
    match command {
        Command::Sign(a) => Some(&a.token),
        Command::GenerateCsr(a) => Some(&a.token),
        Command::InstallCertificate(a) => Some(&a.token),
        Command::DiscardKey(a) => Some(&a.token),
        Command::ImportEncryptionKey(a) => Some(&a.token),
        _ => None,
    }
}

fn to_value(result: impl Serialize) -> Result<Value, HostError> {
    serde_json::to_value(result)
        .map_err(|e| HostError::Internal(format!("cannot encode the answer: {e}")))
}

pub use hello::capabilities;

/// `list_certificates` for in-process callers (`diagnose`).
pub fn list(ctx: &mut Context) -> Result<protocol::host::ListCertificatesResult, HostError> {
    list_certificates::run(ctx)
}
