//! The outbox: Slack calls waiting to be made, made, or given up on.
//!
//! A row is claimed with a lease (`claimed_until`) rather than a lock, so a dispatcher
//! that dies mid-call leaves a row that becomes claimable again when the lease runs out:
//! at most that one message may be sent twice, none is lost.
//!
//! Rows are claimed in order of when they became due, skipping those the dispatcher's
//! pacer holds back (a method over its workspace limit, a channel posted to a moment
//! ago), so one busy channel or one exhausted tier never blocks everything behind it.
//! Group DMs opened for a set of people are kept here too (`group_dms`), and so is the
//! app's DM with one person that a file was delivered into (its key is the user id).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use sqlx::{Any, AnyPool, FromRow, Transaction};
use tokio::sync::Notify;

use super::group_commit::GroupCommit;
use super::{statement_chunks, Engine, Result, Sql, Store, StoreError, Tx, WriteTurns};
use crate::domain::outbound::Outbound;

/// Rung after a commit that queued messages, so the dispatcher looks for them at once.
/// It also says which pace methods the new rows wait on: a burst queueing only what the
/// pacer holds back (thousands of welcome DMs behind `chat.postMessage`'s limit) would
/// otherwise send the dispatcher looking, in vain, after every commit.
#[derive(Default)]
pub struct OutboxBell {
    bell: Notify,
    methods: std::sync::Mutex<HashSet<&'static str>>,
}

impl OutboxBell {
    /// Rings for rows waiting on `methods`.
    pub fn ring(&self, methods: impl IntoIterator<Item = &'static str>) {
        self.methods.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).extend(methods);
        self.bell.notify_one();
    }

    pub fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.bell.notified()
    }

    /// The pace methods rung for since the last call.
    pub fn rung_for(&self) -> HashSet<&'static str> {
        std::mem::take(&mut *self.methods.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct OutboxEntry {
    pub id: i64,
    pub method: String,
    /// Where the message lands (a user, the sorted users of a group DM, a URL).
    pub channel_key: String,
    pub payload: String,
    pub attempts: i64,
    /// When its retry budget started: queued, or re-driven by hand.
    pub since: i64,
}

/// Methods a row may start with that post into its channel, so a channel held back by
/// its per-channel limit holds back rows with these.
const POSTING: [&str; 2] = ["chat.postMessage", "conversations.open"];

/// What a claim returns of the row it took.
const CLAIMED: &str =
    " RETURNING id, method, channel_key, payload, attempts, COALESCE(retry_since, created_at) AS since";

/// What a group message's row is paced by before its DM has been opened.
pub const OPENING: &str = "conversations.open";
/// Every method a row can start with (its `pace_method`). The dispatcher claims method
/// by method, each walking its own index, so thousands of rows held back by one spent
/// tier are never scanned past on every claim for another method's row.
pub const PACE_METHODS: [&str; 6] =
    ["response_url", "views.open", "views.publish", "chat.postMessage", OPENING, "files.getUploadURLExternal"];

/// Claimed rows oldest first: `RETURNING` promises no order.
fn in_order(mut rows: Vec<OutboxEntry>) -> Vec<OutboxEntry> {
    rows.sort_by_key(|row| row.id);
    rows
}

impl OutboxEntry {
    pub fn message(&self) -> Result<Outbound> {
        serde_json::from_str(&self.payload).map_err(|e| StoreError::Corrupt(format!("outbox row {}: {e}", self.id)))
    }
}

/// The group DM conversations.open answered while a row was being sent, kept with the
/// row's outcome in one transaction, so a retry after a failed post, and every later
/// message to the same people, skips conversations.open. Not kept on its own before the
/// post: that would cost a disk sync per message, and a crash in between costs only one
/// more conversations.open, which answers the same channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedDm {
    /// The outbox's channel key: the people's ids, sorted and joined by commas.
    pub users: String,
    pub channel: String,
    /// When Slack answered.
    pub at: i64,
}

