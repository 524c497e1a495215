//! The inbox: what Slack sent, kept from the moment before the ack until it is handled.
//!
//! Deliveries are written by one task in batches (group commit): whatever requests
//! arrived while the previous batch was being made durable go in the next transaction
//! together, so a launch-day burst costs one fsync per batch, not one per request, and
//! each request is answered only once its batch is on disk.
//!
//! Entries are claimed with a lease by several workers at once. An entry waits while an
//! older one of its lane (one person; one pair, program or round for the scheduler's
//! events) is unhandled, so one person's requests are handled in order while different
//! people's go concurrently; urgent entries (a form to open before its trigger expires)
//! are claimed first.

use std::collections::HashSet;
use std::sync::Arc;

use sqlx::{Any, AnyPool, FromRow, Transaction};
use tokio::sync::Notify;

use super::group_commit::GroupCommit;
use super::{statement_chunks, Engine, Result, Sql, Store, WriteTurns};

/// Handling an entry this many times without success means it will never succeed:
/// it stays in the table, with its last error, for a person to look at.
pub const MAX_ATTEMPTS: i64 = 5;
/// How long a worker holds an entry before another may take it over.
pub const LEASE_SECS: i64 = 60;

#[derive(Debug, Clone, FromRow)]
pub struct InboxEntry {
    pub id: i64,
    pub payload: String,
    pub attempts: i64,
    /// When it was stored (seconds): the wait before a worker took it tells how far
    /// behind the handlers are.
    pub created_at: i64,
    /// 1 when it opens a form (see [`Delivery::urgent`]).
    pub urgent: i64,
}

/// An accepted delivery, as the edge hands it to the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Unique per Slack delivery: a retry of the same one is stored once.
    pub dedupe_key: String,
    /// The serialised event.
    pub payload: String,
    /// Entries of one lane are handled in arrival order.
    pub lane: String,
    /// Handled before the others: it opens a form on a trigger Slack honours for 3 s.
    pub urgent: bool,
}

/// The group-commit writer of deliveries: each answers whether it was new.
pub(super) type InboxWriter = GroupCommit<(Delivery, i64), bool>;

/// Starts the inbox's writer on `pool` (the one that syncs every commit): a batch
/// with a new entry rings the workers' bell.
pub(super) fn start_writer(pool: AnyPool, engine: Engine, turns: WriteTurns, ready: Arc<Notify>) -> InboxWriter {
    GroupCommit::start(
        pool,
        engine,
        turns,
        |tx, deliveries| Box::pin(insert(tx, deliveries)),
        move |new| {
            if new.iter().any(|n| *n) {
                ready.notify_waiters();
                ready.notify_one();
            }
        },
    )
}

/// Deliveries per insert statement, at most.
const ROWS_PER_INSERT: usize = 64;

/// Stores a batch of deliveries, many rows a statement; each answers whether it was new
/// (the first of its key in the batch, and the key not stored before).
async fn insert(tx: &mut Transaction<'static, Any>, deliveries: &[(Delivery, i64)]) -> Result<Vec<bool>> {
    let mut stored = HashSet::new();
    for chunk in statement_chunks(deliveries, ROWS_PER_INSERT) {
        let mut insert = Sql::new("INSERT INTO inbox (dedupe_key, payload, lane, urgent, created_at) VALUES ");
        for (i, (delivery, now)) in chunk.iter().enumerate() {
            insert.push(if i == 0 { "(" } else { ", (" });
            insert.push_bind(delivery.dedupe_key.clone()).push(", ").push_bind(delivery.payload.clone()).push(", ");
            insert.push_bind(delivery.lane.clone()).push(", ").push_bind(i64::from(delivery.urgent)).push(", ");
            insert.push_bind(*now).push(")");
        }
        insert.push(" ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key");
        let keys: Vec<(String,)> = insert.build_query_as().fetch_all(&mut **tx).await?;
        stored.extend(keys.into_iter().map(|(key,)| key));
    }
    Ok(deliveries.iter().map(|(delivery, _)| stored.remove(&delivery.dedupe_key)).collect())
}

impl Store {
    /// Stores an accepted delivery, durably, in the next group commit; `false` when
    /// Slack already delivered this one.
    pub async fn receive(&self, delivery: Delivery, now: i64) -> Result<bool> {
        self.inbox_writer.submit((delivery, now)).await
    }

