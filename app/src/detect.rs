//! The environment check shared by "my certificates" and the setup page: is the
//! extension there and new enough, does it reach the host, is the host new enough, did
//! a PKCS#11 module load, is a USB key inserted. It gathers every fact it can on the
//! way (for the diagnostics report) and names the first problem in the order the user
//! has to fix them.

use protocol::ErrorCode;
use std::cmp::Ordering;

use crate::resource::Resource;
use leptos::prelude::*;

use crate::bridge;
use crate::error::AppError;
use crate::models::{Listing, Module, Project};
use crate::state::use_app_state;

/// How long to wait for the extension's content script to announce itself: a little
/// more than the page library's 1 s ack timeout, for a slow first page load.
const EXTENSION_WAIT_MS: u32 = 1500;

/// What stands between the user and their certificates, in the order it must be fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Everything works and at least one USB key is inserted.
    Ok,
    /// The extension did not announce itself on this page.
    NoExtension,
    /// The extension is older than the project allows, or the host speaks a newer
    /// protocol than the extension.
    OldExtension,
    /// The extension could not start the host (not installed or not registered).
    NoHost,
    /// The host is older than the project (or the extension) allows.
    OldHost,
    /// No PKCS#11 module (the USB key maker's driver) could be loaded.
    NoModule,
    /// Everything works but no USB key is inserted.
    NoToken,
}

impl Problem {
    /// The value of `#setup[data-problem]` (the end-to-end tests' hook).
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Ok => "ok",
            Problem::NoExtension => "no_extension",
            Problem::OldExtension => "old_extension",
            Problem::NoHost => "no_host",
            Problem::OldHost => "old_host",
            Problem::NoModule => "no_module",
            Problem::NoToken => "no_token",
        }
    }

    /// Problems only the setup page can help with (the certificate list cannot show
    /// anything useful until they are fixed).
    pub fn needs_setup(self) -> bool {
        !matches!(self, Problem::Ok | Problem::NoToken)
    }
}

/// The project's oldest allowed client versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minimums {
    /// `min_extension_version`.
    pub extension: String,
    /// `min_host_version`.
    pub host: String,
}

/// Everything the check learned, for the diagnostics report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// The extension's version, when it announced itself.
    pub extension_version: Option<String>,
    /// The host's version (from `hello`, or from a VERSION_MISMATCH's details).
    pub host_version: Option<String>,
    /// The host's protocol major version.
    pub protocol: Option<u32>,
    /// The PKCS#11 modules the host tried.
    pub modules: Vec<Module>,
    /// Vendors whose USB key the host sees plugged in without their driver.
    pub missing_drivers: Vec<protocol::host::MissingDriver>,
    /// How many USB keys were listed.
    pub tokens: Option<usize>,
    /// The project's minimums (`None` when the projects could not be read).
    pub minimums: Option<Minimums>,
    /// The failure behind the problem, or an unexpected one (shown as it is).
    pub error: Option<AppError>,
    /// When the check ended (RFC 3339, the browser's clock).
    pub checked_at: Option<String>,
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The first thing to fix.
    pub problem: Problem,
    /// What was found.
    pub facts: Facts,
    /// The USB keys and their certificates, when they could be listed.
    pub listing: Option<Listing>,
}

