//! The issuing CA: one CA key (in a PEM file or on a PKCS#11 token), its certificate,
//! and issuance of end-entity certificates for renewals.
//!
//! A renewed certificate certifies the key of a verified certificate signing request,
//! under the subject copied byte for byte from the old certificate (or taken from the
//! request), with the project's [`Profile`], a 16-byte random serial and exactly the
//! requested validity. Every certificate is checked before it is returned: subject,
//! key and issuer as intended, and the CA's signature verifying.
//!
//! Limits: an empty subject is refused (it would need a subjectAltName); rcgen writes
//! at most one attribute of each type in a name, no multi-valued
//! RDNs, and only UTF8String, PrintableString, IA5String, BMPString, TeletexString
//! (ASCII) and UniversalString values; a subject outside that is refused with
//! [`CaError::UnsupportedSubject`], never altered. A CA key on a token must be EC
//! P-256. An SM2 CA (SM3withSM2, GM/T 0015, [`sm2::Sm2Ca`]) may stand beside this one,
//! in the `sm2` folder beside its files, loaded with it ([`Ca::attach_sm2`]): requests for
//! SM2 keys, and SM2 encryption keys, are issued by it; everything else, CRLs and OCSP
//! included, stays with this CA.

mod crl;
mod csr;
mod der;
mod encryption;
mod error;
pub(crate) mod pkcs11;
mod profile;
mod publication;
mod signer;
pub mod sm2;
mod subject;
#[cfg(test)]
mod tests;

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue, IsCa, Issuer,
    KeyIdMethod, KeyPair, KeyUsagePurpose, PublicKeyData, SerialNumber,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime, UtcOffset};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

pub use crl::{Reason, RevokedEntry};
pub use csr::{CsrInfo, MAX_CSR_LEN};

/// Checks a DER certificate signing request: an SM2 one as SM3withSM2
/// ([`sm2::verify_sm2_csr`]), any other by [`csr::verify_csr`].
pub fn verify_csr(csr_der: &[u8]) -> Result<CsrInfo, CaError> {
    if !sm2::is_sm2_request(csr_der) {
        return csr::verify_csr(csr_der);
    }
    let spki_der = sm2::verify_sm2_csr(csr_der)?;
    let csr = csr::parse_der(csr_der)?;
    Ok(CsrInfo {
        spki_der,
        subject_der: csr.certification_request_info.subject.as_raw().to_vec(),
    })
}
pub use encryption::{EncryptionRequest, encryption_profile};
pub use error::CaError;
pub use profile::{ExtKeyUsage, KeyUsage, Profile};
pub use publication::Publication;

use signer::{Capturing, Signer};

/// The CA key's file name in the directory given to [`Ca::init_pem`].
pub const KEY_FILE: &str = "ca.key";
/// The CA certificate's file name in the directory given to [`Ca::init_pem`].
pub const CERT_FILE: &str = "ca.pem";
/// The validity of a CA certificate made by `init_*`: 20 years of 365.25 days.
pub const CA_VALIDITY: Duration = Duration::days(7305);
/// The length of issued certificates' serial numbers, in bytes.
pub const SERIAL_LEN: usize = 16;
/// RFC 5280's upper bound for a common name, in characters.
const MAX_COMMON_NAME: usize = 64;

/// Where the new certificate's subject comes from.
#[derive(Clone, Copy, Debug)]
pub enum SubjectSource<'a> {
    /// Copied byte for byte from this (old) certificate, DER. The certificate is only
    /// parsed here: checking that it is genuine (chain, revocation) is the caller's.
    FromCertificate(&'a [u8]),
    /// The subject in the certificate signing request.
    FromCsr,
}

/// What to issue.
#[derive(Clone, Copy, Debug)]
pub struct IssueRequest<'a> {
    /// The DER certificate signing request; its key is certified.
    pub csr_der: &'a [u8],
    /// Where the subject comes from.
    pub subject: SubjectSource<'a>,
    /// notBefore; fractions of a second are dropped.
    pub not_before: OffsetDateTime,
    /// notAfter; fractions of a second are dropped. Must be after `not_before` and no
    /// later than the signing CA certificate's notAfter.
    pub not_after: OffsetDateTime,
    /// Key usage, extended key usage, policies.
    pub profile: &'a Profile,
}

