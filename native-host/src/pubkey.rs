//! A key pair's public half, read from the token or from a certificate, so that the
//! host can build a SubjectPublicKeyInfo for a CSR and refuse a certificate that does
//! not belong to a key.

use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use x509_parser::certificate::X509Certificate;
use x509_parser::public_key::PublicKey as X509PublicKey;

use crate::error::HostError;
use crate::objects;
use certinfo::der::{self, oid, tag};

/// Public key material, normalised for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// An EC P-256 key: the uncompressed point (65 bytes, starting 0x04).
    EcP256 {
        /// The point.
        point: Vec<u8>,
    },
    /// An SM2 key (curve 1.2.156.10197.1.301): the uncompressed point.
    Sm2 {
        /// The point.
        point: Vec<u8>,
    },
    /// An RSA key: modulus and exponent without leading zeros.
    Rsa {
        /// The modulus.
        modulus: Vec<u8>,
        /// The public exponent.
        exponent: Vec<u8>,
    },
}

/// The DER encoding of the named curve P-256, as `CKA_EC_PARAMS` holds it.
pub const P256_PARAMS: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// The DER of the SM2 curve OID 1.2.156.10197.1.301 (GM/T 0006), in `CKA_EC_PARAMS`.
pub const SM2_PARAMS: &[u8] = &[0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];

fn strip_zeros(bytes: &[u8]) -> Vec<u8> {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[first..].to_vec()
}

/// The point of `CKA_EC_POINT` (DER-wrapped by the standard, bare on some tokens); an
/// unexpected form is kept as it is and simply fails to match.
fn unwrap_point(value: &[u8]) -> Vec<u8> {
    der::ec_point(value, 65).unwrap_or_else(|| value.to_vec())
}

impl PublicKey {
    /// The key of a certificate.
    pub fn from_certificate(cert: &X509Certificate<'_>) -> Result<Self, HostError> {
        let spki = cert.public_key();
        match spki.parsed() {
            Ok(X509PublicKey::RSA(rsa)) => Ok(Self::Rsa {
                modulus: strip_zeros(rsa.modulus),
                exponent: strip_zeros(rsa.exponent),
            }),
            Ok(X509PublicKey::EC(point)) => {
                let params = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok());
                let point = point.data().to_vec();
                match params.map(|o| o.to_id_string()).as_deref() {
                    Some("1.2.840.10045.3.1.7") => Ok(Self::EcP256 { point }),
                    Some("1.2.156.10197.1.301") => Ok(Self::Sm2 { point }),
                    _ => Err(HostError::MechanismUnsupported(
                        "only P-256 and SM2 elliptic-curve certificates are supported".into(),
                    )),
                }
            }
            _ => Err(HostError::MechanismUnsupported(
                "the certificate's key is neither RSA nor EC P-256".into(),
            )),
        }
    }

    /// The public key of the pair with this `CKA_ID`: from its public-key object, or
    /// for RSA from the private key's public attributes when a token keeps no
    /// public-key object.
    pub fn from_token(session: &Session, id: &[u8]) -> Result<Self, HostError> {
        if let Some(handle) = objects::by_id(session, ObjectClass::PUBLIC_KEY, id)?
            .into_iter()
            .next()
        {
            return Self::from_object(session, handle);
        }
        let private = objects::private_key(session, id)?;
        Self::from_object(session, private)
    }

    /// The public key attributes of one key object.
    pub fn from_object(session: &Session, handle: ObjectHandle) -> Result<Self, HostError> {
        let attrs = session.get_attributes(
            handle,
            &[
                AttributeType::KeyType,
                AttributeType::EcParams,
                AttributeType::EcPoint,
                AttributeType::Modulus,
                AttributeType::PublicExponent,
            ],
        )?;
        let (mut key_type, mut params, mut point, mut modulus, mut exponent) =
            (None, None, None, None, None);
        for attr in attrs {
            match attr {
                Attribute::KeyType(t) => key_type = Some(t),
                Attribute::EcParams(v) => params = Some(v),
                Attribute::EcPoint(v) => point = Some(v),
                Attribute::Modulus(v) => modulus = Some(v),
                Attribute::PublicExponent(v) => exponent = Some(v),
                _ => {}
            }
        }
        // SM2 keys carry a vendor key type (or CKK_EC) and the SM2 curve.
        if params.as_deref() == Some(SM2_PARAMS) {
            return match point {
                Some(p) => Ok(Self::Sm2 {
                    point: unwrap_point(&p),
                }),
                None => Err(HostError::Internal(
                    "the token does not reveal this SM2 key's public point".into(),
                )),
            };
        }
        match key_type {
            Some(t) if t == KeyType::RSA => match (modulus, exponent) {
                (Some(m), Some(e)) => Ok(Self::Rsa {
                    modulus: strip_zeros(&m),
                    exponent: strip_zeros(&e),
                }),
                _ => Err(HostError::Internal(
                    "the token does not reveal this RSA key's public half".into(),
                )),
            },
            Some(t) if t == KeyType::EC => {
                if params.as_deref().is_some_and(|p| p != P256_PARAMS) {
                    return Err(HostError::MechanismUnsupported(
                        "only P-256 elliptic-curve keys are supported".into(),
                    ));
                }
                match point {
                    Some(p) => Ok(Self::EcP256 {
                        point: unwrap_point(&p),
                    }),
                    None => Err(HostError::Internal(
                        "the token does not reveal this EC key's public point".into(),
                    )),
                }
            }
            _ => Err(HostError::MechanismUnsupported(
                "the key is neither RSA nor EC".into(),
            )),
        }
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> Vec<u8> {
        match self {
            Self::EcP256 { point } => {
                let alg = der::sequence(&[
                    &der::tlv(tag::OID, oid::EC_PUBLIC_KEY),
                    &der::tlv(tag::OID, oid::PRIME256V1),
                ]);
                der::sequence(&[&alg, &der::bit_string(point)])
            }
            Self::Sm2 { point } => {
                let alg = der::sequence(&[&der::tlv(tag::OID, oid::EC_PUBLIC_KEY), SM2_PARAMS]);
                der::sequence(&[&alg, &der::bit_string(point)])
            }
            Self::Rsa { modulus, exponent } => {
                let key = der::sequence(&[
                    &der::unsigned_integer(modulus),
                    &der::unsigned_integer(exponent),
                ]);
                der::sequence(&[
                    &der::algorithm(oid::RSA_ENCRYPTION, true),
                    &der::bit_string(&key),
                ])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_point_wrapped_or_raw() {
        let mut raw = vec![0x04];
        raw.extend([7u8; 64]);
        assert_eq!(unwrap_point(&raw), raw);
        let wrapped = der::tlv(tag::OCTET_STRING, &raw);
        assert_eq!(unwrap_point(&wrapped), raw);
    }
}
