//! Fault injection for proving that `install_certificate` is crash-safe.
//!
//! With `CERTRENEW_FAULT_AFTER=<step>` in its environment the host exits at once,
//! answering nothing, right after that step, as if the browser had been closed or
//! the machine had lost power there. Only tests set it, and only debug builds (which
//! the tests run) look at it: a release build, the one users get, ignores it.

use std::sync::OnceLock;

/// The exit status of an injected fault.
pub const FAULT_EXIT_CODE: i32 = 70;

/// The steps of `install_certificate`, in order. A dual install (with `encryption`)
/// runs [`DUAL_INSTALL_STEPS`] instead.
pub const INSTALL_STEPS: [&str; 7] = [
    "write",
    "verify",
    "label",
    "retire_private",
    "retire_public",
    "retire_cert",
    "unbind",
];

/// The steps of a dual `install_certificate`, in order: the encryption key pair and
/// certificate (crate::dual), the signing certificate, the old encryption certificate
/// kept as history, then the old signing pair retired.
pub const DUAL_INSTALL_STEPS: [&str; 12] = [
    "enc_key",
    "enc_public",
    "enc_write",
    "enc_verify",
    "write",
    "verify",
    "label",
    "keep",
    "retire_private",
    "retire_public",
    "retire_cert",
    "unbind",
];

fn configured() -> Option<&'static str> {
    static STEP: OnceLock<Option<String>> = OnceLock::new();
    STEP.get_or_init(|| std::env::var("CERTRENEW_FAULT_AFTER").ok())
        .as_deref()
}

/// Marks the end of `step`; exits the process if a fault is injected there.
pub fn after(step: &str) {
    if cfg!(debug_assertions) && configured() == Some(step) {
        std::process::exit(FAULT_EXIT_CODE);
    }
}
