//! Reading X.509 certificates and verifying signatures, in one place for the native
//! host (`native-host/`) and the CA server, so neither re-implements it.
//!
//! - [`facts()`] reads a certificate's DER into owned [`CertFacts`]: SHA-256, serial,
//!   subject and issuer as RFC 4514 strings and as DER, validity, public key, usage,
//!   CA flag and key identifiers.
//! - [`verify_signature`] checks an origin-bound signature (docs/protocol.md §8: ECDSA P-256
//!   with SHA-256, DER-encoded; RSA PKCS#1 v1.5 with SHA-256; SM2 with SM3 and a
//!   distinguishing ID, DER-encoded) against a SubjectPublicKeyInfo.
//! - [`verify_issued_by`] finds, among CA certificates, the one that issued and signed
//!   a certificate.
//!
//! # Layout
//! - `der`: the few DER shapes the host and the CA write by hand (TLVs, unsigned
//!   integers, ECDSA signatures from raw `r ‖ s`, the SHA-256 DigestInfo).
//! - `name`: [`rfc4514`], a distinguished name as an RFC 4514 string.
//! - `facts`: [`facts()`], [`parse`], [`CertFacts`], [`KeyKind`], [`Usage`], [`CertError`].
//! - `verify`: [`verify_signature`], [`verify_issued_by`], [`SignatureAlgorithm`],
//!   [`VerifyError`]; `verify::sm2` the SM2-with-SM3 check.
//! - `sm2_envelope`: the DER `SM2EnvelopedKey` / `SM2Cipher` of GM/T 0009 §7.
//! - `oids` (private): the algorithm OIDs the modules match on.
//! - `testutil` (tests only): test certificates and keys from rcgen and openssl.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod der;
pub mod facts;
pub mod name;
mod oids;
pub mod sm2_envelope;
#[cfg(test)]
mod testutil;
pub mod verify;

pub use facts::{CertError, CertFacts, KeyKind, MAX_CERT_LEN, Usage, facts, parse};
pub use name::rfc4514;
pub use verify::{
    SignatureAlgorithm, VerifyError, verify_issued_by, verify_signature,
    verify_signature_with_distid,
};
/// The x509-parser this crate's signatures use ([`parse`] returns its certificate,
/// [`rfc4514`] takes its name), so callers need not match its version by hand.
pub use x509_parser;

/// Lowercase hex.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}
