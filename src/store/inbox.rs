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
//!
//! A one-line join can be made in the very commit that stores it ([`JoinAtReceipt`]):
//! then the ack carries its answer, and a launch-day crowd is answered at the edge's
//! pace, not the handlers'. It is made there only when nothing of its person waits in
//! the inbox ahead of it, so one person's requests still take effect in order.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sqlx::{AnyPool, FromRow};
use tokio::sync::Notify;

use super::group_commit::GroupCommit;
use super::{statement_chunks, Engine, OutboxBell, Result, Sql, Store, Tx, WriteTurns};
use crate::domain::outbound::{Message, Outbound};
use crate::domain::participant::{Participant, ValidProfile};
use crate::domain::program::Program;

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

/// Makes a person's profile from their participation as the change reads it (`None`
/// before their first join), or says what is wrong with their request.
pub type Completion = Box<dyn Fn(Option<&Participant>) -> std::result::Result<ValidProfile, Message> + Send + Sync>;

/// The messages a person's first join in a program queues.
pub type FirstJoin = Box<dyn Fn(&Program) -> Vec<Outbound> + Send + Sync>;

/// A one-line join to make in the commit that stores its delivery.
pub struct JoinAtReceipt {
    pub team_id: String,
    /// The program the line names; none means the workspace's only program.
    pub program: Option<String>,
    pub user_id: String,
    pub complete: Completion,
    /// What a first join in `program` also queues (the "before" confidence check).
    pub first_join: FirstJoin,
}

/// What became of a delivery at receipt.
#[derive(Debug)]
pub enum Receipt {
    /// Slack delivered it before: stored then, nothing more.
    Duplicate,
    /// Stored for the handlers.
    Stored,
    /// Stored and handled.
    Joined(Box<Joined>),
    /// Stored and handled: the request was wrong, nothing changed, this is the answer.
    Refused(Message),
}

/// A join made at receipt: the profile as saved, whether the person had one, and what
/// the answer shows (the program, the person's time zone).
#[derive(Debug)]
pub struct Joined {
    pub participant: Participant,
    pub rejoined: bool,
    pub program: Program,
    pub tz: Option<String>,
}

/// One delivery for the inbox's writer, with the join to make at receipt, if any.
pub(super) struct Received {
    delivery: Delivery,
    join: Option<JoinAtReceipt>,
    now: i64,
}

/// The group-commit writer of deliveries.
pub(super) type InboxWriter = GroupCommit<Received, Receipt>;

/// Starts the inbox's writer on `pool` (the one that syncs every commit): a batch
/// with an entry left for the handlers rings their bell.
pub(super) fn start_writer(
    pool: AnyPool,
    engine: Engine,
    turns: WriteTurns,
    ready: Arc<Notify>,
    outbox_ready: Arc<OutboxBell>,
) -> InboxWriter {
    GroupCommit::start(
        pool,
        engine,
        turns,
        outbox_ready,
        |tx, received| Box::pin(write(tx, received)),
        move |receipts| {
            if receipts.iter().any(|r| matches!(r, Receipt::Stored)) {
                ready.notify_waiters();
                ready.notify_one();
            }
        },
    )
}

/// Deliveries per insert statement, at most.
const ROWS_PER_INSERT: usize = 64;

/// Stores a batch of deliveries, then makes the joins that may be made at receipt.
async fn write(tx: &mut Tx, received: &[Received]) -> Result<Vec<Receipt>> {
    tx.now = received.iter().map(|r| r.now).max().unwrap_or_default();
    let rows: Vec<(&Delivery, i64)> = received.iter().map(|r| (&r.delivery, r.now)).collect();
    let ids = insert(tx, &rows).await?;
    let new: Vec<bool> = ids.iter().map(Option::is_some).collect();
    let mut receipts: Vec<Receipt> =
        new.iter().map(|&new| if new { Receipt::Stored } else { Receipt::Duplicate }).collect();
    let joining: Vec<&Delivery> =
        received.iter().zip(&new).filter(|(r, &new)| new && r.join.is_some()).map(|(r, _)| &r.delivery).collect();
    let Some(first) = ids.iter().flatten().copied().min().filter(|_| !joining.is_empty()) else {
        return Ok(receipts);
    };
    // A lane with an entry from before this batch, or an earlier one in it, is taken:
    // its person's join waits for the handlers, behind what they asked first.
    let mut taken = waiting_lanes(tx, &joining, first).await?;
    let mut joinable = Vec::new();
    for (k, (item, &new)) in received.iter().zip(&new).enumerate() {
        let lane = &item.delivery.lane;
        let free = lane.is_empty() || taken.insert(lane.clone());
        if let Some(join) = item.join.as_ref().filter(|_| new && free) {
            joinable.push((k, join));
        }
    }
    let joins: Vec<&JoinAtReceipt> = joinable.iter().map(|(_, join)| *join).collect();
    let mut made = Vec::new();
    for ((k, _), receipt) in joinable.iter().zip(tx.join_at_receipt(&joins).await?) {
        if let (false, Some(id)) = (matches!(receipt, Receipt::Stored), ids[*k]) {
            made.push(id);
            receipts[*k] = receipt;
        }
    }
    for chunk in statement_chunks(&made, ROWS_PER_INSERT) {
        let mut mark = Sql::new(tx.engine, "UPDATE inbox SET processed_at = ");
        mark.push_bind(tx.now).push(" WHERE id IN (").push_list(chunk.to_vec()).push(")");
        mark.build_query().execute(&mut *tx.tx).await?;
    }
    Ok(receipts)
}

