//! 填写申请信息: the organisation and its unified social credit code, the legal
//! representative, the operator and the recipient, the invoice and the period. The
//! server judges every rule at once (its answer lists them all, in form order), and
//! the organisation must be the certificate's owner; each refusal is shown next to
//! its control and the first one gets the focus.
//!
//! It is the page `/expired/{no}/details`, a bundle of its own (`dist/expired/_/details/`,
//! bin `expired-details`; issue 16): the form and its texts (`apply::FORM`,
//! `pay::INVOICE`, `expired::DETAILS`) are not in `/expired/{no}`'s bundle.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::application::FieldError;
use protocol::expired::NextStep;
use protocol::payment::InvoiceKind;
use serde_json::{Value, json};

use super::model::Application;
use super::ui::{Failure, RuleNotice, aria_busy, error_notice, failure_of, rule_words};
use super::wizard::{Part, page, to_application};
use crate::api;
use crate::components::{Loading, live, live_text};
use crate::error::AppError;
use crate::format;
use crate::i18n::{Lang, lookup, use_i18n};
use crate::models::Project;
use crate::pages::apply::fields::{ID_TYPES, input_id as apply_input_id};
use crate::pages::apply::ui::{FieldErrors, TextField, clear_field, focus, invalid};
use crate::state::use_app_state;

/// The control showing a server field path (for the focus), if the form has one: the
/// operator and recipient controls are the application form's (same ids).
pub fn input_id(field: &str) -> Option<&'static str> {
    Some(match field {
        "agreement_version" => "agreement-accept",
        "organisation.name" => "org-name",
        "organisation.credit_code" => "org-credit",
        "legal_representative.name" => "legal-name",
        "legal_representative.id_number" => "legal-id",
        "legal_representative.mobile" => "legal-mobile",
        "invoice.kind" => "invoice-electronic",
        "invoice.title" => "invoice-title",
        "invoice.taxpayer_id" => "taxpayer-id",
        _ => return apply_input_id(field),
    })
}

/// The page `/expired/{no}/details`: the application's title, facts, stepper and
/// cancel, as on `/expired/{no}`, around the details step. Any other step (the details
/// saved, or no SMS session to sign in with) is `/expired/{no}`'s.
#[component]
pub fn ExpiredDetailsPage() -> impl IntoView {
    page(Part {
        sign_in: |no, _| to_application(no),
        panel: |app, on_update| match app.next_step.known() {
            Some(NextStep::Details) => view! { <DetailsStep app on_update /> }.into_any(),
            _ => to_application(&app.business_no),
        },
    })
}

/// The words of a rule: [`rule_words`], else the application form's `apply.rule.<rule>`
/// (the rules of the controls this form shares with `/apply`), else the server's message.
fn rule_text(lang: Lang, e: &FieldError) -> String {
    rule_words(lang, &e.rule)
        .or_else(|| lookup(lang, &format!("apply.rule.{}", e.rule)))
        .map_or_else(|| e.message.clone(), str::to_owned)
}

/// Every control's value, as typed.
#[derive(Clone, Copy)]
struct Fields {
    months: RwSignal<u32>,
    accepted: RwSignal<bool>,
    org_name: RwSignal<String>,
    org_credit: RwSignal<String>,
    legal_name: RwSignal<String>,
    legal_id: RwSignal<String>,
    legal_mobile: RwSignal<String>,
    id_type: RwSignal<String>,
    id_number: RwSignal<String>,
    op_name: RwSignal<String>,
    op_mobile: RwSignal<String>,
    op_email: RwSignal<String>,
    rcpt_name: RwSignal<String>,
    rcpt_mobile: RwSignal<String>,
    rcpt_address: RwSignal<String>,
    invoice_kind: RwSignal<String>,
    invoice_title: RwSignal<String>,
    taxpayer_id: RwSignal<String>,
}

