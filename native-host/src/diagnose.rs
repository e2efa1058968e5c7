//! `certrenew-host diagnose`: what a support call needs in one report: the host's
//! version and configuration, every module and whether it loaded, every token and its
//! certificates, which token drivers of the built-in vendor list are installed and which
//! are expected but missing, and where the host is registered with the browsers. In
//! words, or as JSON with `--json`.

use std::fmt::Write as _;
use std::path::Path;

use protocol::host::{ModuleStatus, TokenSummary};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cmd;
use crate::config::Config;
use crate::context::Context;
use crate::extension_policy::BuildKind;
use crate::modules::catalogue::{self, Probe};
use crate::register::{self, Registration};

/// The report.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The host's version.
    pub host_version: String,
    /// The protocol major version.
    pub protocol: u32,
    /// The configuration file used, if any.
    pub config_file: Option<String>,
    /// The extensions allowed to start the host.
    pub allowed_extensions: Vec<String>,
    /// Why this build would refuse to serve them (a release build configured for the
    /// development extension only), if it would.
    pub extensions_error: Option<String>,
    /// Every configured module.
    pub modules: Vec<ModuleStatus>,
    /// Each module's SM2 mechanism profile and why (same order as `modules`).
    pub sm2_profiles: Vec<Sm2ProfileReport>,
    /// The built-in vendor list, probed on this machine: what was found where, and
    /// where each missing driver was looked for.
    pub drivers: Vec<Probe>,
    /// Every token with its certificates.
    pub tokens: Vec<TokenReport>,
    /// Why tokens could not be listed, if they could not.
    pub tokens_error: Option<String>,
    /// The browser registrations.
    pub registrations: Vec<Registration>,
}

/// A module's SM2 profile in the report (crate::mechanisms).
#[derive(Debug, Serialize)]
pub struct Sm2ProfileReport {
    /// The module's path.
    pub module: String,
    /// The profile's name, if it got one.
    pub profile: Option<String>,
    /// Whether the token computes Z and SM3 itself.
    pub token_hashes: bool,
    /// Why: "by configuration", "by manufacturer id …", "none: …".
    pub reason: String,
}

/// A token in the report.
#[derive(Debug, Serialize)]
pub struct TokenReport {
    /// The token.
    pub token: TokenSummary,
    /// Its certificates.
    pub certificates: Vec<CertificateReport>,
}

/// A certificate in the report.
#[derive(Debug, Serialize)]
pub struct CertificateReport {
    /// Subject, RFC 4514.
    pub subject: String,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// Serial, hex.
    pub serial: String,
    /// SHA-256 of the DER.
    pub sha256: String,
    /// Key id.
    pub key_id: Option<String>,
    /// End of validity.
    pub not_after: String,
    /// Whole days until the end of validity (negative once expired).
    pub days_left: Option<i64>,
    /// Whether its key pair was found.
    pub has_private_key: bool,
}

/// Builds the report.
pub fn report(config: Config, user_data_dir: Option<&Path>) -> Report {
    let mut ctx = Context::new(config.clone());
    let modules = ctx.modules().iter().map(|m| m.status()).collect();
    let sm2_profiles = ctx
        .modules()
        .iter()
        .map(|m| Sm2ProfileReport {
            module: m.path.display().to_string(),
            profile: m.sm2.profile.map(|p| p.name.to_owned()),
            token_hashes: m.sm2.profile.is_some_and(|p| p.token_hashes),
            reason: m.sm2.reason.clone(),
        })
        .collect();
    let (tokens, tokens_error) = match cmd::list(&mut ctx) {
        Ok(list) => (
            list.tokens
                .into_iter()
                .map(|t| TokenReport {
                    token: t.token,
                    certificates: t
                        .certificates
                        .into_iter()
                        .map(|c| CertificateReport {
                            days_left: days_left(&c.not_after),
                            subject: c.subject,
                            issuer: c.issuer,
                            serial: c.serial,
                            sha256: c.sha256.to_string(),
                            key_id: c.key_id.map(|k| k.to_string()),
                            not_after: c.not_after,
                            has_private_key: c.has_private_key,
                        })
                        .collect(),
                })
                .collect(),
            None,
        ),
        Err(err) => (Vec::new(), Some(err.to_string())),
    };
    let (served, extensions_error) = match config.serving_extensions(BuildKind::current()) {
        Ok(ids) => (ids, None),
        Err(err) => (Vec::new(), Some(err.to_string())),
    };
    Report {
        host_version: env!("CARGO_PKG_VERSION").to_owned(),
        protocol: protocol::PROTOCOL_VERSION,
        config_file: config.file.as_ref().map(|p| p.display().to_string()),
        allowed_extensions: served.iter().map(|e| e.to_string()).collect(),
        extensions_error,
        modules,
        sm2_profiles,
        drivers: catalogue::probe_all(),
        tokens,
        tokens_error,
        registrations: register::registrations(user_data_dir),
    }
}

