//! All SQL of the bot, behind a [`Store`] whose methods are named after what they do
//! for the business (save a profile, claim the next message) rather than after tables.
//!
//! Reads go straight to the pool. Every change goes through a [`Tx`]: one transaction
//! that carries the state change, the outbox rows it causes and, when it answers an
//! inbox entry, the mark that the entry is done. Either all of it is on disk or none
//! of it is, which is what lets a crash at any moment lose nothing and repeat nothing.
//!
//! A read from the pool is a snapshot that may be stale by the time the change starts:
//! another person's handler, on this replica or another, may have committed in between.
//! So a change that decides on a row others can change (a pair, a one-time session, a
//! program's settings and rounds, a profile) reads it again through the [`Tx`], which
//! locks it on PostgreSQL (`FOR UPDATE`) until the commit; on SQLite `BEGIN IMMEDIATE`
//! already made the change the only writer. Writes that settle a race on their own are
//! conditional (`… WHERE status = 'active'`) and say whether they changed anything.
//!
//! One store, two engines: SQLite (embedded, the default) and PostgreSQL (several
//! replicas on one database), chosen by the URL's scheme and reached through sqlx's
//! `Any` driver. The SQL text is the same on both (`$1` placeholders, `returning`,
//! `on conflict`, Unix-second BIGINT times, 0/1 BIGINT flags); the few places where the
//! engines must differ ask [`Engine`]: how a change starts (`BEGIN IMMEDIATE` on SQLite)
//! and how a claim skips rows another replica is taking (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL). Each engine has its own migrations (`migrations/sqlite`,
//! `migrations/postgres`), numbered in step, describing the same tables and columns.

mod channels;
mod charts;
mod checkins;
mod faults;
mod group_commit;
mod imports;
mod inbox;
mod leases;
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

use sqlx::any::{AnyArguments, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyPool, Arguments, Encode, Executor, Transaction, Type};
use thiserror::Error;
use tokio::sync::{oneshot, Mutex, Notify, OwnedMutexGuard};

pub use checkins::{CheckinPair, CheckinRow, Snoozed};
pub use faults::{Purged, PURGED};
pub use imports::{ImportStatus, StoredImport};
pub use inbox::{
    Completion, Delivery, FirstJoin, InboxEntry, JoinAtReceipt, Joined, Receipt, MAX_ATTEMPTS as INBOX_MAX_ATTEMPTS,
};
pub use outbox::{Claim, DeliveryFigures, OpenedDm, OutboxBell, OutboxEntry, OutboxStats, QueueFigures, PACE_METHODS};
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
    #[error("`{0}` names no database upward runs on: use sqlite://… or postgres://…")]
    UnknownEngine(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database engine a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

impl Engine {
    /// `sqlite:` selects SQLite, `postgres:` or `postgresql:` PostgreSQL.
    pub fn of(url: &str) -> Result<Engine> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Engine::Postgres)
        } else {
            Err(StoreError::UnknownEngine(url.split(':').next().unwrap_or(url).to_owned()))
        }
    }

    fn migrations(self) -> &'static Migrator {
        match self {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// What a claim's inner `SELECT … LIMIT 1` ends with so that two replicas claiming
    /// at once pass over each other's row instead of waiting for it and then, the
    /// subquery already evaluated, taking the same one. SQLite has one writer at a
    /// time (`BEGIN IMMEDIATE`, and every claim is a single statement), so it needs none.
    pub(crate) fn skip_locked(self) -> &'static str {
        match self {
            Engine::Sqlite => "",
            Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// What a read inside a change ends with so that the rows of `table` (its name or
    /// alias in the query) it decides on stay as read until the commit: another
    /// replica's change of them waits. SQLite's change already is the only writer.
    pub(crate) fn lock_rows(self, table: &str) -> String {
        match self {
            Engine::Sqlite => String::new(),
            Engine::Postgres => format!(" FOR UPDATE OF {table}"),
        }
    }
}

/// A statement assembled at run time (a list of held methods, an optional filter),
/// its placeholders written as `engine` binds them fastest. PostgreSQL needs `$1`, `$2`,
/// … (sqlx's `QueryBuilder` writes `?` for the `Any` driver, which it refuses). SQLite
/// gets a bare `?`, bound by position: sqlx looks up each named `$N` among all of the
/// statement's names, so a batch's multi-row statement of hundreds of parameters spent
/// more on those look-ups than on its writing.
pub(crate) struct Sql {
    text: String,
    args: AnyArguments,
    count: usize,
    engine: Engine,
}

impl Sql {
    pub(crate) fn new(engine: Engine, text: &str) -> Sql {
        Sql { text: text.to_owned(), args: AnyArguments::default(), count: 0, engine }
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends the next placeholder and binds `value` to it.
    pub(crate) fn push_bind<T>(&mut self, value: T) -> &mut Sql
    where
        T: for<'q> Encode<'q, Any> + Type<Any> + Send + 'static,
    {
        self.count += 1;
        match self.engine {
            Engine::Sqlite => self.text.push('?'),
            Engine::Postgres => self.text.push_str(&format!("${}", self.count)),
        }
        // Encoding an integer or a string into `Any` arguments cannot fail.
        let _ = self.args.add(value);
        self
    }

    /// Placeholders for each of `values`, separated by commas, for an `IN (…)` list.
    pub(crate) fn push_list<T>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Sql
    where
        T: for<'q> Encode<'q, Any> + Type<Any> + Send + 'static,
    {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.push_bind(value);
        }
        self
    }

    pub(crate) fn build_query(self) -> sqlx::query::Query<'static, Any, AnyArguments> {
        sqlx::query_with(sqlx::AssertSqlSafe(self.text), self.args)
    }

    pub(crate) fn build_query_as<T>(self) -> sqlx::query::QueryAs<'static, Any, T, AnyArguments>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as_with(sqlx::AssertSqlSafe(self.text), self.args)
    }
}

