//! `/admin/reconciliation` (对账差异): finance's list of the differences between the
//! gateways' daily statements and the ledger (`GET /admin/reconciliation/differences`,
//! docs/api.md §9, docs/reconciliation.md), each resolved with a note (audited).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use serde_json::Value;

use crate::admin::session::StaffGate;
use crate::admin::staff::use_staff;
use crate::admin::ui::{Live, Loader, RefreshButton, Refusal};
use crate::api;
use crate::components::Loaded;
use crate::format;
use crate::i18n::use_i18n;
use crate::read::{Fields, Res};

/// The note's most characters (the server's limit).
const NOTE_MAX: usize = 500;

/// A difference as the server lists it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(serde::Deserialize))]
pub struct Difference {
    /// `RD…`.
    pub id: String,
    /// `wechatpay`, `alipay`, `unionpay`.
    pub gateway: String,
    /// `YYYY-MM-DD`.
    pub bill_date: String,
    /// Our attempt's number.
    pub out_trade_no: String,
    /// `gateway_only`, `ledger_only`, `amount_mismatch`.
    pub kind: String,
    /// Fen, per the gateway.
    pub gateway_fen: Option<i64>,
    /// Fen, per the ledger.
    pub ledger_fen: Option<i64>,
    /// `open` or `resolved`.
    pub status: String,
    /// Finance's note.
    pub resolution: Option<String>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
}

impl Difference {
    // By hand through `Value` (`crate::read`, issue 16), as the derive read it.
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        let opt_fen = |name| f.optional(name).map(|_| f.i64(name)).transpose();
        Ok(Difference {
            id: f.string("id")?,
            gateway: f.string("gateway")?,
            bill_date: f.string("bill_date")?,
            out_trade_no: f.string("out_trade_no")?,
            kind: f.string("kind")?,
            gateway_fen: opt_fen("gateway_fen")?,
            ledger_fen: opt_fen("ledger_fen")?,
            status: f.string("status")?,
            resolution: f.opt_string("resolution")?,
            resolved_by: f.opt_string("resolved_by")?,
        })
    }

    /// `GET /admin/reconciliation/differences?…`'s rows.
    pub fn list(v: &Value) -> Res<Vec<Self>> {
        crate::read::list(v, Difference::read)
    }
}

/// The catalogue key of a difference's kind.
pub fn kind_key(kind: &str) -> &'static str {
    match kind {
        "gateway_only" => "admin.reconcile.kind.gateway_only",
        "ledger_only" => "admin.reconcile.kind.ledger_only",
        "amount_mismatch" => "admin.reconcile.kind.amount_mismatch",
        _ => "admin.reconcile.kind.other",
    }
}

/// The catalogue key of a gateway.
pub fn gateway_key(gateway: &str) -> &'static str {
    match gateway {
        "wechatpay" => "admin.reconcile.gateway.wechatpay",
        "alipay" => "admin.reconcile.gateway.alipay",
        "unionpay" => "admin.reconcile.gateway.unionpay",
        _ => "admin.reconcile.gateway.other",
    }
}

/// `/admin/reconciliation`.
#[component]
pub fn AdminReconcilePage() -> impl IntoView {
    view! {
        <StaffGate>
            <Differences />
        </StaffGate>
    }
}

#[component]
fn Differences() -> impl IntoView {
    let i18n = use_i18n();
    let staff = use_staff();
    let status = RwSignal::new("open".to_owned());
    let rows = Loader::new(
        move || status.with(|s| api::admin::differences_path(s)),
        Difference::list,
        staff,
    );
    view! {
        <section id="admin-reconcile" class="admin-queue" aria-labelledby="reconcile-title" aria-busy=move || rows.busy.get().to_string()>
            <h1 id="reconcile-title">{i18n.text("admin.reconcile.title")}</h1>
            <p class="muted small">{i18n.text("admin.reconcile.intro")}</p>
            <div class="filters">
                <div class="field">
                    <label for="reconcile-status">{i18n.text("admin.reconcile.status")}</label>
                    <select id="reconcile-status" on:change=move |ev| status.set(event_target_value(&ev))>
                        <option value="open" selected=true>{i18n.text("admin.reconcile.open")}</option>
                        <option value="resolved">{i18n.text("admin.reconcile.resolved")}</option>
                        <option value="all">{i18n.text("admin.reconcile.all")}</option>
                    </select>
                </div>
                <div class="actions">
                    <RefreshButton loader=rows />
                </div>
            </div>
            <Loaded>{move || rows.value.get().map(|r| r.map(|list| view! { <Table rows=list on_done=move || rows.reload() /> }))}</Loaded>
        </section>
    }
}

