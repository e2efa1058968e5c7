//! Newtypes for every name that crosses a boundary. Each is parsed once, at the edge,
//! so code further in never holds an unchecked origin, challenge or key id.
//!
//! Certificates and keys are named by stable values, never by PKCS#11 object handles:
//! a token by its serial number, a certificate by the SHA-256 of its DER, a key by its
//! `CKA_ID`.

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Why a name on the wire was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The request id is empty or longer than 64 characters.
    #[error("the request id must be 1 to 64 characters")]
    RequestId,
    /// The web origin is not `https://host[:port]` (or the local development forms).
    #[error(
        "the origin {0:?} is not https://host[:port] (http is allowed only for 127.0.0.1 and localhost)"
    )]
    WebOrigin(String),
    /// The extension origin is not `chrome-extension://<32 letters a-p>/`.
    #[error("the caller {0:?} is not a chrome-extension://<id>/ origin")]
    ExtensionOrigin(String),
    /// The challenge is not 16 to 128 characters of base64.
    #[error("the challenge must be 16 to 128 characters of base64")]
    Challenge,
    /// The token serial number is empty, too long or has control characters.
    #[error("the token serial must be 1 to 64 printable characters")]
    TokenSerial,
    /// The value is not the expected number of lowercase hex digits.
    #[error("{what} must be {expected} lowercase hex digits")]
    Hex {
        /// Which field.
        what: &'static str,
        /// The expected length in words, e.g. "64" or "2 to 128 (even)".
        expected: &'static str,
    },
    /// The PIN is empty, too long or has control characters.
    #[error("the PIN must be 1 to 64 printable characters")]
    Pin,
}

macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The value as it travels on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::parse(&value)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(value: &str) -> Result<Self, IdError> {
                Self::parse(value)
            }
        }
    };
}

string_newtype!(
    /// A request id chosen by the caller, echoed in the answer: 1 to 64 characters.
    RequestId
);

impl RequestId {
    /// Parses a request id.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let n = value.chars().count();
        if (1..=64).contains(&n) {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError::RequestId)
        }
    }
}

string_newtype!(
    /// A web page's origin as the browser reports it: `https://host[:port]`, or for
    /// development `http://127.0.0.1[:port]` and `http://localhost[:port]`. Canonical
    /// form only (lowercase, no path, no trailing slash), as browsers serialise it.
    WebOrigin
);

impl WebOrigin {
    /// Parses and checks a web origin.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let refuse = || IdError::WebOrigin(value.chars().take(200).collect());
        let (secure, rest) = if let Some(rest) = value.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = value.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(refuse());
        };
        let (host, port) = split_host_port(rest).ok_or_else(refuse)?;
        if let Some(port) = port {
            let ok = !port.is_empty()
                && port.len() <= 5
                && port.bytes().all(|b| b.is_ascii_digit())
                && !port.starts_with('0')
                && port.parse::<u32>().is_ok_and(|p| p <= 65535);
            if !ok {
                return Err(refuse());
            }
        }
        if !is_host(host) {
            return Err(refuse());
        }
        if !secure && host != "127.0.0.1" && host != "localhost" {
            return Err(refuse());
        }
        Ok(Self(value.to_owned()))
    }

    /// Whether this is one of the plain-http development origins.
    pub fn is_development(&self) -> bool {
        self.0.starts_with("http://")
    }
}

