//! An SM2 CA (GM/T 0015 certificate profile): an SM2 key in a PKCS#8 PEM file, its
//! self-signed certificate, and end-entity certificates for SM2 requests, all signed
//! SM3withSM2 (1.2.156.10197.1.501) with the default distinguishing ID.
//!
//! rcgen cannot sign with SM2, so certificates are assembled with `x509-cert`'s types
//! and signed with RustCrypto `sm2`; signatures and requests are checked by certinfo.

use std::fs;
use std::path::Path;

use der::asn1::{BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString, UtcTime};
use der::flagset::FlagSet;
use der::{Any, Decode, Encode, Tag};
use sha1::{Digest, Sha1};
use sha2::Sha256;
use sm2::dsa::SigningKey;
use sm2::dsa::signature::Signer as _;
use sm2::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use time::OffsetDateTime;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage as KeyUsageExt,
    KeyUsages, SubjectKeyIdentifier, certpolicy::PolicyInformation,
};
use x509_cert::ext::{AsExtension, Extension};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate, Version};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer;

use super::profile::{ExtKeyUsage, KeyUsage};
use super::{
    CA_VALIDITY, CERT_FILE, CaError, EncryptionRequest, IssueRequest, Issued, KEY_FILE,
    MAX_COMMON_NAME, Profile, Publication, SubjectSource, both_exist, random_serial,
    read_certificates, to_pem, whole_seconds, write_new,
};

/// SM3withSM2, 1.2.156.10197.1.501 (GM/T 0006).
pub const SM3_WITH_SM2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
/// The SM2 curve, 1.2.156.10197.1.301 (GM/T 0006).
pub const SM2_CURVE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
/// id-ecPublicKey, the SubjectPublicKeyInfo algorithm of SM2 keys.
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
const AD_CA_ISSUERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");
const KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
const KP_EMAIL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
const KP_CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");

/// An SM2 issuing CA. `Send + Sync`.
pub struct Sm2Ca {
    key: SigningKey,
    /// The CA certificate, DER.
    cert_der: Vec<u8>,
    /// Its subject, DER (every issued issuer field equals it).
    subject: Name,
    /// Its subject key identifier.
    key_id: Vec<u8>,
    not_after: OffsetDateTime,
    /// The revocation URLs written into issued certificates, once set.
    publication: Option<Publication>,
}

impl std::fmt::Debug for Sm2Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sm2Ca")
            .field("key_id", &hex::encode(&self.key_id))
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

/// The SM2 CA's folder inside the CA's folder: it lives beside the RSA/EC CA
/// (`<ca>/sm2/ca.key`, `<ca>/sm2/ca.pem`), made by `ca init --algorithm sm2`.
pub const DIR: &str = "sm2";

/// Whether `spki_der` (a DER SubjectPublicKeyInfo) is an SM2 public key:
/// id-ecPublicKey on the curve 1.2.156.10197.1.301.
pub fn is_sm2_spki(spki_der: &[u8]) -> bool {
    SubjectPublicKeyInfoOwned::from_der(spki_der).is_ok_and(|spki| {
        spki.algorithm.oid.to_string() == EC_PUBLIC_KEY
            && spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                == Some(SM2_CURVE)
    })
}

/// Whether the DER certificate signing request `csr_der` asks for an SM2 key (its
/// signature is not checked here).
pub fn is_sm2_request(csr_der: &[u8]) -> bool {
    super::csr::parse_der(csr_der)
        .is_ok_and(|csr| is_sm2_spki(csr.certification_request_info.subject_pki.raw))
}

/// Whether the PKCS#8 PEM key file at `path` holds an SM2 key (so the SM2 CA should
/// load it). Unreadable or other keys answer `false`.
pub fn is_sm2_key_file(path: &Path) -> bool {
    fs::read_to_string(path)
        .ok()
        .and_then(|pem| sm2::SecretKey::from_pkcs8_pem(&pem).ok())
        .is_some()
}

