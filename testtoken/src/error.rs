//! Errors: a PKCS#11 return value for the C interface, and what can be wrong with
//! the configuration.

use cryptoki_sys::CK_RV;

/// A PKCS#11 return value other than `CKR_OK`: what every token function fails with,
/// because the caller only ever sees the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("PKCS#11 error 0x{0:08x}")]
pub struct Rv(pub CK_RV);

/// The result of a token operation.
pub type CkResult<T> = Result<T, Rv>;

/// Why the token's configuration or state could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The environment variable naming the configuration file is not set.
    #[error(
        "{0} is not set: point it at the test token's configuration file (see testtoken/README.md)"
    )]
    NotSet(&'static str),
    /// The configuration file could not be read.
    #[error("cannot read the test token configuration {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML of the expected shape.
    #[error("the test token configuration {path} is invalid: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A token's state file exists but cannot be read or parsed.
    #[error("the token state {path} is unreadable: {message}")]
    State {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}
