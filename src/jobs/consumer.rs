//! Handles inbox entries in arrival order, one at a time, after Slack has its ack.
//! At start it first replays whatever an earlier run stored but did not finish.

use tokio_util::sync::CancellationToken;
use tracing::{error, warn};

use crate::commands::{self, Context};
use crate::domain::participant::is_user_id;
use crate::event::Event;
use crate::slack::messages;
use crate::slack::Outbound;
use crate::store::StoreError;
use crate::store::INBOX_MAX_ATTEMPTS as MAX_ATTEMPTS;

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
    let author = failure_answer(&event);
    if let Err(e) = commands::handle(ctx, entry.id, event).await {
        ctx.store.inbox_failed(entry.id, &e.to_string()).await?;
        if entry.attempts < MAX_ATTEMPTS {
            warn!(inbox_id = entry.id, attempt = entry.attempts, error = %e, "handling failed; will retry");
        } else {
            // Set aside for good: its author hears so, instead of waiting for nothing.
            error!(inbox_id = entry.id, error = %e, "handling failed for good; entry set aside");
            if let Some(answer) = author {
                let mut tx = ctx.store.begin(ctx.clock.now().timestamp()).await?;
                tx.enqueue(&answer).await?;
                tx.commit().await?;
            }
        }
    }
    Ok(true)
}

/// How to tell the person behind `event` that it failed for good: through the
/// command's or button's response URL (seen only by them), else by DM. Timers have
/// no author to tell.
fn failure_answer(event: &Event) -> Option<Outbound> {
    let message = messages::request_failed();
    let response_url = match event {
        Event::Command { response_url, .. } => Some(response_url.clone()),
        Event::Action { response_url, .. } => response_url.clone(),
        _ => None,
    };
    let user = event.user();
    match response_url {
        Some(response_url) => Some(Outbound::Respond { response_url, message }),
        None if is_user_id(user) => Some(Outbound::DirectMessage { user: user.to_owned(), message }),
        None => None,
    }
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