impl Sm2Ca {
    /// Creates the SM2 CA beside the CA whose files are in `ca_dir`: in `ca_dir/sm2`
    /// ([`DIR`]; [`KEY_FILE`], mode 0600, and [`CERT_FILE`]) with a self-signed
    /// certificate for `common_name`, valid [`CA_VALIDITY`]; if both files exist, loads
    /// them instead.
    pub fn init_pem(ca_dir: &Path, common_name: &str) -> Result<Sm2Ca, CaError> {
        let dir = &ca_dir.join(DIR);
        let key_path = dir.join(KEY_FILE);
        let cert_path = dir.join(CERT_FILE);
        if both_exist(&key_path, &cert_path)? {
            return Self::load_pem(&key_path, &cert_path);
        }
        let name = common_name.trim();
        if name.is_empty() || name.chars().count() > MAX_COMMON_NAME {
            return Err(CaError::InvalidCommonName(format!(
                "{common_name:?}: give 1 to {MAX_COMMON_NAME} characters"
            )));
        }
        let secret = generate_key()?;
        let key = SigningKey::new(certinfo::verify::sm2::DEFAULT_DISTID, &secret)
            .map_err(|e| CaError::Build(format!("sm2 key: {e}")))?;
        let spki = spki_of(&key)?;
        let key_id = key_identifier(&spki);
        let subject = common_name_only(name)?;
        let not_before = whole_seconds(OffsetDateTime::now_utc(), "notBefore")?;
        let not_after = not_before + CA_VALIDITY;
        let extensions = vec![
            ext(
                &subject,
                &BasicConstraints {
                    ca: true,
                    path_len_constraint: None,
                },
            )?,
            ext(
                &subject,
                &KeyUsageExt(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            )?,
            ext(&subject, &SubjectKeyIdentifier(octets(&key_id)?))?,
        ];
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: SerialNumber::new(&random_serial()?)
                .map_err(|e| CaError::Build(e.to_string()))?,
            signature: sm3_with_sm2(),
            issuer: subject.clone(),
            validity: validity(not_before, not_after)?,
            subject: subject.clone(),
            subject_public_key_info: spki,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(extensions),
        };
        let cert_der = sign(&key, tbs)?;
        fs::create_dir_all(dir).map_err(|e| CaError::io("create", dir, e))?;
        let key_pem = secret
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| CaError::Build(format!("sm2 key pem: {e}")))?;
        write_new(&key_path, key_pem.as_bytes(), 0o600)?;
        write_new(&cert_path, to_pem(&cert_der).as_bytes(), 0o644)?;
        Ok(Sm2Ca {
            key,
            cert_der,
            subject,
            key_id,
            not_after,
            publication: None,
        })
    }

    /// The SM2 CA beside the CA whose files are in `ca_dir` (`ca_dir/sm2`), if it is
    /// there; only one of its two files is [`CaError::IncompleteFiles`].
    pub fn load_beside(ca_dir: &Path) -> Result<Option<Sm2Ca>, CaError> {
        let dir = ca_dir.join(DIR);
        let (key, cert) = (dir.join(KEY_FILE), dir.join(CERT_FILE));
        if both_exist(&key, &cert)? {
            Self::load_pem(&key, &cert).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Loads an SM2 CA from a PKCS#8 PEM key file and its certificate (PEM or DER; the
    /// first certificate must hold the key's public key and be a CA).
    pub fn load_pem(key_path: &Path, cert_path: &Path) -> Result<Sm2Ca, CaError> {
        let key_pem = fs::read_to_string(key_path).map_err(|e| CaError::io("read", key_path, e))?;
        let invalid = |reason: String| CaError::InvalidKey {
            path: key_path.to_path_buf(),
            reason,
        };
        let secret = sm2::SecretKey::from_pkcs8_pem(&key_pem)
            .map_err(|e| invalid(format!("not an sm2 pkcs#8 key ({e})")))?;
        let key = SigningKey::new(certinfo::verify::sm2::DEFAULT_DISTID, &secret)
            .map_err(|e| invalid(e.to_string()))?;
        let cert_der = read_certificates(cert_path)?
            .into_iter()
            .next()
            .ok_or_else(|| CaError::InvalidCaCertificate("the file holds no certificate".into()))?;
        let cert = Certificate::from_der(&cert_der)
            .map_err(|e| CaError::InvalidCaCertificate(e.to_string()))?;
        let tbs = &cert.tbs_certificate;
        if tbs.subject_public_key_info != spki_of(&key)? {
            return Err(CaError::KeyMismatch(
                "the certificate's public key is not the sm2 key's".into(),
            ));
        }
        let facts =
            certinfo::facts(&cert_der).map_err(|e| CaError::InvalidCaCertificate(e.to_string()))?;
        if !facts.is_ca {
            return Err(CaError::InvalidCaCertificate(
                "it is not a ca certificate (basicConstraints cA is not true)".into(),
            ));
        }
        let not_after = OffsetDateTime::from_unix_timestamp(
            tbs.validity.not_after.to_unix_duration().as_secs() as i64,
        )
        .map_err(|e| CaError::InvalidCaCertificate(e.to_string()))?;
        let key_id = key_identifier(&tbs.subject_public_key_info);
        Ok(Sm2Ca {
            subject: tbs.subject.clone(),
            key,
            cert_der,
            key_id,
            not_after,
            publication: None,
        })
    }

    /// Writes CRL distribution point and authority information access into the
    /// certificates issued from now on.
    pub fn set_publication(&mut self, publication: Publication) {
        self.publication = Some(publication);
    }

    /// The CA certificate, DER.
    pub fn certificate(&self) -> &[u8] {
        &self.cert_der
    }

    /// The CA certificate, PEM.
    pub fn chain_pem(&self) -> String {
        to_pem(&self.cert_der)
    }

    /// Issues an end-entity certificate for the SM2 key of `req.csr_der` (whose
    /// SM3withSM2 self-signature must verify with the default distinguishing ID), with
    /// the key usages, extended key usages and policies of `req.profile`, a subject and
    /// authority key identifier, basicConstraints cA false, and the CRL/OCSP URLs once
    /// set. The certificate is verified against the CA certificate before it is returned.
    pub fn issue(&self, req: &IssueRequest<'_>) -> Result<Issued, CaError> {
        let spki_der = verify_sm2_csr(req.csr_der)?;
        let subject = match req.subject {
            SubjectSource::FromCsr => {
                let (_, csr) = X509CertificationRequest::from_der(req.csr_der)
                    .map_err(|e| CaError::InvalidCsr(e.to_string()))?;
                csr.certification_request_info.subject.as_raw().to_vec()
            }
            SubjectSource::FromCertificate(old) => certinfo::parse(old)
                .map_err(|e| CaError::InvalidCertificate(e.to_string()))?
                .subject()
                .as_raw()
                .to_vec(),
        };
        self.certify(
            &subject,
            &spki_der,
            (req.not_before, req.not_after),
            req.profile,
        )
    }

    /// Issues the encryption certificate of an SM2 pair: the KMC's SM2 key
    /// (`req.spki_der`) under the signing certificate's subject, byte for byte, for
    /// exactly its validity, with [`encryption_profile`] (GM/T 0015).
    pub fn issue_encryption(&self, req: &EncryptionRequest<'_>) -> Result<Issued, CaError> {
        if !is_sm2_spki(req.spki_der) {
            return Err(CaError::Unsupported(
                "the sm2 ca certifies sm2 encryption keys only".into(),
            ));
        }
        let signing = certinfo::facts(req.signing_certificate)
            .map_err(|e| CaError::InvalidCertificate(e.to_string()))?;
        self.certify(
            &signing.subject_der,
            req.spki_der,
            (signing.not_before, signing.not_after),
            &encryption_profile(req.policy_oids),
        )
    }

    /// Certifies `spki_der` under `subject_der` (copied byte for byte) for `validity`.
    fn certify(
        &self,
        subject_der: &[u8],
        spki_der: &[u8],
        validity_range: (OffsetDateTime, OffsetDateTime),
        profile: &Profile,
    ) -> Result<Issued, CaError> {
        let subject =
            Name::from_der(subject_der).map_err(|e| CaError::UnsupportedSubject(e.to_string()))?;
        if subject.0.is_empty() {
            return Err(CaError::UnsupportedSubject("the subject is empty".into()));
        }
        let not_before = whole_seconds(validity_range.0, "notBefore")?;
        let not_after = whole_seconds(validity_range.1, "notAfter")?;
        if not_after <= not_before {
            return Err(CaError::InvalidValidity(
                "notAfter must be after notBefore".into(),
            ));
        }
        if not_after > self.not_after {
            return Err(CaError::InvalidValidity(format!(
                "notAfter {not_after} is after the ca certificate's {}",
                self.not_after
            )));
        }
        let spki = SubjectPublicKeyInfoOwned::from_der(spki_der)
            .map_err(|e| CaError::InvalidCsr(e.to_string()))?;
        let extensions = self.leaf_extensions(&subject, &spki, profile)?;
        let serial = random_serial()?;
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: SerialNumber::new(&serial).map_err(|e| CaError::Build(e.to_string()))?,
            signature: sm3_with_sm2(),
            issuer: self.subject.clone(),
            validity: validity(not_before, not_after)?,
            subject,
            subject_public_key_info: spki,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(extensions),
        };
        let der = sign(&self.key, tbs)?;
        let issued = certinfo::facts(&der)
            .map_err(|e| CaError::SelfCheck(format!("the certificate does not read back: {e}")))?;
        if issued.subject_der != subject_der || issued.spki_der != spki_der {
            return Err(CaError::SelfCheck(
                "the subject or the public key differs from what was meant".into(),
            ));
        }
        certinfo::verify_issued_by(&der, std::slice::from_ref(&self.cert_der))
            .map_err(|e| CaError::SelfCheck(format!("the sm2 signature does not verify: {e}")))?;
        Ok(Issued {
            sha256_hex: hex::encode(Sha256::digest(&der)),
            serial_hex: hex::encode(serial),
            der,
            not_before,
            not_after,
        })
    }

    fn leaf_extensions(
        &self,
        subject: &Name,
        spki: &SubjectPublicKeyInfoOwned,
        profile: &Profile,
    ) -> Result<Vec<Extension>, CaError> {
        profile.validate()?;
        let mut usages = FlagSet::<KeyUsages>::default();
        for usage in &profile.key_usage {
            usages |= match usage {
                KeyUsage::DigitalSignature => KeyUsages::DigitalSignature,
                KeyUsage::NonRepudiation => KeyUsages::NonRepudiation,
                KeyUsage::KeyEncipherment => KeyUsages::KeyEncipherment,
                KeyUsage::DataEncipherment => KeyUsages::DataEncipherment,
                KeyUsage::KeyAgreement => KeyUsages::KeyAgreement,
            };
        }
        let mut extensions = vec![
            ext(
                subject,
                &BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
            )?,
            ext(subject, &KeyUsageExt(usages))?,
            ext(
                subject,
                &SubjectKeyIdentifier(octets(&key_identifier(spki))?),
            )?,
            ext(
                subject,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(octets(&self.key_id)?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
            )?,
        ];
        if !profile.extended_key_usage.is_empty() {
            let mut purposes = Vec::new();
            for usage in &profile.extended_key_usage {
                let oid = match usage {
                    ExtKeyUsage::ClientAuth => KP_CLIENT_AUTH,
                    ExtKeyUsage::EmailProtection => KP_EMAIL,
                    ExtKeyUsage::CodeSigning => KP_CODE_SIGNING,
                };
                if !purposes.contains(&oid) {
                    purposes.push(oid);
                }
            }
            extensions.push(ext(subject, &ExtendedKeyUsage(purposes))?);
        }
        if !profile.policy_oids.is_empty() {
            let policies = profile
                .policy_oids
                .iter()
                .map(|dotted| {
                    ObjectIdentifier::new(dotted)
                        .map(|policy_identifier| PolicyInformation {
                            policy_identifier,
                            policy_qualifiers: None,
                        })
                        .map_err(|e| CaError::InvalidProfile(format!("{dotted}: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            extensions.push(ext(subject, &CertificatePolicies(policies))?);
        }
        if let Some(publication) = &self.publication {
            let uri = |url: &str| {
                Ia5String::new(url)
                    .map(GeneralName::UniformResourceIdentifier)
                    .map_err(|e| CaError::Build(format!("{url}: {e}")))
            };
            extensions.push(ext(
                subject,
                &CrlDistributionPoints(vec![DistributionPoint {
                    distribution_point: Some(DistributionPointName::FullName(vec![uri(
                        &publication.crl_url,
                    )?])),
                    reasons: None,
                    crl_issuer: None,
                }]),
            )?);
            extensions.push(ext(
                subject,
                &AuthorityInfoAccessSyntax(vec![
                    AccessDescription {
                        access_method: AD_OCSP,
                        access_location: uri(&publication.ocsp_url)?,
                    },
                    AccessDescription {
                        access_method: AD_CA_ISSUERS,
                        access_location: uri(&publication.ca_issuers_url)?,
                    },
                ]),
            )?);
        }
        Ok(extensions)
    }
}

/// The profile of an SM2 encryption certificate (GM/T 0015): keyEncipherment,
/// dataEncipherment and keyAgreement (SM2 encrypts with the key itself, although
/// RFC 5480 forbids the first two for id-ecPublicKey keys), no extended key usage,
/// the project's policies.
pub fn encryption_profile(policy_oids: &[String]) -> Profile {
    Profile {
        key_usage: vec![
            KeyUsage::KeyEncipherment,
            KeyUsage::DataEncipherment,
            KeyUsage::KeyAgreement,
        ],
        extended_key_usage: Vec::new(),
        policy_oids: policy_oids.to_vec(),
    }
}

/// Checks an SM2 certificate signing request: size, structure, signed SM3withSM2 by an
/// SM2 key (verified by certinfo with the default distinguishing ID). Returns the
/// request's SubjectPublicKeyInfo, DER.
pub fn verify_sm2_csr(csr_der: &[u8]) -> Result<Vec<u8>, CaError> {
    let csr = super::csr::parse_der(csr_der)?;
    let algorithm = csr.signature_algorithm.algorithm.to_id_string();
    if algorithm != SM3_WITH_SM2.to_string() {
        return Err(CaError::Unsupported(format!(
            "the request is signed with {algorithm}; an sm2 ca needs SM3withSM2 \
             (1.2.156.10197.1.501)"
        )));
    }
    let info = &csr.certification_request_info;
    let spki = &info.subject_pki;
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|oid| oid.to_id_string());
    if spki.algorithm.algorithm.to_id_string() != EC_PUBLIC_KEY
        || curve.as_deref() != Some("1.2.156.10197.1.301")
    {
        return Err(CaError::Unsupported(
            "the request's key is not an sm2 key (curve 1.2.156.10197.1.301)".into(),
        ));
    }
    certinfo::verify_signature(spki.raw, info.raw, &csr.signature_value.data)
        .map_err(|_| CaError::CsrSignature)?;
    Ok(spki.raw.to_vec())
}

fn generate_key() -> Result<sm2::SecretKey, CaError> {
    for _ in 0..64 {
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|e| CaError::Random(e.to_string()))?;
        if let Ok(key) = sm2::SecretKey::from_slice(bytes.as_ref()) {
            return Ok(key);
        }
    }
    Err(CaError::Random("no valid sm2 scalar in 64 draws".into()))
}

fn spki_of(key: &SigningKey) -> Result<SubjectPublicKeyInfoOwned, CaError> {
    let der = key
        .verifying_key()
        .to_public_key_der()
        .map_err(|e| CaError::Build(format!("sm2 public key: {e}")))?;
    SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).map_err(|e| CaError::Build(e.to_string()))
}

/// RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits.
fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
}

fn octets(bytes: &[u8]) -> Result<OctetString, CaError> {
    OctetString::new(bytes).map_err(|e| CaError::Build(e.to_string()))
}

fn sm3_with_sm2() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: SM3_WITH_SM2,
        parameters: None,
    }
}

