//! One certificate on "my certificates" (or a signing and encryption pair, one card):
//! its facts, where it stands for renewal, and the one thing to do next; and a kept
//! history certificate, shown but never offered for renewal.

use crate::resource::Resource;
use crate::router::NavigateOptions;
use crate::router::use_navigate;
use leptos::prelude::*;
use protocol::ErrorCode;
use protocol::eligibility::EligibilityStatus;
use protocol::host::Usage;

use crate::api;
use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::format;
use crate::i18n::{I18n, use_i18n};
use crate::models::{Eligibility, HostCertificate, Token};
use crate::state::{self, Chosen, use_app_state};

/// `.cert-card[data-sha256][data-status]` (`[data-pair][data-encryption-sha256]` for a
/// pair; eligibility is the signing certificate's).
#[component]
pub fn CertCard(
    token: Token,
    certificate: HostCertificate,
    encryption: Option<HostCertificate>,
) -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app_state();
    let navigate = use_navigate();
    let project_id = move || state.project().and_then(Result::ok).map(|p| p.id);
    let der = certificate.der.clone();
    let eligibility = Resource::new(move || {
        let project = project_id();
        let der = der.clone();
        async move {
            let project = project?;
            Some(api::projects::eligibility(&project, &der).await)
        }
    });
    // A renewal this browser applied for and that is not known to be closed.
    let open = state::known_renewal(certificate.sha256.as_str());
    let answer = move || eligibility.get().flatten();
    let status = {
        let open = open.clone();
        move || match &open {
            Some(_) => Some("open".to_owned()),
            None => answer().and_then(Result::ok).map(|e| {
                e.status
                    .map_or("unknown", EligibilityStatus::as_str)
                    .to_owned()
            }),
        }
    };

    let chosen = Chosen {
        token: token.clone(),
        certificate: certificate.clone(),
        encryption: encryption.clone(),
    };
    let choose = {
        let chosen = chosen.clone();
        move || state.chosen.set(Some(chosen.clone()))
    };
    let renew = {
        let choose = choose.clone();
        move |_| {
            choose();
            navigate("/apply", NavigateOptions::default());
        }
    };

    // Key recovery is offered on the signing certificates of a platform issuing pairs.
    let dual_project = Resource::new(move || {
        let project = project_id();
        async move {
            let project = project?;
            let kind = api::projects::kind(&project).await.ok()?;
            kind.is_dual().then_some(project)
        }
    });
    let recovery = {
        let chosen = chosen.clone();
        let signs = certificate.usage != Usage::Encrypt;
        move || {
            let project = dual_project.get().flatten().filter(|_| signs)?;
            let chosen = chosen.clone();
            Some(view! { <super::recovery::RecoveryAction chosen project /> })
        }
    };
    let c = certificate.clone();
    let pair = encryption.is_some();
    let encryption_sha = encryption.as_ref().map(|e| e.sha256.to_string());
    let title = title(&c.subject);
    let validity = i18n_validity(&c);
    let usage = c.usage;
    let token_name = if token.label.trim().is_empty() {
        token.serial.to_string()
    } else {
        token.label.trim().to_owned()
    };
    let has_key = c.has_private_key;
    let not_after = c.not_after.clone();

    let action = move || {
        if let Some(no) = open.clone() {
            let href = format!("/renewals/{no}");
            let choose = choose.clone();
            let text = i18n.tf("certs.open.text", &[("no", &no)]);
            return view! {
                <div class="notice" role="status">
                    <p>{text}</p>
                    <a class="btn primary open-renewal" href=href on:click=move |_| choose()>
                        {i18n.t("certs.open.go")}
                    </a>
                </div>
            }
            .into_any();
        }
        match answer() {
            None => view! { <p class="loading">{i18n.t("certs.checking")}</p> }.into_any(),
            // The CA could not read the certificate (a malformed one on the key): say that
            // rather than the form-filling words of VALIDATION_FAILED.
            Some(Err(error)) if error.code == ErrorCode::ValidationFailed => view! {
                <div class="notice error" role="alert" data-code=ErrorCode::ValidationFailed.as_str()>
                    <p>{i18n.t("certs.unreadable")}</p>
                </div>
            }
            .into_any(),
            Some(Err(error)) => view! {
                <ErrorNotice error />
                <button type="button" class="link" on:click=move |_| eligibility.refetch()>
                    {i18n.t("common.retry")}
                </button>
            }
            .into_any(),
            Some(Ok(e)) => verdict(i18n, &e, has_key, renew.clone()),
        }
    };
    let days = move || {
        let left = answer()
            .and_then(Result::ok)
            .map(|e| e.days_left)
            .or_else(|| format::days_until(&not_after, format::now()));
        left.map(|d| days_text(i18n, d))
    };

    // 国密SM2 is said; RSA and EC cards stay as they were.
    let algorithm = is_sm2(&c.der.0).then(|| {
        view! {
            <dt>{i18n.text("certs.algorithm")}</dt>
            <dd class="algorithm" data-algorithm="sm2">{i18n.text("certs.algorithm.sm2")}</dd>
        }
    });
    let facts = match encryption {
        None => view! {
            <dl class="facts">
                <dt>{i18n.text("certs.subject")}</dt>
                <dd>{c.subject.clone()}</dd>
                {algorithm}
                <dt>{i18n.text("certs.issuer")}</dt>
                <dd>{c.issuer.clone()}</dd>
                <dt>{i18n.text("certs.serial")}</dt>
                <dd><code>{c.serial.clone()}</code></dd>
                <dt>{i18n.text("certs.validity")}</dt>
                <dd>{move || i18n.tf("certs.validity_value", &[("from", &validity.0), ("to", &validity.1)])}</dd>
                <dt>{i18n.text("certs.days_left")}</dt>
                <dd>{days}</dd>
                <dt>{i18n.text("certs.usage")}</dt>
                <dd>{move || usage_text(i18n, usage)}</dd>
                <dt>{i18n.text("certs.on_token")}</dt>
                <dd>{token_name.clone()}</dd>
            </dl>
        }
        .into_any(),
        Some(e) => {
            let enc_validity = i18n_validity(&e);
            view! {
                <p class="pair-badge"><span class="badge info">{i18n.text("certs.pair.badge")}</span></p>
                <dl class="facts">
                    <dt>{i18n.text("certs.subject")}</dt>
                    <dd>{c.subject.clone()}</dd>
                    {algorithm}
                    <dt>{i18n.text("certs.issuer")}</dt>
                    <dd>{c.issuer.clone()}</dd>
                    <dt>{i18n.text("certs.pair.signing_validity")}</dt>
                    <dd class="signing-validity">{move || i18n.tf("certs.validity_value", &[("from", &validity.0), ("to", &validity.1)])}</dd>
                    <dt>{i18n.text("certs.pair.encryption_validity")}</dt>
                    <dd class="encryption-validity">{move || i18n.tf("certs.validity_value", &[("from", &enc_validity.0), ("to", &enc_validity.1)])}</dd>
                    <dt>{i18n.text("certs.days_left")}</dt>
                    <dd>{days}</dd>
                    <dt>{i18n.text("certs.on_token")}</dt>
                    <dd>{token_name.clone()}</dd>
                </dl>
                <Details certificate=c.clone() role=Role::Signing />
                <Details certificate=e role=Role::Encryption />
            }
            .into_any()
        }
    };

    view! {
        <article
            class="card cert-card"
            data-sha256=certificate.sha256.to_string()
            data-status=status
            data-has-key=has_key.to_string()
            data-pair=pair.to_string()
            data-encryption-sha256=encryption_sha
        >
            <h3>{title}</h3>
            {facts}
            <div class="cert-action">{action}</div>
            {recovery}
        </article>
    }
}

