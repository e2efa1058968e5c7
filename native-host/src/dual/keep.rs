//! The old encryption certificate of a dual renewal is kept, never deleted: data
//! encrypted to it must stay readable. It and its keys are relabelled as history
//! (crate::history), which takes them out of pairing and renewal.

use cryptoki::object::{Attribute, ObjectClass};
use cryptoki::session::Session;
use protocol::ids::CertSha256;

use crate::dual::check::Checked;
use crate::error::HostError;
use crate::history;
use crate::objects::{self, CertObject};

fn refuse(why: String) -> HostError {
    HostError::EncryptionRefused(why)
}

/// Checks, before anything changes, that `keep` names an encryption certificate on
/// the token that the new one replaces: same subject and issuer, encryption usage,
/// neither the new encryption certificate nor the certificate being retired.
pub fn admit(
    session: &Session,
    keep: &CertSha256,
    new: &Checked<'_>,
    retire: Option<&CertSha256>,
) -> Result<CertObject, HostError> {
    if *keep == new.sha256 {
        return Err(refuse(
            "the certificate to keep is the new encryption certificate".into(),
        ));
    }
    if Some(keep) == retire {
        return Err(refuse(format!(
            "the certificate {keep} cannot be both kept and retired"
        )));
    }
    let old = objects::find_certificate(session, keep)?;
    let old_facts = certinfo::facts(&old.der)
        .map_err(|e| refuse(format!("the certificate to keep does not parse: {e}")))?;
    let new_facts = certinfo::facts(new.der)
        .map_err(|e| refuse(format!("the encryption certificate does not parse: {e}")))?;
    if old_facts.subject_der != new_facts.subject_der
        || old_facts.issuer_der != new_facts.issuer_der
    {
        return Err(refuse(format!(
            "the certificate to keep {keep} has another subject or issuer than the new encryption certificate"
        )));
    }
    if old_facts.usage != certinfo::Usage::Encrypt {
        return Err(refuse(format!(
            "the certificate to keep {keep} is not an encryption certificate"
        )));
    }
    Ok(old)
}

/// The label the old certificate had before it was marked (for the new one to
/// carry on).
pub fn original_label(old: &CertObject) -> &str {
    old.label
        .trim_start()
        .strip_prefix(history::HISTORY_PREFIX)
        .unwrap_or(&old.label)
}

/// Marks the old certificate and its key pair as history; already marked objects
/// are left alone.
pub fn mark(session: &Session, old: &CertObject) -> Result<(), HostError> {
    let mut handles = vec![old.handle];
    if !old.id.is_empty() {
        for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
            handles.extend(objects::by_id(session, class, &old.id)?);
        }
    }
    for handle in handles {
        let label = objects::label(session, handle)?;
        if !history::is_history(&label) {
            let marked = history::history_label(&label);
            session.update_attributes(handle, &[Attribute::Label(marked.into_bytes())])?;
        }
    }
    Ok(())
}