/// An issued certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// Its serial number: 32 lowercase hex digits, no separators.
    pub serial_hex: String,
    /// SHA-256 of `der`, lowercase hex.
    pub sha256_hex: String,
    /// notBefore as written (UTC, whole seconds).
    pub not_before: OffsetDateTime,
    /// notAfter as written (UTC, whole seconds).
    pub not_after: OffsetDateTime,
}

/// The issuing CA. `Send + Sync`: share it in an `Arc`; [`Ca::issue`] takes `&self`.
pub struct Ca {
    signer: Signer,
    /// The signing certificate's name, key identifier and usages, as rcgen needs them.
    issuer: CertificateParams,
    /// Issuing certificates, DER; the first is the signing one.
    certificates: Vec<Vec<u8>>,
    /// The signing certificate's subject, DER (every issued issuer field equals it).
    subject_der: Vec<u8>,
    /// The signing certificate's SubjectPublicKeyInfo, DER.
    spki_der: Vec<u8>,
    /// The signing certificate's notAfter.
    not_after: OffsetDateTime,
    /// The revocation URLs written into issued certificates, once set.
    publication: Option<Publication>,
    /// The SM2 CA beside this one, if any: it issues for SM2 keys.
    sm2: Option<sm2::Sm2Ca>,
}

const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Ca>();
};

impl fmt::Debug for Ca {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ca")
            .field("key", &self.signer.describe())
            .field("subject_der", &hex::encode(&self.subject_der))
            .field("certificates", &self.certificates.len())
            .field("not_after", &self.not_after)
            .field("sm2", &self.sm2)
            .finish()
    }
}

impl Ca {
    /// Creates a CA in `dir` on first use, or loads it.
    ///
    /// When neither `dir/ca.key` nor `dir/ca.pem` exists: creates `dir` if needed, an
    /// EC P-256 key written as unencrypted PKCS#8 PEM to `ca.key` (mode 0600 on unix),
    /// and a self-signed certificate in `ca.pem`: subject C=CN, O=certrenew,
    /// CN=`common_name`; basicConstraints cA (critical, pathLen 0); keyUsage
    /// keyCertSign + cRLSign (critical); subjectKeyIdentifier; 20 years from now. Files
    /// are written to a temporary name and then linked in place, never overwriting.
    /// When both exist: [`Ca::load_pem`] (`common_name` is then ignored). When only
    /// one exists: [`CaError::IncompleteFiles`].
    pub fn init_pem(dir: &Path, common_name: &str) -> Result<Ca, CaError> {
        let key_path = dir.join(KEY_FILE);
        let cert_path = dir.join(CERT_FILE);
        if both_exist(&key_path, &cert_path)? {
            return Self::load_pem(&key_path, &cert_path);
        }
        let params = ca_params(common_name)?;
        let key = KeyPair::generate().map_err(|e| CaError::Build(e.to_string()))?;
        let key_pem = key.serialize_pem();
        let signer = Signer::File(key);
        let cert = self_sign(&params, &signer)?;
        fs::create_dir_all(dir).map_err(|e| CaError::io("create", dir, e))?;
        write_new(&key_path, key_pem.as_bytes(), 0o600)?;
        write_new(&cert_path, to_pem(&cert).as_bytes(), 0o644)?;
        Self::from_parts(signer, vec![cert])?.with_sm2_beside(&cert_path)
    }

    /// Loads a CA from a PKCS#8 PEM key file (EC P-256/P-384, RSA or Ed25519) and a
    /// certificate file (PEM, or a single DER certificate). The first certificate in
    /// the file must certify the key (checked by comparing the public keys and by a
    /// test signature) and be a CA certificate; further certificates in the file are
    /// added as by [`Ca::add_issuer_certificate`].
    pub fn load_pem(key: &Path, cert: &Path) -> Result<Ca, CaError> {
        let key_pem = fs::read_to_string(key).map_err(|e| CaError::io("read", key, e))?;
        let key_pair = KeyPair::from_pem(&key_pem).map_err(|e| CaError::InvalidKey {
            path: key.to_path_buf(),
            reason: e.to_string(),
        })?;
        let certificates = read_certificates(cert)?;
        Self::from_parts(Signer::File(key_pair), certificates)?.with_sm2_beside(key)
    }

