//! `users.info` for the people the directory's cache missed: paced to Slack's Tier 4,
//! and counted when there is no room, so a burst of joins against an uncached
//! directory (launch day, the morning the bot was deployed) logs twice, not once a person.

use slack_limits::{Buckets, TIER_4};

const USERS_INFO: &str = "users.info";

/// Whether a lookup may go now, and what to say about the ones that could not.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    /// Call Slack; `turned_away` people were left without a time zone since the last
    /// call that went.
    Go { turned_away: u64 },
    /// No room: the time zone stays unknown for now. `first` when this starts a spell.
    Full { first: bool },
}

#[derive(Default)]
pub struct Lookups {
    buckets: Buckets<&'static str>,
    turned_away: u64,
}

impl Lookups {
    /// Takes a lookup at `now` (microseconds) if Tier 4 has room.
    pub fn admit(&mut self, now: i64) -> Admission {
        self.buckets.prune(now);
        if self.buckets.free_at(&USERS_INFO, TIER_4) > now {
            self.turned_away += 1;
            return Admission::Full { first: self.turned_away == 1 };
        }
        self.buckets.take(USERS_INFO, TIER_4, now);
        Admission::Go { turned_away: std::mem::take(&mut self.turned_away) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_is_reported_when_it_starts_and_counted_when_it_ends() {
        let mut lookups = Lookups::default();
        let mut now = 0;
        let mut went = 0;
        let refused = loop {
            match lookups.admit(now) {
                Admission::Go { turned_away: 0 } => went += 1,
                other => break other,
            }
        };
        assert_eq!(went, TIER_4.burst, "Tier 4's burst goes at once");
        assert_eq!(refused, Admission::Full { first: true });
        assert_eq!(lookups.admit(now), Admission::Full { first: false });
        now += i64::try_from(TIER_4.interval.as_micros()).unwrap();
        assert_eq!(lookups.admit(now), Admission::Go { turned_away: 2 });
        assert_eq!(lookups.admit(now), Admission::Full { first: true }, "a new spell is reported again");
    }
}
