//! The server's configuration: a TOML file (`CERTRENEW_CONFIG`) overlaid by the
//! environment variables operators and tests rely on. With nothing set, the server
//! runs for development: SQLite under `./data`, a development CA created on first
//! start, the sandbox's emulated payment gateways, notifications written to the log.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use protocol::ids::WebOrigin;
use serde::Deserialize;

use crate::client_addr::TrustedProxies;
use crate::projects::Project;

pub mod production;

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("the configuration file {path} is not valid: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A value is not valid.
    #[error("{name} is not valid: {message}")]
    Value {
        /// The setting.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Where the CA key lives.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CaKeyConfig {
    /// A PEM key file and certificate (default: `<data>/ca/ca.key`, `<data>/ca/ca.pem`).
    Pem {
        /// The key file.
        key: Option<PathBuf>,
        /// The certificate file.
        cert: Option<PathBuf>,
    },
    /// A key on a PKCS#11 HSM.
    Pkcs11 {
        /// The module.
        module: PathBuf,
        /// The token's label.
        token: String,
        /// The key's label.
        key_label: String,
        /// The PIN; better given in `CERTRENEW_CA_PIN`.
        pin: Option<String>,
        /// The CA certificate file.
        cert: Option<PathBuf>,
    },
}

/// How to send e-mail.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// `none`, `starttls` or `tls`.
    #[serde(default = "default_tls")]
    pub tls: String,
    /// Sender address.
    pub from: String,
    /// Login name.
    pub username: Option<String>,
    /// Password; better given in `CERTRENEW_SMTP_PASSWORD`.
    pub password: Option<String>,
}

fn default_tls() -> String {
    "starttls".into()
}

/// How to send notifications. Unset channels are written to the log only.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// E-mail.
    pub smtp: Option<SmtpConfig>,
    /// An HTTP endpoint that sends SMS: POST `{"to","text"}`.
    pub sms_webhook: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    public_origin: Option<String>,
    database_url: Option<String>,
    ca: Option<CaKeyConfig>,
    kmc: Option<crate::kmc::KmcConfig>,
    sandbox: Option<bool>,
    notify: Option<NotifyConfig>,
    dist_dir: Option<PathBuf>,
    projects: Option<Vec<Project>>,
    unpaid_days: Option<u32>,
    extension_dir: Option<PathBuf>,
    reminder_days: Option<Vec<u32>>,
    webhook_retry_seconds: Option<Vec<u64>>,
    hash_workers: Option<usize>,
    hash_wait_ms: Option<u64>,
    trusted_proxies: Option<Vec<String>>,
}

/// Expiry reminders go out this many days before notAfter, by default.
pub const DEFAULT_REMINDER_DAYS: [u32; 3] = [90, 30, 7];

/// The waits between a failed callback and the next try, by default: nine tries over
/// about three days.
pub const DEFAULT_WEBHOOK_RETRY_SECONDS: [u64; 8] =
    [10, 60, 300, 1_800, 7_200, 21_600, 43_200, 86_400];

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the SQLite file, the development CA and uploads live.
    pub data_dir: PathBuf,
    /// The origin signatures are bound to (what users see in the address bar).
    pub public_origin: WebOrigin,
    /// `sqlite:…` or `postgres:…`.
    pub database_url: String,
    /// The CA key.
    pub ca: CaKeyConfig,
    /// The KMC's master key (docs/kmc.md).
    pub kmc: crate::kmc::KmcConfig,
    /// Whether the development payment gateway is served.
    pub sandbox: bool,
    /// Notification channels.
    pub notify: NotifyConfig,
    /// The built web app, served at `/`.
    pub dist_dir: Option<PathBuf>,
    /// The relying platforms served.
    pub projects: Vec<Project>,
    /// Days after which an unpaid application expires.
    pub unpaid_days: u32,
    /// The signed extension packages (`certrenew-X.Y.Z.crx`) served with their update
    /// manifest at `/extension/` (default `<data_dir>/extension`; docs/extension-updates.md).
    pub extension_dir: Option<PathBuf>,
    /// Days before notAfter at which the operator is reminded, largest first; empty:
    /// no reminders.
    pub reminder_days: Vec<u32>,
    /// Seconds to wait after each failed callback; one try more than there are waits.
    pub webhook_retry_seconds: Vec<u64>,
    /// Staff passwords checked at once (argon2, about 19 MiB each); default: one per core.
    pub hash_workers: usize,
    /// How long a staff sign-in waits for a free hashing worker before 503, ms.
    pub hash_wait_ms: u64,
    /// The key that anchors the audit chain's head (`CERTRENEW_AUDIT_KEY`, environment
    /// only: it must not live in the database or beside it).
    pub audit_key: Option<crate::projects::Secret>,
    /// Reverse proxies whose `X-Forwarded-For`/`X-Real-IP` name the client.
    pub trusted_proxies: TrustedProxies,
}

