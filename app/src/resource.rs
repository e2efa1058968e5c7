//! One async resource for every answer type (issue 16). Each `LocalResource<T>` links
//! its own `ArcAsyncDerived<T>` and future poll (4–12 KB of wasm each); [`Resource`]
//! keeps every answer in the same `LocalResource<Rc<dyn Any>>`, fed by a boxed future,
//! so that machinery is linked once per bundle. The typed value is read synchronously
//! by a downcast. Reading it is reading the `LocalResource`: loading, `Suspense` and
//! `Transition`, `refetch` and `set` behave as they do on one.

use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;
use serde_json::Value;

use crate::error::AppError;
use crate::read::Res;

/// An answer of any type.
pub type Erased = Rc<dyn Any>;
/// A fetch of an erased answer.
pub type Fetch = Pin<Box<dyn Future<Output = Erased>>>;

/// A `LocalResource<T>` whose async part is not generic.
pub struct Resource<T> {
    inner: LocalResource<Erased>,
    ty: PhantomData<fn() -> T>,
}

impl<T> Clone for Resource<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Resource<T> {}

/// The only `LocalResource` instance: a boxed fetch of an erased answer.
fn erased(fetch: Box<dyn Fn() -> Fetch>) -> LocalResource<Erased> {
    LocalResource::new(fetch)
}

impl<T: 'static> Resource<T> {
    /// Runs `fetch` now and whenever the signals it reads change (as
    /// `LocalResource::new`).
    pub fn new<Fut>(fetch: impl Fn() -> Fut + 'static) -> Self
    where
        Fut: Future<Output = T> + 'static,
    {
        let inner = erased(Box::new(move || {
            let fut = fetch();
            Box::pin(async move { Rc::new(fut.await) as Erased })
        }));
        Resource {
            inner,
            ty: PhantomData,
        }
    }

    /// From a fetch that already gives the erased answer, which must hold a `T` (else
    /// every read is `None`): the per-type part is then only what the caller's plain
    /// functions do, not a future of its own (issue 16).
    pub fn from_erased(fetch: impl Fn() -> Fetch + 'static) -> Self {
        Resource {
            inner: erased(Box::new(fetch)),
            ty: PhantomData,
        }
    }

    /// Applies `f` to the answer (`None` before the first), tracking it.
    pub fn with<U>(&self, f: impl FnOnce(Option<&T>) -> U) -> U {
        let value = self.inner.get();
        f(value.as_deref().and_then(<dyn Any>::downcast_ref))
    }

    /// Runs the fetch again (the last answer stays until the new one arrives).
    pub fn refetch(&self) {
        self.inner.refetch();
    }

    /// Replaces the answer (a step's answer is the new state).
    pub fn set(&self, value: T) {
        self.inner.set(Some(Rc::new(value)));
    }
}

impl<T: 'static> Resource<Result<T, AppError>> {
    /// `GET /api/v1{path()}` read by hand by `read` (`crate::read`), now and whenever
    /// the signals `path` reads change: the request is one future for every answer
    /// type, and the per-type part is `read` (issue 16).
    pub fn load(path: impl Fn() -> String + 'static, read: fn(&Value) -> Res<T>) -> Self {
        Self::from_erased(move || {
            crate::api::fetch(
                path(),
                Box::new(move |text| {
                    Rc::new(text.and_then(|body| crate::api::parse_with(&body, read))) as Erased
                }),
            )
        })
    }
}

impl<T: Clone + 'static> Resource<T> {
    /// The answer (`None` before the first), tracking it.
    pub fn get(&self) -> Option<T> {
        self.with(|v| v.cloned())
    }

    /// The answer, without tracking it.
    pub fn get_untracked(&self) -> Option<T> {
        let value = self.inner.get_untracked();
        value
            .as_deref()
            .and_then(<dyn Any>::downcast_ref::<T>)
            .cloned()
    }
}
