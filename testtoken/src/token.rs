//! The module's state behind the C interface: slots with their tokens, sessions,
//! who is logged in, objects and the operation each session has running. Every
//! change to a token object or a PIN counter is written to the token's file at once.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;

use cryptoki_sys::*;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::error::{CkResult, ConfigError, Rv};
use crate::keys::{self, Curve};
use crate::mechanism::{self, Mech, Use};
use crate::object::{Attrs, Object, get_ulong};
use crate::ops::{self, OpKind, Operation};
use crate::pin::StoredPin;
use crate::store::{self, TokenData};

/// A mechanism with its parameter decoded.
#[derive(Debug, Clone, Default)]
pub struct Mechanism {
    /// `CKM_*`.
    pub ty: CK_MECHANISM_TYPE,
    /// The raw parameter bytes (IV, ID), or for ECDH the public data.
    pub param: Vec<u8>,
    /// For ECDH1: the KDF and its shared data.
    pub kdf: Option<(CK_EC_KDF_TYPE, Vec<u8>)>,
}

/// One slot's token.
pub struct Token {
    file: PathBuf,
    /// What is persisted.
    pub data: TokenData,
    login: Option<CK_USER_TYPE>,
    session_objects: BTreeMap<CK_OBJECT_HANDLE, (CK_SESSION_HANDLE, Object)>,
}

struct Session {
    slot: usize,
    rw: bool,
    find: Option<VecDeque<CK_OBJECT_HANDLE>>,
    ops: BTreeMap<OpKind, Operation>,
}

/// Everything between C_Initialize and C_Finalize.
pub struct Module {
    /// The configuration read at C_Initialize.
    pub config: Config,
    /// One token per slot.
    pub tokens: Vec<Token>,
    sessions: BTreeMap<CK_SESSION_HANDLE, Session>,
    next_session: CK_SESSION_HANDLE,
}

/// What C_GetSessionInfo reports.
pub struct SessionInfo {
    /// The slot.
    pub slot: CK_SLOT_ID,
    /// `CKS_*`.
    pub state: CK_STATE,
    /// `CKF_SERIAL_SESSION` and maybe `CKF_RW_SESSION`.
    pub flags: CK_FLAGS,
}

