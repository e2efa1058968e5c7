//! The string catalogue: every text the app shows, in Chinese (the default) and
//! English. Each screen keeps its entries in its own file (`(key, zh, en)` rows), so a
//! missing translation is impossible by construction; `tests::every_key_used_exists`
//! proves that every `t("…")` in the sources names a row.
//!
//! Each bundle links only the areas its screens use ([`CERTIFICATES`], [`APPLY`], …,
//! given to [`crate::start`]), so a page does not download every other page's texts;
//! `tests::every_bundle_has_its_screens_texts` proves each bundle's list complete.

use std::sync::OnceLock;

use leptos::prelude::*;

mod admin;
mod admin_expired;
mod admin_reconcile;
mod apply;
mod certificates;
mod common;
mod dual;
mod expired;
mod order;
mod pay;
mod revoke;
mod setup;
mod support;

/// A displayed language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 中文 (default).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The code sent to the server (`lang`) and kept in local storage.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// From a stored code; anything else is Chinese.
    pub fn from_code(code: &str) -> Lang {
        if code == "en" { Lang::En } else { Lang::Zh }
    }
}

/// One text: `(key, 中文, English)`.
pub type Row = (&'static str, &'static str, &'static str);

/// The texts a bundle links: some of the areas below.
pub type Texts = &'static [&'static [Row]];

/// `/`: my certificates, a platform's entry.
pub const CERTIFICATES: Texts = &[common::STRINGS, certificates::STRINGS, dual::CUSTOMER];
/// `/setup`: the environment check, the host downloads.
pub const SETUP: Texts = &[common::STRINGS, setup::STRINGS, support::STRINGS];
/// `/apply`.
pub const APPLY: Texts = &[
    common::STRINGS,
    apply::STRINGS,
    apply::FORM,
    apply::LABELS,
    revoke::OLD_CERTIFICATE,
];
/// `/renewals/{no}`: the order's overview, progress, outcomes, sign-in.
pub const RENEWALS: Texts = &[
    common::STRINGS,
    order::STRINGS,
    order::PROGRESS,
    order::SIGN_IN,
    pay::PAID,
    pay::INVOICE,
    revoke::STRINGS,
    dual::STRINGS,
];
/// `/renewals/{no}/pay`: the order's pay form.
pub const RENEWALS_PAY: Texts = &[
    common::STRINGS,
    order::STRINGS,
    pay::STRINGS,
    pay::PAID,
    pay::INVOICE,
    dual::STRINGS,
];
/// `/renewals/{no}/paying`: an attempt under way, a declared transfer, the attempts.
pub const RENEWALS_PAYING: Texts = &[
    common::STRINGS,
    order::STRINGS,
    pay::STRINGS,
    pay::UNDER_WAY,
    // pages/pay.rs' already-paid notice is the pay form's; named for the i18n test.
    pay::PAID,
    pay::INVOICE,
    dual::STRINGS,
];
/// `/renewals/{no}/install`: the order's install panel.
pub const RENEWALS_INSTALL: Texts = &[
    common::STRINGS,
    order::STRINGS,
    order::INSTALL,
    pay::INVOICE,
    dual::STRINGS,
];
/// `/admin`: the staff console's queue and audit trail.
pub const ADMIN: Texts = &[
    common::STRINGS,
    admin::CONSOLE,
    admin::QUEUE,
    revoke::COMPROMISE,
];
/// `/admin/expired`: the expired path's applications in the console.
pub const ADMIN_EXPIRED: Texts = &[common::STRINGS, admin::CONSOLE, admin_expired::LIST];
/// `/admin/reconciliation`: finance's reconciliation differences.
pub const ADMIN_RECONCILIATION: Texts =
    &[common::STRINGS, admin::CONSOLE, admin_reconcile::STRINGS];
