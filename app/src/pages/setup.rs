//! 环境检测 (`/setup`): runs the environment check and, instead of a dead end, says
//! what to do about the problem found: a checklist, the guidance for that problem, the
//! install guide for the user's OS (switchable), a diagnostics report to copy for
//! support, and the project's support contacts. While the extension or the helper is
//! missing it asks again every [`POLL_MS`], so the page notices a fresh installation
//! within seconds, without a reload.

mod diagnostics;
mod guide;

use leptos::prelude::*;

use crate::components::ErrorNotice;
use crate::detect::{Check, Checker, Problem};
use crate::i18n::use_i18n;
use crate::pages::support::SupportContacts;

pub use guide::Os;

/// How often the page asks again while the extension or the helper is missing.
pub const POLL_MS: u64 = 2_000;

/// Whether the page keeps asking: something the user is installing right now.
fn waiting_for_install(problem: Problem) -> bool {
    matches!(problem, Problem::NoExtension | Problem::NoHost)
}

/// The setup and diagnosis page.
#[component]
pub fn SetupPage() -> impl IntoView {
    let i18n = use_i18n();
    let checker = Checker::new();
    // Asks again every POLL_MS while the extension or the helper is missing; stops by
    // itself once they answer, and when the page is left.
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let waiting = checker
                .get()
                .is_some_and(|c| waiting_for_install(c.problem));
            if waiting && !checker.busy() {
                checker.rerun();
            }
        },
        std::time::Duration::from_millis(POLL_MS),
    ) {
        on_cleanup(move || handle.clear());
    }
    let os = RwSignal::new(Os::from_user_agent(&guide::user_agent()));
    let problem = move || checker.get().map(|c| c.problem.as_str());
    let recheck = move |_| checker.rerun();

    view! {
        <section id="setup" data-problem=problem aria-busy=move || checker.busy().to_string()>
            <h1>{i18n.text("setup.title")}</h1>
            <p class="muted">{i18n.text("setup.intro")}</p>
            {move || match checker.get() {
                None => view! { <p class="loading">{i18n.t("setup.checking")}</p> }.into_any(),
                Some(check) => view! { <Checklist check=check.clone() /> <Guidance check /> }.into_any(),
            }}
            <div class="actions">
                <button
                    id="recheck"
                    type="button"
                    class="primary"
                    on:click=recheck
                    disabled=move || checker.busy()
                >
                    {move || if checker.busy() { i18n.t("setup.checking") } else { i18n.t("setup.recheck") }}
                </button>
                <a class="btn" href="/">{i18n.text("nav.certificates")}</a>
            </div>
        </section>
        <guide::InstallGuide os />
        <diagnostics::Diagnostics checker />
        <SupportContacts report_tip=true />
    }
}

/// How far one line of the checklist got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Ok,
    Warn,
    Bad,
    /// Not checked: an earlier line must be fixed first.
    Skipped,
}

/// The four lines of the checklist: extension, host, driver, USB key.
fn marks(check: &Check) -> [Mark; 4] {
    let f = &check.facts;
    let extension = match check.problem {
        Problem::NoExtension => Mark::Bad,
        Problem::OldExtension => Mark::Warn,
        _ => Mark::Ok,
    };
    let host = match check.problem {
        Problem::NoExtension => Mark::Skipped,
        Problem::NoHost => Mark::Bad,
        Problem::OldHost => Mark::Warn,
        _ if f.host_version.is_some() => Mark::Ok,
        _ => Mark::Skipped,
    };
    let module = if check.problem == Problem::NoModule {
        Mark::Bad
    } else if f.modules.iter().any(|m| m.loaded) || f.tokens.is_some() {
        Mark::Ok
    } else {
        Mark::Skipped
    };
    let token = match f.tokens {
        _ if check.problem == Problem::NoToken => Mark::Bad,
        Some(n) if n > 0 => Mark::Ok,
        _ => Mark::Skipped,
    };
    [extension, host, module, token]
}

