//! The KMC master key that seals every escrowed private key: AES-256-GCM with a fresh
//! 12-byte nonce, the key's id as additional data (a sealed key cannot be passed off
//! as another's). Sealed form, the same for both homes: nonce ‖ ciphertext ‖ 16-byte
//! tag.
//!
//! Two homes:
//! - a file (development): 32 bytes, raw or PEM (`KMC MASTER KEY`), created on first
//!   use with mode 0600;
//! - the PKCS#11 HSM (production; SoftHSM in tests): an AES-256 secret key, sensitive
//!   and never extractable, used through `C_Encrypt`/`C_Decrypt` with `CKM_AES_GCM`,
//!   so that it never leaves the HSM. Made on first use when the label is absent.

use std::ffi::c_ulong;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::KmcError;
use crate::ca::pkcs11;

/// The PEM label of a master key file.
pub const PEM_LABEL: &str = "KMC MASTER KEY";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// The master key.
pub enum MasterKey {
    /// In software, from a file.
    File {
        /// The key (boxed: it is much larger than the HSM variant).
        key: Box<LessSafeKey>,
        /// `file:` and the first 8 bytes of the key's SHA-256, hex.
        id: String,
    },
    /// On a PKCS#11 HSM.
    Hsm(HsmMaster),
}

impl MasterKey {
    /// Loads the key in `path`, or creates it there when the file does not exist.
    pub fn file(path: &Path) -> Result<Self, KmcError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_file(path)?,
            Err(e) => {
                return Err(KmcError::Setup(format!("reading {}: {e}", path.display())));
            }
        };
        let raw = Zeroizing::new(decode_file(&bytes).ok_or_else(|| {
            KmcError::Setup(format!(
                "{} holds neither 32 raw bytes nor a PEM {PEM_LABEL:?} block of 32 bytes",
                path.display()
            ))
        })?);
        Self::from_bytes(&raw)
    }

    /// A software master key from its 32 bytes.
    pub fn from_bytes(raw: &[u8]) -> Result<Self, KmcError> {
        let key = UnboundKey::new(&AES_256_GCM, raw)
            .map_err(|_| KmcError::Setup("a master key is 32 bytes".into()))?;
        let fingerprint = Sha256::digest(raw);
        Ok(Self::File {
            key: Box::new(LessSafeKey::new(key)),
            id: format!("file:{}", hex::encode(&fingerprint[..8])),
        })
    }

    /// The key on the HSM: the AES key labelled `label` on the token labelled `token`,
    /// made when absent.
    pub fn hsm(module: &Path, token: &str, pin: &str, label: &str) -> Result<Self, KmcError> {
        HsmMaster::open(module, token, pin, label).map(Self::Hsm)
    }

    /// Which key: stored with every sealed key.
    pub fn id(&self) -> &str {
        match self {
            Self::File { id, .. } => id,
            Self::Hsm(hsm) => &hsm.id,
        }
    }

    /// Seals `plaintext`, bound to `aad`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, KmcError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| KmcError::Random(e.to_string()))?;
        let body = match self {
            Self::File { key, .. } => {
                let mut buffer = plaintext.to_vec();
                key.seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(aad),
                    &mut buffer,
                )
                .map_err(|_| self.failed("seal", "aes-256-gcm refused".into()))?;
                buffer
            }
            Self::Hsm(hsm) => hsm.encrypt(&nonce, plaintext, aad)?,
        };
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&body);
        Ok(sealed)
    }

    /// Opens what [`MasterKey::seal`] sealed with `aad`; a wrong key (or `aad`) fails.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, KmcError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(self.failed("unseal", "the sealed key is too short".into()));
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| self.failed("unseal", "no nonce".into()))?;
        match self {
            Self::File { key, .. } => {
                let mut buffer = Zeroizing::new(body.to_vec());
                let len = key
                    .open_in_place(
                        Nonce::assume_unique_for_key(nonce),
                        Aad::from(aad),
                        &mut buffer,
                    )
                    .map_err(|_| {
                        self.failed(
                            "unseal",
                            "authentication failed (another master key sealed it)".into(),
                        )
                    })?
                    .len();
                buffer.truncate(len);
                Ok(buffer)
            }
            Self::Hsm(hsm) => hsm.decrypt(&nonce, body, aad),
        }
    }

    /// A 32-byte secret for another use, named by `label` (e.g. the challenges' MAC
    /// key): the same on every start and every instance holding this master key, and
    /// telling nothing about it. It is the AES-GCM sealing of 32 zero bytes under a
    /// nonce fixed by `label`, with `label` as additional data (the same input always
    /// gives the same output, so reusing the nonce leaks nothing; a random seal draws
    /// that nonce with probability 2^-96), then HKDF-SHA-256 (RFC 5869) with `label`
    /// as salt. Works the same with the key on the HSM, where it cannot be read.
    pub fn derive(&self, label: &str) -> Result<Zeroizing<[u8; 32]>, KmcError> {
        let digest = Sha256::digest([b"certrenew derived nonce\0", label.as_bytes()].concat());
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&digest[..NONCE_LEN]);
        let zeros = [0u8; 32];
        let sealed = match self {
            Self::File { key, .. } => {
                let mut buffer = Zeroizing::new(zeros.to_vec());
                key.seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(label.as_bytes()),
                    &mut *buffer,
                )
                .map_err(|_| self.failed("derive", "aes-256-gcm refused".into()))?;
                buffer
            }
            Self::Hsm(hsm) => Zeroizing::new(hsm.encrypt(&nonce, &zeros, label.as_bytes())?),
        };
        let prk = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, label.as_bytes()).extract(&sealed);
        let mut out = Zeroizing::new([0u8; 32]);
        prk.expand(&[b"certrenew derived key"], ring::hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(out.as_mut()))
            .map_err(|_| self.failed("derive", "hkdf refused".into()))?;
        Ok(out)
    }

    fn failed(&self, action: &'static str, reason: String) -> KmcError {
        KmcError::Master {
            key: self.id().to_owned(),
            action,
            reason,
        }
    }
}

