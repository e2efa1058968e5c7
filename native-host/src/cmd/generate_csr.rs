//! `generate_csr`: a new key pair on the token, a CSR for it carrying the renewed
//! certificate's subject byte for byte, and the old key's `rekey` signature binding
//! the CSR to the certificate being renewed. Before the key is made, a renewal binding
//! (crate::binding) records on the token which certificate it renews: the only one
//! `install_certificate` will let it retire. A failure after that deletes the binding
//! and the new key again, so an abandoned attempt leaves nothing behind.

use protocol::host::{Base64Bytes, GenerateCsrArgs, GenerateCsrResult};
use protocol::ids::{KeyId, PayloadSha256, Pin, WebOrigin};
use protocol::tbs::{Purpose, Tbs};
use sha2::{Digest, Sha256};

use crate::context::Context;
use crate::error::HostError;
use crate::pubkey::PublicKey;
use crate::{binding, cert_info, csr, keygen, objects, signer};

/// Answers `generate_csr`.
pub fn run(
    ctx: &mut Context,
    origin: &WebOrigin,
    args: &GenerateCsrArgs,
    pin: Option<&Pin>,
) -> Result<GenerateCsrResult, HostError> {
    let token = ctx.token(&args.token)?;
    let session = ctx.login(&token, pin)?;
    let old = objects::find_certificate(session, &args.cert_sha256)?;
    let old_key = objects::private_key_of(session, &old)?;
    let parsed = cert_info::parse(&old.der)?;
    let subject = parsed.subject().as_raw();

    let id = keygen::new_key_id()?;
    // The binding first: a crash between the two leaves a record without a key, which
    // binds nothing, rather than a pending key without its record.
    let bound = binding::create(session, &id, &old.sha256)?;
    let sm2 = token.sm2.as_ref();
    let generated = keygen::generate(session, args.algorithm, sm2, &id, subject, args.dual);
    let (public, private) = match generated {
        Ok(pair) => pair,
        Err(err) => {
            let _ = session.destroy_object(bound);
            return Err(err);
        }
    };
    let made = (|| {
        let spki = PublicKey::from_object(session, public)?.spki_der();
        let kind = signer::key_kind(session, private)?;
        let csr = csr::build(session, sm2, private, kind, subject, &spki)?;
        let payload = PayloadSha256::from_digest(&Sha256::digest(&csr).into());
        let tbs = Tbs {
            purpose: Purpose::Rekey,
            origin,
            challenge: &args.challenge,
            payload_sha256: Some(&payload),
        };
        let (algorithm, binding) = signer::sign_with(session, sm2, old_key, &tbs.to_bytes())?;
        Ok::<_, HostError>((csr, binding, algorithm))
    })();
    match made {
        Ok((csr, binding, algorithm)) => Ok(GenerateCsrResult {
            key_id: KeyId::from_bytes(&id)
                .ok_or_else(|| HostError::Internal("the new key id is empty".into()))?,
            csr: Base64Bytes(csr),
            binding_signature: Base64Bytes(binding),
            algorithm,
            key_algorithm: args.algorithm,
        }),
        Err(err) => {
            // Best effort: the error that stopped us matters more than a failed cleanup.
            let _ = session.destroy_object(private);
            let _ = session.destroy_object(public);
            let _ = session.destroy_object(bound);
            Err(err)
        }
    }
}
