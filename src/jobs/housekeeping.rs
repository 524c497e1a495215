//! Housekeeping: forgets old payloads. What people wrote (reflections, exit reasons,
//! commands) and what the bot said to them is kept in the inbox and outbox only as
//! long as it is useful for retries and for looking into a problem: after the
//! retention period (`UPWARD_RETENTION_DAYS`, 30 days by default) the payload is
//! replaced by `{}` while the row, its key and its figures stay.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use crate::clock::Clock;
use crate::store::{Purged, Store, StoreError};

/// How often the purge runs: retention is counted in days, so hourly is plenty.
const EVERY: Duration = Duration::from_secs(3600);

pub struct Housekeeper {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub retention_secs: i64,
}

impl Housekeeper {
    /// One purge of everything past retention now.
    pub async fn tick(&self) -> Result<Purged, StoreError> {
        let cutoff = self.clock.now().timestamp() - self.retention_secs;
        let purged = self.store.purge_payloads(cutoff).await?;
        if purged != Purged::default() {
            info!(inbox = purged.inbox, outbox = purged.outbox, "payloads past retention purged");
        }
        Ok(purged)
    }

    /// Purges at start and then every hour, until `shutdown`.
    pub async fn run(&self, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.tick().await {
                error!(error = %e, "purge failed");
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(EVERY) => {}
            }
        }
    }
}
