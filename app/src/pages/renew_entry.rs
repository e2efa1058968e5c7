//! `/renew?project=…&return_url=…`: a relying platform sends its user here (平安财智云:
//! CA管理 → 续期 → 供应商须知 → 同意并继续). The project is looked up, the way back
//! checked against the project's allow-list, the platform's notice shown first when it
//! has one, then the user goes on to "my certificates".

use crate::router::NavigateOptions;
use crate::router::{use_navigate, use_query_map};
use leptos::prelude::*;
use protocol::ErrorCode;

use crate::components::{ErrorNotice, Loading};
use crate::error::AppError;
use crate::i18n::{Lang, use_i18n};
use crate::models::Project;
use crate::state::use_app_state;

/// Whether `url` is a way back the project allows: it starts with one of `allowed` at a
/// boundary (the whole URL, or followed by `/`, `?`, `#`, or `:` and a port, or the
/// prefix itself ends with `/`), with no user-info part that could name another host.
/// The same rule as the server's (`server/src/projects.rs`), which checks it again.
pub fn return_url_allowed(url: &str, allowed: &[String]) -> bool {
    let authority_end = url.find("://").map(|i| i + 3).map(|start| {
        url[start..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |end| start + end)
    });
    let safe = url.len() <= 2048
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
        && authority_end.is_some_and(|end| !url[..end].contains('@'));
    safe && allowed
        .iter()
        .any(|prefix| match url.strip_prefix(prefix.as_str()) {
            Some(rest) => {
                prefix.ends_with('/') || rest.is_empty() || rest.starts_with(['/', '?', '#', ':'])
            }
            None => false,
        })
}

/// The notice in the shown language, else in the other one; `None` when both are empty.
fn notice(project: &Project, lang: Lang) -> Option<String> {
    let (first, second) = match lang {
        Lang::Zh => (&project.notice_zh, &project.notice_en),
        Lang::En => (&project.notice_en, &project.notice_zh),
    };
    [first, second]
        .into_iter()
        .find(|n| !n.trim().is_empty())
        .cloned()
}

/// The project the link names, from the CA's list (already loaded for every page, and
/// an unknown id then costs no 404 in the console).
fn find(list: Result<Vec<Project>, AppError>, id: Option<&str>) -> Result<Project, AppError> {
    let id = id
        .filter(|i| !i.trim().is_empty())
        .ok_or_else(|| AppError {
            code: ErrorCode::ValidationFailed.into(),
            message: "the link names no platform".into(),
            details: serde_json::json!({"field": "project", "rule": "project.missing"}),
        })?;
    list?.into_iter().find(|p| p.id == id).ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            format!("no platform {id:?} at this CA"),
        )
    })
}

