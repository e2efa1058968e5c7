//! The CA key on a PKCS#11 token (an HSM; SoftHSM2 in tests).
//!
//! The key is EC P-256, private, sensitive and never extractable. Signing hashes with
//! SHA-256 on the host and asks the token for `CKM_ECDSA` over the digest (SoftHSM 2.6
//! and many tokens lack `CKM_ECDSA_SHA256`), then turns `r ‖ s` into DER. One session,
//! behind a mutex (a cryptoki `Session` is not `Sync`), serves every signature; when the
//! token drops it (HSM restart, session closed, logged out), it is reopened once and the
//! key found again by its `CKA_ID`, since object handles change between sessions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as Pkcs11Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use sha2::{Digest, Sha256};

use super::{CaError, der};

/// DER of the P-256 curve OID, as `CKA_EC_PARAMS`.
const P256_PARAMS: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// An uncompressed P-256 point: 0x04 ‖ x ‖ y.
const P256_POINT_LEN: usize = 65;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves nothing half-done worth refusing.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn failed(action: impl Into<String>) -> impl FnOnce(Pkcs11Error) -> CaError {
    let action = action.into();
    move |source| CaError::Pkcs11 { action, source }
}

/// The module's context, loaded and initialised once per process and kept: a module
/// initialised twice or unloaded under live sessions misbehaves.
fn context(module: &Path) -> Result<Pkcs11, CaError> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let path = module
        .canonicalize()
        .map_err(|e| CaError::io("open the pkcs#11 module", module, e))?;
    let mut contexts = lock(CONTEXTS.get_or_init(Default::default));
    if let Some(ctx) = contexts.get(&path) {
        return Ok(ctx.clone());
    }
    let ctx =
        Pkcs11::new(&path).map_err(failed(format!("loading the module {}", module.display())))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(Pkcs11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(failed(format!("initialising {}", module.display()))(e)),
    }
    contexts.insert(path, ctx.clone());
    Ok(ctx)
}

/// The slot holding the token labelled `label`.
fn find_slot(ctx: &Pkcs11, module: &str, label: &str) -> Result<Slot, CaError> {
    let slots = ctx
        .get_slots_with_token()
        .map_err(failed("listing the slots"))?;
    let mut available = Vec::new();
    for slot in slots {
        let info = ctx
            .get_token_info(slot)
            .map_err(failed("reading the token information"))?;
        let found = info.label().trim_end();
        if found == label {
            return Ok(slot);
        }
        available.push(format!("{found:?}"));
    }
    Err(CaError::TokenNotFound {
        label: label.to_string(),
        module: module.to_string(),
        available: if available.is_empty() {
            "none".to_string()
        } else {
            available.join(", ")
        },
    })
}

/// A logged-in session on the token.
pub(crate) struct Opened {
    ctx: Pkcs11,
    module: String,
    token: String,
    pin: AuthPin,
    session: Session,
}

/// Opens a session on the token labelled `token` and logs the user in. If this
/// process already has a logged-in session on the token, the token does not check the
/// PIN again (PKCS#11 login state is per application).
pub(crate) fn open(module: &Path, token: &str, pin: &str, rw: bool) -> Result<Opened, CaError> {
    let ctx = context(module)?;
    let module = module.display().to_string();
    let pin = AuthPin::from(pin.to_string());
    let session = open_session(&ctx, &module, token, &pin, rw)?;
    Ok(Opened {
        ctx,
        module,
        token: token.to_string(),
        pin,
        session,
    })
}

fn open_session(
    ctx: &Pkcs11,
    module: &str,
    token: &str,
    pin: &AuthPin,
    rw: bool,
) -> Result<Session, CaError> {
    let slot = find_slot(ctx, module, token)?;
    let session = if rw {
        ctx.open_rw_session(slot)
    } else {
        ctx.open_ro_session(slot)
    }
    .map_err(failed(format!("opening a session on token {token:?}")))?;
    match session.login(UserType::User, Some(pin)) {
        Ok(()) | Err(Pkcs11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(session),
        Err(e) => {
            if let Pkcs11Error::Pkcs11(rv, _) = &e
                && let Some(reason) = pin_refused(*rv)
            {
                return Err(CaError::Pin {
                    token: token.to_string(),
                    reason: reason.to_string(),
                });
            }
            Err(failed(format!("logging in to token {token:?}"))(e))
        }
    }
}

fn pin_refused(rv: RvError) -> Option<&'static str> {
    match rv {
        RvError::PinIncorrect => Some("the pin is incorrect"),
        RvError::PinLocked => Some("the pin is locked: unblock it with the so pin"),
        RvError::PinExpired => Some("the pin has expired: change it first"),
        RvError::PinLenRange | RvError::PinInvalid => {
            Some("the pin has an invalid length or characters")
        }
        _ => None,
    }
}

