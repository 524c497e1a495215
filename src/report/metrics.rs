//! `GET /metrics` in Prometheus' text format: what an operator graphs and alerts on.
//!
//! Queue figures (inbox and outbox depth, oldest waiting age, messages sent and dead
//! per method) are read from the database at each scrape, so every replica reports the
//! deployment's. What only a process sees (Slack's 429s to its sender, how long its
//! handlers and its matching rounds took) is counted here, per replica, and summed by
//! whoever scrapes them all.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

pub use crate::store::QueueFigures;

/// Upper bounds of the handler latency histogram, in seconds.
const LATENCY_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];
/// Upper bounds of the matching duration histogram, in seconds: a round of a few hundred
/// people takes milliseconds, 100,000 people about ten seconds, the budget caps it.
const MATCHING_BUCKETS: [f64; 10] = [0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// Behind by this many seconds (the clock's resolution: one more than the wait that
/// counts), a slash command is told at once that its answer will take a moment.
const BEHIND_SECS: i64 = 2;
/// The same, as the wait the handlers' recent pace predicts for a new entry: half a
/// second, as the answer still has to reach Slack after it is handled, within the
/// second a person should wait for a sign of life.
const BEHIND_PREDICTED_US: u64 = 500_000;

/// Observations counted into `N` buckets (and one past the last), with their sum.
#[derive(Debug)]
struct Histogram<const N: usize> {
    bounds: [f64; N],
    counts: [AtomicU64; N],
    over: AtomicU64,
    micros: AtomicU64,
}

impl<const N: usize> Histogram<N> {
    fn new(bounds: [f64; N]) -> Self {
        Histogram {
            bounds,
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            over: AtomicU64::new(0),
            micros: AtomicU64::new(0),
        }
    }

    fn observe(&self, took: Duration) {
        let secs = took.as_secs_f64();
        match self.bounds.iter().position(|b| secs <= *b) {
            Some(i) => self.counts[i].fetch_add(1, Relaxed),
            None => self.over.fetch_add(1, Relaxed),
        };
        self.micros.fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            cumulative += count.load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.over.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let _ = writeln!(out, "{name}_sum {}", self.micros.load(Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {cumulative}");
    }
}

/// This process's counters, shared by the consumer, the dispatcher and the edge.
#[derive(Debug)]
pub struct Metrics {
    rate_limited: AtomicU64,
    handled: Histogram<{ LATENCY_BUCKETS.len() }>,
    matching: Histogram<{ MATCHING_BUCKETS.len() }>,
    /// How long the entry this replica's workers took last had waited, in seconds; 0
    /// once a worker found nothing left to take.
    inbox_lag: AtomicI64,
    /// Entries this replica stored that no worker has taken yet (0 again whenever a
    /// worker finds nothing to take, so entries another replica took do not pile up).
    waiting: AtomicI64,
    /// Entries this replica's workers hold now.
    in_hand: AtomicI64,
    /// Recent time to handle one entry, in microseconds (a moving average).
    handle_us: AtomicU64,
}

/// An entry a worker holds; dropping it says the worker is done with it.
pub struct InHand<'m>(&'m Metrics);

impl Drop for InHand<'_> {
    fn drop(&mut self) {
        self.0.in_hand.fetch_sub(1, Relaxed);
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            inbox_lag: AtomicI64::new(0),
            waiting: AtomicI64::new(0),
            in_hand: AtomicI64::new(0),
            handle_us: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            handled: Histogram::new(LATENCY_BUCKETS),
            matching: Histogram::new(MATCHING_BUCKETS),
        }
    }
}

