//! 撤销申请: withdraw a renewal that is still waiting for payment, after a
//! confirmation dialog. The server settles open online attempts first, so money the
//! gateway already took is not lost by cancelling.

use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ErrorCode;

use crate::api;
use crate::components::{ErrorNotice, live, live_text};
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::models::Renewal;
use crate::pages::apply::ui::{close_modal, open_modal};
use crate::state;
use crate::storage;

/// The `#cancel-renewal` button and `dialog#cancel-dialog`.
#[component]
pub fn CancelRenewal(
    business_no: String,
    cert_sha256: String,
    #[prop(into)] on_update: Callback<Renewal>,
    /// Paying is under way: cancelling waits.
    #[prop(into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let dialog = NodeRef::<Dialog>::new();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<AppError>);
    let open = move |_| {
        failure.set(None);
        open_modal(dialog);
    };
    let confirm = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let no = business_no.clone();
        let sha = cert_sha256.clone();
        spawn_local(async move {
            let answer = api::renewals::cancel(&no).await;
            busy.set(false);
            match answer {
                Ok(renewal) => {
                    state::forget_renewal(&sha);
                    storage::forget(&format!("certrenew.pay.{no}"));
                    close_modal(dialog);
                    on_update.run(renewal);
                }
                Err(e) => {
                    // The renewal moved on (e.g. settling found it paid): show where it is.
                    let moved_on = e.code == ErrorCode::IllegalTransition;
                    failure.set(Some(e));
                    if moved_on && let Ok(renewal) = api::renewals::get_one(&no).await {
                        on_update.run(renewal);
                    }
                }
            }
        });
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && busy.get_untracked() {
            ev.prevent_default();
        }
    };
    view! {
        <button id="cancel-renewal" type="button" class="danger" on:click=open disabled=move || disabled.get()>
            {i18n.text("pay.cancel.button")}
        </button>
        <dialog id="cancel-dialog" node_ref=dialog aria-labelledby="cancel-title" on:keydown=on_key>
            <h2 id="cancel-title">{i18n.text("pay.cancel.title")}</h2>
            <p>{i18n.text("pay.cancel.text")}</p>
            {live(move || failure.get().map(|error| view! { <ErrorNotice error /> }).into_any())}
            <div class="actions">
                <button
                    id="confirm-cancel"
                    type="button"
                    class="danger"
                    on:click=confirm
                    disabled=move || busy.get()
                    aria-busy=move || busy.get().then_some("true")
                >
                    {live_text(move || if busy.get() { i18n.t("pay.cancel.busy") } else { i18n.t("pay.cancel.confirm") }.to_owned())}
                </button>
                <button type="button" id="cancel-keep" disabled=move || busy.get() on:click=move |_| close_modal(dialog)>
                    {i18n.text("pay.cancel.keep")}
                </button>
            </div>
        </dialog>
    }
}
