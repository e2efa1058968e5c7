//! 提交申请: a last look at what was proven, then the application becomes a renewal
//! waiting for payment, and the order page takes over (`/renewals/{no}`).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::form::UploadList;
use super::model::{Application, Submitted};
use super::then_order;
use super::ui::{aria_busy, at_path, error_notice};
use crate::api;
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::state;

/// The submit step.
#[component]
pub fn SubmitStep(app: Application) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let no = app.business_no.clone();
    let sha = app.certificate.sha256.clone();
    let submit = move |_| {
        busy.set(true);
        error.set(None);
        let no = no.clone();
        let sha = sha.clone();
        spawn_local(async move {
            let call = api::expired::submit(&no);
            // 我的证书 shows the order as under way for this certificate.
            let done = |s: Submitted| state::remember_renewal(&sha, &s.application.business_no);
            then_order(&no, call, done, busy, error).await;
        });
    };
    let details = app.details.clone().unwrap_or_default();
    let get = move |p: &str| {
        at_path(&details, p)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let transfer = app
        .transfer
        .clone()
        .map(|t| format!("{} · {} · {}", t.account_name, t.bank, t.account_no));
    view! {
        <section id="expired-summary" aria-labelledby="expired-summary-title">
            <h2 id="expired-summary-title">{i18n.text("expired.submit.title")}</h2>
            <p>{i18n.text("expired.submit.intro")}</p>
            <dl class="facts">
                <dt>{i18n.text("expired.details.org_name")}</dt><dd>{get("/organisation/name")}</dd>
                <dt>{i18n.text("expired.details.org_credit")}</dt><dd>{get("/organisation/credit_code")}</dd>
                <dt>{i18n.text("expired.details.legal_name")}</dt><dd>{get("/legal_representative/name")}</dd>
                <dt>{i18n.text("apply.op_name.label")}</dt><dd>{get("/operator/name")}</dd>
                <dt>{i18n.text("expired.bank.title")}</dt><dd>{transfer}" ✓"</dd>
                <dt>{i18n.text("expired.identity.title")}</dt><dd>{i18n.text("expired.identity.passed")}</dd>
            </dl>
            <UploadList uploads=app.uploads.clone() />
            {error_notice(error)}
            <div class="actions">
                <button id="expired-submit" type="button" class="primary" disabled=busy aria-busy=aria_busy(busy) on:click=submit>
                    {i18n.text("expired.submit.button")}
                </button>
            </div>
        </section>
    }
}