impl Metrics {
    /// Slack answered a call with 429.
    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Relaxed);
    }

    /// An inbox entry was handled (successfully or not) in `took`.
    pub fn handled(&self, took: Duration) {
        self.handled.observe(took);
        let took = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        // The first entry handled sets the average: counted up from 0, it stayed low
        // through a burst's first second, and the first few hundred people of a burst
        // waited a second for their answer without being told it was coming.
        let _ = self.handle_us.fetch_update(Relaxed, Relaxed, |mean| {
            Some(if mean == 0 { took } else { (mean.saturating_mul(7) + took) / 8 })
        });
    }

    /// The edge stored a new entry.
    pub fn stored(&self) {
        self.waiting.fetch_add(1, Relaxed);
    }

    /// A worker took an inbox entry that had waited `waited_secs`, for the first time
    /// when `first`; it holds it until the returned guard drops.
    pub fn claimed(&self, waited_secs: i64, first: bool) -> InHand<'_> {
        self.inbox_lag.store(waited_secs.max(0), Relaxed);
        if first {
            let _ = self.waiting.fetch_update(Relaxed, Relaxed, |n| Some((n - 1).max(0)));
        }
        self.in_hand.fetch_add(1, Relaxed);
        InHand(self)
    }

    /// A worker found no entry to take: nothing waits behind the handlers.
    pub fn caught_up(&self) {
        self.inbox_lag.store(0, Relaxed);
        self.waiting.store(0, Relaxed);
    }

    /// Whether the handlers are behind, so that what is stored now is handled only after
    /// a wait a person would notice (a launch-day burst) and a command is told so: the
    /// entries taken now waited that long, or the entries waiting, at the handlers'
    /// recent pace, will take that long.
    pub fn behind(&self) -> bool {
        let waiting = u64::try_from(self.waiting.load(Relaxed)).unwrap_or(0);
        let workers = u64::try_from(self.in_hand.load(Relaxed)).unwrap_or(0).max(1);
        let predicted_us = waiting.saturating_mul(self.handle_us.load(Relaxed)) / workers;
        self.inbox_lag.load(Relaxed) >= BEHIND_SECS || predicted_us >= BEHIND_PREDICTED_US
    }

    /// A matching round's search (preview or automatic round) took `took`.
    pub fn matched(&self, took: Duration) {
        self.matching.observe(took);
    }

    /// The exposition: the queues' figures and this process's counters.
    pub fn render(&self, queues: &QueueFigures) -> String {
        let mut out = String::new();
        let mut gauge = |name: &str, help: &str, value: i64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        };
        gauge("upward_inbox_depth", "Slack deliveries stored and not yet handled.", queues.inbox_depth);
        gauge(
            "upward_inbox_oldest_waiting_seconds",
            "How long the oldest unhandled delivery has waited.",
            queues.inbox_oldest_secs,
        );
        gauge(
            "upward_inbox_lag_seconds",
            "How long the delivery this replica's workers took last had waited (0 when none waits).",
            self.inbox_lag.load(Relaxed),
        );
        gauge("upward_outbox_depth", "Slack calls queued and not yet sent or given up.", queues.outbox_depth);
        gauge(
            "upward_outbox_oldest_waiting_seconds",
            "How long the oldest unsent call has waited since it was queued.",
            queues.outbox_oldest_secs,
        );
        for (name, help, pick) in [
            ("upward_outbox_sent", "Slack calls made successfully, per method.", 1),
            ("upward_outbox_dead", "Slack calls given up on (dead-lettered), per method.", 2),
            ("upward_outbox_failing", "Queued calls whose last attempt failed, per method.", 3),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
            for (method, sent, dead, failing) in &queues.by_method {
                let value = [0, *sent, *dead, *failing][pick];
                let _ = writeln!(out, "{name}{{method=\"{method}\"}} {value}");
            }
        }
        let _ = writeln!(
            out,
            "# HELP upward_slack_rate_limited_total Calls Slack answered with 429, by this replica.\n\
             # TYPE upward_slack_rate_limited_total counter\nupward_slack_rate_limited_total {}",
            self.rate_limited.load(Relaxed)
        );
        self.handled.render(
            &mut out,
            "upward_handler_duration_seconds",
            "Time to handle one Slack delivery, by this replica.",
        );
        self.matching.render(
            &mut out,
            "upward_matching_duration_seconds",
            "Time the optimiser searched for one matching round, by this replica.",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A burst's first entry handled tells the pace at once: 149 waiting behind one
    /// worker at 20 ms each is three seconds, not the 0.37 s an average counted up from
    /// zero would make of it after one entry.
    #[test]
    fn the_first_entry_handled_sets_the_pace_a_backlog_is_judged_by() {
        let metrics = Metrics::default();
        for _ in 0..150 {
            metrics.stored();
        }
        assert!(!metrics.behind(), "nothing handled yet: no pace to judge by");
        let _in_hand = metrics.claimed(0, true);
        metrics.handled(Duration::from_millis(20));
        assert!(metrics.behind(), "149 waiting at 20 ms each");
        metrics.caught_up();
        assert!(!metrics.behind(), "none waiting");
    }

    #[test]
    fn the_histogram_is_cumulative_and_counts_every_observation() {
        let metrics = Metrics::default();
        for ms in [3, 40, 40, 20_000] {
            metrics.handled(Duration::from_millis(ms));
        }
        metrics.rate_limited();
        metrics.matched(Duration::from_secs(7));
        let text = metrics.render(&QueueFigures {
            by_method: vec![("chat.postMessage".to_owned(), 7, 1, 2)],
            ..QueueFigures::default()
        });
        assert!(text.contains("upward_handler_duration_seconds_bucket{le=\"0.005\"} 1\n"), "{text}");
        assert!(text.contains("upward_handler_duration_seconds_bucket{le=\"0.05\"} 3\n"), "{text}");
        assert!(text.contains("upward_handler_duration_seconds_bucket{le=\"10\"} 3\n"), "{text}");
        assert!(text.contains("upward_handler_duration_seconds_bucket{le=\"+Inf\"} 4\n"), "{text}");
        assert!(text.contains("upward_handler_duration_seconds_count 4\n"), "{text}");
        assert!(text.contains("upward_outbox_dead{method=\"chat.postMessage\"} 1\n"), "{text}");
        assert!(text.contains("upward_slack_rate_limited_total 1\n"), "{text}");
        assert!(text.contains("upward_matching_duration_seconds_bucket{le=\"5\"} 0\n"), "{text}");
        assert!(text.contains("upward_matching_duration_seconds_bucket{le=\"10\"} 1\n"), "{text}");
        assert!(text.contains("upward_matching_duration_seconds_sum 7\n"), "{text}");
    }
}
