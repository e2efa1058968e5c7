//! The routing the screens use: the location, links, navigation, the route's parameters
//! and query. Screens name these through this module only.
//!
//! Each bundle renders one to four routes, so a general nested router is not needed:
//! leptos_router was about 60 KB of every bundle gzipped (issue 16). What a user or a
//! test can notice follows leptos_router 0.8 (`components.rs`, `link.rs`,
//! `location/{mod,history}.rs`, `params.rs`):
//! - a plain left click on any same-origin `<a href>` whose path this bundle renders is
//!   handled in-page (modifier keys, other buttons, `target`, `download`,
//!   `rel="external"` and other origins are left to the browser);
//! - a navigation pushes (or replaces) a history entry, then scrolls to the hash's
//!   element or to the top; back and forward (`popstate`) update the location;
//! - route parameters and query values are decoded as leptos_router decodes them.
//!
//! Unlike leptos_router, a link to another bundle's path is left to the browser, and
//! `navigate` to one loads it at once (`location.assign`/`replace`): the in-page router
//! could only render `Elsewhere`, which did the same. Its loop guard is [`tried_recently`].

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::storage;

/// Route parameters or a query: names and their decoded values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParamsMap(Vec<(String, String)>);

impl ParamsMap {
    /// The value of `key` (the last one if given twice, as leptos_router's `get`).
    pub fn get(&self, key: &str) -> Option<String> {
        self.get_str(key).map(str::to_owned)
    }

    /// The value of `key`, borrowed.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Options of [`use_navigate`]'s function, as leptos_router's (those the app uses).
#[derive(Clone, Debug)]
pub struct NavigateOptions {
    /// Replace the current history entry instead of adding one ("back" skips it).
    pub replace: bool,
    /// Scroll to the top after the navigation (to the hash's element if there is one).
    pub scroll: bool,
}

impl Default for NavigateOptions {
    fn default() -> Self {
        Self {
            replace: false,
            scroll: true,
        }
    }
}

/// The browser's location as the router shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Url {
    /// As `location.pathname` (percent-encoded).
    path: String,
    /// The query without its `?`.
    search: String,
    /// With its `#`, or empty.
    hash: String,
}

impl Url {
    fn full(&self) -> String {
        let mut s = self.path.clone();
        if !self.search.is_empty() {
            s.push('?');
            s.push_str(&self.search);
        }
        s.push_str(&self.hash);
        s
    }
}

/// The current location, each part its own memo (as leptos_router's `Location`).
#[derive(Clone, Copy, Debug)]
pub struct Location {
    /// The path, percent-encoded as in the address bar.
    pub pathname: Memo<String>,
    /// The raw query without its `?`.
    pub search: Memo<String>,
    /// The hash with its `#`, or empty.
    pub hash: Memo<String>,
    /// The query, decoded.
    pub query: Memo<ParamsMap>,
}

#[derive(Clone, Copy)]
struct Router {
    url: RwSignal<Url>,
    location: Location,
    /// The patterns of the routes this bundle renders.
    routes: StoredValue<Vec<&'static str>>,
}

/// The route's own parameters, provided by the route's view.
#[derive(Clone, Copy)]
struct RouteParams(Memo<ParamsMap>);

fn router() -> Router {
    expect_context::<Router>()
}

/// Starts the router of a bundle that renders `routes` (patterns as [`match_path`]'s):
/// the location from the address bar, kept current by `popstate` and in-page links.
pub fn provide_router(routes: Vec<&'static str>) {
    let url = RwSignal::new(current_url().unwrap_or_default());
    let location = Location {
        pathname: Memo::new(move |_| url.with(|u| u.path.clone())),
        search: Memo::new(move |_| url.with(|u| u.search.clone())),
        hash: Memo::new(move |_| url.with(|u| u.hash.clone())),
        query: Memo::new(move |_| url.with(|u| parse_query(&u.search))),
    };
    let cx = Router {
        url,
        location,
        routes: StoredValue::new(routes),
    };
    provide_context(cx);
    // The bundle's shell lives as long as the page: the listeners are never removed.
    let _ = window_event_listener(ev::popstate, move |_| {
        if let Some(u) = current_url() {
            url.set(u);
        }
    });
    let _ = window_event_listener(ev::click, move |e| cx.on_click(&e));
}