/// `rows` in slices for multi-row statements, largest first: `most` rows, then powers of
/// two, so the statements come in a few shapes that each connection prepares once.
pub(crate) fn statement_chunks<T>(rows: &[T], most: usize) -> impl Iterator<Item = &[T]> {
    let mut rest = rows;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let size = if rest.len() >= most { most } else { 1 << rest.len().ilog2() };
        let (chunk, after) = rest.split_at(size);
        rest = after;
        Some(chunk)
    })
}

/// A pool of `max` connections; on SQLite each set up as the store depends on: wait for
/// the write lock rather than fail, WAL so reads go on beside a write, foreign keys, and
/// the given `synchronous` level (the `Any` driver opens SQLite from the URL alone).
async fn open_pool(url: &str, engine: Engine, max: u32, synchronous: &'static str) -> Result<AnyPool> {
    Ok(AnyPoolOptions::new()
        .max_connections(max)
        // A file on this machine needs no test before each use, and on SQLite the test
        // is a round trip to the connection's thread: a third of a join's statements.
        .test_before_acquire(engine != Engine::Sqlite)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if engine == Engine::Sqlite {
                    let pragmas = format!(
                        "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                         PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;"
                    );
                    conn.execute(sqlx::AssertSqlSafe(pragmas)).await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?)
}

/// SQLite's one write lock, taken in turn. Writers wait here and are woken in order as
/// each commits, instead of sleeping in SQLite's busy handler (1, 2, 5, 10 ms… while
/// the lock may long be free): with 64 sends and 8 handlers writing during a launch-day
/// burst, marking a message sent took 30 ms on average, nearly all of it asleep.
/// PostgreSQL locks rows, not the database: no turns there.
///
/// The few writers that carry what people wait for (the group commits of deliveries and
/// of sends, the outbox's claims) go ahead of the handlers' changes: handlers line up
/// among themselves first, so at most one of them is ever ahead of such a writer. In a
/// launch-day burst, answers otherwise left at 200 a second while the handlers worked
/// through 800 joins a second, each claim waiting behind eight handlers' transactions.
#[derive(Clone)]
pub(crate) struct WriteTurns(Option<Arc<Turns>>);

struct Turns {
    /// The write lock itself.
    lock: Arc<Mutex<()>>,
    /// Where handlers' changes wait for their place in the lock's queue.
    line: Mutex<()>,
}

/// How long a writer waits for its turn before giving up, as SQLite's busy timeout did.
const WRITE_WAIT: Duration = Duration::from_secs(10);

impl WriteTurns {
    fn for_engine(engine: Engine) -> WriteTurns {
        WriteTurns((engine == Engine::Sqlite).then(|| Arc::new(Turns { lock: Arc::default(), line: Mutex::new(()) })))
    }

    /// A handler's turn, behind the writers that go first; held until the guard drops.
    pub(crate) async fn take(&self) -> Result<Option<OwnedMutexGuard<()>>> {
        let Some(turns) = &self.0 else { return Ok(None) };
        within_wait(async {
            let _place = turns.line.lock().await;
            turns.lock.clone().lock_owned().await
        })
        .await
    }

    /// The turn of a writer people are waiting on, ahead of the handlers in line.
    pub(crate) async fn take_first(&self) -> Result<Option<OwnedMutexGuard<()>>> {
        let Some(turns) = &self.0 else { return Ok(None) };
        within_wait(turns.lock.clone().lock_owned()).await
    }
}

async fn within_wait(
    turn: impl std::future::Future<Output = OwnedMutexGuard<()>>,
) -> Result<Option<OwnedMutexGuard<()>>> {
    match tokio::time::timeout(WRITE_WAIT, turn).await {
        Ok(turn) => Ok(Some(turn)),
        Err(_) => Err(StoreError::Unavailable("the database stayed busy with other writes".into())),
    }
}

/// The database, plus the wake-up bells of the workers that wait on it.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    /// Rung after a commit that queued outbound messages, so the dispatcher sends at once.
    pub outbox_ready: Arc<OutboxBell>,
    /// Rung after an inbox entry is stored, so the consumer handles it at once.
    pub inbox_ready: Arc<Notify>,
    /// Rung after a program's schedule changed, so the scheduler recomputes its wake-up.
    pub schedule_changed: Arc<Notify>,
    inbox_writer: inbox::InboxWriter,
    /// Sent, put back or given up: the outbox rows' outcomes, written in batches.
    outcomes: outbox::OutcomeWriter,
    turns: WriteTurns,
    gate: ChangeGate,
}

