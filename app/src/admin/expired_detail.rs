//! On `/admin/renewals/{no}`, what the expired path adds for the reviewer (`GET
//! /admin/expired/{no}`, docs/api.md §13.3): the mobile that signed in, the details,
//! every verification transfer (full account number), the identity checks and the
//! uploads to download. Nothing for a renewal that came the on-time way.

use leptos::prelude::*;
use protocol::ErrorCode;
use protocol::expired::{IdentityOutcome, TransferStatus, UploadKind};

use crate::admin::expired_labels::{expired_status_badge, expired_status_key};
use crate::admin::model::came_expired_way;
use crate::admin::model::{ExpiredDetails, ExpiredView, IdentityCheck, StaffTransfer, Upload};
use crate::admin::query::expired_detail_path;
use crate::admin::renewal_labels::{id_type_key, invoice_kind_key};
use crate::admin::staff::use_staff;
use crate::admin::ui::{Fact, Live, Loader, fact, facts, head};
use crate::api;
use crate::components::Loaded;
use crate::format;
use crate::format::file_size;
use crate::i18n::use_i18n;
use crate::models::Renewal;

/// What the bank sends to verify an account (docs/api.md §13.2), shown when the
/// server's row leaves the amount out.
const VERIFY_FEN: i64 = 1;

/// The expired path's section of a renewal; asked for only when the renewal's
/// application says it came that way, and a 404 shows nothing either.
#[component]
pub fn ExpiredSection(renewal: Renewal) -> impl IntoView {
    if !came_expired_way(&renewal.application) {
        return ().into_any();
    }
    let staff = use_staff();
    let no = renewal.business_no.clone();
    let loader = Loader::new(move || expired_detail_path(&no), ExpiredView::read, staff);
    // No application behind the renewal: no section at all.
    let missing = Memo::new(move |_| {
        loader
            .value
            .with(|v| matches!(v, Some(Err(e)) if e.code == ErrorCode::NotFound))
    });
    (move || {
        (!missing.get()).then(|| {
            view! {
                <ExpiredFrame>
                    <Loaded>
                        {move || {
                            loader
                                .value
                                .get()
                                .map(|r| r.map(|v| view! { <ExpiredBody v=v /> }))
                        }}
                    </Loaded>
                </ExpiredFrame>
            }
        })
    })
    .into_any()
}

/// The section and its heading.
#[component]
fn ExpiredFrame(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section id="expired-section" aria-labelledby="expired-section-title">
            <h2 id="expired-section-title">{i18n.text("admin.expired.section")}</h2>
            {children()}
        </section>
    }
}

#[component]
fn ExpiredBody(v: ExpiredView) -> impl IntoView {
    let i18n = use_i18n();
    let a = v.application;
    let status = a.status.known();
    let status_text = a.status.clone();
    let details = ExpiredDetails::from_value(a.details.as_ref());
    // The applicant's own view of the latest transfer carries the amount.
    let latest_fen = a.transfer.and_then(|t| t.amount_fen);
    view! {
        {facts(
            None,
            None,
            None,
            vec![
                fact("admin.expired.mobile", Fact::Text(v.mobile)).id("expired-mobile"),
                fact(
                    "admin.expired.status",
                    Fact::Badge {
                        class: expired_status_badge(status),
                        id: None,
                        status: Some(a.status.to_string()),
                        text: Box::new(Live(i18n).named(&status_text, expired_status_key)),
                    },
                ),
                fact("admin.expired.started_at", Fact::Text(format::date_time(&a.created_at))),
                fact("admin.field.updated_at", Fact::Text(format::date_time(&a.updated_at))),
            ],
        )}
        <DetailsFacts details=details />
        <TransfersTable rows=v.transfers latest_fen=latest_fen />
        <IdentityList checks=a.identity_checks />
        <UploadsList uploads=a.uploads urls=v.download_urls no=a.business_no />
    }
}

/// 申请信息 as the applicant saved it.
#[component]
fn DetailsFacts(details: Option<ExpiredDetails>) -> impl IntoView {
    let i18n = use_i18n();
    let title = view! { <h3>{i18n.text("admin.expired.details")}</h3> };
    let Some(d) = details else {
        return view! {
            {title}
            <p id="expired-details" class="muted">{i18n.text("admin.expired.no_details")}</p>
        }
        .into_any();
    };
    view! {
        {title}
        <div id="expired-details" class="grid two">
            <OrgFacts d=d.clone() />
            <PeopleFacts d=d />
        </div>
    }
    .into_any()
}