fn current_url() -> Option<Url> {
    let l = web_sys::window()?.location();
    Some(Url {
        path: l.pathname().ok()?,
        search: l
            .search()
            .ok()?
            .strip_prefix('?')
            .unwrap_or_default()
            .to_owned(),
        hash: l.hash().ok()?,
    })
}

impl Router {
    fn renders(&self, path: &str) -> bool {
        self.routes
            .with_value(|r| r.iter().any(|p| match_path(p, path).is_some()))
    }

    fn navigate(&self, to: &str, options: NavigateOptions) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let here = window.location();
        let base = here.href().unwrap_or_default();
        let Ok(parsed) = web_sys::Url::new_with_base(to, &base) else {
            leptos::logging::error!("navigate: not a URL: {to}");
            return;
        };
        if Some(parsed.origin()) != here.origin().ok() {
            let _ = here.set_href(to);
            return;
        }
        let next = Url {
            path: parsed.pathname(),
            search: parsed
                .search()
                .strip_prefix('?')
                .unwrap_or_default()
                .to_owned(),
            hash: parsed.hash(),
        };
        let target = next.full();
        // Another bundle's page: load it, unless it was tried moments ago (then the
        // fallback shows "not found" in-page, as before).
        let in_page = self.renders(&next.path);
        if !in_page && !tried_recently(&target) {
            leave(&target, options.replace);
            return;
        }
        let shown = current_url().map(|u| u.full());
        if self.url.with_untracked(|u| *u != next) {
            self.url.set(next);
        }
        if let Ok(history) = window.history() {
            let state = wasm_bindgen::JsValue::UNDEFINED;
            let _ = if options.replace {
                history.replace_state_with_url(&state, "", Some(&target))
            } else if shown.as_deref() != Some(target.as_str()) {
                // The same URL again adds no entry (leptos_router's path stack).
                history.push_state_with_url(&state, "", Some(&target))
            } else {
                Ok(())
            };
        }
        if in_page {
            // After the new route has rendered, so a hash's element can be found.
            let scroll = options.scroll;
            request_animation_frame(move || scroll_to_hash_or_top(scroll));
        }
    }

    fn on_click(&self, e: &web_sys::MouseEvent) {
        // The outermost link on the event's path, as leptos_router takes it.
        let path = e.composed_path();
        let anchor = (0..path.length())
            .filter_map(|i| path.get(i).dyn_into::<web_sys::HtmlAnchorElement>().ok())
            .next_back();
        let Some(a) = anchor else {
            return;
        };
        let href = a.href();
        let url = web_sys::Url::new(&href).ok();
        let origin = web_sys::window().and_then(|w| w.location().origin().ok());
        let rel = a.get_attribute("rel").unwrap_or_default();
        let target = a.target();
        let click = Click {
            default_prevented: e.default_prevented(),
            button: e.button(),
            modified: e.meta_key() || e.alt_key() || e.ctrl_key() || e.shift_key(),
            target: &target,
            href: &href,
            download: a.has_attribute("download"),
            rel: &rel,
            same_origin: url.as_ref().map(|u| u.origin()) == origin,
            rendered_here: url.as_ref().is_some_and(|u| self.renders(&u.pathname())),
        };
        if !click.handled_in_page() {
            return;
        }
        e.prevent_default();
        let scroll = !a.has_attribute("noscroll") && !a.has_attribute("data-noscroll");
        self.navigate(
            &href,
            NavigateOptions {
                replace: false,
                scroll,
            },
        );
    }
}

