//! `upward bench inbound`: the HTTP edge under load, beside a minimal Bolt-JS app.
//!
//! `wrk` sends distinct, correctly signed `/mentoring join` commands (one person each)
//! for a fixed time, first to `upward serve` (the binary as a process of its own: its
//! real edge, group commit, workers and dispatcher, against the simulator answering
//! after Slack's round trip), then to the Bolt-JS app in `bench/inbound/bolt` (its own
//! signature check, answering the same command in its HTTP answer and storing nothing).
//! Between the two, upward also takes `/mentoring help` the same way: an answer made at
//! the edge with nothing stored, like Bolt's, so the table separates what the edge
//! costs from what making each join durable costs.
//! The servers (and the simulator) run on one core and `wrk` on the other (`taskset`).
//! For upward it also measures how long after the load every accepted command had its
//! answer in Slack: in its ack (a join made as it was stored) or through its response
//! URL (what was left to the handlers).
//! `bench/inbound/run.sh` installs `wrk` and the Bolt app's packages, then runs this.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context as _};
use serde::Serialize;

use slack_limits::RateLimits;
use slack_sim::{sign, Sim, SIGNATURE_HEADER, TIMESTAMP_HEADER};

use super::process::{database_with_directory, BotProcess};

/// The command text of the launch-day crowd, and of the guide.
const JOIN: &str = "join mentor generative AI";
const HELP: &str = "help";
/// Connections `wrk` keeps open.
const CONNECTIONS: usize = 16;
/// The Bolt app's port.
const BOLT_PORT: u16 = 3_210;
/// The core the servers run on; `wrk` has core 0.
const SERVERS_CORE: usize = 1;

/// One line of `bench/results/inbound.json`.
#[derive(Debug, Clone, Serialize)]
pub struct InboundRow {
    pub server: &'static str,
    pub seconds: u64,
    pub connections: usize,
    pub requests: u64,
    pub req_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Answers that were not HTTP 200 (`wrk`'s "Non-2xx").
    pub errors: u64,
    /// From the end of the load until every accepted command was answered in Slack
    /// (upward; Bolt answers in the HTTP answer itself, so 0).
    pub seconds_until_all_answered: f64,
}

/// Runs both servers for `seconds` each, Slack answering upward (the binary `bot`)
/// after `latency`.
pub async fn run_inbound(
    seconds: u64,
    latency: Duration,
    bolt_dir: &Path,
    bot: &Path,
) -> anyhow::Result<Vec<InboundRow>> {
    ensure!(Command::new("wrk").arg("--version").output().is_ok(), "wrk is not installed: run bench/inbound/run.sh");
    // More distinct requests than the fastest server answers in the time.
    let people = (seconds as usize * 8_000).max(1_000);
    pin_self(SERVERS_CORE);
    let sim = Sim::start(super::TOKEN).await?;
    // Signed just before each server's load: Slack's signatures go stale after five
    // minutes, and upward's run first reads the directory, then waits until every
    // command was answered.
    let upward = run_upward(seconds, latency, people, &sim, bot, JOIN).await?;
    let help = run_upward(seconds, latency, people, &sim, bot, HELP).await?;
    let bolt = run_bolt(seconds, bolt_dir, &write_requests(people, &sim, JOIN)?)?;
    for row in [&upward, &help, &bolt] {
        // Refusals (a stale signature, a bad script) are not requests served: a rate
        // counted with them would flatter whoever refused fastest.
        ensure!(row.errors == 0, "{} answered {} of {} requests with an error", row.server, row.errors, row.requests);
    }
    Ok(vec![upward, InboundRow { server: "upward help", ..help }, bolt])
}

/// The pre-signed requests and the `wrk` script that sends each once, in turn; both
/// files go when this is dropped.
struct Requests {
    script: PathBuf,
    data: PathBuf,
}

impl Drop for Requests {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.script);
        let _ = std::fs::remove_file(&self.data);
    }
}