async fn remember(tx: &mut Transaction<'static, Any>, id: i64, opened: Option<&OpenedDm>) -> Result<()> {
    let Some(dm) = opened else { return Ok(()) };
    sqlx::query(
        "INSERT INTO group_dms (users, channel_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (users) DO UPDATE SET channel_id = excluded.channel_id",
    )
    .bind(&dm.users)
    .bind(&dm.channel)
    .bind(dm.at)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE outbox SET pace_method = method WHERE id = $1").bind(id).execute(&mut **tx).await?;
    Ok(())
}

/// Which due rows a claim may take.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// Rows starting with one of these wait, uncounted, while other rows go.
    pub held_methods: &'a [&'a str],
    /// So do posts into these channels.
    pub held_channels: &'a [String],
    /// Only urgent rows (a form to open).
    pub urgent_only: bool,
    /// Only rows starting with this method.
    pub method: Option<&'a str>,
    /// The most rows to claim at once.
    pub limit: usize,
}

impl Claim<'_> {
    /// The oldest due row, whatever it starts with.
    pub fn any() -> Claim<'static> {
        Claim { held_methods: &[], held_channels: &[], urgent_only: false, method: None, limit: 1 }
    }
}

/// What became of a claimed row.
#[derive(Debug)]
enum Outcome {
    Sent { at: i64 },
    Retry { not_before: i64, error: String, refund: bool, ambiguous: bool },
    Dead { at: i64, error: String },
}

/// A row's outcome as the dispatcher reports it, with the DM its call opened.
#[derive(Debug)]
pub(super) struct Recorded {
    id: i64,
    opened: Option<OpenedDm>,
    outcome: Outcome,
}

/// The group-commit writer of outcomes: with a hundred calls in flight, each marking its
/// row in a transaction of its own queued a hundred writers for SQLite's one write turn
/// ahead of every handler.
pub(super) type OutcomeWriter = GroupCommit<Recorded, ()>;

pub(super) fn start_outcomes(
    pool: AnyPool,
    engine: Engine,
    turns: WriteTurns,
    ready: Arc<OutboxBell>,
) -> OutcomeWriter {
    GroupCommit::start(pool, engine, turns, ready, |tx, recorded| Box::pin(record_all(tx, recorded)), |_| {})
}

/// Rows marked sent per statement, at most.
const ROWS_PER_MARK: usize = 64;

/// Records a batch of outcomes. Rows simply sent (most of them) are marked together,
/// one statement per second they were sent in, rather than one per row.
async fn record_all(tx: &mut Tx, all: &[Recorded]) -> Result<Vec<()>> {
    let mut sent: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for recorded in all {
        match (&recorded.outcome, &recorded.opened) {
            (Outcome::Sent { at }, None) => sent.entry(*at).or_default().push(recorded.id),
            _ => record(&mut tx.tx, recorded).await?,
        }
    }
    for (at, ids) in sent {
        for chunk in statement_chunks(&ids, ROWS_PER_MARK) {
            let mut mark = Sql::new(tx.engine, "UPDATE outbox SET sent_at = ");
            mark.push_bind(at).push(", claimed_until = NULL WHERE id IN (").push_list(chunk.to_vec()).push(")");
            mark.build_query().execute(&mut *tx.tx).await?;
        }
    }
    Ok(vec![(); all.len()])
}