/// Where a test holds the next change before it starts; see [`Store::hold_next_change`].
type ChangeGate = Arc<std::sync::Mutex<Option<(oneshot::Sender<()>, oneshot::Receiver<()>)>>>;

/// A change held before it starts: its handler has made every read it makes outside
/// the change, and waits until [`HeldChange::release`] (or until this is dropped).
pub struct HeldChange {
    reached: oneshot::Receiver<()>,
    release: oneshot::Sender<()>,
}

impl HeldChange {
    /// Waits until a change arrives at the hold.
    pub async fn reached(&mut self) {
        let _ = (&mut self.reached).await;
    }

    /// Lets the held change start.
    pub fn release(self) {
        let _ = self.release.send(());
    }
}

impl Store {
    /// Opens (creating a SQLite file if missing) the database and brings its schema up
    /// to date.
    pub async fn connect(url: &str) -> Result<Store> {
        let store = Store::open(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the database; [`Store::connect`] then migrates it.
    async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let engine = Engine::of(url)?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if engine == Engine::Sqlite && !in_memory {
            private_files(SqliteConnectOptions::from_str(url)?.get_filename())?;
        }
        // Two kinds of commit on SQLite. The inbox writer's acknowledge Slack's
        // deliveries, so they are synced to disk (FULL) before the ack. Every other
        // commit is derived from inbox entries it marks handled in the same transaction,
        // and the WAL keeps commits in order: without a sync of its own (NORMAL) such a
        // commit survives a crash of the process, and a power cut can only drop the
        // latest ones together with their marks, so their entries are handled again.
        // That spares them an fsync each while holding SQLite's one write lock, which
        // the inbox writer needs too (a 4,000-person burst: 37 s to answer, then 19 s).
        // Enough connections for the consumer's workers, the dispatcher's sends and the
        // HTTP edge's reads at once.
        let pool = open_pool(url, engine, 24, "NORMAL").await?;
        let acks = match engine {
            // A database in memory has no disk, and a second pool would open another.
            // One connection, so its page cache stays warm from batch to batch: SQLite
            // empties a connection's cache when another has written since, and with two
            // the batches alternated between them, each re-reading the pages the other
            // had changed (5 % of the core in `pread` under `bench inbound`). A batch
            // waits for the connection to come back to the pool on a task of its own,
            // and still the joins went 1 to 12 % faster, in six alternated pairs of runs.
            Engine::Sqlite if !in_memory => open_pool(url, engine, 1, "FULL").await?,
            _ => pool.clone(),
        };
        let inbox_ready = Arc::new(Notify::new());
        let outbox_ready = Arc::new(OutboxBell::default());
        let turns = WriteTurns::for_engine(engine);
        Ok(Store {
            inbox_writer: inbox::start_writer(acks, engine, turns.clone(), inbox_ready.clone(), outbox_ready.clone()),
            outcomes: outbox::start_outcomes(pool.clone(), engine, turns.clone(), outbox_ready.clone()),
            turns,
            gate: ChangeGate::default(),
            pool,
            engine,
            outbox_ready,
            inbox_ready,
            schedule_changed: Arc::new(Notify::new()),
        })
    }

    /// Creates the empty schema `name` in the PostgreSQL database at `url` and returns
    /// the URL whose connections work in it: each test and benchmark run takes one, so
    /// none sees another's rows, and dropping the database drops them all.
    pub async fn fresh_schema(url: &str, name: &str) -> Result<String> {
        if Engine::of(url)? != Engine::Postgres
            || name.is_empty()
            || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(StoreError::UnknownEngine(format!("a schema `{name}` in {url}")));
        }
        sqlx::any::install_default_drivers();
        let pool = AnyPool::connect(url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}"))).execute(&pool).await?;
        pool.close().await;
        let separator = if url.contains('?') { '&' } else { '?' };
        Ok(format!("{url}{separator}options[search_path]={name}"))
    }