fn common_name_only(name: &str) -> Result<Name, CaError> {
    let value = Any::new(Tag::Utf8String, name.as_bytes())
        .map_err(|e| CaError::InvalidCommonName(e.to_string()))?;
    let rdn = RelativeDistinguishedName::try_from(vec![AttributeTypeAndValue {
        oid: COMMON_NAME,
        value,
    }])
    .map_err(|e| CaError::Build(e.to_string()))?;
    Ok(RdnSequence(vec![rdn]))
}

/// UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5).
fn time(t: OffsetDateTime) -> Result<Time, CaError> {
    let since_epoch = std::time::Duration::from_secs(
        u64::try_from(t.unix_timestamp())
            .map_err(|_| CaError::InvalidValidity(format!("{t} is before 1970")))?,
    );
    let time = if t.year() < 2050 {
        UtcTime::from_unix_duration(since_epoch).map(Time::UtcTime)
    } else {
        GeneralizedTime::from_unix_duration(since_epoch).map(Time::GeneralTime)
    };
    time.map_err(|e| CaError::InvalidValidity(e.to_string()))
}

fn validity(not_before: OffsetDateTime, not_after: OffsetDateTime) -> Result<Validity, CaError> {
    Ok(Validity {
        not_before: time(not_before)?,
        not_after: time(not_after)?,
    })
}

fn ext<E: AsExtension>(subject: &Name, extension: &E) -> Result<Extension, CaError> {
    extension
        .to_extension(subject, &[])
        .map_err(|e| CaError::Build(e.to_string()))
}

/// Signs `tbs` SM3withSM2 and returns the certificate, DER.
fn sign(key: &SigningKey, tbs: TbsCertificate) -> Result<Vec<u8>, CaError> {
    let tbs_der = tbs.to_der().map_err(|e| CaError::Build(e.to_string()))?;
    let signature: sm2::dsa::Signature = key.sign(&tbs_der);
    let signature = BitString::from_bytes(signature.to_der().as_bytes())
        .map_err(|e| CaError::Build(e.to_string()))?;
    Certificate {
        tbs_certificate: tbs,
        signature_algorithm: sm3_with_sm2(),
        signature,
    }
    .to_der()
    .map_err(|e| CaError::Build(e.to_string()))
}

#[cfg(test)]
mod tests;