/// `/admin/renewals/{no}`: one renewal in the console (its other pages' texts are theirs).
pub const ADMIN_RENEWAL: Texts = &[
    common::STRINGS,
    admin::CONSOLE,
    admin::QUEUE,
    admin::STRINGS,
];
/// `/admin/renewals/{no}/history`: a renewal's timeline and audit rows.
pub const ADMIN_RENEWAL_HISTORY: Texts = &[
    common::STRINGS,
    admin::CONSOLE,
    admin::QUEUE,
    admin::STRINGS,
];
/// `/admin/renewals/{no}/finance`: a renewal's payments, invoice and refund.
pub const ADMIN_RENEWAL_FINANCE: Texts = &[common::STRINGS, admin::CONSOLE, admin::STRINGS];
/// `/admin/renewals/{no}/certificate`: revoking a renewal's certificate, key recovery.
pub const ADMIN_RENEWAL_CERTIFICATE: Texts = &[
    common::STRINGS,
    admin::CONSOLE,
    admin::STRINGS,
    revoke::ADMIN,
    dual::STRINGS,
    dual::CONSOLE,
    dual::CUSTOMER,
];
/// `/admin/renewals/{no}/expired`: what the expired path adds to a renewal.
pub const ADMIN_RENEWAL_EXPIRED: Texts = &[
    common::STRINGS,
    admin::CONSOLE,
    admin::STRINGS,
    admin_expired::LIST,
    admin_expired::SECTION,
];
/// `/expired`: the expired-certificate path's sign-in and certificate.
pub const EXPIRED: Texts = &[
    common::STRINGS,
    expired::STRINGS,
    expired::LIST,
    apply::STRINGS,
    apply::FORM,
    apply::LABELS,
    support::STRINGS,
];
/// `/expired/{no}`: one expired-path application, but for its details and its form.
pub const EXPIRED_APPLICATION: Texts = &[common::STRINGS, expired::STRINGS, apply::LABELS];
/// `/expired/{no}/form`: an expired-path application's form to print, sign and upload.
pub const EXPIRED_FORM: Texts = &[
    common::STRINGS,
    expired::STRINGS,
    expired::FORM,
    apply::LABELS,
];
/// `/expired/{no}/details`: an expired-path application's details.
pub const EXPIRED_DETAILS: Texts = &[
    common::STRINGS,
    expired::STRINGS,
    expired::DETAILS,
    apply::FORM,
    apply::LABELS,
    pay::INVOICE,
];

/// Every area (the tests').
#[cfg(test)]
const ALL: Texts = &[
    common::STRINGS,
    setup::STRINGS,
    support::STRINGS,
    certificates::STRINGS,
    apply::STRINGS,
    apply::FORM,
    apply::LABELS,
    pay::STRINGS,
    pay::UNDER_WAY,
    pay::PAID,
    order::STRINGS,
    order::PROGRESS,
    order::SIGN_IN,
    order::INSTALL,
    admin::CONSOLE,
    admin::QUEUE,
    admin::STRINGS,
    expired::STRINGS,
    expired::LIST,
    expired::DETAILS,
    expired::FORM,
    admin_expired::LIST,
    admin_expired::SECTION,
    admin_reconcile::STRINGS,
    revoke::STRINGS,
    dual::CUSTOMER,
    revoke::OLD_CERTIFICATE,
    revoke::ADMIN,
    revoke::COMPROMISE,
    pay::INVOICE,
    dual::STRINGS,
    dual::CONSOLE,
];

static INSTALLED: OnceLock<Texts> = OnceLock::new();

/// Makes `texts` the catalogue; the first call wins (a bundle calls it once, at start).
pub fn install(texts: Texts) {
    let _ = INSTALLED.set(texts);
}

#[cfg(not(test))]
fn tables() -> Texts {
    INSTALLED.get().copied().unwrap_or(&[])
}

#[cfg(test)]
fn tables() -> Texts {
    ALL
}

/// The row of `key`. A scan of the bundle's rows, not a hash map: a few hundred rows,
/// and the map's hashing and table code cost more wasm than the scan costs time
/// (issue 16).
fn row(key: &str) -> Option<&'static Row> {
    tables().iter().flat_map(|t| t.iter()).find(|r| r.0 == key)
}

/// The text of `key` in `lang`; the key itself when it is missing (a test keeps that
/// from happening).
pub fn text(lang: Lang, key: &'static str) -> &'static str {
    lookup(lang, key).unwrap_or(key)
}

/// The text of a key made at run time (an error code's `err.CODE`), if there is one.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    row(key).map(|(_, zh, en)| match lang {
        Lang::Zh => *zh,
        Lang::En => *en,
    })
}

/// The language switch, shared by every component through the context.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    /// The language shown.
    pub lang: RwSignal<Lang>,
}

impl I18n {
    /// The text of `key` in the current language (reactive when read inside a view).
    pub fn t(self, key: &'static str) -> &'static str {
        text(self.lang.get(), key)
    }

    /// `t(key)` as a view's text or attribute, following the language. Every key shares
    /// this one closure type (the key is its data), so a view's texts do not each link a
    /// closure and its call shims into the wasm (issue 16).
    pub fn text(
        self,
        key: &'static str,
    ) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || self.t(key)
    }

    /// `t(key)` with `{name}` placeholders replaced, in order of `args`.
    pub fn tf(self, key: &'static str, args: &[(&str, &str)]) -> String {
        let mut s = self.t(key).to_owned();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }

    /// The current language.
    pub fn lang(self) -> Lang {
        self.lang.get()
    }
}

