//! A software PKCS#11 v2.40 token for certrenew's tests and `run-dev.sh --sm2`: SM2,
//! SM3 and SM4 under a vendor's mechanism numbers (chosen by its configuration), EC
//! P-256 like SoftHSM, and PIN retry counters that count down and lock. Not for real
//! keys: the keys sit in a JSON file. See testtoken/README.md.
//!
//! # Layout
//! - `abi`: the C interface (`C_GetFunctionList` and every `C_*`), the only unsafe code.
//! - [`token`]: slots, sessions, login, objects and operations, in safe Rust.
//! - [`config`], [`profile`]: the configuration file and the vendor numberings.
//! - [`store`]: the per-slot state file.
//! - [`object`], [`keys`]: attributes and key templates; [`pin`]: PINs and counters.
//! - [`mechanism`], [`ops`], [`crypto`]: what each mechanism does, and the crypto.
#![deny(missing_docs)]

mod abi;
pub mod config;
pub mod crypto;
pub mod error;
pub mod keys;
pub mod mechanism;
pub mod object;
pub mod ops;
pub mod pin;
pub mod profile;
pub mod store;
pub mod token;

pub use abi::C_GetFunctionList;
