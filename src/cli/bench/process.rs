//! The bot as a process of its own: `upward serve` started from a binary, so a
//! benchmark that reports the bot's memory measures the bot alone, not the simulator's
//! call log and the load generator that share the benchmark's process.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, ensure, Context as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::process::{Child, Command};

use crate::store::{CachedUser, Store};

/// A bot's database before it starts, with the workspace's directory (id, name, time
/// zone) cached and recorded as read, as a bot that has been running has it.
pub(crate) async fn database_with_directory(
    database: &Path,
    directory: impl IntoIterator<Item = (String, String, &'static str)>,
) -> anyhow::Result<Store> {
    let store = Store::connect(&format!("sqlite://{}", database.display())).await?;
    let cached: Vec<CachedUser> = directory
        .into_iter()
        .map(|(user_id, name, zone)| CachedUser {
            user_id,
            tz: Some(zone.to_owned()),
            real_name: Some(name),
            email: None,
        })
        .collect();
    let now = chrono::Utc::now().timestamp();
    store.cache_users(slack_sim::TEAM_ID, &cached, now).await?;
    store.directory_read(slack_sim::TEAM_ID, now).await?;
    Ok(store)
}

/// How long a starting bot may take to answer `/readyz`.
const START_PATIENCE: Duration = Duration::from_secs(60);

pub(crate) struct BotProcess {
    child: Child,
    pub addr: SocketAddr,
}

impl BotProcess {
    /// Starts `bot serve` on `database` against `sim`, on `core` alone when one is given,
    /// and waits until it is ready.
    pub async fn start(
        bot: &Path,
        sim: &slack_sim::Sim,
        database: &Path,
        core: Option<usize>,
    ) -> anyhow::Result<BotProcess> {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let mut command = match core {
            Some(core) => {
                let mut pinned = Command::new("taskset");
                pinned.args(["-c", &core.to_string()]).arg(bot);
                pinned
            }
            None => Command::new(bot),
        };
        let child = command
            .arg("serve")
            .env_clear()
            .env("SLACK_BOT_TOKEN", super::TOKEN)
            .env("SLACK_SIGNING_SECRET", super::SECRET)
            .env("SLACK_API_URL", sim.api_url())
            .env("DATABASE_URL", format!("sqlite://{}", database.display()))
            .env("UPWARD_LISTEN", addr.to_string())
            .env("UPWARD_OWNERS", super::OWNER)
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bot.display()))?;
        let mut bot = BotProcess { child, addr };
        let deadline = tokio::time::Instant::now() + START_PATIENCE;
        while !bot.ready().await {
            if let Some(status) = bot.child.try_wait()? {
                bail!("the bot exited before it was ready: {status}");
            }
            if tokio::time::Instant::now() > deadline {
                bail!("the bot was not ready after {START_PATIENCE:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(bot)
    }

    /// Whether `/readyz` answers 200.
    async fn ready(&self) -> bool {
        let Ok(mut stream) = tokio::net::TcpStream::connect(self.addr).await else { return false };
        let request = "GET /readyz HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n\r\n";
        let mut answer = String::new();
        stream.write_all(request.as_bytes()).await.is_ok()
            && stream.read_to_string(&mut answer).await.is_ok()
            && answer.starts_with("HTTP/1.1 200")
    }

    /// The bot's peak resident set so far, in MiB (Linux; 0 elsewhere).
    pub fn peak_mib(&self) -> f64 {
        self.child.id().map_or(0.0, |pid| super::peak_mib_of(&format!("/proc/{pid}/status")))
    }

    /// Asks the bot to stop as a deployment does (`SIGTERM`) and waits for it to exit:
    /// how long that took.
    pub async fn terminate(mut self) -> anyhow::Result<Duration> {
        let pid = self.child.id().context("the bot has already exited")?;
        let asked = std::time::Instant::now();
        let sent = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await?;
        ensure!(sent.success(), "kill -TERM {pid} failed: {sent}");
        let status = self.child.wait().await?;
        ensure!(status.success(), "the bot exited with {status} after SIGTERM");
        Ok(asked.elapsed())
    }

    /// Stops the bot; what it stored is left in the database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}
