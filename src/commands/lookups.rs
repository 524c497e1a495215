//! `users.info` for the people the directory's cache missed: paced to Slack's Tier 4,
//! and counted when there is no room. A burst of joins against an uncached directory
//! (launch day, the morning the bot was deployed) turns thousands away; the log gets a
//! line when that starts and a count at most once a minute, not a line a person.
//!
//! One lookup is in flight at a time, and a 429 holds the others for its Retry-After.
//! A bot restarted in the middle of a launch-day backlog had sent Tier 4's whole burst
//! at once, side by side, while the run it replaced had spent Slack's: all 100 calls
//! met a 429, and a refused lookup is not tried again (the person's answer says their
//! time zone is unknown). One at a time, the first refusal stops the rest. Slack's
//! round trip (80 to 200 ms) still lets lookups outrun Tier 4's steady pace of one every
//! 0.6 s; a lookup that cannot have its turn within [`TURN_WAIT`] is turned away like
//! one the tier has no room for, so a hanging call holds up no join.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use slack_limits::{Buckets, TIER_4};

const USERS_INFO: &str = "users.info";
/// The longest a lookup waits for the one in flight before it.
const TURN_WAIT: Duration = Duration::from_millis(250);
/// The least time between two counts of the people turned away, in microseconds.
const REPORT_EVERY_US: i64 = 60_000_000;

/// The lookups of one run of the bot.
#[derive(Default)]
pub struct Lookups {
    pace: Mutex<Pace>,
    /// Held by the lookup in flight.
    turn: tokio::sync::Mutex<()>,
}

/// A lookup that may go: the turn is its own until this is dropped.
pub type Turn<'a> = tokio::sync::MutexGuard<'a, ()>;

impl Lookups {
    /// Waits for the turn (at most [`TURN_WAIT`]), then takes a lookup if Tier 4 has
    /// room at the time `now` then gives (microseconds). Also the count of people turned
    /// away, when one is due for the log (see [`Pace::report`]). When the tier is spent
    /// already, the lookup is turned away at once: waiting for the turn first would only
    /// hold up the join behind it.
    pub async fn take(&self, now: impl Fn() -> i64) -> (Option<Turn<'_>>, Option<u64>) {
        let room = self.pace().has_room(now());
        let turn = if room { tokio::time::timeout(TURN_WAIT, self.turn.lock()).await.ok() } else { None };
        let now = now();
        let mut pace = self.pace();
        let go = turn.filter(|_| pace.admit(now));
        if go.is_none() {
            pace.turned_away += 1;
        }
        (go, pace.report(now))
    }

    /// Slack answered a lookup at `now` with 429: none goes before its Retry-After is
    /// over (see [`Buckets::refused`]), and then only at the tier's steady rate.
    pub fn refused(&self, now: i64, retry_after: Option<Duration>) {
        self.pace().buckets.refused(USERS_INFO, TIER_4, now, retry_after);
    }

    fn pace(&self) -> std::sync::MutexGuard<'_, Pace> {
        self.pace.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Tier 4's bucket and the people it turned away.
#[derive(Default)]
struct Pace {
    buckets: Buckets<&'static str>,
    /// People turned away since the last count was reported.
    turned_away: u64,
    reported_at: Option<i64>,
}

impl Pace {
    /// Whether the tier has room for a lookup at `now`.
    fn has_room(&mut self, now: i64) -> bool {
        self.buckets.prune(now);
        self.buckets.free_at(&USERS_INFO, TIER_4) <= now
    }

    /// Takes a lookup at `now` if the tier has room.
    fn admit(&mut self, now: i64) -> bool {
        let room = self.has_room(now);
        if room {
            self.buckets.take(USERS_INFO, TIER_4, now);
        }
        room
    }

    /// How many people were turned away since the last report, when a report is due:
    /// at the first of a spell, then at most once every [`REPORT_EVERY_US`].
    fn report(&mut self, now: i64) -> Option<u64> {
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

    /// Takes lookups at `now`, each done before the next, until one is turned away; how
    /// many went.
    async fn spend(lookups: &Lookups, now: i64) -> usize {
        let mut went = 0;
        while lookups.take(|| now).await.0.is_some() {
            went += 1;
        }
        went
    }

    #[tokio::test]
    async fn one_lookup_is_in_flight_at_a_time_and_a_late_turn_is_turned_away() {
        let lookups = Lookups::default();
        let (first, _) = lookups.take(|| 0).await;
        assert!(first.is_some(), "the tier has room");
        let (second, report) = lookups.take(|| 0).await;
        assert!(second.is_none(), "the first is still in flight");
        assert_eq!(report, Some(1), "and was counted as turned away");
        drop(first);
        assert!(lookups.take(|| 0).await.0.is_some(), "the turn passes on once the first is done");
    }

    /// On a paused clock a wait for the turn shows as [`TURN_WAIT`] passed.
    #[tokio::test(start_paused = true)]
    async fn a_spent_tier_turns_a_lookup_away_without_waiting_for_the_turn() {
        let lookups = Lookups::default();
        let (first, _) = lookups.take(|| 0).await;
        assert!(first.is_some(), "the tier has room");
        lookups.refused(0, None);
        let asked = tokio::time::Instant::now();
        let (second, report) = lookups.take(|| 0).await;
        assert!(second.is_none() && report == Some(1), "the tier is spent: turned away and counted");
        assert_eq!(asked.elapsed(), Duration::ZERO, "at once, not after waiting for the first lookup's turn");
        drop(first);
    }

    #[tokio::test]
    async fn a_refused_lookup_holds_the_others_for_slacks_retry_after() {
        let lookups = Lookups::default();
        assert!(lookups.take(|| 0).await.0.is_some());
        lookups.refused(0, Some(Duration::from_secs(30)));
        assert_eq!(spend(&lookups, 29_999_999).await, 0, "nothing before the Retry-After");
        assert_eq!(spend(&lookups, 30_000_000).await, 1, "then one, at the steady rate");
        lookups.refused(30_000_000, None);
        assert_eq!(spend(&lookups, 89_999_999).await, 0, "without a Retry-After, a minute");
    }

    #[tokio::test]
    async fn a_spent_budget_is_reported_when_it_starts_then_counted_once_a_minute() {
        let lookups = Lookups::default();
        let mut now = 0;
        let mut went = 0;
        loop {
            let (turn, report) = lookups.take(|| now).await;
            if turn.is_none() {
                assert_eq!(report, Some(1), "the first turned away is reported at once");
                break;
            }
            assert_eq!(report, None, "nobody was turned away yet");
            went += 1;
        }
        assert_eq!(went, TIER_4.burst, "Tier 4's burst goes at once");
        for _ in 0..500 {
            now += 100_000;
            assert_eq!(lookups.take(|| now).await.1, None, "within the minute");
        }
        now = REPORT_EVERY_US;
        let (turn, report) = lookups.take(|| now).await;
        assert!(turn.is_some(), "the bucket has refilled");
        let counted = report.expect("a count after a minute");
        assert!(counted > 400 && counted < 500, "the 500 tries less the ones that went: {counted}");
        assert_eq!(lookups.take(|| now).await.1, None, "counted once");
    }
}