impl Fields {
    /// Filled from details saved before (correcting them), else empty.
    fn from(saved: Option<&Value>) -> Self {
        let s = |path: &[&str]| {
            let mut v = saved;
            for p in path {
                v = v.and_then(|x| x.get(*p));
            }
            RwSignal::new(v.and_then(Value::as_str).unwrap_or_default().to_owned())
        };
        let months = saved
            .and_then(|d| d.get("months"))
            .and_then(Value::as_u64)
            .and_then(|m| u32::try_from(m).ok())
            .unwrap_or(12);
        let id_type = s(&["operator", "id_type"]);
        if id_type.get_untracked().is_empty() {
            id_type.set("resident_id".into());
        }
        let invoice_kind = s(&["invoice", "kind"]);
        if invoice_kind.get_untracked().is_empty() {
            invoice_kind.set(InvoiceKind::Electronic.as_str().into());
        }
        Fields {
            months: RwSignal::new(months),
            accepted: RwSignal::new(saved.is_some()),
            org_name: s(&["organisation", "name"]),
            org_credit: s(&["organisation", "credit_code"]),
            legal_name: s(&["legal_representative", "name"]),
            legal_id: s(&["legal_representative", "id_number"]),
            legal_mobile: s(&["legal_representative", "mobile"]),
            id_type,
            id_number: s(&["operator", "id_number"]),
            op_name: s(&["operator", "name"]),
            op_mobile: s(&["operator", "mobile"]),
            op_email: s(&["operator", "email"]),
            rcpt_name: s(&["recipient", "name"]),
            rcpt_mobile: s(&["recipient", "mobile"]),
            rcpt_address: s(&["recipient", "address"]),
            invoice_kind,
            invoice_title: s(&["invoice", "title"]),
            taxpayer_id: s(&["invoice", "taxpayer_id"]),
        }
    }

    /// The `Details` body (docs/api.md §13.2), as its derive wrote it: a `Value` made
    /// here, so no `Serialize` code of its parts is linked (issue 16).
    fn body(&self, agreement_version: &str, lang: Lang) -> Value {
        let g = |s: RwSignal<String>| Value::String(s.get_untracked().trim().to_owned());
        let taxpayer = g(self.taxpayer_id);
        // `IdType`'s name; anything else is a resident ID (as `fields::id_type` reads it).
        let typed = self.id_type.get_untracked();
        let id_type = ID_TYPES
            .iter()
            .find(|(value, _)| *value == typed.trim())
            .map_or("resident_id", |(value, _)| value);
        json!({
            "months": self.months.get_untracked(),
            "agreement_version": agreement_version,
            "organisation": {
                "name": g(self.org_name),
                "credit_code": g(self.org_credit),
            },
            "legal_representative": {
                "name": g(self.legal_name),
                "id_number": g(self.legal_id),
                "mobile": g(self.legal_mobile),
            },
            "operator": {
                "id_type": id_type,
                "id_number": g(self.id_number),
                "name": g(self.op_name),
                "mobile": g(self.op_mobile),
                "email": g(self.op_email),
            },
            "recipient": {
                "name": g(self.rcpt_name),
                "mobile": g(self.rcpt_mobile),
                "address": g(self.rcpt_address),
            },
            "invoice": {
                "kind": g(self.invoice_kind),
                "title": g(self.invoice_title),
                "taxpayer_id": if taxpayer == "" { Value::Null } else { taxpayer },
            },
            "lang": lang.code(),
        })
    }
}

/// The details step.
#[component]
fn DetailsStep(app: Application, on_update: Callback<Application>) -> impl IntoView {
    let state = use_app_state();
    move || match state.project() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => view! { <RuleNotice error=e /> }.into_any(),
        Some(Ok(project)) => view! { <DetailsForm app=app.clone() project on_update /> }.into_any(),
    }
}

