//! `upward bench slowloris`: the bot under thousands of connections that send half a
//! request header and wait, as an attacker (or a broken proxy) would. Measures whether
//! and how fast `/healthz` answers, and how many descriptors the process holds.
//!
//! Client and bot share this process, so its descriptor count is both sides': the
//! client's `connections` plus at most the bot's connection cap. Run it with
//! `ulimit -n` above that (the default 10,000 needs about 11,100).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::app::{App, Workers};
use crate::clock::SystemClock;
use crate::config::ServeArgs;
use slack_sim::Sim;

const TOKEN: &str = "xoxb-slowloris-token";

/// One line of `bench/results/slowloris.json`.
#[derive(Debug, Clone, Serialize)]
pub struct SlowlorisRow {
    /// Half-header connections attempted.
    pub connections: usize,
    /// Of those, how many the kernel accepted (the bot may close them afterwards).
    pub connected: usize,
    pub max_connections: usize,
    /// `/healthz` probes made while the connections were held, and how many got 200.
    pub probes: usize,
    pub probes_ok: usize,
    /// The slowest probe, in milliseconds.
    pub slowest_probe_ms: f64,
    /// Descriptors the process held at the end (client side included).
    pub open_fds: usize,
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

async fn healthz(addr: std::net::SocketAddr) -> anyhow::Result<bool> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n\r\n").await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    Ok(answer.starts_with(b"HTTP/1.1 200"))
}

pub async fn run(connections: usize) -> anyhow::Result<SlowlorisRow> {
    let sim = Sim::start(TOKEN).await.context("the simulator")?;
    let dir = std::env::temp_dir().join(format!("upward-slowloris-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let config = ServeArgs {
        slack_bot_token: Some(TOKEN.into()),
        slack_signing_secret: Some("slowloris-secret".into()),
        slack_api_url: Some(sim.api_url()),
        database_url: Some(format!("sqlite://{}", dir.join("bot.db").display())),
        listen: Some("127.0.0.1:0".into()),
        ..ServeArgs::default()
    }
    .into_config()?;
    let max_connections = config.http_limits.max_connections;
    let running = App::build(config, Arc::new(SystemClock)).await?.start(Workers::Manual).await?;
    let addr = running.addr;
    let mut held = Vec::with_capacity(connections);
    let (mut probes, mut probes_ok, mut slowest) = (0, 0, Duration::ZERO);
    for i in 0..connections {
        if let Ok(mut stream) = TcpStream::connect(addr).await {
            if stream.write_all(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nX-Slow: ").await.is_ok() {
                held.push(stream);
            }
        }
        // A probe every 1,000 connections, and one at the end.
        if (i + 1) % 1_000 == 0 || i + 1 == connections {
            let started = Instant::now();
            probes += 1;
            if tokio::time::timeout(Duration::from_secs(30), healthz(addr)).await.is_ok_and(|r| r.unwrap_or(false)) {
                probes_ok += 1;
            }
            slowest = slowest.max(started.elapsed());
        }
    }
    let row = SlowlorisRow {
        connections,
        connected: held.len(),
        max_connections,
        probes,
        probes_ok,
        slowest_probe_ms: slowest.as_secs_f64() * 1000.0,
        open_fds: open_fds(),
    };
    drop(held);
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(row)
}
