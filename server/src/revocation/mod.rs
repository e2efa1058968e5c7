//! Revocation a relying party can check (issue 15; docs/revocation.md): revoking a
//! certificate with an RFC 5280 reason, the CA's full CRL and an RFC 6960 OCSP
//! responder signing with a delegated responder certificate.
//!
//! # Layout
//! - [`store`]: the SQL (revocations, the current CRL, responder certificates).
//! - [`revoke`]: revoking one certificate (audited, sessions ended, CRL re-signed).
//! - [`crl`]: building and storing the next CRL, and deciding when it is due.
//! - [`responder`]: the delegated OCSP responder certificate, issued and rotated.
//! - [`ocsp`]: answering an OCSP request.
//! - [`http`]: `GET /crl/<ca id>.crl`, `GET /ca/<ca id>.cer`, `GET|POST /ocsp`, and the
//!   staff route that revokes.
//! - [`policy`]: a project's rule for the old certificate once a renewal is confirmed.
//! - [`reports`]: customers' key-compromise reports, the staff's queue of them.
//! - [`reports_http`]: the routes that report, list and act on them.
//! - [`worker`]: re-signs the CRL and rotates the responder before they run out.

pub mod crl;
pub mod http;
pub mod ocsp;
pub mod policy;
pub mod reports;
pub mod reports_http;
pub mod responder;
pub mod revoke;
pub mod store;
pub mod worker;

use time::Duration;

use crate::ca::CaError;

/// How long a CRL is valid (thisUpdate to nextUpdate).
pub const CRL_VALIDITY: Duration = Duration::days(7);
/// A CRL with less than this left is re-signed by the worker.
pub const CRL_RESIGN_BEFORE: Duration = Duration::days(4);
/// How long an OCSP answer is valid (thisUpdate to nextUpdate).
pub const OCSP_VALIDITY: Duration = Duration::hours(4);
/// How long a delegated responder certificate is valid.
pub const RESPONDER_VALIDITY: Duration = Duration::days(30);
/// A responder certificate with less than this left is replaced.
pub const RESPONDER_ROTATE_BEFORE: Duration = Duration::days(10);

/// Why revoking or publishing revocation status failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// The serial number is not hex.
    #[error("the serial number is not hexadecimal (colons allowed): {0:?}")]
    InvalidSerial(String),
    /// The certificate is revoked already.
    #[error("the certificate {0} is revoked already")]
    AlreadyRevoked(String),
    /// No certificate with this serial was issued here.
    #[error("no certificate with serial {0} was issued by this ca")]
    UnknownSerial(String),
    /// The CA could not sign.
    #[error("{0}")]
    Ca(#[from] CaError),
    /// A stored value cannot be read back (a responder key, a CRL).
    #[error("stored revocation data is unusable: {0}")]
    Stored(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}
