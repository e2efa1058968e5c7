//! Once signed in: this number's applications, and a new one for a certificate, typed
//! by its serial number (from the CA's inventory) or read from the USB key.

use crate::router::use_navigate;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::application::FieldError;
use protocol::expired::ApplicationStatus;
use protocol::expired_request::StartRequest;

use super::login::SmsLogin;
use super::model::Application;
use super::ui::{Failure, RuleNotice, failure_of, rule_text};
use super::{Loaded, load_signed_in};
use crate::api;
use crate::bridge;
use crate::components::Loaded as Shown;
use crate::error::AppError;
use crate::format;
use crate::i18n::use_i18n;
use crate::models::HostCertificate;
use crate::pages::apply::ui::{TextField, focus};
use crate::pages::support::SupportContacts;
use crate::resource::Resource;
use crate::router::use_query_map;

/// `/expired`: why this path, the sign-in, then the certificate and the applications.
#[component]
pub fn ExpiredPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let preferred = query.with_untracked(|q| q.get("cert"));
    let loaded = Resource::new(|| load_signed_in(api::expired::list()));
    // Signing out is a click; what it leaves is read again (a failure leaves the
    // session as it was, and the list says so).
    let logout = move |_| {
        spawn_local(async move {
            let _ = api::expired::end_session().await;
            loaded.refetch();
        });
    };
    let body = move || {
        loaded.get().map(|answer| {
            answer.map(|l| match l {
                Loaded::SignIn => {
                    view! { <SmsLogin on_done=move |()| loaded.refetch() /> }.into_any()
                }
                Loaded::Ready(list) => view! {
                    <StartApplication preferred=preferred.clone() />
                    <ApplicationList applications=list />
                    <div class="actions">
                        <button id="sms-logout" type="button" class="link" on:click=logout>
                            {i18n.text("expired.login.logout")}
                        </button>
                    </div>
                }
                .into_any(),
            })
        })
    };
    view! {
        <section id="expired">
            <h1>{i18n.text("expired.title")}</h1>
            <div class="notice warn" role="status">
                <p>{i18n.text("expired.why")}</p>
            </div>
            <h2>{i18n.text("expired.how")}</h2>
            <ol class="expired-overview">
                <li>{i18n.text("expired.how.login")}</li>
                <li>{i18n.text("expired.how.details")}</li>
                <li>{i18n.text("expired.how.bank")}</li>
                <li>{i18n.text("expired.how.form")}</li>
                <li>{i18n.text("expired.how.identity")}</li>
                <li>{i18n.text("expired.how.pay")}</li>
            </ol>
        </section>
        <Shown>{body}</Shown>
        <SupportContacts />
    }
}

