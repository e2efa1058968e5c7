//! The PKCS#11 v2.40 C interface: every `C_*` function, exported by name and through
//! `C_GetFunctionList`. Each one checks and copies its pointer arguments into owned
//! values and calls the safe [`Module`]; no pointer outlives the call.
#![allow(non_snake_case, clippy::missing_safety_doc)]

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, MutexGuard};

use cryptoki_sys::*;

use crate::config::Config;
use crate::error::{CkResult, Rv};
use crate::object::Attrs;
use crate::ops::OpKind;
use crate::token::{Mechanism, Module};

static MODULE: Mutex<Option<Module>> = Mutex::new(None);

/// The most attributes one template may carry, and the largest attribute value.
const MAX_TEMPLATE: usize = 256;
const MAX_VALUE: usize = 1 << 16;

fn lock() -> MutexGuard<'static, Option<Module>> {
    MODULE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f`, turning its error into the return value and a panic into
/// `CKR_GENERAL_ERROR` (a panic must not unwind into C).
fn guard(f: impl FnOnce() -> CkResult<()>) -> CK_RV {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => CKR_OK,
        Ok(Err(Rv(rv))) => rv,
        Err(_) => CKR_GENERAL_ERROR,
    }
}

/// Runs `f` on the initialised module.
fn with(f: impl FnOnce(&mut Module) -> CkResult<()>) -> CK_RV {
    guard(|| {
        let mut m = lock();
        let m = m.as_mut().ok_or(Rv(CKR_CRYPTOKI_NOT_INITIALIZED))?;
        f(m)
    })
}

unsafe fn bytes<'a>(p: *const u8, len: CK_ULONG) -> CkResult<&'a [u8]> {
    let len = usize::try_from(len).map_err(|_| Rv(CKR_ARGUMENTS_BAD))?;
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Rv(CKR_ARGUMENTS_BAD));
    }
    // SAFETY: the caller gives `len` readable bytes at `p` (PKCS#11 contract).
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

unsafe fn out<'a, T>(p: *mut T) -> CkResult<&'a mut T> {
    // SAFETY: a non-null out-pointer points to a writable T (PKCS#11 contract).
    unsafe { p.as_mut() }.ok_or(Rv(CKR_ARGUMENTS_BAD))
}

unsafe fn template(p: *const CK_ATTRIBUTE, n: CK_ULONG) -> CkResult<Attrs> {
    let n = usize::try_from(n).map_err(|_| Rv(CKR_ARGUMENTS_BAD))?;
    if n > MAX_TEMPLATE {
        return Err(Rv(CKR_TEMPLATE_INCONSISTENT));
    }
    if n == 0 {
        return Ok(Attrs::new());
    }
    if p.is_null() {
        return Err(Rv(CKR_ARGUMENTS_BAD));
    }
    // SAFETY: `n` attributes at `p`.
    let items = unsafe { std::slice::from_raw_parts(p, n) };
    let mut attrs = Attrs::new();
    for a in items {
        if a.ulValueLen as usize > MAX_VALUE {
            return Err(Rv(CKR_ATTRIBUTE_VALUE_INVALID));
        }
        // SAFETY: each attribute's value has ulValueLen bytes.
        let v = unsafe { bytes(a.pValue as *const u8, a.ulValueLen) }?;
        attrs.insert(a.type_, v.to_vec());
    }
    Ok(attrs)
}

unsafe fn mechanism(p: *const CK_MECHANISM) -> CkResult<Mechanism> {
    // SAFETY: a non-null mechanism pointer points to a CK_MECHANISM.
    let m = unsafe { p.as_ref() }.ok_or(Rv(CKR_ARGUMENTS_BAD))?;
    if m.mechanism == CKM_ECDH1_DERIVE {
        if m.pParameter.is_null()
            || m.ulParameterLen as usize != std::mem::size_of::<CK_ECDH1_DERIVE_PARAMS>()
        {
            return Err(Rv(CKR_MECHANISM_PARAM_INVALID));
        }
        // SAFETY: the length says it is a CK_ECDH1_DERIVE_PARAMS.
        let e = unsafe { &*(m.pParameter as *const CK_ECDH1_DERIVE_PARAMS) };
        // SAFETY: the structure's own lengths and pointers.
        let (shared, public) = unsafe {
            (
                bytes(e.pSharedData, e.ulSharedDataLen)?,
                bytes(e.pPublicData, e.ulPublicDataLen)?,
            )
        };
        return Ok(Mechanism {
            ty: m.mechanism,
            param: public.to_vec(),
            kdf: Some((e.kdf, shared.to_vec())),
        });
    }
    // SAFETY: the parameter's bytes.
    let param = unsafe { bytes(m.pParameter as *const u8, m.ulParameterLen) }?;
    Ok(Mechanism {
        ty: m.mechanism,
        param: param.to_vec(),
        kdf: None,
    })
}

/// Delivers `data` PKCS#11-style: the length only when `p` is null, else the bytes
/// if they fit. Returns whether they were delivered.
unsafe fn deliver(p: *mut u8, len: *mut CK_ULONG, data: &[u8]) -> CkResult<bool> {
    // SAFETY: out-pointer.
    let len = unsafe { out(len) }?;
    if p.is_null() {
        *len = data.len() as CK_ULONG;
        return Ok(false);
    }
    if (*len as usize) < data.len() {
        *len = data.len() as CK_ULONG;
        return Err(Rv(CKR_BUFFER_TOO_SMALL));
    }
    // SAFETY: the caller said the buffer holds *len >= data.len() bytes.
    unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), p, data.len()) };
    *len = data.len() as CK_ULONG;
    Ok(true)
}

/// Blank-padded fixed-width text.
fn pad<const N: usize>(s: &str) -> [u8; N] {
    let mut a = [b' '; N];
    let b = s.as_bytes();
    let n = b.len().min(N);
    a[..n].copy_from_slice(&b[..n]);
    a
}

const VERSION: CK_VERSION = CK_VERSION { major: 0, minor: 1 };

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Initialize(args: *mut c_void) -> CK_RV {
    guard(|| {
        if !args.is_null() {
            // SAFETY: a non-null argument is a CK_C_INITIALIZE_ARGS.
            let a = unsafe { &*(args as *const CK_C_INITIALIZE_ARGS) };
            if !a.pReserved.is_null() {
                return Err(Rv(CKR_ARGUMENTS_BAD));
            }
        }
        let mut m = lock();
        if m.is_some() {
            return Err(Rv(CKR_CRYPTOKI_ALREADY_INITIALIZED));
        }
        let module = Config::from_env()
            .and_then(Module::new)
            .inspect_err(|e| eprintln!("certrenew test token: {e}"))
            .map_err(|_| Rv(CKR_GENERAL_ERROR))?;
        *m = Some(module);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Finalize(reserved: *mut c_void) -> CK_RV {
    guard(|| {
        if !reserved.is_null() {
            return Err(Rv(CKR_ARGUMENTS_BAD));
        }
        lock()
            .take()
            .map(|_| ())
            .ok_or(Rv(CKR_CRYPTOKI_NOT_INITIALIZED))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetInfo(info: *mut CK_INFO) -> CK_RV {
    with(|_| {
        // SAFETY: out-pointer.
        let info = unsafe { out(info) }?;
        *info = CK_INFO {
            cryptokiVersion: CK_VERSION {
                major: 2,
                minor: 40,
            },
            manufacturerID: pad("certrenew"),
            flags: 0,
            libraryDescription: pad("certrenew SM2 test token"),
            libraryVersion: VERSION,
        };
        Ok(())
    })
}

/// The PKCS#11 v2.40 entry point: the table of every `C_*` function.
///
/// # Safety
/// `list` must be null or point to writable memory for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetFunctionList(list: *mut *mut CK_FUNCTION_LIST) -> CK_RV {
    guard(|| {
        // SAFETY: out-pointer.
        let list = unsafe { out(list) }?;
        *list = &raw const FUNCTION_LIST as *mut CK_FUNCTION_LIST;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetSlotList(
    _present: CK_BBOOL,
    list: *mut CK_SLOT_ID,
    count: *mut CK_ULONG,
) -> CK_RV {
    with(|m| {
        let slots: Vec<CK_SLOT_ID> = (0..m.tokens.len() as CK_SLOT_ID).collect();
        let bytes_len = slots.len();
        // SAFETY: out-pointer.
        let count = unsafe { out(count) }?;
        if list.is_null() {
            *count = bytes_len as CK_ULONG;
            return Ok(());
        }
        if (*count as usize) < bytes_len {
            *count = bytes_len as CK_ULONG;
            return Err(Rv(CKR_BUFFER_TOO_SMALL));
        }
        // SAFETY: the buffer holds *count slots.
        unsafe { std::ptr::copy_nonoverlapping(slots.as_ptr(), list, bytes_len) };
        *count = bytes_len as CK_ULONG;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetSlotInfo(slot: CK_SLOT_ID, info: *mut CK_SLOT_INFO) -> CK_RV {
    with(|m| {
        m.token(slot)?;
        // SAFETY: out-pointer.
        let info = unsafe { out(info) }?;
        *info = CK_SLOT_INFO {
            slotDescription: pad(&format!("certrenew test slot {slot}")),
            manufacturerID: pad(&m.config.manufacturer),
            flags: CKF_TOKEN_PRESENT,
            hardwareVersion: VERSION,
            firmwareVersion: VERSION,
        };
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetTokenInfo(slot: CK_SLOT_ID, info: *mut CK_TOKEN_INFO) -> CK_RV {
    with(|m| {
        let t = m.token(slot)?;
        let (sessions, rw) = m.session_counts(slot as usize);
        let flags = m.token_flags(slot as usize)?;
        let label = t.data.label.clone();
        let serial = t.data.serial.clone();
        // SAFETY: out-pointer.
        let info = unsafe { out(info) }?;
        *info = CK_TOKEN_INFO {
            label: pad(&label),
            manufacturerID: pad(&m.config.manufacturer),
            model: pad(&format!("SM2 {}", m.config.profile.name)),
            serialNumber: pad(&serial),
            flags,
            ulMaxSessionCount: CK_EFFECTIVELY_INFINITE,
            ulSessionCount: sessions as CK_ULONG,
            ulMaxRwSessionCount: CK_EFFECTIVELY_INFINITE,
            ulRwSessionCount: rw as CK_ULONG,
            ulMaxPinLen: crate::pin::MAX_LEN as CK_ULONG,
            ulMinPinLen: crate::pin::MIN_LEN as CK_ULONG,
            ulTotalPublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulTotalPrivateMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePrivateMemory: CK_UNAVAILABLE_INFORMATION,
            hardwareVersion: VERSION,
            firmwareVersion: VERSION,
            utcTime: [b' '; 16],
        };
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetMechanismList(
    slot: CK_SLOT_ID,
    list: *mut CK_MECHANISM_TYPE,
    count: *mut CK_ULONG,
) -> CK_RV {
    with(|m| {
        m.token(slot)?;
        let mechs = crate::mechanism::list(&m.config);
        // SAFETY: out-pointer.
        let count = unsafe { out(count) }?;
        if list.is_null() {
            *count = mechs.len() as CK_ULONG;
            return Ok(());
        }
        if (*count as usize) < mechs.len() {
            *count = mechs.len() as CK_ULONG;
            return Err(Rv(CKR_BUFFER_TOO_SMALL));
        }
        // SAFETY: the buffer holds *count entries.
        unsafe { std::ptr::copy_nonoverlapping(mechs.as_ptr(), list, mechs.len()) };
        *count = mechs.len() as CK_ULONG;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetMechanismInfo(
    slot: CK_SLOT_ID,
    ty: CK_MECHANISM_TYPE,
    info: *mut CK_MECHANISM_INFO,
) -> CK_RV {
    with(|m| {
        m.token(slot)?;
        let i = crate::mechanism::info(&m.config, ty)?;
        // SAFETY: out-pointer.
        *unsafe { out(info) }? = i;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_InitToken(
    slot: CK_SLOT_ID,
    pin: *mut CK_UTF8CHAR,
    pin_len: CK_ULONG,
    label: *mut CK_UTF8CHAR,
) -> CK_RV {
    with(|m| {
        // SAFETY: pointer and length from the caller; the label is 32 bytes.
        let (pin, label) = unsafe { (bytes(pin, pin_len)?, bytes(label, 32)?) };
        let label = String::from_utf8_lossy(label).into_owned();
        m.init_token(slot, pin, &label)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_InitPIN(
    h: CK_SESSION_HANDLE,
    pin: *mut CK_UTF8CHAR,
    len: CK_ULONG,
) -> CK_RV {
    // SAFETY: pointer and length from the caller.
    with(|m| m.init_pin(h, unsafe { bytes(pin, len) }?))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_SetPIN(
    h: CK_SESSION_HANDLE,
    old: *mut CK_UTF8CHAR,
    old_len: CK_ULONG,
    new: *mut CK_UTF8CHAR,
    new_len: CK_ULONG,
) -> CK_RV {
    // SAFETY: pointers and lengths from the caller.
    with(|m| {
        m.set_pin(h, unsafe { bytes(old, old_len) }?, unsafe {
            bytes(new, new_len)
        }?)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_OpenSession(
    slot: CK_SLOT_ID,
    flags: CK_FLAGS,
    _app: *mut c_void,
    _notify: CK_NOTIFY,
    h: *mut CK_SESSION_HANDLE,
) -> CK_RV {
    with(|m| {
        // SAFETY: out-pointer.
        let h = unsafe { out(h) }?;
        *h = m.open_session(slot, flags)?;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_CloseSession(h: CK_SESSION_HANDLE) -> CK_RV {
    with(|m| m.close_session(h))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_CloseAllSessions(slot: CK_SLOT_ID) -> CK_RV {
    with(|m| m.close_all(slot))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetSessionInfo(
    h: CK_SESSION_HANDLE,
    info: *mut CK_SESSION_INFO,
) -> CK_RV {
    with(|m| {
        let s = m.session_info(h)?;
        // SAFETY: out-pointer.
        *unsafe { out(info) }? = CK_SESSION_INFO {
            slotID: s.slot,
            state: s.state,
            flags: s.flags,
            ulDeviceError: 0,
        };
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Login(
    h: CK_SESSION_HANDLE,
    user: CK_USER_TYPE,
    pin: *mut CK_UTF8CHAR,
    len: CK_ULONG,
) -> CK_RV {
    // SAFETY: pointer and length from the caller.
    with(|m| m.login(h, user, unsafe { bytes(pin, len) }?))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Logout(h: CK_SESSION_HANDLE) -> CK_RV {
    with(|m| m.logout(h))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_CreateObject(
    h: CK_SESSION_HANDLE,
    t: *mut CK_ATTRIBUTE,
    n: CK_ULONG,
    obj: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    with(|m| {
        // SAFETY: template and out-pointer from the caller.
        let (t, obj) = unsafe { (template(t, n)?, out(obj)?) };
        *obj = m.create_object(h, &t)?;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DestroyObject(h: CK_SESSION_HANDLE, obj: CK_OBJECT_HANDLE) -> CK_RV {
    with(|m| m.destroy_object(h, obj))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetAttributeValue(
    h: CK_SESSION_HANDLE,
    obj: CK_OBJECT_HANDLE,
    t: *mut CK_ATTRIBUTE,
    n: CK_ULONG,
) -> CK_RV {
    with(|m| {
        let o = m.object(h, obj)?;
        if n > 0 && t.is_null() {
            return Err(Rv(CKR_ARGUMENTS_BAD));
        }
        if n == 0 {
            return Ok(());
        }
        // SAFETY: `n` attributes at `t`, written in place as the interface says.
        let items = unsafe { std::slice::from_raw_parts_mut(t, n as usize) };
        let mut rv = Ok(());
        for a in items {
            match o.read(a.type_) {
                Err(e) => {
                    a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                    rv = rv.and(Err(e));
                }
                Ok(v) if a.pValue.is_null() => a.ulValueLen = v.len() as CK_ULONG,
                Ok(v) if (a.ulValueLen as usize) < v.len() => {
                    a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                    rv = rv.and(Err(Rv(CKR_BUFFER_TOO_SMALL)));
                }
                Ok(v) => {
                    // SAFETY: the caller's buffer holds ulValueLen >= v.len() bytes.
                    unsafe {
                        std::ptr::copy_nonoverlapping(v.as_ptr(), a.pValue as *mut u8, v.len())
                    };
                    a.ulValueLen = v.len() as CK_ULONG;
                }
            }
        }
        rv
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_SetAttributeValue(
    h: CK_SESSION_HANDLE,
    obj: CK_OBJECT_HANDLE,
    t: *mut CK_ATTRIBUTE,
    n: CK_ULONG,
) -> CK_RV {
    // SAFETY: template from the caller.
    with(|m| m.set_attributes(h, obj, &unsafe { template(t, n) }?))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_FindObjectsInit(
    h: CK_SESSION_HANDLE,
    t: *mut CK_ATTRIBUTE,
    n: CK_ULONG,
) -> CK_RV {
    // SAFETY: template from the caller.
    with(|m| m.find_init(h, &unsafe { template(t, n) }?))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_FindObjects(
    h: CK_SESSION_HANDLE,
    objs: *mut CK_OBJECT_HANDLE,
    max: CK_ULONG,
    count: *mut CK_ULONG,
) -> CK_RV {
    with(|m| {
        // SAFETY: out-pointer.
        let count = unsafe { out(count) }?;
        if objs.is_null() && max > 0 {
            return Err(Rv(CKR_ARGUMENTS_BAD));
        }
        let found = m.find(h, max as usize)?;
        if !found.is_empty() {
            // SAFETY: the buffer holds `max` >= found.len() handles.
            unsafe { std::ptr::copy_nonoverlapping(found.as_ptr(), objs, found.len()) };
        }
        *count = found.len() as CK_ULONG;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_FindObjectsFinal(h: CK_SESSION_HANDLE) -> CK_RV {
    with(|m| m.find_final(h))
}

unsafe fn op_init(
    h: CK_SESSION_HANDLE,
    kind: OpKind,
    mech: *mut CK_MECHANISM,
    key: Option<CK_OBJECT_HANDLE>,
) -> CK_RV {
    // SAFETY: mechanism from the caller.
    with(|m| m.op_init(h, kind, &unsafe { mechanism(mech) }?, key))
}

/// A single-part call: the result over the collected data plus `data`, delivered,
/// and the operation ended once delivered (or on an error).
unsafe fn op_single(
    h: CK_SESSION_HANDLE,
    kind: OpKind,
    data: *mut u8,
    len: CK_ULONG,
    out_p: *mut u8,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    with(|m| {
        // SAFETY: input from the caller.
        let input = unsafe { bytes(data, len) }?.to_vec();
        m.op_update(h, kind, &input)?;
        let result = m.op_output(h, kind);
        let done = result.and_then(|r| {
            // SAFETY: output buffer from the caller.
            unsafe { deliver(out_p, out_len, &r) }
        });
        match done {
            Ok(true) => m.op_end(h, kind),
            // Only the length was asked for, or the buffer was short: the caller
            // will call again with the same input, so take this input back out.
            Ok(false) | Err(Rv(CKR_BUFFER_TOO_SMALL)) => {
                m.op_unupdate(h, kind, input.len())?;
                done.map(|_| ())
            }
            Err(e) => {
                let _ = m.op_end(h, kind);
                Err(e)
            }
        }
    })
}

unsafe fn op_update(h: CK_SESSION_HANDLE, kind: OpKind, data: *mut u8, len: CK_ULONG) -> CK_RV {
    // SAFETY: input from the caller.
    with(|m| m.op_update(h, kind, unsafe { bytes(data, len) }?))
}

unsafe fn op_final(
    h: CK_SESSION_HANDLE,
    kind: OpKind,
    out_p: *mut u8,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    with(|m| {
        let r = m.op_output(h, kind)?;
        // SAFETY: output buffer from the caller.
        match unsafe { deliver(out_p, out_len, &r) } {
            Ok(true) => m.op_end(h, kind),
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        }
    })
}

/// Multi-part encrypt/decrypt: this token collects the data and outputs it all at
/// the final call, so an update outputs nothing.
unsafe fn op_update_out(
    h: CK_SESSION_HANDLE,
    kind: OpKind,
    data: *mut u8,
    len: CK_ULONG,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    with(|m| {
        // SAFETY: input and out-pointer from the caller.
        let (input, out_len) = unsafe { (bytes(data, len)?, out(out_len)?) };
        m.op_update(h, kind, input)?;
        *out_len = 0;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_EncryptInit(
    h: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
) -> CK_RV {
    unsafe { op_init(h, OpKind::Encrypt, mech, Some(key)) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Encrypt(
    h: CK_SESSION_HANDLE,
    d: *mut CK_BYTE,
    l: CK_ULONG,
    o: *mut CK_BYTE,
    ol: *mut CK_ULONG,
) -> CK_RV {
    unsafe { op_single(h, OpKind::Encrypt, d, l, o, ol) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_EncryptUpdate(
    h: CK_SESSION_HANDLE,
    d: *mut CK_BYTE,
    l: CK_ULONG,
    _o: *mut CK_BYTE,
    ol: *mut CK_ULONG,
) -> CK_RV {
    unsafe { op_update_out(h, OpKind::Encrypt, d, l, ol) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_EncryptFinal(
    h: CK_SESSION_HANDLE,
    o: *mut CK_BYTE,
    ol: *mut CK_ULONG,
) -> CK_RV {
    unsafe { op_final(h, OpKind::Encrypt, o, ol) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DecryptInit(
    h: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
) -> CK_RV {
    unsafe { op_init(h, OpKind::Decrypt, mech, Some(key)) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Decrypt(
    h: CK_SESSION_HANDLE,
    d: *mut CK_BYTE,
    l: CK_ULONG,
    o: *mut CK_BYTE,
    ol: *mut CK_ULONG,
) -> CK_RV {
    unsafe { op_single(h, OpKind::Decrypt, d, l, o, ol) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DecryptUpdate(
    h: CK_SESSION_HANDLE,
    d: *mut CK_BYTE,
    l: CK_ULONG,
    _o: *mut CK_BYTE,
    ol: *mut CK_ULONG,
) -> CK_RV {
    unsafe { op_update_out(h, OpKind::Decrypt, d, l, ol) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DecryptFinal(
    h: CK_SESSION_HANDLE,
    o: *mut CK_BYTE,
    ol: *mut CK_ULONG,
) -> CK_RV {
    unsafe { op_final(h, OpKind::Decrypt, o, ol) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DigestInit(h: CK_SESSION_HANDLE, mech: *mut CK_MECHANISM) -> CK_RV {
    unsafe { op_init(h, OpKind::Digest, mech, None) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Digest(
    h: CK_SESSION_HANDLE,
    d: *mut CK_BYTE,
    l: CK_ULONG,
    o: *mut CK_BYTE,
    ol: *mut CK_ULONG,
) -> CK_RV {
    unsafe { op_single(h, OpKind::Digest, d, l, o, ol) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DigestUpdate(
    h: CK_SESSION_HANDLE,
    d: *mut CK_BYTE,
    l: CK_ULONG,
) -> CK_RV {
    unsafe { op_update(h, OpKind::Digest, d, l) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DigestKey(_h: CK_SESSION_HANDLE, _k: CK_OBJECT_HANDLE) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DigestFinal(
    h: CK_SESSION_HANDLE,
    o: *mut CK_BYTE,
    ol: *mut CK_ULONG,
) -> CK_RV {
    unsafe { op_final(h, OpKind::Digest, o, ol) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_SignInit(
    h: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
) -> CK_RV {
    unsafe { op_init(h, OpKind::Sign, mech, Some(key)) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Sign(
    h: CK_SESSION_HANDLE,
    d: *mut CK_BYTE,
    l: CK_ULONG,
    o: *mut CK_BYTE,
    ol: *mut CK_ULONG,
) -> CK_RV {
    unsafe { op_single(h, OpKind::Sign, d, l, o, ol) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_SignUpdate(h: CK_SESSION_HANDLE, d: *mut CK_BYTE, l: CK_ULONG) -> CK_RV {
    unsafe { op_update(h, OpKind::Sign, d, l) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_SignFinal(
    h: CK_SESSION_HANDLE,
    o: *mut CK_BYTE,
    ol: *mut CK_ULONG,
) -> CK_RV {
    unsafe { op_final(h, OpKind::Sign, o, ol) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_VerifyInit(
    h: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
) -> CK_RV {
    unsafe { op_init(h, OpKind::Verify, mech, Some(key)) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_Verify(
    h: CK_SESSION_HANDLE,
    d: *mut CK_BYTE,
    l: CK_ULONG,
    s: *mut CK_BYTE,
    sl: CK_ULONG,
) -> CK_RV {
    with(|m| {
        // SAFETY: inputs from the caller.
        let (data, sig) = unsafe { (bytes(d, l)?, bytes(s, sl)?) };
        m.op_update(h, OpKind::Verify, data)?;
        m.verify_final(h, sig)
    })
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_VerifyUpdate(
    h: CK_SESSION_HANDLE,
    d: *mut CK_BYTE,
    l: CK_ULONG,
) -> CK_RV {
    unsafe { op_update(h, OpKind::Verify, d, l) }
}
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_VerifyFinal(
    h: CK_SESSION_HANDLE,
    s: *mut CK_BYTE,
    sl: CK_ULONG,
) -> CK_RV {
    // SAFETY: input from the caller.
    with(|m| m.verify_final(h, unsafe { bytes(s, sl) }?))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GenerateKey(
    h: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    t: *mut CK_ATTRIBUTE,
    n: CK_ULONG,
    key: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    with(|m| {
        // SAFETY: arguments from the caller.
        let (mech, t, key) = unsafe { (mechanism(mech)?, template(t, n)?, out(key)?) };
        *key = m.generate_key(h, &mech, &t)?;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GenerateKeyPair(
    h: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    pt: *mut CK_ATTRIBUTE,
    pn: CK_ULONG,
    kt: *mut CK_ATTRIBUTE,
    kn: CK_ULONG,
    pubk: *mut CK_OBJECT_HANDLE,
    privk: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    with(|m| {
        // SAFETY: arguments from the caller.
        let (mech, pt, kt, pubk, privk) = unsafe {
            (
                mechanism(mech)?,
                template(pt, pn)?,
                template(kt, kn)?,
                out(pubk)?,
                out(privk)?,
            )
        };
        let (p, k) = m.generate_key_pair(h, &mech, &pt, &kt)?;
        *pubk = p;
        *privk = k;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_UnwrapKey(
    h: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    unwrapping: CK_OBJECT_HANDLE,
    wrapped: *mut CK_BYTE,
    wl: CK_ULONG,
    t: *mut CK_ATTRIBUTE,
    n: CK_ULONG,
    key: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    with(|m| {
        // SAFETY: arguments from the caller.
        let (mech, wrapped, t, key) = unsafe {
            (
                mechanism(mech)?,
                bytes(wrapped, wl)?,
                template(t, n)?,
                out(key)?,
            )
        };
        *key = m.unwrap_key(h, &mech, unwrapping, wrapped, &t)?;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_DeriveKey(
    h: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    base: CK_OBJECT_HANDLE,
    t: *mut CK_ATTRIBUTE,
    n: CK_ULONG,
    key: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    with(|m| {
        // SAFETY: arguments from the caller.
        let (mech, t, key) = unsafe { (mechanism(mech)?, template(t, n)?, out(key)?) };
        *key = m.derive_key(h, &mech, base, &t)?;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GenerateRandom(
    h: CK_SESSION_HANDLE,
    p: *mut CK_BYTE,
    len: CK_ULONG,
) -> CK_RV {
    with(|m| {
        m.session_info(h)?;
        if len == 0 {
            return Ok(());
        }
        if p.is_null() {
            return Err(Rv(CKR_ARGUMENTS_BAD));
        }
        // SAFETY: the caller's buffer of `len` bytes.
        let buf = unsafe { std::slice::from_raw_parts_mut(p, len as usize) };
        crate::crypto::random(buf)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_SeedRandom(
    _h: CK_SESSION_HANDLE,
    _p: *mut CK_BYTE,
    _l: CK_ULONG,
) -> CK_RV {
    CKR_RANDOM_SEED_NOT_SUPPORTED
}

/// Functions this token does not offer, one per signature shape.
mod unsupported {
    use super::*;
    pub unsafe extern "C" fn state_get(
        _: CK_SESSION_HANDLE,
        _: *mut CK_BYTE,
        _: *mut CK_ULONG,
    ) -> CK_RV {
        CKR_FUNCTION_NOT_SUPPORTED
    }
    pub unsafe extern "C" fn state_set(
        _: CK_SESSION_HANDLE,
        _: *mut CK_BYTE,
        _: CK_ULONG,
        _: CK_OBJECT_HANDLE,
        _: CK_OBJECT_HANDLE,
    ) -> CK_RV {
        CKR_FUNCTION_NOT_SUPPORTED
    }
    pub unsafe extern "C" fn copy(
        _: CK_SESSION_HANDLE,
        _: CK_OBJECT_HANDLE,
        _: *mut CK_ATTRIBUTE,
        _: CK_ULONG,
        _: *mut CK_OBJECT_HANDLE,
    ) -> CK_RV {
        CKR_FUNCTION_NOT_SUPPORTED
    }
    pub unsafe extern "C" fn size(
        _: CK_SESSION_HANDLE,
        _: CK_OBJECT_HANDLE,
        _: *mut CK_ULONG,
    ) -> CK_RV {
        CKR_FUNCTION_NOT_SUPPORTED
    }
    pub unsafe extern "C" fn init(
        _: CK_SESSION_HANDLE,
        _: *mut CK_MECHANISM,
        _: CK_OBJECT_HANDLE,
    ) -> CK_RV {
        CKR_FUNCTION_NOT_SUPPORTED
    }
    pub unsafe extern "C" fn in_out(
        _: CK_SESSION_HANDLE,
        _: *mut CK_BYTE,
        _: CK_ULONG,
        _: *mut CK_BYTE,
        _: *mut CK_ULONG,
    ) -> CK_RV {
        CKR_FUNCTION_NOT_SUPPORTED
    }
    pub unsafe extern "C" fn wrap(
        _: CK_SESSION_HANDLE,
        _: *mut CK_MECHANISM,
        _: CK_OBJECT_HANDLE,
        _: CK_OBJECT_HANDLE,
        _: *mut CK_BYTE,
        _: *mut CK_ULONG,
    ) -> CK_RV {
        CKR_FUNCTION_NOT_SUPPORTED
    }
    pub unsafe extern "C" fn status(_: CK_SESSION_HANDLE) -> CK_RV {
        CKR_FUNCTION_NOT_PARALLEL
    }
    pub unsafe extern "C" fn wait(
        _: CK_FLAGS,
        _: *mut CK_SLOT_ID,
        _: *mut std::ffi::c_void,
    ) -> CK_RV {
        CKR_FUNCTION_NOT_SUPPORTED
    }
}

static FUNCTION_LIST: CK_FUNCTION_LIST = CK_FUNCTION_LIST {
    version: CK_VERSION {
        major: 2,
        minor: 40,
    },
    C_Initialize: Some(C_Initialize),
    C_Finalize: Some(C_Finalize),
    C_GetInfo: Some(C_GetInfo),
    C_GetFunctionList: Some(C_GetFunctionList),
    C_GetSlotList: Some(C_GetSlotList),
    C_GetSlotInfo: Some(C_GetSlotInfo),
    C_GetTokenInfo: Some(C_GetTokenInfo),
    C_GetMechanismList: Some(C_GetMechanismList),
    C_GetMechanismInfo: Some(C_GetMechanismInfo),
    C_InitToken: Some(C_InitToken),
    C_InitPIN: Some(C_InitPIN),
    C_SetPIN: Some(C_SetPIN),
    C_OpenSession: Some(C_OpenSession),
    C_CloseSession: Some(C_CloseSession),
    C_CloseAllSessions: Some(C_CloseAllSessions),
    C_GetSessionInfo: Some(C_GetSessionInfo),
    C_GetOperationState: Some(unsupported::state_get),
    C_SetOperationState: Some(unsupported::state_set),
    C_Login: Some(C_Login),
    C_Logout: Some(C_Logout),
    C_CreateObject: Some(C_CreateObject),
    C_CopyObject: Some(unsupported::copy),
    C_DestroyObject: Some(C_DestroyObject),
    C_GetObjectSize: Some(unsupported::size),
    C_GetAttributeValue: Some(C_GetAttributeValue),
    C_SetAttributeValue: Some(C_SetAttributeValue),
    C_FindObjectsInit: Some(C_FindObjectsInit),
    C_FindObjects: Some(C_FindObjects),
    C_FindObjectsFinal: Some(C_FindObjectsFinal),
    C_EncryptInit: Some(C_EncryptInit),
    C_Encrypt: Some(C_Encrypt),
    C_EncryptUpdate: Some(C_EncryptUpdate),
    C_EncryptFinal: Some(C_EncryptFinal),
    C_DecryptInit: Some(C_DecryptInit),
    C_Decrypt: Some(C_Decrypt),
    C_DecryptUpdate: Some(C_DecryptUpdate),
    C_DecryptFinal: Some(C_DecryptFinal),
    C_DigestInit: Some(C_DigestInit),
    C_Digest: Some(C_Digest),
    C_DigestUpdate: Some(C_DigestUpdate),
    C_DigestKey: Some(C_DigestKey),
    C_DigestFinal: Some(C_DigestFinal),
    C_SignInit: Some(C_SignInit),
    C_Sign: Some(C_Sign),
    C_SignUpdate: Some(C_SignUpdate),
    C_SignFinal: Some(C_SignFinal),
    C_SignRecoverInit: Some(unsupported::init),
    C_SignRecover: Some(unsupported::in_out),
    C_VerifyInit: Some(C_VerifyInit),
    C_Verify: Some(C_Verify),
    C_VerifyUpdate: Some(C_VerifyUpdate),
    C_VerifyFinal: Some(C_VerifyFinal),
    C_VerifyRecoverInit: Some(unsupported::init),
    C_VerifyRecover: Some(unsupported::in_out),
    C_DigestEncryptUpdate: Some(unsupported::in_out),
    C_DecryptDigestUpdate: Some(unsupported::in_out),
    C_SignEncryptUpdate: Some(unsupported::in_out),
    C_DecryptVerifyUpdate: Some(unsupported::in_out),
    C_GenerateKey: Some(C_GenerateKey),
    C_GenerateKeyPair: Some(C_GenerateKeyPair),
    C_WrapKey: Some(unsupported::wrap),
    C_UnwrapKey: Some(C_UnwrapKey),
    C_DeriveKey: Some(C_DeriveKey),
    C_SeedRandom: Some(C_SeedRandom),
    C_GenerateRandom: Some(C_GenerateRandom),
    C_GetFunctionStatus: Some(unsupported::status),
    C_CancelFunction: Some(unsupported::status),
    C_WaitForSlotEvent: Some(unsupported::wait),
};
