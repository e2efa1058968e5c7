//! The callback signature, in the manner of Stripe's: the header
//! `X-Certrenew-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` where the MAC is
//! keyed with the project's `webhook_secret` over the bytes `<t>.<body>`. The time is
//! inside the MAC so a captured callback cannot be replayed later; a platform checks
//! the MAC (in constant time) and that `t` is recent.

use ring::hmac;

/// The header's name.
pub const HEADER: &str = "X-Certrenew-Signature";

/// Why a signature header does not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header is not `t=<digits>,v1=<64 hex digits>`.
    #[error("the signature header is not of the form t=<unix>,v1=<hex>")]
    Malformed,
    /// The MAC does not match the body and time with this secret.
    #[error("the signature does not match the body (wrong secret, or the body was changed)")]
    Mismatch,
    /// The time is further from now than the tolerance allows.
    #[error("the signature's time {t} is more than {tolerance_s} s from now (a replay?)")]
    Stale {
        /// The signed time.
        t: i64,
        /// The allowed distance.
        tolerance_s: i64,
    },
}

fn key(secret: &str) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes())
}

fn signed_bytes(t: i64, body: &[u8]) -> Vec<u8> {
    let mut data = format!("{t}.").into_bytes();
    data.extend_from_slice(body);
    data
}

/// The header value for `body` sent at unix time `t`.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let tag = hmac::sign(&key(secret), &signed_bytes(t, body));
    format!("t={t},v1={}", hex::encode(tag.as_ref()))
}

/// What a platform does with the header: parse it, check the MAC in constant time,
/// and refuse a time further than `tolerance_s` from `now` (unix seconds).
pub fn verify(
    secret: &str,
    header: &str,
    body: &[u8],
    now: i64,
    tolerance_s: i64,
) -> Result<(), SignatureError> {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) if value.len() == 64 => v1 = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(mac)) = (t, v1) else {
        return Err(SignatureError::Malformed);
    };
    hmac::verify(&key(secret), &signed_bytes(t, body), &mac)
        .map_err(|_| SignatureError::Mismatch)?;
    if (now - t).abs() > tolerance_s {
        return Err(SignatureError::Stale { t, tolerance_s });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec-development-0123456789";
    const BODY: &[u8] = br#"{"event":"renewal.completed"}"#;

    #[test]
    fn a_known_vector() {
        // python3: hmac.new(SECRET, b'1767225600.' + BODY, hashlib.sha256).hexdigest()
        assert_eq!(
            sign(SECRET, 1_767_225_600, BODY),
            "t=1767225600,v1=b18edcd5002d4526508eed77a5095787ecc0f743eb61df9289ed6d0b12fbbf50"
        );
    }

    #[test]
    fn what_a_platform_accepts_and_refuses() {
        let header = sign(SECRET, 1_000, BODY);
        assert_eq!(verify(SECRET, &header, BODY, 1_100, 300), Ok(()));
        assert_eq!(
            verify(
                SECRET,
                &header,
                br#"{"event":"renewal.rejected"}"#,
                1_100,
                300
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("another secret, same length.", &header, BODY, 1_100, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, &header, BODY, 2_000, 300),
            Err(SignatureError::Stale {
                t: 1_000,
                tolerance_s: 300
            })
        );
        // Moving the time breaks the MAC: t is signed.
        let moved = header.replacen("t=1000", "t=1900", 1);
        assert_eq!(
            verify(SECRET, &moved, BODY, 2_000, 300),
            Err(SignatureError::Mismatch)
        );
        for bad in ["", "t=1000", "v1=00", "t=x,v1=00", "t=1000,v1=zz"] {
            assert_eq!(
                verify(SECRET, bad, BODY, 1_000, 300),
                Err(SignatureError::Malformed),
                "{bad:?}"
            );
        }
    }
}
