//! Handles inbox entries in arrival order, one at a time, after Slack has its ack.
//! At start it first replays whatever an earlier run stored but did not finish.

use tokio_util::sync::CancellationToken;
use tracing::{error, warn};

use crate::commands::{self, Context};
use crate::event::Event;
use crate::store::StoreError;

/// Handles the oldest pending entry; `false` when there was none.
pub async fn consume_one(ctx: &Context) -> Result<bool, StoreError> {
    let Some(entry) = ctx.store.next_inbox_entry().await? else {
        return Ok(false);
    };
    let event: Event = match serde_json::from_str(&entry.payload) {
        Ok(event) => event,
        Err(e) => {
            // An entry this build cannot read is kept for a person, not retried forever.
            error!(inbox_id = entry.id, error = %e, "unreadable inbox entry set aside");
            ctx.store.inbox_failed(entry.id, &format!("unreadable: {e}")).await?;
            let tx = ctx.store.begin_for(entry.id, ctx.clock.now().timestamp()).await?;
            tx.commit().await?;
            return Ok(true);
        }
    };
    if let Err(e) = commands::handle(ctx, entry.id, event).await {
        warn!(inbox_id = entry.id, attempt = entry.attempts, error = %e, "handling failed; will retry");
        ctx.store.inbox_failed(entry.id, &e.to_string()).await?;
    }
    Ok(true)
}

/// Runs until `shutdown`: drains the inbox, then waits for the edge to store more.
/// The entry in hand is finished before the loop stops.
pub async fn run(ctx: &Context, shutdown: CancellationToken) {
    loop {
        let notified = ctx.store.inbox_ready.notified();
        match consume_one(ctx).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => error!(error = %e, "inbox unavailable"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = notified => {}
            // A safety net for entries that failed and wait for another attempt.
            _ = tokio::time::sleep(std::time::Duration::from_secs(30)) => {}
        }
    }
}