/// Scrolls to the element the hash names, or to the top when `top` (leptos_router's
/// `scroll_to_el`).
fn scroll_to_hash_or_top(top: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hash = window.location().hash().unwrap_or_default();
    if let Some(id) = hash.strip_prefix('#').filter(|h| !h.is_empty()) {
        let id = js_sys::decode_uri(id)
            .ok()
            .and_then(|d| d.as_string())
            .unwrap_or_else(|| id.to_owned());
        if let Some(el) = window.document().and_then(|d| d.get_element_by_id(&id)) {
            el.scroll_into_view();
            return;
        }
    }
    if top {
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// A function that goes to a URL: in-page for a path this bundle renders, else a full
/// load of the page that renders it.
pub fn use_navigate() -> impl Fn(&str, NavigateOptions) + Clone {
    let cx = router();
    move |to: &str, options: NavigateOptions| cx.navigate(to, options)
}

/// The current location.
pub fn use_location() -> Location {
    router().location
}

/// The current query, decoded.
pub fn use_query_map() -> Memo<ParamsMap> {
    router().location.query
}

/// The parameters of the route being rendered (`:no` → `"no"`).
pub fn use_params_map() -> Memo<ParamsMap> {
    use_context::<RouteParams>()
        .map(|p| p.0)
        .unwrap_or_else(|| Memo::new(|_| ParamsMap::default()))
}

/// Gives the route's view its parameters; the view is rendered anew when they change,
/// so they are fixed for it.
pub fn provide_params(params: ParamsMap) {
    provide_context(RouteParams(Memo::new(move |_| params.clone())));
}

/// A link; `aria-current="page"` when it names the current page or one under it, as
/// leptos_router's `A` marks it. Clicks are handled by the router's one listener.
#[component]
pub fn A(#[prop(into)] href: String, children: Children) -> impl IntoView {
    let pathname = use_location().pathname;
    let path = normalize_path(&href);
    let current = move || pathname.with(|loc| is_active_for(&path, loc).then_some("page"));
    view! { <a href=href aria-current=current>{children()}</a> }
}

const KEY_ELSEWHERE: &str = "certrenew.elsewhere";

/// Whether the browser was sent to `target` moments ago: a second try means no bundle
/// serves it here, so "not found" instead of a loop.
pub fn tried_recently(target: &str) -> bool {
    let now = js_sys::Date::now();
    storage::load::<String>(KEY_ELSEWHERE).is_some_and(|kept| {
        read_try(&kept).is_some_and(|(url, at)| url == target && now - at < 5000.0)
    })
}

/// Forgets the last try of [`leave`], so a later one goes again.
pub fn forget_try() {
    storage::forget(KEY_ELSEWHERE);
}

/// Loads `target` (a path with its query and hash) from the server, which answers with
/// the bundle that renders it, remembering the try for [`tried_recently`].
pub fn leave(target: &str, replace: bool) {
    storage::save(KEY_ELSEWHERE, &write_try(target, js_sys::Date::now()));
    if let Some(w) = web_sys::window() {
        let here = w.location();
        let _ = if replace {
            here.replace(target)
        } else {
            here.assign(target)
        };
    }
}

// ---- The pure parts, tested natively ----

/// A try of [`leave`] as kept: the time in whole milliseconds, a space, the target. One
/// string, so the bundle links no JSON writer of floats or reader of tuples (issue 16).
fn write_try(target: &str, at: f64) -> String {
    // Date.now() is whole milliseconds since 1970: exact in an i64.
    format!("{} {target}", at as i64)
}

/// The target and time [`write_try`] kept.
fn read_try(kept: &str) -> Option<(&str, f64)> {
    let (at, url) = kept.split_once(' ')?;
    Some((url, at.parse::<i64>().ok()? as f64))
}

/// A click as the router sees it.
struct Click<'a> {
    default_prevented: bool,
    /// 0 is the main (left) button.
    button: i16,
    /// Meta, Alt, Ctrl or Shift held.
    modified: bool,
    target: &'a str,
    href: &'a str,
    download: bool,
    rel: &'a str,
    same_origin: bool,
    /// This bundle renders the link's path.
    rendered_here: bool,
}

impl Click<'_> {
    /// Whether the router handles the click in-page rather than the browser
    /// (leptos_router's `handle_anchor_click`, plus: only paths this bundle renders).
    fn handled_in_page(&self) -> bool {
        !self.default_prevented
            && self.button == 0
            && !self.modified
            && self.target.is_empty()
            && !self.href.is_empty()
            && !self.download
            && !self.rel.split([' ', '\t']).any(|r| r == "external")
            && self.same_origin
            && self.rendered_here
    }
}

/// The parameters of `path` if it matches `pattern`: segments equal, or `:name` for one
/// non-empty segment (its value percent-decoded); a trailing slash is dropped.
pub fn match_path(pattern: &str, path: &str) -> Option<ParamsMap> {
    let path = match path.strip_suffix('/') {
        Some(p) if !p.is_empty() => p,
        _ => path,
    };
    let mut params = ParamsMap::default();
    let (mut want, mut got) = (pattern.split('/'), path.split('/'));
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) => match w.strip_prefix(':') {
                Some(name) if !g.is_empty() => {
                    params.0.push((name.to_owned(), decode_uri_component(g)));
                }
                None if w == g => {}
                _ => return None,
            },
            _ => return None,
        }
    }
}

