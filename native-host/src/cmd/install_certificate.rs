//! `install_certificate`: put the new certificate on the token next to its key, check
//! it reads back byte for byte, and only then retire the old certificate and its keys.
//!
//! Who may do what: the key must be one `generate_csr` made for a renewal still to
//! install (pending, with its renewal binding on the token), or the certificate must
//! already be installed beside it (a re-run). Only the certificate the binding names
//! may be retired, and only by a certificate with its subject byte for byte. Every
//! check runs before anything on the token changes, so a refusal changes nothing: a
//! page cannot use this command to delete another certificate and its keys.
//!
//! Crash-safety: the steps are ordered so that the token always holds a usable
//! certificate with its key, and each step checks what is already done, so running
//! the command again after an interruption anywhere finishes the job and changes
//! nothing twice. The old pair's keys go before the old certificate, because the old
//! certificate's `CKA_ID` is how its keys are found on a re-run. The binding goes
//! last: until then a re-run may still retire the old certificate.

use cryptoki::object::{Attribute, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use protocol::host::{Base64Bytes, InstallCertificateArgs, InstallCertificateResult};
use protocol::ids::{PayloadSha256, Pin, WebOrigin};
use protocol::tbs::{Purpose, Tbs};
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;

use crate::context::Context;
use crate::error::HostError;
use crate::fault;
use crate::keygen::PENDING_LABEL;
use crate::objects::{self, CertObject};
use crate::pubkey::PublicKey;
use crate::{binding, cert_info, cert_write, dual, signer};

/// Answers `install_certificate`.
pub fn run(
    ctx: &mut Context,
    origin: &WebOrigin,
    args: &InstallCertificateArgs,
    pin: Option<&Pin>,
) -> Result<InstallCertificateResult, HostError> {
    let der = &args.certificate.0;
    let cert = cert_info::parse(der)?;
    let token = ctx.token(&args.token)?;
    let removal = args.encryption.as_ref().and_then(|e| e.remove.as_ref());
    if dual::remove::asked(removal) && pin.is_none() {
        // Removal only with the PIN typed for this request (or on the PIN pad now).
        if !token.info.protected_authentication_path() {
            return Err(HostError::PinRequired);
        }
        ctx.forget(&args.token);
    }
    let session = ctx.login(&token, pin)?;
    let id = args.key_id.to_bytes();

    let new_key = objects::private_key(session, &id)?;
    if PublicKey::from_certificate(&cert)? != PublicKey::from_token(session, &id)? {
        return Err(HostError::CertKeyMismatch(args.key_id.to_string()));
    }
    let old = admit(session, args, &id, new_key, &cert)?;
    let label = pick_label(old.as_ref(), &cert);
    // The encryption half is checked in full before anything is written.
    let encryption = match &args.encryption {
        Some(enc) => {
            let checked = dual::check::check(der, enc)?;
            let kept = match &enc.keep {
                Some(sha) => Some(dual::keep::admit(
                    session,
                    sha,
                    &checked,
                    args.retire.as_ref(),
                )?),
                None => None,
            };
            dual::ready(session, new_key, &checked)?;
            let removed = match &enc.remove {
                Some(r) => dual::remove::admit(
                    session,
                    r,
                    &checked,
                    enc.keep.as_ref(),
                    args.retire.as_ref(),
                    binding::find(session, &id)?.is_some(),
                    dual::remove::now(),
                )?,
                None => Vec::new(),
            };
            Some((checked, kept, removed))
        }
        None => None,
    };

    // The encryption pair first: the envelope is opened before the signing
    // certificate is written, so one that does not open leaves the token as it was.
    let mut encryption_certificate = None;
    if let Some((checked, old_encryption, _)) = &encryption {
        let enc_label = dual::label(
            &label,
            old_encryption.as_ref().map(dual::keep::original_label),
        );
        encryption_certificate = Some(dual::install(
            session,
            token.sm2.as_ref(),
            new_key,
            checked,
            &enc_label,
        )?);
    }
    let written_now = cert_write::write(session, der, &cert, &id, &label, ["write", "verify"])?;
    relabel_pending_keys(session, &id, &label)?;
    fault::after("label");
    let mut kept = Vec::new();
    if let Some((_, Some(old_encryption), _)) = &encryption {
        dual::keep::mark(session, old_encryption)?;
        fault::after("keep");
        kept.push(old_encryption.sha256.clone());
    }
    if let Some((_, _, history)) = &encryption {
        dual::remove::remove(session, history)?;
    }
    if let Some(old) = &old {
        retire(session, old)?;
    }
    binding::remove(session, &id)?;
    fault::after("unbind");
    // Retired: the old certificate was here and is gone, or this is a re-run (the new
    // certificate was already written) and it is gone. A hash that was never on the
    // token, on a first run, is not reported as retired.
    let retired = match &args.retire {
        Some(sha) => {
            let gone = !objects::certificates(session)?
                .iter()
                .any(|c| &c.sha256 == sha);
            gone && (old.is_some() || !written_now)
        }
        None => false,
    };

    // A dual install confirms the encryption certificate too: its SHA-256 is the
    // payload, signed only now that it is on the token and checked.
    let payload = encryption
        .as_ref()
        .map(|(checked, _, _)| PayloadSha256::from_digest(&Sha256::digest(checked.der).into()));
    let tbs = Tbs {
        purpose: Purpose::Installed,
        origin,
        challenge: &args.challenge,
        payload_sha256: payload.as_ref(),
    };
    let (algorithm, signature) =
        signer::sign_with(session, token.sm2.as_ref(), new_key, &tbs.to_bytes())?;
    let stored_label = objects::certificates(session)?
        .into_iter()
        .find(|c| c.der == *der)
        .map(|c| c.label)
        .unwrap_or(label);
    Ok(InstallCertificateResult {
        certificate: cert_info::summarize(der, Some(args.key_id.clone()), stored_label, true)?,
        retired,
        confirmation_signature: Base64Bytes(signature),
        algorithm,
        encryption_certificate,
        kept,
    })
}

/// Decides, before anything changes, whether this install may run and which
/// certificate it retires (`None`: none, or it is gone already).
fn admit(
    session: &Session,
    args: &InstallCertificateArgs,
    id: &[u8],
    new_key: ObjectHandle,
    cert: &X509Certificate<'_>,
) -> Result<Option<CertObject>, HostError> {
    let key = args.key_id.to_string();
    let bound = binding::find(session, id)?;
    let installed = cert_write::installed(session, &args.certificate.0, id)?.is_some();
    let pending = objects::label(session, new_key)?.trim() == PENDING_LABEL;
    // A bound key stops being pending once the certificate is written (a run that
    // stopped after relabelling); an unbound one is accepted only as an exact re-run.
    let renewal_key = match &bound {
        Some(_) => pending || installed,
        None => installed,
    };
    if !renewal_key {
        return Err(if bound.is_none() && pending {
            HostError::UnboundPendingKey(key)
        } else {
            HostError::NotRenewalKey(key)
        });
    }
    let Some(sha) = &args.retire else {
        return Ok(None);
    };
    let old = objects::certificates(session)?
        .into_iter()
        .find(|c| &c.sha256 == sha);
    match &bound {
        Some(b) if &b.renews != sha => {
            return Err(HostError::RetireRefused {
                key,
                retire: sha.to_string(),
                why: format!("it was made to renew the certificate {}", b.renews),
            });
        }
        // A finished install (or a key never made for a renewal) retires nothing more.
        None if old.is_some() => {
            return Err(HostError::RetireRefused {
                key,
                retire: sha.to_string(),
                why: "no renewal still to install names that certificate".into(),
            });
        }
        _ => {}
    }
    let Some(old) = old else {
        return Ok(None);
    };
    if old.id == id {
        return Err(HostError::BadRequest(
            "the certificate to retire uses the new key".into(),
        ));
    }
    let old_parsed = cert_info::parse(&old.der)?;
    if old_parsed.subject().as_raw() != cert.subject().as_raw() {
        return Err(HostError::SubjectMismatch {
            retire: sha.to_string(),
        });
    }
    Ok(Some(old))
}

/// The old certificate's label carries over (middleware and users know it by that);
/// otherwise the subject's common name.
fn pick_label(old: Option<&CertObject>, cert: &X509Certificate<'_>) -> String {
    if let Some(old) = old.filter(|o| !o.label.is_empty()) {
        return old.label.clone();
    }
    cert.subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| "certrenew".to_owned())
}