impl Config {
    /// Reads `CERTRENEW_CONFIG` (if set) and the environment.
    pub fn load() -> Result<Self, ConfigError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let file = match env("CERTRENEW_CONFIG") {
            Some(path) => read_file(Path::new(&path))?,
            None => FileConfig::default(),
        };
        Self::assemble(file, env)
    }

    fn assemble(
        file: FileConfig,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let listen = match env("CERTRENEW_LISTEN") {
            Some(v) => v.parse().map_err(|e| ConfigError::Value {
                name: "CERTRENEW_LISTEN",
                message: format!("{v:?}: {e}"),
            })?,
            None => file
                .listen
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
        };
        let data_dir = env("CERTRENEW_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let origin = env("CERTRENEW_PUBLIC_ORIGIN")
            .or(file.public_origin)
            .unwrap_or_else(|| format!("http://{listen}"));
        let public_origin = WebOrigin::parse(&origin).map_err(|e| ConfigError::Value {
            name: "CERTRENEW_PUBLIC_ORIGIN",
            message: e.to_string(),
        })?;
        let database_url = env("DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| {
                format!(
                    "sqlite://{}?mode=rwc",
                    data_dir.join("certrenew.db").display()
                )
            });
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres:")
            || database_url.starts_with("postgresql:"))
        {
            return Err(ConfigError::Value {
                name: "DATABASE_URL",
                message: "must start with sqlite: or postgres:".into(),
            });
        }
        let mut ca = file.ca.unwrap_or(CaKeyConfig::Pem {
            key: None,
            cert: None,
        });
        if let (CaKeyConfig::Pkcs11 { pin, .. }, Some(env_pin)) = (&mut ca, env("CERTRENEW_CA_PIN"))
        {
            *pin = Some(env_pin);
        }
        let mut kmc = file.kmc.unwrap_or_default();
        if let (crate::kmc::KmcConfig::Pkcs11 { pin, .. }, Some(env_pin)) =
            (&mut kmc, env("CERTRENEW_KMC_PIN"))
        {
            *pin = Some(env_pin);
        }
        let mut notify = file.notify.unwrap_or_default();
        if let (Some(smtp), Some(password)) = (&mut notify.smtp, env("CERTRENEW_SMTP_PASSWORD")) {
            smtp.password = Some(password);
        }
        let sandbox = match env("CERTRENEW_SANDBOX") {
            Some(v) => v == "1" || v == "true",
            // The sandbox lets anyone mark an order paid: on by default only for a
            // plain-http development origin, never silently on a public https one.
            None => file.sandbox.unwrap_or(public_origin.is_development()),
        };
        let extension_dir = env("CERTRENEW_EXTENSION_DIR")
            .map(PathBuf::from)
            .or(file.extension_dir)
            .unwrap_or_else(|| data_dir.join("extension"));
        let mut projects = file.projects.unwrap_or_else(crate::projects::samples);
        // Secrets are better kept out of files; the URL may come from there too (tests).
        for p in &mut projects {
            let suffix = crate::projects::env_suffix(&p.id);
            if let Some(url) = env(&format!("CERTRENEW_WEBHOOK_URL_{suffix}")) {
                p.webhook_url = Some(url);
            }
            if let Some(secret) = env(&format!("CERTRENEW_WEBHOOK_SECRET_{suffix}")) {
                p.webhook_secret = Some(crate::projects::Secret::new(secret));
            }
        }
        let reminder_days = reminder_days(file.reminder_days)?;
        let webhook_retry_seconds = file
            .webhook_retry_seconds
            .unwrap_or_else(|| DEFAULT_WEBHOOK_RETRY_SECONDS.to_vec());
        if webhook_retry_seconds.is_empty()
            || webhook_retry_seconds
                .iter()
                .any(|s| !(1..=7 * 86_400).contains(s))
        {
            return Err(ConfigError::Value {
                name: "webhook_retry_seconds",
                message: "give at least one wait, each from 1 to 604800 seconds".into(),
            });
        }
        crate::projects::check(&projects).map_err(|message| ConfigError::Value {
            name: "projects",
            message,
        })?;
        let hash_workers = match env("CERTRENEW_HASH_WORKERS") {
            Some(v) => v.parse().map_err(|_| ConfigError::Value {
                name: "CERTRENEW_HASH_WORKERS",
                message: format!("{v:?} is not a number of workers"),
            })?,
            None => file
                .hash_workers
                .unwrap_or_else(crate::admin::hash_pool::HashPool::default_workers),
        };
        if !(1..=64).contains(&hash_workers) {
            return Err(ConfigError::Value {
                name: "hash_workers",
                message: "give 1 to 64 password-hashing workers".into(),
            });
        }
        let hash_wait_ms = match env("CERTRENEW_HASH_WAIT_MS") {
            Some(v) => v.parse().map_err(|_| ConfigError::Value {
                name: "CERTRENEW_HASH_WAIT_MS",
                message: format!("{v:?} is not a number of milliseconds"),
            })?,
            None => file.hash_wait_ms.unwrap_or(5_000),
        };
        if hash_wait_ms > 60_000 {
            return Err(ConfigError::Value {
                name: "hash_wait_ms",
                message: "wait at most 60000 ms for a password-hashing worker".into(),
            });
        }
        let audit_key = env("CERTRENEW_AUDIT_KEY");
        if audit_key.as_ref().is_some_and(|k| k.len() < 16) {
            return Err(ConfigError::Value {
                name: "CERTRENEW_AUDIT_KEY",
                message: "use at least 16 random bytes (e.g. `openssl rand -hex 32`)".into(),
            });
        }
        Ok(Self {
            listen,
            data_dir,
            public_origin,
            database_url,
            ca,
            kmc,
            sandbox,
            notify,
            dist_dir: env("CERTRENEW_DIST_DIR")
                .map(PathBuf::from)
                .or(file.dist_dir),
            projects,
            unpaid_days: file.unpaid_days.unwrap_or(7).max(1),
            extension_dir: Some(extension_dir),
            reminder_days,
            webhook_retry_seconds,
            hash_workers,
            hash_wait_ms,
            audit_key: audit_key.map(crate::projects::Secret::new),
            trusted_proxies: TrustedProxies::from_settings(
                env("CERTRENEW_TRUSTED_PROXIES"),
                file.trusted_proxies,
            )?,
        })
    }

    /// The CA's key and certificate files for the PEM kind, with defaults applied.
    pub fn ca_pem_paths(&self) -> Option<(PathBuf, PathBuf)> {
        match &self.ca {
            CaKeyConfig::Pem { key, cert } => Some((
                key.clone()
                    .unwrap_or_else(|| self.data_dir.join("ca").join("ca.key")),
                cert.clone()
                    .unwrap_or_else(|| self.data_dir.join("ca").join("ca.pem")),
            )),
            CaKeyConfig::Pkcs11 { .. } => None,
        }
    }
}