/// The SubjectPublicKeyInfo algorithm of an SM2 key, DER: id-ecPublicKey with the curve
/// 1.2.156.10197.1.301 (GM/T 0006); in a certificate only its key's SPKI holds it.
const SM2_SPKI_ALGORITHM: [u8; 21] = [
    0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x81, 0x1c,
    0xcf, 0x55, 0x01, 0x82, 0x2d,
];

/// Whether the certificate `der` certifies an SM2 key (国密SM2).
pub(crate) fn is_sm2(der: &[u8]) -> bool {
    der.windows(SM2_SPKI_ALGORITHM.len())
        .any(|w| w == SM2_SPKI_ALGORITHM)
}

/// Which certificate of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// 签名证书.
    Signing,
    /// 加密证书.
    Encryption,
}

impl Role {
    fn code(self) -> &'static str {
        match self {
            Role::Signing => "signing",
            Role::Encryption => "encryption",
        }
    }

    fn label(self, i18n: I18n) -> &'static str {
        match self {
            Role::Signing => i18n.t("certs.pair.signing"),
            Role::Encryption => i18n.t("certs.pair.encryption"),
        }
    }
}

/// `details.cert-details[data-role]`: one certificate of a pair, opened on demand.
#[component]
fn Details(certificate: HostCertificate, role: Role) -> impl IntoView {
    let i18n = use_i18n();
    let validity = i18n_validity(&certificate);
    let usage = certificate.usage;
    view! {
        <details class="cert-details" data-role=role.code() data-sha256=certificate.sha256.to_string()>
            <summary>{move || role.label(i18n)} " · " {i18n.text("certs.pair.details")}</summary>
            <dl class="facts">
                <dt>{i18n.text("certs.serial")}</dt>
                <dd><code>{certificate.serial.clone()}</code></dd>
                <dt>{i18n.text("certs.validity")}</dt>
                <dd>{move || i18n.tf("certs.validity_value", &[("from", &validity.0), ("to", &validity.1)])}</dd>
                <dt>{i18n.text("certs.usage")}</dt>
                <dd>{move || usage_text(i18n, usage)}</dd>
                <dt>{i18n.text("certs.pair.sha256")}</dt>
                <dd><code class="sha256">{certificate.sha256.to_string()}</code></dd>
            </dl>
        </details>
    }
}

