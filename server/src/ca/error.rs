//! The CA's errors. Messages are lowercase and say what to do about them.

use std::path::PathBuf;

/// Why a CA operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaError {
    /// A file or directory could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done ("read", "create", …).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Only one of the CA key and certificate files exists.
    #[error(
        "found {} but not {}: restore the missing file from a backup, or move the other one \
         away to create a new ca",
        present.display(),
        missing.display()
    )]
    IncompleteFiles {
        /// The file that exists.
        present: PathBuf,
        /// The file that is missing.
        missing: PathBuf,
    },
    /// The CA key file cannot be used.
    #[error(
        "the ca key in {} cannot be used: {reason} (expected an unencrypted pkcs#8 pem \
         \"PRIVATE KEY\": ec p-256/p-384, rsa or ed25519)",
        path.display()
    )]
    InvalidKey {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The CA certificate cannot be used to issue certificates.
    #[error("the ca certificate cannot be used: {0}")]
    InvalidCaCertificate(String),
    /// The CA key and the CA certificate do not belong together.
    #[error("the ca key does not match the ca certificate: {0}")]
    KeyMismatch(String),
    /// The CA's common name is unusable.
    #[error("invalid ca common name: {0}")]
    InvalidCommonName(String),
    /// The certificate signing request is larger than [`MAX_CSR_LEN`](super::MAX_CSR_LEN).
    #[error("the certificate signing request is {size} bytes, more than the {limit}-byte limit")]
    CsrTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The certificate signing request is not a well-formed PKCS#10 request.
    #[error("the certificate signing request cannot be parsed: {0}")]
    InvalidCsr(String),
    /// The request's self-signature does not verify.
    #[error(
        "the certificate signing request's signature does not verify: it was altered, or not \
         signed by the key it carries"
    )]
    CsrSignature,
    /// A key type or signature algorithm this CA does not handle.
    #[error("unsupported key or algorithm: {0}")]
    Unsupported(String),
    /// The old certificate (whose subject is copied) cannot be parsed.
    #[error("the old certificate cannot be parsed: {0}")]
    InvalidCertificate(String),
    /// The subject cannot be reproduced exactly in the new certificate.
    #[error("the subject cannot be copied into the new certificate: {0}")]
    UnsupportedSubject(String),
    /// The requested validity is unusable.
    #[error("invalid validity: {0}")]
    InvalidValidity(String),
    /// The certificate profile is unusable.
    #[error("invalid certificate profile: {0}")]
    InvalidProfile(String),
    /// No token with the label is present.
    #[error("no pkcs#11 token labelled {label:?} in {module}; tokens present: {available}")]
    TokenNotFound {
        /// The label asked for.
        label: String,
        /// The module searched.
        module: String,
        /// The labels found, for the operator.
        available: String,
    },
    /// The CA certificate file exists but its key is not on the token.
    #[error(
        "{} exists but no private key labelled {label:?} is on token {token:?}: use the token \
         and label that hold its key, or move the certificate away to create a new ca",
        cert.display()
    )]
    CertificateWithoutKey {
        /// The certificate file.
        cert: PathBuf,
        /// The token.
        token: String,
        /// The key label.
        label: String,
    },
    /// More than one private key has the label.
    #[error(
        "{count} private keys are labelled {label:?} on token {token:?}: give the ca key a \
         unique label"
    )]
    AmbiguousKey {
        /// The token.
        token: String,
        /// The key label.
        label: String,
        /// How many keys have it.
        count: usize,
    },
    /// The token refused the PIN.
    #[error("token {token:?} refused the pin: {reason}")]
    Pin {
        /// The token.
        token: String,
        /// Incorrect, locked, …
        reason: String,
    },
    /// Another PKCS#11 failure.
    #[error("pkcs#11 {action} failed: {source}")]
    Pkcs11 {
        /// What was being done.
        action: String,
        /// The module's error.
        #[source]
        source: cryptoki::error::Error,
    },
    /// Signing with the CA key failed.
    #[error("signing with the ca key failed: {0}")]
    Signing(String),
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed: {0}")]
    Random(String),
    /// The certificate could not be built.
    #[error("building the certificate failed: {0}")]
    Build(String),
    /// The issued certificate failed the checks made before it is returned.
    #[error("the new certificate failed its self-check and was discarded: {0}")]
    SelfCheck(String),
}

impl CaError {
    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}