/// The lanes of `joining` with an entry unhandled from before `first`, the batch's
/// first new entry (ids grow with each insert).
async fn waiting_lanes(tx: &mut Tx, joining: &[&Delivery], first: i64) -> Result<HashSet<String>> {
    let mut waiting = HashSet::new();
    let lanes: Vec<String> = joining.iter().map(|d| d.lane.clone()).filter(|l| !l.is_empty()).collect();
    for chunk in statement_chunks(&lanes, ROWS_PER_INSERT) {
        let mut older =
            Sql::new(tx.engine, "SELECT DISTINCT lane FROM inbox WHERE processed_at IS NULL AND attempts < ");
        older.push_bind(MAX_ATTEMPTS).push(" AND id < ").push_bind(first);
        older.push(" AND lane IN (").push_list(chunk.to_vec()).push(")");
        let lanes: Vec<(String,)> = older.build_query_as().fetch_all(&mut *tx.tx).await?;
        waiting.extend(lanes.into_iter().map(|(lane,)| lane));
    }
    Ok(waiting)
}

/// Stores deliveries, many rows a statement; each answers with its id if it was new
/// (the first of its key in the batch, and the key not stored before).
async fn insert(tx: &mut Tx, deliveries: &[(&Delivery, i64)]) -> Result<Vec<Option<i64>>> {
    let mut stored = HashMap::new();
    for chunk in statement_chunks(deliveries, ROWS_PER_INSERT) {
        let mut insert =
            Sql::new(tx.engine, "INSERT INTO inbox (dedupe_key, payload, lane, urgent, created_at) VALUES ");
        for (i, (delivery, now)) in chunk.iter().enumerate() {
            insert.push(if i == 0 { "(" } else { ", (" });
            insert.push_bind(delivery.dedupe_key.clone()).push(", ").push_bind(delivery.payload.clone()).push(", ");
            insert.push_bind(delivery.lane.clone()).push(", ").push_bind(i64::from(delivery.urgent)).push(", ");
            insert.push_bind(*now).push(")");
        }
        insert.push(" ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key, id");
        let keys: Vec<(String, i64)> = insert.build_query_as().fetch_all(&mut *tx.tx).await?;
        stored.extend(keys);
    }
    Ok(deliveries.iter().map(|(delivery, _)| stored.remove(&delivery.dedupe_key)).collect())
}

impl Store {
    /// Stores an accepted delivery, durably, in the next group commit; `false` when
    /// Slack already delivered this one.
    pub async fn receive(&self, delivery: Delivery, now: i64) -> Result<bool> {
        let receipt = self.inbox_writer.submit(Received { delivery, join: None, now }).await?;
        Ok(!matches!(receipt, Receipt::Duplicate))
    }

    /// Stores an accepted one-line join and, when nothing of its person waits ahead of
    /// it, makes it in the same commit: the answer can then go in the ack.
    pub async fn receive_join(&self, delivery: Delivery, join: JoinAtReceipt, now: i64) -> Result<Receipt> {
        self.inbox_writer.submit(Received { delivery, join: Some(join), now }).await
    }

    /// Entries made as they were stored: never claimed, yet handled.
    pub async fn inbox_made_at_receipt(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM inbox WHERE attempts = 0 AND processed_at IS NOT NULL")
            .fetch_one(&self.pool)
            .await?)
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
        let now = self.now;
        insert(self, &[(delivery, now)]).await?;
        Ok(())
    }
}

/// Adds to `sql` the statement that marks entry `id` handled, the last of the change
/// that answers it.
pub(super) fn mark_processed(sql: &mut Sql, id: i64, now: i64) {
    sql.push("UPDATE inbox SET processed_at = ").push_bind(now).push(" WHERE id = ").push_bind(id);
}
