//! The workspace's directory, cached: every member's time zone, name and email from
//! `users.list`, at start and daily, so a join on launch day never waits on Slack for
//! them (and never spends `users.info`'s Tier 4 budget a thousand times a minute).
//! `user_change` events keep it fresh between refreshes; `users.info` fills a miss.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::commands::Context;
use crate::slack::SendError;
use slack_limits::TIER_2;

/// How often the whole directory is read again.
pub const REFRESH: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("users.list failed: {0}")]
    Slack(#[from] SendError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Reads every page of `users.list` into the cache, waiting `page_interval` between
/// pages (Slack's Tier 2: one every three seconds); returns how many were cached.
pub async fn refresh(ctx: &Context, page_interval: Duration) -> Result<usize, DirectoryError> {
    let mut cursor: Option<String> = None;
    let mut cached = 0;
    loop {
        let (members, next) = ctx.slack.users_page(cursor.as_deref()).await?;
        let rows: Vec<_> = members.into_iter().map(|(id, info)| info.cached(&id)).collect();
        ctx.store.cache_users(&ctx.team_id, &rows, ctx.clock.now().timestamp()).await?;
        cached += rows.len();
        match next {
            Some(next) => {
                cursor = Some(next);
                tokio::time::sleep(page_interval).await;
            }
            None => return Ok(cached),
        }
    }
}

/// Refreshes at start, then every [`REFRESH`], until `shutdown`. A failed refresh is
/// tried again in an hour; the cache keeps what it had. Shutdown stops a refresh between
/// pages (each page is kept as it comes): at Tier 2's pace a workspace of 80,000 people
/// takes 20 minutes to read, and `SIGTERM` used to wait for all of it.
pub async fn run(ctx: &Context, shutdown: CancellationToken) {
    loop {
        let refreshed = tokio::select! {
            _ = shutdown.cancelled() => return,
            refreshed = refresh(ctx, TIER_2.interval) => refreshed,
        };
        let wait = match refreshed {
            Ok(members) => {
                info!(members, "workspace directory cached");
                REFRESH
            }
            Err(e) => {
                warn!(error = %e, "could not read the workspace directory; trying again in an hour");
                Duration::from_secs(60 * 60)
            }
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}
