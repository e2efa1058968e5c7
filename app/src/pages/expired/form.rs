//! 打印申请表并上传: the application form, printed (a print stylesheet keeps only the
//! form), signed by the operator, stamped with the company seal, scanned and uploaded
//! (PDF, JPEG or PNG; the server types it by its bytes and refuses anything else).

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::expired::{NextStep, UploadKind};
use serde_json::Value;
use wasm_bindgen::JsCast;

use super::model::{Application, PrintForm, Upload};
use super::ui::{RuleNotice, aria_busy, at_path};
use super::wizard::{Part, page, to_application};
use crate::api;
use crate::components::{Loading, live, live_text};
use crate::error::{AppError, Code};
use crate::format;
use crate::i18n::{Lang, use_i18n};

/// The QR code of `text` as an SVG document (`None` if it does not fit one).
pub fn qr_svg(text: &str) -> Option<String> {
    crate::pages::pay::qr::svg(text, 140)
}

/// The file chosen in the `<input type=file>` with this id.
pub fn chosen_file(id: &str) -> Option<web_sys::File> {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|input| input.files())
        .and_then(|files| files.get(0))
}

/// Uploads `file` as `kind` to application `no`; answers the application as it now
/// stands (an upload may move it on).
pub async fn upload(
    no: &str,
    kind: UploadKind,
    file: &web_sys::File,
) -> Result<Application, AppError> {
    api::expired::upload(no, kind, file).await?;
    api::expired::application(no).await
}

/// A size in KB with one decimal, as `{:.1}` of the `f64` quotient writes it, by
/// integer arithmetic (no float formatting code in the bundle, issue 16).
fn kilobytes(size: i64) -> String {
    let sign = if size < 0 { "-" } else { "" };
    let bytes = size.unsigned_abs();
    // Whole KB, then the tenth of the rest rounded half to even (the parity of the
    // tenths is that of the last digit), all in u64 (no u128 formatting either).
    let (mut whole, rest) = (bytes >> 10, (bytes & 1023) * 10);
    let (mut tenth, below) = (rest >> 10, rest & 1023);
    if below > 512 || (below == 512 && tenth % 2 == 1) {
        tenth += 1;
    }
    if tenth == 10 {
        whole += 1;
        tenth = 0;
    }
    format!("{sign}{whole}.{tenth} KB")
}

