//! Program figures, counted the same way for `upward status`, App Home and later reports.

use chrono::NaiveDate;
use serde::Serialize;

use super::participant::{effective_status, Role, Status};

/// The participant figures of one program. Someone registered as both roles counts in
/// both role figures; status figures count each person once. People who left stay in
/// the role figures: their history is part of what the program did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ParticipantCounts {
    pub mentors: u64,
    pub mentees: u64,
    pub active: u64,
    pub paused: u64,
    pub left: u64,
}

/// One participant as far as counting needs to know.
#[derive(Debug, Clone, Copy)]
pub struct Membership {
    pub role: Role,
    pub status: Status,
    pub paused_until: Option<NaiveDate>,
}

impl ParticipantCounts {
    pub fn count(members: impl IntoIterator<Item = Membership>, today: NaiveDate) -> Self {
        let mut counts = ParticipantCounts::default();
        for m in members {
            counts.mentors += u64::from(m.role.teaches());
            counts.mentees += u64::from(m.role.learns());
            match effective_status(m.status, m.paused_until, today) {
                Status::Active => counts.active += 1,
                Status::Paused => counts.paused += 1,
                Status::Left => counts.left += 1,
            }
        }
        counts
    }

    pub fn total(&self) -> u64 {
        self.active + self.paused + self.left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_counts_in_each_role_and_expired_pauses_are_active() {
        let today: NaiveDate = "2026-11-24".parse().unwrap();
        let m = |role, status, paused_until| Membership { role, status, paused_until };
        let counts = ParticipantCounts::count(
            [
                m(Role::Mentor, Status::Active, None),
                m(Role::Both, Status::Paused, None),
                m(Role::Mentee, Status::Paused, Some(today)),
                m(Role::Mentee, Status::Left, None),
            ],
            today,
        );
        assert_eq!(counts, ParticipantCounts { mentors: 2, mentees: 3, active: 2, paused: 1, left: 1 });
        assert_eq!(counts.total(), 4);
    }
}