    /// Claims up to `most` entries to handle, for [`LEASE_SECS`], counting the attempt:
    /// urgent entries first, then the oldest, passing over entries whose lane has an
    /// older one unhandled, entries another worker holds, and failed ones still in their
    /// backoff. Only a lane's oldest unhandled entry can be claimed, so the entries of one
    /// claim belong to different lanes and may be handled side by side. They come urgent
    /// first, then in arrival order.
    pub async fn claim_inbox_entries(&self, now: i64, most: usize) -> Result<Vec<InboxEntry>> {
        // Two searches, each walking an index in id order, rather than one that sorts
        // every pending entry by urgency: a launch-day backlog holds thousands. The
        // urgent one names `urgent = 1` literally, so SQLite uses its partial index.
        // Both go in one statement, so a claim of many entries is one write, and under a
        // backlog the handlers' changes, not the claims, hold the write turn.
        // The lease is checked again on the row itself: a replica whose subquery chose
        // the row just before another's claim committed then claims nothing.
        let search = |urgent: i64| {
            format!(
                "SELECT i.id FROM inbox i
                 WHERE i.processed_at IS NULL AND i.attempts < $1 AND i.urgent = {urgent}
                   AND (i.retry_at IS NULL OR i.retry_at <= $2)
                   AND (i.claimed_until IS NULL OR i.claimed_until <= $2)
                   AND NOT EXISTS (SELECT 1 FROM inbox e
                                   WHERE e.lane = i.lane AND e.lane <> '' AND e.id < i.id
                                     AND e.processed_at IS NULL AND e.attempts < $1)
                 ORDER BY i.id LIMIT $4{skip_locked}",
                skip_locked = self.engine.skip_locked(),
            )
        };
        let most = i64::try_from(most.max(1)).unwrap_or(1);
        let _turn = self.turns.take().await?;
        let mut claimed: Vec<InboxEntry> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE inbox SET attempts = attempts + 1, claimed_until = $3
             WHERE id IN (SELECT id FROM (SELECT id, 0 AS k FROM ({}) u
                                          UNION ALL SELECT id, 1 AS k FROM ({}) o) c
                          ORDER BY k, id LIMIT $4)
               AND (claimed_until IS NULL OR claimed_until <= $2)
             RETURNING id, payload, attempts, created_at, urgent",
            search(1),
            search(0),
        )))
        .bind(MAX_ATTEMPTS)
        .bind(now)
        .bind(now + LEASE_SECS)
        .bind(most)
        .fetch_all(&self.pool)
        .await?;
        claimed.sort_by_key(|entry| (-entry.urgent, entry.id));
        Ok(claimed)
    }

    /// Frees every entry's lease at start on SQLite, which serves one process: no
    /// worker can hold one, and the entries need not wait out a dead run's leases. On
    /// PostgreSQL other replicas' workers may be holding theirs, so nothing is freed: a
    /// dead replica's entries are taken over when their lease runs out.
    pub async fn release_inbox_claims(&self) -> Result<()> {
        if self.engine == Engine::Postgres {
            return Ok(());
        }
        let _turn = self.turns.take().await?;
        sqlx::query("UPDATE inbox SET claimed_until = NULL WHERE processed_at IS NULL AND claimed_until IS NOT NULL")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records why handling failed and when to try again.
    pub async fn inbox_failed(&self, id: i64, error: &str, retry_at: i64) -> Result<()> {
        let _turn = self.turns.take().await?;
        sqlx::query("UPDATE inbox SET last_error = $1, retry_at = $2, claimed_until = NULL WHERE id = $3")
            .bind(error)
            .bind(retry_at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Wakes every idle consumer worker (and leaves a permit for one about to wait).
    pub fn wake_consumers(&self) {
        self.inbox_ready.notify_waiters();
        self.inbox_ready.notify_one();
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

    /// Every delivery ever stored, handled or not.
    pub async fn inbox_received(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM inbox").fetch_one(&self.pool).await?)
    }

    pub async fn inbox_pending(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL").fetch_one(&self.pool).await?)
    }
}

impl super::Tx {
    /// Stores an event produced inside this change (a timer's, a rematch's round).
    pub async fn receive(&mut self, delivery: &Delivery) -> Result<()> {
        insert(&mut self.tx, &[(delivery.clone(), self.now)]).await?;
        Ok(())
    }
}

/// Adds to `sql` the statement that marks entry `id` handled, the last of the change
/// that answers it.
pub(super) fn mark_processed(sql: &mut Sql, id: i64, now: i64) {
    sql.push("UPDATE inbox SET processed_at = ").push_bind(now).push(" WHERE id = ").push_bind(id);
}
