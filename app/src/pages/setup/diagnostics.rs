//! The diagnostics view (`#diagnostics`): every fact the check gathered, the
//! project's minimums and the browser, and a plain-text report copied to the clipboard
//! (`#copy-report`) for the CA's support.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::guide::{origin, user_agent};
use crate::detect::{Check, Checker};
use crate::format;
use crate::i18n::{I18n, use_i18n};
use crate::state::use_app_state;

/// Copies `text` to the clipboard (`navigator.clipboard.writeText`); `false` when the
/// browser has no clipboard here (an insecure page) or refused.
pub async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    // Read the property first: an insecure context has no `clipboard`, and calling a
    // method on `undefined` would throw out of the wasm.
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into());
    let Ok(clipboard) = clipboard else {
        return false;
    };
    if !clipboard.is_object() {
        return false;
    }
    let clipboard: web_sys::Clipboard = clipboard.unchecked_into();
    JsFuture::from(clipboard.write_text(text)).await.is_ok()
}

/// Where a copy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copied {
    Not,
    Yes,
    Failed,
}

/// A command or configuration text, with a copy button.
#[component]
pub fn CommandBlock(text: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let copied = RwSignal::new(Copied::Not);
    let copy = move |_| {
        let value = text.get_untracked();
        spawn_local(async move {
            copied.set(if copy_text(&value).await {
                Copied::Yes
            } else {
                Copied::Failed
            });
        });
    };
    Effect::new(move || {
        text.track();
        copied.set(Copied::Not);
    });
    view! {
        <div class="command">
            <pre class="report"><code>{move || text.get()}</code></pre>
            <button type="button" class="link copy" on:click=copy>
                {i18n.text("setup.copy")}
            </button>
            <span class="small" role="status">
                {move || match copied.get() {
                    Copied::Not => "",
                    Copied::Yes => i18n.t("setup.copied"),
                    Copied::Failed => i18n.t("setup.copy_failed"),
                }}
            </span>
        </div>
    }
}

/// The facts as label/value lines, in the shown language.
fn lines(i18n: I18n, check: &Check, project: &str) -> Vec<(&'static str, String)> {
    let f = &check.facts;
    let none = || i18n.t("setup.diag.none").to_owned();
    let modules = if f.modules.is_empty() {
        none()
    } else {
        f.modules
            .iter()
            .map(|m| match (&m.error, m.loaded) {
                (_, true) => format!(
                    "{} ({})",
                    m.path,
                    m.description
                        .clone()
                        .unwrap_or_else(|| i18n.t("setup.diag.loaded").to_owned())
                ),
                (Some(e), false) => format!("{} — {}: {e}", m.path, i18n.t("setup.diag.failed")),
                (None, false) => format!("{} — {}", m.path, i18n.t("setup.diag.failed")),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let minimums = f
        .minimums
        .as_ref()
        .map(|m| {
            i18n.tf(
                "setup.diag.minimums_value",
                &[("extension", &m.extension), ("host", &m.host)],
            )
        })
        .unwrap_or_else(none);
    let error = f
        .error
        .as_ref()
        .map(|e| format!("{} — {}", e.code, e.message))
        .unwrap_or_else(none);
    vec![
        (
            i18n.t("setup.diag.result"),
            check.problem.as_str().to_owned(),
        ),
        (
            i18n.t("setup.diag.extension"),
            f.extension_version.clone().unwrap_or_else(none),
        ),
        (
            i18n.t("setup.diag.host"),
            f.host_version.clone().unwrap_or_else(none),
        ),
        (
            i18n.t("setup.diag.protocol"),
            f.protocol.map(|p| p.to_string()).unwrap_or_else(none),
        ),
        (i18n.t("setup.diag.modules"), modules),
        (
            i18n.t("setup.diag.tokens"),
            f.tokens.map(|n| n.to_string()).unwrap_or_else(none),
        ),
        (i18n.t("setup.diag.project"), project.to_owned()),
        (i18n.t("setup.diag.minimums"), minimums),
        (i18n.t("setup.diag.error"), error),
        (i18n.t("setup.diag.browser"), user_agent()),
        (i18n.t("setup.diag.origin"), origin()),
        (
            i18n.t("setup.diag.time"),
            f.checked_at
                .as_deref()
                .map(format::date_time)
                .unwrap_or_else(none),
        ),
    ]
}

/// The report's plain text: a title line, then `label: value` lines.
fn report_text(title: &str, lines: &[(&str, String)]) -> String {
    let mut out = format!("{title}\n");
    for (label, value) in lines {
        out.push_str(&format!("{label}: {value}\n"));
    }
    out
}

/// `#diagnostics` and `#copy-report`.
#[component]
pub fn Diagnostics(checker: Checker) -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app_state();
    let copied = RwSignal::new(Copied::Not);
    let project = move || match state.project() {
        Some(Ok(p)) => format!("{} ({})", p.id, p.name_zh),
        Some(Err(e)) => format!("{} — {}", e.code, e.message),
        None => String::new(),
    };
    let facts = move || checker.get().map(|c| lines(i18n, &c, &project()));
    let report = move || {
        facts()
            .map(|l| report_text(i18n.t("setup.diag.report_title"), &l))
            .unwrap_or_default()
    };
    let copy = move |_| {
        let text = report();
        spawn_local(async move {
            copied.set(if copy_text(&text).await {
                Copied::Yes
            } else {
                Copied::Failed
            });
        });
    };
    view! {
        <section id="diagnostics" aria-labelledby="diag-title">
            <h2 id="diag-title">{i18n.text("setup.diag.title")}</h2>
            <p class="muted small">{i18n.text("setup.diag.intro")}</p>
            {move || match facts() {
                None => view! { <p class="loading">{i18n.t("setup.checking")}</p> }.into_any(),
                Some(l) => view! {
                    <dl class="facts">
                        {l
                            .into_iter()
                            .map(|(label, value)| view! { <dt>{label}</dt> <dd>{value}</dd> })
                            .collect_view()}
                    </dl>
                }
                .into_any(),
            }}
            <div class="actions">
                <button
                    id="copy-report"
                    type="button"
                    on:click=copy
                    disabled=move || checker.get().is_none()
                >
                    {i18n.text("setup.diag.copy")}
                </button>
                <span role="status" class="copy-status">
                    {move || match copied.get() {
                        Copied::Not => "",
                        Copied::Yes => i18n.t("setup.diag.copied"),
                        Copied::Failed => i18n.t("setup.diag.copy_failed"),
                    }}
                </span>
            </div>
            <details open=move || copied.get() == Copied::Failed>
                <summary>{i18n.text("setup.diag.show_report")}</summary>
                <pre class="report" id="report-text">{report}</pre>
            </details>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_is_one_line_per_fact() {
        let text = report_text(
            "certrenew",
            &[("extension", "0.1.0".into()), ("host", "0.2.0".into())],
        );
        assert_eq!(text, "certrenew\nextension: 0.1.0\nhost: 0.2.0\n");
    }
}
