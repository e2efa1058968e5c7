//! Randomness for tokens, challenges, serial-like numbers. The OS generator only.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `n` random bytes.
pub fn bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    // The OS generator failing is not recoverable; a server without randomness must
    // not hand out predictable tokens.
    if let Err(e) = getrandom::fill(&mut out) {
        panic!("the operating system's random generator failed: {e}");
    }
    out
}

/// A URL-safe random token of `n` bytes of entropy.
pub fn token(n: usize) -> String {
    URL_SAFE_NO_PAD.encode(bytes(n))
}

/// Lowercase hex of `n` random bytes.
pub fn hex(n: usize) -> String {
    protocol::ids::to_hex(&bytes(n))
}
