//! Writing a certificate object beside its key pair, once: a re-run finds the object
//! it wrote (same `CKA_ID`, same DER) and writes nothing twice.

use cryptoki::object::{Attribute, CertificateType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use x509_parser::certificate::X509Certificate;

use crate::error::HostError;
use crate::{fault, objects};
use certinfo::der;

/// Writes the certificate unless it is already there, then reads it back. Returns
/// whether it was written now. `faults` name the fault-injection points after the
/// write and after the read-back (crate::fault).
pub fn write(
    session: &Session,
    der: &[u8],
    cert: &X509Certificate<'_>,
    id: &[u8],
    label: &str,
    faults: [&str; 2],
) -> Result<bool, HostError> {
    if installed(session, der, id)?.is_some() {
        return Ok(false);
    }
    let template = [
        Attribute::Class(ObjectClass::CERTIFICATE),
        Attribute::CertificateType(CertificateType::X_509),
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Id(id.to_vec()),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Subject(cert.subject().as_raw().to_vec()),
        Attribute::Issuer(cert.issuer().as_raw().to_vec()),
        Attribute::SerialNumber(der::unsigned_integer(cert.raw_serial())),
        Attribute::Value(der.to_vec()),
    ];
    let handle = session.create_object(&template)?;
    fault::after(faults[0]);
    if read_value(session, handle)? != der {
        let _ = session.destroy_object(handle);
        return Err(HostError::Internal(
            "the token did not store the certificate faithfully; nothing was changed".into(),
        ));
    }
    fault::after(faults[1]);
    Ok(true)
}

/// The certificate object with this DER beside the key `id`, if there is one.
pub fn installed(
    session: &Session,
    der: &[u8],
    id: &[u8],
) -> Result<Option<ObjectHandle>, HostError> {
    for handle in objects::by_id(session, ObjectClass::CERTIFICATE, id)? {
        if read_value(session, handle)? == der {
            return Ok(Some(handle));
        }
    }
    Ok(None)
}

pub fn read_value(session: &Session, handle: ObjectHandle) -> Result<Vec<u8>, HostError> {
    let attrs = session.get_attributes(handle, &[cryptoki::object::AttributeType::Value])?;
    Ok(attrs
        .into_iter()
        .find_map(|a| match a {
            Attribute::Value(v) => Some(v),
            _ => None,
        })
        .unwrap_or_default())
}