/// The organisation, its legal representative, the period and the invoice.
#[component]
fn OrgFacts(d: ExpiredDetails) -> impl IntoView {
    let i18n = use_i18n();
    let months = d.months.to_string();
    let kind = d.invoice.kind.clone();
    let mut invoice = vec![Live(i18n).named_fact(&kind, invoice_kind_key)];
    invoice.extend(d.invoice.title.map(|t| Fact::Text(format!(" · {t}"))));
    invoice.extend(d.invoice.taxpayer_id.map(|t| Fact::Text(format!(" · {t}"))));
    facts(
        None,
        None,
        None,
        vec![
            fact("admin.expired.org_name", Fact::Text(d.organisation.name)),
            fact(
                "admin.expired.credit_code",
                Fact::Code(d.organisation.credit_code),
            ),
            fact(
                "admin.expired.legal_name",
                Fact::Text(d.legal_representative.name),
            ),
            fact(
                "admin.expired.legal_id",
                Fact::Code(d.legal_representative.id_number),
            ),
            fact(
                "admin.expired.legal_mobile",
                Fact::Text(d.legal_representative.mobile),
            ),
            fact(
                "admin.field.months",
                Live(i18n).tf_fact("admin.pay.months", "n", months),
            ),
            fact("admin.app.agreement", Fact::Text(d.agreement_version)),
            fact("admin.expired.invoice", Fact::Seq(invoice)),
        ],
    )
}

/// The operator (经办人) and the recipient (收件人).
#[component]
fn PeopleFacts(d: ExpiredDetails) -> impl IntoView {
    let i18n = use_i18n();
    let op = d.operator;
    let rc = d.recipient;
    let id_type = op.id_type.clone();
    facts(
        None,
        None,
        None,
        vec![
            fact(
                "admin.app.operator",
                Fact::Text(format!("{} · {} · {}", op.name, op.mobile, op.email)),
            ),
            fact(
                "admin.app.id_number",
                Fact::Seq(vec![
                    Live(i18n).label_fact(id_type_key(&id_type), id_type),
                    Fact::Text(" ".to_owned()),
                    Fact::Code(op.id_number),
                ]),
            ),
            fact(
                "admin.app.recipient",
                Fact::Text(format!("{} · {}", rc.name, rc.mobile)),
            ),
            fact("admin.app.address", Fact::Text(rc.address)),
        ],
    )
}