#[component]
fn Checklist(check: Check) -> impl IntoView {
    let i18n = use_i18n();
    let [extension, host, module, token] = marks(&check);
    let f = check.facts.clone();
    let ext_version = f.extension_version.clone().unwrap_or_default();
    let host_version = f.host_version.clone().unwrap_or_default();
    let loaded = f.modules.iter().filter(|m| m.loaded).count().to_string();
    let tokens = f.tokens.unwrap_or(0).to_string();
    let ext_detail = move || match extension {
        Mark::Bad => i18n.t("setup.ext.missing").to_owned(),
        _ => i18n.tf("setup.version", &[("version", &ext_version)]),
    };
    let host_detail = move || match host {
        Mark::Bad => i18n.t("setup.host.missing").to_owned(),
        Mark::Skipped => i18n.t("setup.not_checked").to_owned(),
        _ => i18n.tf("setup.version", &[("version", &host_version)]),
    };
    let module_detail = move || match module {
        Mark::Bad => i18n.t("setup.module.missing").to_owned(),
        Mark::Skipped => i18n.t("setup.not_checked").to_owned(),
        _ => i18n.tf("setup.module.loaded", &[("count", &loaded)]),
    };
    let token_detail = move || match token {
        Mark::Bad => i18n.t("setup.token.missing").to_owned(),
        Mark::Skipped => i18n.t("setup.not_checked").to_owned(),
        _ => i18n.tf("setup.token.count", &[("count", &tokens)]),
    };
    view! {
        <ul class="checklist">
            <CheckLine mark=extension name="extension" label=Signal::derive(i18n.text("setup.line.extension")) detail=Signal::derive(ext_detail) />
            <CheckLine mark=host name="host" label=Signal::derive(i18n.text("setup.line.host")) detail=Signal::derive(host_detail) />
            <CheckLine mark=module name="module" label=Signal::derive(i18n.text("setup.line.module")) detail=Signal::derive(module_detail) />
            <CheckLine mark=token name="token" label=Signal::derive(i18n.text("setup.line.token")) detail=Signal::derive(token_detail) />
        </ul>
    }
}

#[component]
fn CheckLine(
    mark: Mark,
    name: &'static str,
    label: Signal<&'static str>,
    detail: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (class, state) = match mark {
        Mark::Ok => ("badge ok", "ok"),
        Mark::Warn => ("badge warn", "warn"),
        Mark::Bad => ("badge bad", "bad"),
        Mark::Skipped => ("badge", "skipped"),
    };
    let word = move || match mark {
        Mark::Ok => i18n.t("setup.mark.ok"),
        Mark::Warn => i18n.t("setup.mark.warn"),
        Mark::Bad => i18n.t("setup.mark.bad"),
        Mark::Skipped => i18n.t("setup.mark.skipped"),
    };
    view! {
        <li data-check=name data-state=state>
            <span class=class>{word}</span>
            " "
            <strong>{move || label.get()}</strong>
            <span class="muted">" · " {move || detail.get()}</span>
        </li>
    }
}

