//! Pieces the console's screens share: a loader that keeps the last answer while the
//! next is fetched (and drops stale ones), the refusal notice with the console's own
//! explanation, and labels for the server's codes.

use std::rc::Rc;

use leptos::prelude::*;
use serde_json::Value;

use crate::admin::staff::StaffCtx;
use crate::api;
use crate::coded::Coded;
use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::i18n::{I18n, use_i18n};
use crate::read::Res;
use crate::resource::{Erased, Fetch, Resource};

/// The console's coded and filled-in texts in a view, following the language switch:
/// one closure type for each kind (the key and value are its data), as
/// [`I18n::text`] is for plain texts, instead of a closure type per call site.
#[derive(Clone, Copy)]
pub struct Live(pub I18n);

impl Live {
    /// `key`'s text with its one `{name}` placeholder replaced by `value`.
    pub fn tf(
        self,
        key: &'static str,
        name: &'static str,
        value: String,
    ) -> impl Fn() -> String + Clone + Send + Sync + 'static {
        let i18n = self.0;
        move || i18n.tf(key, &[(name, &value)])
    }

    /// [`label`], following the language.
    pub fn label(
        self,
        key: Option<&'static str>,
        raw: String,
    ) -> impl Fn() -> String + Clone + Send + Sync + 'static {
        let i18n = self.0;
        move || label(i18n, key, &raw)
    }

    /// [`named`], following the language (the same closure type as [`Live::label`]).
    pub fn named<T: Copy>(
        self,
        value: &Coded<T>,
        key: fn(T) -> &'static str,
    ) -> impl Fn() -> String + Clone + Send + Sync + 'static + use<T> {
        self.label(value.known().map(key), value.as_str().to_owned())
    }
}

/// A `GET` whose answer is shown: a resource that reruns when the signals its fetch
/// reads change, when the staff member signs in again (`epoch`), or on `reload`. It
/// keeps the last answer while the next is fetched, and drops an answer to an earlier
/// run that arrives after a later one started. Built on [`Resource`], so the console's
/// loaders share one async machinery instead of one per answer type.
pub struct Loader<T: 'static> {
    /// The last answer (`None` before the first); read it inside [`Loaded`].
    ///
    /// [`Loaded`]: crate::components::Loaded
    pub value: Resource<Result<T, AppError>>,
    /// A request is under way.
    pub busy: Memo<bool>,
}

impl<T: 'static> Clone for Loader<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Loader<T> {}

impl<T: 'static> Loader<T> {
    /// Loads `GET path()` (one of `admin::query`'s or `api::admin`'s paths), read by
    /// `read`, now and whenever what `path` reads changes. A lost staff session sends
    /// the console to sign-in.
    pub fn new(
        path: impl Fn() -> String + 'static,
        read: fn(&Value) -> Res<T>,
        staff: StaffCtx,
    ) -> Self {
        let running = RwSignal::new(0u32);
        // The only per-type code: the reader applied to the parsed answer.
        let parse: Rc<dyn Fn(Result<Value, AppError>) -> Erased> =
            Rc::new(move |answer| Rc::new(answer.and_then(|v| reading(&v, read))) as Erased);
        let value = Resource::from_erased(move || {
            staff.epoch.track();
            fetch(path(), running, staff, parse.clone())
        });
        let busy = Memo::new(move |_| running.get() > 0);
        Loader { value, busy }
    }

    /// Loads again with what the fetch reads now.
    pub fn reload(self) {
        self.value.refetch();
    }
}

/// `read`'s value, or why the answer cannot be read.
fn reading<T>(v: &Value, read: fn(&Value) -> Res<T>) -> Result<T, AppError> {
    read(v).map_err(|e| api::unreadable(&e))
}

/// A loader's request: the same future for every answer type (issue 16); `parse`
/// turns the answer into the loader's value.
fn fetch(
    path: String,
    running: RwSignal<u32>,
    staff: StaffCtx,
    parse: Rc<dyn Fn(Result<Value, AppError>) -> Erased>,
) -> Fetch {
    Box::pin(async move {
        started(running);
        let answer = match api::get_text(&path).await {
            Ok(body) => api::parse::<Value>(&body),
            Err(e) => Err(e),
        };
        finished(running, staff, answer.as_ref().err());
        parse(answer)
    })
}