fn decode_file(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.len() == 32 {
        return Some(bytes.to_vec());
    }
    let block = pem::parse(bytes).ok()?;
    (block.tag() == PEM_LABEL && block.contents().len() == 32).then(|| block.into_contents())
}

/// Writes a new random master key to `path` (mode 0600, never over a file).
fn create_file(path: &Path) -> Result<Vec<u8>, KmcError> {
    let mut raw = Zeroizing::new([0u8; 32]);
    getrandom::fill(raw.as_mut()).map_err(|e| KmcError::Random(e.to_string()))?;
    let text = Zeroizing::new(pem::encode_config(
        &pem::Pem::new(PEM_LABEL, raw.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    ));
    let setup = |e: std::io::Error| KmcError::Setup(format!("creating {}: {e}", path.display()));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(setup)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(setup)?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(setup)?;
    tracing::warn!(path = %path.display(), "no kmc master key yet: created one (development)");
    Ok(text.as_bytes().to_vec())
}

/// The master key on a token, one session behind a mutex, reopened once when lost.
pub struct HsmMaster {
    module: PathBuf,
    token: String,
    pin: String,
    label: String,
    id: String,
    live: Mutex<Option<(Session, ObjectHandle)>>,
}

impl HsmMaster {
    fn open(module: &Path, token: &str, pin: &str, label: &str) -> Result<Self, KmcError> {
        let master = Self {
            module: module.to_owned(),
            token: token.to_owned(),
            pin: pin.to_owned(),
            label: label.to_owned(),
            id: format!("pkcs11:{token}/{label}"),
            live: Mutex::new(None),
        };
        let live = master.connect(true)?;
        *master.lock() = Some(live);
        Ok(master)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Session, ObjectHandle)>> {
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A logged-in session and the key, made when `create` and absent.
    fn connect(&self, create: bool) -> Result<(Session, ObjectHandle), KmcError> {
        let opened = pkcs11::open(&self.module, &self.token, &self.pin, true)
            .map_err(|e| KmcError::Setup(e.to_string()))?;
        let session = opened.session();
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Label(self.label.as_bytes().to_vec()),
        ];
        let found = session
            .find_objects(&template)
            .map_err(self.pkcs11("searching for the master key"))?;
        let key = match found.as_slice() {
            [one] => *one,
            [] if create => {
                tracing::warn!(token = %self.token, label = %self.label, "no kmc master key on the hsm: generating one");
                session
                    .generate_key(
                        &Mechanism::AesKeyGen,
                        &[
                            Attribute::Class(ObjectClass::SECRET_KEY),
                            Attribute::KeyType(KeyType::AES),
                            Attribute::ValueLen(c_ulong::from(32u8).into()),
                            Attribute::Token(true),
                            Attribute::Private(true),
                            Attribute::Sensitive(true),
                            Attribute::Extractable(false),
                            Attribute::Encrypt(true),
                            Attribute::Decrypt(true),
                            Attribute::Wrap(false),
                            Attribute::Unwrap(false),
                            Attribute::Label(self.label.as_bytes().to_vec()),
                        ],
                    )
                    .map_err(self.pkcs11("generating the master key (aes-256)"))?
            }
            [] => {
                return Err(KmcError::Setup(format!(
                    "the master key {:?} is no longer on token {:?}",
                    self.label, self.token
                )));
            }
            many => {
                return Err(KmcError::Setup(format!(
                    "{} secret keys are labelled {:?} on token {:?}: keep one",
                    many.len(),
                    self.label,
                    self.token
                )));
            }
        };
        // The session outlives `opened` (which only bundles it with the login data).
        Ok((opened.into_session(), key))
    }

    fn pkcs11(&self, action: &str) -> impl FnOnce(cryptoki::error::Error) -> KmcError {
        let action = format!("{action} on token {:?}", self.token);
        move |source| KmcError::Pkcs11 { action, source }
    }

    /// Runs `op` with the live session, reconnecting once when the session was lost.
    fn with<T>(
        &self,
        op: impl Fn(&Session, ObjectHandle) -> Result<T, cryptoki::error::Error>,
        action: &str,
    ) -> Result<T, KmcError> {
        let mut live = self.lock();
        let mut retried = false;
        loop {
            let (session, key) = match live.take() {
                Some(current) => current,
                None => self.connect(false)?,
            };
            match op(&session, key) {
                Ok(value) => {
                    *live = Some((session, key));
                    return Ok(value);
                }
                Err(e) if !retried && pkcs11::session_lost(&e) => retried = true,
                Err(e) => {
                    if !pkcs11::session_lost(&e) {
                        *live = Some((session, key));
                    }
                    return Err(self.pkcs11(action)(e));
                }
            }
        }
    }

    fn encrypt(
        &self,
        nonce: &[u8; NONCE_LEN],
        data: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, KmcError> {
        self.with(
            |session, key| {
                let mut iv = *nonce;
                let params = GcmParams::new(&mut iv, aad, c_ulong::from(128u8).into())?;
                session.encrypt(&Mechanism::AesGcm(params), key, data)
            },
            "sealing with the master key (CKM_AES_GCM)",
        )
    }

    fn decrypt(
        &self,
        nonce: &[u8; NONCE_LEN],
        data: &[u8],
        aad: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KmcError> {
        self.with(
            |session, key| {
                let mut iv = *nonce;
                let params = GcmParams::new(&mut iv, aad, c_ulong::from(128u8).into())?;
                session.decrypt(&Mechanism::AesGcm(params), key, data)
            },
            "unsealing with the master key (CKM_AES_GCM; another master key sealed it?)",
        )
        .map(Zeroizing::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_key_is_made_once_and_only_it_opens_what_it_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kmc/master.pem");
        let key = MasterKey::file(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("-----BEGIN KMC MASTER KEY-----"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let sealed = key.seal(b"pkcs8 bytes", b"key id").unwrap();
        assert_eq!(sealed.len(), 12 + 11 + 16);
        assert_ne!(&sealed[12..23], b"pkcs8 bytes");
        // The same file again: the same key.
        let again = MasterKey::file(&path).unwrap();
        assert_eq!(again.id(), key.id());
        assert_eq!(
            again.open(&sealed, b"key id").unwrap().as_slice(),
            b"pkcs8 bytes"
        );
        // Another key, or another key id, fails.
        let other = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        let err = other.open(&sealed, b"key id").unwrap_err();
        assert!(err.to_string().contains("another master key"), "{err}");
        assert!(key.open(&sealed, b"other id").is_err());
        // A raw 32-byte file works too; anything else is refused by name.
        let raw = dir.path().join("raw.key");
        std::fs::write(&raw, [7u8; 32]).unwrap();
        assert_eq!(MasterKey::file(&raw).unwrap().id(), other.id());
        let bad = dir.path().join("bad.key");
        std::fs::write(&bad, b"short").unwrap();
        let err = MasterKey::file(&bad).err().unwrap();
        assert!(err.to_string().contains("bad.key"), "{err}");
    }
}
