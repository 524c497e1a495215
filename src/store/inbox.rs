//! The inbox: what Slack sent, kept from the moment before the ack until it is handled.

use sqlx::{FromRow, Sqlite, Transaction};

use super::{Result, Store};

/// Handling an entry this many times without success means it will never succeed:
/// it stays in the table, with its last error, for a person to look at.
pub const MAX_ATTEMPTS: i64 = 5;

#[derive(Debug, Clone, FromRow)]
pub struct InboxEntry {
    pub id: i64,
    pub payload: String,
    pub attempts: i64,
}

impl Store {
    /// Stores an accepted delivery; `false` when Slack already delivered this one.
    pub async fn receive(&self, dedupe_key: &str, payload: &str, now: i64) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO inbox (dedupe_key, payload, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(dedupe_key)
        .bind(payload)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            self.inbox_ready.notify_one();
        }
        Ok(inserted)
    }

    /// The oldest entry not yet handled, counting this as one more attempt at it.
    pub async fn next_inbox_entry(&self) -> Result<Option<InboxEntry>> {
        Ok(sqlx::query_as(
            "UPDATE inbox SET attempts = attempts + 1
             WHERE id = (SELECT id FROM inbox WHERE processed_at IS NULL AND attempts < $1 ORDER BY id LIMIT 1)
             RETURNING id, payload, attempts",
        )
        .bind(MAX_ATTEMPTS)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn inbox_failed(&self, id: i64, error: &str) -> Result<()> {
        sqlx::query("UPDATE inbox SET last_error = $1 WHERE id = $2").bind(error).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Entries still waiting to be handled (or given up on).
    pub async fn inbox_pending(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL").fetch_one(&self.pool).await?)
    }
}

impl super::Tx {
    /// Stores an event for the consumer inside this change, keyed like Slack's (a
    /// repeat of `dedupe_key` is kept once).
    pub async fn receive(&mut self, dedupe_key: &str, payload: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO inbox (dedupe_key, payload, created_at) VALUES ($1, $2, $3) ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(dedupe_key)
        .bind(payload)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Stores the event a timer produced in the same transaction as the timer's mark
    /// (`mark`: an `UPDATE … SET x = $1 WHERE id = $2` run with `value` and `id`), so a
    /// crash can neither lose the event nor fire the timer twice. An event already
    /// stored under `dedupe_key` is kept once.
    pub(super) async fn fire_timer(
        &self,
        dedupe_key: &str,
        payload: &str,
        now: i64,
        mark: &'static str,
        value: i64,
        id: i64,
    ) -> Result<()> {
        let mut tx = self.begin(now).await?;
        tx.receive(dedupe_key, payload).await?;
        sqlx::query(mark).bind(value).bind(id).execute(&mut *tx.tx).await?;
        tx.commit().await?;
        self.inbox_ready.notify_one();
        Ok(())
    }
}

pub(super) async fn mark_processed(tx: &mut Transaction<'static, Sqlite>, id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE inbox SET processed_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut **tx).await?;
    Ok(())
}