/// Errors after which a fresh session may succeed.
pub(crate) fn session_lost(error: &Pkcs11Error) -> bool {
    matches!(
        error,
        Pkcs11Error::Pkcs11(
            RvError::SessionHandleInvalid
                | RvError::SessionClosed
                | RvError::UserNotLoggedIn
                | RvError::DeviceRemoved
                | RvError::TokenNotPresent
                | RvError::KeyHandleInvalid
                | RvError::ObjectHandleInvalid,
            _
        )
    )
}

impl Opened {
    /// The logged-in session (the KMC's master key works through it).
    pub(crate) fn session(&self) -> &Session {
        &self.session
    }

    /// The token's label.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// The session alone (the KMC keeps it for its master key).
    pub(crate) fn into_session(self) -> Session {
        self.session
    }

    /// The one private key labelled `label`, if any.
    pub(crate) fn find_private_key(&self, label: &str) -> Result<Option<ObjectHandle>, CaError> {
        let found = self
            .session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Label(label.as_bytes().to_vec()),
            ])
            .map_err(failed("searching for the ca key"))?;
        match found.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            many => Err(CaError::AmbiguousKey {
                token: self.token.clone(),
                label: label.to_string(),
                count: many.len(),
            }),
        }
    }

    /// Generates the CA key pair labelled `label` with a random 16-byte `CKA_ID`;
    /// returns the private key.
    pub(crate) fn generate(&self, label: &str) -> Result<ObjectHandle, CaError> {
        let mut id = vec![0u8; 16];
        getrandom::fill(&mut id).map_err(|e| CaError::Random(e.to_string()))?;
        let label = label.as_bytes().to_vec();
        let public = [
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Id(id.clone()),
            Attribute::Label(label.clone()),
            Attribute::EcParams(P256_PARAMS.to_vec()),
            Attribute::Verify(true),
            Attribute::Encrypt(false),
            Attribute::Wrap(false),
            Attribute::Derive(false),
        ];
        let private = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Id(id),
            Attribute::Label(label),
            Attribute::Sign(true),
            Attribute::Decrypt(false),
            Attribute::Unwrap(false),
            Attribute::Derive(false),
        ];
        let (_, private) = self
            .session
            .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
            .map_err(failed(format!(
                "generating the ca key (ec p-256) on token {:?}",
                self.token
            )))?;
        Ok(private)
    }

    /// Turns the session and the private key `key` into the CA signer. The public point
    /// is read from the public-key object with the same `CKA_ID`, or is
    /// `fallback_point` (from the CA certificate) when the token keeps none.
    pub(crate) fn into_key(
        self,
        key: ObjectHandle,
        label: &str,
        fallback_point: Option<Vec<u8>>,
    ) -> Result<HsmKey, CaError> {
        let attrs = self
            .session
            .get_attributes(
                key,
                &[
                    AttributeType::KeyType,
                    AttributeType::EcParams,
                    AttributeType::Id,
                ],
            )
            .map_err(failed("reading the ca key's attributes"))?;
        let (mut key_type, mut params, mut id) = (None, None, Vec::new());
        for attr in attrs {
            match attr {
                Attribute::KeyType(t) => key_type = Some(t),
                Attribute::EcParams(p) => params = Some(p),
                Attribute::Id(i) => id = i,
                _ => {}
            }
        }
        let is_p256 =
            key_type == Some(KeyType::EC) && params.as_deref().is_none_or(|p| p == P256_PARAMS);
        if !is_p256 {
            return Err(CaError::Unsupported(format!(
                "the key labelled {label:?} on token {:?} is not an ec p-256 key; only ec \
                 p-256 keys can be the ca key on a token",
                self.token
            )));
        }
        let mut lookup = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
        if id.is_empty() {
            lookup.push(Attribute::Label(label.as_bytes().to_vec()));
        } else {
            lookup.push(Attribute::Id(id.clone()));
        }
        let point = match self.public_point(&id, label)? {
            Some(point) => point,
            None => fallback_point.ok_or_else(|| {
                CaError::Unsupported(format!(
                    "token {:?} keeps no public key for {label:?} and there is no ca \
                     certificate to take it from",
                    self.token
                ))
            })?,
        };
        Ok(HsmKey {
            ctx: self.ctx,
            module: self.module,
            token: self.token,
            pin: self.pin,
            lookup,
            point,
            live: Mutex::new(Some(Live {
                session: self.session,
                key,
            })),
        })
    }

    fn public_point(&self, id: &[u8], label: &str) -> Result<Option<Vec<u8>>, CaError> {
        let mut template = vec![Attribute::Class(ObjectClass::PUBLIC_KEY)];
        if id.is_empty() {
            template.push(Attribute::Label(label.as_bytes().to_vec()));
        } else {
            template.push(Attribute::Id(id.to_vec()));
        }
        let found = self
            .session
            .find_objects(&template)
            .map_err(failed("searching for the ca public key"))?;
        let Some(handle) = found.first() else {
            return Ok(None);
        };
        let attrs = self
            .session
            .get_attributes(*handle, &[AttributeType::EcPoint])
            .map_err(failed("reading the ca public key"))?;
        for attr in attrs {
            if let Attribute::EcPoint(value) = attr {
                return der::ec_point(&value, P256_POINT_LEN).map(Some).ok_or_else(|| {
                    CaError::Unsupported(format!(
                        "the token's public key for {label:?} is not an uncompressed p-256 point"
                    ))
                });
            }
        }
        Ok(None)
    }
}

