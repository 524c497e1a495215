//! The outbox: Slack calls waiting to be made, made, or given up on.
//!
//! A row is claimed with a lease (`claimed_until`) rather than a lock, so a dispatcher
//! that dies mid-call leaves a row that becomes claimable again when the lease runs out:
//! at most that one message may be sent twice, none is lost.

use serde::Serialize;
use sqlx::FromRow;

use super::{Result, Store, StoreError, Tx};
use crate::slack::outbound::Outbound;

#[derive(Debug, Clone, FromRow)]
pub struct OutboxEntry {
    pub id: i64,
    pub method: String,
    pub payload: String,
    pub attempts: i64,
}

impl OutboxEntry {
    pub fn message(&self) -> Result<Outbound> {
        serde_json::from_str(&self.payload).map_err(|e| StoreError::Corrupt(format!("outbox row {}: {e}", self.id)))
    }
}

/// Figures for status reports and the dead-letter view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, FromRow)]
pub struct OutboxStats {
    pub pending: i64,
    pub sent: i64,
    pub dead: i64,
}

impl Tx {
    /// Queues a Slack call; it is sent only if this transaction commits.
    pub async fn enqueue(&mut self, message: &Outbound) -> Result<()> {
        let payload =
            serde_json::to_string(message).map_err(|e| StoreError::Corrupt(format!("outbound message: {e}")))?;
        sqlx::query(
            "INSERT INTO outbox (method, channel_key, payload, not_before, created_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(message.method())
        .bind(message.channel_key())
        .bind(payload)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?;
        self.queued = true;
        Ok(())
    }
}

impl Store {
    /// Claims the oldest due message for `lease_secs`, counting the attempt.
    pub async fn claim_outbound(&self, now: i64, lease_secs: i64) -> Result<Option<OutboxEntry>> {
        Ok(sqlx::query_as(
            "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1
             WHERE id = (SELECT id FROM outbox
                         WHERE sent_at IS NULL AND dead_at IS NULL AND not_before <= $2
                           AND (claimed_until IS NULL OR claimed_until <= $2)
                         ORDER BY not_before, id LIMIT 1)
             RETURNING id, method, payload, attempts",
        )
        .bind(now + lease_secs)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn outbound_sent(&self, id: i64, now: i64) -> Result<()> {
        sqlx::query("UPDATE outbox SET sent_at = $1, claimed_until = NULL WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Puts a message back for later. A `refund`ed attempt (Slack said "slow down", not
    /// "failed") does not count towards giving up.
    pub async fn outbound_retry(&self, id: i64, not_before: i64, error: &str, refund: bool) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET not_before = $1, claimed_until = NULL, last_error = $2,
             attempts = attempts - $3 WHERE id = $4",
        )
        .bind(not_before)
        .bind(error)
        .bind(i64::from(refund))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn outbound_dead(&self, id: i64, now: i64, error: &str) -> Result<()> {
        sqlx::query("UPDATE outbox SET dead_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3")
            .bind(now)
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// When the next message becomes due (or its lease runs out), so the dispatcher can
    /// sleep until exactly then.
    pub async fn next_outbound_due(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(CASE WHEN claimed_until IS NOT NULL AND claimed_until > not_before
                             THEN claimed_until ELSE not_before END)
             FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn outbox_stats(&self) -> Result<OutboxStats> {
        Ok(sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL AND dead_at IS NULL THEN 1 ELSE 0 END), 0) AS pending,
                    COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS sent,
                    COALESCE(SUM(CASE WHEN dead_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS dead
             FROM outbox",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}
