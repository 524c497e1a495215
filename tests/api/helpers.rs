//! The harness: a bot on a fresh database, its HTTP router on port 0, the Slack
//! simulator on loopback, and helpers that sign requests like Slack and drain the work.
//!
//! The database is a SQLite file per test, or, when `TEST_DATABASE_URL` names a
//! PostgreSQL database, a schema of its own in that database per test (`.ci/run`
//! creates the database for the run and drops it after), so the whole suite proves
//! the store's SQL on either engine.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;
use slack_sim::{Answer, Sim, SlackCaller};
use sqlx::AnyPool;
use tempfile::TempDir;
use upward::app::{App, Running, Workers};
use upward::clock::{Clock, ManualClock, SystemClock};
use upward::config::ServeArgs;
use upward::slack::inbound::forms::ReflectionForm;
use upward::slack::messages::plain_text;

pub const TOKEN: &str = "xoxb-test-token";
pub const SECRET: &str = "test-signing-secret";
pub const OWNER: &str = "U0OWNER01";
pub const ALICE: &str = "U0ALICE01";
pub const BOB: &str = "U0BOB0001";

/// A direct connection to a test database (either engine).
pub async fn db(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPool::connect(url).await.expect("the test database opens")
}

/// A payload from `tests/fixtures` (copied from Slack's documented shapes).
pub fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A new, empty database for one test: a SQLite file `name` in `dir`, or a schema of
/// its own in the PostgreSQL database `TEST_DATABASE_URL` names.
pub async fn fresh_database(dir: &Path, name: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let Some(server) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) else {
        return format!("sqlite://{}", dir.join(name).display());
    };
    let schema = format!("t{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    upward::store::Store::fresh_schema(&server, &schema).await.expect("a schema in TEST_DATABASE_URL")
}

/// `upward serve` on `database_url` against `sim`, as a real process, pacing to
/// Slack's limits sped up `rate_scale` times (the simulator's must match).
pub fn serve(sim: &Sim, database_url: &str, rate_scale: u32) -> tokio::process::Child {
    replica(sim, database_url, rate_scale).spawn().unwrap()
}

/// [`serve`] in Socket Mode, dialling `sim` with the app-level token `app_token`: a
/// token per replica lets the simulator tell their connections apart.
pub fn serve_socket_mode(sim: &Sim, database_url: &str, rate_scale: u32, app_token: &str) -> tokio::process::Child {
    replica(sim, database_url, rate_scale).env("SLACK_APP_TOKEN", app_token).spawn().unwrap()
}

fn replica(sim: &Sim, database_url: &str, rate_scale: u32) -> tokio::process::Command {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_upward"));
    command
        .arg("serve")
        .env_clear()
        .env("SLACK_BOT_TOKEN", TOKEN)
        .env("SLACK_SIGNING_SECRET", SECRET)
        .env("SLACK_API_URL", sim.api_url())
        .env("DATABASE_URL", database_url)
        .env("UPWARD_LISTEN", format!("127.0.0.1:{port}"))
        .env("UPWARD_SLACK_RATE_SCALE", rate_scale.to_string())
        .env("RUST_LOG", "warn")
        .kill_on_drop(true);
    command
}

/// `GET path` on the bot's listener, as a probe or a scraper would: the whole answer,
/// status line and headers included.
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

/// Whether the suite runs on PostgreSQL (for the few tests about SQLite's own files).
pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}

pub struct TestApp {
    pub sim: Sim,
    pub slack: SlackCaller,
    pub running: Running,
    pub database_url: String,
    socket_mode: bool,
    clock: Arc<dyn Clock>,
    /// `UPWARD_MATCH_PROGRESS_SECS`, when a test sets it.
    match_progress_secs: Option<String>,
    _dir: Arc<TempDir>,
    _limits: LimitsGuard,
}

