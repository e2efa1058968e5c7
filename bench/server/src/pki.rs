//! Software keys standing in for tokens, and their certificates signed here with the
//! server's own CA key (`<data>/ca/ca.key`, `<data>/ca/ca.pem`): the server trusts any
//! certificate chained to its CA, and signing here is far faster than one
//! `certrenew-server ca issue` process per user.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, Issuer, KeyPair, PKCS_ECDSA_P256_SHA256,
    SerialNumber, SigningKey as _,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The server's CA, able to sign user certificates.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
}

static SERIALS: AtomicU64 = AtomicU64::new(0);

impl Ca {
    /// Loads `dir/ca.key` and `dir/ca.pem`.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let key_path = dir.join("ca.key");
        let cert_path = dir.join("ca.pem");
        let key_pem = std::fs::read_to_string(&key_path)
            .with_context(|| format!("reading {}", key_path.display()))?;
        let cert_pem = std::fs::read_to_string(&cert_path)
            .with_context(|| format!("reading {}", cert_path.display()))?;
        let key = KeyPair::from_pem(&key_pem).context("the CA key")?;
        let issuer = Issuer::from_ca_cert_pem(&cert_pem, key).context("the CA certificate")?;
        Ok(Self { issuer })
    }

    /// A new P-256 key and a certificate for it (C=CN, O=测试医药有限公司, CN=`cn`),
    /// valid from yesterday for `days` days: inside the 90-day renewal window.
    pub fn user(&self, cn: &str, days: i64) -> anyhow::Result<User> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "CN");
        dn.push(DnType::OrganizationName, "测试医药有限公司");
        dn.push(DnType::CommonName, cn);
        params.distinguished_name = dn;
        let now = OffsetDateTime::now_utc().replace_nanosecond(0)?;
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(days);
        let n = SERIALS.fetch_add(1, Ordering::Relaxed);
        let seed = format!("{}/{}/{n}/{cn}", std::process::id(), now.unix_timestamp());
        let mut serial = Sha256::digest(seed.as_bytes())[..16].to_vec();
        serial[0] = (serial[0] & 0x7f) | 0x40;
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        let der = params.signed_by(&key, &self.issuer)?.der().to_vec();

        // The key the token makes for the renewal, and its CSR (the server copies the
        // subject from the old certificate; the CSR's own is ignored).
        let new_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut csr_params = CertificateParams::new(Vec::<String>::new())?;
        csr_params
            .distinguished_name
            .push(DnType::CommonName, "renewal");
        let csr = csr_params.serialize_request(&new_key)?.der().to_vec();
        Ok(User {
            cert_b64: STANDARD.encode(&der),
            csr_b64: STANDARD.encode(&csr),
            csr_sha256: hex(&Sha256::digest(&csr)),
            client: format!(
                "10.{}.{}.{}",
                (n >> 16) & 255,
                (n >> 8) & 255,
                (n & 255).max(1)
            ),
            key,
            new_key,
        })
    }
}

/// A token: its key and certificate, and the new key and CSR of its renewal.
pub struct User {
    /// The old key.
    pub key: KeyPair,
    /// The old certificate, base64 DER.
    pub cert_b64: String,
    /// The new key (made "on the token" for the renewal).
    pub new_key: KeyPair,
    /// Its CSR, base64 DER.
    pub csr_b64: String,
    /// SHA-256 of the CSR DER, hex (the `rekey` payload).
    pub csr_sha256: String,
    /// The address this user's requests come from (`X-Forwarded-For`): each user its
    /// own, as in real use, so the server's per-address limits stay on and are not hit.
    pub client: String,
}

/// The certrenew-v1 TBS signed with `key`, base64.
pub fn sign(key: &KeyPair, purpose: &str, origin: &str, challenge: &str, payload: &str) -> String {
    let tbs = format!("certrenew-v1\n{purpose}\n{origin}\n{challenge}\n{payload}\n");
    STANDARD.encode(key.sign(tbs.as_bytes()).expect("ECDSA signing works"))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
