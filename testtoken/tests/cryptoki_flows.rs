//! The test token through the `cryptoki` crate, the way native-host drives tokens:
//! PIN counters and flags, key pairs, signatures checked by RustCrypto outside the
//! token, both envelope imports (ECDH + X9.63 + AES-KWP of a PKCS#8 key; GM/T 0016's
//! SM2-encrypted SM4 key and SM4-ECB private key, the SM4 by openssl), and what is
//! hidden, sensitive and persistent.

mod common;

use common::{SO_PIN, Token, USER_PIN, p11, sm2_e};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::elliptic_curve::{EcKdf, Ecdh1DeriveParams};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;

fn rv(e: Error) -> RvError {
    match e {
        Error::Pkcs11(rv, _) => rv,
        other => panic!("not a PKCS#11 error: {other}"),
    }
}

const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

#[test]
fn pin_counts_down_flags_final_try_locks_and_the_so_unlocks() {
    let token = Token::new("sansec", true);
    let m = p11::load(&token);
    let slot = m.slot(1);
    let s = m.p().open_rw_session(slot).unwrap();
    let wrong = AuthPin::new("999999".into());
    let info = || m.p().get_token_info(slot).unwrap();

    assert_eq!(
        rv(s.login(UserType::User, Some(&wrong)).unwrap_err()),
        RvError::PinIncorrect
    );
    assert!(info().user_pin_count_low() && !info().user_pin_final_try());
    assert_eq!(
        rv(s.login(UserType::User, Some(&wrong)).unwrap_err()),
        RvError::PinIncorrect
    );
    assert!(info().user_pin_final_try());
    assert_eq!(
        rv(s.login(UserType::User, Some(&wrong)).unwrap_err()),
        RvError::PinLocked
    );
    assert!(info().user_pin_locked());
    let right = AuthPin::new(USER_PIN.into());
    assert_eq!(
        rv(s.login(UserType::User, Some(&right)).unwrap_err()),
        RvError::PinLocked
    );

    s.login(UserType::So, Some(&AuthPin::new(SO_PIN.into())))
        .unwrap();
    s.init_pin(&AuthPin::new("246810".into())).unwrap();
    s.logout().unwrap();
    assert!(!info().user_pin_locked() && !info().user_pin_count_low());
    s.login(UserType::User, Some(&AuthPin::new("246810".into())))
        .unwrap();
    // A second login of the same user is refused as such.
    assert_eq!(
        rv(
            s.login(UserType::User, Some(&AuthPin::new("246810".into())))
                .unwrap_err()
        ),
        RvError::UserAlreadyLoggedIn
    );
}

#[test]
fn token_objects_persist_private_ones_hide_and_values_stay_inside() {
    let token = Token::new("westone", false);
    {
        let m = p11::load(&token);
        let s = m.user_session(1, USER_PIN);
        let (_, _) = s
            .generate_key_pair(
                &Mechanism::EccKeyPairGen,
                &[
                    Attribute::Token(true),
                    Attribute::EcParams(P256_PARAMS.to_vec()),
                    Attribute::Id(vec![1]),
                ],
                &[
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::Id(vec![1]),
                    Attribute::Sign(true),
                ],
            )
            .unwrap();
        // A session key pair goes with the session.
        s.generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &[
                Attribute::EcParams(P256_PARAMS.to_vec()),
                Attribute::Id(vec![2]),
            ],
            &[Attribute::Id(vec![2])],
        )
        .unwrap();
        // A read-only session cannot create a token object.
        let ro = m.p().open_ro_session(m.slot(1)).unwrap();
        let err = ro
            .create_object(&[
                Attribute::Class(ObjectClass::DATA),
                Attribute::Token(true),
                Attribute::Value(b"x".to_vec()),
            ])
            .unwrap_err();
        assert_eq!(rv(err), RvError::SessionReadOnly);
    }
    let m = p11::load(&token);
    let public = m.p().open_ro_session(m.slot(1)).unwrap();
    assert_eq!(p11::find(&public, ObjectClass::PUBLIC_KEY, &[1]).len(), 1);
    assert!(
        p11::find(&public, ObjectClass::PRIVATE_KEY, &[1]).is_empty(),
        "hidden before login"
    );
    assert!(
        p11::find(&public, ObjectClass::PUBLIC_KEY, &[2]).is_empty(),
        "session object gone"
    );

    let s = m.user_session(1, USER_PIN);
    let key = p11::find(&s, ObjectClass::PRIVATE_KEY, &[1]);
    assert_eq!(key.len(), 1);
    let attrs = s
        .get_attributes(
            key[0],
            &[
                AttributeType::Sensitive,
                AttributeType::Extractable,
                AttributeType::Local,
            ],
        )
        .unwrap();
    assert_eq!(
        attrs,
        vec![
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Local(true)
        ]
    );
    let err = s.get_attributes(key[0], &[AttributeType::Value]);
    // cryptoki reports a sensitive attribute as absent rather than an error.
    assert!(err.map(|a| a.is_empty()).unwrap_or(true));
    // Sensitive cannot be switched off.
    let err = s
        .update_attributes(key[0], &[Attribute::Sensitive(false)])
        .unwrap_err();
    assert_eq!(rv(err), RvError::AttributeReadOnly);
    s.update_attributes(key[0], &[Attribute::Label(b"renamed".to_vec())])
        .unwrap();
    s.destroy_object(key[0]).unwrap();
    assert!(p11::find(&s, ObjectClass::PRIVATE_KEY, &[1]).is_empty());
}

