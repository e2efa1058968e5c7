//! The origin-bound to-be-signed text. The host never signs bytes a caller chose:
//! every signature is over this text, so a signature made for one site, one purpose
//! or one challenge is worthless anywhere else.
//!
//! ```text
//! certrenew-v1
//! <purpose>
//! <origin>
//! <challenge, base64 as sent>
//! <payload_sha256 lowercase hex, or empty>
//! ```
//! Each line ends with `\n`, the last one included.

use serde::{Deserialize, Serialize};

use crate::ids::{Challenge, PayloadSha256, WebOrigin};

/// The first line of every TBS; a new layout gets a new tag.
pub const TBS_TAG: &str = "certrenew-v1";

/// What a signature is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Proves possession of the certificate's key to open a session.
    Login,
    /// Signs a renewal application (payload: SHA-256 of the application bytes).
    Apply,
    /// Binds a new key's CSR to the old key (payload: SHA-256 of the CSR DER).
    Rekey,
    /// Confirms with the new key that the new certificate is on the token.
    Installed,
}

impl Purpose {
    /// The wire and TBS word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Apply => "apply",
            Self::Rekey => "rekey",
            Self::Installed => "installed",
        }
    }
}

/// The TBS text of one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tbs<'a> {
    /// What the signature is for.
    pub purpose: Purpose,
    /// The web origin the signature is bound to.
    pub origin: &'a WebOrigin,
    /// The server's single-use challenge.
    pub challenge: &'a Challenge,
    /// The SHA-256 of what the signature commits to, if anything.
    pub payload_sha256: Option<&'a PayloadSha256>,
}

impl Tbs<'_> {
    /// The exact bytes to sign.
    pub fn to_bytes(&self) -> Vec<u8> {
        let payload = self.payload_sha256.map(PayloadSha256::as_str).unwrap_or("");
        format!(
            "{TBS_TAG}\n{}\n{}\n{}\n{payload}\n",
            self.purpose.as_str(),
            self.origin.as_str(),
            self.challenge.as_str()
        )
        .into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_bytes() {
        let origin = WebOrigin::parse("https://ca.example.com").unwrap();
        let challenge = Challenge::parse("AAAAAAAAAAAAAAAAAAAAAA==").unwrap();
        let payload = PayloadSha256::parse(&"0f".repeat(32)).unwrap();
        let with = Tbs {
            purpose: Purpose::Apply,
            origin: &origin,
            challenge: &challenge,
            payload_sha256: Some(&payload),
        };
        assert_eq!(
            with.to_bytes(),
            format!(
                "certrenew-v1\napply\nhttps://ca.example.com\nAAAAAAAAAAAAAAAAAAAAAA==\n{}\n",
                "0f".repeat(32)
            )
            .into_bytes()
        );
        let without = Tbs {
            purpose: Purpose::Login,
            origin: &origin,
            challenge: &challenge,
            payload_sha256: None,
        };
        assert_eq!(
            without.to_bytes(),
            b"certrenew-v1\nlogin\nhttps://ca.example.com\nAAAAAAAAAAAAAAAAAAAAAA==\n\n".to_vec()
        );
    }

    #[test]
    fn purposes_round_trip() {
        for p in [
            Purpose::Login,
            Purpose::Apply,
            Purpose::Rekey,
            Purpose::Installed,
        ] {
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
        }
    }
}
