//! The test token as OpenSC's pkcs11-tool sees it (the same witness as for SoftHSM),
//! with openssl checking every signature. Each pkcs11-tool call is its own process,
//! so everything here also shows the token's state persists between processes.

mod common;

use common::{SO_PIN, Token, USER_PIN, openssl, p11, text};

fn flags(token: &Token, slot: &str) -> String {
    let out = token.tool_ok(&["--list-token-slots"]);
    out.split(&format!("Slot {slot} ("))
        .nth(1)
        .and_then(|section| section.lines().find(|l| l.contains("token flags")))
        .unwrap_or_default()
        .to_owned()
}

fn login_fails_with(token: &Token, slot: &str, pin: &str, error: &str) {
    let out = token.tool(&["--slot", slot, "--login", "--pin", pin, "--list-objects"]);
    let said = text(&out);
    assert!(
        !out.status.success() && said.contains(error),
        "want {error}:\n{said}"
    );
}

#[test]
fn init_login_wrong_pin_counts_down_final_try_then_locked() {
    let token = Token::new("westone", false);
    // Slot 0 starts uninitialised: pkcs11-tool initialises it and sets the user PIN.
    assert!(token.tool_ok(&["--list-slots"]).contains("uninitialized"));
    token.tool_ok(&[
        "--slot",
        "0",
        "--init-token",
        "--label",
        "mine",
        "--so-pin",
        SO_PIN,
    ]);
    token.tool_ok(&[
        "--slot",
        "0",
        "--init-pin",
        "--login",
        "--login-type",
        "so",
        "--so-pin",
        SO_PIN,
        "--pin",
        "4321",
    ]);
    token.tool_ok(&["--slot", "0", "--login", "--pin", "4321", "--list-objects"]);
    assert!(!flags(&token, "0").contains("count low"));

    login_fails_with(&token, "0", "0000", "CKR_PIN_INCORRECT");
    let f = flags(&token, "0");
    assert!(
        f.contains("user PIN count low") && !f.contains("final"),
        "{f}"
    );
    login_fails_with(&token, "0", "0000", "CKR_PIN_INCORRECT");
    assert!(flags(&token, "0").contains("final user PIN try"));
    login_fails_with(&token, "0", "0000", "CKR_PIN_LOCKED");
    assert!(flags(&token, "0").contains("user PIN locked"));
    // Locked means locked: the right PIN no longer opens it ...
    login_fails_with(&token, "0", "4321", "CKR_PIN_LOCKED");
    // ... until the SO sets a new one.
    token.tool_ok(&[
        "--slot",
        "0",
        "--init-pin",
        "--login",
        "--login-type",
        "so",
        "--so-pin",
        SO_PIN,
        "--pin",
        "5678",
    ]);
    assert!(!flags(&token, "0").contains("locked"));
    token.tool_ok(&["--slot", "0", "--login", "--pin", "5678", "--list-objects"]);
    // A right PIN resets the counter.
    login_fails_with(&token, "0", "0000", "CKR_PIN_INCORRECT");
    token.tool_ok(&["--slot", "0", "--login", "--pin", "5678", "--list-objects"]);
    assert!(!flags(&token, "0").contains("count low"));
}

#[test]
fn ec_p256_key_signs_what_openssl_verifies_and_persists() {
    let token = Token::new("westone", false);
    let login = ["--slot", "1", "--login", "--pin", USER_PIN];
    let out = token.tool_ok(
        &[
            &login[..],
            &[
                "--keypairgen",
                "--key-type",
                "EC:prime256v1",
                "--id",
                "0e",
                "--label",
                "ec",
                "--usage-sign",
            ],
        ]
        .concat(),
    );
    assert!(out.contains("EC_PARAMS:  06082a8648ce3d030107"), "{out}");

    // Without login the private key is hidden; with it, it is there.
    let public_only = token.tool_ok(&["--slot", "1", "--list-objects"]);
    assert!(
        public_only.contains("Public Key Object; EC"),
        "{public_only}"
    );
    assert!(!public_only.contains("Private Key Object"), "{public_only}");
    let all = token.tool_ok(&[&login[..], &["--list-objects"]].concat());
    assert!(
        all.contains("Private Key Object; EC") && all.contains("sensitive"),
        "{all}"
    );

    let msg = token.path("msg");
    std::fs::write(&msg, b"renew me").unwrap();
    let hash = token.path("hash");
    let (ok, said) = openssl(&[
        "dgst",
        "-sha256",
        "-binary",
        "-out",
        hash.to_str().unwrap(),
        msg.to_str().unwrap(),
    ]);
    assert!(ok, "{said}");
    let sig = token.path("sig");
    token.tool_ok(
        &[
            &login[..],
            &[
                "--sign",
                "--mechanism",
                "0x1041",
                "--id",
                "0e",
                "--signature-format",
                "openssl",
                "-i",
                hash.to_str().unwrap(),
                "-o",
                sig.to_str().unwrap(),
            ],
        ]
        .concat(),
    );
    let pubder = token.path("pub.der");
    token.tool_ok(&[
        "--slot",
        "1",
        "--read-object",
        "--type",
        "pubkey",
        "--id",
        "0e",
        "-o",
        pubder.to_str().unwrap(),
    ]);
    let (ok, said) = openssl(&[
        "dgst",
        "-sha256",
        "-keyform",
        "DER",
        "-verify",
        pubder.to_str().unwrap(),
        "-signature",
        sig.to_str().unwrap(),
        msg.to_str().unwrap(),
    ]);
    assert!(ok && said.contains("Verified OK"), "{said}");
    // A different message does not verify.
    std::fs::write(&msg, b"renew you").unwrap();
    let (ok, _) = openssl(&[
        "dgst",
        "-sha256",
        "-keyform",
        "DER",
        "-verify",
        pubder.to_str().unwrap(),
        "-signature",
        sig.to_str().unwrap(),
        msg.to_str().unwrap(),
    ]);
    assert!(!ok);

    // The key pair survives into a new process and can be deleted there.
    token.tool_ok(
        &[
            &login[..],
            &["--delete-object", "--type", "privkey", "--id", "0e"],
        ]
        .concat(),
    );
    let after = token.tool_ok(&[&login[..], &["--list-objects"]].concat());
    assert!(!after.contains("Private Key Object"), "{after}");
}