fn split_host_port(rest: &str) -> Option<(&str, Option<&str>)> {
    if rest.contains(['/', '?', '#', '@', '\\']) || rest.is_empty() {
        return None;
    }
    if rest.starts_with('[') {
        // IPv6 literal: [..] optionally followed by :port.
        let end = rest.find(']')?;
        let host = &rest[..=end];
        let after = &rest[end + 1..];
        return match after.strip_prefix(':') {
            Some(port) => Some((host, Some(port))),
            None if after.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match rest.split_once(':') {
        Some((host, port)) => Some((host, Some(port))),
        None => Some((rest, None)),
    }
}

fn is_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !inner.is_empty()
            && inner.bytes().all(|b| {
                b.is_ascii_hexdigit() && !b.is_ascii_uppercase() || b == b':' || b == b'.'
            });
    }
    if host.is_empty() || host.len() > 253 {
        return false;
    }
    host.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// A Chrome extension id: 32 letters `a`–`p`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExtensionId(String);

impl ExtensionId {
    /// Parses a bare extension id (`abcdefghijklmnopabcdefghijklmnop`).
    pub fn parse(value: &str) -> Result<Self, IdError> {
        if value.len() == 32 && value.bytes().all(|b| (b'a'..=b'p').contains(&b)) {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError::ExtensionOrigin(value.chars().take(100).collect()))
        }
    }

    /// Parses the caller origin Chrome passes a native host as its first argument,
    /// `chrome-extension://<id>/`.
    pub fn from_origin(origin: &str) -> Result<Self, IdError> {
        let refuse = || IdError::ExtensionOrigin(origin.chars().take(100).collect());
        let id = origin
            .strip_prefix("chrome-extension://")
            .and_then(|rest| rest.strip_suffix('/'))
            .ok_or_else(refuse)?;
        Self::parse(id).map_err(|_| refuse())
    }

    /// The id computed the way Chrome does from a manifest `key`: the first 32 hex
    /// digits of the SHA-256 of the public key's DER, with `0`–`f` mapped to `a`–`p`.
    pub fn from_sha256_of_key(digest: &[u8; 32]) -> Self {
        let id = digest[..16]
            .iter()
            .flat_map(|b| [b >> 4, b & 0x0f])
            .map(|nibble| char::from(b'a' + nibble))
            .collect();
        Self(id)
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The origin form, `chrome-extension://<id>/`, as in a host manifest.
    pub fn origin(&self) -> String {
        format!("chrome-extension://{}/", self.0)
    }
}

impl std::fmt::Display for ExtensionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<ExtensionId> for String {
    fn from(value: ExtensionId) -> String {
        value.0
    }
}

impl TryFrom<String> for ExtensionId {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, IdError> {
        Self::parse(&value)
    }
}

string_newtype!(
    /// A server challenge, base64 exactly as the server sent it (standard or URL-safe
    /// alphabet, optional padding), 16 to 128 characters. It goes into the TBS as is,
    /// so no line break can ever reach it.
    Challenge
);

impl Challenge {
    /// Parses a challenge.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let ok = (16..=128).contains(&value.len())
            && value.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=')
            });
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError::Challenge)
        }
    }
}

string_newtype!(
    /// A token's serial number as its `CK_TOKEN_INFO` reports it, trailing blanks removed.
    TokenSerial
);

impl TokenSerial {
    /// Parses a token serial.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let n = value.chars().count();
        if (1..=64).contains(&n) && !value.chars().any(char::is_control) {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError::TokenSerial)
        }
    }
}

fn is_lower_hex(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

string_newtype!(
    /// The lowercase hex SHA-256 of a certificate's DER: how a certificate is named.
    CertSha256
);

impl CertSha256 {
    /// Parses 64 lowercase hex digits.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        if value.len() == 64 && is_lower_hex(value) {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError::Hex {
                what: "a certificate's sha256",
                expected: "64",
            })
        }
    }

    /// Names the certificate with these DER bytes, given their SHA-256.
    pub fn from_digest(digest: &[u8; 32]) -> Self {
        Self(to_hex(digest))
    }
}

string_newtype!(
    /// A key's `CKA_ID` in lowercase hex: how a key pair is named.
    KeyId
);

impl KeyId {
    /// Parses 2 to 128 lowercase hex digits, an even number of them.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        if (2..=128).contains(&value.len()) && value.len().is_multiple_of(2) && is_lower_hex(value)
        {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError::Hex {
                what: "a key id",
                expected: "2 to 128 (an even number of)",
            })
        }
    }

    /// Names the key with this raw `CKA_ID`. An empty id has no name.
    pub fn from_bytes(id: &[u8]) -> Option<Self> {
        if id.is_empty() || id.len() > 64 {
            None
        } else {
            Some(Self(to_hex(id)))
        }
    }

    /// The raw `CKA_ID` bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        from_hex(&self.0)
    }
}

string_newtype!(
    /// The lowercase hex SHA-256 of a payload the signature commits to.
    PayloadSha256
);

impl PayloadSha256 {
    /// Parses 64 lowercase hex digits.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        if value.len() == 64 && is_lower_hex(value) {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError::Hex {
                what: "payload_sha256",
                expected: "64",
            })
        }
    }

    /// The hex form of a computed digest.
    pub fn from_digest(digest: &[u8; 32]) -> Self {
        Self(to_hex(digest))
    }
}

