//! All SQL of the bot, behind a [`Store`] whose methods are named after what they do
//! for the business (save a profile, claim the next message) rather than after tables.
//!
//! Reads go straight to the pool. Every change goes through a [`Tx`]: one transaction
//! that carries the state change, the outbox rows it causes and, when it answers an
//! inbox entry, the mark that the entry is done. Either all of it is on disk or none
//! of it is, which is what lets a crash at any moment lose nothing and repeat nothing.
//!
//! The SQL keeps to what SQLite and PostgreSQL share where it can (`$1` placeholders,
//! `returning`, `on conflict`, Unix-second integers for times), but this store runs on
//! SQLite only today: the schema (`AUTOINCREMENT`), `BEGIN IMMEDIATE` and the
//! `Sqlite` types threaded through it are SQLite's.

mod channels;
mod charts;
mod checkins;
mod faults;
mod imports;
mod inbox;
mod outbox;
mod outcomes;
mod owners;
mod participants;
mod programs;
mod projects;
mod rounds;
mod sessions;
mod timers;
mod users;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use thiserror::Error;
use tokio::sync::Notify;

pub use checkins::{CheckinPair, CheckinRow, Snoozed};
pub use faults::{Purged, PURGED};
pub use imports::{ImportStatus, StoredImport};
pub use inbox::{Delivery, InboxEntry, MAX_ATTEMPTS as INBOX_MAX_ATTEMPTS};
pub use outbox::{DeliveryFigures, OpenedDm, OutboxEntry, OutboxStats, PACE_METHODS};
pub use outcomes::{EndingRound, GoalRow};
pub use owners::{AuditRow, DigestProgram, Forgotten, WeekCounts};
pub use rounds::{NewPair, NewRound, RoundCounts, RoundRow, ScheduledProgram};
pub use sessions::OpenOffer;
pub use users::CachedUser;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("a stored row could not be read back: {0}")]
    Corrupt(String),
    #[error("the database cannot be written now: {0}")]
    Unavailable(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database, plus the wake-up bells of the workers that wait on it.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// Rung after a commit that queued outbound messages, so the dispatcher sends at once.
    pub outbox_ready: Arc<Notify>,
    /// Rung after an inbox entry is stored, so the consumer handles it at once.
    pub inbox_ready: Arc<Notify>,
    /// Rung after a program's schedule changed, so the scheduler recomputes its wake-up.
    pub schedule_changed: Arc<Notify>,
    inbox_writer: inbox::InboxWriter,
}

impl Store {
    /// Opens (creating if missing) the database and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Store> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before the bot acknowledges anything to Slack.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if !url.contains(":memory:") && !url.contains("mode=memory") {
            private_files(options.get_filename())?;
        }
        // Enough connections for the consumer's workers, the dispatcher's sends, the
        // inbox writer and the HTTP edge's reads at once.
        let pool = SqlitePoolOptions::new().max_connections(24).connect_with(options).await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let inbox_ready = Arc::new(Notify::new());
        Ok(Store {
            inbox_writer: inbox::InboxWriter::start(pool.clone(), inbox_ready.clone()),
            pool,
            outbox_ready: Arc::new(Notify::new()),
            inbox_ready,
            schedule_changed: Arc::new(Notify::new()),
        })
    }

    /// Health check: the database answers a query.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Starts a change. On SQLite the write lock is taken at once (`BEGIN IMMEDIATE`):
    /// a transaction that read first and wrote later could otherwise fail with a stale
    /// snapshot when the HTTP edge stored an event in between.
    pub async fn begin(&self, now: i64) -> Result<Tx> {
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Tx { tx, now, inbox_id: None, queued: false, outbox_ready: self.outbox_ready.clone() })
    }

    /// Starts the change that answers inbox entry `inbox_id`; committing marks it done.
    pub async fn begin_for(&self, inbox_id: i64, now: i64) -> Result<Tx> {
        let mut tx = self.begin(now).await?;
        tx.inbox_id = Some(inbox_id);
        Ok(tx)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// One atomic change: state, the messages it causes, and the inbox entry it answers.
pub struct Tx {
    tx: Transaction<'static, Sqlite>,
    now: i64,
    inbox_id: Option<i64>,
    queued: bool,
    outbox_ready: Arc<Notify>,
}

impl Tx {
    /// Makes the change durable, then wakes the dispatcher if messages were queued.
    pub async fn commit(mut self) -> Result<()> {
        if let Some(id) = self.inbox_id {
            inbox::mark_processed(&mut self.tx, id, self.now).await?;
        }
        self.tx.commit().await?;
        if self.queued {
            self.outbox_ready.notify_one();
        }
        Ok(())
    }
}

/// Creates the database file readable by its owner only (0600) before SQLite opens
/// it, and narrows it and its WAL and shared-memory files if they exist: they hold
/// reflections and exit reasons. SQLite creates `-wal` and `-shm` with the mode of
/// the database file, so a private database keeps them private too.
fn private_files(path: &std::path::Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| StoreError::Database(sqlx::Error::Io(e));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
        }
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path).map_err(io)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            if std::path::Path::new(&file).exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Skill lists are stored as JSON arrays of strings.
fn to_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}

fn from_json(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("skill list `{text}`: {e}")))
}