/// A query (without its `?`) decoded as leptos_router 0.8 decodes it: the browser's
/// `URLSearchParams` (application/x-www-form-urlencoded: `+` is a space, `%XX` bytes,
/// invalid UTF-8 replaced), then each value once more through `decodeURIComponent`
/// (`ParamsMap::insert`'s `Url::unescape`), kept as it was when that fails.
fn parse_query(search: &str) -> ParamsMap {
    let form = |s: &str| {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s)
            .decode_utf8_lossy()
            .into_owned()
    };
    ParamsMap(
        search
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (form(k), decode_uri_component(&form(v)))
            })
            .collect(),
    )
}

/// JavaScript's `decodeURIComponent`, or `s` unchanged where it throws (a `%` without
/// two hex digits, or bytes that are not UTF-8), as leptos_router's `Url::unescape`.
fn decode_uri_component(s: &str) -> String {
    let b = s.as_bytes();
    let digit = |k: usize| b.get(k).and_then(|&c| char::from(c).to_digit(16));
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let (Some(hi), Some(lo)) = (digit(i + 1), digit(i + 2)) else {
                return s.to_owned();
            };
            // Two hex digits: at most 0xff.
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// `href`'s path without query and hash, `.` and `..` resolved (leptos_router's
/// `link::normalize_path`).
fn normalize_path(href: &str) -> String {
    let path = href.split(['?', '#']).next().unwrap_or_default();
    if path.is_empty() {
        return String::new();
    }
    let mut kept: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "." => {}
            ".." => {
                if kept.len() > 1 {
                    kept.pop();
                }
            }
            s => kept.push(s),
        }
    }
    let joined = kept.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// Whether a link to `href` marks the page at `location` current: the same path, or
