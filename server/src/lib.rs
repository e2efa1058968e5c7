//! `certrenew-server`: the CA's side of every renewal. It checks who is asking
//! (origin-bound signatures by the certificate on the token), takes the application,
//! collects the fee, lets staff review it, issues the renewed certificate, and keeps a
//! hash-chained audit trail of every change.
//!
//! # Layout
//! - [`app`]: the router; [`api`]: the `/api/v1` handlers and the OpenAPI document.
//! - [`state`]: what handlers share; [`config`]: TOML and environment.
//! - [`db`]: SQLite or PostgreSQL and their migrations; [`write_tx`]: a writing
//!   transaction (on SQLite: the writers' turn, group commit); [`sqlite_conn`]: how
//!   SQLite connections are set up; [`audit`]: the hash chain.
//! - [`renewal`]: the state machine and renewal storage.
//! - [`identity`]: challenges, signatures, certificates, user sessions.
//! - [`payments`]: the gateway trait, a gateway per method, the money rules and rows.
//! - [`providers`]: every outside party (gateways, e-mail, SMS, bank, identity), built
//!   once from the configuration; [`sandbox`]: their development stand-ins and pages.
//! - [`admin`]: staff accounts and the review console's API.
//! - [`ca`]: issuing certificates (PEM key or PKCS#11 HSM).
//! - [`kmc`]: the key management centre: encryption keys, escrow, envelopes, recovery.
//! - [`expired`]: the expired-certificate path (SMS login, checks, uploads).
//! - [`notify`]: the transactional outbox and its delivery.
//! - [`projects`]: the relying platforms; [`error`]: the API error;
//!   [`ratelimit`]: per-address and per-name limits; [`client_addr`]: whose address
//!   (the forwarding headers of trusted proxies only).
//! - [`webhooks`]: signed callbacks to the relying platforms when a renewal closes.
//! - [`reminders`]: expiry reminders from the issued-certificate inventory.
//! - [`reconcile`]: the gateways' daily statements against the ledger (对账).
//! - [`revocation`]: revoking, the CRL and the OCSP responder relying parties check.
//! - [`server`]: start-up, shared by `serve` and the tests.
//! - [`security_headers`]: CSP, framing, sniffing, referrer and HSTS on every response.
#![forbid(unsafe_code)]

pub mod admin;
pub mod api;
pub mod app;
pub mod audit;
pub mod ca;
pub mod client_addr;
pub mod clock;
pub mod config;
pub mod crx3;
pub mod db;
pub mod error;
pub mod expired;
pub mod identity;
pub mod kmc;
pub mod notify;
pub mod payments;
pub mod projects;
pub mod providers;
pub mod random;
pub mod ratelimit;
pub mod reconcile;
pub mod reminders;
pub mod renewal;
pub mod revocation;
pub mod sandbox;
pub mod security_headers;
pub mod server;
pub mod sqlite_conn;
pub mod state;
pub mod wal_checkpoint;
pub mod webhooks;
pub mod write_tx;
