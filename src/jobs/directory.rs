//! The workspace's directory, cached: every member's time zone, name and email from
//! `users.list`, at start and daily, so a join on launch day never waits on Slack for
//! them (and never spends `users.info`'s Tier 4 budget a thousand times a minute).
//! `user_change` events keep it fresh between refreshes; `users.info` fills a miss.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::commands::Context;
use crate::slack::SendError;
use slack_limits::{DEFAULT_RETRY_AFTER, TIER_2};

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
/// pages (Slack's Tier 2: one every three seconds); returns how many were cached. A
/// page Slack refuses with 429 is asked for again after its Retry-After, from the same
/// cursor: a workspace of 80,000 people takes 20 minutes to read, and one refusal near
/// the end used to throw the cursor away and start over an hour later.
pub async fn refresh(ctx: &Context, page_interval: Duration) -> Result<usize, DirectoryError> {
    let mut cursor: Option<String> = None;
    let mut cached = 0;
    loop {
        let (members, next) = match ctx.slack.users_page(cursor.as_deref()).await {
            Err(SendError::RateLimited { retry_after }) => {
                let wait = retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
                warn!(?wait, cached, "users.list rate limited; reading on from the same page after Slack's wait");
                tokio::time::sleep(wait).await;
                continue;
            }
            page => page?,
        };
        let rows: Vec<_> = members.into_iter().map(|(id, info)| info.cached(&id)).collect();
        ctx.store.cache_users(&ctx.team_id, &rows, ctx.clock.now().timestamp()).await?;
        cached += rows.len();
        match next {
            Some(next) => {
                cursor = Some(next);
                tokio::time::sleep(page_interval).await;
            }
            None => {
                ctx.store.directory_read(&ctx.team_id, ctx.clock.now().timestamp()).await?;
                return Ok(cached);
            }
        }
    }
}

/// How long after start to read the directory: at once if it was never read whole or
/// not in the last [`REFRESH`], else when that day is over. A restart (a deploy, a
/// crash) on launch day then spends no Tier 2 budget and no write turns on it.
pub fn first_refresh_in(last_read: Option<i64>, now: i64) -> Duration {
    let day = REFRESH.as_secs() as i64;
    let left = last_read.map_or(0, |read| (read + day - now).clamp(0, day));
    Duration::from_secs(left as u64)
}

/// Refreshes at start (unless a whole read is less than a day old), then every
/// [`REFRESH`], until `shutdown`. A failed refresh is tried again in an hour; the cache
/// keeps what it had. Shutdown stops a refresh between pages (each page is kept as it
/// comes): at Tier 2's pace a workspace of 80,000 people takes 20 minutes to read, and
/// `SIGTERM` used to wait for all of it.
pub async fn run(ctx: &Context, shutdown: CancellationToken) {
    let last_read = ctx.store.directory_read_at(&ctx.team_id).await.unwrap_or_else(|e| {
        warn!(error = %e, "cannot tell when the directory was last read; reading it now");
        None
    });
    let first = first_refresh_in(last_read, ctx.clock.now().timestamp());
    if !first.is_zero() {
        info!(in_secs = first.as_secs(), "workspace directory read less than a day ago; next read scheduled");
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(first) => {}
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_read_less_than_a_day_ago_is_read_again_when_the_day_is_over() {
        let day = REFRESH.as_secs() as i64;
        assert_eq!(first_refresh_in(None, 1_000_000), Duration::ZERO, "never read: at once");
        assert_eq!(first_refresh_in(Some(1_000_000 - 600), 1_000_000), Duration::from_secs((day - 600) as u64));
        assert_eq!(first_refresh_in(Some(1_000_000 - day), 1_000_000), Duration::ZERO, "a day old: at once");
        assert_eq!(first_refresh_in(Some(1_000_000 - 3 * day), 1_000_000), Duration::ZERO);
        assert_eq!(
            first_refresh_in(Some(1_000_000 + 60), 1_000_000),
            REFRESH,
            "a clock set back waits one day at most"
        );
    }
}