impl Module {
    /// Reads the configuration's tokens.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        let mut tokens = Vec::new();
        for (i, slot) in config.slots.iter().enumerate() {
            let data = store::load(&config, i, slot)?;
            tokens.push(Token {
                file: store::path(&config.directory, i),
                data,
                login: None,
                session_objects: BTreeMap::new(),
            });
        }
        Ok(Module {
            config,
            tokens,
            sessions: BTreeMap::new(),
            next_session: 1,
        })
    }

    /// The token of `slot`, or `CKR_SLOT_ID_INVALID`.
    pub fn token(&self, slot: CK_SLOT_ID) -> CkResult<&Token> {
        usize::try_from(slot)
            .ok()
            .and_then(|i| self.tokens.get(i))
            .ok_or(Rv(CKR_SLOT_ID_INVALID))
    }

    fn session(&self, h: CK_SESSION_HANDLE) -> CkResult<&Session> {
        self.sessions.get(&h).ok_or(Rv(CKR_SESSION_HANDLE_INVALID))
    }

    fn session_mut(&mut self, h: CK_SESSION_HANDLE) -> CkResult<&mut Session> {
        self.sessions
            .get_mut(&h)
            .ok_or(Rv(CKR_SESSION_HANDLE_INVALID))
    }

    fn slot_sessions(&self, slot: usize) -> impl Iterator<Item = &Session> {
        self.sessions.values().filter(move |s| s.slot == slot)
    }

    /// Session count and read-write session count of `slot`.
    pub fn session_counts(&self, slot: usize) -> (usize, usize) {
        let all = self.slot_sessions(slot).count();
        let rw = self.slot_sessions(slot).filter(|s| s.rw).count();
        (all, rw)
    }

    /// The token-info flags of `slot`.
    pub fn token_flags(&self, slot: usize) -> CkResult<CK_FLAGS> {
        let t = self.tokens.get(slot).ok_or(Rv(CKR_SLOT_ID_INVALID))?;
        let mut flags = CKF_RNG | CKF_LOGIN_REQUIRED;
        if t.data.initialized {
            flags |= CKF_TOKEN_INITIALIZED;
        }
        if let Some(p) = &t.data.user_pin {
            flags |= CKF_USER_PIN_INITIALIZED | p.flags(self.config.user_pin_tries, false);
        }
        if let Some(p) = &t.data.so_pin {
            flags |= p.flags(self.config.so_pin_tries, true);
        }
        Ok(flags)
    }

    fn save(&self, slot: usize) -> CkResult<()> {
        let t = &self.tokens[slot];
        store::save(&t.file, &t.data)
    }

    /// C_InitToken: (re)initialises `slot` with `so_pin` and `label`, destroying its
    /// objects and the user PIN. An initialised token needs its current SO PIN.
    pub fn init_token(&mut self, slot: CK_SLOT_ID, so_pin: &[u8], label: &str) -> CkResult<()> {
        self.token(slot)?;
        let i = slot as usize;
        if self.slot_sessions(i).next().is_some() {
            return Err(Rv(CKR_SESSION_EXISTS));
        }
        crate::pin::check_length(so_pin)?;
        let tries = self.config.so_pin_tries;
        let t = &mut self.tokens[i];
        if let (true, Some(stored)) = (t.data.initialized, t.data.so_pin.as_mut()) {
            let checked = stored.check(so_pin, tries);
            if checked.is_err() {
                store::save(&t.file, &t.data)?;
                return checked;
            }
        }
        t.data.initialized = true;
        t.data.label = label.trim_end().to_owned();
        t.data.so_pin = Some(StoredPin::new(so_pin, tries)?);
        t.data.user_pin = None;
        t.data.objects.clear();
        t.session_objects.clear();
        self.save(i)
    }

    /// C_OpenSession.
    pub fn open_session(
        &mut self,
        slot: CK_SLOT_ID,
        flags: CK_FLAGS,
    ) -> CkResult<CK_SESSION_HANDLE> {
        let t = self.token(slot)?;
        if flags & CKF_SERIAL_SESSION == 0 {
            return Err(Rv(CKR_SESSION_PARALLEL_NOT_SUPPORTED));
        }
        if !t.data.initialized {
            return Err(Rv(CKR_TOKEN_NOT_RECOGNIZED));
        }
        let rw = flags & CKF_RW_SESSION != 0;
        if !rw && t.login == Some(CKU_SO) {
            return Err(Rv(CKR_SESSION_READ_WRITE_SO_EXISTS));
        }
        let h = self.next_session;
        self.next_session += 1;
        self.sessions.insert(
            h,
            Session {
                slot: slot as usize,
                rw,
                find: None,
                ops: BTreeMap::new(),
            },
        );
        Ok(h)
    }

    /// C_CloseSession: its session objects go, and the login with the last session.
    pub fn close_session(&mut self, h: CK_SESSION_HANDLE) -> CkResult<()> {
        let s = self
            .sessions
            .remove(&h)
            .ok_or(Rv(CKR_SESSION_HANDLE_INVALID))?;
        let still_open = self.slot_sessions(s.slot).next().is_some();
        let t = &mut self.tokens[s.slot];
        t.session_objects.retain(|_, (owner, _)| *owner != h);
        if !still_open {
            t.login = None;
        }
        Ok(())
    }

    /// C_CloseAllSessions.
    pub fn close_all(&mut self, slot: CK_SLOT_ID) -> CkResult<()> {
        self.token(slot)?;
        let handles: Vec<_> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.slot == slot as usize)
            .map(|(h, _)| *h)
            .collect();
        for h in handles {
            self.close_session(h)?;
        }
        Ok(())
    }

    /// C_GetSessionInfo.
    pub fn session_info(&self, h: CK_SESSION_HANDLE) -> CkResult<SessionInfo> {
        let s = self.session(h)?;
        let login = self.tokens[s.slot].login;
        let state = match (s.rw, login) {
            (false, Some(CKU_USER)) => CKS_RO_USER_FUNCTIONS,
            (false, _) => CKS_RO_PUBLIC_SESSION,
            (true, Some(CKU_USER)) => CKS_RW_USER_FUNCTIONS,
            (true, Some(CKU_SO)) => CKS_RW_SO_FUNCTIONS,
            (true, _) => CKS_RW_PUBLIC_SESSION,
        };
        let flags = CKF_SERIAL_SESSION | if s.rw { CKF_RW_SESSION } else { 0 };
        Ok(SessionInfo {
            slot: s.slot as CK_SLOT_ID,
            state,
            flags,
        })
    }

    /// C_Login for the user or the SO; the retry counter is saved either way.
    pub fn login(&mut self, h: CK_SESSION_HANDLE, user: CK_USER_TYPE, pin: &[u8]) -> CkResult<()> {
        let slot = self.session(h)?.slot;
        let ro_exists = self.slot_sessions(slot).any(|s| !s.rw);
        let (user_tries, so_tries) = (self.config.user_pin_tries, self.config.so_pin_tries);
        let t = &mut self.tokens[slot];
        match (t.login, user) {
            (Some(u), _) if u == user => return Err(Rv(CKR_USER_ALREADY_LOGGED_IN)),
            (Some(_), _) => return Err(Rv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN)),
            _ => {}
        }
        let (stored, tries) = match user {
            CKU_USER => (
                t.data
                    .user_pin
                    .as_mut()
                    .ok_or(Rv(CKR_USER_PIN_NOT_INITIALIZED))?,
                user_tries,
            ),
            CKU_SO => {
                if ro_exists {
                    return Err(Rv(CKR_SESSION_READ_ONLY_EXISTS));
                }
                (
                    t.data.so_pin.as_mut().ok_or(Rv(CKR_GENERAL_ERROR))?,
                    so_tries,
                )
            }
            _ => return Err(Rv(CKR_USER_TYPE_INVALID)),
        };
        let checked = stored.check(pin, tries);
        store::save(&t.file, &t.data)?;
        checked?;
        t.login = Some(user);
        Ok(())
    }

    /// C_Logout.
    pub fn logout(&mut self, h: CK_SESSION_HANDLE) -> CkResult<()> {
        let slot = self.session(h)?.slot;
        let t = &mut self.tokens[slot];
        if t.login.take().is_none() {
            return Err(Rv(CKR_USER_NOT_LOGGED_IN));
        }
        // Operations on private keys end with the login.
        for s in self.sessions.values_mut().filter(|s| s.slot == slot) {
            s.ops.clear();
            s.find = None;
        }
        Ok(())
    }

    /// C_InitPIN: the SO sets (or resets and unlocks) the user PIN.
    pub fn init_pin(&mut self, h: CK_SESSION_HANDLE, pin: &[u8]) -> CkResult<()> {
        let s = self.session(h)?;
        let slot = s.slot;
        if !s.rw {
            return Err(Rv(CKR_SESSION_READ_ONLY));
        }
        if self.tokens[slot].login != Some(CKU_SO) {
            return Err(Rv(CKR_USER_NOT_LOGGED_IN));
        }
        self.tokens[slot].data.user_pin = Some(StoredPin::new(pin, self.config.user_pin_tries)?);
        self.save(slot)
    }

    /// C_SetPIN: changes the SO PIN when the SO is logged in, else the user PIN; the
    /// old PIN is checked against the counter like a login.
    pub fn set_pin(&mut self, h: CK_SESSION_HANDLE, old: &[u8], new: &[u8]) -> CkResult<()> {
        let s = self.session(h)?;
        let slot = s.slot;
        if !s.rw {
            return Err(Rv(CKR_SESSION_READ_ONLY));
        }
        crate::pin::check_length(new)?;
        let so = self.tokens[slot].login == Some(CKU_SO);
        let tries = if so {
            self.config.so_pin_tries
        } else {
            self.config.user_pin_tries
        };
        let t = &mut self.tokens[slot];
        let stored = if so {
            t.data.so_pin.as_mut()
        } else {
            t.data.user_pin.as_mut()
        }
        .ok_or(Rv(CKR_USER_PIN_NOT_INITIALIZED))?;
        let checked = stored.check(old, tries);
        if checked.is_ok() {
            *stored = StoredPin::new(new, tries)?;
        }
        store::save(&t.file, &t.data)?;
        checked
    }

    fn user_in(&self, slot: usize) -> bool {
        self.tokens[slot].login == Some(CKU_USER)
    }

    /// The object `obj` as session `h` may see it: private objects only once the
    /// user is logged in.
    pub fn object(&self, h: CK_SESSION_HANDLE, obj: CK_OBJECT_HANDLE) -> CkResult<&Object> {
        let slot = self.session(h)?.slot;
        let t = &self.tokens[slot];
        let o = t
            .data
            .objects
            .get(&obj)
            .or_else(|| t.session_objects.get(&obj).map(|(_, o)| o))
            .ok_or(Rv(CKR_OBJECT_HANDLE_INVALID))?;
        if o.is_private() && !self.user_in(slot) {
            return Err(Rv(CKR_OBJECT_HANDLE_INVALID));
        }
        Ok(o)
    }

    /// Stores a new object for session `h`, checking the session may create it.
    fn insert(&mut self, h: CK_SESSION_HANDLE, obj: Object) -> CkResult<CK_OBJECT_HANDLE> {
        let s = self.session(h)?;
        let slot = s.slot;
        if obj.is_token() && !s.rw {
            return Err(Rv(CKR_SESSION_READ_ONLY));
        }
        if obj.is_private() && !self.user_in(slot) {
            return Err(Rv(CKR_USER_NOT_LOGGED_IN));
        }
        let t = &mut self.tokens[slot];
        let handle = t.data.next_handle.max(1);
        t.data.next_handle = handle + 1;
        if obj.is_token() {
            t.data.objects.insert(handle, obj);
            self.save(slot)?;
        } else {
            t.session_objects.insert(handle, (h, obj));
        }
        Ok(handle)
    }

    /// C_CreateObject.
    pub fn create_object(
        &mut self,
        h: CK_SESSION_HANDLE,
        template: &Attrs,
    ) -> CkResult<CK_OBJECT_HANDLE> {
        let p = self.config.profile;
        let obj = keys::create(template, p.ckk_sm2, p.ckk_sm4)?;
        self.insert(h, obj)
    }

    /// C_DestroyObject.
    pub fn destroy_object(&mut self, h: CK_SESSION_HANDLE, obj: CK_OBJECT_HANDLE) -> CkResult<()> {
        let o = self.object(h, obj)?;
        let slot = self.session(h)?.slot;
        if o.is_token() {
            if !self.session(h)?.rw {
                return Err(Rv(CKR_SESSION_READ_ONLY));
            }
            self.tokens[slot].data.objects.remove(&obj);
            self.save(slot)
        } else {
            self.tokens[slot].session_objects.remove(&obj);
            Ok(())
        }
    }

    /// C_SetAttributeValue.
    pub fn set_attributes(
        &mut self,
        h: CK_SESSION_HANDLE,
        obj: CK_OBJECT_HANDLE,
        template: &Attrs,
    ) -> CkResult<()> {
        let token_obj = self.object(h, obj)?.is_token();
        let s = self.session(h)?;
        let slot = s.slot;
        if token_obj && !s.rw {
            return Err(Rv(CKR_SESSION_READ_ONLY));
        }
        let t = &mut self.tokens[slot];
        if token_obj {
            let o = t
                .data
                .objects
                .get_mut(&obj)
                .ok_or(Rv(CKR_OBJECT_HANDLE_INVALID))?;
            o.update(template)?;
            self.save(slot)
        } else {
            let (_, o) = t
                .session_objects
                .get_mut(&obj)
                .ok_or(Rv(CKR_OBJECT_HANDLE_INVALID))?;
            o.update(template)
        }
    }

    /// C_FindObjectsInit.
    pub fn find_init(&mut self, h: CK_SESSION_HANDLE, template: &Attrs) -> CkResult<()> {
        let slot = self.session(h)?.slot;
        if self.session(h)?.find.is_some() {
            return Err(Rv(CKR_OPERATION_ACTIVE));
        }
        let user = self.user_in(slot);
        let t = &self.tokens[slot];
        let found: VecDeque<_> = t
            .data
            .objects
            .iter()
            .chain(t.session_objects.iter().map(|(k, (_, o))| (k, o)))
            .filter(|(_, o)| (user || !o.is_private()) && o.matches(template))
            .map(|(k, _)| *k)
            .collect();
        self.session_mut(h)?.find = Some(found);
        Ok(())
    }

    /// C_FindObjects: up to `max` more handles.
    pub fn find(&mut self, h: CK_SESSION_HANDLE, max: usize) -> CkResult<Vec<CK_OBJECT_HANDLE>> {
        let found = self
            .session_mut(h)?
            .find
            .as_mut()
            .ok_or(Rv(CKR_OPERATION_NOT_INITIALIZED))?;
        let n = max.min(found.len());
        Ok(found.drain(..n).collect())
    }

    /// C_FindObjectsFinal.
    pub fn find_final(&mut self, h: CK_SESSION_HANDLE) -> CkResult<()> {
        self.session_mut(h)?
            .find
            .take()
            .map(|_| ())
            .ok_or(Rv(CKR_OPERATION_NOT_INITIALIZED))
    }

    /// Starts an encrypt, decrypt, digest, sign or verify operation.
    pub fn op_init(
        &mut self,
        h: CK_SESSION_HANDLE,
        kind: OpKind,
        mech: &Mechanism,
        key: Option<CK_OBJECT_HANDLE>,
    ) -> CkResult<()> {
        if self.session(h)?.ops.contains_key(&kind) {
            return Err(Rv(CKR_OPERATION_ACTIVE));
        }
        let resolved = mechanism::resolve(&self.config, mech.ty, kind.usage())?;
        let key = match key {
            Some(k) => Some(
                self.object(h, k)
                    .map_err(|_| Rv(CKR_KEY_HANDLE_INVALID))?
                    .clone(),
            ),
            None => None,
        };
        let op = ops::start(&self.config, kind, resolved, mech.param.clone(), key)?;
        self.session_mut(h)?.ops.insert(kind, op);
        Ok(())
    }

    /// Adds data to the running operation.
    pub fn op_update(&mut self, h: CK_SESSION_HANDLE, kind: OpKind, data: &[u8]) -> CkResult<()> {
        let s = self.session_mut(h)?;
        let op = s
            .ops
            .get_mut(&kind)
            .ok_or(Rv(CKR_OPERATION_NOT_INITIALIZED))?;
        if op.data.len() + data.len() > ops::MAX_DATA {
            s.ops.remove(&kind);
            return Err(Rv(CKR_DATA_LEN_RANGE));
        }
        op.data.extend_from_slice(data);
        Ok(())
    }

    /// Takes the last `n` bytes of data back out of the running operation (a
    /// single-part call that only asked for the output length).
    pub fn op_unupdate(&mut self, h: CK_SESSION_HANDLE, kind: OpKind, n: usize) -> CkResult<()> {
        let op = self
            .session_mut(h)?
            .ops
            .get_mut(&kind)
            .ok_or(Rv(CKR_OPERATION_NOT_INITIALIZED))?;
        let keep = op.data.len().saturating_sub(n);
        op.data.truncate(keep);
        Ok(())
    }

    /// The running operation's output over the data so far, leaving it running (the
    /// caller ends it with [`Module::op_end`] once the output fits); an error ends it.
    pub fn op_output(
        &mut self,
        h: CK_SESSION_HANDLE,
        kind: OpKind,
    ) -> CkResult<Zeroizing<Vec<u8>>> {
        let s = self.session_mut(h)?;
        let op = s.ops.get(&kind).ok_or(Rv(CKR_OPERATION_NOT_INITIALIZED))?;
        let out = ops::output(op);
        if out.is_err() {
            s.ops.remove(&kind);
        }
        out
    }

    /// Ends the running operation.
    pub fn op_end(&mut self, h: CK_SESSION_HANDLE, kind: OpKind) -> CkResult<()> {
        self.session_mut(h)?.ops.remove(&kind);
        Ok(())
    }

    /// Finishes a verify operation with `signature`.
    pub fn verify_final(&mut self, h: CK_SESSION_HANDLE, signature: &[u8]) -> CkResult<()> {
        let op = self
            .session_mut(h)?
            .ops
            .remove(&OpKind::Verify)
            .ok_or(Rv(CKR_OPERATION_NOT_INITIALIZED))?;
        ops::verify(&op, signature)
    }

    fn usable_key(
        &self,
        h: CK_SESSION_HANDLE,
        key: CK_OBJECT_HANDLE,
        permit: CK_ATTRIBUTE_TYPE,
    ) -> CkResult<Object> {
        let o = self
            .object(h, key)
            .map_err(|_| Rv(CKR_KEY_HANDLE_INVALID))?;
        if !o.flag(permit) {
            return Err(Rv(CKR_KEY_FUNCTION_NOT_PERMITTED));
        }
        Ok(o.clone())
    }

    /// C_GenerateKeyPair: EC P-256 or SM2.
    pub fn generate_key_pair(
        &mut self,
        h: CK_SESSION_HANDLE,
        mech: &Mechanism,
        public: &Attrs,
        private: &Attrs,
    ) -> CkResult<(CK_OBJECT_HANDLE, CK_OBJECT_HANDLE)> {
        let (curve, key_type) = match mechanism::resolve(&self.config, mech.ty, Use::KeyPair)? {
            Mech::EcKeyGen => {
                // P-256 must be asked for by name; other curves are not offered.
                match public.get(&CKA_EC_PARAMS) {
                    Some(p) if p.as_slice() == crate::crypto::ec::PARAMS => {}
                    Some(_) => return Err(Rv(CKR_CURVE_NOT_SUPPORTED)),
                    None => return Err(Rv(CKR_TEMPLATE_INCOMPLETE)),
                }
                (Curve::P256, CKK_EC)
            }
            _ => (Curve::Sm2, self.config.profile.ckk_sm2),
        };
        let (d, point) = match curve {
            Curve::P256 => crate::crypto::ec::generate()?,
            Curve::Sm2 => crate::crypto::sm2::generate()?,
        };
        let pub_obj = keys::public_key(public, curve, key_type, &point, Some(mech.ty))?;
        let priv_obj = keys::private_key(private, curve, key_type, &d, &point, Some(mech.ty))?;
        self.check_insertable(h, &[&pub_obj, &priv_obj])?;
        let p = self.insert(h, pub_obj)?;
        let k = self.insert(h, priv_obj)?;
        Ok((p, k))
    }

    /// The checks of [`Module::insert`] for several objects, so none is stored when
    /// one would be refused.
    fn check_insertable(&self, h: CK_SESSION_HANDLE, objs: &[&Object]) -> CkResult<()> {
        let s = self.session(h)?;
        for o in objs {
            if o.is_token() && !s.rw {
                return Err(Rv(CKR_SESSION_READ_ONLY));
            }
            if o.is_private() && !self.user_in(s.slot) {
                return Err(Rv(CKR_USER_NOT_LOGGED_IN));
            }
        }
        Ok(())
    }

    /// C_GenerateKey: SM4.
    pub fn generate_key(
        &mut self,
        h: CK_SESSION_HANDLE,
        mech: &Mechanism,
        template: &Attrs,
    ) -> CkResult<CK_OBJECT_HANDLE> {
        mechanism::resolve(&self.config, mech.ty, Use::Key)?;
        let mut t = template.clone();
        let ckk_sm4 = object_ulong(self.config.profile.ckk_sm4);
        if t.get(&CKA_KEY_TYPE).is_some_and(|v| *v != ckk_sm4) {
            return Err(Rv(CKR_TEMPLATE_INCONSISTENT));
        }
        t.insert(CKA_KEY_TYPE, ckk_sm4);
        let mut value = Zeroizing::new([0u8; 16]);
        crate::crypto::random(&mut value[..])?;
        let obj = keys::secret_key(&t, &value[..], Some(mech.ty))?;
        self.insert(h, obj)
    }

    /// C_DeriveKey: ECDH1 on P-256 into a secret key.
    pub fn derive_key(
        &mut self,
        h: CK_SESSION_HANDLE,
        mech: &Mechanism,
        base: CK_OBJECT_HANDLE,
        template: &Attrs,
    ) -> CkResult<CK_OBJECT_HANDLE> {
        mechanism::resolve(&self.config, mech.ty, Use::Derive)?;
        let key = self.usable_key(h, base, CKA_DERIVE)?;
        if key.key_type() != Some(CKK_EC) {
            return Err(Rv(CKR_KEY_TYPE_INCONSISTENT));
        }
        let d = key
            .attrs
            .get(&CKA_VALUE)
            .ok_or(Rv(CKR_KEY_HANDLE_INVALID))?;
        let z = crate::crypto::ec::ecdh(d, crate::crypto::raw_point(&mech.param))?;
        let len = get_ulong(template, CKA_VALUE_LEN)?.map(|l| l as usize);
        let value = match mech.kdf.as_ref().map(|(k, s)| (*k, s)) {
            Some((CKD_SHA256_KDF, shared)) => {
                let len = len.ok_or(Rv(CKR_TEMPLATE_INCOMPLETE))?;
                Zeroizing::new(crate::crypto::x963_sha256(&z, shared, len)?)
            }
            Some((CKD_NULL, shared)) if shared.is_empty() => match len {
                Some(l) if l <= z.len() => Zeroizing::new(z[z.len() - l..].to_vec()),
                Some(_) => return Err(Rv(CKR_TEMPLATE_INCONSISTENT)),
                None => z,
            },
            _ => return Err(Rv(CKR_MECHANISM_PARAM_INVALID)),
        };
        let mut t = template.clone();
        t.remove(&CKA_VALUE_LEN);
        let obj = keys::secret_key(&t, &value, None)?;
        self.insert(h, obj)
    }

    /// C_UnwrapKey: an SM4 key under SM2 (GM/T 0016's envelope), an SM2 or EC private
    /// key under SM4-ECB/CBC, or a PKCS#8 private key under AES key wrap with padding.
    pub fn unwrap_key(
        &mut self,
        h: CK_SESSION_HANDLE,
        mech: &Mechanism,
        unwrapping: CK_OBJECT_HANDLE,
        wrapped: &[u8],
        template: &Attrs,
    ) -> CkResult<CK_OBJECT_HANDLE> {
        let m = mechanism::resolve(&self.config, mech.ty, Use::Unwrap)?;
        let kek = self.usable_key(h, unwrapping, CKA_UNWRAP)?;
        let kek_value = kek
            .attrs
            .get(&CKA_VALUE)
            .ok_or(Rv(CKR_UNWRAPPING_KEY_HANDLE_INVALID))?;
        let p = self.config.profile;
        let need_type = |want: CK_KEY_TYPE| {
            if kek.key_type() == Some(want) {
                Ok(())
            } else {
                Err(Rv(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT))
            }
        };
        let plain = match m {
            Mech::Sm2Cipher => {
                need_type(p.ckk_sm2)?;
                crate::crypto::sm2::decrypt(kek_value, wrapped)?
            }
            Mech::Sm4Ecb | Mech::Sm4Cbc => {
                need_type(p.ckk_sm4)?;
                let iv = (m == Mech::Sm4Cbc).then_some(mech.param.as_slice());
                crate::crypto::sym::sm4_decrypt(kek_value, iv, wrapped)?
            }
            Mech::AesKwp => {
                need_type(CKK_AES)?;
                crate::crypto::sym::aes_kwp_unwrap(kek_value, wrapped)?
            }
            _ => return Err(Rv(CKR_MECHANISM_INVALID)),
        };
        let class = get_ulong(template, CKA_CLASS)?.ok_or(Rv(CKR_TEMPLATE_INCOMPLETE))?;
        let obj = match class {
            CKO_SECRET_KEY => keys::secret_key(template, &plain, None)?,
            CKO_PRIVATE_KEY => {
                let kt = get_ulong(template, CKA_KEY_TYPE)?.ok_or(Rv(CKR_TEMPLATE_INCOMPLETE))?;
                let curve = if kt == CKK_EC {
                    Curve::P256
                } else if kt == p.ckk_sm2 {
                    Curve::Sm2
                } else {
                    return Err(Rv(CKR_TEMPLATE_INCONSISTENT));
                };
                let d = private_scalar(curve, &plain).ok_or(Rv(CKR_WRAPPED_KEY_INVALID))?;
                let point = match curve {
                    Curve::P256 => crate::crypto::ec::public_of(&d),
                    Curve::Sm2 => crate::crypto::sm2::public_of(&d),
                }
                .map_err(|_| Rv(CKR_WRAPPED_KEY_INVALID))?;
                keys::private_key(template, curve, kt, &d, &point, None)?
            }
            _ => return Err(Rv(CKR_TEMPLATE_INCONSISTENT)),
        };
        self.insert(h, obj)
    }
}

fn object_ulong(v: CK_ULONG) -> Vec<u8> {
    crate::object::ulong(v)
}

/// The private scalar in unwrapped key data: PKCS#8, or a bare 32-byte scalar (or
/// 64 bytes left-padded with zeros, as some GM/T 0016 envelopes carry it).
fn private_scalar(curve: Curve, plain: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if plain.first() == Some(&0x30) {
        return match curve {
            Curve::P256 => crate::crypto::ec::from_pkcs8(plain),
            Curve::Sm2 => crate::crypto::sm2::from_pkcs8(plain),
        };
    }
    match plain.len() {
        32 => Some(Zeroizing::new(plain.to_vec())),
        64 if plain[..32].iter().all(|b| *b == 0) => Some(Zeroizing::new(plain[32..].to_vec())),
        _ => None,
    }
}