    /// Creates a CA whose key is on a PKCS#11 token, or loads it.
    ///
    /// Loads `module`, logs in to the token labelled `token_label` with `pin`, and looks
    /// for the private key labelled `key_label`. If `cert_out` exists, the key must
    /// exist and match it ([`CaError::CertificateWithoutKey`] otherwise), and the CA is
    /// loaded. If not, the key is generated when absent (EC P-256, token object,
    /// private, sensitive, non-extractable, sign only, random 16-byte `CKA_ID`, label
    /// `key_label`, and its public key object), a CA certificate like
    /// [`Ca::init_pem`]'s is self-signed with it, and written to `cert_out` as PEM.
    pub fn init_pkcs11(
        module: &Path,
        token_label: &str,
        pin: &str,
        key_label: &str,
        cert_out: &Path,
        common_name: &str,
    ) -> Result<Ca, CaError> {
        if exists(cert_out)? {
            return Self::load_pkcs11(module, token_label, pin, key_label, cert_out);
        }
        let params = ca_params(common_name)?;
        let opened = pkcs11::open(module, token_label, pin, true)?;
        let key = match opened.find_private_key(key_label)? {
            Some(key) => key,
            None => opened.generate(key_label)?,
        };
        let signer = Signer::Hsm(opened.into_key(key, key_label, None)?);
        let cert = self_sign(&params, &signer)?;
        if let Some(parent) = cert_out.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| CaError::io("create", parent, e))?;
        }
        write_new(cert_out, to_pem(&cert).as_bytes(), 0o644)?;
        Self::from_parts(signer, vec![cert])
    }

    /// Loads a CA whose key is the private key labelled `key_label` on the token
    /// labelled `token_label`, with its certificate file `cert` (as in
    /// [`Ca::load_pem`]). The key must be EC P-256 and match the certificate.
    pub fn load_pkcs11(
        module: &Path,
        token_label: &str,
        pin: &str,
        key_label: &str,
        cert: &Path,
    ) -> Result<Ca, CaError> {
        let certificates = read_certificates(cert)?;
        let opened = pkcs11::open(module, token_label, pin, false)?;
        let Some(key) = opened.find_private_key(key_label)? else {
            return Err(CaError::CertificateWithoutKey {
                cert: cert.to_path_buf(),
                token: opened.token().to_string(),
                label: key_label.to_string(),
            });
        };
        let point = certificates.first().and_then(|der| ec_point_of(der));
        let signer = Signer::Hsm(opened.into_key(key, key_label, point)?);
        Self::from_parts(signer, certificates)?.with_sm2_beside(cert)
    }

    /// Adds an issuing certificate that is still valid for verification (a previous CA
    /// certificate kept through a CA change). It does not sign; the first certificate
    /// stays the signing one. A certificate already present is not added twice. The
    /// certificate is not checked here.
    pub fn add_issuer_certificate(&mut self, der: Vec<u8>) {
        if !self.certificates.contains(&der) {
            self.certificates.push(der);
        }
    }

    /// Attaches the SM2 CA made by `ca init --algorithm sm2` in the `sm2` folder beside
    /// `file` (the CA's key or certificate file), when it is there.
    fn with_sm2_beside(mut self, file: &Path) -> Result<Ca, CaError> {
        let dir = file.parent().unwrap_or(Path::new("."));
        if let Some(sm2) = sm2::Sm2Ca::load_beside(dir)? {
            self.attach_sm2(sm2);
        }
        Ok(self)
    }

    /// Puts the SM2 CA beside this one: SM2 requests and SM2 encryption keys are issued
    /// by it from now on, and its certificate joins [`Ca::certificates`] (after the
    /// signing one) so that what it issued is recognised as ours.
    pub fn attach_sm2(&mut self, sm2: sm2::Sm2Ca) {
        self.add_issuer_certificate(sm2.certificate().to_vec());
        self.sm2 = Some(sm2);
    }

    /// The SM2 CA beside this one, if any.
    pub fn sm2(&self) -> Option<&sm2::Sm2Ca> {
        self.sm2.as_ref()
    }

    fn require_sm2(&self) -> Result<&sm2::Sm2Ca, CaError> {
        self.sm2.as_ref().ok_or_else(|| {
            CaError::Unsupported(
                "this is an sm2 key and no sm2 ca is set up (certrenew-server ca init \
                 --algorithm sm2)"
                    .into(),
            )
        })
    }

    /// The issuing certificates of `issued_der` as a chain to send with it: the SM2 CA's
    /// for what it issued, else this CA's.
    pub fn chain_for(&self, issued_der: &[u8]) -> Vec<Vec<u8>> {
        match &self.sm2 {
            Some(sm2)
                if certinfo::verify_issued_by(
                    issued_der,
                    std::slice::from_ref(&sm2.certificate().to_vec()),
                )
                .is_ok() =>
            {
                vec![sm2.certificate().to_vec()]
            }
            Some(sm2) => self
                .certificates
                .iter()
                .filter(|c| c.as_slice() != sm2.certificate())
                .cloned()
                .collect(),
            None => self.certificates.clone(),
        }
    }

    /// Every issuing certificate, DER; the first is the one that signs.
    pub fn certificates(&self) -> &[Vec<u8>] {
        &self.certificates
    }

    /// Signs a statement of the server's own (an audit checkpoint, `crate::audit`) with
    /// the CA key, in the key's signature algorithm.
    pub fn sign_statement(&self, message: &[u8]) -> Result<Vec<u8>, CaError> {
        self.signer.sign(message)
    }

    /// Every issuing certificate as concatenated PEM blocks (LF line endings), the
    /// signing one first.
    pub fn chain_pem(&self) -> String {
        self.certificates.iter().map(|der| to_pem(der)).collect()
    }

    /// Issues a certificate: verifies the request ([`verify_csr`]), then certifies its
    /// key with the subject from `req.subject`, a random positive 16-byte serial,
    /// exactly `req.not_before..req.not_after` (whole seconds), basicConstraints cA
    /// false, the profile's key usage, extended key usage and certificate policies,
    /// subject and authority key identifiers, and, once [`Ca::publish_under`] set them,
    /// the CRL distribution point and authority information access (OCSP, caIssuers;
    /// docs/revocation.md). The result is parsed back and checked
    /// (subject bytes, public key, issuer, signature) before it is returned.
    /// A request for an SM2 key goes to the SM2 CA ([`sm2::Sm2Ca::issue`]).
    pub fn issue(&self, req: &IssueRequest<'_>) -> Result<Issued, CaError> {
        if sm2::is_sm2_request(req.csr_der) {
            return self.require_sm2()?.issue(req);
        }
        let extensions = req.profile.extensions()?;
        let csr = csr::parse_verified(req.csr_der)?;
        let info = &csr.certification_request_info;

        let old;
        let subject_name = match req.subject {
            SubjectSource::FromCsr => &info.subject,
            SubjectSource::FromCertificate(der) => {
                old = parse_certificate(der)
                    .map_err(|e| CaError::InvalidCertificate(e.to_string()))?;
                old.subject()
            }
        };
        let source = match req.subject {
            SubjectSource::FromCsr => "request",
            SubjectSource::FromCertificate(_) => "old certificate",
        };
        self.certify(
            subject_name,
            source,
            info.subject_pki.raw,
            (req.not_before, req.not_after),
            extensions,
        )
    }

    /// Certifies `spki_der` under `subject_name` (copied byte for byte; `source` names
    /// it in errors) for `validity`, with `extensions`, a random serial, key
    /// identifiers and the revocation URLs; checks the result before returning it.
    fn certify(
        &self,
        subject_name: &x509_parser::x509::X509Name<'_>,
        source: &str,
        spki_der: &[u8],
        validity: (OffsetDateTime, OffsetDateTime),
        extensions: profile::Extensions,
    ) -> Result<Issued, CaError> {
        let distinguished_name = subject::to_rcgen(subject_name, source)?;

        let not_before = whole_seconds(validity.0, "not_before")?;
        let not_after = whole_seconds(validity.1, "not_after")?;
        if not_after <= not_before {
            return Err(CaError::InvalidValidity(format!(
                "not_after ({not_after}) is not later than not_before ({not_before})"
            )));
        }
        if not_after > self.not_after {
            return Err(CaError::InvalidValidity(format!(
                "not_after ({not_after}) is later than the ca certificate's notAfter ({}): \
                 renew the ca certificate first",
                self.not_after
            )));
        }

        let serial = random_serial()?;
        let public_key = rcgen::SubjectPublicKeyInfo::from_der(spki_der)
            .map_err(|e| CaError::Unsupported(e.to_string()))?;

        let mut params = CertificateParams::default();
        params.not_before = not_before;
        params.not_after = not_after;
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        params.distinguished_name = distinguished_name;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = extensions.key_usages;
        params.extended_key_usages = extensions.extended_key_usages;
        params.custom_extensions = extensions.custom;
        params.use_authority_key_identifier_extension = true;
        params.key_identifier_method = KeyIdMethod::Sha256;
        if let Some(publication) = &self.publication {
            publication.apply(&mut params)?;
        }

        let issuer = Issuer::from_params(&self.issuer, Capturing::new(&self.signer));
        let der = params
            .signed_by(&public_key, &issuer)
            .map_err(|e| issuer.key().error(e))?
            .der()
            .to_vec();

        self.self_check(&der, subject_name.as_raw(), spki_der, &serial)?;

        Ok(Issued {
            sha256_hex: hex::encode(Sha256::digest(&der)),
            serial_hex: hex::encode(serial),
            der,
            not_before,
            not_after,
        })
    }

    /// Checks a freshly built certificate against what was meant.
    fn self_check(
        &self,
        der: &[u8],
        subject_der: &[u8],
        spki_der: &[u8],
        serial: &[u8],
    ) -> Result<(), CaError> {
        let cert = parse_certificate(der).map_err(|e| CaError::SelfCheck(e.to_string()))?;
        if cert.subject().as_raw() != subject_der {
            return Err(CaError::UnsupportedSubject(
                "the subject cannot be reproduced byte for byte (it is not in canonical DER)"
                    .into(),
            ));
        }
        if cert.public_key().raw != spki_der {
            return Err(CaError::SelfCheck(
                "the certified public key differs from the request's".into(),
            ));
        }
        if cert.issuer().as_raw() != self.subject_der.as_slice() {
            return Err(CaError::SelfCheck(
                "the issuer name differs from the ca certificate's subject".into(),
            ));
        }
        if cert.raw_serial() != serial {
            return Err(CaError::SelfCheck("the serial number differs".into()));
        }
        let (_, ca_key) = SubjectPublicKeyInfo::from_der(&self.spki_der)
            .map_err(|e| CaError::SelfCheck(format!("the ca public key: {e}")))?;
        cert.verify_signature(Some(&ca_key))
            .map_err(|e| CaError::SelfCheck(format!("the signature does not verify: {e}")))
    }

    /// Builds the CA from its signer and certificates (the first certifies the key).
    fn from_parts(signer: Signer, certificates: Vec<Vec<u8>>) -> Result<Ca, CaError> {
        let Some(first) = certificates.first() else {
            return Err(CaError::InvalidCaCertificate(
                "there is no certificate".into(),
            ));
        };
        let cert =
            parse_certificate(first).map_err(|e| CaError::InvalidCaCertificate(e.to_string()))?;
        let spki = cert.public_key();
        if signer.subject_public_key_info() != spki.raw {
            return Err(CaError::KeyMismatch(
                "the certificate certifies another public key".into(),
            ));
        }
        let mut probe = [0u8; 32];
        getrandom::fill(&mut probe).map_err(|e| CaError::Random(e.to_string()))?;
        let signature = signer.sign(&probe)?;
        let algorithm = signer::verification_algorithm(signer.algorithm()).ok_or_else(|| {
            CaError::Unsupported("the ca key's signature algorithm cannot be checked".into())
        })?;
        ring::signature::UnparsedPublicKey::new(algorithm, &spki.subject_public_key.data)
            .verify(&probe, &signature)
            .map_err(|_| {
                CaError::KeyMismatch(
                    "a test signature by the ca key does not verify with the certificate's key"
                        .into(),
                )
            })?;

        match cert.basic_constraints() {
            Ok(Some(bc)) if bc.value.ca => {}
            Ok(_) => {
                return Err(CaError::InvalidCaCertificate(
                    "it is not a ca certificate (basicConstraints cA is not set)".into(),
                ));
            }
            Err(e) => return Err(CaError::InvalidCaCertificate(e.to_string())),
        }
        match cert.key_usage() {
            Ok(Some(ku)) if !ku.value.key_cert_sign() => {
                return Err(CaError::InvalidCaCertificate(
                    "its key usage does not allow keyCertSign".into(),
                ));
            }
            Ok(_) => {}
            Err(e) => return Err(CaError::InvalidCaCertificate(e.to_string())),
        }
        let distinguished_name = subject::to_rcgen(cert.subject(), "ca certificate")
            .map_err(|e| CaError::InvalidCaCertificate(e.to_string()))?;
        let key_id = cert
            .iter_extensions()
            .find_map(|ext| match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
                _ => None,
            });

        let mut issuer = CertificateParams::default();
        issuer.distinguished_name = distinguished_name;
        issuer.key_identifier_method = match key_id {
            Some(id) => KeyIdMethod::PreSpecified(id),
            None => KeyIdMethod::Sha256,
        };
        issuer.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let subject_der = cert.subject().as_raw().to_vec();
        let spki_der = spki.raw.to_vec();
        let not_after = cert.validity().not_after.to_datetime();

        let mut ca = Ca {
            signer,
            issuer,
            certificates: Vec::new(),
            subject_der,
            spki_der,
            not_after,
            publication: None,
            sm2: None,
        };
        for der in certificates {
            ca.add_issuer_certificate(der);
        }
        Ok(ca)
    }
}