/// A loader's request starts (not generic: the same for every answer type).
fn started(running: RwSignal<u32>) {
    running.update(|n| *n += 1);
}

/// A loader's request ended; a lost session sends the console to sign-in.
fn finished(running: RwSignal<u32>, staff: StaffCtx, error: Option<&AppError>) {
    // The page may have been left while waiting: its signals are gone then.
    if running.try_update(|n| *n -= 1).is_some()
        && let Some(e) = error
    {
        staff.handle(e);
    }
}

/// Makes `wanted` the applied filters; when they already are, loads again (查询 twice
/// refreshes, as people expect).
pub fn apply_filters<F: PartialEq + Send + Sync + 'static, T>(
    applied: RwSignal<F>,
    wanted: F,
    loader: Loader<T>,
) {
    if applied.with_untracked(|a| *a == wanted) {
        loader.reload();
    } else {
        applied.set(wanted);
    }
}

/// A list's refresh button: disabled, and says so, while the loader is busy.
#[component]
pub fn RefreshButton<T: 'static>(
    loader: Loader<T>,
    #[prop(optional)] id: Option<&'static str>,
) -> impl IntoView {
    refresh_button(loader.busy, id, Callback::new(move |()| loader.reload()))
}

/// [`RefreshButton`]'s view, the same for every loader.
fn refresh_button(
    busy: Memo<bool>,
    id: Option<&'static str>,
    on_click: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button
            id=id
            type="button"
            disabled=move || busy.get()
            aria-busy=move || busy.get().to_string()
            on:click=move |_| on_click.run(())
        >
            {move || {
                if busy.get() { i18n.t("admin.queue.refreshing") } else { i18n.t("common.refresh") }
            }}
        </button>
    }
}

/// A status filter's options: "all" (empty value) first, then each code (its wire
/// name as the value) in words (its catalogue key).
#[component]
pub fn StatusOptions(
    selected: RwSignal<String>,
    options: Vec<(&'static str, &'static str)>,
    all: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <option value="" selected=move || selected.get().is_empty()>
            {move || i18n.t(all)}
        </option>
        {options
            .into_iter()
            .map(|(s, key)| {
                view! {
                    <option value=s selected=move || selected.get() == s>
                        {move || i18n.t(key)}
                    </option>
                }
            })
            .collect_view()}
    }
}

/// The text of an optional catalogue key, else the raw code (a newer server's value).
pub fn label(i18n: I18n, key: Option<&'static str>, raw: &str) -> String {
    match key {
        Some(k) => i18n.t(k).to_owned(),
        None => raw.to_owned(),
    }
}

/// The text of a code the server sent: its catalogue text when this page knows it,
/// else the code as sent.
pub fn named<T: Copy>(i18n: I18n, value: &Coded<T>, key: fn(T) -> &'static str) -> String {
    label(i18n, value.known().map(key), value.as_str())
}

/// A refused call: the console's explanation when there is one (with the code and the
/// server's own words for support), else the shared error notice.
#[component]
pub fn Refusal(
    error: AppError,
    #[prop(optional_no_strip)] explain: Option<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    match explain {
        Some(key) => {
            let code = error.code.to_string();
            let detail = if error.message.is_empty() {
                error.code.to_string()
            } else {
                format!("{} · {}", error.code, error.message)
            };
            view! {
                <div class="notice error" role="alert" data-code=code>
                    <p>{move || i18n.t(key)}</p>
                    <p class="muted small">{detail}</p>
                </div>
            }
            .into_any()
        }
        None => view! { <ErrorNotice error=error /> }.into_any(),
    }
}

/// A text that follows the language, boxed so every kind shares one view type.
pub type LiveText = Box<dyn Fn() -> String + Send + Sync>;

