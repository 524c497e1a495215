//! Group commit: many small writes from concurrent tasks, made in one transaction.
//!
//! One task per writer takes whatever was submitted while its previous batch was being
//! committed, and while it waited for its write turn, and writes it all together: one
//! write turn on SQLite and one commit (one fsync, where the pool syncs) for the batch.
//! Under load the cost per write falls with the batch's size; alone, a write waits no
//! longer than it would have by itself. Each submitter hears its own result only once
//! its batch is committed, so nothing is acknowledged before it is in the database.
//!
//! Two writers use it: the inbox's (Slack's deliveries, acked after their batch, and the
//! one-line joins made as they are stored) and the outbox's outcomes (a row sent, put
//! back or given up), which a launch-day burst produces by the thousand while the
//! handlers need the same write turn. A batch is a [`Tx`]: what it queues for Slack is
//! in the outbox by the same commit.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::{Engine, OutboxBell, Result, StoreError, Tx, WriteTurns};

/// The most items one transaction writes.
const BATCH: usize = 512;

/// Writes a batch's items inside its transaction: one result per item, in order. A
/// writer that can write many rows in one statement does (each statement is a hop to
/// SQLite's thread while the write lock is held).
pub(super) type WriteBatch<T, R> =
    for<'t> fn(&'t mut Tx, &'t [T]) -> Pin<Box<dyn Future<Output = Result<Vec<R>>> + Send + 't>>;

type Pending<T, R> = (T, oneshot::Sender<Result<R>>);

/// A writer's queue; the writer task ends with the last clone.
pub(super) struct GroupCommit<T, R> {
    queue: mpsc::UnboundedSender<Pending<T, R>>,
}

impl<T, R> Clone for GroupCommit<T, R> {
    fn clone(&self) -> Self {
        GroupCommit { queue: self.queue.clone() }
    }
}

impl<T: Send + Sync + 'static, R: Send + 'static> GroupCommit<T, R> {
    /// Starts the writer task on the current runtime. `committed` sees each committed
    /// batch's results before the submitters do (the inbox rings its workers' bell);
    /// `outbox_ready` is rung when a batch queued messages.
    pub(super) fn start(
        pool: AnyPool,
        engine: Engine,
        turns: WriteTurns,
        outbox_ready: Arc<OutboxBell>,
        write: WriteBatch<T, R>,
        committed: impl Fn(&[R]) + Send + 'static,
    ) -> GroupCommit<T, R> {
        let (queue, mut incoming) = mpsc::unbounded_channel::<Pending<T, R>>();
        tokio::spawn(async move {
            while let Some(first) = incoming.recv().await {
                // The batch is gathered once the turn is ours: what arrived while this
                // writer waited behind a handler's change goes in the same commit.
                let turn = turns.take_first().await;
                let mut pending = vec![first];
                while pending.len() < BATCH {
                    match incoming.try_recv() {
                        Ok(next) => pending.push(next),
                        Err(_) => break,
                    }
                }
                let (items, replies): (Vec<T>, Vec<_>) = pending.into_iter().unzip();
                let written = match turn {
                    Ok(_turn) => write_batch(&pool, engine, &outbox_ready, write, &items).await,
                    Err(e) => Err(e),
                };
                match written {
                    Ok(results) => {
                        committed(&results);
                        for (reply, result) in replies.into_iter().zip(results) {
                            let _ = reply.send(Ok(result));
                        }
                    }
                    Err(e) => {
                        let why = e.to_string();
                        for reply in replies {
                            let _ = reply.send(Err(StoreError::Unavailable(why.clone())));
                        }
                    }
                }
            }
        });
        GroupCommit { queue }
    }

    /// Writes `item` in the next batch and returns its result once that is committed.
    pub(super) async fn submit(&self, item: T) -> Result<R> {
        let stopped = || StoreError::Unavailable("the database writer has stopped".to_owned());
        let (reply, answer) = oneshot::channel();
        self.queue.send((item, reply)).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Writes one batch in one transaction, the write turn held.
async fn write_batch<T, R>(
    pool: &AnyPool,
    engine: Engine,
    outbox_ready: &Arc<OutboxBell>,
    write: WriteBatch<T, R>,
    items: &[T],
) -> Result<Vec<R>> {
    let mut tx = Tx::batch(super::begin(pool, engine).await?, engine, outbox_ready.clone());
    let results = write(&mut tx, items).await?;
    if results.len() != items.len() {
        return Err(StoreError::Corrupt(format!("{} results for {} writes", results.len(), items.len())));
    }
    tx.commit().await?;
    Ok(results)
}