async fn record(tx: &mut Transaction<'static, Any>, recorded: &Recorded) -> Result<()> {
    remember(tx, recorded.id, recorded.opened.as_ref()).await?;
    let query = match &recorded.outcome {
        Outcome::Sent { at } => {
            sqlx::query("UPDATE outbox SET sent_at = $1, claimed_until = NULL WHERE id = $2").bind(*at)
        }
        Outcome::Retry { not_before, error, refund, ambiguous } => sqlx::query(
            "UPDATE outbox SET not_before = $1, claimed_until = NULL, last_error = $2,
             attempts = attempts - $3, ambiguous = ambiguous + $4 WHERE id = $5",
        )
        .bind(*not_before)
        .bind(error.clone())
        .bind(i64::from(*refund))
        .bind(i64::from(*ambiguous)),
        Outcome::Dead { at, error } => {
            sqlx::query("UPDATE outbox SET dead_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3")
                .bind(*at)
                .bind(error.clone())
        }
    };
    query.bind(recorded.id).execute(&mut **tx).await?;
    Ok(())
}

/// Figures for status reports and the dead-letter view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, FromRow)]
pub struct OutboxStats {
    pub pending: i64,
    pub sent: i64,
    pub dead: i64,
}

/// Delivery figures for the fault suite and operators: how many calls ended with an
/// unknown outcome (each a possible repeat), and why rows were dead-lettered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryFigures {
    pub ambiguous: i64,
    pub dead_reasons: Vec<(String, i64)>,
}

/// The queues as the database holds them at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFigures {
    pub inbox_depth: i64,
    /// Seconds the oldest unhandled entry has waited (0 when none waits).
    pub inbox_oldest_secs: i64,
    pub outbox_depth: i64,
    pub outbox_oldest_secs: i64,
    /// Per Slack method: (method, sent, dead, waiting after a failed attempt).
    pub by_method: Vec<(String, i64, i64, i64)>,
}

/// A message a change queued, written to the outbox when the change commits.
#[derive(Debug)]
pub(super) struct Queued {
    method: &'static str,
    channel_key: String,
    payload: String,
    /// A group message, or a file for one person: it starts with conversations.open
    /// unless that DM is known.
    opens: bool,
    /// A form to open: its trigger id is good for three seconds.
    urgent: bool,
}

/// Queued messages per insert statement, at most.
const ROWS_PER_QUEUE: usize = 16;

impl Tx {
    /// Queues a Slack call; it is sent only if this transaction commits. The change's
    /// messages are written together as it commits: one statement, where one each held
    /// SQLite's write lock a hop to its thread longer.
    pub fn enqueue(&mut self, message: &Outbound) -> Result<()> {
        let payload =
            serde_json::to_string(message).map_err(|e| StoreError::Corrupt(format!("outbound message: {e}")))?;
        self.queued.push(Queued {
            method: message.method(),
            channel_key: message.channel_key(),
            payload,
            opens: matches!(message, Outbound::GroupMessage { .. } | Outbound::UploadFile { .. }),
            urgent: matches!(message, Outbound::OpenView { .. }),
        });
        Ok(())
    }

    /// The pace methods the queued messages wait on (a group DM perhaps on its opening).
    pub(super) fn queued_methods(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.queued.iter().flat_map(|row| [Some(row.method), row.opens.then_some(OPENING)]).flatten()
    }

    /// The statements that write the queued messages to the outbox, in the order they
    /// were queued; the messages move into them (a payload can be a whole Home view).
    pub(super) fn take_queued_inserts(&mut self) -> Vec<Sql> {
        let queued = std::mem::take(&mut self.queued);
        let sizes: Vec<usize> = statement_chunks(&queued, ROWS_PER_QUEUE).map(<[Queued]>::len).collect();
        let mut rows = queued.into_iter();
        sizes
            .into_iter()
            .map(|size| {
                let mut insert = Sql::new(
                    self.engine,
                    "INSERT INTO outbox (method, channel_key, payload, not_before, created_at, pace_method, urgent) VALUES ",
                );
                for (i, row) in rows.by_ref().take(size).enumerate() {
                    insert.push(if i == 0 { "(" } else { ", (" });
                    insert.push_bind(row.method.to_owned()).push(", ").push_bind(row.channel_key.clone()).push(", ");
                    insert.push_bind(row.payload).push(", ").push_bind(self.now).push(", ").push_bind(self.now);
                    insert.push(", CASE WHEN ").push_bind(row.opens);
                    insert.push(" AND NOT EXISTS (SELECT 1 FROM group_dms WHERE users = ");
                    insert.push_bind(row.channel_key).push(") THEN ").push_bind(OPENING.to_owned());
                    insert.push(" ELSE ").push_bind(row.method.to_owned()).push(" END, ");
                    insert.push_bind(i64::from(row.urgent)).push(")");
                }
                insert
            })
            .collect()
    }
}

