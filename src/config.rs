//! The command line and the one typed [`Config`] of `upward serve`.
//!
//! Every setting is read here and nowhere else: a flag, else the environment (and a
//! `.env` file, loaded by `main`), else a default. Values are checked once, at start,
//! so a bad deployment fails with one line naming the culprit instead of a confusing
//! error at the first Slack request. Secrets are kept in [`SecretString`] so that they
//! cannot end up in a log line by accident.

use crate::domain::agenda::Catalogue;
use crate::domain::participant::is_user_id;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;
use thiserror::Error;

/// Slack's own Web API; tests and the demo point `SLACK_API_URL` at a simulator.
pub const SLACK_API_URL: &str = "https://slack.com/api";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://upward.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

#[derive(Parser)]
#[command(name = "upward", version, about = "A Slack bot for reverse-mentoring programs")]
pub struct Cli {
    #[command(subcommand)]
    pub command: CliCommand,
}

#[derive(Subcommand)]
pub enum CliCommand {
    /// Run the bot: Socket Mode when SLACK_APP_TOKEN is set, else the HTTP Events API.
    Serve(ServeArgs),
    /// Run the bot against a Slack simulator on loopback with a synthetic company.
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
    /// Print a program's figures from the database.
    Status(StatusArgs),
    /// Run a matching round from the command line (ops, scripts).
    Match(MatchArgs),
    /// Write a program's pairs, meetings, ratings and skills as CSV or JSON.
    Export(ExportArgs),
    /// Run a benchmark and write its figures under bench/results/.
    #[cfg(feature = "demo")]
    Bench(BenchArgs),
    /// Look after the outbox by hand.
    Outbox(OutboxArgs),
    /// Bring in levels, departments and managers from an HR export (CSV): a dry run
    /// unless `--apply`.
    Import(ImportArgs),
    /// Bring the database's schema up to date and exit, without starting the bot
    /// (a deployment step before the replicas roll).
    Migrate(MigrateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The CSV file: columns email, level, department, manager_email (or see --columns).
    pub file: PathBuf,
    /// Apply the changes; without it nothing changes and the report says what would.
    #[arg(long)]
    pub apply: bool,
    /// Which header holds which column, e.g. `email=Work Email,level=Grade,manager_email=Manager`.
    #[arg(long)]
    pub columns: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Bot token (xoxb-...) with users:read.email: emails are looked up in Slack.
    #[arg(long, env = "SLACK_BOT_TOKEN", hide_env_values = true)]
    pub slack_bot_token: String,
    #[arg(long, env = "SLACK_API_URL", default_value = SLACK_API_URL)]
    pub slack_api_url: String,
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct OutboxArgs {
    #[command(subcommand)]
    pub action: OutboxAction,
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
}

#[derive(Debug, Clone, Subcommand)]
pub enum OutboxAction {
    /// Send waiting messages now, with a fresh retry budget (`--dead`: dead-lettered ones too).
    Retry {
        /// Also re-drive messages that were dead-lettered.
        #[arg(long)]
        dead: bool,
    },
}

/// The raw settings of `upward serve`, as given; [`ServeArgs::into_config`] checks them.
#[derive(Clone, Default, Args)]
pub struct ServeArgs {
    /// Bot token (xoxb-...), from the app's "OAuth & Permissions" page.
    #[arg(long, env = "SLACK_BOT_TOKEN", hide_env_values = true)]
    pub slack_bot_token: Option<String>,
    /// Signing secret, from the app's "Basic Information" page.
    #[arg(long, env = "SLACK_SIGNING_SECRET", hide_env_values = true)]
    pub slack_signing_secret: Option<String>,
    /// App-level token (xapp-...) with connections:write; when set, the bot uses Socket Mode.
    #[arg(long, env = "SLACK_APP_TOKEN", hide_env_values = true)]
    pub slack_app_token: Option<String>,
    /// Base URL of Slack's Web API.
    #[arg(long, env = "SLACK_API_URL")]
    pub slack_api_url: Option<String>,
    /// Where the data lives: sqlite://file (created if missing) or postgres://… (for
    /// several replicas on one database).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Address of the HTTP listener: Events API, commands, interactivity, health and
    /// metrics; in Socket Mode, health and metrics only.
    #[arg(long, env = "UPWARD_LISTEN")]
    pub listen: Option<String>,
    /// A JSON file of session ideas that extends the built-in agenda catalogue.
    #[arg(long, env = "UPWARD_AGENDAS")]
    pub agendas: Option<PathBuf>,
    /// Comma-separated Slack user ids of the program owners (HR).
    #[arg(long, env = "UPWARD_OWNERS")]
    pub owners: Option<String>,
    /// How long a message Slack fails to take is retried before it is dead-lettered,
    /// in hours (default 24).
    #[arg(long, env = "UPWARD_RETRY_HOURS")]
    pub retry_hours: Option<String>,
    /// After how many days handled requests and sent messages lose their payloads
    /// (default 30).
    #[arg(long, env = "UPWARD_RETENTION_DAYS")]
    pub retention_days: Option<String>,
    /// The most HTTP connections open at once (default 1024); past it the oldest
    /// connection that has not sent a whole request is closed.
    #[arg(long, env = "UPWARD_MAX_CONNECTIONS")]
    pub max_connections: Option<String>,
    /// How long a request's header may take to arrive, in milliseconds (default 10000);
    /// also how long an idle connection is kept.
    #[arg(long, env = "UPWARD_HEADER_TIMEOUT_MS")]
    pub header_timeout_ms: Option<String>,
    /// After how many seconds of searching the owner who asked for a matching round hears
    /// how close it is, and at most how often after that (default 3; 0: every search round).
    #[arg(long, env = "UPWARD_MATCH_PROGRESS_SECS")]
    pub match_progress_secs: Option<String>,
    /// Against a Slack simulator only: pace to Slack's limits this many times faster
    /// (default 1), for a simulator enforcing the same table sped up, so the replica
    /// test and benchmark deliver thousands of messages in seconds.
    #[arg(long, env = "UPWARD_SLACK_RATE_SCALE", hide = true)]
    pub slack_rate_scale: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Keep the demo's SQLite file here instead of a temporary folder.
    #[arg(long)]
    pub database: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Which program; may be left out when there is only one.
    #[arg(long)]
    pub program: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Which program; may be left out when there is only one.
    #[arg(long)]
    pub program: Option<String>,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: crate::report::export::ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct MatchArgs {
    /// Which program; may be left out when there is only one.
    #[arg(long)]
    pub program: Option<String>,
    /// Session ideas extending the built-in catalogue, for the introductions.
    #[arg(long, env = "UPWARD_AGENDAS")]
    pub agendas: Option<PathBuf>,
    /// Show the round without storing it or introducing anyone.
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchTarget {
    /// The pairing optimiser on synthetic organisations.
    Matching,
    /// A check-in round of group DMs through the outbox against Slack's rate limits.
    Delivery,
    /// Launch day: a whole company joining at once, forms and help in the middle.
    Burst,
    /// The HTTP edge under `wrk`, beside a minimal Bolt-JS app (bench/inbound/run.sh).
    Inbound,
    /// The fault suite: deliveries against a misbehaving Slack, lost and duplicated counted.
    Faults,
    /// Thousands of half-header connections while /healthz is probed.
    Slowloris,
    /// The org-chart import of a whole company, against Slack's lookup limits.
    Import,
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    pub target: BenchTarget,
    /// Matching: participant counts to run, comma-separated (default 1000,5000,10000,50000,100000).
    /// Delivery: pairs to nudge (default 10000). Burst: people joining at once
    /// (default 1000,10000). Import: employees in the org chart (default 1000,10000).
    #[arg(long, alias = "people", value_delimiter = ',')]
    pub sizes: Option<Vec<usize>>,
    /// Inbound: how long `wrk` loads each server, in seconds.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Burst and inbound: Slack's round trip the simulator plays, in milliseconds.
    #[arg(long, default_value_t = 80)]
    pub latency_ms: u64,
    /// Delivery: how many times faster than Slack's published limits the simulator and
    /// the dispatcher's pacing run, so a round of hours takes minutes.
    #[arg(long, default_value_t = 100.0)]
    pub speed: f64,
    /// Seed of the synthetic organisations.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write the instance of the first size to this file (JSON) instead of running.
    #[arg(long)]
    pub write_instance: Option<PathBuf>,
    /// Where the figures go.
    #[arg(long, default_value = "bench/results")]
    pub results: PathBuf,
    /// Delivery: a PostgreSQL database to run replicas on (each run takes a schema of
    /// its own in it); with `--replicas`, their rows are added to the SQLite ones.
    #[arg(long)]
    pub database: Option<String>,
    /// Delivery: how many replicas share the work, one run each (e.g. 1,2,3).
    #[arg(long, value_delimiter = ',')]
    pub replicas: Option<Vec<usize>>,
    /// Burst and inbound: the `upward` binary to run as the bot (default this one), so
    /// two builds can be compared under the same load.
    #[arg(long)]
    pub bot: Option<PathBuf>,
}

/// How the bot hears from Slack.
#[derive(Debug, Clone)]
pub enum Transport {
    /// The HTTP Events API: Slack calls us on `listen`.
    Http,
    /// Socket Mode: we dial Slack with the app-level token.
    SocketMode(SecretString),
}

/// The checked settings of a running bot.
#[derive(Debug, Clone)]
pub struct Config {
    pub bot_token: SecretString,
    pub signing_secret: SecretString,
    pub transport: Transport,
    pub slack_api_url: String,
    pub database_url: String,
    pub listen: SocketAddr,
    pub owners: Vec<String>,
    pub agendas: Catalogue,
    /// How long transient delivery failures are retried, in seconds.
    pub retry_budget_secs: i64,
    /// How long payloads are kept once handled or sent, in seconds.
    pub retention_secs: i64,
    /// Timeouts and the connection cap of the HTTP edge.
    pub http_limits: crate::slack::serve::Limits,
    /// When an owner waiting for a matching round first hears its progress, and how often.
    pub match_progress_every: std::time::Duration,
    /// The rate limits the outbox paces itself to: Slack's, unless sped up for a simulator.
    pub rate_limits: slack_limits::RateLimits,
}

/// Default of `UPWARD_MATCH_PROGRESS_SECS`: a search shorter than this just answers.
pub const DEFAULT_MATCH_PROGRESS_SECS: i64 = 3;

/// Defaults of the delivery and retention settings.
pub const DEFAULT_RETRY_HOURS: i64 = 24;
pub const DEFAULT_RETENTION_DAYS: i64 = 30;

/// A setting that stops start-up; the message names the variable and what is wrong.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{0} is not set (set the variable or pass --{1})")]
    Missing(&'static str, &'static str),
    #[error("{name} is malformed: {why}")]
    Malformed { name: &'static str, why: String },
}

impl ServeArgs {
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let bot_token = required(self.slack_bot_token, "SLACK_BOT_TOKEN", "slack-bot-token")?;
        if !bot_token.starts_with("xoxb-") {
            return Err(malformed("SLACK_BOT_TOKEN", "a bot token starts with xoxb-"));
        }
        let signing_secret = required(self.slack_signing_secret, "SLACK_SIGNING_SECRET", "slack-signing-secret")?;
        let transport = match self.slack_app_token.filter(|t| !t.trim().is_empty()) {
            None => Transport::Http,
            Some(token) if token.starts_with("xapp-") => Transport::SocketMode(token.into()),
            Some(_) => return Err(malformed("SLACK_APP_TOKEN", "an app-level token starts with xapp-")),
        };
        let slack_api_url = slack_api_url(self.slack_api_url)?;
        let database_url =
            self.database_url.filter(|u| !u.trim().is_empty()).unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if crate::store::Engine::of(&database_url).is_err() {
            return Err(malformed(
                "DATABASE_URL",
                "give a sqlite: or postgres: URL, e.g. sqlite://upward.db or postgres://upward@db/upward",
            ));
        }
        let listen_text = self.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen = listen_text.parse().map_err(|_| {
            malformed("UPWARD_LISTEN", &format!("`{listen_text}` is not an address like 127.0.0.1:3000"))
        })?;
        let owners = parse_owners(self.owners.as_deref().unwrap_or(""))?;
        let agendas = agenda_catalogue(self.agendas.as_deref())?;
        let retry_hours =
            whole_number(self.retry_hours.as_deref(), "UPWARD_RETRY_HOURS", DEFAULT_RETRY_HOURS, 1..=720)?;
        let retention_days =
            whole_number(self.retention_days.as_deref(), "UPWARD_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 1..=3650)?;
        let defaults = crate::slack::serve::Limits::default();
        let max_connections = whole_number(
            self.max_connections.as_deref(),
            "UPWARD_MAX_CONNECTIONS",
            defaults.max_connections as i64,
            1..=100_000,
        )?;
        let header_ms = whole_number(
            self.header_timeout_ms.as_deref(),
            "UPWARD_HEADER_TIMEOUT_MS",
            defaults.header_timeout.as_millis() as i64,
            1..=600_000,
        )?;
        let match_progress_secs = whole_number(
            self.match_progress_secs.as_deref(),
            "UPWARD_MATCH_PROGRESS_SECS",
            DEFAULT_MATCH_PROGRESS_SECS,
            0..=3600,
        )?;
        let http_limits = crate::slack::serve::Limits {
            max_connections: max_connections as usize,
            header_timeout: std::time::Duration::from_millis(header_ms as u64),
            ..defaults
        };
        let rate_scale = whole_number(self.slack_rate_scale.as_deref(), "UPWARD_SLACK_RATE_SCALE", 1, 1..=1000)?;
        Ok(Config {
            rate_limits: slack_limits::RateLimits::slack().scaled(rate_scale as f64),
            bot_token: bot_token.into(),
            signing_secret: signing_secret.into(),
            transport,
            slack_api_url,
            database_url,
            listen,
            owners,
            agendas,
            retry_budget_secs: retry_hours * 3600,
            retention_secs: retention_days * 24 * 3600,
            http_limits,
            match_progress_every: std::time::Duration::from_secs(match_progress_secs as u64),
        })
    }
}

/// A whole number setting within `range`, or its default when unset or blank.
pub fn whole_number(
    value: Option<&str>,
    name: &'static str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, ConfigError> {
    let Some(text) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(default) };
    match text.parse::<i64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(malformed(name, &format!("`{text}` is not a whole number from {} to {}", range.start(), range.end()))),
    }
}

/// The built-in session ideas, extended by the owners' file when one is given.
pub fn agenda_catalogue(path: Option<&std::path::Path>) -> Result<Catalogue, ConfigError> {
    let Some(path) = path else { return Ok(Catalogue::default()) };
    let text = std::fs::read_to_string(path)
        .map_err(|e| malformed("UPWARD_AGENDAS", &format!("cannot read {}: {e}", path.display())))?;
    Catalogue::extended(&text).map_err(|e| malformed("UPWARD_AGENDAS", &format!("{}: {e}", path.display())))
}

fn required(value: Option<String>, name: &'static str, flag: &'static str) -> Result<String, ConfigError> {
    value.filter(|v| !v.trim().is_empty()).ok_or(ConfigError::Missing(name, flag))
}

fn malformed(name: &'static str, why: &str) -> ConfigError {
    ConfigError::Malformed { name, why: why.to_owned() }
}

/// slack-morphism joins method names onto this base with a slash of its own, so a
/// trailing slash would make `/api//auth.test`.
fn slack_api_url(value: Option<String>) -> Result<String, ConfigError> {
    let Some(raw) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(SLACK_API_URL.to_owned());
    };
    let parsed =
        url::Url::parse(raw.trim()).map_err(|e| malformed("SLACK_API_URL", &format!("`{raw}` is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(malformed("SLACK_API_URL", "the URL must be http:// or https://"));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

fn parse_owners(text: &str) -> Result<Vec<String>, ConfigError> {
    let mut owners = Vec::new();
    for id in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !is_user_id(id) {
            return Err(malformed("UPWARD_OWNERS", &format!("`{id}` is not a Slack user id (like U012AB3CD)")));
        }
        if !owners.iter().any(|o| o == id) {
            owners.push(id.to_owned());
        }
    }
    Ok(owners)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> ServeArgs {
        ServeArgs {
            slack_bot_token: Some("xoxb-1".into()),
            slack_signing_secret: Some("s3cret".into()),
            ..ServeArgs::default()
        }
    }

    #[test]
    fn a_postgres_url_selects_postgresql_and_other_schemes_are_refused_by_name() {
        let url = "postgres://upward@db/upward".to_owned();
        let config = ServeArgs { database_url: Some(url.clone()), ..args() }.into_config().unwrap();
        assert_eq!(config.database_url, url);
        let refused = ServeArgs { database_url: Some("mysql://db/upward".into()), ..args() }.into_config();
        assert!(matches!(refused, Err(ConfigError::Malformed { name: "DATABASE_URL", .. })), "{refused:?}");
    }

    #[test]
    fn defaults_give_http_on_loopback_with_sqlite() {
        let config = args().into_config().unwrap();
        assert!(matches!(config.transport, Transport::Http));
        assert_eq!(config.slack_api_url, SLACK_API_URL);
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert!(config.owners.is_empty());
    }

    #[test]
    fn missing_and_malformed_values_are_named() {
        let err = ServeArgs { slack_bot_token: None, ..args() }.into_config().unwrap_err();
        assert_eq!(err.to_string(), "SLACK_BOT_TOKEN is not set (set the variable or pass --slack-bot-token)");
        let err = ServeArgs { slack_signing_secret: Some(" ".into()), ..args() }.into_config().unwrap_err();
        assert_eq!(err, ConfigError::Missing("SLACK_SIGNING_SECRET", "slack-signing-secret"));
        let err = ServeArgs { listen: Some("nowhere".into()), ..args() }.into_config().unwrap_err();
        assert!(err.to_string().starts_with("UPWARD_LISTEN is malformed"), "{err}");
        let err = ServeArgs { owners: Some("U1,bob".into()), ..args() }.into_config().unwrap_err();
        assert!(err.to_string().contains("`bob`"), "{err}");
        let err = ServeArgs { slack_app_token: Some("xoxb-2".into()), ..args() }.into_config().unwrap_err();
        assert!(err.to_string().starts_with("SLACK_APP_TOKEN"), "{err}");
        let err = ServeArgs { slack_api_url: Some("ftp://x".into()), ..args() }.into_config().unwrap_err();
        assert!(err.to_string().starts_with("SLACK_API_URL"), "{err}");
    }

    #[test]
    fn app_token_selects_socket_mode_and_owners_are_deduplicated() {
        let config = ServeArgs {
            slack_app_token: Some("xapp-1".into()),
            owners: Some("U1, W2 ,U1".into()),
            slack_api_url: Some("http://127.0.0.1:9/api/".into()),
            ..args()
        }
        .into_config()
        .unwrap();
        assert!(matches!(config.transport, Transport::SocketMode(_)));
        assert_eq!(config.owners, vec!["U1", "W2"]);
        assert_eq!(config.slack_api_url, "http://127.0.0.1:9/api", "no trailing slash: slack-morphism adds its own");
    }

    #[test]
    fn retry_and_retention_default_and_are_checked() {
        let config = args().into_config().unwrap();
        assert_eq!((config.retry_budget_secs, config.retention_secs), (24 * 3600, 30 * 86400));
        let config = ServeArgs { retry_hours: Some("48".into()), retention_days: Some(" 7 ".into()), ..args() }
            .into_config()
            .unwrap();
        assert_eq!((config.retry_budget_secs, config.retention_secs), (48 * 3600, 7 * 86400));
        for bad in ["0", "-1", "1e3", "24h", "721"] {
            let err = ServeArgs { retry_hours: Some(bad.into()), ..args() }.into_config().unwrap_err();
            assert!(err.to_string().starts_with("UPWARD_RETRY_HOURS is malformed"), "{bad}: {err}");
        }
    }

    #[test]
    fn match_progress_defaults_to_three_seconds_and_is_checked() {
        use std::time::Duration;
        assert_eq!(args().into_config().unwrap().match_progress_every, Duration::from_secs(3));
        let every_round = ServeArgs { match_progress_secs: Some("0".into()), ..args() }.into_config().unwrap();
        assert_eq!(every_round.match_progress_every, Duration::ZERO);
        for bad in ["-1", "3s", "3601"] {
            let err = ServeArgs { match_progress_secs: Some(bad.into()), ..args() }.into_config().unwrap_err();
            assert!(err.to_string().starts_with("UPWARD_MATCH_PROGRESS_SECS is malformed"), "{bad}: {err}");
        }
    }

    #[test]
    fn secrets_are_not_printed_by_debug() {
        let config = args().into_config().unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("xoxb-1") && !shown.contains("s3cret"), "{shown}");
    }
}