#[component]
fn DetailsForm(
    app: Application,
    project: Project,
    on_update: Callback<Application>,
) -> impl IntoView {
    let i18n = use_i18n();
    let f = Fields::from(app.details.as_ref());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let version = project.agreement.version.clone();
    let no = app.business_no.clone();
    if !project
        .prices
        .iter()
        .any(|p| p.months == f.months.get_untracked())
    {
        f.months.set(project.prices.first().map_or(0, |p| p.months));
    }

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        if !f.accepted.get_untracked() {
            errors.set(vec![FieldError {
                field: "agreement_version".into(),
                rule: "agreement.not_accepted".into(),
                message: "accept the agreement to continue".into(),
            }]);
            focus("agreement-accept");
            return;
        }
        busy.set(true);
        error.set(None);
        let body = f.body(&version, i18n.lang());
        let no = no.clone();
        spawn_local(async move {
            let answer = api::expired::details(&no, &body).await;
            busy.set(false);
            match answer {
                Ok(app) => on_update.run(app),
                Err(e) => match failure_of(e) {
                    Failure::Fields(list) => {
                        let first = list.iter().find_map(|e| input_id(&e.field));
                        errors.set(list);
                        if let Some(id) = first {
                            focus(id);
                        }
                    }
                    Failure::Other(e) => error.set(Some(e)),
                },
            }
        });
    };
    let copy = move |_| {
        f.rcpt_name.set(f.op_name.get_untracked());
        f.rcpt_mobile.set(f.op_mobile.get_untracked());
        clear_field(errors, "recipient.name");
        clear_field(errors, "recipient.mobile");
    };
    let agreement = project.agreement.clone();
    let prices = project.prices.clone();
    let kinds = project.invoice_kinds.clone();
    // Errors the form has no control for, as a list.
    let others = move || {
        errors.with(|list| {
            list.iter()
                .filter(|e| input_id(&e.field).is_none())
                .map(|e| rule_text(i18n.lang(), e))
                .collect::<Vec<_>>()
        })
    };

    view! {
        <form id="expired-details" on:submit=save novalidate>
            <h2>{i18n.text("expired.details.title")}</h2>
            <p class="muted">{i18n.text("expired.details.intro")}</p>

            <section aria-labelledby="agreement-title">
                <h3 id="agreement-title">{i18n.text("apply.agreement.title")}</h3>
                <div class="agreement" tabindex="0" role="document" aria-labelledby="agreement-title">
                    {live_text(move || if i18n.lang() == Lang::Zh { agreement.text_zh.clone() } else { agreement.text_en.clone() })}
                </div>
                <div class="field">
                    <label class="choice" for="agreement-accept">
                        <input id="agreement-accept" type="checkbox"
                            prop:checked=move || f.accepted.get()
                            on:change=move |ev| { f.accepted.set(event_target_checked(&ev)); clear_field(errors, "agreement_version"); }
                            aria-invalid=invalid(errors, "agreement_version") />
                        {i18n.text("apply.agreement.accept")}
                    </label>
                    <FieldErrors errors field="agreement_version" control="agreement-accept" text=rule_text />
                </div>
                <div class="field">
                    <label for="months">{i18n.text("apply.period.label")}</label>
                    <select id="months" name="months"
                        on:change=move |ev| { f.months.set(event_target_value(&ev).parse().unwrap_or(0)); clear_field(errors, "months"); }
                        aria-invalid=invalid(errors, "months")>
                        {prices.into_iter().map(|p| {
                            let m = p.months;
                            view! {
                                <option value=m.to_string() prop:selected=move || f.months.get() == m>
                                    {live_text(move || format!("{} — {}", i18n.tf("apply.months_n", &[("n", &m.to_string())]), format::money(p.fen)))}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                    <FieldErrors errors field="months" control="months" text=rule_text />
                </div>
            </section>

            <section aria-labelledby="org-title">
                <h3 id="org-title">{i18n.text("expired.details.organisation")}</h3>
                <p class="muted small">{i18n.text("expired.details.organisation_hint")}</p>
                <TextField id="org-name" field="organisation.name" label="expired.details.org_name" value=f.org_name errors text=rule_text maxlength=100 required=true />
                <TextField id="org-credit" field="organisation.credit_code" label="expired.details.org_credit" hint="expired.details.org_credit_hint" value=f.org_credit errors text=rule_text maxlength=18 required=true />
            </section>

            <section aria-labelledby="legal-title">
                <h3 id="legal-title">{i18n.text("expired.details.legal")}</h3>
                <TextField id="legal-name" field="legal_representative.name" label="expired.details.legal_name" value=f.legal_name errors text=rule_text maxlength=50 required=true />
                <TextField id="legal-id" field="legal_representative.id_number" label="expired.details.legal_id" hint="apply.id_number.hint" value=f.legal_id errors text=rule_text maxlength=18 required=true />
                <TextField id="legal-mobile" field="legal_representative.mobile" label="expired.details.legal_mobile" value=f.legal_mobile errors text=rule_text kind="tel" inputmode="numeric" maxlength=20 required=true />
            </section>

            <section aria-labelledby="operator-title">
                <h3 id="operator-title">{i18n.text("apply.operator.title")}</h3>
                <div class="field">
                    <label for="id-type">{i18n.text("apply.id_type.label")}</label>
                    <select id="id-type" name="id-type"
                        on:change=move |ev| { f.id_type.set(event_target_value(&ev)); clear_field(errors, "operator.id_number"); }>
                        {ID_TYPES.iter().map(|(value, key)| {
                            let (value, key) = (*value, *key);
                            view! { <option value=value prop:selected=move || f.id_type.get() == value>{i18n.text(key)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <TextField id="id-number" field="operator.id_number" label="apply.id_number.label" value=f.id_number errors text=rule_text maxlength=30 required=true />
                <TextField id="op-name" field="operator.name" label="apply.op_name.label" value=f.op_name errors text=rule_text maxlength=50 required=true />
                <TextField id="op-mobile" field="operator.mobile" label="apply.op_mobile.label" value=f.op_mobile errors text=rule_text kind="tel" inputmode="numeric" maxlength=20 required=true />
                <TextField id="op-email" field="operator.email" label="apply.op_email.label" value=f.op_email errors text=rule_text kind="email" maxlength=254 required=true />
            </section>

            <section aria-labelledby="recipient-title">
                <h3 id="recipient-title">{i18n.text("apply.recipient.title")}</h3>
                <div class="actions">
                    <button id="copy-operator" type="button" class="link" on:click=copy>{i18n.text("apply.recipient.copy")}</button>
                </div>
                <TextField id="rcpt-name" field="recipient.name" label="apply.rcpt_name.label" value=f.rcpt_name errors text=rule_text maxlength=50 required=true />
                <TextField id="rcpt-mobile" field="recipient.mobile" label="apply.rcpt_mobile.label" value=f.rcpt_mobile errors text=rule_text kind="tel" inputmode="numeric" maxlength=20 required=true />
                <TextField id="rcpt-address" field="recipient.address" label="apply.rcpt_address.label" value=f.rcpt_address errors text=rule_text maxlength=200 required=true />
            </section>

            <fieldset aria-describedby="invoice-hint">
                <legend>{i18n.text("pay.invoice.title")}</legend>
                <p class="muted small" id="invoice-hint">{i18n.text("expired.details.invoice_hint")}</p>
                {kinds.into_iter().filter_map(|k| InvoiceKind::parse(&k).map(|kind| (k, kind))).map(|(k, kind)| {
                    let paper = kind == InvoiceKind::Paper;
                    let id = if paper { "invoice-paper" } else { "invoice-electronic" };
                    let key = if paper { "pay.invoice.paper" } else { "pay.invoice.electronic" };
                    let value = k.clone();
                    view! {
                        <label class="choice" for=id>
                            <input id=id type="radio" name="invoice-kind" value=k.clone()
                                prop:checked=move || f.invoice_kind.get() == value
                                on:change=move |_| { f.invoice_kind.set(k.clone()); clear_field(errors, "invoice.kind"); } />
                            {i18n.text(key)}
                        </label>
                    }
                }).collect_view()}
                <FieldErrors errors field="invoice.kind" control="invoice-electronic" text=rule_text />
                <TextField id="invoice-title" field="invoice.title" label="pay.invoice.title_label" hint="pay.invoice.title_hint" value=f.invoice_title errors text=rule_text maxlength=100 required=true />
                <TextField id="taxpayer-id" field="invoice.taxpayer_id" label="pay.invoice.taxpayer" hint="pay.invoice.taxpayer_hint" value=f.taxpayer_id errors text=rule_text maxlength=18 />
            </fieldset>

            {live(move || {
                let list = others();
                (!list.is_empty()).then(|| view! {
                    <div class="notice error" role="alert" id="details-other-errors">
                        {list.into_iter().map(|t| view! { <p>{t}</p> }).collect_view()}
                    </div>
                })
            }.into_any())}
            {error_notice(error)}
            <div class="actions">
                <button id="details-save" type="submit" class="primary" disabled=move || busy.get() aria-busy=aria_busy(busy)>
                    {i18n.text("expired.details.save")}
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::apply::fields::id_type;
    use protocol::application::{Operator, Recipient};
    use protocol::expired_request::{Details, InvoiceChoice, LegalRepresentative, Organisation};

    /// The body as it was made before (the protocol type, serialized by its derive).
    fn derived(f: &Fields, agreement_version: &str, lang: Lang) -> Value {
        let g = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let taxpayer = g(f.taxpayer_id);
        let details = Details {
            months: f.months.get_untracked(),
            agreement_version: agreement_version.to_owned(),
            organisation: Organisation {
                name: g(f.org_name),
                credit_code: g(f.org_credit),
            },
            legal_representative: LegalRepresentative {
                name: g(f.legal_name),
                id_number: g(f.legal_id),
                mobile: g(f.legal_mobile),
            },
            operator: Operator {
                id_type: id_type(&g(f.id_type)),
                id_number: g(f.id_number),
                name: g(f.op_name),
                mobile: g(f.op_mobile),
                email: g(f.op_email),
            },
            recipient: Recipient {
                name: g(f.rcpt_name),
                mobile: g(f.rcpt_mobile),
                address: g(f.rcpt_address),
            },
            invoice: InvoiceChoice {
                kind: g(f.invoice_kind),
                title: Some(g(f.invoice_title)),
                taxpayer_id: (!taxpayer.is_empty()).then_some(taxpayer),
            },
            lang: Some(lang.code().to_owned()),
        };
        serde_json::to_value(details).expect("serializes")
    }

    #[test]
    fn the_body_is_what_the_details_derive_wrote() {
        let cases = [
            ("", "passport"),
            (" 91440300MA5F00000X ", "hk_macao_permit"),
            ("1", " taiwan_permit "),
            ("", "something else"),
            ("", ""),
        ];
        for (taxpayer, kind) in cases {
            let saved = json!({
                "months": 24,
                "organisation": {"name": " 深圳某公司 ", "credit_code": "91440300MA5F00000X"},
                "legal_representative": {"name": "张三", "id_number": "1101", "mobile": "138"},
                "operator": {"id_type": kind, "id_number": "P1", "name": "李四",
                             "mobile": "139", "email": "a@b.cn"},
                "recipient": {"name": "王五", "mobile": "137", "address": "深圳"},
                "invoice": {"kind": "paper", "title": " 抬头 ", "taxpayer_id": taxpayer},
            });
            let f = Fields::from(Some(&saved));
            for lang in [Lang::Zh, Lang::En] {
                assert_eq!(
                    f.body("2026-01", lang),
                    derived(&f, "2026-01", lang),
                    "{taxpayer:?} {kind:?}"
                );
            }
        }
        let empty = Fields::from(None);
        assert_eq!(empty.body("v", Lang::Zh), derived(&empty, "v", Lang::Zh));
    }
}