impl Store {
    /// Claims up to `filter.limit` of the oldest due messages for `lease_secs`,
    /// counting the attempt, as [`Claim`] narrows them. A row waits while an older row
    /// into its conversation is unsent, so one conversation's messages go in order (one
    /// at a time: only the oldest unsent row of a conversation is ever claimable).
    pub async fn claim_outbound(&self, now: i64, lease_secs: i64, filter: Claim<'_>) -> Result<Vec<OutboxEntry>> {
        let Claim { held_methods, held_channels, urgent_only, method, limit } = filter;
        let limit = i64::try_from(limit.max(1)).unwrap_or(1);
        let due = |query: &mut Sql| {
            query.push(" FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL AND not_before <= ");
            query.push_bind(now).push(" AND (claimed_until IS NULL OR claimed_until <= ").push_bind(now).push(")");
            query.push(
                " AND NOT EXISTS (SELECT 1 FROM outbox older WHERE older.channel_key = outbox.channel_key
                   AND older.id < outbox.id AND older.sent_at IS NULL AND older.dead_at IS NULL)",
            );
            if urgent_only {
                query.push(" AND urgent = 1");
            }
            if let Some(method) = method {
                query.push(" AND pace_method = ").push_bind(method.to_owned());
            }
            // A claim for one method is made only for a method the pacer does not hold.
            if method.is_none() && !held_methods.is_empty() {
                query.push(" AND pace_method NOT IN (").push_list(held_methods.iter().map(|m| m.to_string())).push(")");
            }
            if !held_channels.is_empty() {
                query
                    .push(" AND NOT (pace_method IN (")
                    .push_list(POSTING.map(str::to_owned))
                    .push(") AND channel_key IN (");
                query.push_list(held_channels.to_vec()).push("))");
            }
            // Forms are few: walking their own index in id order beats sorting every due row.
            query.push(if urgent_only { " ORDER BY id" } else { " ORDER BY not_before, id" });
            query.push(" LIMIT ").push_bind(limit);
        };
        if self.engine == Engine::Postgres {
            let mut query = Sql::new(self.engine, "UPDATE outbox SET claimed_until = ");
            query.push_bind(now + lease_secs).push(", attempts = attempts + 1 WHERE id IN (SELECT id");
            due(&mut query);
            query.push(self.engine.skip_locked()).push(")");
            // The lease is checked again on the row itself: a replica whose subquery chose
            // the row just before another's claim committed then claims nothing.
            query.push(" AND (claimed_until IS NULL OR claimed_until <= ").push_bind(now).push(")");
            query.push(CLAIMED);
            return Ok(in_order(query.build_query_as().fetch_all(&self.pool).await?));
        }
        // SQLite: the search is a read, beside the writers; only a row found is claimed,
        // in its write turn, and only if no one took it meanwhile. Most searches of a busy
        // dispatcher find nothing, and they used to hold the one write lock while looking.
        let mut search = Sql::new(self.engine, "SELECT id");
        due(&mut search);
        let found: Vec<(i64,)> = search.build_query_as().fetch_all(&self.pool).await?;
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let mut claim = Sql::new(self.engine, "UPDATE outbox SET claimed_until = ");
        claim.push_bind(now + lease_secs).push(", attempts = attempts + 1 WHERE id IN (");
        claim.push_list(found.into_iter().map(|(id,)| id));
        claim.push(") AND sent_at IS NULL AND dead_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ");
        claim.push_bind(now).push(")").push(CLAIMED);
        let _turn = self.turns.take_first().await?;
        Ok(in_order(claim.build_query_as().fetch_all(&self.pool).await?))
    }

    /// The group DM already opened for `users` (the sorted, comma-joined channel key).
    pub async fn group_dm(&self, users: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT channel_id FROM group_dms WHERE users = $1")
            .bind(users)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Marks row `id` sent, keeping the group DM it opened, if any.
    pub async fn outbound_sent(&self, id: i64, now: i64, opened: Option<&OpenedDm>) -> Result<()> {
        self.outcomes.submit(Recorded { id, opened: opened.cloned(), outcome: Outcome::Sent { at: now } }).await
    }

    /// Puts a message back for later, keeping the group DM it opened, if any. A
    /// `refund`ed attempt (Slack said "slow down", not "failed") is not counted; an
    /// `ambiguous` one (Slack may have acted) is counted apart, as a possible repeat.
    pub async fn outbound_retry(
        &self,
        id: i64,
        not_before: i64,
        error: &str,
        refund: bool,
        ambiguous: bool,
        opened: Option<&OpenedDm>,
    ) -> Result<()> {
        let outcome = Outcome::Retry { not_before, error: error.to_owned(), refund, ambiguous };
        self.outcomes.submit(Recorded { id, opened: opened.cloned(), outcome }).await
    }

    /// Gives up on row `id`, keeping the group DM it opened, if any.
    pub async fn outbound_dead(&self, id: i64, now: i64, error: &str, opened: Option<&OpenedDm>) -> Result<()> {
        let outcome = Outcome::Dead { at: now, error: error.to_owned() };
        self.outcomes.submit(Recorded { id, opened: opened.cloned(), outcome }).await
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

    pub async fn delivery_figures(&self) -> Result<DeliveryFigures> {
        let ambiguous = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(ambiguous), 0) AS BIGINT) FROM outbox")
            .fetch_one(&self.pool)
            .await?;
        let dead_reasons = sqlx::query_as(
            "SELECT COALESCE(last_error, ''), COUNT(*) FROM outbox WHERE dead_at IS NOT NULL
             GROUP BY last_error ORDER BY last_error",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(DeliveryFigures { ambiguous, dead_reasons })
    }

    /// The queues for `/metrics`: depth and oldest waiting age of the inbox and the
    /// outbox, and the outbox's outcomes per method.
    pub async fn queue_figures(&self, now: i64) -> Result<QueueFigures> {
        let (inbox_depth, inbox_oldest): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM inbox WHERE processed_at IS NULL")
                .fetch_one(&self.pool)
                .await?;
        let (outbox_depth, outbox_oldest): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL")
                .fetch_one(&self.pool)
                .await?;
        let by_method = sqlx::query_as(
            "SELECT method, COUNT(sent_at), COUNT(dead_at),
                    COUNT(CASE WHEN sent_at IS NULL AND dead_at IS NULL AND last_error IS NOT NULL THEN 1 END)
             FROM outbox GROUP BY method ORDER BY method",
        )
        .fetch_all(&self.pool)
        .await?;
        let age = |oldest: Option<i64>| oldest.map_or(0, |at| (now - at).max(0));
        Ok(QueueFigures {
            inbox_depth,
            inbox_oldest_secs: age(inbox_oldest),
            outbox_depth,
            outbox_oldest_secs: age(outbox_oldest),
            by_method,
        })
    }

    pub async fn outbox_stats(&self) -> Result<OutboxStats> {
        Ok(sqlx::query_as(
            "SELECT COUNT(CASE WHEN sent_at IS NULL AND dead_at IS NULL THEN 1 END) AS pending,
                    COUNT(sent_at) AS sent,
                    COUNT(dead_at) AS dead
             FROM outbox",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}
