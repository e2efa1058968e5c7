//! `import_encryption_key`: key recovery. An escrowed encryption key is re-delivered
//! to the token, enveloped by the KMC to the key of a signing certificate already on
//! it (a lost or replaced token). The same checks and the same on-token unwrap as a
//! dual install (crate::dual); an identical key and certificate already there are
//! left as they are. The answer is the `installed` confirmation signed by that
//! signing key, with the encryption certificate's SHA-256 as payload.

use protocol::host::{Base64Bytes, ImportEncryptionKeyArgs, ImportEncryptionKeyResult};
use protocol::ids::{PayloadSha256, Pin, WebOrigin};
use protocol::tbs::{Purpose, Tbs};
use sha2::{Digest, Sha256};

use crate::context::Context;
use crate::error::HostError;
use crate::{dual, history, objects, signer};

/// Answers `import_encryption_key`.
pub fn run(
    ctx: &mut Context,
    origin: &WebOrigin,
    args: &ImportEncryptionKeyArgs,
    pin: Option<&Pin>,
) -> Result<ImportEncryptionKeyResult, HostError> {
    if dual::remove::asked(args.encryption.remove.as_ref()) {
        return Err(HostError::BadRequest(
            "import_encryption_key removes nothing: history certificates are removed only by a renewal's install_certificate".into(),
        ));
    }
    let token = ctx.token(&args.token)?;
    let session = ctx.login(&token, pin)?;
    let signing = objects::find_certificate(session, &args.cert_sha256)?;
    if history::is_history(&signing.label) {
        return Err(HostError::EncryptionRefused(format!(
            "the certificate {} is a kept history certificate, not a signing certificate",
            signing.sha256
        )));
    }
    let signing_key = objects::private_key_of(session, &signing)?;
    let checked = dual::check::check(&signing.der, &args.encryption)?;
    dual::ready(session, signing_key, &checked)?;

    let label = dual::label(&signing.label, None);
    let sm2 = token.sm2.as_ref();
    let certificate = dual::install(session, sm2, signing_key, &checked, &label)?;

    let payload = PayloadSha256::from_digest(&Sha256::digest(checked.der).into());
    let tbs = Tbs {
        purpose: Purpose::Installed,
        origin,
        challenge: &args.challenge,
        payload_sha256: Some(&payload),
    };
    let (algorithm, signature) = signer::sign_with(session, sm2, signing_key, &tbs.to_bytes())?;
    Ok(ImportEncryptionKeyResult {
        certificate,
        confirmation_signature: Base64Bytes(signature),
        algorithm,
    })
}
