//! `users.info` for the people the directory's cache missed: paced to Slack's Tier 4,
//! and counted when there is no room. A burst of joins against an uncached directory
//! (launch day, the morning the bot was deployed) turns thousands away; the log gets a
//! line when that starts and a count at most once a minute, not a line a person.

use slack_limits::{Buckets, TIER_4};

const USERS_INFO: &str = "users.info";
/// The least time between two counts of the people turned away, in microseconds.
const REPORT_EVERY_US: i64 = 60_000_000;

/// Whether a lookup may go now.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    Go,
    /// No room: the time zone stays unknown for now (asked again next time).
    Full,
}

#[derive(Default)]
pub struct Lookups {
    buckets: Buckets<&'static str>,
    /// People turned away since the last count was reported.
    turned_away: u64,
    reported_at: Option<i64>,
}

impl Lookups {
    /// Takes a lookup at `now` (microseconds) if Tier 4 has room.
    pub fn admit(&mut self, now: i64) -> Admission {
        self.buckets.prune(now);
        if self.buckets.free_at(&USERS_INFO, TIER_4) > now {
            self.turned_away += 1;
            return Admission::Full;
        }
        self.buckets.take(USERS_INFO, TIER_4, now);
        Admission::Go
    }

    /// How many people were turned away since the last report, when a report is due:
    /// at the first of a spell, then at most once every [`REPORT_EVERY_US`].
    pub fn report(&mut self, now: i64) -> Option<u64> {
        let due = self.reported_at.is_none_or(|at| now - at >= REPORT_EVERY_US);
        if self.turned_away == 0 || !due {
            return None;
        }
        self.reported_at = Some(now);
        Some(std::mem::take(&mut self.turned_away))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_is_reported_when_it_starts_then_counted_once_a_minute() {
        let mut lookups = Lookups::default();
        let mut now = 0;
        let mut went = 0;
        while lookups.admit(now) == Admission::Go {
            assert_eq!(lookups.report(now), None, "nobody was turned away yet");
            went += 1;
        }
        assert_eq!(went, TIER_4.burst, "Tier 4's burst goes at once");
        assert_eq!(lookups.report(now), Some(1), "the first turned away is reported at once");
        for _ in 0..500 {
            now += 100_000;
            lookups.admit(now);
            assert_eq!(lookups.report(now), None, "within the minute");
        }
        now = REPORT_EVERY_US;
        assert_eq!(lookups.admit(now), Admission::Go, "the bucket has refilled");
        let counted = lookups.report(now).expect("a count after a minute");
        assert!(counted > 400 && counted < 500, "the 500 tries less the ones that went: {counted}");
        assert_eq!(lookups.report(now), None, "counted once");
    }
}