/// The platform's entry.
#[component]
pub fn RenewEntryPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app_state();
    let navigate = use_navigate();
    let query = use_query_map().get_untracked();
    let project_param = query.get("project");
    let return_param = query.get("return_url").filter(|u| !u.is_empty());

    let project = {
        let id = project_param.clone();
        move || state.projects.get().map(|list| find(list, id.as_deref()))
    };
    let refused_return = {
        let return_param = return_param.clone();
        move |p: &Project| {
            return_param
                .clone()
                .filter(|u| !return_url_allowed(u, &p.return_urls))
        }
    };
    let proceed = {
        let return_param = return_param.clone();
        move |p: &Project| {
            let back = return_param
                .clone()
                .filter(|u| return_url_allowed(u, &p.return_urls));
            state.project_id.set(Some(p.id.clone()));
            state.return_url.set(back);
            navigate(
                "/",
                NavigateOptions {
                    replace: true,
                    ..NavigateOptions::default()
                },
            );
        }
    };
    // Nothing to read first: go on at once.
    Effect::new({
        let proceed = proceed.clone();
        let refused_return = refused_return.clone();
        let project = project.clone();
        move || {
            if let Some(Ok(p)) = project()
                && notice(&p, i18n.lang.get_untracked()).is_none()
                && refused_return(&p).is_none()
            {
                proceed(&p);
            }
        }
    });

    let id_text = project_param.unwrap_or_default();
    view! {
        {move || match project() {
            None => view! { <section><Loading /></section> }.into_any(),
            Some(Err(e)) => {
                let text = match (e.code.known(), e.detail("rule")) {
                    (Some(ErrorCode::NotFound), _) => Some(i18n.tf("entry.unknown_project", &[("id", &id_text)])),
                    (_, Some("project.missing")) => Some(i18n.t("entry.no_project").to_owned()),
                    _ => None,
                };
                let code = e.code.to_string();
                view! {
                    <section id="renew-entry" data-error=code>
                        <h1>{i18n.t("entry.title")}</h1>
                        {match text {
                            Some(t) => view! {
                                <div class="notice error" role="alert"><p>{t}</p></div>
                            }
                            .into_any(),
                            None => view! {
                                <ErrorNotice error=e />
                                <button type="button" on:click=move |_| state.projects.refetch()>
                                    {i18n.t("common.retry")}
                                </button>
                            }
                            .into_any(),
                        }}
                        <p><a href="/">{i18n.t("entry.go_certificates")}</a></p>
                    </section>
                }
                .into_any()
            }
            Some(Ok(p)) => {
                let text = notice(&p, i18n.lang());
                let refused = refused_return(&p);
                if text.is_none() && refused.is_none() {
                    return view! { <section><Loading /></section> }.into_any();
                }
                let name = if i18n.lang() == Lang::Zh { p.name_zh.clone() } else { p.name_en.clone() };
                let proceed = proceed.clone();
                let go = move |_| proceed(&p);
                view! {
                    <section id="platform-notice" aria-labelledby="notice-title">
                        <h1 id="notice-title">{name}</h1>
                        {text.map(|t| view! {
                            <h2>{i18n.t("entry.notice")}</h2>
                            <div class="agreement notice-text">{t}</div>
                        })}
                        {refused.map(|u| view! {
                            <div class="notice warn" id="return-url-warning" role="alert">
                                <p>{i18n.t("entry.return_refused")}</p>
                                <p class="small"><code>{u}</code></p>
                            </div>
                        })}
                        <div class="actions">
                            <button id="notice-continue" type="button" class="primary" on:click=go>
                                {i18n.t("entry.continue")}
                            </button>
                        </div>
                    </section>
                }
                .into_any()
            }
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    #[test]
    fn return_urls_must_start_with_an_allowed_prefix_at_a_boundary() {
        let allowed = vec![
            "https://caizhiyun.example.com/".to_owned(),
            "http://127.0.0.1".to_owned(),
            "https://p.example.com/ca".to_owned(),
        ];
        let cases = [
            ("https://caizhiyun.example.com/ca/renewed", true),
            ("https://caizhiyun.example.com/", true),
            ("https://caizhiyun.example.com", false),
            ("https://caizhiyun.example.com.evil.example/", false),
            ("https://evil.example.com/", false),
            ("http://127.0.0.1", true),
            ("http://127.0.0.1/done", true),
            ("http://127.0.0.1:8080/done?x=1", true),
            ("http://127.0.0.1?x=1", true),
            ("http://127.0.0.1#top", true),
            ("http://127.0.0.1.evil.example/", false),
            ("http://127.0.0.1:80@evil.example/", false),
            ("https://p.example.com/ca", true),
            ("https://p.example.com/ca/back", true),
            ("https://p.example.com/ca?from=renew", true),
            ("https://p.example.com/cat", false),
            ("https://p.example.com/ca back", false),
            ("javascript:alert(1)", false),
            ("", false),
        ];
        for (url, want) in cases {
            assert_eq!(return_url_allowed(url, &allowed), want, "{url}");
        }
        assert!(!return_url_allowed("https://caizhiyun.example.com/", &[]));
    }

    fn project(id: &str) -> Project {
        let json = serde_json::json!({
            "id": id, "name_zh": "x", "name_en": "x",
            "min_host_version": "0.1.0", "min_extension_version": "0.1.0",
            "renewal_window_days": 90, "prices": [], "fee_line_zh": "x", "fee_line_en": "x",
            "agreement": {"version": "1", "text_zh": "x", "text_en": "x"},
            "payment_methods": [], "invoice_kinds": []
        });
        serde_json::from_value(json).expect("project")
    }

    #[test]
    fn the_link_names_a_known_project() {
        let list = || Ok(vec![project("gd-med"), project("pingan")]);
        assert_eq!(
            find(list(), Some("pingan")).map(|p| p.id),
            Ok("pingan".to_owned())
        );
        let unknown = find(list(), Some("nope")).expect_err("unknown");
        assert_eq!(unknown.code, ErrorCode::NotFound);
        let missing = find(list(), Some(" ")).expect_err("missing");
        assert_eq!(missing.detail("rule"), Some("project.missing"));
        assert_eq!(
            find(list(), None).expect_err("none").detail("rule"),
            Some("project.missing")
        );
        let down =
            find(Err(AppError::new(Code::Network, "down")), Some("pingan")).expect_err("down");
        assert_eq!(down.code, Code::Network);
    }

    #[test]
    fn the_notice_falls_back_to_the_other_language() {
        let json = serde_json::json!({
            "id": "pingan", "name_zh": "平安财智云", "name_en": "Ping An Caizhiyun",
            "min_host_version": "0.1.0", "min_extension_version": "0.1.0",
            "renewal_window_days": 90, "prices": [], "fee_line_zh": "x", "fee_line_en": "x",
            "agreement": {"version": "1", "text_zh": "x", "text_en": "x"},
            "notice_zh": "供应商须知", "notice_en": "",
            "payment_methods": [], "invoice_kinds": []
        });
        let mut p: Project = serde_json::from_value(json).expect("project");
        assert_eq!(notice(&p, Lang::Zh).as_deref(), Some("供应商须知"));
        assert_eq!(notice(&p, Lang::En).as_deref(), Some("供应商须知"));
        p.notice_zh = " \n".into();
        assert_eq!(notice(&p, Lang::Zh), None);
    }
}