/// Compares dotted numeric versions part by part ("0.10.0" > "0.9.1"); missing parts
/// count as 0 and a pre-release or build suffix (`-rc1`, `+git`) is ignored, as the
/// extension's own comparison does.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |v: &str| -> Vec<u64> {
        let core = v.trim().split(['-', '+']).next().unwrap_or_default();
        core.split('.')
            .map(|p| p.trim().parse::<u64>().unwrap_or(0))
            .collect()
    };
    let (pa, pb) = (parts(a), parts(b));
    for i in 0..pa.len().max(pb.len()) {
        let ord = pa.get(i).unwrap_or(&0).cmp(pb.get(i).unwrap_or(&0));
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Whether `found` is at least `minimum`.
pub fn at_least(found: &str, minimum: &str) -> bool {
    compare_versions(found, minimum) != Ordering::Less
}

/// The problem a failed `hello` stands for. VERSION_MISMATCH names the component to
/// update in `details.component` (the extension when the host is newer).
pub fn hello_problem(err: &AppError) -> Problem {
    match err.code.known() {
        Some(ErrorCode::VersionMismatch) if err.detail("component") == Some("extension") => {
            Problem::OldExtension
        }
        Some(ErrorCode::VersionMismatch) => Problem::OldHost,
        Some(ErrorCode::ExtensionUnavailable) => Problem::NoExtension,
        // HOST_UNAVAILABLE, and anything else that kept the host from answering.
        _ => Problem::NoHost,
    }
}

/// The check as a page uses it: started once the project is known (its minimums),
/// again on [`Checker::rerun`].
#[derive(Clone, Copy)]
pub struct Checker {
    result: Resource<Option<Check>>,
    busy: RwSignal<bool>,
}

impl Checker {
    /// Starts the check for the project in force (or without minimums when the
    /// projects cannot be read: the environment is worth checking anyway).
    pub fn new() -> Self {
        let state = use_app_state();
        let busy = RwSignal::new(true);
        let result = Resource::new(move || {
            let project = state.project();
            async move {
                let minimums = match project? {
                    Ok(p) => Some(Minimums::of(&p)),
                    Err(_) => None,
                };
                busy.set(true);
                let check = run(minimums).await;
                busy.set(false);
                Some(check)
            }
        });
        Checker { result, busy }
    }

    /// The latest finished check (kept while a new one runs).
    pub fn get(&self) -> Option<Check> {
        self.result.get().flatten()
    }

    /// Whether a check is under way.
    pub fn busy(&self) -> bool {
        self.busy.get()
    }

    /// Checks again ("重新检测", "刷新").
    pub fn rerun(&self) {
        self.busy.set(true);
        self.result.refetch();
    }
}

impl Default for Checker {
    fn default() -> Self {
        Self::new()
    }
}

impl Minimums {
    /// The project's minimums.
    pub fn of(project: &Project) -> Self {
        Minimums {
            extension: project.min_extension_version.clone(),
            host: project.min_host_version.clone(),
        }
    }
}

fn now_rfc3339() -> Option<String> {
    js_sys::Date::new_0().to_iso_string().as_string()
}

/// Runs the check: extension, host, modules, USB keys. Never fails: every failure is a
/// problem with its error in the facts.
pub async fn run(minimums: Option<Minimums>) -> Check {
    let mut check = gather(minimums).await;
    check.facts.checked_at = now_rfc3339();
    check
}

async fn gather(minimums: Option<Minimums>) -> Check {
    let mut facts = Facts {
        minimums: minimums.clone(),
        ..Facts::default()
    };
    let done = |problem, facts| Check {
        problem,
        facts,
        listing: None,
    };

    match bridge::extension_version(EXTENSION_WAIT_MS).await {
        Ok(v) => facts.extension_version = Some(v),
        Err(e) => {
            facts.error = Some(e);
            return done(Problem::NoExtension, facts);
        }
    }
    // An old extension is reported first, but the host is still asked for the report.
    let old_extension = match (&facts.extension_version, &minimums) {
        (Some(v), Some(m)) => !at_least(v, &m.extension),
        _ => false,
    };

    let hello = match bridge::hello().await {
        Ok(h) => h,
        Err(e) => {
            if let Some(found) = e.detail("found") {
                facts.host_version = Some(found.to_owned());
            }
            facts.protocol = e
                .details
                .get("protocol")
                .and_then(|p| p.as_u64())
                .map(|p| p as u32);
            let problem = if old_extension {
                Problem::OldExtension
            } else {
                hello_problem(&e)
            };
            facts.error = Some(e);
            return done(problem, facts);
        }
    };
    facts.host_version = Some(hello.host_version.clone());
    facts.protocol = Some(hello.protocol);
    facts.modules = hello.modules.clone();
    facts.missing_drivers = hello.missing_drivers.clone();
    if old_extension {
        return done(Problem::OldExtension, facts);
    }
    if let Some(m) = &minimums
        && !at_least(&hello.host_version, &m.host)
    {
        return done(Problem::OldHost, facts);
    }
    // Modules that all failed to load: nothing to list. An empty list is left to the
    // listing itself, which answers NO_MODULE when there really is none.
    if !hello.modules.is_empty() && !hello.modules.iter().any(|m| m.loaded) {
        return done(Problem::NoModule, facts);
    }

    match bridge::list_certificates().await {
        Ok(listing) => {
            facts.tokens = Some(listing.tokens.len());
            let problem = if listing.tokens.is_empty() {
                Problem::NoToken
            } else {
                Problem::Ok
            };
            Check {
                problem,
                facts,
                listing: Some(listing),
            }
        }
        Err(e) => {
            let problem = match e.code.known() {
                Some(ErrorCode::NoModule) => Problem::NoModule,
                Some(ErrorCode::TokenRemoved | ErrorCode::TokenNotFound) => Problem::NoToken,
                Some(ErrorCode::HostUnavailable) => Problem::NoHost,
                Some(ErrorCode::ExtensionUnavailable) => Problem::NoExtension,
                // A failure while reading a key: the environment is fine, the page
                // shows the error and a way to try again.
                _ => Problem::Ok,
            };
            facts.error = Some(e);
            done(problem, facts)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn versions_compare_numerically_part_by_part() {
        let cases = [
            ("0.10.0", "0.9.1", Ordering::Greater),
            ("0.9.1", "0.10.0", Ordering::Less),
            ("1.0.0", "1.0.0", Ordering::Equal),
            ("1.0", "1.0.0", Ordering::Equal),
            ("1.0.1", "1.0", Ordering::Greater),
            ("2", "1.99.99", Ordering::Greater),
            ("0.1.0-rc1", "0.1.0", Ordering::Equal),
            ("0.2.0+git", "0.1.9", Ordering::Greater),
            (" 1.2.3 ", "1.2.3", Ordering::Equal),
            ("1.x.0", "1.0.0", Ordering::Equal),
            ("", "0.0.0", Ordering::Equal),
            ("4.6.6", "4.6.10", Ordering::Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_versions(a, b), want, "{a} vs {b}");
        }
        assert!(at_least("0.10.0", "0.9.1"));
        assert!(at_least("0.1.0", "0.1.0"));
        assert!(!at_least("0.0.9", "0.1.0"));
    }

    #[test]
    fn hello_failures_name_what_to_fix() {
        let err = |code: ErrorCode, details| AppError {
            code: code.into(),
            message: String::new(),
            details,
        };
        assert_eq!(
            hello_problem(&err(ErrorCode::HostUnavailable, json!(null))),
            Problem::NoHost
        );
        assert_eq!(
            hello_problem(&err(
                ErrorCode::VersionMismatch,
                json!({"component": "host"})
            )),
            Problem::OldHost
        );
        assert_eq!(
            hello_problem(&err(
                ErrorCode::VersionMismatch,
                json!({"component": "extension"})
            )),
            Problem::OldExtension
        );
        assert_eq!(
            hello_problem(&err(ErrorCode::VersionMismatch, json!(null))),
            Problem::OldHost
        );
        assert_eq!(
            hello_problem(&err(ErrorCode::ExtensionUnavailable, json!(null))),
            Problem::NoExtension
        );
        assert_eq!(
            hello_problem(&err(ErrorCode::Internal, json!(null))),
            Problem::NoHost
        );
    }

    #[test]
    fn hook_values_and_redirects() {
        let all = [
            Problem::Ok,
            Problem::NoExtension,
            Problem::OldExtension,
            Problem::NoHost,
            Problem::OldHost,
            Problem::NoModule,
            Problem::NoToken,
        ];
        let names: Vec<_> = all.iter().map(|p| p.as_str()).collect();
        assert_eq!(
            names,
            [
                "ok",
                "no_extension",
                "old_extension",
                "no_host",
                "old_host",
                "no_module",
                "no_token"
            ]
        );
        let to_setup: Vec<_> = all
            .iter()
            .filter(|p| p.needs_setup())
            .map(|p| p.as_str())
            .collect();
        assert_eq!(
            to_setup,
            [
                "no_extension",
                "old_extension",
                "no_host",
                "old_host",
                "no_module"
            ]
        );
    }
}
