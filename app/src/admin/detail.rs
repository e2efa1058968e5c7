//! One renewal for the staff (`/admin/renewals/:no`, `GET /admin/renewals/{no}`): the
//! application, the certificate, the money, the timeline and the audit rows, with the
//! actions the staff member's role allows.

use leptos::prelude::*;
use protocol::certificate::CertificateStatus;
use protocol::renewal::RenewalStatus;

use crate::admin::actions::Actions;
use crate::admin::labels::{status_badge, status_key};
use crate::admin::model::{ApplicationForm, CertSummary, ReviewView, came_expired_way};
use crate::admin::queue::{project_name, projects_now};
use crate::admin::renewal_labels::id_type_key;
use crate::admin::renewal_pages::RenewalPage;
use crate::admin::review::ReviewPanel;
use crate::admin::ui::{Fact, Live, Loader, fact, facts, label, row};
use crate::api;
use crate::components::live_text;
use crate::format;
use crate::i18n::use_i18n;
use crate::models::{IssuedCertificate, Renewal};

/// The renewal detail page.
#[component]
pub fn AdminDetailPage() -> impl IntoView {
    view! { <RenewalPage body=detail_body sub=false /> }
}

fn detail_body(v: ReviewView, acts: Actions, loader: Loader<ReviewView>) -> AnyView {
    view! { <DetailBody v=v acts=acts loader=loader /> }.into_any()
}

#[component]
fn DetailBody(v: ReviewView, acts: Actions, loader: Loader<ReviewView>) -> impl IntoView {
    let i18n = use_i18n();
    let r = v.renewal.clone();
    let no = r.business_no.clone();
    let known_status = r.status;
    let status = r.status.map(RenewalStatus::as_str).unwrap_or_default();
    let project = r.project.clone();
    view! {
        <section class="admin-detail-head" aria-busy=move || loader.busy.get().to_string()>
            <h1>
                {i18n.text("admin.field.business_no")} " "
                <span id="admin-business-no">{no.clone()}</span>
            </h1>
            <p class="head-facts">
                <span id="admin-renewal-status" data-status=status class=status_badge(known_status)>
                    {live_text(move || label(i18n, known_status.map(status_key), status))}
                </span>
                " "
                <span>{live_text(move || project_name(i18n, &projects_now(), &project))}</span>
                " · "
                <span class="muted">
                    {i18n.text("admin.field.created_at")} " " {format::date_time(&r.created_at)}
                </span>
                " · "
                <span class="muted">
                    {i18n.text("admin.field.updated_at")} " " {format::date_time(&r.updated_at)}
                </span>
            </p>
            {acts.result_notice()}
            <div class="actions">
                <button
                    id="detail-refresh"
                    type="button"
                    disabled=move || loader.busy.get()
                    aria-busy=move || loader.busy.get().to_string()
                    on:click=move |_| loader.reload()
                >
                    {live_text(move || {
                        if loader.busy.get() { i18n.t("admin.queue.refreshing") } else { i18n.t("common.refresh") }
                            .to_owned()
                    })}
                </button>
            </div>
        </section>
        <ReviewPanel v=v.clone() acts=acts />
        <div class="grid two">
            <ApplicationSection r=r.clone() />
            <CertificateSection old=v.certificate.clone() new=r.certificate.clone() />
        </div>
        <RenewalPages r=r.clone() />
    }
}