/// The language switch of the page.
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashSet;
    use std::path::Path;

    use super::*;

    /// Fails when `key` is not in the Chinese catalogue (for the mapping tests).
    pub(crate) fn exists(key: &str) {
        assert!(
            lookup(Lang::Zh, key).is_some(),
            "{key} is not in the catalogue"
        );
    }

    #[test]
    fn keys_are_unique_and_every_text_is_filled() {
        let mut seen = HashSet::new();
        for (key, zh, en) in tables().iter().flat_map(|t| t.iter()) {
            assert!(seen.insert(*key), "duplicate key {key}");
            assert!(!zh.trim().is_empty(), "{key}: empty Chinese text");
            assert!(!en.trim().is_empty(), "{key}: empty English text");
        }
    }

    /// The app's sources but the catalogue's: (path under `src/`, text).
    fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                if !path.ends_with("i18n") {
                    sources(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
                let name = path.strip_prefix(&src).expect("under src");
                let text = std::fs::read_to_string(&path).expect("read source");
                out.push((name.to_string_lossy().replace('\\', "/"), text));
            }
        }
    }

    /// Every `t("key")` / `tf("key"` / `text("key")` / `text(lang, "key")` in the app
    /// names a row.
    #[test]
    fn every_key_used_exists() {
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut missing = Vec::new();
        for (_, file) in &files {
            for pattern in [".t(\"", ".tf(\"", ".text(\"", "text(lang, \""] {
                for (i, _) in file.match_indices(pattern) {
                    let rest = &file[i + pattern.len()..];
                    let key = &rest[..rest.find('"').unwrap_or(0)];
                    if row(key).is_none() {
                        missing.push(key.to_owned());
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys used but not in the catalogue: {missing:?}"
        );
    }

    /// Which sources each bundle's screens are made of (prefixes under `src/`), besides
    /// the shared ones (everything outside `pages/` and `admin/`).
    const BUNDLES: [(&str, Texts, &[&str]); 19] = [
        (
            "/",
            CERTIFICATES,
            &["pages/certificates", "pages/renew_entry.rs"],
        ),
        ("/setup", SETUP, &["pages/setup", "pages/support.rs"]),
        ("/apply", APPLY, &["pages/apply"]),
        (
            "/renewals",
            RENEWALS,
            &["pages/order", "pages/progress", "pages/apply/ui.rs"],
        ),
        (
            "/renewals/{no}/pay",
            RENEWALS_PAY,
            &[
                "pages/order.rs",
                "pages/order/summary.rs",
                "pages/order/poll.rs",
                "pages/progress/steps.rs",
                "pages/pay.rs",
                "pages/pay/form.rs",
                "pages/pay/cancel.rs",
                "pages/pay/logic.rs",
                "pages/pay/state.rs",
            ],
        ),
        (
            "/renewals/{no}/paying",
            RENEWALS_PAYING,
            &[
                "pages/order.rs",
                "pages/order/summary.rs",
                "pages/order/poll.rs",
                "pages/progress/steps.rs",
                "pages/pay",
            ],
        ),
        (
            "/renewals/{no}/install",
            RENEWALS_INSTALL,
            &[
                "pages/order.rs",
                "pages/order/summary.rs",
                "pages/order/poll.rs",
                "pages/progress/steps.rs",
                "pages/install",
            ],
        ),
        (
            "/admin",
            ADMIN,
            &[
                "admin/mod.rs",
                "admin/queue.rs",
                "admin/query.rs",
                "admin/audit.rs",
                "admin/audit_words.rs",
                "admin/compromise_reports.rs",
            ],
        ),
        (
            "/admin/expired",
            ADMIN_EXPIRED,
            &[
                "admin/expired.rs",
                "admin/expired_labels.rs",
                "admin/query.rs",
            ],
        ),
        (
            "/admin/reconciliation",
            ADMIN_RECONCILIATION,
            &["admin/reconcile.rs"],
        ),
        (
            "/admin/renewals",
            ADMIN_RENEWAL,
            &[
                "admin/detail.rs",
                "admin/renewal_pages.rs",
                "admin/actions.rs",
                "admin/review.rs",
                "admin/rules.rs",
                "admin/renewal_labels.rs",
                "admin/queue.rs",
                "admin/query.rs",
            ],
        ),
        (
            "/admin/renewals/{no}/history",
            ADMIN_RENEWAL_HISTORY,
            &[
                "admin/renewal_pages.rs",
                "admin/history.rs",
                "admin/actions.rs",
                "admin/audit.rs",
                "admin/audit_words.rs",
            ],
        ),
        (
            "/admin/renewals/{no}/finance",
            ADMIN_RENEWAL_FINANCE,
            &[
                "admin/renewal_pages.rs",
                "admin/actions.rs",
                "admin/finance.rs",
                "admin/rules.rs",
                "admin/renewal_labels.rs",
            ],
        ),
        (
            "/admin/renewals/{no}/certificate",
            ADMIN_RENEWAL_CERTIFICATE,
            &[
                "admin/renewal_pages.rs",
                "admin/actions.rs",
                "admin/revoke.rs",
                "admin/pair.rs",
            ],
        ),
        (
            "/admin/renewals/{no}/expired",
            ADMIN_RENEWAL_EXPIRED,
            &[
                "admin/renewal_pages.rs",
                "admin/actions.rs",
                "admin/expired_detail.rs",
                "admin/expired_labels.rs",
                "admin/renewal_labels.rs",
                "admin/query.rs",
            ],
        ),
        (
            "/expired",
            EXPIRED,
            &[
                "pages/expired/mod.rs",
                "pages/expired/login.rs",
                "pages/expired/start.rs",
                "pages/expired/model.rs",
                "pages/expired/ui.rs",
                "pages/apply/fields.rs",
                "pages/apply/ui.rs",
                "pages/support.rs",
            ],
        ),
        (
            "/expired/{no}",
            EXPIRED_APPLICATION,
            &[
                "pages/expired/mod.rs",
                "pages/expired/wizard.rs",
                "pages/expired/login.rs",
                "pages/expired/bank.rs",
                "pages/expired/identity.rs",
                "pages/expired/submit.rs",
                "pages/expired/model.rs",
                "pages/expired/ui.rs",
                // Not pages/apply/fields.rs: of it, this bundle links only the reader of
                // field errors (`server_errors`), not the form's words of its rules.
                "pages/apply/ui.rs",
            ],
        ),
        (
            "/expired/{no}/form",
            EXPIRED_FORM,
            &[
                "pages/expired/mod.rs",
                "pages/expired/wizard.rs",
                "pages/expired/form.rs",
                "pages/expired/model.rs",
                "pages/expired/ui.rs",
                "pages/apply/ui.rs",
            ],
        ),
        (
            "/expired/{no}/details",
            EXPIRED_DETAILS,
            &[
                "pages/expired/mod.rs",
                "pages/expired/wizard.rs",
                "pages/expired/details.rs",
                "pages/expired/model.rs",
                "pages/expired/ui.rs",
                "pages/apply/fields.rs",
                "pages/apply/ui.rs",
            ],
        ),
    ];

    /// What every console bundle's screens are made of besides their own: the staff
    /// session and sign-in, the lists' shared controls, the labels every page shows.
    const CONSOLE_FILES: [&str; 6] = [
        "admin/session.rs",
        "admin/login.rs",
        "admin/staff.rs",
        "admin/ui.rs",
        "admin/labels.rs",
        "admin/model.rs",
    ];

    /// Keys looked up by a prefix made at run time, and the texts they need; an
    /// `err.` code raised only by one bundle's own screens is that bundle's.
    const PREFIXES: [&str; 4] = ["err.", "apply.rule.", "pay.rule.", "expired.rule."];
    const OWN_ERRORS: [(&str, &str); 1] = [("err.NO_FILE", "/expired/{no}")];

    /// Each bundle's catalogue has every text its sources name (any string literal that
    /// is a key), and every text of a run-time prefix they look up.
    #[test]
    fn every_bundle_has_its_screens_texts() {
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let all: HashSet<&str> = ALL.iter().flat_map(|t| t.iter()).map(|r| r.0).collect();
        let mut missing = Vec::new();
        for (bundle, texts, own) in BUNDLES {
            let has: HashSet<&str> = texts.iter().flat_map(|t| t.iter()).map(|r| r.0).collect();
            let shared = |p: &str| {
                (!p.starts_with("pages/") && !p.starts_with("admin/"))
                    || (bundle.starts_with("/admin") && CONSOLE_FILES.contains(&p))
            };
            for (path, file) in &files {
                if !shared(path) && !own.iter().any(|o| path.starts_with(o)) {
                    continue;
                }
                for literal in file.split('"').skip(1).step_by(2) {
                    if all.contains(literal) && !has.contains(literal) {
                        missing.push(format!("{bundle}: {literal} ({path})"));
                    }
                }
                for prefix in PREFIXES {
                    if !file.contains(&format!("\"{prefix}{{")) {
                        continue;
                    }
                    for key in all.iter().filter(|k| k.starts_with(prefix)) {
                        let elsewhere = OWN_ERRORS.iter().any(|(k, b)| k == key && *b != bundle);
                        if !has.contains(key) && !elsewhere {
                            missing.push(format!("{bundle}: {key} ({path}, {prefix}…)"));
                        }
                    }
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "texts missing from a bundle: {missing:#?}"
        );
    }
}
