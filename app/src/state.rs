//! What the customer's screens share: the projects, the one being renewed for (from
//! `/renew?project=…` or the first configured), the relying platform's way back, and
//! the certificate chosen on "my certificates". Kept in session storage so a reload
//! (or the payment gateway's redirect back) resumes where the user was.

use crate::resource::Resource;
use leptos::prelude::*;
use protocol::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::api;
use crate::error::AppError;
use crate::models::{HostCertificate, Project, Token};
use crate::storage;

const KEY_PROJECT: &str = "certrenew.project";
const KEY_RETURN: &str = "certrenew.return_url";
const KEY_CHOSEN: &str = "certrenew.chosen";
const KEY_SIGNED_IN: &str = "certrenew.signed_in";

/// The certificate the user works on, and its token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chosen {
    /// The token (serial, label, PIN flags).
    pub token: Token,
    /// The certificate (the signing one of a pair).
    pub certificate: HostCertificate,
    /// The encryption certificate paired with it on the token, renewed with it when the
    /// project issues pairs.
    #[serde(default)]
    pub encryption: Option<HostCertificate>,
}

/// The customer side's shared state.
#[derive(Clone, Copy)]
pub struct AppState {
    /// Every project, once loaded.
    pub projects: Resource<Result<Vec<Project>, AppError>>,
    /// The chosen project's id (`None`: the first configured).
    pub project_id: RwSignal<Option<String>>,
    /// The relying platform's return URL (already checked against the project's list).
    pub return_url: RwSignal<Option<String>>,
    /// The certificate chosen.
    pub chosen: RwSignal<Option<Chosen>>,
    /// The SHA-256 of the certificate with a live server session (set after a `login`
    /// or `apply` signature; the cookie itself is HttpOnly).
    pub signed_in: RwSignal<Option<String>>,
}

impl AppState {
    /// Loads what was kept in session storage and starts loading the projects.
    pub fn new() -> Self {
        let project_id = RwSignal::new(storage::load::<String>(KEY_PROJECT));
        let return_url = RwSignal::new(storage::load::<String>(KEY_RETURN));
        let chosen = RwSignal::new(storage::load::<Chosen>(KEY_CHOSEN));
        let signed_in = RwSignal::new(storage::load::<String>(KEY_SIGNED_IN));
        Effect::new(move || persist(KEY_PROJECT, project_id.get()));
        Effect::new(move || persist(KEY_RETURN, return_url.get()));
        Effect::new(move || persist(KEY_CHOSEN, chosen.get()));
        Effect::new(move || persist(KEY_SIGNED_IN, signed_in.get()));
        AppState {
            projects: Resource::new(api::projects::list),
            project_id,
            return_url,
            chosen,
            signed_in,
        }
    }

    /// The project in force: the chosen one, else the first configured. `None` while
    /// loading; an error when the projects cannot be read.
    pub fn project(&self) -> Option<Result<Project, AppError>> {
        let projects = self.projects.get()?;
        let wanted = self.project_id.get();
        Some(projects.and_then(|list| {
            let found = match &wanted {
                Some(id) => list.iter().find(|p| &p.id == id),
                None => list.first(),
            };
            found
                .cloned()
                .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no such project at this CA"))
        }))
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

fn persist<T: Serialize>(key: &str, value: Option<T>) {
    match value {
        Some(v) => storage::save(key, &v),
        None => storage::forget(key),
    }
}

/// The customer side's shared state.
pub fn use_app_state() -> AppState {
    expect_context::<AppState>()
}

const KEY_KNOWN: &str = "certrenew.renewals";

/// Renewals this browser applied for, by the SHA-256 of the certificate renewed (local
/// storage): "my certificates" shows them as under way without asking the server (the
/// eligibility check needs no sign-in and does not know about renewals).
pub fn known_renewal(cert_sha256: &str) -> Option<String> {
    let map: std::collections::BTreeMap<String, String> = storage::load_local(KEY_KNOWN)?;
    map.get(cert_sha256).cloned()
}

/// Remembers that `business_no` renews the certificate `cert_sha256`.
pub fn remember_renewal(cert_sha256: &str, business_no: &str) {
    let mut map: std::collections::BTreeMap<String, String> =
        storage::load_local(KEY_KNOWN).unwrap_or_default();
    map.insert(cert_sha256.to_owned(), business_no.to_owned());
    storage::save_local(KEY_KNOWN, &map);
}

/// Forgets the renewal of `cert_sha256` (it closed or completed).
pub fn forget_renewal(cert_sha256: &str) {
    let mut map: std::collections::BTreeMap<String, String> =
        storage::load_local(KEY_KNOWN).unwrap_or_default();
    if map.remove(cert_sha256).is_some() {
        storage::save_local(KEY_KNOWN, &map);
    }
}
