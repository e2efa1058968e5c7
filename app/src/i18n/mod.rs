//! The one string catalogue: every text the app shows, in Chinese (the default) and
//! English. Each screen keeps its entries in its own file (`(key, zh, en)` rows), so a
//! missing translation is impossible by construction; `tests::every_key_used_exists`
//! proves that every `t("…")` in the sources names a row.

use std::collections::HashMap;
use std::sync::OnceLock;

use leptos::prelude::*;

mod admin;
mod admin_expired;
mod apply;
mod certificates;
mod common;
mod dual;
mod expired;
mod order;
mod pay;
mod revoke;
mod setup;

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

type Row = (&'static str, &'static str, &'static str);

fn tables() -> [&'static [Row]; 11] {
    [
        common::STRINGS,
        setup::STRINGS,
        certificates::STRINGS,
        apply::STRINGS,
        pay::STRINGS,
        order::STRINGS,
        admin::STRINGS,
        expired::STRINGS,
        admin_expired::STRINGS,
        revoke::STRINGS,
        dual::STRINGS,
    ]
}

fn catalogue() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static MAP: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    MAP.get_or_init(|| {
        tables()
            .iter()
            .flat_map(|t| t.iter())
            .map(|(k, zh, en)| (*k, (*zh, *en)))
            .collect()
    })
}

/// The text of `key` in `lang`; the key itself when it is missing (a test keeps that
/// from happening).
pub fn text(lang: Lang, key: &'static str) -> &'static str {
    lookup(lang, key).unwrap_or(key)
}

/// The text of a key made at run time (an error code's `err.CODE`), if there is one.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    catalogue().get(key).map(|(zh, en)| match lang {
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

    fn sources(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                if !path.ends_with("i18n") {
                    sources(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).expect("read source"));
            }
        }
    }

    /// Every `t("key")` / `tf("key"` / `text(lang, "key")` in the app names a row.
    #[test]
    fn every_key_used_exists() {
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut missing = Vec::new();
        for file in &files {
            for pattern in [".t(\"", ".tf(\"", "text(lang, \""] {
                for (i, _) in file.match_indices(pattern) {
                    let rest = &file[i + pattern.len()..];
                    let key = &rest[..rest.find('"').unwrap_or(0)];
                    if !catalogue().contains_key(key) {
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
}
