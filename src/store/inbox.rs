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
    /// Claims the oldest entry that is due: never handled, or failed and past its
    /// `retry_at`. An entry waiting out its backoff does not hold back the ones after it.
    pub async fn next_inbox_entry(&self, now: i64) -> Result<Option<InboxEntry>> {
        Ok(sqlx::query_as(
            "UPDATE inbox SET attempts = attempts + 1
             WHERE id = (SELECT id FROM inbox
                         WHERE processed_at IS NULL AND attempts < $1 AND (retry_at IS NULL OR retry_at <= $2)
                         ORDER BY id LIMIT 1)
             RETURNING id, payload, attempts",
        )
        .bind(MAX_ATTEMPTS)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Records why handling failed and when to try again.
    pub async fn inbox_failed(&self, id: i64, error: &str, retry_at: i64) -> Result<()> {
        sqlx::query("UPDATE inbox SET last_error = $1, retry_at = $2 WHERE id = $3")
            .bind(error)
            .bind(retry_at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The soonest time a failed entry may be tried again, if one waits.
    pub async fn next_inbox_retry(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(retry_at) FROM inbox WHERE processed_at IS NULL AND attempts < $1 AND retry_at IS NOT NULL",
        )
        .bind(MAX_ATTEMPTS)
        .fetch_one(&self.pool)
        .await?)
    }

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

/// The kinds of timer the scheduler fires, each with its row in `timers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Timer {
    /// A pair's check-in; marked with the check-in's due time.
    Checkin,
    /// A snoozed check-in's reminder; marked with the snooze's end.
    Remind,
    /// A program's weekly digest; marked with its cron time.
    Digest,
    /// A program's automatic round; marked with its cron time.
    Round,
    /// A confirmed round's end; marked with when it was started.
    RoundEnd,
}

impl Timer {
    fn as_str(self) -> &'static str {
        match self {
            Timer::Checkin => "checkin",
            Timer::Remind => "remind",
            Timer::Digest => "digest",
            Timer::Round => "round",
            Timer::RoundEnd => "round-end",
        }
    }
}

/// Sets a timer's mark, inside the change that acts on it.
pub(super) async fn mark_timer(
    tx: &mut Transaction<'static, Sqlite>,
    timer: Timer,
    subject_id: i64,
    fired_for: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO timers (kind, subject_id, fired_for) VALUES ($1, $2, $3)
         ON CONFLICT (kind, subject_id) DO UPDATE SET fired_for = excluded.fired_for",
    )
    .bind(timer.as_str())
    .bind(subject_id)
    .bind(fired_for)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Fires a timer: its event goes to the inbox and its mark is set in one
    /// transaction, so a crash can neither lose the firing nor repeat it. An event
    /// already stored under `dedupe_key` is kept once.
    pub(super) async fn fire_timer(
        &self,
        timer: Timer,
        subject_id: i64,
        fired_for: i64,
        dedupe_key: &str,
        payload: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin(now).await?;
        tx.receive(dedupe_key, payload).await?;
        mark_timer(&mut tx.tx, timer, subject_id, fired_for).await?;
        tx.commit().await?;
        self.inbox_ready.notify_one();
        Ok(())
    }
}

pub(super) async fn mark_processed(tx: &mut Transaction<'static, Sqlite>, id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE inbox SET processed_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut **tx).await?;
    Ok(())
}