/// What a fact's `<dt>`, `<dd>` or a table cell shows. The console's facts and table
/// headers are data rendered by [`facts`], [`fact_view`] and [`head`]: one copy of the
/// element-building code instead of one per fact in every view (issue 16).
pub enum Fact {
    /// A catalogue text, following the language.
    Key(&'static str),
    /// Text as it is.
    Text(String),
    /// Text in `<code>`.
    Code(String),
    /// Text in `<code class="small">`.
    SmallCode(String),
    /// Text in `<strong>`.
    Strong(String),
    /// A text that follows the language ([`Live`]'s, boxed).
    Live(LiveText),
    /// A badge: `<span class id data-status>` around a text that follows the language.
    Badge {
        /// Its classes (`badge ok`, …).
        class: &'static str,
        /// Its element id, if any.
        id: Option<&'static str>,
        /// Its `data-status`, if any.
        status: Option<String>,
        /// Its words.
        text: LiveText,
    },
    /// Several, one after the other.
    Seq(Vec<Fact>),
    /// Nothing.
    Empty,
}

impl Live {
    /// [`Live::label`] as a [`Fact`].
    pub fn label_fact(self, key: Option<&'static str>, raw: String) -> Fact {
        Fact::Live(Box::new(self.label(key, raw)))
    }

    /// [`Live::named`] as a [`Fact`].
    pub fn named_fact<T: Copy>(self, value: &Coded<T>, key: fn(T) -> &'static str) -> Fact {
        self.label_fact(value.known().map(key), value.as_str().to_owned())
    }

    /// [`Live::tf`] as a [`Fact`].
    pub fn tf_fact(self, key: &'static str, name: &'static str, value: String) -> Fact {
        Fact::Live(Box::new(self.tf(key, name, value)))
    }
}

/// One row of [`facts`]: `<dt>` and `<dd>` (with an optional id and `data-fen`).
pub struct Row {
    dt: Fact,
    dd: Fact,
    id: Option<&'static str>,
    fen: Option<String>,
}

impl Row {
    /// The `<dd>`'s id.
    pub fn id(mut self, id: &'static str) -> Self {
        self.id = Some(id);
        self
    }

    /// The `<dd>`'s `data-fen` (an amount in fen).
    pub fn fen(mut self, fen: i64) -> Self {
        self.fen = Some(fen.to_string());
        self
    }
}

/// A fact labelled by a catalogue key.
pub fn fact(key: &'static str, dd: Fact) -> Row {
    row(Fact::Key(key), dd)
}

/// A fact with any label.
pub fn row(dt: Fact, dd: Fact) -> Row {
    Row {
        dt,
        dd,
        id: None,
        fen: None,
    }
}

/// `<dl class="facts" id data-status data-sha256>` of `rows`.
pub fn facts(
    id: Option<&'static str>,
    status: Option<String>,
    sha256: Option<String>,
    rows: Vec<Row>,
) -> AnyView {
    view! {
        <dl class="facts" id=id data-status=status data-sha256=sha256>
            {rows
                .into_iter()
                .map(|r| {
                    view! {
                        <dt>{fact_view(r.dt)}</dt>
                        <dd id=r.id data-fen=r.fen>{fact_view(r.dd)}</dd>
                    }
                })
                .collect_view()}
        </dl>
    }
    .into_any()
}

/// A [`Fact`]'s view.
pub fn fact_view(f: Fact) -> AnyView {
    match f {
        Fact::Key(key) => use_i18n().text(key).into_any(),
        Fact::Text(s) => s.into_any(),
        Fact::Code(s) => view! { <code>{s}</code> }.into_any(),
        Fact::SmallCode(s) => view! { <code class="small">{s}</code> }.into_any(),
        Fact::Strong(s) => view! { <strong>{s}</strong> }.into_any(),
        Fact::Live(text) => text.into_any(),
        Fact::Badge {
            class,
            id,
            status,
            text,
        } => view! { <span class=class id=id data-status=status>{text}</span> }.into_any(),
        Fact::Seq(parts) => parts.into_iter().map(fact_view).collect_view().into_any(),
        Fact::Empty => ().into_any(),
    }
}

/// A table's `<thead>`: one `<th scope="col">` per catalogue key (`"#"` as it is).
pub fn head(keys: &'static [&'static str]) -> AnyView {
    let i18n = use_i18n();
    view! {
        <thead>
            <tr>
                {keys
                    .iter()
                    .map(|&k| view! { <th scope="col">{i18n.text(k)}</th> })
                    .collect_view()}
            </tr>
        </thead>
    }
    .into_any()
}