/// A DER certificate, with nothing after it.
fn parse_certificate(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok((rest, _)) => Err(format!(
            "{} unexpected bytes follow the certificate",
            rest.len()
        )),
        Err(e) => Err(format!("not a DER X.509 certificate ({e})")),
    }
}

/// The uncompressed EC point a certificate certifies, if it certifies one.
fn ec_point_of(der: &[u8]) -> Option<Vec<u8>> {
    let cert = parse_certificate(der).ok()?;
    let point = &cert.public_key().subject_public_key.data;
    (point.len() == 65 && point.first() == Some(&0x04)).then(|| point.to_vec())
}

fn exists(path: &Path) -> Result<bool, CaError> {
    path.try_exists().map_err(|e| CaError::io("check", path, e))
}

/// Whether a CA's key and certificate files are both there (load them) or neither
/// (create them); only one is [`CaError::IncompleteFiles`].
pub(crate) fn both_exist(key_path: &Path, cert_path: &Path) -> Result<bool, CaError> {
    match (exists(key_path)?, exists(cert_path)?) {
        (true, true) => Ok(true),
        (false, false) => Ok(false),
        (true, false) => Err(CaError::IncompleteFiles {
            present: key_path.to_path_buf(),
            missing: cert_path.to_path_buf(),
        }),
        (false, true) => Err(CaError::IncompleteFiles {
            present: cert_path.to_path_buf(),
            missing: key_path.to_path_buf(),
        }),
    }
}

