//! 我的证书 (`/`): runs the environment check (sending the user to `/setup` when the
//! extension, the helper or the driver is missing), then lists every USB key and its
//! certificates, each with where it stands for renewal (`POST /eligibility`) and what
//! the user can do: 申请续期, 查询进度 of a renewal under way, or why not. A signing and
//! an encryption certificate issued together (签名证书 and 加密证书) are one card; a
//! former encryption certificate kept for old data is shown apart as history.

pub(crate) mod card;
mod pair;
mod recovery;

use crate::router::NavigateOptions;
use crate::router::use_navigate;
use leptos::prelude::*;

use crate::components::{ErrorNotice, Loading};
use crate::detect::{Check, Checker, Problem};
use crate::i18n::{Lang, use_i18n};
use crate::models::{Project, Token, TokenListing};
use crate::state::use_app_state;

/// The certificate list.
#[component]
pub fn CertificatesPage() -> impl IntoView {
    let i18n = use_i18n();
    let checker = Checker::new();
    let navigate = use_navigate();
    // Nothing can be listed without the extension, the helper and a driver: the setup
    // page says how to get them (replace: "back" must not loop through here).
    Effect::new(move || {
        if checker.get().is_some_and(|c| c.problem.needs_setup()) {
            navigate(
                "/setup",
                NavigateOptions {
                    replace: true,
                    ..NavigateOptions::default()
                },
            );
        }
    });
    let refresh = move |_| checker.rerun();

    view! {
        <section id="certificates" aria-busy=move || checker.busy().to_string()>
            <h1>{i18n.text("certs.title")}</h1>
            <ProjectLine />
            <div class="actions">
                <button
                    id="refresh"
                    type="button"
                    on:click=refresh
                    disabled=move || checker.busy()
                >
                    {move || if checker.busy() { i18n.t("certs.refreshing") } else { i18n.t("certs.refresh") }}
                </button>
                <a class="btn" href="/setup">{i18n.text("nav.setup")}</a>
            </div>
            {move || match checker.get() {
                None => view! { <Loading /> }.into_any(),
                Some(check) => view! { <Listing check /> }.into_any(),
            }}
        </section>
    }
}

/// The platform renewed for: fixed when entered from a platform (`/renew` with its way
/// back), else a choice among the CA's platforms (eligibility depends on its window).
#[component]
fn ProjectLine() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app_state();
    let name = move |p: &Project| {
        if i18n.lang() == Lang::Zh {
            p.name_zh.clone()
        } else {
            p.name_en.clone()
        }
    };
    let current = move || state.project().and_then(Result::ok);
    let from_platform = move || state.return_url.get().is_some();
    let choose = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        state.project_id.set(Some(id));
    };
    view! {
        {move || match state.project() {
            None => view! { <p class="muted small">{i18n.t("common.loading")}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorNotice error=e /> }.into_any(),
            Some(Ok(p)) if from_platform() => {
                let text = i18n.tf("certs.from_platform", &[("platform", &name(&p))]);
                view! { <p class="notice" id="platform-line">{text}</p> }.into_any()
            }
            Some(Ok(p)) => {
                let list = state.projects.get().and_then(Result::ok).unwrap_or_default();
                let selected = p.id.clone();
                view! {
                    <div class="field project-choice">
                        <label for="project">{i18n.t("certs.project")}</label>
                        <select id="project" on:change=choose>
                            {list
                                .into_iter()
                                .map(|o| {
                                    let is = o.id == selected;
                                    let label = name(&o);
                                    view! { <option value=o.id selected=is>{label}</option> }
                                })
                                .collect_view()}
                        </select>
                    </div>
                }
                .into_any()
            }
        }}
        {move || {
            current()
                .map(|p| {
                    let days = p.renewal_window_days.to_string();
                    view! {
                        <p class="muted small">{i18n.tf("certs.window", &[("days", &days)])}</p>
                    }
                })
        }}
    }
}

/// What the check found: the keys and their certificates, or why there are none.
#[component]
fn Listing(check: Check) -> impl IntoView {
    let i18n = use_i18n();
    if check.problem.needs_setup() {
        return view! { <p class="loading">{i18n.text("certs.to_setup")}</p> }.into_any();
    }
    if check.problem == Problem::NoToken {
        return view! {
            <div class="notice warn" id="no-token" role="status">
                <p><strong>{i18n.text("certs.no_token.title")}</strong></p>
                <p>{i18n.text("certs.no_token.text")}</p>
            </div>
        }
        .into_any();
    }
    let Some(listing) = check.listing else {
        // The environment is fine but reading the keys failed (a key pulled out while
        // reading, a driver error): say so, "refresh" tries again.
        let error = check.facts.error.unwrap_or_else(|| {
            crate::error::AppError::new(protocol::ErrorCode::Internal, "no listing")
        });
        return view! {
            <ErrorNotice error />
            <p class="muted">{i18n.text("certs.read_failed")}</p>
        }
        .into_any();
    };
    view! {
        <div id="cert-list">
            {listing.tokens.into_iter().map(|t| view! { <TokenGroup listing=t /> }).collect_view()}
        </div>
    }
    .into_any()
}

