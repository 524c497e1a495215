//! Handles inbox entries after Slack has its ack: several workers at once, each
//! claiming a few different people's entries at a time, each person's entries in the
//! order they arrived (the inbox's lanes), forms first. At start it replays whatever an
//! earlier run stored but did not finish. An entry whose handling failed waits out a
//! growing backoff (the dispatcher's) before its next attempt, so a Slack or database
//! hiccup is not retried five times at once.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tracing::{error, warn};

use futures_util::future::join_all;
use rand::Rng as _;

use super::dispatcher::{backoff_secs, POLL_SECS};
use crate::commands::{self, Context};
use crate::domain::outbound::Outbound;
use crate::domain::participant::is_user_id;
use crate::event::Event;
use crate::slack::messages;
use crate::store::INBOX_MAX_ATTEMPTS as MAX_ATTEMPTS;
use crate::store::{Engine, InboxEntry, StoreError};

/// Entries a worker claims at once. They are different people's and are handled side
/// by side: under a backlog one claim (one write turn) serves several entries, and the
/// write turn is what bounds a launch-day burst.
pub const CLAIM: usize = 4;

/// Claims the next pending entries and handles them; `false` when there was none.
pub async fn consume_next(ctx: &Context) -> Result<bool, StoreError> {
    let now = ctx.clock.now().timestamp();
    let entries = ctx.store.claim_inbox_entries(now, CLAIM).await?;
    if entries.is_empty() {
        ctx.metrics.caught_up();
        return Ok(false);
    }
    let outcomes = join_all(entries.into_iter().map(|entry| handle_entry(ctx, entry, now))).await;
    outcomes.into_iter().collect::<Result<Vec<()>, StoreError>>()?;
    Ok(true)
}

/// Handles one claimed entry; a failure is recorded on it, with its next attempt.
async fn handle_entry(ctx: &Context, entry: InboxEntry, now: i64) -> Result<(), StoreError> {
    let _in_hand = ctx.metrics.claimed(now - entry.created_at, entry.attempts == 1);
    let event: Event = match serde_json::from_str(&entry.payload) {
        Ok(event) => event,
        Err(e) => {
            // An entry this build cannot read is kept for a person, not retried forever.
            error!(inbox_id = entry.id, error = %e, "unreadable inbox entry set aside");
            ctx.store.inbox_failed(entry.id, &format!("unreadable: {e}"), now).await?;
            let tx = ctx.store.begin_for(entry.id, now).await?;
            tx.commit().await?;
            return Ok(());
        }
    };
    let author = failure_answer(&event);
    let started = std::time::Instant::now();
    let handled = commands::handle(ctx, entry.id, event).await;
    ctx.metrics.handled(started.elapsed());
    if let Err(e) = handled {
        let retry_at = now + backoff_secs(entry.attempts, rand::rng().random());
        ctx.store.inbox_failed(entry.id, &e.to_string(), retry_at).await?;
        if entry.attempts < MAX_ATTEMPTS {
            warn!(inbox_id = entry.id, attempt = entry.attempts, retry_at, error = %e, "handling failed; will retry");
        } else {
            // Set aside for good: its author hears so, instead of waiting for nothing.
            error!(inbox_id = entry.id, error = %e, "handling failed for good; entry set aside");
            if let Some(answer) = author {
                let mut tx = ctx.store.begin(now).await?;
                tx.enqueue(&answer)?;
                tx.commit().await?;
            }
        }
    }
    Ok(())
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

/// The longest a worker sleeps without a bell: a net under every other wake-up.
const SAFETY_NET_SECS: i64 = 30;
/// Workers handling entries at once. Entries of one lane (one person) never run
/// concurrently; the workers let different people's requests overlap their waits on
/// the database and on Slack.
pub const WORKERS: usize = 8;

/// Runs [`WORKERS`] workers until `shutdown`. Each takes no new entry once shutdown is
/// asked and finishes the one in hand; what is left stays in the inbox for the next
/// start.
pub async fn run(ctx: Arc<Context>, shutdown: CancellationToken) {
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..WORKERS {
        let (ctx, shutdown) = (ctx.clone(), shutdown.clone());
        workers.spawn(async move { work(&ctx, &shutdown).await });
    }
    while workers.join_next().await.is_some() {}
}

async fn work(ctx: &Context, shutdown: &CancellationToken) {
    while !shutdown.is_cancelled() {
        let notified = ctx.store.inbox_ready.notified();
        match consume_next(ctx).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => error!(error = %e, "inbox unavailable"),
        }
        // Wake for new entries, or when the soonest failed one may be tried again.
        let mut wait = match ctx.store.next_inbox_retry().await {
            Ok(Some(at)) => (at - ctx.clock.now().timestamp()).clamp(0, SAFETY_NET_SECS),
            _ => SAFETY_NET_SECS,
        };
        if ctx.store.engine() == Engine::Postgres {
            // Entries another replica stored ring no bell here: one it acked and then died
            // before handling (or a Socket Mode copy Slack re-sent here, stored there).
            wait = wait.min(POLL_SECS as i64);
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = notified => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(wait as u64)) => {}
        }
    }
}