#[test]
fn ec_sign_and_the_ecdh_x963_aes_kwp_envelope() {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use p256::elliptic_curve::sec1::ToSec1Point;
    use p256::pkcs8::EncodePrivateKey;

    let token = Token::new("westone", false);
    let m = p11::load(&token);
    let s = m.user_session(1, USER_PIN);
    let (public, private) = s
        .generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &[
                Attribute::Token(true),
                Attribute::EcParams(P256_PARAMS.to_vec()),
            ],
            &[
                Attribute::Token(true),
                Attribute::Sign(true),
                Attribute::Derive(true),
            ],
        )
        .unwrap();
    let point = common::raw_point(&p11::ec_point(&s, public));
    let digest = [7u8; 32];
    let sig = s.sign(&Mechanism::Ecdsa, private, &digest).unwrap();
    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).unwrap();
    vk.verify_prehash(&digest, &p256::ecdsa::Signature::from_slice(&sig).unwrap())
        .unwrap();
    // The token agrees with itself too.
    s.verify(&Mechanism::Ecdsa, public, &digest, &sig).unwrap();

    // The KMC's side (protocol::envelope): an ephemeral key, ECDH with the token's
    // key, X9.63-SHA-256 with shared info, AES-256-KWP over the PKCS#8 of a new key.
    let mut d = [0u8; 32];
    getrandom::fill(&mut d).unwrap();
    let ephemeral = p256::SecretKey::from_slice(&d).unwrap();
    let token_public = p256::PublicKey::from_sec1_bytes(&point).unwrap();
    let shared =
        p256::ecdh::diffie_hellman(ephemeral.to_nonzero_scalar(), token_public.as_affine());
    let info = b"certrenew-envelope-v1";
    let kek = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(shared.raw_secret_bytes());
        h.update(1u32.to_be_bytes());
        h.update(info);
        h.finalize()
    };
    getrandom::fill(&mut d).unwrap();
    let escrowed = p256::SecretKey::from_slice(&d).unwrap();
    let pkcs8 = escrowed.to_pkcs8_der().unwrap();
    let mut wrapped = vec![0u8; pkcs8.as_bytes().len() + 16];
    let wrapped = {
        use aes_kw::KeyInit;
        let kwp = aes_kw::KwpAes256::new_from_slice(&kek).unwrap();
        kwp.wrap_key(pkcs8.as_bytes(), &mut wrapped)
            .unwrap()
            .to_vec()
    };

    // The token's side, as the host does it.
    let eph_point = ephemeral
        .public_key()
        .to_sec1_point(false)
        .as_bytes()
        .to_vec();
    let params = Ecdh1DeriveParams::new(EcKdf::sha256(info), &eph_point);
    let aes = s
        .derive_key(
            &Mechanism::Ecdh1Derive(params),
            private,
            &[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::ValueLen(32.into()),
                Attribute::Unwrap(true),
            ],
        )
        .unwrap();
    let imported = s
        .unwrap_key(
            &Mechanism::AesKeyWrapPad,
            aes,
            &wrapped,
            &[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::KeyType(KeyType::EC),
                Attribute::Token(true),
                Attribute::Decrypt(true),
            ],
        )
        .unwrap();
    let want = escrowed
        .public_key()
        .to_sec1_point(false)
        .as_bytes()
        .to_vec();
    assert_eq!(common::raw_point(&p11::ec_point(&s, imported)), want);
    // A flipped bit in the wrapped key is refused.
    let mut bad = wrapped.clone();
    bad[5] ^= 1;
    let err = s
        .unwrap_key(
            &Mechanism::AesKeyWrapPad,
            aes,
            &bad,
            &[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::KeyType(KeyType::EC),
            ],
        )
        .unwrap_err();
    assert_eq!(rv(err), RvError::WrappedKeyInvalid);
}

