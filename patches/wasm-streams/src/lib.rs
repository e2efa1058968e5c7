//! certrenew's stand-in for `wasm-streams` 0.5 (the root `Cargo.toml` patches it in;
//! issue 16).
//!
//! Leptos 0.8 always builds `server_fn` with its `browser` feature, which depends on
//! wasm-streams. Its `IntoUnderlyingSource`, `IntoUnderlyingByteSource` and
//! `IntoUnderlyingSink` are `#[wasm_bindgen]` exported classes, and an export is never
//! dead code to the linker: every bundle of the app carried them and all they reach
//! (≈5.4 KB of gzipped wasm each, bench/README.md), though the app calls no server
//! function (its requests are `app::api`'s).
//!
//! This crate has what `server_fn` 0.8 uses of wasm-streams: [`ReadableStream`] with
//! [`from_stream`](ReadableStream::from_stream), [`into_raw`](ReadableStream::into_raw),
//! [`from_raw`](ReadableStream::from_raw) and [`into_stream`](ReadableStream::into_stream),
//! made of imports only (a JS underlying source whose `pull` is a closure, a default
//! reader), so that a bundle that never calls them links none of it.

#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;

use futures_util::future::poll_fn;
use futures_util::stream::{self, LocalBoxStream, Stream, StreamExt};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue, UnwrapThrowExt};
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use web_sys::{
    QueuingStrategy, ReadableStreamDefaultController, ReadableStreamDefaultReader,
    ReadableStreamReadResult, UnderlyingSource,
};

/// wasm-streams' paths to the readable stream and its JS type.
pub mod readable {
    pub use super::{IntoStream, ReadableStream};

    /// The JS types.
    pub mod sys {
        pub use web_sys::ReadableStream;
    }
}

/// A [`ReadableStream`] read as a Rust [`Stream`]: each chunk, or the stream's error
/// (after which it ends).
pub type IntoStream = LocalBoxStream<'static, Result<JsValue, JsValue>>;

/// A JS `ReadableStream`.
pub struct ReadableStream {
    raw: web_sys::ReadableStream,
}

impl ReadableStream {
    /// Wraps a JS stream.
    pub fn from_raw(raw: web_sys::ReadableStream) -> Self {
        Self { raw }
    }

    /// A JS stream of `stream`'s items, pulled one at a time when the reader asks (a
    /// high-water mark of 0, as wasm-streams: the Rust stream keeps any backlog); an
    /// `Err` item errors the JS stream, the end closes it.
    pub fn from_stream<St>(stream: St) -> Self
    where
        St: Stream<Item = Result<JsValue, JsValue>> + 'static,
    {
        let stream: Rc<RefCell<Pin<Box<St>>>> = Rc::new(RefCell::new(Box::pin(stream)));
        let pull = Closure::<dyn FnMut(ReadableStreamDefaultController) -> js_sys::Promise>::new(
            move |controller: ReadableStreamDefaultController| {
                let stream = Rc::clone(&stream);
                future_to_promise(async move {
                    // Borrowed during each poll only; the JS stream calls `pull` again
                    // only once this promise has settled.
                    let next = poll_fn(|cx| stream.borrow_mut().as_mut().poll_next(cx)).await;
                    match next {
                        Some(Ok(chunk)) => controller.enqueue_with_chunk(&chunk)?,
                        // A rejected `pull` errors the stream with that reason.
                        Some(Err(e)) => return Err(e),
                        None => controller.close()?,
                    }
                    Ok(JsValue::UNDEFINED)
                })
            },
        );
        let source = UnderlyingSource::new();
        // The JS function owns the closure from here on.
        source.set_pull(pull.into_js_value().unchecked_ref());
        let strategy = QueuingStrategy::new();
        strategy.set_high_water_mark(0.0);
        let raw =
            web_sys::ReadableStream::new_with_underlying_source_and_strategy(&source, &strategy)
                .expect_throw("a ReadableStream of a pull source");
        Self { raw }
    }

    /// The JS stream.
    pub fn into_raw(self) -> web_sys::ReadableStream {
        self.raw
    }

    /// The stream's chunks, read through a default reader (which holds the stream's
    /// lock until the end).
    pub fn into_stream(self) -> IntoStream {
        let reader: ReadableStreamDefaultReader = self.raw.get_reader().unchecked_into();
        stream::unfold(Some(reader), |reader| async move {
            let reader = reader?;
            match JsFuture::from(reader.read()).await {
                Ok(result) => {
                    let result: ReadableStreamReadResult = result.unchecked_into();
                    if result.get_done().unwrap_or(true) {
                        reader.release_lock();
                        None
                    } else {
                        Some((Ok(result.get_value()), Some(reader)))
                    }
                }
                Err(e) => Some((Err(e), None)),
            }
        })
        .boxed_local()
    }
}
