//! Small DOM helpers the apply and pay forms share: inline field errors, focus, modal
//! dialogs.

use leptos::html::Dialog;
use leptos::prelude::*;
use protocol::application::FieldError;
use wasm_bindgen::JsCast;

use crate::i18n::{Lang, use_i18n};

/// Moves the focus to the element with this id (the first field in error), if any.
pub fn focus(id: &str) {
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Whether `field` has an error.
pub fn has_error(errors: &[FieldError], field: &str) -> bool {
    errors.iter().any(|e| e.field == field)
}

/// `"true"` for `aria-invalid` when `field` has an error (else the attribute is left out).
pub fn invalid(
    errors: RwSignal<Vec<FieldError>>,
    field: &'static str,
) -> impl Fn() -> Option<&'static str> {
    move || errors.with(|e| has_error(e, field)).then_some("true")
}

/// Drops the errors of `field` (the user is correcting it).
pub fn clear_field(errors: RwSignal<Vec<FieldError>>, field: &str) {
    if errors.with_untracked(|e| has_error(e, field)) {
        errors.update(|e| e.retain(|x| x.field != field));
    }
}

/// One labelled text control of the apply and pay forms, with its hint and its inline
/// errors (`aria-invalid`, `aria-describedby`); typing clears the field's errors.
#[component]
pub fn TextField(
    id: &'static str,
    field: &'static str,
    /// The label's catalogue key.
    label: &'static str,
    value: RwSignal<String>,
    /// The form's errors.
    errors: RwSignal<Vec<FieldError>>,
    /// The words for a rule.
    text: fn(Lang, &FieldError) -> String,
    /// A catalogue key for a hint under the control.
    #[prop(optional)]
    hint: Option<&'static str>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(optional)] max: Option<String>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let hint_id = format!("{id}-hint");
    let described = {
        let hint_id = hint_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if errors.with(|e| has_error(e, field)) {
                ids.push(error_id(id));
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id>{i18n.text(label)}</label>
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                maxlength=maxlength
                max=max
                required=required
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    clear_field(errors, field);
                }
                aria-invalid=invalid(errors, field)
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="muted small" id=hint_id>{i18n.text(h)}</p> })}
            <FieldErrors errors field control=id text />
        </div>
    }
}

/// The id of the error paragraph of the control `id` (for `aria-describedby`).
pub fn error_id(id: &str) -> String {
    format!("{id}-error")
}

/// The errors of one field path, next to its control: `.field-error[data-field=path]`.
#[component]
pub fn FieldErrors(
    errors: RwSignal<Vec<FieldError>>,
    field: &'static str,
    /// The control's id (names the paragraph for `aria-describedby`).
    #[prop(into)]
    control: String,
    /// The words for a rule.
    text: fn(Lang, &FieldError) -> String,
) -> impl IntoView {
    let i18n = use_i18n();
    let mine = move || {
        errors.with(|all| {
            all.iter()
                .filter(|e| e.field == field)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    move || {
        let list = mine();
        (!list.is_empty()).then(|| {
            view! {
                <p class="field-error" data-field=field id=error_id(&control) data-rule=list[0].rule.clone()>
                    {list.iter().map(|e| text(i18n.lang(), e)).collect::<Vec<_>>().join(" ")}
                </p>
            }
        })
    }
}

/// Opens a `<dialog>` as a modal (focus moves into it, the page behind is inert).
pub fn open_modal(dialog: NodeRef<Dialog>) {
    if let Some(d) = dialog.get_untracked()
        && !d.open()
    {
        let _ = d.show_modal();
    }
}

/// Closes a `<dialog>`.
pub fn close_modal(dialog: NodeRef<Dialog>) {
    if let Some(d) = dialog.get_untracked() {
        d.close();
    }
}