/// One USB key: its name, PIN warnings, its certificates.
#[component]
fn TokenGroup(listing: TokenListing) -> impl IntoView {
    let i18n = use_i18n();
    let token = listing.token.clone();
    let title = token_title(&token);
    let maker = [token.manufacturer.as_str(), token.model.as_str()]
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    let empty = listing.certificates.is_empty();
    let grouped = pair::group(&listing);
    let history = (!grouped.history.is_empty()).then(|| {
        let cards = grouped
            .history
            .into_iter()
            .map(|c| view! { <card::HistoryCard certificate=c /> })
            .collect_view();
        view! {
            <section class="history-list" aria-label=i18n.text("certs.history.title")>
                <h3>{i18n.text("certs.history.title")}</h3>
                <p class="muted small">{i18n.text("certs.history.text")}</p>
                {cards}
            </section>
        }
    });
    view! {
        <div class="token-group" data-token=token.serial.to_string()>
            <h2>
                {i18n.text("certs.token")} " " {title}
                <span class="muted small">" " {maker}</span>
            </h2>
            <PinWarning token=token.clone() />
            {empty.then(|| view! { <p class="muted">{i18n.text("certs.token_empty")}</p> })}
            {grouped
                .entries
                .into_iter()
                .map(|e| {
                    view! {
                        <card::CertCard
                            token=token.clone()
                            certificate=e.certificate
                            encryption=e.encryption
                        />
                    }
                })
                .collect_view()}
            {history}
        </div>
    }
}

/// The token's label, else its serial.
fn token_title(token: &Token) -> String {
    if token.label.trim().is_empty() {
        token.serial.to_string()
    } else {
        format!("{} ({})", token.label.trim(), token.serial)
    }
}

/// How serious the token's PIN state is, the worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PinState {
    Locked,
    FinalTry,
    CountLow,
}

fn pin_state(token: &Token) -> Option<PinState> {
    if token.pin_locked {
        Some(PinState::Locked)
    } else if token.pin_final_try {
        Some(PinState::FinalTry)
    } else if token.pin_count_low {
        Some(PinState::CountLow)
    } else {
        None
    }
}

/// `.pin-warning`: a wrong PIN was entered, one try is left, or the PIN is locked.
#[component]
fn PinWarning(token: Token) -> impl IntoView {
    let i18n = use_i18n();
    pin_state(&token).map(|s| {
        let (class, code) = match s {
            PinState::Locked => ("notice error pin-warning", "pin_locked"),
            PinState::FinalTry => ("notice error pin-warning", "pin_final_try"),
            PinState::CountLow => ("notice warn pin-warning", "pin_count_low"),
        };
        let text = move || match s {
            PinState::Locked => i18n.t("certs.pin.locked"),
            PinState::FinalTry => i18n.t("certs.pin.final_try"),
            PinState::CountLow => i18n.t("certs.pin.count_low"),
        };
        view! { <div class=class data-pin=code role="alert"><p>{text}</p></div> }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Token {
        Token {
            serial: "7c1cb55c54e9424d".parse().expect("serial"),
            label: "certrenew dev".into(),
            manufacturer: String::new(),
            model: String::new(),
            module: String::new(),
            pin_pad: false,
            pin_count_low: false,
            pin_final_try: false,
            pin_locked: false,
        }
    }

    #[test]
    fn the_worst_pin_state_is_shown() {
        assert_eq!(pin_state(&token()), None);
        let low = Token {
            pin_count_low: true,
            ..token()
        };
        assert_eq!(pin_state(&low), Some(PinState::CountLow));
        let last = Token {
            pin_final_try: true,
            ..low.clone()
        };
        assert_eq!(pin_state(&last), Some(PinState::FinalTry));
        let locked = Token {
            pin_locked: true,
            ..last
        };
        assert_eq!(pin_state(&locked), Some(PinState::Locked));
    }

    #[test]
    fn a_token_is_named_by_label_and_serial() {
        assert_eq!(token_title(&token()), "certrenew dev (7c1cb55c54e9424d)");
        let bare = Token {
            label: " ".into(),
            ..token()
        };
        assert_eq!(token_title(&bare), "7c1cb55c54e9424d");
    }
}
