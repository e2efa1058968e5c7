//! Shared by the test token's tests: a token folder with its configuration, the
//! built module's path, pkcs11-tool, openssl, and the DER the witnesses read.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sm3::Digest;

/// The user PIN and SO PIN of preset tokens.
pub const USER_PIN: &str = "123456";
pub const SO_PIN: &str = "12345678";

/// The built `libtesttoken.so`: next to the test binary's `deps/` folder.
pub fn module() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let deps = exe.parent().expect("deps folder");
    for dir in [deps.parent().expect("profile folder"), deps] {
        let lib = dir.join("libtesttoken.so");
        if lib.exists() {
            return lib;
        }
    }
    panic!("libtesttoken.so not built next to {}", deps.display());
}

/// A token folder with a configuration: slot 0 starts uninitialised, slot 1 is
/// preset with [`SO_PIN`] and [`USER_PIN`].
pub struct Token {
    pub dir: tempfile::TempDir,
    pub conf: PathBuf,
}

impl Token {
    pub fn new(profile: &str, token_hashes: bool) -> Token {
        let dir = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("testtoken.toml");
        std::fs::write(
            &conf,
            format!(
                "directory = \"state\"\nprofile = \"{profile}\"\ntoken_hashes = {token_hashes}\n\
                 [[slot]]\n[[slot]]\nlabel = \"preset\"\nso_pin = \"{SO_PIN}\"\nuser_pin = \"{USER_PIN}\"\n"
            ),
        )
        .expect("write configuration");
        Token { dir, conf }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs pkcs11-tool on this token's module and configuration.
    pub fn tool(&self, args: &[&str]) -> Output {
        Command::new("pkcs11-tool")
            .arg("--module")
            .arg(module())
            .args(args)
            .env("CERTRENEW_TESTTOKEN_CONF", &self.conf)
            .output()
            .expect("pkcs11-tool runs")
    }

    /// Runs pkcs11-tool and returns stdout+stderr, failing the test if it failed.
    pub fn tool_ok(&self, args: &[&str]) -> String {
        let out = self.tool(args);
        let text = text(&out);
        assert!(out.status.success(), "pkcs11-tool {args:?} failed:\n{text}");
        text
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs openssl; returns whether it succeeded and what it said.
pub fn openssl(args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    (out.status.success(), text(&out))
}

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = body.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(body);
    out
}

fn uint(bytes: &[u8]) -> Vec<u8> {
    let mut b: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if b.first().is_none_or(|f| *f & 0x80 != 0) {
        b.insert(0, 0);
    }
    tlv(0x02, &b)
}

/// The DER `SEQUENCE { r, s }` of a raw `r ‖ s` signature.
pub fn der_signature(raw: &[u8]) -> Vec<u8> {
    assert_eq!(raw.len(), 64, "r ‖ s");
    tlv(0x30, &[uint(&raw[..32]), uint(&raw[32..])].concat())
}

/// A SubjectPublicKeyInfo (id-ecPublicKey with `curve_params`) for an uncompressed
/// point, as PEM, written to `path`.
pub fn write_spki_pem(path: &Path, curve_params: &[u8], point: &[u8]) {
    let ec_public_key = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    let alg = tlv(0x30, &[&ec_public_key[..], curve_params].concat());
    let bits = tlv(0x03, &[&[0u8][..], point].concat());
    let der = tlv(0x30, &[alg, bits].concat());
    let der_path = path.with_extension("der");
    std::fs::write(&der_path, der).unwrap();
    let (ok, said) = openssl(&[
        "pkey",
        "-pubin",
        "-inform",
        "DER",
        "-in",
        der_path.to_str().unwrap(),
        "-out",
        path.to_str().unwrap(),
    ]);
    assert!(ok, "openssl reads the public key: {said}");
}

/// The raw point inside a `CKA_EC_POINT` (DER OCTET STRING).
pub fn raw_point(ec_point: &[u8]) -> Vec<u8> {
    assert_eq!(&ec_point[..2], &[0x04, 0x41]);
    ec_point[2..].to_vec()
}

/// GM/T 0003 `e = SM3(Z ‖ M)`, Z from the ID and the public point: what a caller
/// computes for a token that does not hash.
pub fn sm2_e(point: &[u8], id: &[u8], message: &[u8]) -> Vec<u8> {
    let hex = |s: &str| hex::decode(s).unwrap();
    let mut z = sm3::Sm3::new();
    z.update(((id.len() * 8) as u16).to_be_bytes());
    z.update(id);
    z.update(hex(
        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC",
    ));
    z.update(hex(
        "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93",
    ));
    z.update(hex(
        "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7",
    ));
    z.update(hex(
        "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0",
    ));
    z.update(&point[1..]);
    let z = z.finalize();
    let mut e = sm3::Sm3::new();
    e.update(z);
    e.update(message);
    e.finalize().to_vec()
}

/// In-process access through the `cryptoki` crate. The module's state is global to
/// the process and its configuration comes from the environment, so uses are
/// serialised and each ends with C_Finalize.
pub mod p11 {
    use std::sync::{Mutex, MutexGuard};

    use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
    use cryptoki::mechanism::vendor_defined::VendorDefinedMechanism;
    use cryptoki::mechanism::{Mechanism, MechanismType};
    use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
    use cryptoki::session::{Session, UserType};
    use cryptoki::slot::Slot;
    use cryptoki::types::AuthPin;

    use super::Token;

    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

    /// The loaded module, finalized on drop.
    pub struct Loaded {
        pub pkcs11: Option<Pkcs11>,
        _lock: MutexGuard<'static, ()>,
    }

    impl Loaded {
        pub fn p(&self) -> &Pkcs11 {
            self.pkcs11.as_ref().unwrap()
        }

        pub fn slot(&self, i: usize) -> Slot {
            self.p().get_all_slots().unwrap()[i]
        }

        /// A read-write session on slot `i`, logged in as the user with `pin`.
        pub fn user_session(&self, i: usize, pin: &str) -> Session {
            let s = self.p().open_rw_session(self.slot(i)).unwrap();
            s.login(UserType::User, Some(&AuthPin::new(pin.into())))
                .unwrap();
            s
        }
    }

    impl Drop for Loaded {
        fn drop(&mut self) {
            if let Some(p) = self.pkcs11.take() {
                p.finalize().unwrap();
            }
        }
    }

    pub fn load(token: &Token) -> Loaded {
        let lock = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: serialised by ONE_AT_A_TIME; nothing else reads it concurrently.
        unsafe { std::env::set_var("CERTRENEW_TESTTOKEN_CONF", &token.conf) };
        let pkcs11 = Pkcs11::new(super::module()).unwrap();
        pkcs11
            .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
            .unwrap();
        Loaded {
            pkcs11: Some(pkcs11),
            _lock: lock,
        }
    }

    pub fn vendor(ty: u64) -> Mechanism<'static> {
        Mechanism::VendorDefined(VendorDefinedMechanism::new::<()>(
            MechanismType::new_vendor_defined(ty).unwrap(),
            None,
        ))
    }

    /// An SM2 token key pair with `id` under the profile's numbers; returns the
    /// private key and the raw public point.
    pub fn sm2_key_pair(
        session: &Session,
        keygen: u64,
        ckk_sm2: u64,
        id: &[u8],
    ) -> (ObjectHandle, Vec<u8>) {
        let kt = KeyType::new_vendor_defined(ckk_sm2).unwrap();
        let (public, private) = session
            .generate_key_pair(
                &vendor(keygen),
                &[
                    Attribute::Token(true),
                    Attribute::KeyType(kt),
                    Attribute::Id(id.to_vec()),
                    Attribute::Verify(true),
                ],
                &[
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::KeyType(kt),
                    Attribute::Id(id.to_vec()),
                    Attribute::Sign(true),
                    Attribute::Decrypt(true),
                    Attribute::Unwrap(true),
                ],
            )
            .unwrap();
        (private, super::raw_point(&ec_point(session, public)))
    }

    pub fn ec_point(session: &Session, key: ObjectHandle) -> Vec<u8> {
        match session
            .get_attributes(key, &[AttributeType::EcPoint])
            .unwrap()
            .pop()
        {
            Some(Attribute::EcPoint(p)) => p,
            other => panic!("no EC point: {other:?}"),
        }
    }

    /// The handles of objects with this class and id.
    pub fn find(session: &Session, class: ObjectClass, id: &[u8]) -> Vec<ObjectHandle> {
        session
            .find_objects(&[Attribute::Class(class), Attribute::Id(id.to_vec())])
            .unwrap()
    }
}
