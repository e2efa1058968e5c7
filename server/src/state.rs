//! What every handler shares: the database, the configuration, the CA, the outside
//! parties ([`Providers`]) and the in-memory limits and caches. Cheap to clone (one
//! `Arc`).

use std::sync::Arc;
use std::time::Duration;

use crate::admin::hash_pool::HashPool;
use crate::admin::login_limit::LoginLimit;
use crate::ca::Ca;
use crate::client_addr::{HasTrustedProxies, TrustedProxies};
use crate::config::Config;
use crate::db::Store;
use crate::identity::sessions::SessionCache;
use crate::projects::Project;
use crate::providers::Providers;
use crate::ratelimit::RateLimiter;
use crate::renewal::store::ViewCache;
use crate::sandbox::Sandbox;

/// Challenges one client address may ask for per minute: a sign-in or a signed step
/// takes one, so a person never comes near it; a script filling the table does.
pub const CHALLENGES_PER_MINUTE: u32 = 60;

/// The shared state.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The parts.
pub struct Inner {
    /// The database.
    pub store: Store,
    /// The configuration.
    pub config: Config,
    /// The issuing CA.
    pub ca: Ca,
    /// The outside parties: payment gateways, e-mail, SMS, bank and identity checks.
    pub providers: Providers,
    /// The development stand-ins, when configured: only for mounting their
    /// `/sandbox/…` routes (they serve as providers through `providers`).
    pub sandbox: Option<Sandbox>,
    /// Eligibility checks per client address.
    pub eligibility_limit: RateLimiter,
    /// Challenges per client address (each is a database row until it expires).
    pub challenge_limit: RateLimiter,
    /// Staff sign-in back-off per user name and client address.
    pub staff_login: LoginLimit,
    /// Where staff passwords are checked, a few at a time.
    pub hash_pool: HashPool,
    /// User sessions already read.
    pub sessions: SessionCache,
    /// Renewal views already built.
    pub views: ViewCache,
}

impl AppState {
    /// Bundles the parts.
    pub fn new(
        store: Store,
        config: Config,
        ca: Ca,
        providers: Providers,
        sandbox: Option<Sandbox>,
    ) -> Self {
        let hash_pool = HashPool::new(
            config.hash_workers,
            Duration::from_millis(config.hash_wait_ms),
        );
        // Shared by every instance on a PostgreSQL database (crate::ratelimit,
        // admin::login_limit).
        let minute = Duration::from_secs(60);
        let eligibility_limit = RateLimiter::for_store("eligibility", 120, minute, &store);
        let challenge_limit =
            RateLimiter::for_store("challenge", CHALLENGES_PER_MINUTE, minute, &store);
        let staff_login = LoginLimit::for_store(&store);
        Self(Arc::new(Inner {
            store,
            config,
            ca,
            providers,
            sandbox,
            eligibility_limit,
            challenge_limit,
            staff_login,
            hash_pool,
            sessions: SessionCache::default(),
            views: ViewCache::default(),
        }))
    }

    /// The pool.
    pub fn pool(&self) -> &sqlx::AnyPool {
        self.0.store.pool()
    }

    /// A project by id.
    pub fn project(&self, id: &str) -> Option<&Project> {
        self.0.config.projects.iter().find(|p| p.id == id)
    }

    /// Whether cookies must be `Secure` (everything but plain-http development).
    pub fn secure_cookies(&self) -> bool {
        !self.0.config.public_origin.is_development()
    }
}

impl HasTrustedProxies for AppState {
    fn trusted_proxies(&self) -> &TrustedProxies {
        &self.0.config.trusted_proxies
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