/// `.cert-card.history[data-sha256][data-history]`: a former encryption certificate kept
/// on the token so that data encrypted to it stays readable; not renewable.
#[component]
pub fn HistoryCard(certificate: HostCertificate) -> impl IntoView {
    let i18n = use_i18n();
    let validity = i18n_validity(&certificate);
    let usage = certificate.usage;
    view! {
        <article class="card cert-card history" data-sha256=certificate.sha256.to_string() data-history="true">
            <h4>
                <span class="badge">{i18n.text("certs.history.badge")}</span>
                " "
                {title(&certificate.subject)}
            </h4>
            <dl class="facts">
                <dt>{i18n.text("certs.serial")}</dt>
                <dd><code>{certificate.serial.clone()}</code></dd>
                <dt>{i18n.text("certs.validity")}</dt>
                <dd>{move || i18n.tf("certs.validity_value", &[("from", &validity.0), ("to", &validity.1)])}</dd>
                <dt>{i18n.text("certs.usage")}</dt>
                <dd>{move || usage_text(i18n, usage)}</dd>
            </dl>
            <p class="muted small">{i18n.text("certs.history.not_renewable")}</p>
        </article>
    }
}

/// What the eligibility allows, in words, with the renew button when it can be used.
fn verdict(
    i18n: I18n,
    e: &Eligibility,
    has_key: bool,
    renew: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> AnyView {
    use EligibilityStatus as S;
    match e.status {
        Some(S::Eligible) if has_key => {
            let text = i18n.tf("certs.eligible", &[("date", &format::date(&e.not_after))]);
            view! {
                <p><span class="badge ok">{i18n.t("certs.badge.eligible")}</span> " " {text}</p>
                <button type="button" class="primary renew" on:click=renew>
                    {i18n.t("certs.renew")}
                </button>
            }
            .into_any()
        }
        Some(S::Eligible) => view! {
            <div class="notice warn no-key">
                <p>{i18n.t("certs.no_key")}</p>
            </div>
        }
        .into_any(),
        Some(S::TooEarly) => {
            let text = i18n.tf("certs.too_early", &[("date", &format::date(&e.window_opens_at))]);
            view! { <p><span class="badge info">{i18n.t("certs.badge.too_early")}</span> " " {text}</p> }
                .into_any()
        }
        Some(S::Expired) => {
            let text = i18n.tf("certs.expired", &[("date", &format::date(&e.not_after))]);
            view! {
                <p><span class="badge bad">{i18n.t("certs.badge.expired")}</span> " " {text}</p>
                <a class="btn expired-path" href="/expired">{i18n.t("certs.expired.go")}</a>
            }
            .into_any()
        }
        Some(S::UnknownIssuer) => view! {
            <p><span class="badge bad">{i18n.t("certs.badge.unknown_issuer")}</span> " " {i18n.t("certs.unknown_issuer")}</p>
        }
        .into_any(),
        Some(S::Revoked) => view! {
            <p><span class="badge bad">{i18n.t("certs.badge.revoked")}</span> " " {i18n.t("certs.revoked")}</p>
        }
        .into_any(),
        None => {
            let error = AppError::new(ErrorCode::Internal, "unknown eligibility status");
            view! { <ErrorNotice error /> }.into_any()
        }
    }
}

fn i18n_validity(c: &HostCertificate) -> (String, String) {
    (format::date(&c.not_before), format::date(&c.not_after))
}

fn days_text(i18n: I18n, days: i64) -> String {
    if days >= 0 {
        i18n.tf("certs.days", &[("days", &days.to_string())])
    } else {
        i18n.tf("certs.days_expired", &[("days", &(-days).to_string())])
    }
}

fn usage_text(i18n: I18n, usage: Usage) -> &'static str {
    match usage {
        Usage::Sign => i18n.t("certs.usage.sign"),
        Usage::Encrypt => i18n.t("certs.usage.encrypt"),
        Usage::Both => i18n.t("certs.usage.both"),
    }
}

/// The attribute values of an RFC 4514 name, split at unescaped commas.
fn rdns(subject: &str) -> Vec<(String, String)> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for ch in subject.chars() {
        if escaped {
            current.push(ch);
            escaped = false;
        } else if ch == '\\' {
            escaped = true;
        } else if ch == ',' || ch == '+' {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(ch);
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((k.trim().to_ascii_uppercase(), v.trim().to_owned()))
        })
        .collect()
}

/// The card's title: the common name and the organisation (`张三 · 测试医药有限公司`),
/// else the whole subject.
fn title(subject: &str) -> String {
    let names = rdns(subject);
    let get = |key: &str| names.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    match (get("CN"), get("O")) {
        (Some(cn), Some(o)) if cn != o => format!("{cn} · {o}"),
        (Some(cn), _) => cn,
        (None, Some(o)) => o,
        (None, None) => subject.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_the_subject() {
        assert_eq!(
            title("CN=张三,O=测试医药有限公司,C=CN"),
            "张三 · 测试医药有限公司"
        );
        assert_eq!(title("CN=Zhang\\, San,O=ACME,C=CN"), "Zhang, San · ACME");
        assert_eq!(title("O=ACME,C=CN"), "ACME");
        assert_eq!(title("CN=ACME,O=ACME"), "ACME");
        assert_eq!(title("C=CN"), "C=CN");
    }
}