    /// Applies the migrations this database lacks. Several replicas starting at once
    /// are safe: sqlx takes an advisory lock on PostgreSQL while it migrates.
    pub async fn migrate(&self) -> Result<()> {
        self.engine.migrations().run(&self.pool).await?;
        Ok(())
    }

    /// The newest migration applied to this database, if any.
    pub async fn applied_migrations(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(&self.pool).await?)
    }

    /// Whether every migration this build knows is applied: a replica of a newer build
    /// is not ready on a database no one has migrated yet.
    pub async fn schema_current(&self) -> Result<bool> {
        let newest = self.engine.migrations().iter().map(|m| m.version).max();
        Ok(self.applied_migrations().await? >= newest)
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Starts a change. On SQLite the write lock is taken at once (`BEGIN IMMEDIATE`):
    /// a transaction that read first and wrote later could otherwise fail with a stale
    /// snapshot when the HTTP edge stored an event in between. PostgreSQL locks rows as
    /// they are written and lets other replicas' changes go on meanwhile.
    pub async fn begin(&self, now: i64) -> Result<Tx> {
        let held = self.gate.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some((reached, release)) = held {
            let _ = reached.send(());
            let _ = release.await;
        }
        let turn = self.turns.take().await?;
        let tx = begin(&self.pool, self.engine).await?;
        Ok(Tx {
            tx,
            engine: self.engine,
            now,
            inbox_id: None,
            queued: Vec::new(),
            outbox_ready: self.outbox_ready.clone(),
            _turn: turn,
        })
    }

    /// Holds the next change of this store (of any clone of it) before it starts, the
    /// moment a handler has read what it reads outside its change; later changes pass.
    /// Tests interleave two handlers with it as two replicas could run them: both read
    /// before either writes, and whatever the first decided must still hold.
    #[doc(hidden)]
    pub fn hold_next_change(&self) -> HeldChange {
        let (reached_tx, reached) = oneshot::channel();
        let (release, release_rx) = oneshot::channel();
        *self.gate.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((reached_tx, release_rx));
        HeldChange { reached, release }
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
    tx: Transaction<'static, Any>,
    engine: Engine,
    now: i64,
    inbox_id: Option<i64>,
    /// Messages to write to the outbox as the change commits.
    queued: Vec<outbox::Queued>,
    outbox_ready: Arc<OutboxBell>,
    /// SQLite's write lock is this change's until it commits or is dropped.
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    /// A group commit's batch: its writer holds the turn and sets the time.
    fn batch(tx: Transaction<'static, Any>, engine: Engine, outbox_ready: Arc<OutboxBell>) -> Tx {
        Tx { tx, engine, now: 0, inbox_id: None, queued: Vec::new(), outbox_ready, _turn: None }
    }

    /// Makes the change durable, then wakes the dispatcher if messages were queued.
    pub async fn commit(mut self) -> Result<()> {
        let methods: Vec<&'static str> = self.queued_methods().collect();
        let mut statements = self.take_queued_inserts();
        if let Some(id) = self.inbox_id {
            match statements.last_mut() {
                // SQLite runs the statements of one query in one call to its thread:
                // one hop fewer while the write lock is held. PostgreSQL refuses several
                // statements with parameters in one query.
                Some(last) if self.engine == Engine::Sqlite => inbox::mark_processed(last.push("; "), id, self.now),
                _ => {
                    let mut mark = Sql::new(self.engine, "");
                    inbox::mark_processed(&mut mark, id, self.now);
                    statements.push(mark);
                }
            }
        }
        for statement in statements {
            statement.build_query().execute(&mut *self.tx).await?;
        }
        self.tx.commit().await?;
        if !methods.is_empty() {
            self.outbox_ready.ring(methods);
        }
        Ok(())
    }
}

/// Starts a transaction the way [`Store::begin`] explains.
async fn begin(pool: &AnyPool, engine: Engine) -> Result<Transaction<'static, Any>> {
    Ok(match engine {
        Engine::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Engine::Postgres => pool.begin().await?,
    })
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

#[cfg(test)]
mod tests {
    use super::statement_chunks;

    #[test]
    fn rows_are_written_in_few_shapes_of_statement() {
        let sizes = |n: usize, most| statement_chunks(&vec![0; n], most).map(<[i32]>::len).collect::<Vec<_>>();
        assert_eq!(sizes(77, 64), vec![64, 8, 4, 1]);
        assert_eq!(sizes(200, 64), vec![64, 64, 64, 8]);
        assert_eq!(sizes(1, 64), vec![1]);
        assert!(sizes(0, 64).is_empty());
        let rows: Vec<i32> = (0..77).collect();
        assert_eq!(statement_chunks(&rows, 64).flatten().copied().collect::<Vec<_>>(), rows, "every row, in order");
    }
}