/// Fails the test that made the bot send a message or view Slack would refuse for
/// breaking a Block Kit limit (the simulator answered `invalid_blocks`), whatever the
/// test itself asserts.
struct LimitsGuard(Sim);

impl Drop for LimitsGuard {
    fn drop(&mut self) {
        let refusals = self.0.refusals();
        if !std::thread::panicking() && !refusals.is_empty() {
            let problems: Vec<String> = refusals.iter().map(|r| format!("{}: {:?}", r.method, r.messages)).collect();
            panic!("Slack would refuse {} payload(s):\n{}", refusals.len(), problems.join("\n"));
        }
    }
}

/// The bot over HTTP, as most tests use it.
pub async fn spawn_app() -> TestApp {
    spawn(false, Arc::new(SystemClock), None).await
}

/// The bot on a clock the test moves.
pub async fn spawn_app_at(clock: Arc<ManualClock>) -> TestApp {
    spawn(false, clock, None).await
}

/// The bot in Socket Mode: it dials the simulator's websocket.
pub async fn spawn_socket_app() -> TestApp {
    spawn(true, Arc::new(SystemClock), None).await
}

/// The bot telling owners how a matching search goes after every search round
/// (`UPWARD_MATCH_PROGRESS_SECS=0`), so that a small round shows what a long one would.
pub async fn spawn_app_reporting_every_search_round() -> TestApp {
    spawn(false, Arc::new(SystemClock), Some("0".into())).await
}

async fn spawn(socket_mode: bool, clock: Arc<dyn Clock>, match_progress_secs: Option<String>) -> TestApp {
    let sim = Sim::start(TOKEN).await.expect("the simulator starts");
    sim.add_user(ALICE, "Alice Junior", Some("Europe/Berlin"));
    sim.add_user(BOB, "Bob Senior", Some("America/New_York"));
    sim.add_user(OWNER, "Olga Owner", Some("Europe/London"));
    if socket_mode {
        sim.socket_mode().await.expect("the simulator's websocket starts");
    }
    let dir = Arc::new(TempDir::new().expect("a temp dir"));
    let database_url = fresh_database(dir.path(), "upward.db").await;
    start(sim, database_url, dir, socket_mode, clock, match_progress_secs).await
}

async fn start(
    sim: Sim,
    database_url: String,
    dir: Arc<TempDir>,
    socket_mode: bool,
    clock: Arc<dyn Clock>,
    match_progress_secs: Option<String>,
) -> TestApp {
    let config = ServeArgs {
        slack_app_token: socket_mode.then(|| "xapp-test-token".to_owned()),
        slack_bot_token: Some(TOKEN.into()),
        slack_signing_secret: Some(SECRET.into()),
        slack_api_url: Some(sim.api_url()),
        database_url: Some(database_url.clone()),
        listen: Some("127.0.0.1:0".into()),
        owners: Some(OWNER.into()),
        match_progress_secs: match_progress_secs.clone(),
        ..ServeArgs::default()
    }
    .into_config()
    .expect("a valid test config");
    let app = App::build(config, clock.clone()).await.expect("the bot builds");
    let running = app.start(Workers::Manual).await.expect("the bot starts");
    // In Socket Mode the listener has no Slack routes; the caller then only signs.
    let slack = SlackCaller::new(running.addr, SECRET, sim.clone());
    let _limits = LimitsGuard(sim.clone());
    TestApp { sim, slack, running, database_url, socket_mode, clock, match_progress_secs, _dir: dir, _limits }
}

impl TestApp {
    /// Stops the bot (without handling what is pending) and starts it again on the
    /// same database and the same simulator, as a restart after a crash would.
    pub async fn restart(self) -> TestApp {
        let TestApp { sim, running, database_url, socket_mode, clock, match_progress_secs, _dir, .. } = self;
        running.stop().await;
        start(sim, database_url, _dir, socket_mode, clock, match_progress_secs).await
    }

    /// Handles every stored event and sends every due message.
    pub async fn settle(&self) {
        self.running.settle().await.expect("the bot settles without a store error");
    }

