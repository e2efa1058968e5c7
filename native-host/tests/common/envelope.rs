//! The KMC's digital envelope, built here with RustCrypto exactly as the contract
//! says (docs/protocol.md §15), independently of the host: K = fresh AES-256 key;
//! wrapped_private_key = AES-KWP(K, PKCS#8); K to the signing key by RSA-OAEP
//! (SHA-1, MGF1-SHA-1) or by ephemeral ECDH P-256 + X9.63 KDF SHA-256 + AES-KW.

use aes_kw::KekAes256;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use rand::RngCore;
use rsa::pkcs8::DecodePublicKey;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{b64, hex_of};

const SHARED_INFO: &[u8] = b"certrenew-envelope-v1";

/// The envelope of `pkcs8_der` to the key of the certificate `signing_cert_der`.
pub fn envelope(signing_cert_der: &[u8], pkcs8_der: &[u8]) -> Value {
    let (_, cert) =
        x509_parser::parse_x509_certificate(signing_cert_der).expect("a signing certificate");
    let spki = cert.public_key().raw;
    let mut k = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut k);
    let wrapped_private_key = KekAes256::from(k)
        .wrap_with_padding_vec(pkcs8_der)
        .expect("AES-KWP");
    let recipient = hex_of(&Sha256::digest(spki));
    if let Ok(rsa_key) = rsa::RsaPublicKey::from_public_key_der(spki) {
        let wrapped = rsa_key
            .encrypt(&mut rand::rngs::OsRng, rsa::Oaep::new::<sha1::Sha1>(), &k)
            .expect("RSA-OAEP");
        return json!({
            "version": 1,
            "transport": "rsa-oaep-sha1",
            "recipient_spki_sha256": recipient,
            "wrapped_content_key": b64(&wrapped),
            "wrapped_private_key": b64(&wrapped_private_key),
        });
    }
    let recipient_key = p256::PublicKey::from_public_key_der(spki).expect("RSA or P-256");
    let ephemeral = p256::ecdh::EphemeralSecret::random(&mut rand::rngs::OsRng);
    let shared = ephemeral.diffie_hellman(&recipient_key);
    let mut kdf = Sha256::new();
    kdf.update(shared.raw_secret_bytes());
    kdf.update(1u32.to_be_bytes());
    kdf.update(SHARED_INFO);
    let kek: [u8; 32] = kdf.finalize().into();
    let wrapped = KekAes256::from(kek).wrap_vec(&k).expect("AES-KW");
    let point = ephemeral.public_key().to_encoded_point(false);
    json!({
        "version": 1,
        "transport": "ecdh-p256-x963-sha256",
        "recipient_spki_sha256": recipient,
        "ephemeral_public_key": b64(point.as_bytes()),
        "wrapped_content_key": b64(&wrapped),
        "wrapped_private_key": b64(&wrapped_private_key),
    })
}
