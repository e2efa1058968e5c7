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
    /// Loads what was kept in session storage and starts loading the projects; every
    /// change is kept again. For a bundle whose screens choose the certificate.
    pub fn new() -> Self {
        let state = Self::reading();
        let chosen = state.chosen;
        Effect::new(move || persist(KEY_CHOSEN, chosen.get()));
        state
    }

    /// As [`AppState::new`], but a change of `chosen` is not kept: for a bundle whose
    /// screens only read it (`/apply/`), which then links no writer of the certificate
    /// and its token (1.5 KB gzipped, issue 16).
    pub fn reading() -> Self {
        Self::with_chosen(RwSignal::new(storage::load::<Chosen>(KEY_CHOSEN)))
    }

    /// Without the chosen certificate (`chosen` stays `None`): for a bundle whose
    /// screens never read it (`/expired/`, `/admin/`), which then links no reader of it
    /// either (issue 16).
    pub fn without_certificate() -> Self {
        Self::with_chosen(RwSignal::new(None))
    }

    fn with_chosen(chosen: RwSignal<Option<Chosen>>) -> Self {
        let project_id = RwSignal::new(storage::load::<String>(KEY_PROJECT));
        let return_url = RwSignal::new(storage::load::<String>(KEY_RETURN));
        let signed_in = RwSignal::new(storage::load::<String>(KEY_SIGNED_IN));
        Effect::new(move || persist(KEY_PROJECT, project_id.get()));
        Effect::new(move || persist(KEY_RETURN, return_url.get()));
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

/// The renewals kept in local storage: `{"<cert sha256>": "<business no>", …}`. Read as
/// JSON's own map (the one `serde_json::Value` links anyway), not a map type of its own
/// (issue 16).
type Known = serde_json::Map<String, serde_json::Value>;

/// Renewals this browser applied for, by the SHA-256 of the certificate renewed (local
/// storage): "my certificates" shows them as under way without asking the server (the
/// eligibility check needs no sign-in and does not know about renewals).
pub fn known_renewal(cert_sha256: &str) -> Option<String> {
    let map: Known = storage::load_local(KEY_KNOWN)?;
    map.get(cert_sha256)?.as_str().map(str::to_owned)
}

/// Remembers that `business_no` renews the certificate `cert_sha256`.
pub fn remember_renewal(cert_sha256: &str, business_no: &str) {
    let mut map: Known = storage::load_local(KEY_KNOWN).unwrap_or_default();
    map.insert(cert_sha256.to_owned(), business_no.into());
    storage::save_local(KEY_KNOWN, &map);
}

/// Forgets the renewal of `cert_sha256` (it closed or completed).
pub fn forget_renewal(cert_sha256: &str) {
    let mut map: Known = storage::load_local(KEY_KNOWN).unwrap_or_default();
    if map.remove(cert_sha256).is_some() {
        storage::save_local(KEY_KNOWN, &map);
    }
}
