//! The encryption half of a dual renewal (issue 11, docs/protocol.md §12 and §15):
//! the KMC's encryption certificate and its private key, delivered in an envelope
//! that only the token's signing key opens, installed on the token. Used by
//! `install_certificate` (a renewal) and `import_encryption_key` (key recovery).
//!
//! - [`check`]: what is checked before the token is touched.
//! - [`content_key`]: the envelope's content key opened on the token.
//! - [`store`]: the private key unwrapped onto the token, its public key object.
//! - [`key_match`]: the unwrapped key is the certificate's.
//! - [`keep`]: the old encryption certificate kept as history.
//! - [`remove`]: history certificates removed under the project's policy.
//!
//! Every step checks what is already there, so a re-run after a crash completes the
//! install and writes nothing twice; each step has a fault name (crate::fault).

pub mod check;
pub mod content_key;
pub mod keep;
pub mod key_match;
pub mod remove;
pub mod store;

use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use protocol::host::CertificateSummary;
use protocol::ids::to_hex;

use crate::error::HostError;
use crate::mechanisms::{self, Profile};
use crate::{cert_info, cert_write, fault, objects};
use check::Checked;
use protocol::envelope::KeyTransport;

/// The fault names of the encryption steps, in order.
pub const STEPS: [&str; 4] = ["enc_key", "enc_public", "enc_write", "enc_verify"];

/// The label of the new encryption objects: the old encryption certificate's label
/// when one is kept, else the signing label with ` enc`.
pub fn label(signing_label: &str, kept_label: Option<&str>) -> String {
    match kept_label.map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => l.to_owned(),
        None => format!("{} enc", signing_label.trim()),
    }
}

/// Checks, before anything changes, that the signing key can open the envelope (it
/// was made with `CKA_UNWRAP` or `CKA_DERIVE`), unless the encryption key is on the
/// token already.
pub fn ready(
    session: &Session,
    signing_key: ObjectHandle,
    checked: &Checked<'_>,
) -> Result<(), HostError> {
    if !objects::by_id(session, ObjectClass::PRIVATE_KEY, &checked.id)?.is_empty() {
        return Ok(());
    }
    let wanted = match checked.envelope.transport {
        protocol::envelope::KeyTransport::RsaOaepSha1
        | protocol::envelope::KeyTransport::Sm2EnvelopedKey => AttributeType::Unwrap,
        protocol::envelope::KeyTransport::EcdhP256X963Sha256 => AttributeType::Derive,
    };
    let allowed = session
        .get_attributes(signing_key, &[wanted])?
        .into_iter()
        .any(|a| matches!(a, Attribute::Unwrap(true) | Attribute::Derive(true)));
    if allowed {
        Ok(())
    } else {
        Err(HostError::EncryptionRefused(
            "the signing key cannot open an envelope (it was not made for a dual renewal: generate_csr with dual: true)"
                .into(),
        ))
    }
}

/// The SM2 envelope needs the module's vendor numbers.
pub fn no_sm2_profile() -> HostError {
    HostError::MechanismUnsupported(
        "an SM2 envelope needs a module with an SM2 profile (host.toml: profile)".into(),
    )
}

/// Installs the encryption key pair and certificate under `checked.id`, opening the
/// envelope with `signing_key`. Returns the certificate as `list_certificates` shows
/// it.
/// An SM2 envelope opens with the module's profile `sm2` (crate::mechanisms::sm2).
pub fn install(
    session: &Session,
    sm2: Option<&Profile>,
    signing_key: ObjectHandle,
    checked: &Checked<'_>,
    label: &str,
) -> Result<CertificateSummary, HostError> {
    let parsed = cert_info::parse(checked.der)?;
    let subject = parsed.subject().as_raw();
    let id = &checked.id;
    let existing = objects::by_id(session, ObjectClass::PRIVATE_KEY, id)?
        .into_iter()
        .next();
    match existing {
        Some(private) => {
            if !key_match::matches(session, sm2, private, &checked.public)? {
                return Err(HostError::CertKeyMismatch(to_hex(id)));
            }
        }
        None => {
            let private = if checked.envelope.transport == KeyTransport::Sm2EnvelopedKey {
                let profile = sm2.ok_or_else(no_sm2_profile)?;
                let wrapped = &checked.envelope.wrapped_private_key.0;
                mechanisms::sm2::unwrap_private_key(
                    session,
                    profile,
                    signing_key,
                    wrapped,
                    id,
                    label,
                    subject,
                )?
            } else {
                let k = content_key::open(session, signing_key, checked.envelope)?;
                let made = store::unwrap_private_key(
                    session,
                    k,
                    &checked.envelope.wrapped_private_key.0,
                    &checked.public,
                    id,
                    label,
                    subject,
                );
                let _ = session.destroy_object(k);
                made?
            };
            if !key_match::matches(session, sm2, private, &checked.public)? {
                let _ = session.destroy_object(private);
                return Err(HostError::EncryptionRefused(
                    "the enveloped private key is not the encryption certificate's key".into(),
                ));
            }
            fault::after(STEPS[0]);
        }
    }
    if store::write_public_key(session, sm2, &checked.public, id, label, subject)? {
        fault::after(STEPS[1]);
    }
    cert_write::write(
        session,
        checked.der,
        &parsed,
        id,
        label,
        [STEPS[2], STEPS[3]],
    )?;
    let stored_label = objects::certificates(session)?
        .into_iter()
        .find(|c| c.der == checked.der)
        .map(|c| c.label)
        .unwrap_or_else(|| label.to_owned());
    cert_info::summarize(checked.der, objects::key_id(id), stored_label, true)
}