fn days_left(not_after: &str) -> Option<i64> {
    let end = OffsetDateTime::parse(not_after, &Rfc3339).ok()?;
    Some((end - OffsetDateTime::now_utc()).whole_days())
}

impl Report {
    /// The report in words.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "certrenew-host {} (protocol {})",
            self.host_version, self.protocol
        );
        let _ = writeln!(
            out,
            "configuration: {}",
            self.config_file
                .as_deref()
                .unwrap_or("built-in defaults (no configuration file)")
        );
        match &self.extensions_error {
            Some(err) => {
                let _ = writeln!(out, "allowed extensions: NONE: {err}");
            }
            None => {
                let _ = writeln!(
                    out,
                    "allowed extensions: {}",
                    self.allowed_extensions.join(", ")
                );
            }
        }
        let _ = writeln!(out, "\nPKCS#11 modules:");
        if self.modules.is_empty() {
            let _ = writeln!(
                out,
                "  none configured: set CERTRENEW_PKCS11_MODULES or install the token's driver"
            );
        }
        for m in &self.modules {
            match (&m.error, &m.description) {
                (Some(err), _) => {
                    let _ = writeln!(out, "  FAILED  {}: {err}", m.path);
                }
                (None, desc) => {
                    let _ = writeln!(
                        out,
                        "  ok      {} ({})",
                        m.path,
                        desc.as_deref().unwrap_or("-")
                    );
                }
            }
        }
        if !self.sm2_profiles.is_empty() {
            let _ = writeln!(out, "\nSM2 mechanism profiles (国密):");
        }
        for p in &self.sm2_profiles {
            let name = match &p.profile {
                Some(name) if p.token_hashes => format!("{name}, token hashes"),
                Some(name) => format!("{name}, host hashes"),
                None => "none".to_owned(),
            };
            let _ = writeln!(out, "  {}: {name} ({})", p.module, p.reason);
        }
        let _ = writeln!(out, "\nToken drivers (built-in list):");
        for d in &self.drivers {
            match (&d.found, d.documented()) {
                (Some(path), _) => {
                    let _ = writeln!(out, "  found    {} {}: {path}", d.vendor, d.product);
                }
                (None, true) => {
                    let _ = writeln!(
                        out,
                        "  missing  {} {} (looked in {})",
                        d.vendor,
                        d.product,
                        d.looked_in.join(", ")
                    );
                }
                (None, false) => {
                    let _ = writeln!(
                        out,
                        "  unknown  {} {}: no public source names its module file on this system; add it to host.toml",
                        d.vendor, d.product
                    );
                }
            }
        }
        let _ = writeln!(out, "\nTokens:");
        if let Some(err) = &self.tokens_error {
            let _ = writeln!(out, "  cannot list tokens: {err}");
        } else if self.tokens.is_empty() {
            let _ = writeln!(out, "  no token inserted");
        }
        for t in &self.tokens {
            let tok = &t.token;
            let mut flags = Vec::new();
            if tok.pin_pad {
                flags.push("PIN pad");
            }
            if tok.pin_locked {
                flags.push("PIN LOCKED");
            } else if tok.pin_final_try {
                flags.push("one PIN try left");
            } else if tok.pin_count_low {
                flags.push("wrong PIN entered before");
            }
            let _ = writeln!(
                out,
                "  {} (serial {}, {} {}){}",
                tok.label,
                tok.serial,
                tok.manufacturer,
                tok.model,
                if flags.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", flags.join(", "))
                }
            );
            if t.certificates.is_empty() {
                let _ = writeln!(out, "    no certificates");
            }
            for c in &t.certificates {
                let days = match c.days_left {
                    Some(d) if d < 0 => format!("expired {} days ago", -d),
                    Some(d) => format!("{d} days left"),
                    None => "unknown validity".to_owned(),
                };
                let _ = writeln!(out, "    {}", c.subject);
                let _ = writeln!(
                    out,
                    "      issuer {}; serial {}; until {} ({days}); key {}",
                    c.issuer,
                    c.serial,
                    c.not_after,
                    if c.has_private_key {
                        "present"
                    } else {
                        "not found"
                    }
                );
            }
        }
        let _ = writeln!(out, "\nBrowser registrations:");
        let present: Vec<_> = self.registrations.iter().filter(|r| r.present).collect();
        if present.is_empty() {
            let _ = writeln!(
                out,
                "  not registered with any browser: run `certrenew-host register`"
            );
        }
        for r in &self.registrations {
            if !r.present {
                continue;
            }
            let state = r.problem.as_deref().unwrap_or("ok");
            let _ = writeln!(
                out,
                "  {} ({}): {} — {state}",
                r.browser, r.scope, r.manifest_path
            );
        }
        out
    }
}
