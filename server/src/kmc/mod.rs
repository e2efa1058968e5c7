//! The CA's key management centre (KMC): it makes the key pair of every encryption
//! certificate, keeps the private key escrowed (sealed under a master key), and
//! delivers it to a token in a digital envelope only the token's signing key opens
//! (docs/kmc.md, docs/protocol.md §15).
//!
//! [`Kmc`] is the outside party's trait: the built-in one ([`builtin::Builtin`], with
//! its master key in a file or on the PKCS#11 HSM, [`master`]) is the default; a CA
//! with its own KMC implements the trait and selects it in `crate::providers`.
//! - [`keygen`]: the new key pair, RSA-2048, EC P-256 or SM2;
//! - [`envelope`]: the envelope of protocol/src/envelope.rs, made (and opened, for tests
//!   and the worked example);
//! - [`master`]: sealing under the master key (AES-256-GCM, in software or on the HSM);
//! - [`sm2`]: the SM2 envelope (GB/T 35276 `SM2EnvelopedKey`) for SM2 signing keys;
//! - [`store`]: the escrow rows; [`recovery`]: the key recovery's rows.

pub mod builtin;
pub mod envelope;
pub mod keygen;
pub mod master;
pub mod recovery;
pub mod sm2;
pub mod store;

use async_trait::async_trait;
use protocol::envelope::Envelope;
use protocol::host::KeyAlgorithm;

/// Why the KMC could not do its part.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KmcError {
    /// Making the key pair failed.
    #[error("the kmc could not generate the {algorithm} key pair: {reason}")]
    Generate {
        /// `rsa-2048`, `ec-p256` or `sm2`.
        algorithm: &'static str,
        /// Why.
        reason: String,
    },
    /// The recipient key is not one an envelope can be made to.
    #[error("no envelope can be made to this signing key: {0}")]
    Recipient(String),
    /// The master key refused to seal or unseal.
    #[error("the kmc master key ({key}) could not {action} the escrowed key: {reason}")]
    Master {
        /// Which master key.
        key: String,
        /// `seal` or `unseal`.
        action: &'static str,
        /// Why (a wrong master key says so).
        reason: String,
    },
    /// The master key could not be loaded or created.
    #[error("the kmc master key cannot be used: {0}")]
    Setup(String),
    /// A PKCS#11 call on the HSM failed.
    #[error("the kmc's hsm failed {action}: {source}")]
    Pkcs11 {
        /// What was being done.
        action: String,
        /// The module's error.
        source: cryptoki::error::Error,
    },
    /// The escrow record is not one this KMC can open.
    #[error("the escrowed key {key_id} was sealed by {found}, not by this kmc ({ours})")]
    Foreign {
        /// The key.
        key_id: String,
        /// The record's master key.
        found: String,
        /// Ours.
        ours: String,
    },
    /// Randomness failed.
    #[error("no randomness: {0}")]
    Random(String),
}

/// A private key as the KMC keeps it: sealed, with what is needed to open it.
#[derive(Clone, PartialEq, Eq)]
pub struct Escrow {
    /// Lowercase hex SHA-256 of the key's SubjectPublicKeyInfo DER.
    pub key_id: String,
    /// The key's algorithm.
    pub algorithm: KeyAlgorithm,
    /// The KMC that sealed it ([`Kmc::name`]).
    pub kmc: String,
    /// The master key that sealed it ([`master::MasterKey::id`]).
    pub master_key: String,
    /// The sealed PKCS#8 DER (nonce ‖ AES-256-GCM ciphertext ‖ tag for the built-in
    /// KMC; opaque for another).
    pub sealed: Vec<u8>,
}

impl std::fmt::Debug for Escrow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Escrow")
            .field("key_id", &self.key_id)
            .field("algorithm", &self.algorithm)
            .field("master_key", &self.master_key)
            .field("sealed", &format_args!("{} bytes", self.sealed.len()))
            .finish()
    }
}

/// A key pair the KMC just made and escrowed.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The public key, SubjectPublicKeyInfo DER: what the CA certifies.
    pub spki_der: Vec<u8>,
    /// The escrowed private key.
    pub escrow: Escrow,
}

/// The key management centre, as the server uses it.
#[async_trait]
pub trait Kmc: Send + Sync {
    /// What it is, for logs and the escrow rows (`built-in`, or the external KMC's
    /// name).
    fn name(&self) -> String;

    /// Makes a key pair of `algorithm` and escrows its private key.
    async fn generate(&self, algorithm: KeyAlgorithm) -> Result<Generated, KmcError>;

    /// Envelopes the escrowed key to the signing key `recipient_spki_der` (DER
    /// SubjectPublicKeyInfo of a key the CA certified): a renewal's delivery, and a
    /// recovery's re-delivery to another signing key.
    async fn envelope(
        &self,
        escrow: &Escrow,
        recipient_spki_der: &[u8],
    ) -> Result<Envelope, KmcError>;
}

/// Why an envelope did not open (the token's side, done in software for tests and
/// recovery checks: [`envelope::open`], [`sm2::open`]).
#[derive(Debug, thiserror::Error)]
#[error("the envelope does not open: {0}")]
pub struct OpenError(String);

impl OpenError {
    fn new(reason: String) -> Self {
        Self(reason)
    }
}

/// The wire name of a key algorithm (`rsa-2048`, `ec-p256`, `sm2`), as stored.
pub fn algorithm_name(algorithm: KeyAlgorithm) -> &'static str {
    match algorithm {
        KeyAlgorithm::Rsa2048 => "rsa-2048",
        KeyAlgorithm::EcP256 => "ec-p256",
        KeyAlgorithm::Sm2 => "sm2",
    }
}

/// A stored algorithm name read back.
pub fn parse_algorithm(name: &str) -> Option<KeyAlgorithm> {
    match name {
        "rsa-2048" => Some(KeyAlgorithm::Rsa2048),
        "ec-p256" => Some(KeyAlgorithm::EcP256),
        "sm2" => Some(KeyAlgorithm::Sm2),
        _ => None,
    }
}

/// Lowercase hex SHA-256 of `spki_der`: a key's id here and in the envelope.
pub fn key_id(spki_der: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(spki_der))
}

/// Where the built-in KMC's master key lives (`[kmc]` in the configuration file).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum KmcConfig {
    /// A key file (development): 32 raw bytes or a PEM `KMC MASTER KEY` block;
    /// default `<data>/kmc/master.pem`, created on first start.
    File {
        /// The key file.
        master_key: Option<std::path::PathBuf>,
    },
    /// An AES-256 key on a PKCS#11 HSM (production).
    Pkcs11 {
        /// The module.
        module: std::path::PathBuf,
        /// The token's label.
        token: String,
        /// The master key's label (made on first start when absent).
        key_label: String,
        /// The PIN; better given in `CERTRENEW_KMC_PIN`.
        pin: Option<String>,
    },
}

impl Default for KmcConfig {
    fn default() -> Self {
        Self::File { master_key: None }
    }
}