/// The parameters of a new self-signed CA certificate.
fn ca_params(common_name: &str) -> Result<CertificateParams, CaError> {
    let common_name = common_name.trim();
    if common_name.is_empty() {
        return Err(CaError::InvalidCommonName("it is empty".into()));
    }
    if common_name.chars().count() > MAX_COMMON_NAME {
        return Err(CaError::InvalidCommonName(format!(
            "it is longer than {MAX_COMMON_NAME} characters"
        )));
    }
    if common_name.chars().any(char::is_control) {
        return Err(CaError::InvalidCommonName(
            "it contains control characters".into(),
        ));
    }
    let country = rcgen::string::PrintableString::try_from("CN")
        .map_err(|e| CaError::Build(e.to_string()))?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CountryName, DnValue::PrintableString(country));
    name.push(
        DnType::OrganizationName,
        DnValue::Utf8String("certrenew".into()),
    );
    name.push(DnType::CommonName, DnValue::Utf8String(common_name.into()));

    let now = whole_seconds(OffsetDateTime::now_utc(), "the current time")?;
    let mut params = CertificateParams::default();
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.serial_number = Some(SerialNumber::from_slice(&random_serial()?));
    params.not_before = now;
    params.not_after = now + CA_VALIDITY;
    params.key_identifier_method = KeyIdMethod::Sha256;
    Ok(params)
}

