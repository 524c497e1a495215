//! What the optimiser takes and gives: plain data, serialisable so an instance can be
//! written to a file and fed to another solver.

use serde::{Deserialize, Serialize};

/// A stable id chosen by the caller (the bot uses participant row ids).
pub type PersonId = u32;

/// Department id meaning "not given": never equal to anyone's department.
pub const NO_DEPARTMENT: u16 = u16::MAX;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    /// [`NO_DEPARTMENT`] when unknown.
    pub department: u16,
    pub manager: Option<PersonId>,
    /// Minutes east of UTC, for working-hours overlap.
    pub utc_offset_minutes: i32,
    /// Skills this person can teach (mentors).
    pub teach: Vec<u16>,
    /// Skills this person wants to learn (mentees), most wanted first.
    pub learn: Vec<u16>,
    /// Seniority level, where the program uses a ladder.
    pub level: Option<u8>,
    /// Mentees this mentor may still take; `None` means the program's capacity.
    pub capacity: Option<u32>,
}

/// How much each part of compatibility counts. Integers, so totals are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weights {
    /// Per shared skill, times its priority factor (4 for the mentee's first skill, 3,
    /// 2, then 1): skills dominate, as they are why the pair meets.
    pub skill: u32,
    /// Per whole hour of working time the two share.
    pub hour: u32,
    /// Once, when the two work in different departments (both known).
    pub cross_department: u32,
    /// Per seniority level between them beyond the rule's minimum, up to
    /// [`Rules::level_gap_cap`]: reverse mentoring prefers a real gap.
    #[serde(default)]
    pub level: u32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { skill: 10, hour: 1, cross_department: 5, level: 2 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// Mentees per mentor unless a mentor says otherwise.
    pub capacity: u32,
    /// Whether a (mentor, mentee) pair from `past_pairs` may be formed again.
    pub allow_repeats: bool,
    pub forbid_same_department: bool,
    /// When set and both levels are known, the mentee must be at least this many
    /// levels above the mentor.
    pub min_level_gap: Option<u8>,
    /// How many levels beyond the minimum still add to the score.
    #[serde(default)]
    pub level_gap_cap: u8,
    /// Local working window, minutes after midnight.
    pub work_start_minute: u32,
    pub work_end_minute: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            capacity: 1,
            allow_repeats: false,
            forbid_same_department: false,
            min_level_gap: None,
            level_gap_cap: 3,
            work_start_minute: 9 * 60,
            work_end_minute: 17 * 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub mentors: Vec<Person>,
    pub mentees: Vec<Person>,
    /// (mentor, mentee) pairs that were live before.
    pub past_pairs: Vec<(PersonId, PersonId)>,
    pub weights: Weights,
    pub rules: Rules,
    /// Breaks ties between equally good solutions, reproducibly.
    pub seed: u64,
}

/// Why a pair scores what it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason {
    /// Skills the mentor teaches that the mentee wants, in the mentee's priority order.
    SharedSkills(Vec<u16>),
    /// Whole working hours the two share.
    HoursOverlap(u32),
    CrossDepartment,
    /// Seniority levels between the mentee and the mentor, where the gap adds to the score.
    LevelGap(u8),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    pub mentor: PersonId,
    pub mentee: PersonId,
    pub score: i64,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    Mentor,
    Mentee,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnmatchedReason {
    /// Every possible partner is ruled out (no shared skill, or a hard rule).
    NoCompatiblePartner,
    /// A mentee with compatible mentors whose places went to better-scoring pairs.
    CapacityFull,
    /// A mentor with compatible mentees who all went to better-scoring pairs.
    NoMenteeLeft,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmatched {
    pub person: PersonId,
    pub side: Side,
    pub reason: UnmatchedReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Sorted by (mentor, mentee).
    pub pairs: Vec<Pair>,
    pub unmatched: Vec<Unmatched>,
    pub total_score: i64,
    /// A proven bound: no valid set of pairs scores more. Equal to `total_score` when
    /// the solution is proven optimal.
    pub upper_bound: i64,
}

impl Outcome {
    /// Whether no valid set of pairs scores more than these: always so for
    /// [`solve`](crate::solve), and for [`solve_within`](crate::solve_within) when the
    /// proof came within the budget.
    pub fn is_proven_optimal(&self) -> bool {
        self.upper_bound <= self.total_score
    }

    /// How far below the proven bound the total may be, in percent of the bound: the
    /// most that more time could still gain.
    pub fn gap_pct(&self) -> f64 {
        gap_pct(self.total_score, self.upper_bound)
    }
}

/// Where a solve stands after a round: the score of its pairs so far and the bound it
/// has proven, for a caller that shows progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Rounds of solve and pricing done, from 1.
    pub round: usize,
    pub total_score: i64,
    pub upper_bound: i64,
}

impl Progress {
    /// As [`Outcome::gap_pct`].
    pub fn gap_pct(&self) -> f64 {
        gap_pct(self.total_score, self.upper_bound)
    }
}

fn gap_pct(total: i64, bound: i64) -> f64 {
    if bound > 0 {
        (bound - total) as f64 * 100.0 / bound as f64
    } else {
        0.0
    }
}