/// 申请信息: the period, the operator (经办人) and the recipient (收件人).
#[component]
fn ApplicationSection(r: Renewal) -> impl IntoView {
    let i18n = use_i18n();
    let a = ApplicationForm::from_value(&r.application);
    let months = r.months.to_string();
    let id_type = a.operator.id_type.clone();
    let agreement = a.agreement_version.clone();
    let op = a.operator;
    let rc = a.recipient;
    view! {
        <section id="application" aria-labelledby="application-title">
            <h2 id="application-title">{i18n.text("admin.app.title")}</h2>
            {facts(
                None,
                None,
                None,
                vec![
                    fact("admin.field.months", Live(i18n).tf_fact("admin.pay.months", "n", months)),
                    fact("admin.app.agreement", Fact::Text(agreement)),
                ],
            )}
            <h3>{i18n.text("admin.app.operator")}</h3>
            {facts(
                Some("operator"),
                None,
                None,
                vec![
                    fact("admin.app.id_type", Live(i18n).label_fact(id_type_key(&id_type), id_type)),
                    fact("admin.app.id_number", Fact::Text(op.id_number)),
                    fact("admin.app.name", Fact::Text(op.name)),
                    fact("admin.app.mobile", Fact::Text(op.mobile)),
                    fact("admin.app.email", Fact::Text(op.email)),
                ],
            )}
            <h3>{i18n.text("admin.app.recipient")}</h3>
            {facts(
                Some("recipient"),
                None,
                None,
                vec![
                    fact("admin.app.name", Fact::Text(rc.name)),
                    fact("admin.app.mobile", Fact::Text(rc.mobile)),
                    fact("admin.app.address", Fact::Text(rc.address)),
                ],
            )}
        </section>
    }
}

/// The certificate being renewed and, once issued, the new one.
#[component]
fn CertificateSection(old: CertSummary, new: Option<IssuedCertificate>) -> impl IntoView {
    let i18n = use_i18n();
    let validity = |from: &str, to: &str| {
        Fact::Text(format!(
            "{} – {}",
            format::date_time(from),
            format::date_time(to)
        ))
    };
    let old_facts = vec![
        fact("admin.field.subject", Fact::Text(old.subject)),
        fact("admin.cert.issuer", Fact::Text(old.issuer)),
        fact("admin.cert.serial", Fact::Code(old.serial)),
        fact(
            "admin.cert.validity",
            validity(&old.not_before, &old.not_after),
        ),
        row(
            Fact::Text("SHA-256".to_owned()),
            Fact::SmallCode(old.sha256),
        ),
    ];
    view! {
        <section id="certificate" aria-labelledby="certificate-title">
            <h2 id="certificate-title">{i18n.text("admin.cert.title")}</h2>
            {facts(None, None, None, old_facts)}
            {new.map(|c| {
                let status = if c.status == CertificateStatus::Confirmed {
                    "admin.cert.confirmed"
                } else {
                    "admin.cert.issued"
                };
                view! {
                    <h3>{i18n.text("admin.cert.new")}</h3>
                    {facts(
                        Some("new-certificate"),
                        Some(c.status.to_string()),
                        None,
                        vec![
                            fact("admin.cert.serial", Fact::Code(c.serial)),
                            fact("admin.cert.validity", validity(&c.not_before, &c.not_after)),
                            fact("admin.field.status", Fact::Key(status)),
                        ],
                    )}
                }
            })}
        </section>
    }
}

/// The renewal's other pages (`admin::renewal_pages`), each a bundle of its own reached
/// by a full page load: the timeline and the audit rows, the money (payments, invoice, refund), revoking the certificate
/// and, for a dual renewal, its encryption certificates and key recovery, and the
/// expired path's application when it came that way.
#[component]
fn RenewalPages(r: Renewal) -> impl IntoView {
    let i18n = use_i18n();
    // The page's address is the answer's path (`api::admin::renewal_path`).
    let base = api::admin::renewal_path(&r.business_no);
    let link = move |id: &'static str, sub: &str, key: &'static str| {
        view! {
            <li>
                <a id=id href=format!("{base}/{sub}")>{i18n.text(key)}</a>
            </li>
        }
    };
    view! {
        <nav id="renewal-pages" aria-labelledby="renewal-pages-title">
            <h2 id="renewal-pages-title">{i18n.text("admin.sub.title")}</h2>
            <ul>
                {link("link-history", "history", "admin.sub.history")}
                {link("link-finance", "finance", "admin.sub.finance")}
                {link("link-revoke", "certificate", "admin.sub.revoke")}
                {r.is_dual().then(|| link("link-pair", "certificate#pair-certificates", "admin.sub.pair"))}
                {came_expired_way(&r.application).then(|| link("link-expired", "expired", "admin.sub.expired"))}
            </ul>
        </nav>
    }
}
