//! Where a certificate stands for online renewal, as the server answers
//! `POST /eligibility` and `POST /sessions` and the certificate page
//! shows it. On the wire each standing is its snake_case name (`"too_early"`).

use serde::{Deserialize, Serialize};

/// Where a certificate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EligibilityStatus {
    /// In the window: renew now.
    Eligible,
    /// Before the window: come back when it opens.
    TooEarly,
    /// Past its notAfter: the expired-certificate path.
    Expired,
    /// Revoked by the CA.
    Revoked,
    /// Not issued by this CA.
    UnknownIssuer,
}

impl EligibilityStatus {
    /// The wire name, e.g. `"too_early"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eligible => "eligible",
            Self::TooEarly => "too_early",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::UnknownIssuer => "unknown_issuer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The names are pinned: pages already released branch on them.
    #[test]
    fn wire_names_are_pinned() {
        let table = [
            (EligibilityStatus::Eligible, "eligible"),
            (EligibilityStatus::TooEarly, "too_early"),
            (EligibilityStatus::Expired, "expired"),
            (EligibilityStatus::Revoked, "revoked"),
            (EligibilityStatus::UnknownIssuer, "unknown_issuer"),
        ];
        for (status, name) in table {
            assert_eq!(status.as_str(), name);
            let json = format!("\"{name}\"");
            assert_eq!(serde_json::to_string(&status).unwrap(), json);
            assert_eq!(
                serde_json::from_str::<EligibilityStatus>(&json).unwrap(),
                status
            );
        }
    }
}