/// one under it (leptos_router's `link::is_active_for`, neither exact nor strict).
fn is_active_for(href: &str, location: &str) -> bool {
    let mut href_f = href.split('/');
    std::iter::zip(location.split('/'), href_f.by_ref())
        .enumerate()
        .all(|(c, (loc_p, href_p))| loc_p == href_p || href_p.is_empty() && c > 1)
        && matches!(href_f.next(), None | Some(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_try_reads_back() {
        let at = 1_764_850_000_123.0;
        let kept = write_try("/renewals/R1?x=a b#top", at);
        assert_eq!(kept, "1764850000123 /renewals/R1?x=a b#top");
        assert_eq!(read_try(&kept), Some(("/renewals/R1?x=a b#top", at)));
        // What an older page kept (a JSON pair), or nothing readable: no try.
        assert_eq!(read_try(r#"["/a",1764850000123.0]"#), None);
        assert_eq!(read_try("x /a"), None);
        assert_eq!(read_try(""), None);
    }

    fn map(pairs: &[(&str, &str)]) -> ParamsMap {
        ParamsMap(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn paths_match_their_patterns() {
        assert_eq!(match_path("/", "/"), Some(map(&[])));
        assert_eq!(match_path("/apply", "/apply"), Some(map(&[])));
        assert_eq!(match_path("/apply", "/apply/"), Some(map(&[])));
        assert_eq!(
            match_path("/renewals/:no", "/renewals/20261203000000001"),
            Some(map(&[("no", "20261203000000001")]))
        );
        assert_eq!(
            match_path("/admin/renewals/:no", "/admin/renewals/R1/"),
            Some(map(&[("no", "R1")]))
        );
        // Parameters are percent-decoded; a bad escape is kept as it is.
        assert_eq!(
            match_path("/expired/:no", "/expired/a%20b%E4%B8%AD"),
            Some(map(&[("no", "a b中")]))
        );
        assert_eq!(
            match_path("/expired/:no", "/expired/100%"),
            Some(map(&[("no", "100%")]))
        );
        for (pattern, path) in [
            ("/", "/apply"),
            ("/apply", "/"),
            ("/apply", "/apply/more"),
            ("/apply", "/Apply"),
            ("/renewals/:no", "/renewals"),
            ("/renewals/:no", "/renewals/"),
            ("/renewals/:no", "/renewals//"),
            ("/renewals/:no", "/renewals/R1/x"),
            ("/admin", "/admin/expired"),
            ("/setup", "/setup/more"),
        ] {
            assert_eq!(match_path(pattern, path), None, "{pattern} {path}");
        }
    }

    #[test]
    fn queries_decode_as_leptos_router_decoded_them() {
        let q = parse_query("project=p1&return_url=https%3A%2F%2Fa.example%2Fback%3Fx%3D1&cert=");
        assert_eq!(q.get("project").as_deref(), Some("p1"));
        assert_eq!(
            q.get("return_url").as_deref(),
            Some("https://a.example/back?x=1")
        );
        assert_eq!(q.get("cert").as_deref(), Some(""));
        assert_eq!(q.get("absent"), None);
        // `+` is a space; a name without `=` has an empty value; empty pairs are skipped.
        let q = parse_query("a=x+y&flag&&b=%2B");
        assert_eq!(q.get_str("a"), Some("x y"));
        assert_eq!(q.get_str("flag"), Some(""));
        assert_eq!(q.get_str("b"), Some("+"));
        // A name given twice: the last value.
        assert_eq!(
            parse_query("from=a&from=gateway").get_str("from"),
            Some("gateway")
        );
        // Values are decoded twice (URLSearchParams, then decodeURIComponent)...
        assert_eq!(parse_query("t=%2541").get_str("t"), Some("A"));
        // ...unless the second fails: then the first decoding stays.
        assert_eq!(parse_query("t=100%25").get_str("t"), Some("100%"));
        assert_eq!(parse_query("t=%25E4").get_str("t"), Some("%E4"));
        // A bad escape is kept by the first; invalid UTF-8 becomes U+FFFD.
        assert_eq!(parse_query("t=%zz").get_str("t"), Some("%zz"));
        assert_eq!(parse_query("t=%E4").get_str("t"), Some("\u{FFFD}"));
        assert_eq!(parse_query("t=%E4%B8%AD").get_str("t"), Some("中"));
        assert_eq!(parse_query(""), map(&[]));
    }

    #[test]
    fn decode_uri_component_throws_where_javascript_does() {
        assert_eq!(decode_uri_component("a%20b"), "a b");
        assert_eq!(decode_uri_component("%e4%b8%ad"), "中");
        for bad in ["%", "%2", "%g0", "%+1", "%C0%80", "%ED%A0%80", "%FF"] {
            assert_eq!(decode_uri_component(bad), bad);
        }
    }

    fn plain<'a>() -> Click<'a> {
        Click {
            default_prevented: false,
            button: 0,
            modified: false,
            target: "",
            href: "https://ca.example/setup",
            download: false,
            rel: "",
            same_origin: true,
            rendered_here: true,
        }
    }

    #[test]
    fn only_plain_left_clicks_on_this_bundles_paths_stay_in_page() {
        assert!(plain().handled_in_page());
        assert!(
            Click {
                rel: "noopener",
                ..plain()
            }
            .handled_in_page()
        );
        let left_to_browser = [
            Click {
                default_prevented: true,
                ..plain()
            },
            Click {
                button: 1,
                ..plain()
            },
            Click {
                button: 2,
                ..plain()
            },
            Click {
                modified: true,
                ..plain()
            },
            Click {
                target: "_blank",
                ..plain()
            },
            Click {
                target: "_self",
                ..plain()
            },
            Click {
                href: "",
                ..plain()
            },
            Click {
                download: true,
                ..plain()
            },
            Click {
                rel: "external",
                ..plain()
            },
            Click {
                rel: "noopener\texternal",
                ..plain()
            },
            Click {
                same_origin: false,
                ..plain()
            },
            Click {
                rendered_here: false,
                ..plain()
            },
        ];
        for (i, c) in left_to_browser.iter().enumerate() {
            assert!(!c.handled_in_page(), "case {i}");
        }
    }

    #[test]
    fn links_mark_the_current_page_as_leptos_router_did() {
        let active = |href: &str, loc: &str| is_active_for(&normalize_path(href), loc);
        assert!(active("/", "/"));
        assert!(!active("/", "/setup"));
        assert!(active("/setup", "/setup"));
        assert!(active("/setup", "/setup/"));
        assert!(active("/admin", "/admin"));
        assert!(active("/admin", "/admin/expired"));
        assert!(active("/admin", "/admin/renewals/R1"));
        assert!(!active("/admin/expired", "/admin"));
        assert!(!active("/admin/expired", "/admin/reconciliation"));
        assert!(active("/admin/renewals/R1", "/admin/renewals/R1"));
        assert!(!active("/admin/renewals/R1", "/admin/renewals/R10"));
        assert!(active("/setup?x=1#y", "/setup"));
        assert!(active("/admin/./expired/../expired", "/admin/expired"));
    }
}
