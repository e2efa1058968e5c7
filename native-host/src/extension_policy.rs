//! Which extensions a host build may serve. The development extension's signing key
//! is committed to the repository (`extension/dev-key.pem`), so anyone can sign an
//! extension with its id: a release build serves it only when development use is
//! switched on explicitly, and without a production id it refuses to serve at all.

use protocol::ids::ExtensionId;

/// The development extension's id (`extension/dev-extension-id.txt`).
pub const DEVELOPMENT_EXTENSION_ID: &str =
    include_str!("../../extension/dev-extension-id.txt").trim_ascii();

/// The environment switch that allows the development extension in a release build.
pub const ALLOW_DEVELOPMENT_ENV: &str = "CERTRENEW_ALLOW_DEVELOPMENT_EXTENSION";

/// Makes a debug build apply the release rules, so tests can exercise them; it can
/// only make a build stricter.
pub const ENFORCE_RELEASE_ENV: &str = "CERTRENEW_ENFORCE_RELEASE_POLICY";

/// How the binary was built, as far as trust goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildKind {
    /// A debug build: for development, trusts the development extension.
    Debug,
    /// A release build: what users download.
    Release,
}

impl BuildKind {
    /// This binary's kind, with [`ENFORCE_RELEASE_ENV`] honoured.
    pub fn current() -> Self {
        let enforce = std::env::var_os(ENFORCE_RELEASE_ENV).is_some_and(|v| is_truthy(&v));
        if cfg!(debug_assertions) && !enforce {
            Self::Debug
        } else {
            Self::Release
        }
    }
}

/// Whether an environment switch is on (`1`, `true`, `yes`).
pub fn is_truthy(value: &std::ffi::OsStr) -> bool {
    matches!(
        value.to_str().map(str::to_ascii_lowercase).as_deref(),
        Some("1" | "true" | "yes")
    )
}

/// The development extension's id, parsed.
pub fn development_id() -> Option<ExtensionId> {
    ExtensionId::parse(DEVELOPMENT_EXTENSION_ID).ok()
}

/// Why a build will not serve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A release build configured for the development extension only.
    #[error(
        "this release build of certrenew-host has no production extension id, only the development extension {dev}, whose signing key is public: build it with CERTRENEW_EXTENSION_ID=<production id>, or list the production id in allowed_extensions = [\"<id>\"] in {config}; for development only, set allow_development_extension = true there (or {ALLOW_DEVELOPMENT_ENV}=1)"
    )]
    NoProductionExtension {
        /// The development id.
        dev: String,
        /// The configuration file in use, or where one would be read.
        config: String,
    },
}

/// The extensions a build of `kind` serves out of the configured ones. The development
/// switch (`allow_development`) adds the development id; otherwise a release build
/// drops it, and refuses to serve when nothing is left.
pub fn effective_extensions(
    kind: BuildKind,
    configured: &[ExtensionId],
    allow_development: bool,
    config: &str,
) -> Result<Vec<ExtensionId>, PolicyError> {
    let dev = development_id();
    if allow_development {
        let mut ids = configured.to_vec();
        ids.extend(dev.filter(|d| !configured.contains(d)));
        return Ok(ids);
    }
    if kind == BuildKind::Debug {
        return Ok(configured.to_vec());
    }
    let kept: Vec<ExtensionId> = configured
        .iter()
        .filter(|id| Some(*id) != dev.as_ref())
        .cloned()
        .collect();
    if kept.is_empty() {
        return Err(PolicyError::NoProductionExtension {
            dev: DEVELOPMENT_EXTENSION_ID.to_owned(),
            config: config.to_owned(),
        });
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRODUCTION: &str = "abcdefghijklmnopabcdefghijklmnop";

    fn dev() -> ExtensionId {
        development_id().expect("the committed development id parses")
    }

    fn prod() -> ExtensionId {
        ExtensionId::parse(PRODUCTION).unwrap()
    }

    #[test]
    fn release_refuses_the_development_id_alone_and_says_what_to_set() {
        let err = effective_extensions(
            BuildKind::Release,
            &[dev()],
            false,
            "/etc/certrenew/host.toml",
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("CERTRENEW_EXTENSION_ID"), "{message}");
        assert!(message.contains("allowed_extensions"), "{message}");
        assert!(
            message.contains("allow_development_extension = true"),
            "{message}"
        );
        assert!(message.contains("/etc/certrenew/host.toml"), "{message}");
        assert!(effective_extensions(BuildKind::Release, &[], false, "x").is_err());
    }

    #[test]
    fn release_serves_a_production_id_and_drops_the_development_one() {
        assert_eq!(
            effective_extensions(BuildKind::Release, &[prod()], false, "x").unwrap(),
            [prod()]
        );
        assert_eq!(
            effective_extensions(BuildKind::Release, &[dev(), prod()], false, "x").unwrap(),
            [prod()]
        );
    }

    #[test]
    fn the_development_switch_and_debug_builds_keep_the_development_id() {
        assert_eq!(
            effective_extensions(BuildKind::Release, &[dev()], true, "x").unwrap(),
            [dev()]
        );
        // With a production id built in, the switch lets the development one in too.
        assert_eq!(
            effective_extensions(BuildKind::Release, &[prod()], true, "x").unwrap(),
            [prod(), dev()]
        );
        assert_eq!(
            effective_extensions(BuildKind::Debug, &[dev()], false, "x").unwrap(),
            [dev()]
        );
    }

    #[test]
    fn switches_read_common_spellings() {
        for on in ["1", "true", "TRUE", "yes"] {
            assert!(is_truthy(std::ffi::OsStr::new(on)), "{on}");
        }
        for off in ["", "0", "false", "no", "maybe"] {
            assert!(!is_truthy(std::ffi::OsStr::new(off)), "{off}");
        }
    }
}
