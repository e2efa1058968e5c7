//! The SM2 digital envelope of a key pair: `SM2EnvelopedKey` of GM/T 0009-2012 §7.4
//! (taken over by GB/T 35276-2017 §7.4 and used by GM/T 0016 tokens), with its
//! `SM2Cipher` (GM/T 0009-2012 §7.2). A KMC seals an encryption key pair for the
//! token's signing key; the token opens it with its vendor SM2 and SM4 unwrap
//! mechanisms.
//!
//! ```text
//! SM2EnvelopedKey ::= SEQUENCE {
//!     symAlgID                AlgorithmIdentifier,  -- SM4-ECB, 1.2.156.10197.1.104.1
//!     symEncryptedKey         SM2Cipher,            -- the SM4 key, SM2-encrypted
//!     sm2PublicKey            BIT STRING,           -- 04 ‖ x ‖ y of the enveloped pair
//!     sm2EncryptedPrivateKey  BIT STRING }          -- its private scalar, SM4-ECB
//! SM2Cipher ::= SEQUENCE {
//!     xCoordinate INTEGER, yCoordinate INTEGER,     -- C1
//!     hash        OCTET STRING (SIZE(32)),          -- C3 = SM3(x2 ‖ M ‖ y2)
//!     cipherText  OCTET STRING }                    -- C2
//! ```
//!
//! Sources: GM/T 0009-2012 (table of contents at codeofchina.com/standard/GMT0009-2012),
//! the ASN.1 as quoted in public code (zhenwei's `Sm2EnvelopedKey`, "GMT-0009#7.4";
//! the Go `SM2EnvelopedKey` with `oidSM4ECB = 1.2.156.10197.1.104.1`) and the
//! blog "sm2格式数字信封" (blog.csdn, Tramp_1, 112173136).
//!
//! A pure codec with strict DER (minimal lengths, minimal positive integers, no
//! trailing bytes) and fixed size limits; it decrypts nothing.

use crate::der::{tag, tlv};
use thiserror::Error;

/// SM4-ECB (1.2.156.10197.1.104.1), content bytes.
pub const SM4_ECB_OID: &[u8] = &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x68, 0x01];
/// The longest `cipherText` of an `SM2Cipher` read here: an SM4 key is 16 bytes;
/// some encoders pad or carry a 32-byte key.
pub const MAX_CIPHER_TEXT: usize = 64;
/// The longest `sm2EncryptedPrivateKey`: the 32-byte scalar, or 64 bytes when a
/// vendor left-pads it to 512 bits (GM/T 0016 `ECCPRIVATEKEYBLOB`).
pub const MAX_ENCRYPTED_PRIVATE_KEY: usize = 64;
/// The longest DER `SM2EnvelopedKey` accepted (the largest valid one is ~300 bytes).
pub const MAX_ENVELOPE_LEN: usize = 512;

/// Why bytes are not an `SM2EnvelopedKey` or `SM2Cipher` this codec accepts.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum Sm2EnvelopeError {
    /// Larger than [`MAX_ENVELOPE_LEN`].
    #[error("the SM2 envelope is {0} bytes, more than {MAX_ENVELOPE_LEN}")]
    TooLong(usize),
    /// Not strict DER, or not the ASN.1 shape.
    #[error("the SM2 envelope is malformed: {0}")]
    Malformed(&'static str),
    /// A symmetric algorithm other than SM4-ECB.
    #[error("the SM2 envelope's symmetric algorithm is not SM4-ECB")]
    UnsupportedAlgorithm,
}

/// `SM2Cipher` (GM/T 0009-2012 §7.2): C1 as coordinates, C3, C2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sm2Cipher {
    /// C1's x, 32 bytes big-endian.
    pub x: [u8; 32],
    /// C1's y, 32 bytes big-endian.
    pub y: [u8; 32],
    /// C3 = SM3(x2 ‖ M ‖ y2).
    pub hash: [u8; 32],
    /// C2, 1..=[`MAX_CIPHER_TEXT`] bytes.
    pub cipher_text: Vec<u8>,
}

/// `SM2EnvelopedKey` (GM/T 0009-2012 §7.4); `symAlgID` is always SM4-ECB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sm2EnvelopedKey {
    /// The SM4 key encrypted to the recipient's SM2 key.
    pub sym_encrypted_key: Sm2Cipher,
    /// The enveloped pair's public key, `04 ‖ x ‖ y`.
    pub public_key: [u8; 65],
    /// The private scalar under SM4-ECB: 16..=[`MAX_ENCRYPTED_PRIVATE_KEY`] bytes, whole blocks.
    pub encrypted_private_key: Vec<u8>,
}