/// The uploads so far, with their types and sizes.
#[component]
pub fn UploadList(uploads: Vec<Upload>) -> impl IntoView {
    let i18n = use_i18n();
    (!uploads.is_empty()).then(|| {
        view! {
            <ul id="uploads" class="uploads">
                {uploads.into_iter().map(|u| {
                    let key = match u.kind.known() {
                        Some(UploadKind::Form) => "expired.upload.kind.form",
                        Some(UploadKind::IdFront) => "expired.upload.kind.id_front",
                        _ => "expired.upload.kind.id_back",
                    };
                    let size = kilobytes(u.size);
                    view! {
                        <li data-kind=u.kind.clone()>
                            <strong>{i18n.text(key)}</strong>
                            " · "{u.name.clone()}" · "{u.media_type.clone()}" · "{size}
                            " · "<span class="muted small">{format::date_time(&u.uploaded_at)}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}

/// The page `/expired/{no}/form` (a bundle of its own, `dist/expired/_/form/`: the
/// printable form, its QR code and its texts are not in `/expired/{no}`'s; issue 16):
/// the application's title, facts, stepper and cancel, as on `/expired/{no}`, around
/// the form step. Any other step, or no SMS session, is `/expired/{no}`'s.
#[component]
pub fn ExpiredFormPage() -> impl IntoView {
    page(Part {
        sign_in: |no, _| to_application(no),
        panel: |app, on_update| match app.next_step.known() {
            Some(NextStep::Form) => view! { <FormStep app on_update /> }.into_any(),
            _ => to_application(&app.business_no),
        },
    })
}

/// The form step.
#[component]
fn FormStep(app: Application, on_update: Callback<Application>) -> impl IntoView {
    let i18n = use_i18n();
    let no = app.business_no.clone();
    let form = api::expired::print_form(no.clone());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let send = move |_| {
        let Some(file) = chosen_file("form-file") else {
            error.set(Some(AppError::new(
                Code::NoFile,
                "choose the scan of the signed and stamped form first",
            )));
            return;
        };
        busy.set(true);
        error.set(None);
        let no = no.clone();
        spawn_local(async move {
            let answer = upload(&no, UploadKind::Form, &file).await;
            busy.set(false);
            match answer {
                Ok(app) => on_update.run(app),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let print = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    view! {
        <section id="expired-form" aria-labelledby="expired-form-title">
            <h2 id="expired-form-title" class="no-print">{i18n.text("expired.form.title")}</h2>
            <ol class="no-print">
                <li>{i18n.text("expired.form.step_print")}</li>
                <li>{i18n.text("expired.form.step_sign")}</li>
                <li>{i18n.text("expired.form.step_upload")}</li>
            </ol>
            <div class="actions no-print">
                <button id="form-print" type="button" on:click=print>{i18n.text("expired.form.print")}</button>
            </div>
            {live(move || match form.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <RuleNotice error=e /> }.into_any(),
                Some(Ok(f)) => view! { <Printable form=f /> }.into_any(),
            })}
            <div class="field no-print">
                <label for="form-file">{i18n.text("expired.form.file")}</label>
                <input id="form-file" name="form-file" type="file" accept="application/pdf,image/jpeg,image/png" aria-describedby="form-file-hint" />
                <p class="muted small" id="form-file-hint">{i18n.text("expired.upload.hint")}</p>
            </div>
            {live(move || error.get().map(|e| view! { <div class="no-print"><RuleNotice error=e /></div> }).into_any())}
            <div class="actions no-print">
                <button id="form-upload" type="button" class="primary" disabled=busy aria-busy=aria_busy(busy) on:click=send>
                    {live_text(move || if busy.get() { i18n.t("expired.upload.sending") } else { i18n.t("expired.form.upload") }.to_owned())}
                </button>
            </div>
            <div class="no-print"><UploadList uploads=app.uploads.clone() /></div>
        </section>
    }
}

/// A value of the form's details by its JSON pointer.
fn at(details: &Value, pointer: &str) -> String {
    at_path(details, pointer)
        .map(|v| match v {
            Value::String(s) => s.clone(),
            // As `Value`'s `Display` writes them, through the serializer the request
            // bodies use (no second copy of it for a `fmt::Write`, issue 16).
            Value::Number(n) => n.to_string(),
            other => serde_json::to_string(other).unwrap_or_default(),
        })
        .unwrap_or_default()
}

/// The printable form: what the signatories declare, with the order number as a QR code.
#[component]
fn Printable(form: PrintForm) -> impl IntoView {
    let i18n = use_i18n();
    let qr = qr_svg(&form.qr_text).unwrap_or_default();
    let d = form.details.clone();
    let rows: Vec<(&'static str, String)> = vec![
        ("expired.details.org_name", at(&d, "/organisation/name")),
        (
            "expired.details.org_credit",
            at(&d, "/organisation/credit_code"),
        ),
        (
            "expired.details.legal_name",
            at(&d, "/legal_representative/name"),
        ),
        (
            "expired.details.legal_id",
            at(&d, "/legal_representative/id_number"),
        ),
        (
            "expired.details.legal_mobile",
            at(&d, "/legal_representative/mobile"),
        ),
        ("apply.op_name.label", at(&d, "/operator/name")),
        ("apply.id_number.label", at(&d, "/operator/id_number")),
        ("apply.op_mobile.label", at(&d, "/operator/mobile")),
        ("apply.op_email.label", at(&d, "/operator/email")),
        ("apply.rcpt_address.label", at(&d, "/recipient/address")),
        ("expired.form.invoice_title", at(&d, "/invoice/title")),
        ("expired.form.months", at(&d, "/months")),
    ];
    let bank = form.bank_account.clone().map(|b| {
        format!(
            "{} · {} · {}",
            at(&b, "/account_name"),
            at(&b, "/bank"),
            at(&b, "/account_no")
        )
    });
    let cert = form.certificate.clone();
    let title = (form.title_zh.clone(), form.title_en.clone());
    let declaration = (form.declaration_zh.clone(), form.declaration_en.clone());
    let project = form.project.clone();
    view! {
        <article id="printable-form" class="printable" aria-label=i18n.text("expired.form.title")>
            <header class="printable-head">
                <div>
                    <h2>{live_text(move || if i18n.lang() == Lang::Zh { title.0.clone() } else { title.1.clone() })}</h2>
                    <p>{live_text(move || at(&project, if i18n.lang() == Lang::Zh { "/name_zh" } else { "/name_en" }))}</p>
                    <p>{i18n.text("expired.business_no")}": "<strong id="form-business-no">{form.business_no.clone()}</strong></p>
                </div>
                <div id="form-qr" class="qr" inner_html=qr></div>
            </header>
            <table class="form-table">
                <tbody>
                    <tr><th scope="row">{i18n.text("expired.certificate")}</th><td>{at(&cert, "/subject")}</td></tr>
                    <tr><th scope="row">{i18n.text("expired.serial")}</th><td>{at(&cert, "/serial")}</td></tr>
                    <tr><th scope="row">{i18n.text("expired.not_after")}</th><td>{format::date(&at(&cert, "/not_after"))}</td></tr>
                    {rows.into_iter().map(|(key, value)| view! {
                        <tr><th scope="row">{i18n.text(key)}</th><td>{value}</td></tr>
                    }).collect_view()}
                    {bank.map(|b| view! { <tr><th scope="row">{i18n.text("expired.bank.title")}</th><td>{b}</td></tr> })}
                    <tr><th scope="row">{i18n.text("apply.fee.total")}</th><td>{form.total_display.clone()}</td></tr>
                </tbody>
            </table>
            <p class="declaration">{live_text(move || if i18n.lang() == Lang::Zh { declaration.0.clone() } else { declaration.1.clone() })}</p>
            <div class="sign-here">
                {form.sign_here.into_iter().map(|s| view! {
                    <div class="sign-box"><span>{live_text(move || if i18n.lang() == Lang::Zh { s.zh.clone() } else { s.en.clone() })}</span></div>
                }).collect_view()}
            </div>
            <p class="muted small">{i18n.text("expired.form.generated")}" "{format::date_time(&form.generated_at)}</p>
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same text as the float formatting it replaced.
    #[test]
    fn sizes_are_written_as_the_float_formatting_wrote_them() {
        for size in (-5_000..200_000).chain([10_485_760, 10_485_761, 123_456_789]) {
            assert_eq!(
                kilobytes(size),
                format!("{:.1} KB", size as f64 / 1024.0),
                "{size}"
            );
        }
    }

    #[test]
    fn the_order_number_becomes_an_svg_qr_code() {
        let svg = qr_svg("01202611220000001").expect("fits");
        assert!(svg.contains("<svg"), "{svg}");
        assert!(svg.contains("<path") || svg.contains("<rect"), "{svg}");
    }
}