#[test]
fn sm2_sign_digest_and_the_gmt_0016_envelope() {
    use sm2::dsa::signature::Verifier;
    use sm2::elliptic_curve::sec1::ToSec1Point;

    // westone numbering: keygen +1, CKM_SM2 +2 (sign and cipher), SM3 +31, SM4-ECB +41.
    let (vd, ckk_sm2, ckk_sm4) = (0x8000_0000u64, 0x8000_0001u64, 0x8000_0005u64);
    let token = Token::new("westone", false);
    let m = p11::load(&token);
    let s = m.user_session(1, USER_PIN);
    let (private, point) = p11::sm2_key_pair(&s, vd + 1, ckk_sm2, b"sign");

    let message = b"to be signed";
    let e = sm2_e(&point, b"1234567812345678", message);
    let raw = s.sign(&p11::vendor(vd + 2), private, &e).unwrap();
    let vk = sm2::dsa::VerifyingKey::from_sec1_bytes("1234567812345678", &point).unwrap();
    vk.verify(message, &sm2::dsa::Signature::from_slice(&raw).unwrap())
        .unwrap();
    // `e` must be a 32-byte hash under this numbering.
    let err = s.sign(&p11::vendor(vd + 2), private, message).unwrap_err();
    assert_eq!(rv(err), RvError::DataLenRange);
    assert_eq!(
        s.digest(&p11::vendor(vd + 31), b"abc").unwrap(),
        hex::decode("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0").unwrap()
    );

    // GM/T 0016 envelope: an SM4 key SM2-encrypted to the signing key, and the new
    // encryption private key under that SM4 key in ECB (made by openssl).
    let sm4_key = [0x42u8; 16];
    let enc = sm2::pke::EncryptingKey::from_sec1_bytes(&point).unwrap();
    let cipher = enc.encrypt(&mut getrandom::SysRng, &sm4_key).unwrap();
    let sm4 = s
        .unwrap_key(
            &p11::vendor(vd + 2),
            private,
            &cipher,
            &[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::new_vendor_defined(ckk_sm4).unwrap()),
                Attribute::Unwrap(true),
            ],
        )
        .unwrap();
    let mut d = [0u8; 32];
    getrandom::fill(&mut d).unwrap();
    let Ok(new_key) = sm2::SecretKey::from_slice(&d) else {
        return; // d above the order: vanishingly rare, nothing to test.
    };
    let plain = token.path("d.bin");
    std::fs::write(&plain, d).unwrap();
    let wrapped = token.path("d.sm4");
    let (ok, said) = common::openssl(&[
        "enc",
        "-sm4-ecb",
        "-nopad",
        "-K",
        &hex::encode(sm4_key),
        "-in",
        plain.to_str().unwrap(),
        "-out",
        wrapped.to_str().unwrap(),
    ]);
    assert!(ok, "{said}");
    let imported = s
        .unwrap_key(
            &p11::vendor(vd + 41),
            sm4,
            &std::fs::read(&wrapped).unwrap(),
            &[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::KeyType(KeyType::new_vendor_defined(ckk_sm2).unwrap()),
                Attribute::Token(true),
                Attribute::Decrypt(true),
            ],
        )
        .unwrap();
    // The imported key decrypts what is encrypted to the new public key.
    let new_point = new_key
        .public_key()
        .to_sec1_point(false)
        .as_bytes()
        .to_vec();
    let secret = sm2::pke::EncryptingKey::from_sec1_bytes(&new_point)
        .unwrap()
        .encrypt(&mut getrandom::SysRng, b"session key")
        .unwrap();
    assert_eq!(
        s.decrypt(&p11::vendor(vd + 2), imported, &secret).unwrap(),
        b"session key"
    );
}

#[test]
fn sm3_with_sm2_on_the_token_takes_an_id() {
    use sm2::dsa::signature::Verifier;

    let token = Token::new("sansec", true);
    let m = p11::load(&token);
    let s = m.user_session(1, USER_PIN);
    let (private, point) = p11::sm2_key_pair(&s, 0x8000_8001, 0x8000_0004, b"z");
    let id = *b"alice@example.cn";
    let mech = Mechanism::VendorDefined(
        cryptoki::mechanism::vendor_defined::VendorDefinedMechanism::new(
            cryptoki::mechanism::MechanismType::new_vendor_defined(0x8000_8102).unwrap(),
            Some(&id),
        ),
    );
    let raw = s.sign(&mech, private, b"message").unwrap();
    let vk = sm2::dsa::VerifyingKey::from_sec1_bytes("alice@example.cn", &point).unwrap();
    vk.verify(b"message", &sm2::dsa::Signature::from_slice(&raw).unwrap())
        .unwrap();
    // The plain number still signs a caller's e under this profile.
    let e = sm2_e(&point, b"1234567812345678", b"message");
    let raw = s.sign(&p11::vendor(0x8000_8105), private, &e).unwrap();
    let vk = sm2::dsa::VerifyingKey::from_sec1_bytes("1234567812345678", &point).unwrap();
    vk.verify(b"message", &sm2::dsa::Signature::from_slice(&raw).unwrap())
        .unwrap();
}
