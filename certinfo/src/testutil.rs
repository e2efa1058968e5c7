//! Test certificates and keys: rcgen for EC, openssl (as an independent maker) for RSA.

use std::path::Path;
use std::process::Command;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tempfile::TempDir;

/// Runs openssl in `dir`; panics with its stderr when it fails.
pub fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs (Debian package `openssl`)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// An RSA key and self-signed certificate made by openssl in a temporary folder.
pub struct OpensslCert {
    /// The folder (kept alive as long as this value).
    pub dir: TempDir,
    /// The certificate's DER.
    pub der: Vec<u8>,
}

impl OpensslCert {
    /// `openssl req -x509 -newkey rsa:BITS -utf8 -subj SUBJECT` plus `extra`.
    pub fn new(bits: u32, subject: &str, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let newkey = format!("rsa:{bits}");
        let mut args = vec![
            "req", "-x509", "-newkey", &newkey, "-nodes", "-keyout", "key.pem", "-utf8", "-subj",
            subject, "-outform", "DER", "-out", "cert.der",
        ];
        args.extend_from_slice(extra);
        openssl(dir.path(), &args);
        let der =
            std::fs::read(dir.path().join("cert.der")).expect("openssl wrote the certificate");
        OpensslCert { dir, der }
    }

    /// An RSA PKCS#1 v1.5 SHA-256 signature of `message`, by `openssl dgst`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let dir = self.dir.path();
        std::fs::write(dir.join("message"), message).expect("write the message");
        openssl(
            dir,
            &[
                "dgst", "-sha256", "-sign", "key.pem", "-out", "sig", "message",
            ],
        );
        std::fs::read(dir.join("sig")).expect("openssl wrote the signature")
    }

    /// The public key's SubjectPublicKeyInfo DER, by `openssl pkey`.
    pub fn spki(&self) -> Vec<u8> {
        openssl(
            self.dir.path(),
            &["pkey", "-in", "key.pem", "-pubout", "-outform", "DER"],
        )
    }
}

/// A distinguished name from (type, value) pairs, first RDN first.
pub fn dn(parts: &[(DnType, &str)]) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    for (kind, value) in parts {
        dn.push(kind.clone(), *value);
    }
    dn
}

/// A CA: its parameters, key and self-signed DER.
pub struct Ca {
    /// The parameters it was made from (the issuer's name for what it signs).
    pub params: CertificateParams,
    /// Its key.
    pub key: KeyPair,
    /// Its certificate.
    pub der: Vec<u8>,
}

impl Ca {
    /// A P-256 CA named `CN=<cn>,O=certrenew test,C=CN`.
    pub fn new(cn: &str) -> Self {
        Self::with(
            cn,
            KeyPair::generate().expect("a key"),
            true,
            &[KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
        )
    }

    /// A certificate named like a CA, with the given key, CA flag and key usages.
    pub fn with(cn: &str, key: KeyPair, ca: bool, usages: &[KeyUsagePurpose]) -> Self {
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(&[
            (DnType::CountryName, "CN"),
            (DnType::OrganizationName, "certrenew test"),
            (DnType::CommonName, cn),
        ]);
        params.is_ca = if ca {
            IsCa::Ca(BasicConstraints::Unconstrained)
        } else {
            IsCa::ExplicitNoCa
        };
        params.key_usages = usages.to_vec();
        let der = params
            .self_signed(&key)
            .expect("self-signed")
            .der()
            .to_vec();
        Ca { params, key, der }
    }

    /// Signs a certificate with these parameters for `subject_key`.
    pub fn issue(&self, params: &CertificateParams, subject_key: &KeyPair) -> Vec<u8> {
        let issuer = Issuer::from_params(&self.params, &self.key);
        params
            .signed_by(subject_key, &issuer)
            .expect("signed")
            .der()
            .to_vec()
    }
}

/// Leaf parameters: `CN=<cn>,O=测试医药有限公司,C=CN`, signing usages.
pub fn leaf_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = dn(&[
        (DnType::CountryName, "CN"),
        (DnType::OrganizationName, "测试医药有限公司"),
        (DnType::CommonName, cn),
    ]);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params
}
