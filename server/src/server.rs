//! Start-up: connect and migrate the database, load (or on first start create) the
//! CA, build the outside parties (`crate::providers`), start the background jobs
//! (notifications, callbacks, expiry, reminders), serve until asked to stop.

use anyhow::Context as _;

use crate::ca::Ca;
use crate::config::{CaKeyConfig, Config};
use crate::db::Store;
use crate::providers::Providers;
use crate::sandbox::Sandbox;
use crate::state::AppState;

/// The common name of the development CA made on first start.
pub const DEV_CA_NAME: &str = "certrenew Development CA";

/// Loads the CA the configuration names, writing the revocation URLs under the public
/// origin into the certificates it issues (docs/revocation.md).
pub fn load_ca(config: &Config) -> anyhow::Result<Ca> {
    let mut ca = open_ca(config)?;
    ca.publish_under(config.public_origin.as_str());
    Ok(ca)
}

/// Loads the CA the configuration names; a PEM CA that does not exist yet is created.
fn open_ca(config: &Config) -> anyhow::Result<Ca> {
    match &config.ca {
        CaKeyConfig::Pem { .. } => {
            let (key, cert) = config.ca_pem_paths().context("the PEM CA paths")?;
            if key.exists() || cert.exists() {
                Ca::load_pem(&key, &cert).with_context(|| {
                    format!(
                        "loading the CA from {} and {}",
                        key.display(),
                        cert.display()
                    )
                })
            } else {
                let dir = key
                    .parent()
                    .map(std::path::Path::to_owned)
                    .unwrap_or_default();
                tracing::warn!(dir = %dir.display(), "no CA yet: creating a development CA");
                Ca::init_pem(&dir, DEV_CA_NAME).context("creating the development CA")
            }
        }
        CaKeyConfig::Pkcs11 {
            module,
            token,
            key_label,
            pin,
            cert,
        } => {
            let pin = pin
                .as_deref()
                .context("the HSM PIN is not set (CERTRENEW_CA_PIN)")?;
            let cert = cert
                .clone()
                .unwrap_or_else(|| config.data_dir.join("ca").join("ca.pem"));
            Ca::load_pkcs11(module, token, pin, key_label, &cert)
                .context("loading the CA key from the HSM")
        }
    }
}

/// Builds the shared state from the configuration.
pub async fn build(config: Config) -> anyhow::Result<AppState> {
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| format!("connecting to {}", redact(&config.database_url)))?;
    store.migrate().await.context("migrating the database")?;
    let ca = load_ca(&config)?;
    // The one place the sandbox flag is read: what it builds is handed on as providers.
    let sandbox = if config.sandbox {
        Some(Sandbox::new(
            store.clone(),
            &config.data_dir.join("sandbox"),
            config.public_origin.as_str(),
        )?)
    } else {
        None
    };
    let mut providers = Providers::from_config(&config, sandbox.as_ref())
        .context("setting up the notification senders")?;
    providers.payments =
        crate::payments::setup::gateways(&config, sandbox.as_ref(), providers.payments)
            .context("setting up the payment gateways")?;
    tracing::debug!(providers = %providers.describe(), "outside parties");
    Ok(AppState::new(store, config, ca, providers, sandbox))
}

/// Serves on the configured address until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(state.config.listen)
        .await
        .with_context(|| format!("listening on {}", state.config.listen))?;
    let worker = tokio::spawn(crate::notify::worker::run(state.clone()));
    let expiry = tokio::spawn(expiry_loop(state.clone()));
    let callbacks = tokio::spawn(crate::webhooks::worker::run(state.clone()));
    let reminders = tokio::spawn(reminder_loop(state.clone()));
    let revocation = tokio::spawn(crate::revocation::worker::run(state.clone()));
    let reconcile = tokio::spawn(crate::reconcile::job::run(state.clone()));
    let checkpoints = tokio::spawn(crate::audit::checkpoint_loop(
        state.clone(),
        std::time::Duration::from_secs(10),
    ));
    tracing::info!(addr = %state.config.listen, origin = %state.config.public_origin, "certrenew-server listening");
    let service =
        crate::app::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown())
        .await
        .context("serving")?;
    worker.abort();
    expiry.abort();
    callbacks.abort();
    reminders.abort();
    revocation.abort();
    reconcile.abort();
    checkpoints.abort();
    Ok(())
}

async fn expiry_loop(state: AppState) {
    loop {
        match crate::renewal::expiry::expire_unpaid(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "unpaid renewals expired"),
            Err(e) => tracing::warn!(error = %e, "expiring unpaid renewals failed"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
    }
}

/// Once at start and then daily; a reminder already queued is never queued again, so
/// restarts and several servers are harmless.
async fn reminder_loop(state: AppState) {
    loop {
        match crate::reminders::run(&state, time::OffsetDateTime::now_utc()).await {
            Ok(s) if s == crate::reminders::Summary::default() => {}
            Ok(s) => tracing::info!(
                reminded = s.reminded,
                already = s.already,
                no_contact = s.no_contact,
                "expiry reminders"
            ),
            Err(e) => tracing::warn!(error = %e, "expiry reminders failed"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(86_400)).await;
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}
