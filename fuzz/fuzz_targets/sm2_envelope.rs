//! Any bytes as the DER `SM2EnvelopedKey` of an `sm2-enveloped-key` envelope
//! (`certinfo::sm2_envelope`, read by the host before the token is touched): never a
//! panic; what is accepted re-encodes to the same bytes (strict DER, one encoding)
//! and its parts keep the codec's limits.
#![no_main]

use certinfo::sm2_envelope::{
    MAX_CIPHER_TEXT, MAX_ENCRYPTED_PRIVATE_KEY, Sm2Cipher, Sm2EnvelopedKey,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = Sm2EnvelopedKey::from_der(data) {
        let again = envelope.to_der();
        // NULL parameters are accepted and written without: re-read instead.
        assert_eq!(Sm2EnvelopedKey::from_der(&again).as_ref(), Ok(&envelope));
        assert!(again.len() <= data.len());
        assert!(envelope.sym_encrypted_key.cipher_text.len() <= MAX_CIPHER_TEXT);
        assert!(envelope.encrypted_private_key.len() <= MAX_ENCRYPTED_PRIVATE_KEY);
        assert_eq!(envelope.public_key[0], 0x04);
    }
    if let Ok(cipher) = Sm2Cipher::from_der(data) {
        assert_eq!(cipher.to_der(), data, "SM2Cipher has one DER encoding");
        assert_eq!(Sm2Cipher::from_c1c3c2(&cipher.to_c1c3c2()), Ok(cipher));
    }
});