/// The reminder thresholds, largest first, each once.
fn reminder_days(configured: Option<Vec<u32>>) -> Result<Vec<u32>, ConfigError> {
    let mut days = configured.unwrap_or_else(|| DEFAULT_REMINDER_DAYS.to_vec());
    if days.iter().any(|d| !(1..=3650).contains(d)) {
        return Err(ConfigError::Value {
            name: "reminder_days",
            message: "each threshold is 1 to 3650 days before notAfter".into(),
        });
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    Ok(days)
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

// Read here, not in `client_addr`: the setting's names and errors are the
// configuration's, and `client_addr` stays free of it.
impl TrustedProxies {
    /// The setting from `CERTRENEW_TRUSTED_PROXIES` (comma-separated), else the file's
    /// `trusted_proxies` list.
    pub fn from_settings(
        env: Option<String>,
        file: Option<Vec<String>>,
    ) -> Result<Self, ConfigError> {
        let (name, parsed) = match (env, file) {
            (Some(v), _) => ("CERTRENEW_TRUSTED_PROXIES", Self::parse(v.split(','))),
            (None, Some(list)) => (
                "trusted_proxies",
                Self::parse(list.iter().map(String::as_str)),
            ),
            (None, None) => return Ok(Self::default()),
        };
        parsed.map_err(|e| ConfigError::Value {
            name,
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::assemble(FileConfig::default(), move |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_are_for_development() {
        let c = with(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.public_origin.as_str(), "http://127.0.0.1:8080");
        assert!(c.database_url.starts_with("sqlite://data/certrenew.db"));
        assert!(c.sandbox);
        assert_eq!(c.projects.len(), 5);
        assert_eq!(
            c.extension_dir.as_deref(),
            Some(Path::new("data/extension"))
        );
    }

    #[test]
    fn environment_overrides() {
        let c = with(&[
            ("CERTRENEW_LISTEN", "127.0.0.1:9000"),
            ("CERTRENEW_PUBLIC_ORIGIN", "https://ca.example.com"),
            ("CERTRENEW_DATA_DIR", "/srv/certrenew"),
            ("CERTRENEW_SANDBOX", "0"),
            ("CERTRENEW_EXTENSION_DIR", "/srv/crx"),
        ])
        .unwrap();
        assert_eq!(c.extension_dir.as_deref(), Some(Path::new("/srv/crx")));
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.public_origin.as_str(), "https://ca.example.com");
        assert!(c.database_url.contains("/srv/certrenew/certrenew.db"));
        assert!(!c.sandbox);
    }

    #[test]
    fn the_sandbox_is_off_by_default_on_a_public_origin() {
        assert!(
            !with(&[("CERTRENEW_PUBLIC_ORIGIN", "https://ca.example.com")])
                .unwrap()
                .sandbox
        );
        assert!(
            with(&[
                ("CERTRENEW_PUBLIC_ORIGIN", "https://ca.example.com"),
                ("CERTRENEW_SANDBOX", "1")
            ])
            .unwrap()
            .sandbox
        );
    }

    #[test]
    fn reminders_and_callbacks_from_the_file_and_the_environment() {
        let c = with(&[]).unwrap();
        assert_eq!(c.reminder_days, [90, 30, 7]);
        assert_eq!(c.webhook_retry_seconds.len(), 8);
        assert!(c.projects.iter().all(|p| p.webhook_url.is_none()));

        let file: FileConfig =
            toml::from_str("reminder_days = [7, 60, 7]\nwebhook_retry_seconds = [1, 2]\n").unwrap();
        let c = Config::assemble(file, |name| match name {
            "CERTRENEW_WEBHOOK_URL_GD_MED" => Some("http://127.0.0.1:9/hook".into()),
            "CERTRENEW_WEBHOOK_SECRET_GD_MED" => Some("a secret of 24 bytes....".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.reminder_days, [60, 7]);
        assert_eq!(c.webhook_retry_seconds, [1, 2]);
        let p = &c.projects[0];
        assert_eq!(p.webhook_url.as_deref(), Some("http://127.0.0.1:9/hook"));
        assert_eq!(
            p.webhook_secret.as_ref().map(|s| s.expose()),
            Some("a secret of 24 bytes....")
        );

        let without_secret = Config::assemble(FileConfig::default(), |name| {
            (name == "CERTRENEW_WEBHOOK_URL_PINGAN").then(|| "https://p.example/h".into())
        })
        .unwrap_err();
        assert!(
            without_secret
                .to_string()
                .contains("CERTRENEW_WEBHOOK_SECRET_PINGAN"),
            "{without_secret}"
        );
        let file: FileConfig = toml::from_str("reminder_days = [0]").unwrap();
        let err = Config::assemble(file, |_| None).unwrap_err();
        assert!(err.to_string().contains("reminder_days"), "{err}");
        let file: FileConfig = toml::from_str("webhook_retry_seconds = []").unwrap();
        let err = Config::assemble(file, |_| None).unwrap_err();
        assert!(err.to_string().contains("webhook_retry_seconds"), "{err}");
    }

    fn public(vars: &[(&str, &str)]) -> Config {
        let mut all = vec![("CERTRENEW_PUBLIC_ORIGIN", "https://ca.example.com")];
        all.extend_from_slice(vars);
        with(&all).unwrap()
    }

    fn refusals(c: &Config) -> Vec<String> {
        match production::check(c) {
            Ok(()) => Vec::new(),
            Err(r) => r.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[tokio::test]
    async fn a_public_origin_refuses_each_unsafe_setting_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap();
        let mut c = public(&[("CERTRENEW_SANDBOX", "1"), ("CERTRENEW_DATA_DIR", data)]);
        let found = refusals(&c);
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].contains("CERTRENEW_SANDBOX=0"), "{found:?}");
        assert!(
            found[1].contains("no CA key") && found[1].contains("ca init"),
            "{found:?}"
        );
        assert!(found[2].contains("sms_webhook"), "{found:?}");
        assert!(found[3].contains("[notify.smtp]"), "{found:?}");
        assert!(production::check_ca(&c).is_err());

        // Fixed one by one, each refusal goes.
        c.sandbox = false;
        std::fs::create_dir_all(dir.path().join("ca")).unwrap();
        std::fs::write(dir.path().join("ca/ca.key"), "key").unwrap();
        c.notify.sms_webhook = Some("https://sms.example/send".into());
        assert_eq!(refusals(&c).len(), 1);
        c.notify.smtp = Some(SmtpConfig {
            host: "smtp.example".into(),
            port: 587,
            tls: "starttls".into(),
            from: "ca@example.com".into(),
            username: None,
            password: None,
        });
        assert!(refusals(&c).is_empty(), "{:?}", refusals(&c));
        assert!(production::check_ca(&c).is_ok());
        // A sender that cannot work is refused too, by its setting.
        c.notify.sms_webhook = Some("ftp://sms.example".into());
        let found = refusals(&c);
        assert!(found[0].contains("notify.sms_webhook"), "{found:?}");
        // An HSM without its PIN.
        c.notify.sms_webhook = Some("https://sms.example/send".into());
        c.ca = CaKeyConfig::Pkcs11 {
            module: "/usr/lib/softhsm/libsofthsm2.so".into(),
            token: "ca".into(),
            key_label: "ca".into(),
            pin: None,
            cert: None,
        };
        assert!(refusals(&c)[0].contains("CERTRENEW_CA_PIN"));
    }

    #[test]
    fn a_development_origin_keeps_todays_behaviour() {
        let c = with(&[("CERTRENEW_DATA_DIR", "/nonexistent/certrenew")]).unwrap();
        assert!(c.sandbox && c.notify.smtp.is_none());
        assert!(production::check(&c).is_ok());
        assert!(production::check_ca(&c).is_ok());
    }

    #[test]
    fn hashing_workers_are_bounded() {
        let c = with(&[
            ("CERTRENEW_HASH_WORKERS", "1"),
            ("CERTRENEW_HASH_WAIT_MS", "0"),
        ])
        .unwrap();
        assert_eq!((c.hash_workers, c.hash_wait_ms), (1, 0));
        assert!(with(&[]).unwrap().hash_workers >= 1);
        let err = with(&[("CERTRENEW_HASH_WORKERS", "0")]).unwrap_err();
        assert!(err.to_string().contains("hash_workers"), "{err}");
        let err = with(&[("CERTRENEW_HASH_WAIT_MS", "soon")]).unwrap_err();
        assert!(err.to_string().contains("CERTRENEW_HASH_WAIT_MS"), "{err}");
    }

    #[test]
    fn bad_values_are_named() {
        let err = with(&[("CERTRENEW_PUBLIC_ORIGIN", "http://ca.example.com")]).unwrap_err();
        assert!(err.to_string().contains("CERTRENEW_PUBLIC_ORIGIN"), "{err}");
        let err = with(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL"), "{err}");
        let err = with(&[("CERTRENEW_LISTEN", "nowhere")]).unwrap_err();
        assert!(err.to_string().contains("CERTRENEW_LISTEN"), "{err}");
    }
}