/// Lowercase hex of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Bytes of lowercase or uppercase hex; `None` for anything else.
pub fn parse_hex(value: &str) -> Option<Vec<u8>> {
    if !value.len().is_multiple_of(2) {
        return None;
    }
    value
        .as_bytes()
        .chunks(2)
        .map(|pair| {
            let hi = char::from(pair[0]).to_digit(16)?;
            let lo = char::from(pair[1]).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

// Only called on values already checked to be even-length lowercase hex.
fn from_hex(value: &str) -> Vec<u8> {
    parse_hex(value).unwrap_or_default()
}

/// A token PIN. Zeroized when dropped; its `Debug` never shows it. Only the
/// extension's PIN window and the host ever hold one.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop, Deserialize)]
#[serde(try_from = "String")]
pub struct Pin(String);

impl Pin {
    /// Parses a PIN: 1 to 64 characters, none of them control characters.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let n = value.chars().count();
        if (1..=64).contains(&n) && !value.chars().any(char::is_control) {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError::Pin)
        }
    }

    /// The secret, for handing to the token and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Pin {
    type Error = IdError;
    fn try_from(mut value: String) -> Result<Self, IdError> {
        let parsed = Self::parse(&value);
        value.zeroize();
        parsed
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

impl Serialize for Pin {
    // The extension adds the PIN to the host request; Rust code (tests) may need the
    // same, so a PIN serialises as its string.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_origins() {
        let good = [
            "https://ca.example.com",
            "https://ca.example.com:8443",
            "https://xn--fiqs8s.cn",
            "http://127.0.0.1",
            "http://127.0.0.1:8080",
            "http://localhost:3000",
            "https://[::1]:443",
        ];
        for origin in good {
            assert!(WebOrigin::parse(origin).is_ok(), "{origin} refused");
        }
        let bad = [
            "",
            "ca.example.com",
            "http://ca.example.com",
            "http://10.0.0.1",
            "https://ca.example.com/",
            "https://ca.example.com/path",
            "https://CA.example.com",
            "https://ca.example.com:",
            "https://ca.example.com:0",
            "https://ca.example.com:65536",
            "https://ca.example.com:080",
            "https://user@ca.example.com",
            "https://-bad.example.com",
            "https://ca..example.com",
            "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
            "https://ca.example.com\n",
            "javascript://x",
            "null",
        ];
        for origin in bad {
            assert!(WebOrigin::parse(origin).is_err(), "{origin:?} accepted");
        }
    }

    #[test]
    fn extension_origins() {
        let id = ExtensionId::from_origin("chrome-extension://abcdefghijklmnopabcdefghijklmnop/")
            .unwrap();
        assert_eq!(id.as_str(), "abcdefghijklmnopabcdefghijklmnop");
        assert_eq!(
            id.origin(),
            "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"
        );
        for bad in [
            "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
            "chrome-extension://abcdefghijklmnopabcdefghijklmnoq/",
            "chrome-extension://abc/",
            "moz-extension://abcdefghijklmnopabcdefghijklmnop/",
            "",
        ] {
            assert!(ExtensionId::from_origin(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn extension_id_from_key_digest_maps_nibbles() {
        let mut digest = [0u8; 32];
        digest[0] = 0x0f;
        digest[1] = 0xa5;
        let id = ExtensionId::from_sha256_of_key(&digest);
        assert!(id.as_str().starts_with("apkf"));
        assert_eq!(id.as_str().len(), 32);
    }

    #[test]
    fn challenges_cannot_carry_line_breaks() {
        assert!(Challenge::parse("q83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vng=").is_ok());
        assert!(Challenge::parse("q83vEjRWeJASNFZ4\nkBI0VniQEjRW").is_err());
        assert!(Challenge::parse("short").is_err());
        assert!(Challenge::parse(&"A".repeat(129)).is_err());
    }

    #[test]
    fn hex_names() {
        assert!(CertSha256::parse(&"ab".repeat(32)).is_ok());
        assert!(CertSha256::parse(&"AB".repeat(32)).is_err());
        assert!(CertSha256::parse("ab").is_err());
        assert!(KeyId::parse("0a1b").is_ok());
        assert!(KeyId::parse("0a1").is_err());
        assert!(KeyId::parse("").is_err());
        assert_eq!(KeyId::parse("0a1b").unwrap().to_bytes(), vec![0x0a, 0x1b]);
        assert_eq!(KeyId::from_bytes(&[0xde, 0xad]).unwrap().as_str(), "dead");
        assert_eq!(KeyId::from_bytes(&[]), None);
    }

    #[test]
    fn pin_debug_is_redacted() {
        let pin: Pin = serde_json::from_str("\"123456\"").unwrap();
        assert_eq!(format!("{pin:?}"), "Pin(<redacted>)");
        assert_eq!(pin.expose(), "123456");
        assert!(serde_json::from_str::<Pin>("\"\"").is_err());
        assert!(serde_json::from_str::<Pin>("\"12\\n34\"").is_err());
    }

    #[test]
    fn request_ids() {
        assert!(RequestId::parse("r-1").is_ok());
        assert!(RequestId::parse(&"x".repeat(64)).is_ok());
        assert!(RequestId::parse(&"x".repeat(65)).is_err());
        assert!(RequestId::parse("").is_err());
    }
}