/// Every verification transfer, oldest first, with the full account number.
#[component]
fn TransfersTable(rows: Vec<StaffTransfer>, latest_fen: Option<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let title = view! { <h3>{i18n.text("admin.expired.transfers")}</h3> };
    if rows.is_empty() {
        return view! {
            {title}
            <p id="expired-transfers" class="muted">{i18n.text("admin.expired.no_transfers")}</p>
        }
        .into_any();
    }
    view! {
        {title}
        <div class="table-wrap">
            <table id="expired-transfers" class="small">
                {head(&[
                    "admin.expired.account_name",
                    "admin.expired.bank",
                    "admin.expired.account_no",
                    "admin.expired.amount",
                    "admin.field.status",
                    "admin.expired.tries",
                    "admin.expired.sent_at",
                ])}
                <tbody>
                    {rows
                        .into_iter()
                        .map(|t| view! { <TransferRow t=t fallback_fen=latest_fen.unwrap_or(VERIFY_FEN) /> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn TransferRow(t: StaffTransfer, fallback_fen: i64) -> impl IntoView {
    let i18n = use_i18n();
    let (key, badge) = t.status.known().map_or((None, "badge"), |s| {
        let (key, badge) = transfer_status(s);
        (Some(key), badge)
    });
    let status = t.status.clone();
    let verified = t.verified_at.map(|at| format::date_time(&at));
    view! {
        <tr data-status=t.status.to_string()>
            <td>{t.account_name}</td>
            <td>{t.bank}</td>
            <td class="nowrap"><code>{t.account_no}</code></td>
            <td class="nowrap num">{format::money(t.amount_fen.unwrap_or(fallback_fen))}</td>
            <td>
                <span class=badge>{Live(i18n).label(key, status.as_str().to_owned())}</span>
                {verified.map(|at| view! { " " <span class="muted small">{at}</span> })}
            </td>
            <td class="num">{t.tries}</td>
            <td class="nowrap">{format::date_time(&t.sent_at)}</td>
        </tr>
    }
}

/// 身份核验: every check, failures included, oldest first.
#[component]
fn IdentityList(checks: Vec<IdentityCheck>) -> impl IntoView {
    let i18n = use_i18n();
    let title = view! { <h3>{i18n.text("admin.expired.identity")}</h3> };
    if checks.is_empty() {
        return view! {
            {title}
            <p id="expired-identity" class="muted">{i18n.text("admin.expired.no_identity")}</p>
        }
        .into_any();
    }
    view! {
        {title}
        <ul id="expired-identity">
            {checks
                .into_iter()
                .map(|c| {
                    let (key, badge) = c.outcome.known().map_or((None, "badge"), |o| {
                        let (key, badge) = identity_outcome(o);
                        (Some(key), badge)
                    });
                    let outcome = c.outcome.clone();
                    view! {
                        <li data-outcome=c.outcome.to_string()>
                            <span class=badge>{Live(i18n).label(key, outcome.as_str().to_owned())}</span> " "
                            <span class="muted small">{format::date_time(&c.checked_at)}</span>
                            {c.reason.map(|r| view! { " " <span class="reason">{r}</span> })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// The uploads, each a download (the server sends them as attachments).
#[component]
fn UploadsList(uploads: Vec<Upload>, urls: Vec<String>, no: String) -> impl IntoView {
    let i18n = use_i18n();
    let title = view! { <h3>{i18n.text("admin.expired.uploads")}</h3> };
    if uploads.is_empty() {
        return view! {
            {title}
            <p id="expired-uploads" class="muted">{i18n.text("admin.expired.no_uploads")}</p>
        }
        .into_any();
    }
    view! {
        {title}
        <ul id="expired-uploads">
            {uploads
                .into_iter()
                .enumerate()
                .map(|(i, u)| {
                    // The API lists the URLs in the uploads' order; its own pattern else.
                    let href = urls
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| api::admin::upload_url(&no, u.id));
                    view! { <UploadItem u=u href=href /> }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn UploadItem(u: Upload, href: String) -> impl IntoView {
    let i18n = use_i18n();
    let kind = u.kind.clone();
    view! {
        <li>
            <a class="upload" data-kind=u.kind.to_string() href=href target="_blank" rel="noopener">
                {Live(i18n).named(&kind, upload_kind_key)}
            </a>
            " " {u.name} " "
            <span class="muted small">
                {u.media_type} " · " {file_size(u.size)} " · " {format::date_time(&u.uploaded_at)}
            </span>
            {u.sha256.filter(|h| !h.is_empty()).map(|h| view! { <br /> <code class="small">"SHA-256 " {h}</code> })}
        </li>
    }
}

/// The catalogue key of a verification transfer's state, and its badge class.
pub fn transfer_status(status: TransferStatus) -> (&'static str, &'static str) {
    use TransferStatus as T;
    match status {
        T::Sending => ("admin.expired.transfer.sending", "badge info"),
        T::Pending => ("admin.expired.transfer.pending", "badge warn"),
        T::Verified => ("admin.expired.transfer.verified", "badge ok"),
        T::Superseded => ("admin.expired.transfer.superseded", "badge"),
        T::Locked => ("admin.expired.transfer.locked", "badge bad"),
        T::Failed => ("admin.expired.transfer.failed", "badge bad"),
    }
}

/// The catalogue key of an identity check's outcome, and its badge class.
pub fn identity_outcome(outcome: IdentityOutcome) -> (&'static str, &'static str) {
    use IdentityOutcome as O;
    match outcome {
        O::Passed => ("admin.expired.identity.passed", "badge ok"),
        O::Failed => ("admin.expired.identity.failed", "badge bad"),
        O::Checking => ("admin.expired.identity.checking", "badge info"),
        O::Error => ("admin.expired.identity.error", "badge warn"),
    }
}

/// The catalogue key of an upload's kind.
pub fn upload_kind_key(kind: UploadKind) -> &'static str {
    match kind {
        UploadKind::Form => "admin.expired.upload.form",
        UploadKind::IdFront => "admin.expired.upload.id_front",
        UploadKind::IdBack => "admin.expired.upload.id_back",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::tests::exists;

    #[test]
    fn every_key_is_in_the_catalogue() {
        for t in TransferStatus::ALL {
            exists(transfer_status(*t).0);
        }
        for o in IdentityOutcome::ALL {
            exists(identity_outcome(*o).0);
        }
        for k in UploadKind::ALL {
            exists(upload_kind_key(*k));
        }
    }
}
