//! The error codes every party of certrenew uses, with their stable wire strings.
//!
//! The host, the server and the app share this enum (the first group is the native
//! host's, then the page side's, then the server's); the extension mirrors it in one
//! frozen map, `extension/src/background/error-codes.js`, which a test here and one in
//! `tests/unit/error-codes.test.js` keep equal to [`ErrorCode::ALL`]. A code's string
//! never changes once released: clients branch on it.

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code (`SCREAMING_SNAKE_CASE` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request is malformed: bad JSON, a missing or ill-formed field.
    BadRequest,
    /// The request names a protocol major version this party does not speak.
    UnsupportedVersion,
    /// The request names a command this party does not know.
    UnknownCommand,
    /// The message is larger than the 1 MiB limit.
    MessageTooLarge,
    /// The calling extension or the web page's origin is not allowed.
    OriginRefused,
    /// No PKCS#11 module could be loaded.
    NoModule,
    /// No token with the given serial number is present.
    TokenNotFound,
    /// No certificate with the given SHA-256 is on the token.
    CertNotFound,
    /// No key with the given id is on the token.
    KeyNotFound,
    /// The key is still used by a certificate and is not discarded.
    KeyInUse,
    /// The PIN is wrong (details: `count_low`, `final_try`).
    PinIncorrect,
    /// The PIN is locked after too many wrong tries.
    PinLocked,
    /// The PIN has characters or a length the token refuses.
    PinInvalid,
    /// A PIN is needed and none was given.
    PinRequired,
    /// The certificate's public key is not the key it is to be installed with.
    CertKeyMismatch,
    /// The token lacks a mechanism the operation needs.
    MechanismUnsupported,
    /// The token was removed during the operation.
    TokenRemoved,
    /// The token has no room for another object.
    TokenFull,
    /// An unexpected failure; the message says what happened.
    Internal,
    /// Page side: no extension answered within a second.
    ExtensionUnavailable,
    /// Page side: the native host could not be started or went away.
    HostUnavailable,
    /// Page side: the extension or host is older than the project requires.
    VersionMismatch,
    /// Page side: the user closed or cancelled the PIN window.
    UserCancelled,
    /// Page side: nobody entered a PIN in time.
    UserTimeout,
    /// Page side: another PIN operation of this tab is still under way.
    RequestPending,
    /// Server: a value failed validation (details: `field`, `rule`).
    ValidationFailed,
    /// Server: no such thing (renewal, project, payment).
    NotFound,
    /// Server: no session, or it expired.
    Unauthenticated,
    /// Server: the session may not do this.
    Forbidden,
    /// Server: the state-changing call lacks the right CSRF token.
    CsrfFailed,
    /// Server: the challenge is unknown, used or expired.
    ChallengeInvalid,
    /// Server: the signature does not verify for this origin, purpose and challenge.
    SignatureInvalid,
    /// Server: the certificate was not issued by this CA.
    UnknownIssuer,
    /// Server: the certificate is revoked.
    CertificateRevoked,
    /// Server: the certificate is not in its renewal window.
    NotEligible,
    /// Server: the certificate already has an open renewal.
    RenewalOpen,
    /// Server: the renewal is not in a state that allows this.
    IllegalTransition,
    /// Server: a payment notice or request does not match the order.
    PaymentMismatch,
    /// Server: the payment gateway failed or did not answer.
    PaymentGateway,
    /// Server: too many requests; retry later.
    RateLimited,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 40] = [
        Self::BadRequest,
        Self::UnsupportedVersion,
        Self::UnknownCommand,
        Self::MessageTooLarge,
        Self::OriginRefused,
        Self::NoModule,
        Self::TokenNotFound,
        Self::CertNotFound,
        Self::KeyNotFound,
        Self::KeyInUse,
        Self::PinIncorrect,
        Self::PinLocked,
        Self::PinInvalid,
        Self::PinRequired,
        Self::CertKeyMismatch,
        Self::MechanismUnsupported,
        Self::TokenRemoved,
        Self::TokenFull,
        Self::Internal,
        Self::ExtensionUnavailable,
        Self::HostUnavailable,
        Self::VersionMismatch,
        Self::UserCancelled,
        Self::UserTimeout,
        Self::RequestPending,
        Self::ValidationFailed,
        Self::NotFound,
        Self::Unauthenticated,
        Self::Forbidden,
        Self::CsrfFailed,
        Self::ChallengeInvalid,
        Self::SignatureInvalid,
        Self::UnknownIssuer,
        Self::CertificateRevoked,
        Self::NotEligible,
        Self::RenewalOpen,
        Self::IllegalTransition,
        Self::PaymentMismatch,
        Self::PaymentGateway,
        Self::RateLimited,
    ];

    /// The wire string, e.g. `"PIN_INCORRECT"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "BAD_REQUEST",
            Self::UnsupportedVersion => "UNSUPPORTED_VERSION",
            Self::UnknownCommand => "UNKNOWN_COMMAND",
            Self::MessageTooLarge => "MESSAGE_TOO_LARGE",
            Self::OriginRefused => "ORIGIN_REFUSED",
            Self::NoModule => "NO_MODULE",
            Self::TokenNotFound => "TOKEN_NOT_FOUND",
            Self::CertNotFound => "CERT_NOT_FOUND",
            Self::KeyNotFound => "KEY_NOT_FOUND",
            Self::KeyInUse => "KEY_IN_USE",
            Self::PinIncorrect => "PIN_INCORRECT",
            Self::PinLocked => "PIN_LOCKED",
            Self::PinInvalid => "PIN_INVALID",
            Self::PinRequired => "PIN_REQUIRED",
            Self::CertKeyMismatch => "CERT_KEY_MISMATCH",
            Self::MechanismUnsupported => "MECHANISM_UNSUPPORTED",
            Self::TokenRemoved => "TOKEN_REMOVED",
            Self::TokenFull => "TOKEN_FULL",
            Self::Internal => "INTERNAL",
            Self::ExtensionUnavailable => "EXTENSION_UNAVAILABLE",
            Self::HostUnavailable => "HOST_UNAVAILABLE",
            Self::VersionMismatch => "VERSION_MISMATCH",
            Self::UserCancelled => "USER_CANCELLED",
            Self::UserTimeout => "USER_TIMEOUT",
            Self::RequestPending => "REQUEST_PENDING",
            Self::ValidationFailed => "VALIDATION_FAILED",
            Self::NotFound => "NOT_FOUND",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::CsrfFailed => "CSRF_FAILED",
            Self::ChallengeInvalid => "CHALLENGE_INVALID",
            Self::SignatureInvalid => "SIGNATURE_INVALID",
            Self::UnknownIssuer => "UNKNOWN_ISSUER",
            Self::CertificateRevoked => "CERTIFICATE_REVOKED",
            Self::NotEligible => "NOT_ELIGIBLE",
            Self::RenewalOpen => "RENEWAL_OPEN",
            Self::IllegalTransition => "ILLEGAL_TRANSITION",
            Self::PaymentMismatch => "PAYMENT_MISMATCH",
            Self::PaymentGateway => "PAYMENT_GATEWAY",
            Self::RateLimited => "RATE_LIMITED",
        }
    }

    /// The code whose wire string is `text`, if any (a newer party may send one this
    /// build does not know).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == text)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_match_serde() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).unwrap();
            assert_eq!(back, code);
        }
    }

    #[test]
    fn parse_is_as_str_backwards() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("NETWORK"), None);
        assert_eq!(ErrorCode::parse("not_found"), None);
    }

    // The extension cannot import Rust: its frozen map must list exactly these codes,
    // in this order, each named by its own wire string.
    #[test]
    fn the_extension_map_lists_every_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../extension/src/background/error-codes.js");
        let source = std::fs::read_to_string(&path).unwrap();
        let listed: Vec<&str> = source
            .lines()
            .filter_map(|line| {
                let (name, wire) = line.trim().strip_suffix(',')?.split_once(": ")?;
                assert_eq!(format!("\"{name}\""), wire, "{line}");
                Some(name)
            })
            .collect();
        let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            listed,
            codes,
            "{} differs from ErrorCode::ALL",
            path.display()
        );
    }

    #[test]
    fn codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
        }
    }
}
