//! The host's error type: every failure a command can meet, each mapped to one of the
//! protocol's stable codes, with a message the user (or the CA's support) can act on.

use cryptoki::error::{Error as Pkcs11Error, RvError};
use protocol::ErrorCode;
use serde_json::{Value, json};

/// A command's failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// The request itself is wrong (e.g. the certificate bytes do not parse).
    #[error("{0}")]
    BadRequest(String),
    /// No PKCS#11 module loaded.
    #[error(
        "no PKCS#11 module could be loaded; install the token's driver or set CERTRENEW_PKCS11_MODULES"
    )]
    NoModule,
    /// No token with this serial.
    #[error("no token with serial {0:?} is inserted")]
    TokenNotFound(String),
    /// No certificate with this digest.
    #[error("the certificate {0} is not on the token")]
    CertNotFound(String),
    /// No key with this id.
    #[error("no key with id {0} is on the token")]
    KeyNotFound(String),
    /// The key is used by a certificate, or was not made by certrenew.
    #[error(
        "the key {0} is in use (by a certificate, or it was not made by certrenew) and is kept"
    )]
    KeyInUse(String),
    /// `install_certificate` was given a key that `generate_csr` did not make for a
    /// renewal still to install, and the certificate is not already installed beside it.
    #[error(
        "the key {0} was not made by certrenew for a renewal still to install (it is not pending, or no renewal record names the certificate it renews); nothing was changed"
    )]
    NotRenewalKey(String),
    /// A pending key with no renewal record (made by an older host, or not by
    /// certrenew): it cannot take a certificate; the renewal needs a new key.
    #[error(
        "the key {0} has no renewal record on the token (it was made by an older certrenew-host, or not by certrenew) and cannot take a certificate; make a new key for this renewal. Nothing was changed"
    )]
    UnboundPendingKey(String),
    /// `retire` names a certificate the key was not made to renew.
    #[error("the key {key} may not retire the certificate {retire}: {why}; nothing was changed")]
    RetireRefused {
        /// The new key.
        key: String,
        /// The certificate the request named.
        retire: String,
        /// Which certificate the key renews, or that it renews none.
        why: String,
    },
    /// The new certificate's subject is not the retired one's, byte for byte.
    #[error(
        "the new certificate's subject differs from that of the certificate {retire} it would replace; nothing was changed"
    )]
    SubjectMismatch {
        /// The certificate that was to be retired.
        retire: String,
    },
    /// The encryption half of a dual install or a key recovery is not acceptable: the
    /// encryption certificate does not belong with the signing certificate, or the
    /// envelope is not for this signing key.
    #[error("the encryption certificate or its envelope is refused: {0}; nothing was changed")]
    EncryptionRefused(String),
    /// Wrong PIN.
    #[error("the PIN is incorrect")]
    PinIncorrect {
        /// The token reports that wrong PINs were entered.
        count_low: bool,
        /// One more wrong PIN locks the token.
        final_try: bool,
    },
    /// The PIN is locked.
    #[error("the PIN is locked after too many wrong tries; the CA can unlock the token")]
    PinLocked,
    /// The token refuses the PIN's form.
    #[error("the token does not accept a PIN of this length or with these characters")]
    PinInvalid,
    /// A PIN is needed.
    #[error("this operation needs the token's PIN")]
    PinRequired,
    /// The certificate does not belong to the key.
    #[error("the certificate's public key is not the key {0}")]
    CertKeyMismatch(String),
    /// A mechanism is missing.
    #[error("the token cannot do this: {0}")]
    MechanismUnsupported(String),
    /// The token went away.
    #[error("the token was removed; insert it again and retry")]
    TokenRemoved {
        /// What the driver said, for support.
        cause: String,
    },
    /// The token is full.
    #[error("the token has no room left for another object")]
    TokenFull,
    /// The PIN pad entry was cancelled on the device.
    #[error("the PIN entry was cancelled on the device")]
    Cancelled,
    /// Anything else from PKCS#11.
    #[error("the token's driver failed in {function}: {rv}")]
    Pkcs11 {
        /// The PKCS#11 function.
        function: String,
        /// Its return value.
        rv: String,
    },
    /// Anything else.
    #[error("{0}")]
    Internal(String),
}