struct Live {
    session: Session,
    key: ObjectHandle,
}

/// The CA key on a token. `Send + Sync`: the session is behind a mutex.
pub(crate) struct HsmKey {
    ctx: Pkcs11,
    module: String,
    token: String,
    pin: AuthPin,
    /// Finds the private key again in a new session (by `CKA_ID`).
    lookup: Vec<Attribute>,
    /// The uncompressed public point.
    point: Vec<u8>,
    /// `None` after the session was lost and could not be reopened yet.
    live: Mutex<Option<Live>>,
}

impl HsmKey {
    /// The uncompressed public point.
    pub(crate) fn point(&self) -> &[u8] {
        &self.point
    }

    /// The token's label.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    fn reopen(&self) -> Result<Live, CaError> {
        let session = open_session(&self.ctx, &self.module, &self.token, &self.pin, false)?;
        let found = session
            .find_objects(&self.lookup)
            .map_err(failed("searching for the ca key again"))?;
        let Some(key) = found.first().copied() else {
            return Err(CaError::Signing(format!(
                "the ca key is no longer on token {:?}",
                self.token
            )));
        };
        Ok(Live { session, key })
    }

    /// An ECDSA P-256 SHA-256 signature of `message`, DER-encoded.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CaError> {
        let digest = Sha256::digest(message);
        let mut live = lock(&self.live);
        let mut retried = false;
        loop {
            let current = match live.take() {
                Some(current) => current,
                None => self.reopen()?,
            };
            match current
                .session
                .sign(&Mechanism::Ecdsa, current.key, &digest)
            {
                Ok(raw) => {
                    *live = Some(current);
                    return der::ecdsa_signature(&raw).ok_or_else(|| {
                        CaError::Signing(format!(
                            "the token returned a {}-byte ecdsa signature",
                            raw.len()
                        ))
                    });
                }
                Err(e) if !retried && session_lost(&e) => {
                    // Dropping `current` closes the dead session; try once more.
                    retried = true;
                }
                Err(e) => {
                    if !session_lost(&e) {
                        *live = Some(current);
                    }
                    return Err(failed(format!("signing on token {:?}", self.token))(e));
                }
            }
        }
    }
}

/// Direct looks at the token, for tests.
#[cfg(test)]
impl Opened {
    /// The private and public key objects labelled `label`.
    pub(crate) fn key_objects(&self, label: &str) -> (Vec<ObjectHandle>, Vec<ObjectHandle>) {
        let find = |class| {
            self.session
                .find_objects(&[
                    Attribute::Class(class),
                    Attribute::Label(label.as_bytes().to_vec()),
                ])
                .expect("find objects")
        };
        (
            find(ObjectClass::PRIVATE_KEY),
            find(ObjectClass::PUBLIC_KEY),
        )
    }

    /// The boolean attributes of an object, by name.
    pub(crate) fn attributes(&self, object: ObjectHandle) -> HashMap<&'static str, bool> {
        let attrs = self
            .session
            .get_attributes(
                object,
                &[
                    AttributeType::Sensitive,
                    AttributeType::AlwaysSensitive,
                    AttributeType::Extractable,
                    AttributeType::NeverExtractable,
                    AttributeType::Sign,
                    AttributeType::Decrypt,
                    AttributeType::Token,
                    AttributeType::Private,
                ],
            )
            .expect("get attributes");
        attrs
            .into_iter()
            .filter_map(|attr| match attr {
                Attribute::Sensitive(v) => Some(("sensitive", v)),
                Attribute::AlwaysSensitive(v) => Some(("always sensitive", v)),
                Attribute::Extractable(v) => Some(("extractable", v)),
                Attribute::NeverExtractable(v) => Some(("never extractable", v)),
                Attribute::Sign(v) => Some(("sign", v)),
                Attribute::Decrypt(v) => Some(("decrypt", v)),
                Attribute::Token(v) => Some(("token", v)),
                Attribute::Private(v) => Some(("private", v)),
                _ => None,
            })
            .collect()
    }

    /// An object's `CKA_ID`.
    pub(crate) fn id(&self, object: ObjectHandle) -> Vec<u8> {
        let attrs = self
            .session
            .get_attributes(object, &[AttributeType::Id])
            .expect("get CKA_ID");
        attrs
            .into_iter()
            .find_map(|attr| match attr {
                Attribute::Id(id) => Some(id),
                _ => None,
            })
            .expect("CKA_ID")
    }

    /// Logs the user out, which logs out every session of this process.
    pub(crate) fn logout(&self) {
        self.session.logout().expect("logout");
    }
}