/// Self-signs `params` with `signer`; the certificate's DER.
fn self_sign(params: &CertificateParams, signer: &Signer) -> Result<Vec<u8>, CaError> {
    let capturing = Capturing::new(signer);
    match params.self_signed(&capturing) {
        Ok(cert) => Ok(cert.der().to_vec()),
        Err(e) => Err(capturing.error(e)),
    }
}

/// `t` in UTC without fractions of a second, within what a certificate can express.
fn whole_seconds(t: OffsetDateTime, what: &str) -> Result<OffsetDateTime, CaError> {
    let t = t
        .to_offset(UtcOffset::UTC)
        .replace_nanosecond(0)
        .map_err(|e| CaError::InvalidValidity(format!("{what}: {e}")))?;
    if !(1950..=9999).contains(&t.year()) {
        return Err(CaError::InvalidValidity(format!(
            "{what} ({t}) is outside the years 1950 to 9999"
        )));
    }
    Ok(t)
}

/// A random serial of [`SERIAL_LEN`] bytes, positive (top bit clear) and with a
/// non-zero first byte, so that it is exactly that long in DER.
fn random_serial() -> Result<[u8; SERIAL_LEN], CaError> {
    for _ in 0..64 {
        let mut serial = [0u8; SERIAL_LEN];
        getrandom::fill(&mut serial).map_err(|e| CaError::Random(e.to_string()))?;
        serial[0] &= 0x7f;
        if serial[0] != 0 {
            return Ok(serial);
        }
    }
    Err(CaError::Random("it keeps returning zero bytes".into()))
}

