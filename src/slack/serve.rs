//! Serves the HTTP edge with limits `axum::serve` does not have.
//!
//! A connection that sends half a request header and waits ("slowloris") used to be
//! kept forever: at about 20,000 of them the bot ran out of file descriptors and
//! stopped answering even `/healthz`. Here:
//! - a request's header must arrive within `header_timeout` (hyper's header-read
//!   timer, which also runs while a kept-alive connection waits for its next
//!   request, so it doubles as the idle timeout);
//! - a request must be answered (its body read included) within `request_timeout`;
//! - at most `max_connections` are open. When a new one arrives at the cap, the
//!   oldest connection that has not sent a complete header is closed to make room,
//!   so a client that sends whole requests (Slack, a health probe) always gets in;
//!   only when every open connection is busy with a request is the new one refused.
//! - a failed `accept` (out of descriptors) waits a moment instead of ending the server.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

/// The limits of the HTTP edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 1_024,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// One open connection, as the cap sees it.
struct Open {
    id: u64,
    /// Inside a request (its header has arrived): not to be evicted.
    busy: Arc<AtomicBool>,
    close: CancellationToken,
}

#[derive(Default)]
struct Registry {
    open: VecDeque<Open>,
}

impl Registry {
    /// Makes room for one more connection under `max`: closes the oldest idle one if
    /// needed. `false` when every open connection is busy.
    fn make_room(&mut self, max: usize) -> bool {
        if self.open.len() < max {
            return true;
        }
        match self.open.iter().position(|c| !c.busy.load(Ordering::Acquire)) {
            Some(at) => {
                if let Some(idle) = self.open.remove(at) {
                    idle.close.cancel();
                }
                true
            }
            None => false,
        }
    }

    fn remove(&mut self, id: u64) {
        self.open.retain(|c| c.id != id);
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown`; requests in
/// flight are finished.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, shutdown: CancellationToken) {
    let registry = Arc::new(Mutex::new(Registry::default()));
    let next_id = AtomicU64::new(0);
    let connections = tokio_util::task::TaskTracker::new();
    loop {
        let stream = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors, most likely: the connections we hold will
                    // close (timeouts, eviction) and free some.
                    warn!(error = %e, "cannot accept a connection; retrying shortly");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        let busy = Arc::new(AtomicBool::new(false));
        let close = CancellationToken::new();
        {
            let mut open = registry.lock().unwrap_or_else(|p| p.into_inner());
            if !open.make_room(limits.max_connections) {
                debug!("every connection is busy; refusing a new one");
                continue;
            }
            open.open.push_back(Open { id, busy: busy.clone(), close: close.clone() });
        }
        let (router, registry, stop, busy_now) = (router.clone(), registry.clone(), shutdown.clone(), busy.clone());
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let (mut router, busy) = (router.clone(), busy.clone());
                async move {
                    busy.store(true, Ordering::Release);
                    let call = tower_service::Service::call(&mut router, request.map(Body::new));
                    let response = match tokio::time::timeout(limits.request_timeout, call).await {
                        Ok(Ok(response)) => response,
                        Ok(Err(never)) => match never {},
                        Err(_) => (StatusCode::REQUEST_TIMEOUT, "request took too long").into_response(),
                    };
                    busy.store(false, Ordering::Release);
                    Ok::<Response, Infallible>(response)
                }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let stopped = tokio::select! {
                _ = connection.as_mut() => false,
                _ = close.cancelled() => false,
                _ = stop.cancelled() => true,
            };
            // At shutdown a request in flight is finished; a connection waiting for a
            // header is just closed (hyper's graceful shutdown would wait for it).
            if stopped && busy_now.load(Ordering::Acquire) {
                connection.as_mut().graceful_shutdown();
                let _ = connection.as_mut().await;
            }
            registry.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
        });
    }
    connections.close();
    connections.wait().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(registry: &mut Registry, id: u64, busy: bool) -> CancellationToken {
        let close = CancellationToken::new();
        registry.open.push_back(Open { id, busy: Arc::new(AtomicBool::new(busy)), close: close.clone() });
        close
    }

    #[test]
    fn at_the_cap_the_oldest_idle_connection_makes_room_and_busy_ones_are_kept() {
        let mut registry = Registry::default();
        let busy = open(&mut registry, 1, true);
        let idle = open(&mut registry, 2, false);
        let newer_idle = open(&mut registry, 3, false);
        assert!(registry.make_room(4), "under the cap");
        assert!(registry.make_room(3));
        assert!(idle.is_cancelled() && !busy.is_cancelled() && !newer_idle.is_cancelled());
        let mut full = Registry::default();
        open(&mut full, 1, true);
        assert!(!full.make_room(1), "every connection busy: the new one is refused");
    }
}
