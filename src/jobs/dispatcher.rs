//! Sends the outbox: claims a due row, makes the Slack call, and only then marks it
//! sent. Rate limits wait as long as Slack says; transient failures back off
//! exponentially with jitter; permanent failures and exhausted retries go to the
//! dead-letter state, visible in reports, instead of vanishing.

use std::time::Duration;

use rand::Rng;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::clock::Clock;
use crate::slack::{SendError, SlackApi};
use crate::store::{Store, StoreError};

/// A claimed row whose sender died is retried after this long.
const LEASE_SECS: i64 = 60;
/// Transient failures tried this many times in all before the row is dead-lettered.
pub const MAX_ATTEMPTS: i64 = 8;
/// When Slack says 429 without a Retry-After.
const DEFAULT_RETRY_AFTER_SECS: i64 = 30;
const MAX_BACKOFF_SECS: i64 = 15 * 60;
/// The longest the dispatcher sleeps: rows queued by another process (`upward match`)
/// ring no bell here, so they are picked up within this time.
const MAX_IDLE_SECS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatched {
    Sent,
    Retrying { at: i64 },
    Dead,
}

/// Exponential backoff with up to 50 % jitter, so failed messages do not all return at once.
pub fn backoff_secs(attempts: i64, jitter: f64) -> i64 {
    let base = 2_i64.saturating_pow(attempts.clamp(1, 20) as u32).min(MAX_BACKOFF_SECS);
    base + (base as f64 * 0.5 * jitter.clamp(0.0, 1.0)) as i64
}

pub struct Dispatcher {
    pub store: Store,
    pub slack: SlackApi,
    pub clock: std::sync::Arc<dyn Clock>,
}

impl Dispatcher {
    /// Sends the next due message, if any.
    pub async fn dispatch_one(&self) -> Result<Option<Dispatched>, StoreError> {
        let now = self.clock.now().timestamp();
        let Some(entry) = self.store.claim_outbound(now, LEASE_SECS).await? else {
            return Ok(None);
        };
        let message = match entry.message() {
            Ok(message) => message,
            Err(e) => {
                error!(outbox_id = entry.id, error = %e, "unreadable outbox row dead-lettered");
                self.store.outbound_dead(entry.id, now, &e.to_string()).await?;
                return Ok(Some(Dispatched::Dead));
            }
        };
        let result = self.slack.send(&message).await;
        let now = self.clock.now().timestamp();
        let outcome = match result {
            Ok(()) => {
                self.store.outbound_sent(entry.id, now).await?;
                Dispatched::Sent
            }
            Err(SendError::RateLimited { retry_after }) => {
                let wait = retry_after.map(|d| d.as_secs() as i64).unwrap_or(DEFAULT_RETRY_AFTER_SECS).max(1);
                info!(outbox_id = entry.id, method = entry.method, wait, "rate limited; waiting as Slack asks");
                self.store.outbound_retry(entry.id, now + wait, "rate limited", true).await?;
                Dispatched::Retrying { at: now + wait }
            }
            Err(SendError::Transient(why)) if entry.attempts < MAX_ATTEMPTS => {
                let at = now + backoff_secs(entry.attempts, rand::rng().random());
                warn!(outbox_id = entry.id, method = entry.method, attempt = entry.attempts, %why, "send failed; retrying");
                self.store.outbound_retry(entry.id, at, &why, false).await?;
                Dispatched::Retrying { at }
            }
            Err(e) => {
                error!(outbox_id = entry.id, method = entry.method, error = %e, "message dead-lettered");
                self.store.outbound_dead(entry.id, now, &e.to_string()).await?;
                Dispatched::Dead
            }
        };
        Ok(Some(outcome))
    }

    /// Runs until `shutdown`, sleeping until the next message is due or a new one is
    /// queued. The call in flight is finished before the loop stops.
    pub async fn run(&self, shutdown: CancellationToken) {
        loop {
            let notified = self.store.outbox_ready.notified();
            match self.dispatch_one().await {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(e) => error!(error = %e, "outbox unavailable"),
            }
            let wait = match self.store.next_outbound_due().await {
                Ok(Some(at)) => Duration::from_secs((at - self.clock.now().timestamp()).clamp(1, MAX_IDLE_SECS) as u64),
                Ok(None) => Duration::from_secs(MAX_IDLE_SECS as u64),
                Err(_) => Duration::from_secs(5),
            };
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = notified => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jitter_stays_within_half() {
        assert_eq!(backoff_secs(1, 0.0), 2);
        assert_eq!(backoff_secs(3, 0.0), 8);
        assert_eq!(backoff_secs(3, 1.0), 12);
        assert_eq!(backoff_secs(40, 0.0), MAX_BACKOFF_SECS);
        for attempts in 1..12 {
            let low = backoff_secs(attempts, 0.0);
            let high = backoff_secs(attempts, 1.0);
            assert!(high >= low && high <= low + low / 2);
        }
    }
}
