//! Slack's published rate limits, as one typed table, and the token buckets that apply
//! it. The dispatcher paces itself with them so that it rarely meets a 429, and the
//! simulator enforces the very same table, so tests and the benchmark measure the
//! dispatcher against the limits it believes in.
//!
//! Slack counts Web API calls per method and workspace in tiers (Tier 3: 50 a minute,
//! Tier 4: 100 a minute, "occasional bursts" tolerated), and counts `chat.postMessage`
//! specially: about one message a second per channel with short bursts, and "several
//! hundred a minute" per workspace. Each limit is a token bucket: `burst` calls may go
//! at once, then one per `interval`. Where Slack gives no exact figure (the bursts, the
//! workspace-wide posting limit) the table takes a cautious reading and says so.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

/// Calls one limit allows: `burst` at once, then one every `interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub interval: Duration,
    pub burst: u32,
}

impl Rate {
    /// A tier's "N per minute", with the whole minute's calls allowed as a burst: Slack
    /// evaluates tiers per minute and tolerates bursts within it.
    pub const fn per_minute(calls: u32) -> Rate {
        Rate { interval: Duration::from_millis(60_000 / calls as u64), burst: calls }
    }

    /// The long-run ceiling, in calls per second.
    pub fn per_second(&self) -> f64 {
        1.0 / self.interval.as_secs_f64()
    }

    /// The most calls this limit lets through in `elapsed`, starting from a full bucket.
    pub fn ceiling(&self, elapsed: Duration) -> f64 {
        f64::from(self.burst) + elapsed.as_secs_f64() * self.per_second()
    }

    /// The interval in microseconds, the unit buckets count in.
    fn interval_us(&self) -> i64 {
        i64::try_from(self.interval.as_micros()).unwrap_or(i64::MAX).max(1)
    }

    /// How far ahead of the steady pace a full bucket lets a caller run.
    fn tolerance_us(&self) -> i64 {
        self.interval_us().saturating_mul(i64::from(self.burst.max(1) - 1))
    }
}

/// Slack's Tier 2 (`users.list`): 20 calls a minute per workspace.
pub const TIER_2: Rate = Rate::per_minute(20);
/// Slack's Tier 3 (`conversations.open`): 50 calls a minute per workspace.
pub const TIER_3: Rate = Rate::per_minute(50);
/// Slack's Tier 4 (`users.info`, `views.open`, `views.publish`, and both calls of the
/// external file upload that count as methods): 100 a minute.
pub const TIER_4: Rate = Rate::per_minute(100);

/// How long a 429 that names no `Retry-After` holds what Slack refused: the minute its
/// tiers are counted over, so waiting it out cannot meet the same count again. Slack's
/// 429s carry the header; an `{"ok": false, "error": "ratelimited"}` body need not.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The limits one bot token lives under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// `chat.postMessage` into one channel: one a second, short bursts of three. Slack
    /// says "short bursts >1 allowed" without a figure; three is our cautious reading.
    pub per_channel: Rate,
    /// Per workspace, by Web API method. Methods not listed are not paced (answers
    /// through a `response_url`, `auth.test`).
    pub methods: Vec<(&'static str, Rate)>,
}

impl RateLimits {
    /// The figures Slack publishes (methods/*.json `rate_limits` and the rate-limit page).
    pub fn slack() -> RateLimits {
        RateLimits {
            per_channel: Rate { interval: Duration::from_secs(1), burst: 3 },
            methods: vec![
                ("users.list", TIER_2),
                ("conversations.open", TIER_3),
                ("users.info", TIER_4),
                // The org-chart import: one lookup per email the directory lacks, and
                // the shared file's description.
                ("users.lookupByEmail", TIER_3),
                ("files.info", TIER_4),
                ("views.open", TIER_4),
                ("views.publish", TIER_4),
                // The bytes' POST to the upload URL is not a Web API call and not paced.
                ("files.getUploadURLExternal", TIER_4),
                ("files.completeUploadExternal", TIER_4),
                // "Several hundred messages a minute" per workspace: read as 300.
                ("chat.postMessage", Rate::per_minute(300)),
            ],
        }
    }

    /// The workspace-wide limit of `method`, if Slack paces it.
    pub fn method(&self, method: &str) -> Option<Rate> {
        self.methods.iter().find(|(m, _)| *m == method).map(|(_, rate)| *rate)
    }

    /// The same table with every interval divided by `speed`, for a benchmark that
    /// must finish in minutes: the shape of the limits stays, only time runs faster.
    pub fn scaled(&self, speed: f64) -> RateLimits {
        let scale = |rate: Rate| Rate { interval: rate.interval.div_f64(speed.max(f64::MIN_POSITIVE)), ..rate };
        RateLimits {
            per_channel: scale(self.per_channel),
            methods: self.methods.iter().map(|(m, rate)| (*m, scale(*rate))).collect(),
        }
    }
}

