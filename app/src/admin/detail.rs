//! One renewal for the staff (`/admin/renewals/:no`, `GET /admin/renewals/{no}`): the
//! application, the certificate, the money, the timeline and the audit rows, with the
//! actions the staff member's role allows.

use crate::router::A;
use crate::router::use_params_map;
use leptos::prelude::*;
use protocol::ErrorCode;
use protocol::certificate::CertificateStatus;
use protocol::renewal::RenewalStatus;

use crate::admin::actions::Actions;
use crate::admin::audit::AuditTable;
use crate::admin::audit_words::{action_key, by_key, data_line};
use crate::admin::finance::{InvoiceSection, PaymentsSection, RefundSection};
use crate::admin::labels::{status_badge, status_key};
use crate::admin::model::{ApplicationForm, CertSummary, ReviewView};
use crate::admin::queue::{project_name, projects_now};
use crate::admin::renewal_labels::id_type_key;
use crate::admin::review::ReviewPanel;
use crate::admin::session::StaffGate;
use crate::admin::staff::use_staff;
use crate::admin::ui::{Fact, Live, Loader, fact, facts, head, label, row};
use crate::api;
use crate::components::Loaded;
use crate::format;
use crate::i18n::use_i18n;
use crate::models::{IssuedCertificate, Renewal, TimelineEntry};

/// The renewal detail page.
#[component]
pub fn AdminDetailPage() -> impl IntoView {
    let params = use_params_map();
    let no = Memo::new(move |_| params.with(|p| p.get("no").unwrap_or_default()));
    view! {
        <StaffGate>
            <Detail no=no />
        </StaffGate>
    }
}

#[component]
fn Detail(no: Memo<String>) -> impl IntoView {
    let i18n = use_i18n();
    let staff = use_staff();
    let loader = Loader::new(
        move || api::admin::renewal_path(&no.get()),
        ReviewView::read,
        staff,
    );
    let acts = Actions::new(Callback::new(move |()| loader.reload()));
    // Another renewal (a link in the audit rows): its own, empty action state.
    Effect::new(move |previous: Option<String>| {
        let n = no.get();
        if previous.as_ref().is_some_and(|p| *p != n) {
            acts.flash.set(None);
            acts.failure.set(None);
            acts.reason.set(String::new());
            acts.reason_error.set(None);
            acts.confirming.set(false);
        }
        n
    });
    view! {
        <p class="small back">
            <A href="/admin">{i18n.text("admin.detail.back")}</A>
        </p>
        <Loaded>
            {move || {
                loader.value.get().map(|answer| match answer {
                    Err(e) if e.code == ErrorCode::NotFound => Ok(view! {
                        <section id="renewal-missing">
                            <h1>{i18n.text("admin.detail.not_found")}</h1>
                            <p>{move || i18n.tf("admin.detail.not_found_hint", &[("no", &no.get())])}</p>
                        </section>
                    }
                    .into_any()),
                    Err(e) => Err(e),
                    Ok(v) => Ok(view! { <DetailBody v=v acts=acts loader=loader /> }.into_any()),
                })
            }}
        </Loaded>
    }
}

#[component]
fn DetailBody(v: ReviewView, acts: Actions, loader: Loader<ReviewView>) -> impl IntoView {
    let i18n = use_i18n();
    let r = v.renewal.clone();
    let no = r.business_no.clone();
    let known_status = r.status;
    let status = r.status.map(RenewalStatus::as_str).unwrap_or_default();
    let project = r.project.clone();
    let flash = move || {
        acts.flash.get().map(|f| {
            let args: Vec<(&str, &str)> = f.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            view! {
                <div id="action-result" class="notice ok" role="status" data-key=f.key>
                    <p>{i18n.tf(f.key, &args)}</p>
                </div>
            }
        })
    };
    view! {
        <section class="admin-detail-head" aria-busy=move || loader.busy.get().to_string()>
            <h1>
                {i18n.text("admin.field.business_no")} " "
                <span id="admin-business-no">{no.clone()}</span>
            </h1>
            <p class="head-facts">
                <span id="admin-renewal-status" data-status=status class=status_badge(known_status)>
                    {move || label(i18n, known_status.map(status_key), status)}
                </span>
                " "
                <span>{move || project_name(i18n, &projects_now(), &project)}</span>
                " · "
                <span class="muted">
                    {i18n.text("admin.field.created_at")} " " {format::date_time(&r.created_at)}
                </span>
                " · "
                <span class="muted">
                    {i18n.text("admin.field.updated_at")} " " {format::date_time(&r.updated_at)}
                </span>
            </p>
            {flash}
            <div class="actions">
                <button
                    id="detail-refresh"
                    type="button"
                    disabled=move || loader.busy.get()
                    aria-busy=move || loader.busy.get().to_string()
                    on:click=move |_| loader.reload()
                >
                    {move || {
                        if loader.busy.get() { i18n.t("admin.queue.refreshing") } else { i18n.t("common.refresh") }
                    }}
                </button>
            </div>
        </section>
        <ReviewPanel v=v.clone() acts=acts />
        <div class="grid two">
            <ApplicationSection r=r.clone() />
            <CertificateSection old=v.certificate.clone() new=r.certificate.clone() />
        </div>
        <crate::admin::pair::PairSection renewal=r.clone() />
        <crate::admin::expired_detail::ExpiredSection renewal=r.clone() />
        <PaymentsSection v=v.clone() acts=acts />
        <div class="grid two">
            <InvoiceSection invoice=r.invoice.clone() no=no.clone() status=r.status acts=acts />
            <RefundSection refund=r.refund.clone() acts=acts />
        </div>
        <TimelineSection rows=r.timeline.clone() />
        <section id="renewal-audit-section" aria-labelledby="renewal-audit-title">
            <h2 id="renewal-audit-title">{i18n.text("admin.detail.audit")}</h2>
            <AuditTable rows=v.audit.clone() table_id="renewal-audit" />
        </section>
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
    // The newest certificate is the one staff may revoke (docs/revocation.md).
    let revocable = new
        .as_ref()
        .map_or_else(|| old.serial.clone(), |c| c.serial.clone());
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
            <crate::admin::revoke::RevokePanel serial=revocable />
        </section>
    }
}

/// 办理进度: the renewal's own timeline, oldest first.
#[component]
fn TimelineSection(rows: Vec<TimelineEntry>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section id="timeline" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{i18n.text("admin.detail.timeline")}</h2>
            <div class="table-wrap">
                <table class="small">
                    {head(&["admin.audit.at", "admin.audit.action", "admin.audit.actor", "admin.audit.data"])}
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|t| {
                                let action = t.action.clone();
                                let by = t.by.clone();
                                view! {
                                    <tr data-action=t.action.clone()>
                                        <td class="nowrap">{format::date_time(&t.at)}</td>
                                        <td>{Live(i18n).label(action_key(&action), action)}</td>
                                        <td class="nowrap">{Live(i18n).label(by_key(&by), by)}</td>
                                        <td class="data">{data_line(&t.detail)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
