//! `certrenew-server`: `serve` runs the CA's renewal service; the other commands set
//! it up and look after it (migrations, the CA key, staff accounts, revocations, the
//! audit chain).
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use server::admin::auth::{self, Role};
use server::ca::{Ca, IssueRequest, SubjectSource};
use server::config::{Config, production};
use server::db::Store;
use server::server::DEV_CA_NAME;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

// A renewal allocates for every request, statement and JSON value; glibc's malloc took
// 13.6 % of its CPU, mimalloc less (bench/README.md, "Session 16").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "certrenew-server",
    version,
    about = "certrenew's CA server: renewals, payments, review, issuance, audit"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the API, the sandbox (development) and the web app.
    Serve,
    /// Apply missing database migrations.
    Migrate,
    /// Expire the renewals left unpaid too long (the server also does this every ten minutes).
    Expire,
    /// Queue the expiry reminders that are due (the server also does this daily).
    Remind {
        /// Act as if it were this time (RFC 3339), e.g. to check what would go out.
        #[arg(long)]
        now: Option<String>,
    },
    /// The CA key and certificate.
    #[command(subcommand)]
    Ca(CaCmd),
    /// Staff accounts and revocations.
    #[command(subcommand)]
    Admin(AdminCmd),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCmd),
}

#[derive(Subcommand)]
enum CaCmd {
    /// Create the CA key and certificate (in the data directory, or on an HSM).
    Init {
        /// The CA's common name.
        #[arg(long, default_value = DEV_CA_NAME)]
        name: String,
        /// PKCS#11 module of the HSM holding the CA key.
        #[arg(long)]
        pkcs11_module: Option<PathBuf>,
        /// The HSM token's label.
        #[arg(long, requires = "pkcs11_module")]
        pkcs11_token: Option<String>,
        /// The HSM PIN (or CERTRENEW_CA_PIN).
        #[arg(long, requires = "pkcs11_module")]
        pin: Option<String>,
        /// The CA key's label on the HSM.
        #[arg(long, default_value = "certrenew CA")]
        key_label: String,
        /// The CA key's algorithm: "ec" (P-256) or "sm2" (国密, SM3withSM2
        /// certificates, GM/T 0015 profile; in a PEM file only).
        #[arg(long, default_value = "ec", value_parser = ["ec", "sm2"])]
        algorithm: String,
    },
    /// Issue a certificate for a CSR (for setting up tokens in development and tests).
    Issue {
        /// The CSR, PEM or DER.
        #[arg(long)]
        csr: PathBuf,
        /// notAfter, RFC 3339.
        #[arg(long)]
        not_after: String,
        /// notBefore, RFC 3339 (default: now). With a notAfter in the past it makes an
        /// already expired certificate, for trying the expired-certificate path.
        #[arg(long)]
        not_before: Option<String>,
        /// The project whose profile to use (default: the first).
        #[arg(long)]
        project: Option<String>,
        /// An encryption certificate (a dual pair's second; the key made on the token,
        /// not escrowed): key usage for the key's algorithm, no extended key usage.
        #[arg(long)]
        encryption: bool,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Create a staff account, or reset its password and role.
    Add {
        /// User name.
        #[arg(long)]
        user: String,
        /// Password (at least 10 characters).
        #[arg(long)]
        password: String,
        /// Role: reviewer, finance or admin.
        #[arg(long, value_parser = role_parser())]
        role: Role,
    },
    /// Revoke a certificate by serial (hex).
    Revoke {
        /// The serial, hex.
        #[arg(long)]
        serial: String,
        /// Why: an RFC 5280 reason (unspecified, keyCompromise, cACompromise,
        /// affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn).
        #[arg(long, default_value = "unspecified")]
        reason: String,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Check the hash chains and the signed checkpoints; exits 1 and names the first
    /// broken row if the trail is broken.
    Verify,
    /// Sign a checkpoint over the chains' heads now (the server does every 10 s).
    Checkpoint,
}

/// Accepts exactly protocol's role names (listed in `--help` and in the error).
fn role_parser() -> impl clap::builder::TypedValueParser<Value = Role> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Role::ALL.iter().map(|r| r.as_str()))
        .try_map(|name| Role::parse(&name).ok_or("unknown role"))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("certrenew-server: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(Cli::parse())) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("certrenew-server: {err:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    // Every command that writes or checks the audit trail anchors its head with the key.
    if let Some(key) = &config.audit_key {
        server::audit::set_anchor_key(key.expose());
    }
    match cli.command {
        Cmd::Serve => {
            production::check(&config)?;
            let state = server::server::build(config).await?;
            server::server::serve(state).await?;
        }
        Cmd::Expire => {
            production::check_ca(&config)?;
            let state = server::server::build(config).await?;
            let n = server::renewal::expiry::expire_unpaid(&state)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{n} unpaid renewals expired");
        }
        Cmd::Remind { now } => {
            let now = match now {
                Some(text) => OffsetDateTime::parse(&text, &Rfc3339)
                    .context("--now is RFC 3339, e.g. 2027-01-31T00:00:00Z")?,
                None => OffsetDateTime::now_utc(),
            };
            production::check_ca(&config)?;
            let state = server::server::build(config).await?;
            let summary = server::reminders::run(&state, now)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{summary}");
        }
        Cmd::Migrate => {
            let store = Store::connect(&config.database_url).await?;
            store.migrate().await?;
            println!(
                "migrations applied to {}",
                server::server::redact(&config.database_url)
            );
        }
        Cmd::Ca(CaCmd::Init {
            name,
            pkcs11_module,
            pkcs11_token,
            pin,
            key_label,
            algorithm,
        }) => {
            if algorithm == "sm2" {
                anyhow::ensure!(
                    pkcs11_module.is_none(),
                    "an sm2 ca key is kept in a pem file: drop --pkcs11-module"
                );
                let (key, _) = config
                    .ca_pem_paths()
                    .context("the configuration names an HSM CA; an sm2 ca needs a pem key")?;
                let dir = key
                    .parent()
                    .map(std::path::Path::to_owned)
                    .unwrap_or_default();
                let ca = server::ca::sm2::Sm2Ca::init_pem(&dir, &name)?;
                print!("{}", ca.chain_pem());
                return Ok(ExitCode::SUCCESS);
            }
            let ca = match pkcs11_module {
                Some(module) => {
                    let token =
                        pkcs11_token.context("--pkcs11-token is needed with --pkcs11-module")?;
                    let pin = pin
                        .or_else(|| std::env::var("CERTRENEW_CA_PIN").ok())
                        .context("--pin or CERTRENEW_CA_PIN is needed")?;
                    let cert = config.data_dir.join("ca").join("ca.pem");
                    if let Some(dir) = cert.parent() {
                        std::fs::create_dir_all(dir)?;
                    }
                    Ca::init_pkcs11(&module, &token, &pin, &key_label, &cert, &name)?
                }
                None => {
                    let (key, _) = config
                        .ca_pem_paths()
                        .context("the configuration names an HSM CA; pass --pkcs11-module")?;
                    let dir = key
                        .parent()
                        .map(std::path::Path::to_owned)
                        .unwrap_or_default();
                    Ca::init_pem(&dir, &name)?
                }
            };
            print!("{}", ca.chain_pem());
        }
        Cmd::Ca(CaCmd::Issue {
            csr,
            not_after,
            not_before,
            project,
            encryption,
        }) => {
            let bytes =
                std::fs::read(&csr).with_context(|| format!("reading {}", csr.display()))?;
            let der = match pem::parse(&bytes) {
                Ok(block) => block.contents().to_vec(),
                Err(_) => bytes,
            };
            let not_after = OffsetDateTime::parse(&not_after, &Rfc3339)
                .context("--not-after is RFC 3339, e.g. 2027-01-31T00:00:00Z")?;
            let project = match &project {
                Some(id) => config
                    .projects
                    .iter()
                    .find(|p| &p.id == id)
                    .with_context(|| format!("no project {id}"))?,
                None => config
                    .projects
                    .first()
                    .context("no project is configured")?,
            };
            production::check_ca(&config)?;
            let not_before = match &not_before {
                Some(t) => OffsetDateTime::parse(t, &Rfc3339)
                    .context("--not-before is RFC 3339, e.g. 2025-01-31T00:00:00Z")?,
                None => OffsetDateTime::now_utc(),
            };
            // An SM2 CA key (made by `ca init --algorithm sm2`) issues through ca::sm2.
            let sm2_paths = config
                .ca_pem_paths()
                .filter(|(key, _)| server::ca::sm2::is_sm2_key_file(key));
            let issued = if let Some((key, cert)) = sm2_paths {
                let ca = server::ca::sm2::Sm2Ca::load_pem(&key, &cert)?;
                let profile = if encryption {
                    server::ca::sm2::encryption_profile(&project.profile.policy_oids)
                } else {
                    project.profile.to_profile()
                };
                ca.issue(&IssueRequest {
                    csr_der: &der,
                    subject: SubjectSource::FromCsr,
                    not_before,
                    not_after,
                    profile: &profile,
                })?
            } else {
                let ca = server::server::load_ca(&config)?;
                let profile = if encryption {
                    let csr = server::ca::verify_csr(&der)?;
                    server::ca::encryption_profile(&csr.spki_der, &project.profile.policy_oids)?
                } else {
                    project.profile.to_profile()
                };
                ca.issue(&IssueRequest {
                    csr_der: &der,
                    subject: SubjectSource::FromCsr,
                    not_before,
                    not_after,
                    profile: &profile,
                })?
            };
            // Every certificate the CA issues is in the inventory (reminders, renewal
            // information, the expired path's lookup by serial), this one too: with no
            // renewal behind it.
            let subject = certinfo::facts(&issued.der)
                .map_err(|e| anyhow::anyhow!("reading the issued certificate: {e}"))?
                .subject;
            let store = Store::connect(&config.database_url).await?;
            store.migrate().await?;
            let mut tx = store.begin_write().await?;
            server::renewal::certificates::record_issued_as(
                &mut tx,
                &server::renewal::certificates::NewCertificate {
                    sha256: &issued.sha256_hex,
                    serial: &issued.serial_hex,
                    business_no: None,
                    der: &issued.der,
                    subject: &subject,
                    not_before_s: issued.not_before.unix_timestamp(),
                    not_after_s: issued.not_after.unix_timestamp(),
                    issued_at: server::clock::now_ms(),
                },
                if encryption {
                    server::renewal::certificates::Purpose::Encryption
                } else {
                    server::renewal::certificates::Purpose::Signing
                },
            )
            .await?;
            tx.commit().await?;
            print!("{}", pem::encode(&pem::Pem::new("CERTIFICATE", issued.der)));
        }
        Cmd::Admin(AdminCmd::Add {
            user,
            password,
            role,
        }) => {
            let store = Store::connect(&config.database_url).await?;
            store.migrate().await?;
            auth::add(&store, &user, &password, role)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("staff account {user} saved with role {}", role.as_str());
        }
        Cmd::Admin(AdminCmd::Revoke { serial, reason }) => {
            let reason = server::ca::Reason::parse(&reason).with_context(|| {
                format!(
                    "--reason {reason:?} is not an RFC 5280 reason; use one of: {}",
                    server::ca::Reason::ALL
                        .map(server::ca::Reason::as_str)
                        .join(", ")
                )
            })?;
            let ca = server::server::load_ca(&config)?;
            let store = Store::connect(&config.database_url).await?;
            store.migrate().await?;
            // Revoked, audited, its sessions ended, and the CRL signed again.
            let done = server::revocation::revoke::revoke(
                &store,
                &ca,
                &serial,
                reason,
                "system:cli",
                false,
            )
            .await?;
            match done.crl_number {
                Some(n) => println!("revoked {} ({}); crl number {n}", done.serial, done.reason),
                None => println!(
                    "revoked {} ({}); the crl could not be signed now, the server retries",
                    done.serial, done.reason
                ),
            }
        }
        Cmd::Audit(AuditCmd::Verify) => {
            let store = Store::connect(&config.database_url).await?;
            // Checkpoints are checked against the CA certificate, never one the database holds.
            let ca = server::server::load_ca(&config)?;
            let certificate = ca.certificates().first().cloned().unwrap_or_default();
            let result = server::audit::verify_signed(store.pool(), &certificate).await?;
            let problem = result.problem.as_deref().unwrap_or("");
            match (result.ok, result.first_broken) {
                (true, _) => println!("audit chain intact: {} rows", result.rows),
                (false, Some(row)) => {
                    println!("audit chain BROKEN at row {row}: {problem}");
                    return Ok(ExitCode::FAILURE);
                }
                (false, None) => {
                    println!("audit chain BROKEN: {problem}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        Cmd::Audit(AuditCmd::Checkpoint) => {
            let store = Store::connect(&config.database_url).await?;
            store.migrate().await?;
            let ca = server::server::load_ca(&config)?;
            match server::audit::checkpoint(&store, &ca).await? {
                Some(id) => println!("audit checkpoint {id} signed"),
                None => println!("no audit chain moved since the last checkpoint"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
