//! `sign`: a `login` or `apply` signature over the origin-bound TBS by the key of a
//! certificate on the token. The caller never chooses the bytes that are signed.

use protocol::host::{Base64Bytes, SignArgs, SignResult};
use protocol::ids::{Pin, WebOrigin};
use protocol::tbs::Tbs;

use crate::context::Context;
use crate::error::HostError;
use crate::objects;
use crate::signer;

/// Answers `sign`.
pub fn run(
    ctx: &mut Context,
    origin: &WebOrigin,
    args: &SignArgs,
    pin: Option<&Pin>,
) -> Result<SignResult, HostError> {
    let token = ctx.token(&args.token)?;
    let session = ctx.login(&token, pin)?;
    let cert = objects::find_certificate(session, &args.cert_sha256)?;
    let key = objects::private_key_of(session, &cert)?;
    let tbs = Tbs {
        purpose: args.purpose.into(),
        origin,
        challenge: &args.challenge,
        payload_sha256: args.payload_sha256.as_ref(),
    };
    let (algorithm, signature) =
        signer::sign_with(session, token.sm2.as_ref(), key, &tbs.to_bytes())?;
    Ok(SignResult {
        algorithm,
        signature: Base64Bytes(signature),
        certificate: Base64Bytes(cert.der),
    })
}