type Result<T> = std::result::Result<T, Sm2EnvelopeError>;

fn malformed<T>(what: &'static str) -> Result<T> {
    Err(Sm2EnvelopeError::Malformed(what))
}

/// Reads one TLV with `want` as tag, strict DER lengths (short form below 128,
/// long form minimal, at most 2 length bytes: nothing here is near 64 KiB).
fn read<'a>(input: &'a [u8], want: u8, what: &'static str) -> Result<(&'a [u8], &'a [u8])> {
    let Some((&tag, rest)) = input.split_first() else {
        return malformed(what);
    };
    if tag != want {
        return malformed(what);
    }
    let Some((&first, rest)) = rest.split_first() else {
        return malformed(what);
    };
    let (len, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81 => match rest.split_first() {
            Some((&l, rest)) if l >= 0x80 => (usize::from(l), rest),
            _ => return malformed("non-minimal length"),
        },
        0x82 => match rest {
            [hi, lo, rest @ ..] if *hi != 0 => ((usize::from(*hi) << 8) | usize::from(*lo), rest),
            _ => return malformed("non-minimal length"),
        },
        _ => return malformed("unsupported length"),
    };
    if rest.len() < len {
        return malformed(what);
    }
    Ok(rest.split_at(len))
}

/// A positive INTEGER of at most 32 value bytes, minimal, left-padded.
fn read_coordinate<'a>(input: &'a [u8], what: &'static str) -> Result<([u8; 32], &'a [u8])> {
    let (content, rest) = read(input, tag::INTEGER, what)?;
    let value = match content {
        [] => return malformed(what),
        [b, ..] if b & 0x80 != 0 => return malformed("negative integer"),
        [0, next, ..] if next & 0x80 == 0 => return malformed("non-minimal integer"),
        [0, value @ ..] if !value.is_empty() => value,
        value => value,
    };
    if value.len() > 32 {
        return malformed(what);
    }
    let mut out = [0u8; 32];
    out[32 - value.len()..].copy_from_slice(value);
    Ok((out, rest))
}

/// A BIT STRING with no unused bits.
fn read_bits<'a>(input: &'a [u8], what: &'static str) -> Result<(&'a [u8], &'a [u8])> {
    let (content, rest) = read(input, tag::BIT_STRING, what)?;
    match content.split_first() {
        Some((0, bits)) => Ok((bits, rest)),
        _ => malformed(what),
    }
}

impl Sm2Cipher {
    /// Reads a DER `SM2Cipher`, nothing after it.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        if der.len() > MAX_ENVELOPE_LEN {
            return Err(Sm2EnvelopeError::TooLong(der.len()));
        }
        let (cipher, rest) = Self::read(der)?;
        if !rest.is_empty() {
            return malformed("bytes after the SM2Cipher");
        }
        Ok(cipher)
    }

    fn read(input: &[u8]) -> Result<(Self, &[u8])> {
        let (body, rest) = read(input, tag::SEQUENCE, "SM2Cipher")?;
        let (x, body) = read_coordinate(body, "xCoordinate")?;
        let (y, body) = read_coordinate(body, "yCoordinate")?;
        let (hash, body) = read(body, tag::OCTET_STRING, "hash")?;
        let hash: [u8; 32] = hash
            .try_into()
            .map_err(|_| Sm2EnvelopeError::Malformed("hash is not 32 bytes"))?;
        let (cipher_text, body) = read(body, tag::OCTET_STRING, "cipherText")?;
        if cipher_text.is_empty() || cipher_text.len() > MAX_CIPHER_TEXT {
            return malformed("cipherText length");
        }
        if !body.is_empty() {
            return malformed("extra fields in SM2Cipher");
        }
        let cipher = Self {
            x,
            y,
            hash,
            cipher_text: cipher_text.to_vec(),
        };
        Ok((cipher, rest))
    }

    /// The DER `SM2Cipher` (what a token's SM2 unwrap takes).
    pub fn to_der(&self) -> Vec<u8> {
        let int = crate::der::unsigned_integer;
        crate::der::sequence(&[
            &int(&self.x),
            &int(&self.y),
            &tlv(tag::OCTET_STRING, &self.hash),
            &tlv(tag::OCTET_STRING, &self.cipher_text),
        ])
    }

    /// From the raw `C1 ‖ C3 ‖ C2` of GB/T 32918.4 (C1 = `04 ‖ x ‖ y`), as the `sm2`
    /// crate's `encrypt` writes it.
    pub fn from_c1c3c2(raw: &[u8]) -> Result<Self> {
        if raw.len() < 65 + 32 + 1 || raw.len() > 65 + 32 + MAX_CIPHER_TEXT || raw[0] != 0x04 {
            return malformed("C1 ‖ C3 ‖ C2 length or point form");
        }
        let mut cipher = Self {
            x: [0; 32],
            y: [0; 32],
            hash: [0; 32],
            cipher_text: raw[97..].to_vec(),
        };
        cipher.x.copy_from_slice(&raw[1..33]);
        cipher.y.copy_from_slice(&raw[33..65]);
        cipher.hash.copy_from_slice(&raw[65..97]);
        Ok(cipher)
    }

    /// The raw `C1 ‖ C3 ‖ C2`.
    pub fn to_c1c3c2(&self) -> Vec<u8> {
        [&[0x04][..], &self.x, &self.y, &self.hash, &self.cipher_text].concat()
    }
}