/// Token buckets by key, kept as each key's theoretical arrival time (the generic cell
/// rate algorithm): one number per key, and a key whose bucket is full again is
/// forgotten, so memory follows recent traffic, not every channel ever posted to.
/// Times are microseconds on whatever clock the owner uses.
#[derive(Debug)]
pub struct Buckets<K> {
    tat: HashMap<K, i64>,
}

impl<K> Default for Buckets<K> {
    fn default() -> Buckets<K> {
        Buckets { tat: HashMap::new() }
    }
}

impl<K: Hash + Eq> Buckets<K> {
    /// When the next call on `key` may go under `rate`; at or before `now` means at once.
    pub fn free_at(&self, key: &K, rate: Rate) -> i64 {
        self.tat.get(key).map_or(i64::MIN, |tat| tat - rate.tolerance_us())
    }

    /// Counts a call made at `now`. A call made before its time (Slack was asked
    /// anyway) pushes the key further into debt rather than being forgotten.
    pub fn take(&mut self, key: K, rate: Rate, now: i64) {
        let tat = self.tat.entry(key).or_insert(now);
        *tat = (*tat).max(now) + rate.interval_us();
    }

    /// Makes `key` wait until at least `until`.
    fn hold(&mut self, key: K, rate: Rate, until: i64) {
        let held = until.saturating_add(rate.tolerance_us());
        let tat = self.tat.entry(key).or_insert(held);
        *tat = (*tat).max(held);
    }

    /// Slack answered a call on `key` at `now` with 429: nothing goes before its
    /// `retry_after` is over ([`DEFAULT_RETRY_AFTER`] when it gave none), and then only
    /// at the steady rate. The one reading of a 429 for every caller that paces itself.
    pub fn refused(&mut self, key: K, rate: Rate, now: i64, retry_after: Option<Duration>) {
        let wait = retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
        self.hold(key, rate, now.saturating_add(i64::try_from(wait.as_micros()).unwrap_or(i64::MAX)));
    }

    /// Drops keys whose buckets are full again by `now`.
    pub fn prune(&mut self, now: i64) {
        self.tat.retain(|_, tat| *tat > now);
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.tat.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_slacks_published_tiers() {
        let limits = RateLimits::slack();
        assert_eq!(limits.method("conversations.open"), Some(TIER_3));
        assert_eq!(limits.method("users.lookupByEmail"), Some(TIER_3));
        assert_eq!(limits.method("files.info"), Some(TIER_4));
        assert_eq!(TIER_3.interval, Duration::from_millis(1_200));
        assert_eq!(limits.method("views.publish").map(|r| r.burst), Some(100));
        assert_eq!(limits.method("files.getUploadURLExternal"), Some(TIER_4));
        assert_eq!(limits.method("files.completeUploadExternal"), Some(TIER_4));
        assert_eq!(limits.method("response_url"), None);
        assert_eq!(limits.per_channel.per_second(), 1.0);
    }

    #[test]
    fn a_bucket_lets_a_burst_through_then_one_per_interval() {
        let rate = Rate { interval: Duration::from_secs(1), burst: 3 };
        let mut buckets = Buckets::default();
        for _ in 0..3 {
            assert!(buckets.free_at(&"C1", rate) <= 0);
            buckets.take("C1", rate, 0);
        }
        assert_eq!(buckets.free_at(&"C1", rate), 1_000_000, "the fourth waits one interval");
        assert!(buckets.free_at(&"C2", rate) <= 0, "other keys are not held");
        buckets.take("C1", rate, 1_000_000);
        assert_eq!(buckets.free_at(&"C1", rate), 2_000_000);
        buckets.prune(3_999_999);
        assert_eq!(buckets.keys().count(), 1);
        buckets.prune(4_000_000);
        assert_eq!(buckets.keys().count(), 0, "a full bucket is forgotten");
        buckets.hold("C2", rate, 30_000_000);
        assert_eq!(buckets.free_at(&"C2", rate), 30_000_000, "held as long as Retry-After says");
    }

    #[test]
    fn a_429_holds_for_its_retry_after_or_a_minute_without_one() {
        let mut buckets = Buckets::default();
        buckets.refused("users.info", TIER_4, 5_000_000, Some(Duration::from_secs(7)));
        assert_eq!(buckets.free_at(&"users.info", TIER_4), 12_000_000);
        buckets.refused("views.open", TIER_4, 5_000_000, None);
        assert_eq!(buckets.free_at(&"views.open", TIER_4), 65_000_000, "the tier's minute");
        buckets.refused("users.info", TIER_4, 6_000_000, Some(Duration::from_secs(1)));
        assert_eq!(buckets.free_at(&"users.info", TIER_4), 12_000_000, "a shorter wait does not shorten a hold");
    }

    #[test]
    fn scaling_shortens_intervals_and_keeps_bursts() {
        let fast = RateLimits::slack().scaled(100.0);
        assert_eq!(fast.method("conversations.open"), Some(Rate { interval: Duration::from_millis(12), burst: 50 }));
        assert_eq!(fast.per_channel.interval, Duration::from_millis(10));
    }
}
