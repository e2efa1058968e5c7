//! `hello`: the protocol and host versions, what this host can do, and every
//! configured module with whether it loaded, and the vendors whose key is plugged in
//! without their driver. No token is touched.

use protocol::PROTOCOL_VERSION;
use protocol::host::{Command, HelloResult};

use crate::context::Context;

/// Commands and features, as `hello` lists them.
pub fn capabilities() -> Vec<String> {
    let mut caps: Vec<String> = Command::NAMES.iter().map(|s| (*s).to_owned()).collect();
    caps.extend(["ec-p256", "rsa-2048", "pin-session"].map(str::to_owned));
    caps.push(Command::DUAL_CAPABILITY.to_owned());
    caps
}

/// Answers `hello`.
pub fn run(ctx: &mut Context) -> HelloResult {
    HelloResult {
        protocol: PROTOCOL_VERSION,
        host_version: env!("CARGO_PKG_VERSION").to_owned(),
        capabilities: capabilities(),
        modules: ctx.modules().iter().map(|m| m.status()).collect(),
        missing_drivers: crate::modules::catalogue::missing_here(),
    }
}