impl HostError {
    /// The protocol code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest(_) => ErrorCode::BadRequest,
            Self::NoModule => ErrorCode::NoModule,
            Self::TokenNotFound(_) => ErrorCode::TokenNotFound,
            Self::CertNotFound(_) => ErrorCode::CertNotFound,
            // The page's answer to both is the same: make a new key.
            Self::KeyNotFound(_) | Self::UnboundPendingKey(_) => ErrorCode::KeyNotFound,
            Self::KeyInUse(_) | Self::NotRenewalKey(_) => ErrorCode::KeyInUse,
            Self::RetireRefused { .. }
            | Self::SubjectMismatch { .. }
            | Self::EncryptionRefused(_) => ErrorCode::BadRequest,
            Self::PinIncorrect { .. } => ErrorCode::PinIncorrect,
            Self::PinLocked => ErrorCode::PinLocked,
            Self::PinInvalid => ErrorCode::PinInvalid,
            Self::PinRequired => ErrorCode::PinRequired,
            Self::CertKeyMismatch(_) => ErrorCode::CertKeyMismatch,
            Self::MechanismUnsupported(_) => ErrorCode::MechanismUnsupported,
            Self::TokenRemoved { .. } => ErrorCode::TokenRemoved,
            Self::TokenFull => ErrorCode::TokenFull,
            Self::Cancelled => ErrorCode::UserCancelled,
            Self::Pkcs11 { .. } | Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Machine-readable details, `null` when there are none.
    pub fn details(&self) -> Value {
        match self {
            Self::PinIncorrect {
                count_low,
                final_try,
            } => {
                json!({ "count_low": count_low, "final_try": final_try })
            }
            Self::Pkcs11 { function, rv } => json!({ "function": function, "rv": rv }),
            Self::TokenRemoved { cause } => json!({ "cause": cause }),
            Self::RetireRefused { retire, .. } | Self::SubjectMismatch { retire } => {
                json!({ "retire": retire })
            }
            _ => Value::Null,
        }
    }

    /// Whether the token's session is gone and must be reopened.
    pub fn session_lost(&self) -> bool {
        matches!(self, Self::TokenRemoved { .. })
    }
}

impl From<Pkcs11Error> for HostError {
    fn from(err: Pkcs11Error) -> Self {
        match err {
            Pkcs11Error::Pkcs11(rv, function) => from_rv(rv, &format!("{function:?}")),
            Pkcs11Error::LibraryLoading(e) => {
                Self::Internal(format!("the token's driver could not be loaded: {e}"))
            }
            other => Self::Internal(format!("the token's driver failed: {other}")),
        }
    }
}

/// Maps a PKCS#11 return value to the protocol's meaning.
pub fn from_rv(rv: RvError, function: &str) -> HostError {
    match rv {
        RvError::PinIncorrect => HostError::PinIncorrect {
            count_low: false,
            final_try: false,
        },
        RvError::PinLocked => HostError::PinLocked,
        RvError::PinInvalid | RvError::PinLenRange => HostError::PinInvalid,
        RvError::UserNotLoggedIn => HostError::PinRequired,
        RvError::DeviceRemoved
        | RvError::TokenNotPresent
        | RvError::TokenNotRecognized
        | RvError::SessionHandleInvalid
        | RvError::SessionClosed
        | RvError::SlotIdInvalid => HostError::TokenRemoved {
            cause: format!("{function} returned {rv:?}"),
        },
        RvError::DeviceMemory => HostError::TokenFull,
        RvError::MechanismInvalid
        | RvError::MechanismParamInvalid
        | RvError::FunctionNotSupported
        | RvError::KeySizeRange
        | RvError::KeyTypeInconsistent
        | RvError::KeyFunctionNotPermitted
        | RvError::CurveNotSupported
        | RvError::DomainParamsInvalid => {
            HostError::MechanismUnsupported(format!("{function} returned {rv:?}"))
        }
        RvError::FunctionCanceled => HostError::Cancelled,
        RvError::TokenWriteProtected => HostError::Internal(
            "the token is write-protected; it cannot take a new certificate".into(),
        ),
        other => HostError::Pkcs11 {
            function: function.to_owned(),
            rv: format!("{other:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // SoftHSM never locks a PIN, so the mapping that real tokens rely on is checked here.
    #[test]
    fn pkcs11_return_values_map_to_protocol_codes() {
        let table = [
            (RvError::PinIncorrect, ErrorCode::PinIncorrect),
            (RvError::PinLocked, ErrorCode::PinLocked),
            (RvError::PinLenRange, ErrorCode::PinInvalid),
            (RvError::PinInvalid, ErrorCode::PinInvalid),
            (RvError::UserNotLoggedIn, ErrorCode::PinRequired),
            (RvError::DeviceRemoved, ErrorCode::TokenRemoved),
            (RvError::TokenNotPresent, ErrorCode::TokenRemoved),
            (RvError::SessionHandleInvalid, ErrorCode::TokenRemoved),
            (RvError::DeviceMemory, ErrorCode::TokenFull),
            (RvError::MechanismInvalid, ErrorCode::MechanismUnsupported),
            (RvError::CurveNotSupported, ErrorCode::MechanismUnsupported),
            (RvError::FunctionCanceled, ErrorCode::UserCancelled),
            (RvError::GeneralError, ErrorCode::Internal),
            (RvError::TokenWriteProtected, ErrorCode::Internal),
        ];
        for (rv, code) in table {
            assert_eq!(from_rv(rv, "C_Test").code(), code, "{rv:?}");
        }
    }

    #[test]
    fn pin_details_are_reported() {
        let err = HostError::PinIncorrect {
            count_low: true,
            final_try: false,
        };
        assert_eq!(
            err.details(),
            json!({"count_low": true, "final_try": false})
        );
    }
}