    /// `/mentoring <text>` by `user`, handled to the end; returns the text of the
    /// ephemeral answers it got: in the HTTP answer itself, then through its response_url.
    pub async fn ask(&self, user: &str, text: &str) -> String {
        let (answer, tag) = self.slack.command(user, text).await;
        assert_eq!(answer.status, 200, "command `{text}` was refused: {}", answer.body);
        self.settle().await;
        let inline = (!answer.body.is_empty()).then(|| {
            assert_eq!(answer.json()["response_type"], "ephemeral", "command answers are ephemeral: {}", answer.body);
            inline_text(&answer)
        });
        inline.into_iter().chain(self.answers(&tag)).collect::<Vec<_>>().join("\n---\n")
    }

    /// Texts sent to the response_url of one command.
    pub fn answers(&self, tag: &str) -> Vec<String> {
        self.sim
            .delivered("response_url")
            .iter()
            .filter(|a| a["response_url_tag"] == tag)
            .map(|a| {
                assert_eq!(a["response_type"], "ephemeral", "command answers are ephemeral: {a}");
                plain_text(&a["blocks"])
            })
            .collect()
    }

    /// Successful calls of `method` the bot made.
    pub fn sent(&self, method: &str) -> Vec<Value> {
        self.sim.delivered(method)
    }

    /// A direct connection to the bot's database, to check what is stored without the
    /// bot's own store code.
    pub async fn db(&self) -> AnyPool {
        db(&self.database_url).await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let pool = self.db().await;
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        pool.close().await;
        n
    }

    /// Every row of the tables a request could change, for "changed nothing" checks.
    pub async fn snapshot(&self) -> Vec<String> {
        let pool = self.db().await;
        let mut rows = Vec::new();
        for table in ["programs", "program_skills", "participants", "inbox", "outbox"] {
            let sql = format!("SELECT * FROM {table}");
            let n = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&pool).await.expect("a table").len();
            rows.push(format!("{table}: {n}"));
        }
        let people: Vec<(String, String, String)> =
            sqlx::query_as("SELECT user_id, role, status FROM participants ORDER BY user_id")
                .fetch_all(&pool)
                .await
                .expect("participants");
        rows.extend(people.into_iter().map(|p| format!("{p:?}")));
        pool.close().await;
        rows
    }

    /// The participant row as stored: (role, status, teach, learn, paused_until).
    pub async fn participant(&self, user: &str) -> Option<(String, String, String, String, Option<String>)> {
        let pool = self.db().await;
        let row = sqlx::query_as(
            "SELECT role, status, teach_skills, learn_skills, paused_until FROM participants WHERE user_id = $1",
        )
        .bind(user)
        .fetch_optional(&pool)
        .await
        .expect("participants");
        pool.close().await;
        row
    }
}

/// The text of an answer Slack got straight back in the HTTP response.
pub fn inline_text(answer: &Answer) -> String {
    plain_text(&answer.json()["blocks"])
}

/// The value of a button in a message.
pub fn button(message: &Value, action_id: &str) -> String {
    message["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["action_id"] == action_id)
        .and_then(|e| e["value"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no {action_id} button in {message}"))
}

/// Moves the test's clock to `to` and lets the bot do what is due.
pub async fn set_clock(app: &TestApp, clock: &ManualClock, to: DateTime<Utc>) {
    clock.advance(to - upward::clock::Clock::now(clock));
    app.settle().await;
}

/// A reflection as a person would fill it in.
pub fn reflection(learned: &str, rating: Option<&str>, visibility: &str) -> Value {
    ReflectionForm { learned, taught: "how our budget cycle works", rating, skills: &["prompting"], visibility }
        .values()
}

/// The test clock's date.
pub fn clock_today(clock: &ManualClock) -> chrono::NaiveDate {
    upward::clock::Clock::now(clock).date_naive()
}