/// Starting an application.
#[component]
pub fn StartApplication(
    /// The SHA-256 of a certificate to offer first (`/expired?cert=…`).
    preferred: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let state = crate::state::use_app_state();
    let navigate = use_navigate();
    let serial = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let token_certs = RwSignal::new(None::<Vec<HostCertificate>>);

    let begin = {
        let navigate = navigate.clone();
        move |body: StartRequest| {
            let navigate = navigate.clone();
            busy.set(true);
            error.set(None);
            spawn_local(async move {
                let answer = api::expired::start(&body).await;
                busy.set(false);
                match answer {
                    Ok(app) => {
                        navigate(&format!("/expired/{}", app.business_no), Default::default())
                    }
                    Err(e) => match failure_of(e) {
                        Failure::Fields(list) => {
                            errors.set(list);
                            focus("expired-serial");
                        }
                        Failure::Other(e) => error.set(Some(e)),
                    },
                }
            });
        }
    };

    let by_serial = {
        let begin = begin.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if !busy.get_untracked() {
                begin(StartRequest {
                    project: state.project_id.get_untracked(),
                    serial: Some(serial.get_untracked().trim().to_owned()),
                    certificate: None,
                });
            }
        }
    };

    let read_token = move |_| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let listing = bridge::list_certificates().await;
            busy.set(false);
            match listing {
                Ok(l) => {
                    let mut certs: Vec<HostCertificate> =
                        l.tokens.into_iter().flat_map(|t| t.certificates).collect();
                    // Expired ones first: they are why the user is here.
                    let now = format::now();
                    certs
                        .sort_by_key(|c| format::days_until(&c.not_after, now).unwrap_or(i64::MAX));
                    token_certs.set(Some(certs));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let cert_list = move || {
        token_certs.get().map(|certs| {
            if certs.is_empty() {
                return view! { <p class="muted">{i18n.text("expired.start.no_certs")}</p> }.into_any();
            }
            let begin = begin.clone();
            let preferred = preferred.clone();
            view! {
                <ul class="token-certs">
                    {certs.into_iter().map(|c| {
                        let begin = begin.clone();
                        let der = STANDARD.encode(&c.der.0);
                        let left = format::days_until(&c.not_after, format::now()).unwrap_or(0);
                        let state_key = if left < 0 { "expired.start.cert_expired" } else { "expired.start.cert_valid" };
                        let date = format::date(&c.not_after);
                        let mine = preferred.as_deref() == Some(c.sha256.as_str());
                        view! {
                            <li class:preferred=mine>
                                <button
                                    type="button"
                                    class="expired-token-cert"
                                    data-sha256=c.sha256.to_string()
                                    disabled=move || busy.get()
                                    on:click=move |_| begin(StartRequest { project: state.project_id.get_untracked(), serial: None, certificate: Some(der.clone()) })
                                >
                                    <strong>{c.subject.clone()}</strong>
                                    <span class="muted small">
                                        {format!("{} · ", c.serial)}
                                        {move || i18n.tf(state_key, &[("date", &date)])}
                                    </span>
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        })
    };

    view! {
        <section id="expired-start" aria-labelledby="expired-start-title">
            <h2 id="expired-start-title">{i18n.text("expired.start.title")}</h2>
            <p>{i18n.text("expired.start.intro")}</p>
            <div class="actions">
                <button id="expired-read-token" type="button" class="primary" disabled=move || busy.get() on:click=read_token>
                    {i18n.text("expired.start.read_token")}
                </button>
            </div>
            {cert_list}
            <form on:submit=by_serial novalidate>
                <TextField id="expired-serial" field="serial" label="expired.start.serial" hint="expired.start.serial_hint" value=serial errors text=rule_text maxlength=100 />
                <div class="actions">
                    <button id="expired-start-serial" type="submit" disabled=move || busy.get()>
                        {i18n.text("expired.start.by_serial")}
                    </button>
                </div>
            </form>
            {move || error.get().map(|e| view! { <RuleNotice error=e /> })}
        </section>
    }
}

/// This number's applications, newest first.
#[component]
pub fn ApplicationList(applications: Vec<Application>) -> impl IntoView {
    let i18n = use_i18n();
    if applications.is_empty() {
        return ().into_any();
    }
    view! {
        <section aria-labelledby="expired-applications-title">
            <h2 id="expired-applications-title">{i18n.text("expired.list.title")}</h2>
            <ul id="expired-applications">
                {applications.into_iter().map(|a| {
                    let href = if a.status == ApplicationStatus::Submitted {
                        format!("/renewals/{}", a.business_no)
                    } else {
                        format!("/expired/{}", a.business_no)
                    };
                    let status = a.status.clone();
                    let key = status.known().map_or("expired.status.unknown", status_key);
                    view! {
                        <li data-business-no=a.business_no.clone() data-status=status>
                            <a href=href>{a.business_no.clone()}</a>
                            " · "{a.certificate.subject.clone()}" · "
                            <span>{i18n.text(key)}</span>
                            " · "<span class="muted small">{format::date_time(&a.updated_at)}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// The catalogue key of an application status.
pub fn status_key(status: ApplicationStatus) -> &'static str {
    use ApplicationStatus as A;
    match status {
        A::Started => "expired.status.started",
        A::DetailsSaved => "expired.status.details_saved",
        A::TransferSent => "expired.status.transfer_sent",
        A::BankVerified => "expired.status.bank_verified",
        A::FormUploaded => "expired.status.form_uploaded",
        A::IdentityVerified => "expired.status.identity_verified",
        A::Submitted => "expired.status.submitted",
        A::Cancelled => "expired.status.cancelled",
    }
}