fn to_pem(der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new("CERTIFICATE", der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// The certificates in a file: every PEM `CERTIFICATE` block, or one DER certificate.
fn read_certificates(path: &Path) -> Result<Vec<Vec<u8>>, CaError> {
    let bytes = fs::read(path).map_err(|e| CaError::io("read", path, e))?;
    if !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        return Ok(vec![bytes]);
    }
    let blocks = pem::parse_many(&bytes).map_err(|e| {
        CaError::InvalidCaCertificate(format!("{} is not valid PEM: {e}", path.display()))
    })?;
    let certificates: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter(|block| block.tag() == "CERTIFICATE")
        .map(pem::Pem::into_contents)
        .collect();
    if certificates.is_empty() {
        return Err(CaError::InvalidCaCertificate(format!(
            "{} holds no PEM CERTIFICATE block",
            path.display()
        )));
    }
    Ok(certificates)
}

/// Writes a new file at `path` with `mode` (unix), never replacing an existing one: the
/// content goes to a temporary file in the same directory, is synced, then linked to
/// `path` (which fails if `path` appeared meanwhile).
fn write_new(path: &Path, content: &[u8], mode: u32) -> Result<(), CaError> {
    let mut suffix = [0u8; 6];
    getrandom::fill(&mut suffix).map_err(|e| CaError::Random(e.to_string()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", hex::encode(suffix)));
    let result = write_synced(&temporary, content, mode).and_then(|()| {
        match fs::hard_link(&temporary, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(CaError::io("create", path, e))
            }
            // A file system without hard links: rename (the absence was checked).
            Err(_) => fs::rename(&temporary, path).map_err(|e| CaError::io("create", path, e)),
        }
    });
    // Best effort: the temporary is gone after a rename, and harmless if left.
    let _ = fs::remove_file(&temporary);
    result?;
    sync_parent(path)
}

fn write_synced(path: &Path, content: &[u8], mode: u32) -> Result<(), CaError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(path)
        .map_err(|e| CaError::io("create", path, e))?;
    file.write_all(content)
        .and_then(|()| file.sync_all())
        .map_err(|e| CaError::io("write", path, e))
}

fn sync_parent(path: &Path) -> Result<(), CaError> {
    #[cfg(unix)]
    if let Some(parent) = path.parent() {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        fs::File::open(parent)
            .and_then(|dir| dir.sync_all())
            .map_err(|e| CaError::io("sync", parent, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Whether `signature` over `message` verifies under the key of `certificate_der` (a CA
/// certificate), in any algorithm [`Ca::sign_statement`] can produce.
pub fn verify_statement(certificate_der: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(cert) = parse_certificate(certificate_der) else {
        return false;
    };
    let key = &cert.public_key().subject_public_key.data;
    [
        &rcgen::PKCS_ECDSA_P256_SHA256,
        &rcgen::PKCS_ECDSA_P384_SHA384,
        &rcgen::PKCS_RSA_SHA256,
        &rcgen::PKCS_ED25519,
    ]
    .into_iter()
    .filter_map(signer::verification_algorithm)
    .any(|algorithm| {
        ring::signature::UnparsedPublicKey::new(algorithm, key)
            .verify(message, signature)
            .is_ok()
    })
}