/// Writes the requests to a data file the script reads at its start, a line each: held
/// as constants in the script itself, more than 65,536 of them (8 s of load) overflow
/// LuaJIT's constant table, and `wrk` then sends bare `GET /` requests instead.
fn write_requests(people: usize, sim: &Sim, text: &str) -> anyhow::Result<Requests> {
    let stem = std::env::temp_dir().join(format!("upward-inbound-{}", std::process::id()));
    let requests = Requests { script: stem.with_extension("lua"), data: stem.with_extension("requests") };
    let now = chrono::Utc::now().timestamp();
    let mut data = std::io::BufWriter::new(std::fs::File::create(&requests.data)?);
    for n in 0..people {
        let body = serde_urlencoded::to_string([
            ("token", "unused"),
            ("team_id", slack_sim::TEAM_ID),
            ("channel_id", "C0GENERAL"),
            ("user_id", &person(n)),
            ("command", "/mentoring"),
            ("text", text),
            ("response_url", &sim.response_url(&format!("in{n}"))),
            ("trigger_id", &format!("in{n}.trigger")),
            ("api_app_id", "A0001"),
        ])?;
        // A form-encoded body holds neither tabs nor line breaks.
        writeln!(data, "{}\t{body}", sign(super::SECRET, now, body.as_bytes()))?;
    }
    data.flush()?;
    let data_path = requests.data.to_str().context("a temporary path in UTF-8")?;
    std::fs::write(
        &requests.script,
        format!(
            r#"local requests = {{}}
for line in io.lines({data_path:?}) do
  local signature, body = line:match("^([^\t]*)\t(.*)$")
  requests[#requests + 1] = {{ body = body, signature = signature }}
end
local i = 0
request = function()
  i = i % #requests + 1
  local r = requests[i]
  local headers = {{}}
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["{SIGNATURE_HEADER}"] = r.signature
  headers["{TIMESTAMP_HEADER}"] = "{now}"
  return wrk.format("POST", "/slack/commands", headers, r.body)
end
"#
        ),
    )?;
    Ok(requests)
}

fn person(n: usize) -> String {
    format!("U{n:07}")
}

/// Moves this process (the simulator) onto the servers' core, so `wrk` has the other to
/// itself.
fn pin_self(core: usize) {
    let pinned = Command::new("taskset")
        .args(["-a", "-cp", &core.to_string(), &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status();
    if !pinned.is_ok_and(|s| s.success()) {
        tracing::warn!("taskset is not available: the servers and wrk share cores");
    }
}

async fn run_upward(
    seconds: u64,
    latency: Duration,
    people: usize,
    sim: &Sim,
    bot: &Path,
    text: &str,
) -> anyhow::Result<InboundRow> {
    let directory: Vec<_> = (0..people).map(|n| (person(n), format!("Person {n}"), "Europe/Berlin")).collect();
    for (id, name, zone) in &directory {
        sim.add_user(id, name, Some(zone));
    }
    let stamp = chrono::Utc::now().timestamp_micros();
    let database = std::env::temp_dir().join(format!("upward-inbound-{}-{stamp}.db", std::process::id()));
    // The bot has been running: its directory was read before the load (the minutes
    // Tier 2 would take for this many pages are spared); from now on Slack's limits hold.
    let store = database_with_directory(&database, directory).await?;
    let running = BotProcess::start(bot, sim, &database, Some(SERVERS_CORE)).await?;
    sim.enforce(RateLimits::slack());
    sim.set_latency(latency);
    let addr = running.addr;
    let requests = write_requests(people, sim, text)?;
    let wrk = tokio::task::spawn_blocking(move || wrk(seconds, &format!("http://{addr}"), &requests)).await??;
    let load_end = Instant::now();
    // A join made as it was stored had its answer in the ack; the others get theirs
    // through the response URL.
    let accepted = store.inbox_received().await?;
    let answered_in_ack = store.inbox_made_at_receipt().await?;
    let later = usize::try_from(accepted - answered_in_ack)?;
    sim.wait_for_counts(|n| n.of("response_url", true) >= later).await;
    let all_answered = load_end.elapsed().as_secs_f64();
    running.stop().await?;
    store.close().await;
    super::super::remove_database(&database);
    Ok(InboundRow { server: "upward", seconds_until_all_answered: all_answered, ..wrk })
}

fn run_bolt(seconds: u64, dir: &Path, requests: &Requests) -> anyhow::Result<InboundRow> {
    let mut bolt = Command::new("taskset")
        .args(["-c", &SERVERS_CORE.to_string(), "node", "app.js"])
        .current_dir(dir)
        .env("SLACK_SIGNING_SECRET", super::SECRET)
        .env("PORT", BOLT_PORT.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start the Bolt app in {}", dir.display()))?;
    let mut ready = String::new();
    let mut output = BufReader::new(bolt.stdout.take().context("the Bolt app's output")?);
    output.read_line(&mut ready)?;
    ensure!(ready.trim() == "ready", "the Bolt app did not start: {ready}");
    // Bolt logs as it goes: with nobody reading its output it would die of a broken pipe.
    std::thread::spawn(move || std::io::copy(&mut output, &mut std::io::sink()));
    let row = wrk(seconds, &format!("http://127.0.0.1:{BOLT_PORT}"), requests);
    let _ = bolt.kill();
    let _ = bolt.wait();
    Ok(InboundRow { server: "bolt-js", ..row? })
}

/// Runs `wrk` on core 0 and reads its figures.
fn wrk(seconds: u64, url: &str, requests: &Requests) -> anyhow::Result<InboundRow> {
    let output = Command::new("taskset")
        .args(["-c", "0", "wrk", "-t1", &format!("-c{CONNECTIONS}"), &format!("-d{seconds}s"), "--latency", "-s"])
        .arg(&requests.script)
        .arg(url)
        .output()
        .context("cannot run wrk")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    ensure!(output.status.success(), "wrk failed: {text}{}", String::from_utf8_lossy(&output.stderr));
    parse_wrk(&text).with_context(|| format!("unexpected wrk output:\n{text}")).map(|row| InboundRow { seconds, ..row })
}

/// The request count, rate, median and 99th percentile latency, and non-2xx answers
/// from `wrk --latency`'s report.
fn parse_wrk(text: &str) -> anyhow::Result<InboundRow> {
    let field = |prefix: &str| text.lines().map(str::trim).find_map(|l| l.strip_prefix(prefix).map(str::trim));
    let latency = |quantile: &str| -> anyhow::Result<f64> {
        let value = field(quantile).context("a latency quantile")?;
        let (number, unit) = value.split_at(value.find(|c: char| c.is_alphabetic()).unwrap_or(value.len()));
        let number: f64 = number.parse()?;
        Ok(match unit {
            "us" => number / 1_000.0,
            "ms" => number,
            "s" => number * 1_000.0,
            "m" => number * 60_000.0,
            other => bail!("unknown latency unit {other}"),
        })
    };
    let requests = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .context("the request count")?
        .parse()?;
    Ok(InboundRow {
        server: "",
        seconds: 0,
        connections: CONNECTIONS,
        requests,
        req_per_s: field("Requests/sec:").context("the rate")?.parse()?,
        p50_ms: latency("50%")?,
        p99_ms: latency("99%")?,
        errors: field("Non-2xx or 3xx responses:").map_or(Ok(0), str::parse)?,
        seconds_until_all_answered: 0.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrks_report_is_read_with_its_units() {
        let report = "Running 10s test @ http://127.0.0.1:3000
  1 threads and 16 connections
  Latency Distribution
     50%  612.00us
     75%    1.10ms
     90%    2.00ms
     99%    1.25s
  27681 requests in 10.00s, 3.01MB read
  Non-2xx or 3xx responses: 12
Requests/sec:   2768.10
Transfer/sec:    308.12KB
";
        let row = parse_wrk(report).unwrap();
        assert_eq!(row.requests, 27_681);
        assert_eq!(row.errors, 12);
        assert!((row.req_per_s - 2768.1).abs() < 1e-9);
        assert!((row.p50_ms - 0.612).abs() < 1e-9);
        assert!((row.p99_ms - 1250.0).abs() < 1e-9);
    }

    /// More requests than LuaJIT holds constants for: the script stays small and the
    /// data file holds each request once, signed for its own body.
    #[tokio::test]
    async fn the_requests_live_in_a_data_file_not_in_the_script() {
        let sim = Sim::start(crate::cli::bench::TOKEN).await.unwrap();
        let people = 70_000;
        let requests = write_requests(people, &sim, JOIN).unwrap();
        let script = std::fs::read_to_string(&requests.script).unwrap();
        assert!(script.len() < 2_000, "the script holds requests: {} bytes", script.len());
        assert!(script.contains(&format!("{:?}", requests.data.to_str().unwrap())));
        let data = std::fs::read_to_string(&requests.data).unwrap();
        let lines: Vec<&str> = data.lines().collect();
        assert_eq!(lines.len(), people);
        let stamp: i64 =
            script.split(&format!("headers[\"{TIMESTAMP_HEADER}\"] = \"")).nth(1).unwrap()[..10].parse().unwrap();
        for (n, line) in [(0, lines[0]), (people - 1, lines[people - 1])] {
            let (signature, body) = line.split_once('\t').unwrap();
            assert!(body.contains(&format!("user_id={}", person(n))), "{body}");
            assert_eq!(signature, sign(crate::cli::bench::SECRET, stamp, body.as_bytes()));
        }
        let (script, data) = (requests.script.clone(), requests.data.clone());
        drop(requests);
        assert!(!script.exists() && !data.exists(), "the files outlive the run");
    }
}
