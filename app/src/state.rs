//! What the customer's screens share: the projects, the one being renewed for (from
//! `/renew?project=…` or the first configured), the relying platform's way back, and
//! the certificate chosen on "my certificates". Kept in session storage so a reload
//! (or the payment gateway's redirect back) resumes where the user was.

use crate::resource::Resource;
use leptos::prelude::*;
use protocol::ErrorCode;
use serde::Serialize;
use serde_json::Value;

use crate::bridge::{read_certificate, read_token};
use crate::error::AppError;
use crate::models::{HostCertificate, Project, Token};
use crate::read::{Fields, ReadValue, Res};
use crate::storage;
use crate::via_value;

const KEY_PROJECT: &str = "certrenew.project";
const KEY_RETURN: &str = "certrenew.return_url";
const KEY_CHOSEN: &str = "certrenew.chosen";
const KEY_SIGNED_IN: &str = "certrenew.signed_in";

/// The certificate the user works on, and its token (read by hand through `Value`,
/// [`Chosen::read`]: `/apply/` then links no derived reader of protocol's certificate
/// and token, issue 16).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chosen {
    /// The token (serial, label, PIN flags).
    pub token: Token,
    /// The certificate (the signing one of a pair).
    pub certificate: HostCertificate,
    /// The encryption certificate paired with it on the token, renewed with it when the
    /// project issues pairs (may be missing).
    pub encryption: Option<HostCertificate>,
}

impl Chosen {
    /// With the readers of the host's answers (the same checks of the serial, SHA-256,
    /// key id and base64 as `protocol::host`'s derives).
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Chosen {
            token: f.object("token", read_token)?,
            certificate: f.object("certificate", read_certificate)?,
            encryption: f.opt_object("encryption", read_certificate)?,
        })
    }
}
via_value!(Chosen, Chosen::read);

/// `GET /projects`'s answer, read by hand (as `api::projects::list` reads it).
fn read_projects(v: &Value) -> Res<Vec<Project>> {
    crate::read::list(v, Project::read_value)
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
            projects: Resource::load(|| "/projects".to_owned(), read_projects),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api;
    use protocol::host::{Base64Bytes, Usage};
    use protocol::ids::{CertSha256, KeyId, TokenSerial};

    fn certificate(history: bool, key_id: Option<&str>) -> HostCertificate {
        HostCertificate {
            der: Base64Bytes(vec![0x30, 0x82, 1, 2, 255]),
            sha256: CertSha256::parse(&"ab".repeat(32)).unwrap(),
            key_id: key_id.map(|k| KeyId::parse(k).unwrap()),
            label: "签名证书".into(),
            subject: "CN=张三".into(),
            issuer: "CN=CA".into(),
            serial: "0a1b".into(),
            not_before: "2025-01-01T00:00:00Z".into(),
            not_after: "2026-01-01T00:00:00Z".into(),
            usage: Usage::Sign,
            has_private_key: true,
            history,
        }
    }

    /// `GET /projects` read by hand as `api::projects::list` reads it (through each
    /// project's `Deserialize` in serde's `Vec`), and refused where it refuses.
    #[test]
    fn the_projects_read_as_the_list_reads_them() {
        let text = r#"[{"id":"p1","name_zh":"甲","name_en":"A","min_host_version":"1.0",
            "min_extension_version":"1.0","renewal_window_days":30,
            "prices":[{"months":12,"fen":10000}],"fee_line_zh":"费","fee_line_en":"fee",
            "agreement":{"version":"1","text_zh":"协议","text_en":"terms"},
            "payment_methods":["wechat"],"invoice_kinds":["electronic"],"extra":1},
            {"id":"p2","name_zh":"乙","name_en":"B","min_host_version":"1.0",
            "min_extension_version":"1.0","renewal_window_days":7,"prices":[],
            "fee_line_zh":"","fee_line_en":"","agreement":{"version":"2","text_zh":"",
            "text_en":""},"payment_methods":[],"invoice_kinds":[],"payee":null,
            "support":{"phone":"1"},"return_urls":["https://a.example/"]}]"#;
        let derived: Vec<Project> = serde_json::from_str(text).unwrap();
        assert_eq!(api::parse_with(text, read_projects).unwrap(), derived);
        assert_eq!(derived.len(), 2);
        for bad in ["{}", "[1]", r#"[{"id":"p"}]"#, "not json"] {
            assert!(serde_json::from_str::<Vec<Project>>(bad).is_err());
            let e = api::parse_with(bad, read_projects).unwrap_err();
            assert_eq!(e.code, ErrorCode::Internal, "{bad}");
        }
    }

    /// What `AppState::new` keeps reads back the same by hand, and what protocol's
    /// derive reads, the hand reader reads the same.
    #[test]
    fn the_chosen_certificate_reads_back() {
        let chosen = Chosen {
            token: Token {
                serial: TokenSerial::parse("0123ABC").unwrap(),
                label: "key".into(),
                manufacturer: "m".into(),
                model: "x".into(),
                module: "/lib/p11.so".into(),
                pin_pad: false,
                pin_count_low: true,
                pin_final_try: false,
                pin_locked: false,
            },
            certificate: certificate(false, Some("0a0b")),
            encryption: Some(certificate(true, None)),
        };
        let text = serde_json::to_string(&chosen).unwrap();
        assert_eq!(serde_json::from_str::<Chosen>(&text).unwrap(), chosen);
        let mut v: Value = serde_json::from_str(&text).unwrap();
        let derived: HostCertificate = serde_json::from_value(v["certificate"].clone()).unwrap();
        assert_eq!(derived, chosen.certificate);
        // Missing `encryption` and `history` are none; a bad base64 or usage is refused.
        v.as_object_mut().unwrap().remove("encryption");
        v["certificate"].as_object_mut().unwrap().remove("history");
        let back: Chosen = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back.encryption, None);
        assert!(!back.certificate.history);
        let mut bad = v.clone();
        bad["certificate"]["der"] = "not base64!".into();
        assert!(serde_json::from_value::<Chosen>(bad).is_err());
        let mut bad = v.clone();
        bad["certificate"]["usage"] = "all".into();
        assert!(serde_json::from_value::<Chosen>(bad).is_err());
        let mut bad = v;
        bad["token"]["serial"] = "".into();
        assert!(serde_json::from_value::<Chosen>(bad).is_err());
    }
}
