//! Keeps each request's Leptos reactive owner to that request.
//!
//! Leptos keeps the "current owner" — the node through which `use_context` finds a
//! request's `ResponseOptions`, `Parts` and the rest — in a thread-local. When a page
//! starts rendering, `Owner::new_root` sets that thread-local and leaves it set across
//! the render's `.await`s (leptos_integration_utils relies on it to add the lazy
//! routes' preload links after awaiting). Another request polled on the same worker
//! thread in the meantime then sees the page's owner as its own parent: a static file
//! served by `leptos_axum::file_and_error_handler` created its owner under it, found
//! the page's `ResponseOptions` and took its headers — the page lost its
//! Content-Security-Policy (and could have lost a `Set-Cookie` or its status) to an
//! unrelated response. Measured: about 3 in 100 static responses carried a page's
//! headers while pages were being rendered alongside.
//!
//! [`OwnerScopeLayer`] wraps every request's future so that the thread-local owner is
//! only ever set while that request is being polled: before each poll it puts back the
//! owner the request left set at the end of its previous poll, and after the poll it
//! takes it away again. The request sees its own owner across its `.await`s, as Leptos
//! expects, and no other request ever sees it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use leptos::prelude::Owner;
use tower::{Layer, Service};

/// See the module documentation.
#[derive(Debug, Clone, Copy, Default)]
pub struct OwnerScopeLayer;

impl<S> Layer<S> for OwnerScopeLayer {
    type Service = OwnerScope<S>;

    fn layer(&self, inner: S) -> Self::Service {
        OwnerScope { inner }
    }
}

/// The service of [`OwnerScopeLayer`].
#[derive(Debug, Clone)]
pub struct OwnerScope<S> {
    inner: S,
}

impl<S, R> Service<R> for OwnerScope<S>
where
    S: Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Scoped<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        // Building the handler's future may run Leptos code too.
        let outer = take_current();
        let inner = Box::pin(self.inner.call(request));
        let own = take_current();
        restore(outer);
        Scoped { inner, own }
    }
}

/// A request's future that has the thread-local owner only while it is polled.
pub struct Scoped<F> {
    inner: Pin<Box<F>>,
    /// The owner this request left current at the end of its last poll.
    own: Option<Owner>,
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let outer = take_current();
        if let Some(own) = &this.own {
            own.set();
        }
        let result = this.inner.as_mut().poll(cx);
        this.own = take_current();
        restore(outer);
        result
    }
}

/// Clears the thread-local owner, returning what it was.
fn take_current() -> Option<Owner> {
    let current = Owner::current();
    if let Some(owner) = &current {
        owner.clone().unset();
    }
    current
}

fn restore(owner: Option<Owner>) {
    if let Some(owner) = owner {
        owner.set();
    }
}