/// Gives the new key pair the certificate's label, if it still has the pending one.
fn relabel_pending_keys(session: &Session, id: &[u8], label: &str) -> Result<(), HostError> {
    for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
        for handle in objects::by_id(session, class, id)? {
            if objects::label(session, handle)?.trim() == PENDING_LABEL {
                session
                    .update_attributes(handle, &[Attribute::Label(label.as_bytes().to_vec())])?;
            }
        }
    }
    Ok(())
}

/// Deletes the old pair's keys, then the old certificate. Keys that another remaining
/// certificate still uses are kept.
fn retire(session: &Session, old: &CertObject) -> Result<(), HostError> {
    let shared =
        !old.id.is_empty() && objects::by_id(session, ObjectClass::CERTIFICATE, &old.id)?.len() > 1;
    if !old.id.is_empty() && !shared {
        for handle in objects::by_id(session, ObjectClass::PRIVATE_KEY, &old.id)? {
            session.destroy_object(handle)?;
        }
        fault::after("retire_private");
        for handle in objects::by_id(session, ObjectClass::PUBLIC_KEY, &old.id)? {
            session.destroy_object(handle)?;
        }
        fault::after("retire_public");
    }
    session.destroy_object(old.handle)?;
    fault::after("retire_cert");
    Ok(())
}