#[component]
fn Table(
    rows: Vec<Difference>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    if rows.is_empty() {
        return view! { <p class="muted" role="status">{i18n.text("admin.reconcile.empty")}</p> }
            .into_any();
    }
    let count = rows.len().to_string();
    view! {
        <p role="status">{Live(i18n).tf("admin.reconcile.count", "n", count)}</p>
        <div class="table-wrap">
            <table id="reconcile-list">
                <thead>
                    <tr>
                        <th scope="col">{i18n.text("admin.reconcile.bill_date")}</th>
                        <th scope="col">{i18n.text("admin.reconcile.gateway")}</th>
                        <th scope="col">{i18n.text("admin.reconcile.out_trade_no")}</th>
                        <th scope="col">{i18n.text("admin.reconcile.kind")}</th>
                        <th scope="col">{i18n.text("admin.reconcile.gateway_amount")}</th>
                        <th scope="col">{i18n.text("admin.reconcile.ledger_amount")}</th>
                        <th scope="col">{i18n.text("admin.reconcile.resolution")}</th>
                    </tr>
                </thead>
                <tbody>{rows.into_iter().map(|d| view! { <Row d=d on_done=on_done /> }).collect_view()}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn Row(d: Difference, on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let staff = use_staff();
    let note = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let refused = RwSignal::new(None);
    let id = d.id.clone();
    let money = |fen: Option<i64>| fen.map_or_else(|| "—".to_owned(), format::money);
    let (kind, gateway) = (kind_key(&d.kind), gateway_key(&d.gateway));
    let resolve = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = note.get_untracked();
        if text.trim().is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        let id = id.clone();
        leptos::task::spawn_local(async move {
            match api::admin::resolve_difference(&id, &text, &staff.csrf()).await {
                Ok(()) => on_done(),
                Err(e) => {
                    staff.handle(&e);
                    refused.set(Some(e));
                }
            }
            let _ = busy.try_set(false);
        });
    };
    let resolution = match (d.status.as_str(), d.resolution.clone()) {
        ("resolved", note_text) => {
            let by = d.resolved_by.clone().unwrap_or_default();
            view! { <span class="badge ok">{i18n.text("admin.reconcile.resolved")}</span> " " {note_text.unwrap_or_default()} " " <span class="muted small">{by}</span> }.into_any()
        }
        _ if staff.may_finance() => view! {
            <form class="inline" on:submit=resolve>
                <input id=format!("note-{}", d.id) aria-label=i18n.text("admin.reconcile.note") type="text" maxlength=NOTE_MAX.to_string() required=true
                    placeholder=i18n.text("admin.reconcile.note_hint")
                    prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev)) />
                <button type="submit" disabled=move || busy.get()>{i18n.text("admin.reconcile.resolve")}</button>
                {move || refused.get().map(|e| view! { <Refusal error=e /> })}
            </form>
        }
        .into_any(),
        _ => view! { <span class="muted small">{i18n.text("admin.finance.role_note")}</span> }.into_any(),
    };
    view! {
        <tr data-id=d.id.clone() data-kind=d.kind.clone() data-status=d.status.clone()>
            <td class="nowrap">{d.bill_date.clone()}</td>
            <td>{move || i18n.t(gateway)}</td>
            <td class="nowrap">{d.out_trade_no.clone()}</td>
            <td>{move || i18n.t(kind)}</td>
            <td class="nowrap">{money(d.gateway_fen)}</td>
            <td class="nowrap">{money(d.ledger_fen)}</td>
            <td>{resolution}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::admin::model::tests::reads_as_the_derive;

    #[test]
    fn a_difference_reads_as_the_derive() {
        let d = json!({
            "id": "RD1", "gateway": "wechatpay", "bill_date": "2026-03-01", "out_trade_no": "o1",
            "kind": "amount_mismatch", "gateway_fen": 100, "ledger_fen": 90, "status": "resolved",
            "resolution": "ok", "resolved_by": "alice"
        });
        reads_as_the_derive(Difference::read, d.clone());
        let mut open = d;
        for key in ["gateway_fen", "resolution", "resolved_by"] {
            open.as_object_mut().unwrap().remove(key);
        }
        reads_as_the_derive(Difference::read, open);
        assert!(Difference::list(&json!([])).unwrap().is_empty());
    }
}