impl Sm2EnvelopedKey {
    /// Reads a DER `SM2EnvelopedKey`, nothing after it.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        if der.len() > MAX_ENVELOPE_LEN {
            return Err(Sm2EnvelopeError::TooLong(der.len()));
        }
        let (body, rest) = read(der, tag::SEQUENCE, "SM2EnvelopedKey")?;
        if !rest.is_empty() {
            return malformed("bytes after the SM2EnvelopedKey");
        }
        let (alg, body) = read(body, tag::SEQUENCE, "symAlgID")?;
        let (oid, params) = read(alg, tag::OID, "symAlgID algorithm")?;
        if oid != SM4_ECB_OID {
            return Err(Sm2EnvelopeError::UnsupportedAlgorithm);
        }
        // Parameters absent or NULL: encoders differ.
        if !(params.is_empty() || params == [tag::NULL, 0]) {
            return malformed("symAlgID parameters");
        }
        let (sym_encrypted_key, body) = Sm2Cipher::read(body)?;
        let (public_key, body) = read_bits(body, "sm2PublicKey")?;
        let public_key: [u8; 65] = match <[u8; 65]>::try_from(public_key) {
            Ok(key @ [0x04, ..]) => key,
            _ => return malformed("sm2PublicKey is not an uncompressed point"),
        };
        let (private, body) = read_bits(body, "sm2EncryptedPrivateKey")?;
        if private.len() < 16
            || private.len() > MAX_ENCRYPTED_PRIVATE_KEY
            || private.len() % 16 != 0
        {
            return malformed("sm2EncryptedPrivateKey length");
        }
        if !body.is_empty() {
            return malformed("extra fields in SM2EnvelopedKey");
        }
        Ok(Self {
            sym_encrypted_key,
            public_key,
            encrypted_private_key: private.to_vec(),
        })
    }

    /// The DER `SM2EnvelopedKey` (symAlgID SM4-ECB without parameters).
    pub fn to_der(&self) -> Vec<u8> {
        let der = crate::der::sequence;
        der(&[
            &der(&[&tlv(tag::OID, SM4_ECB_OID)]),
            &self.sym_encrypted_key.to_der(),
            &crate::der::bit_string(&self.public_key),
            &crate::der::bit_string(&self.encrypted_private_key),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Sm2EnvelopedKey {
        let mut public_key = [0x11u8; 65];
        public_key[0] = 0x04;
        let mut x = [0u8; 32];
        x[0] = 0x80; // needs a leading zero in DER
        let mut y = [0u8; 32];
        y[31] = 0x07; // short INTEGER, padded back on read
        Sm2EnvelopedKey {
            sym_encrypted_key: Sm2Cipher {
                x,
                y,
                hash: [0x33; 32],
                cipher_text: vec![0x44; 16],
            },
            public_key,
            encrypted_private_key: vec![0x55; 32],
        }
    }

    #[test]
    fn round_trip() {
        let envelope = sample();
        let der = envelope.to_der();
        assert_eq!(Sm2EnvelopedKey::from_der(&der), Ok(envelope.clone()));
        let cipher = envelope.sym_encrypted_key;
        assert_eq!(Sm2Cipher::from_der(&cipher.to_der()), Ok(cipher.clone()));
        assert_eq!(Sm2Cipher::from_c1c3c2(&cipher.to_c1c3c2()), Ok(cipher));
    }

    #[test]
    fn null_parameters_accepted() {
        let envelope = sample();
        let der = crate::der::sequence(&[
            &crate::der::sequence(&[&tlv(tag::OID, SM4_ECB_OID), &[tag::NULL, 0]]),
            &envelope.sym_encrypted_key.to_der(),
            &crate::der::bit_string(&envelope.public_key),
            &crate::der::bit_string(&envelope.encrypted_private_key),
        ]);
        assert_eq!(Sm2EnvelopedKey::from_der(&der), Ok(envelope));
    }

    /// Interoperates with the `sm2` crate's own GM/T 0009 `SM2Cipher` encoder.
    #[test]
    fn reads_the_sm2_crates_der() {
        use sm2::elliptic_curve::{Generate, common::getrandom::SysRng};
        let secret = sm2::SecretKey::generate();
        let public = sm2::pke::EncryptingKey::new(secret.public_key());
        let der = public
            .encrypt_der(&mut SysRng, &[9u8; 16])
            .expect("encrypts");
        let cipher = Sm2Cipher::from_der(&der).expect("reads");
        assert_eq!(cipher.to_der(), der);
        let opened = sm2::pke::DecryptingKey::new(secret)
            .decrypt(&cipher.to_c1c3c2())
            .expect("decrypts");
        assert_eq!(opened, [9u8; 16]);
    }

    #[test]
    fn malformed_inputs() {
        let good = sample().to_der();
        // Every truncation, and a byte more.
        for len in 0..good.len() {
            assert!(Sm2EnvelopedKey::from_der(&good[..len]).is_err(), "{len}");
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(Sm2EnvelopedKey::from_der(&longer).is_err());
        // Non-minimal length of the outer SEQUENCE.
        let mut long_form = vec![0x30, 0x82, 0x00];
        long_form.push(u8::try_from(good.len() - 3).unwrap());
        long_form.extend_from_slice(&good[3..]);
        assert!(Sm2EnvelopedKey::from_der(&long_form).is_err());
        // Another algorithm (SM4-CBC, ...104.2).
        let mut cbc = good.clone();
        let at = cbc
            .windows(SM4_ECB_OID.len())
            .position(|w| w == SM4_ECB_OID)
            .unwrap();
        cbc[at + SM4_ECB_OID.len() - 1] = 0x02;
        assert_eq!(
            Sm2EnvelopedKey::from_der(&cbc),
            Err(Sm2EnvelopeError::UnsupportedAlgorithm)
        );
        assert_eq!(
            Sm2EnvelopedKey::from_der(&[0u8; MAX_ENVELOPE_LEN + 1]),
            Err(Sm2EnvelopeError::TooLong(MAX_ENVELOPE_LEN + 1))
        );
    }

    #[test]
    fn field_limits() {
        let check = |edit: fn(&mut Sm2EnvelopedKey)| {
            let mut envelope = sample();
            edit(&mut envelope);
            Sm2EnvelopedKey::from_der(&envelope.to_der())
        };
        assert!(check(|e| e.public_key[0] = 0x02).is_err());
        assert!(check(|e| e.encrypted_private_key.truncate(31)).is_err());
        assert!(check(|e| e.encrypted_private_key = vec![1; 80]).is_err());
        assert!(check(|e| e.encrypted_private_key = vec![1; 64]).is_ok());
        assert!(check(|e| e.sym_encrypted_key.cipher_text.clear()).is_err());
        assert!(check(|e| e.sym_encrypted_key.cipher_text = vec![1; 65]).is_err());
        // Negative and non-minimal integers.
        let cipher = sample().sym_encrypted_key;
        let hash = tlv(tag::OCTET_STRING, &cipher.hash);
        let text = tlv(tag::OCTET_STRING, &cipher.cipher_text);
        let y = crate::der::unsigned_integer(&cipher.y);
        for x in [vec![0x02, 1, 0x80], vec![0x02, 2, 0, 1], vec![0x02, 0]] {
            let der = crate::der::sequence(&[&x, &y, &hash, &text]);
            assert!(Sm2Cipher::from_der(&der).is_err(), "{x:?}");
        }
        let x33 = tlv(tag::INTEGER, &[1u8; 33]);
        assert!(Sm2Cipher::from_der(&crate::der::sequence(&[&x33, &y, &hash, &text])).is_err());
        assert!(Sm2Cipher::from_c1c3c2(&[4u8; 97]).is_err());
    }
}
