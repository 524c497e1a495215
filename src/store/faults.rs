//! What the bot keeps to survive Slack's bad days: the outbox backlog alert, rows
//! re-driven by hand, and the purge of old payloads.
//!
//! Kept apart from `outbox.rs` because none of it is on the sending path: these run
//! from the housekeeping loop or the command line.

use super::{Result, Store, Tx};
use crate::domain::outbound::Outbound;

/// How many rows a purge touched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub inbox: u64,
    pub outbox: u64,
}

/// What a stored payload becomes once purged: valid JSON, so readers that parse it
/// see an empty object rather than an error.
pub const PURGED: &str = "{}";

impl Store {
    /// Rows still waiting that were queued before `cutoff` and have failed at least
    /// once: a message held back only by pacing (a large round) is not a problem.
    pub async fn stale_outbound(&self, cutoff: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL
             AND last_error IS NOT NULL AND COALESCE(retry_since, created_at) <= $1",
        )
        .bind(cutoff)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Whether owners were told of a backlog that has not cleared since.
    pub async fn backlog_alert_open(&self) -> Result<bool> {
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox_alerts WHERE cleared_at IS NULL")
            .fetch_one(&self.pool)
            .await?;
        Ok(open > 0)
    }

    /// The backlog has cleared: the next one is told again.
    pub async fn clear_backlog_alert(&self, now: i64) -> Result<()> {
        sqlx::query("UPDATE outbox_alerts SET cleared_at = $1 WHERE cleared_at IS NULL")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Puts waiting rows (and with `dead`, dead-lettered ones) back to be sent now,
    /// with a fresh retry budget. Rows a sender holds right now are left alone: taking
    /// one from under it could send it twice.
    pub async fn redrive_outbound(&self, now: i64, dead: bool) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE outbox SET not_before = $1, retry_since = $1, dead_at = NULL, attempts = 0
             WHERE sent_at IS NULL AND (dead_at IS NULL OR $2)
             AND (claimed_until IS NULL OR claimed_until <= $1)",
        )
        .bind(now)
        .bind(dead)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Forgets the payloads (what people wrote, what the bot said) of inbox entries
    /// handled and outbox rows finished before `cutoff`. The rows themselves stay: the
    /// inbox's key still dedupes a late retry, the outbox's figures still count.
    pub async fn purge_payloads(&self, cutoff: i64) -> Result<Purged> {
        let inbox = sqlx::query(
            "UPDATE inbox SET payload = $1 WHERE payload <> $1 AND processed_at IS NOT NULL AND processed_at < $2",
        )
        .bind(PURGED)
        .bind(cutoff)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let outbox =
            sqlx::query("UPDATE outbox SET payload = $1 WHERE payload <> $1 AND COALESCE(sent_at, dead_at) < $2")
                .bind(PURGED)
                .bind(cutoff)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(Purged { inbox, outbox })
    }
}

impl Tx {
    /// Raises the backlog alert and queues `messages` (to the owners) with it.
    pub async fn raise_backlog_alert(&mut self, messages: &[Outbound]) -> Result<()> {
        sqlx::query("INSERT INTO outbox_alerts (raised_at, created_at) VALUES ($1, $1)")
            .bind(self.now)
            .execute(&mut *self.tx)
            .await?;
        for message in messages {
            self.enqueue(message)?;
        }
        Ok(())
    }
}