/// Generates an SM2 key on slot 1 through cryptoki, signs with pkcs11-tool in
/// another process under `sign_mechanism` (over `e` the test computed, or over the
/// message when the token hashes), and has openssl verify over the message with the
/// default distinguishing ID.
fn sm2_sign_round(profile: &str, token_hashes: bool, keygen: u64, ckk: u64, sign_mechanism: &str) {
    let token = Token::new(profile, token_hashes);
    let point = {
        let m = p11::load(&token);
        let s = m.user_session(1, USER_PIN);
        p11::sm2_key_pair(&s, keygen, ckk, &[0x5a]).1
    };
    let mechs = token.tool_ok(&["--slot", "1", "--list-mechanisms"]);
    assert!(
        mechs.contains(&format!(
            "mechtype-{}",
            sign_mechanism.to_uppercase().replace("0X", "0x")
        )),
        "{mechs}"
    );

    let message = b"certrenew SM2 CSR to-be-signed";
    let msg = token.path("msg");
    std::fs::write(&msg, message).unwrap();
    let input = token.path("input");
    if token_hashes {
        std::fs::write(&input, message).unwrap();
    } else {
        std::fs::write(&input, common::sm2_e(&point, b"1234567812345678", message)).unwrap();
    }
    let raw = token.path("sig.raw");
    token.tool_ok(&[
        "--slot",
        "1",
        "--login",
        "--pin",
        USER_PIN,
        "--sign",
        "--mechanism",
        sign_mechanism,
        "--id",
        "5a",
        "-i",
        input.to_str().unwrap(),
        "-o",
        raw.to_str().unwrap(),
    ]);
    let sig = token.path("sig.der");
    std::fs::write(&sig, common::der_signature(&std::fs::read(&raw).unwrap())).unwrap();
    let pem = token.path("pub.pem");
    common::write_spki_pem(&pem, sm2_params(), &point);
    let verify = |id: &str| {
        openssl(&[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            pem.to_str().unwrap(),
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            &format!("distid:{id}"),
            "-in",
            msg.to_str().unwrap(),
            "-sigfile",
            sig.to_str().unwrap(),
        ])
    };
    let (ok, said) = verify("1234567812345678");
    assert!(
        ok && said.contains("Signature Verified Successfully"),
        "{said}"
    );
    // Z binds the ID: another ID does not verify.
    assert!(!verify("8765432187654321").0);
}

fn sm2_params() -> &'static [u8] {
    &[0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d]
}

#[test]
fn sm2_caller_hashes_under_the_plus_2_numbering() {
    sm2_sign_round("westone", false, 0x8000_0001, 0x8000_0001, "0x80000002");
}

#[test]
fn sm2_token_hashes_under_the_plus_8000_numbering() {
    sm2_sign_round("sansec", true, 0x8000_8001, 0x8000_0004, "0x80008102");
}

#[test]
fn sm2_keygen_refuses_a_p256_template() {
    // pkcs11-tool can only describe EC curves it knows; asking for SM2 key pair
    // generation with P-256 parameters is inconsistent and the token says so.
    let token = Token::new("westone-bgi", false);
    let out = token.tool(&[
        "--slot",
        "1",
        "--login",
        "--pin",
        USER_PIN,
        "--keypairgen",
        "--mechanism",
        "0x80000003",
        "--key-type",
        "EC:prime256v1",
    ]);
    assert!(
        text(&out).contains("CKR_TEMPLATE_INCONSISTENT"),
        "{}",
        text(&out)
    );
}

#[test]
fn sm2_token_hashes_under_the_plus_4_numbering() {
    // One vendor number for SM2 signing; configured to hash, it takes the message.
    sm2_sign_round("westone-bgi", true, 0x8000_0003, 0x8000_0001, "0x80000004");
}