/// What to do about the problem found.
#[component]
fn Guidance(check: Check) -> impl IntoView {
    let i18n = use_i18n();
    let f = check.facts.clone();
    let min_ext = f
        .minimums
        .as_ref()
        .map(|m| m.extension.clone())
        .unwrap_or_default();
    let min_host = f
        .minimums
        .as_ref()
        .map(|m| m.host.clone())
        .unwrap_or_default();
    let found_ext = f.extension_version.clone().unwrap_or_else(|| "?".into());
    let found_host = f.host_version.clone().unwrap_or_else(|| "?".into());
    let failed_modules: Vec<_> = f.modules.iter().filter(|m| !m.loaded).cloned().collect();
    let missing_drivers = f.missing_drivers.clone();
    let error = f.error.clone();
    let body = match check.problem {
        Problem::Ok => view! {
            <div class="notice ok" id="guidance" role="status">
                <p><strong>{i18n.text("setup.ok.title")}</strong></p>
                <p>{i18n.text("setup.ok.text")}</p>
                <p><a href="/">{i18n.text("setup.ok.go")}</a></p>
            </div>
        }
        .into_any(),
        Problem::NoExtension => view! {
            <div class="notice error" id="guidance" role="alert">
                <p><strong>{i18n.text("setup.no_extension.title")}</strong></p>
                <p>{i18n.text("setup.no_extension.text")}</p>
                <p><a href="#guide-extension">{i18n.text("setup.see_steps")}</a></p>
            </div>
        }
        .into_any(),
        Problem::OldExtension => {
            // Old by the project's minimum, or (VERSION_MISMATCH naming the extension) by
            // the protocol: the helper is newer than the extension understands.
            let by_version = !min_ext.is_empty() && !crate::detect::at_least(&found_ext, &min_ext);
            let protocol = f
                .protocol
                .map(|p| p.to_string())
                .unwrap_or_else(|| "?".into());
            let text = move || {
                if by_version {
                    i18n.tf(
                        "setup.old_extension.text",
                        &[("found", &found_ext), ("min", &min_ext)],
                    )
                } else {
                    i18n.tf(
                        "setup.old_extension.protocol",
                        &[("found", &found_ext), ("protocol", &protocol)],
                    )
                }
            };
            view! {
                <div class="notice warn" id="guidance" role="alert">
                    <p><strong>{i18n.text("setup.old_extension.title")}</strong></p>
                    <p>{text}</p>
                    <p>{i18n.text("setup.old_extension.how")}</p>
                </div>
            }
            .into_any()
        }
        Problem::NoHost => view! {
            <div class="notice error" id="guidance" role="alert">
                <p><strong>{i18n.text("setup.no_host.title")}</strong></p>
                <p>{i18n.text("setup.no_host.text")}</p>
                <p><a href="#guide-host">{i18n.text("setup.see_steps")}</a></p>
            </div>
        }
        .into_any(),
        Problem::OldHost => {
            let text = move || {
                i18n.tf(
                    "setup.old_host.text",
                    &[("found", &found_host), ("min", &min_host)],
                )
            };
            view! {
                <div class="notice warn" id="guidance" role="alert">
                    <p><strong>{i18n.text("setup.old_host.title")}</strong></p>
                    <p>{text}</p>
                    <p>{i18n.text("setup.old_host.how")}</p>
                    <p><a href="#guide-host">{i18n.text("setup.see_steps")}</a></p>
                </div>
            }
            .into_any()
        }
        Problem::NoModule => view! {
            <div class="notice error" id="guidance" role="alert">
                <p><strong>{i18n.text("setup.no_module.title")}</strong></p>
                // The maker of a key plugged in without its driver (the helper knows it by
                // the key's USB vendor id): named first, with what to install.
                {missing_drivers
                    .into_iter()
                    .map(|m| {
                        let vendor = m.vendor;
                        view! {
                            <p class="missing-driver" data-usb-vendor=m.usb_vendor_id>
                                <strong class="vendor">
                                    {move || i18n.tf("setup.no_module.missing", &[("vendor", &vendor)])}
                                </strong>
                            </p>
                        }
                    })
                    .collect_view()}
                <p>{i18n.text("setup.no_module.text")}</p>
                <ul class="small">
                    {failed_modules
                        .into_iter()
                        .map(|m| {
                            let why = m.error.unwrap_or_default();
                            // The maker's name, when the helper's driver list knows the file.
                            let vendor = m.vendor.map(|vendor| {
                                view! {
                                    <strong class="vendor">
                                        {move || i18n.tf("setup.no_module.vendor", &[("vendor", &vendor)])}
                                    </strong>
                                    " "
                                }
                            });
                            view! { <li>{vendor}<code>{m.path}</code> " — " {why}</li> }
                        })
                        .collect_view()}
                </ul>
                <p><a href="#guide-driver">{i18n.text("setup.see_steps")}</a></p>
            </div>
        }
        .into_any(),
        Problem::NoToken => view! {
            <div class="notice warn" id="guidance" role="alert">
                <p><strong>{i18n.text("setup.no_token.title")}</strong></p>
                <p>{i18n.text("setup.no_token.text")}</p>
            </div>
        }
        .into_any(),
    };
    // The error behind a problem is said in the guidance's own words; only an
    // unexpected one (the environment is fine but reading the keys failed) is shown.
    let unexpected = error.filter(|_| check.problem == Problem::Ok);
    view! {
        {body}
        {unexpected.map(|e| view! { <ErrorNotice error=e /> })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Facts;
    use crate::models::Module;

    fn check(problem: Problem, facts: Facts) -> Check {
        Check {
            problem,
            facts,
            listing: None,
        }
    }

    #[test]
    fn the_page_polls_only_while_something_is_being_installed() {
        assert!(waiting_for_install(Problem::NoHost));
        assert!(waiting_for_install(Problem::NoExtension));
        for p in [
            Problem::Ok,
            Problem::NoModule,
            Problem::NoToken,
            Problem::OldHost,
        ] {
            assert!(!waiting_for_install(p), "{p:?}");
        }
    }

    #[test]
    fn the_checklist_marks_what_was_reached() {
        use Mark::*;
        assert_eq!(
            marks(&check(Problem::NoExtension, Facts::default())),
            [Bad, Skipped, Skipped, Skipped]
        );
        assert_eq!(
            marks(&check(Problem::NoHost, Facts::default())),
            [Ok, Bad, Skipped, Skipped]
        );
        let host = Facts {
            host_version: Some("0.1.0".into()),
            ..Facts::default()
        };
        assert_eq!(
            marks(&check(Problem::OldHost, host.clone())),
            [Ok, Warn, Skipped, Skipped]
        );
        assert_eq!(
            marks(&check(Problem::OldExtension, host.clone())),
            [Warn, Ok, Skipped, Skipped]
        );
        let failed = Module {
            path: "/x.so".into(),
            loaded: false,
            description: None,
            error: Some("no".into()),
            vendor: Some("握奇 Watchdata".into()),
        };
        let no_module = Facts {
            modules: vec![failed],
            ..host.clone()
        };
        assert_eq!(
            marks(&check(Problem::NoModule, no_module)),
            [Ok, Ok, Bad, Skipped]
        );
        let loaded = Module {
            path: "/y.so".into(),
            loaded: true,
            description: None,
            error: None,
            vendor: None,
        };
        let zero = Facts {
            modules: vec![loaded.clone()],
            tokens: Some(0),
            ..host.clone()
        };
        assert_eq!(marks(&check(Problem::NoToken, zero)), [Ok, Ok, Ok, Bad]);
        let two = Facts {
            modules: vec![loaded],
            tokens: Some(2),
            ..host
        };
        assert_eq!(marks(&check(Problem::Ok, two)), [Ok, Ok, Ok, Ok]);
    }
}
