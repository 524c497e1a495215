//! Program figures, counted the same way for `upward status`, `/mentoring status`, the
//! App Home dashboard and the digest: one pure computation, so the numbers agree
//! wherever an owner reads them. Its inputs carry no reflection text, so no figure can
//! leak one.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::checkins::stalled;
use super::participant::{effective_status, Participant, Role, Status};

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

impl Participant {
    pub fn membership(&self) -> Membership {
        Membership { role: self.role, status: self.status, paused_until: self.paused_until }
    }
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

/// A pair as the figures need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairFact {
    pub pair_id: i64,
    pub round_id: i64,
    pub active: bool,
    /// The senior's user id.
    pub mentee: String,
    /// A project's pair (its round is the project's own): counted in every figure but
    /// the per-round ones, so a project does not pass for the latest round.
    pub project: bool,
}

/// A check-in as the figures need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinFact {
    pub pair_id: i64,
    pub due_at: i64,
    pub answered: bool,
    pub met: bool,
    pub answered_by: Option<String>,
}

/// A reflection's figures, never its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflectionFact {
    pub pair_id: i64,
    pub rating: u8,
    pub skills: Vec<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkillCount {
    pub skill: String,
    pub count: u64,
}

/// One confirmed round's figures, for the trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundFigures {
    pub round: i64,
    pub pairs: u64,
    pub meetings: u64,
    pub average_rating: Option<f64>,
}

/// What the pairs did: check-ins, meetings, reflections.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    pub checkins_sent: u64,
    pub checkins_answered: u64,
    pub meetings: u64,
    pub reflections: u64,
    /// Live pairs whose two latest check-ins brought no meeting.
    pub stalled_pairs: u64,
    /// Live pairs where the senior missed the two latest check-ins.
    pub at_risk_pairs: u64,
    /// Pairs (live or ended) that have met at least once.
    pub first_sessions: u64,
    /// Answered check-ins over sent ones, rounded to three decimals.
    pub response_rate: Option<f64>,
    /// Meetings over pairs that were ever live, rounded to two decimals.
    pub meetings_per_pair: Option<f64>,
    /// Mean reflection rating, rounded to two decimals.
    pub average_rating: Option<f64>,
    /// The skills reflections name most, at most five, most named first.
    pub top_skills: Vec<SkillCount>,
    /// Per confirmed round, oldest first.
    pub rounds: Vec<RoundFigures>,
}

fn ratio(part: u64, whole: u64, decimals: i32) -> Option<f64> {
    (whole > 0).then(|| {
        let scale = 10f64.powi(decimals);
        (part as f64 / whole as f64 * scale).round() / scale
    })
}

fn mean(ratings: impl Iterator<Item = u8>) -> Option<f64> {
    let (sum, n) = ratings.fold((0u64, 0u64), |(s, n), r| (s + u64::from(r), n + 1));
    ratio(sum, n, 2)
}

/// Each pair's check-ins as (due time, met), latest first.
fn histories(checkins: &[CheckinFact]) -> HashMap<i64, Vec<(i64, bool)>> {
    let mut history: HashMap<i64, Vec<(i64, bool)>> = HashMap::new();
    for c in checkins {
        history.entry(c.pair_id).or_default().push((c.due_at, c.met));
    }
    for own in history.values_mut() {
        own.sort_by_key(|&(due, _)| std::cmp::Reverse(due));
    }
    history
}

/// The live pairs whose two latest check-ins brought no meeting.
pub fn stalled_pairs(pairs: &[PairFact], checkins: &[CheckinFact]) -> Vec<i64> {
    let history = histories(checkins);
    pairs
        .iter()
        .filter(|p| p.active)
        .filter(|p| {
            let met: Vec<bool> =
                history.get(&p.pair_id).map(|h| h.iter().map(|&(_, m)| m).collect()).unwrap_or_default();
            stalled(&met)
        })
        .map(|p| p.pair_id)
        .collect()
}

/// One week's meetings and mean rating, for the owners' chart.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekFigures {
    /// The week's Monday.
    pub week: NaiveDate,
    pub meetings: u32,
    pub average_rating: Option<f64>,
}

/// The last `weeks` weeks up to `today`: meetings by their check-in's week, ratings by
/// the reflection's week.
pub fn weekly(
    checkins: &[CheckinFact],
    reflections: &[ReflectionFact],
    weeks: u32,
    today: NaiveDate,
) -> Vec<WeekFigures> {
    let monday = |d: NaiveDate| d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()));
    let day = |unix: i64| chrono::DateTime::from_timestamp(unix, 0).map(|t| t.date_naive());
    let last = monday(today);
    (0..weeks)
        .rev()
        .map(|back| {
            let week = last - chrono::Days::new(7 * u64::from(back));
            let in_week = |unix: i64| day(unix).is_some_and(|d| monday(d) == week);
            let meetings = checkins.iter().filter(|c| c.met && in_week(c.due_at)).count() as u32;
            let average_rating = mean(reflections.iter().filter(|r| in_week(r.created_at)).map(|r| r.rating));
            WeekFigures { week, meetings, average_rating }
        })
        .collect()
}

/// The live pairs where the senior missed the two latest check-ins (no meeting, and no
/// answer from the mentee): the most common way reverse mentoring fails.
pub fn at_risk_pairs(pairs: &[PairFact], checkins: &[CheckinFact]) -> Vec<i64> {
    pairs
        .iter()
        .filter(|p| p.active)
        .filter(|p| {
            let mut own: Vec<&CheckinFact> = checkins.iter().filter(|c| c.pair_id == p.pair_id).collect();
            own.sort_by_key(|c| std::cmp::Reverse(c.due_at));
            own.len() >= 2 && own.iter().take(2).all(|c| !c.met && c.answered_by.as_deref() != Some(p.mentee.as_str()))
        })
        .map(|p| p.pair_id)
        .collect()
}

/// How many skills the figures list.
pub const TOP_SKILLS: usize = 5;

impl Activity {
    pub fn compute(pairs: &[PairFact], checkins: &[CheckinFact], reflections: &[ReflectionFact]) -> Activity {
        let round_of: HashMap<i64, i64> =
            pairs.iter().filter(|p| !p.project).map(|p| (p.pair_id, p.round_id)).collect();
        let history = histories(checkins);
        let stalled_pairs = stalled_pairs(pairs, checkins).len() as u64;
        let at_risk = at_risk_pairs(pairs, checkins).len() as u64;
        let first_sessions =
            pairs.iter().filter(|p| history.get(&p.pair_id).is_some_and(|h| h.iter().any(|&(_, met)| met))).count();
        let sent = checkins.len() as u64;
        let answered = checkins.iter().filter(|c| c.answered).count() as u64;
        let meetings = checkins.iter().filter(|c| c.met).count() as u64;
        let mut skills: BTreeMap<&str, u64> = BTreeMap::new();
        for skill in reflections.iter().flat_map(|r| &r.skills) {
            *skills.entry(skill).or_default() += 1;
        }
        let mut top_skills: Vec<SkillCount> =
            skills.into_iter().map(|(skill, count)| SkillCount { skill: skill.to_owned(), count }).collect();
        top_skills.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.skill.cmp(&b.skill)));
        top_skills.truncate(TOP_SKILLS);
        let mut rounds: BTreeMap<i64, RoundFigures> = BTreeMap::new();
        for p in pairs.iter().filter(|p| !p.project) {
            let entry = rounds.entry(p.round_id).or_insert(RoundFigures {
                round: p.round_id,
                pairs: 0,
                meetings: 0,
                average_rating: None,
            });
            entry.pairs += 1;
        }
        for c in checkins.iter().filter(|c| c.met) {
            if let Some(r) = round_of.get(&c.pair_id).and_then(|id| rounds.get_mut(id)) {
                r.meetings += 1;
            }
        }
        for (id, figures) in rounds.iter_mut() {
            let ratings = reflections.iter().filter(|r| round_of.get(&r.pair_id) == Some(id)).map(|r| r.rating);
            figures.average_rating = mean(ratings);
        }
        Activity {
            checkins_sent: sent,
            checkins_answered: answered,
            meetings,
            reflections: reflections.len() as u64,
            stalled_pairs,
            at_risk_pairs: at_risk,
            first_sessions: first_sessions as u64,
            response_rate: ratio(answered, sent, 3),
            meetings_per_pair: ratio(meetings, pairs.len() as u64, 2),
            average_rating: mean(reflections.iter().map(|r| r.rating)),
            top_skills,
            rounds: rounds.into_values().collect(),
        }
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

    #[test]
    fn activity_figures_from_a_small_program() {
        let pair = |pair_id, round_id, active| PairFact {
            pair_id,
            round_id,
            active,
            mentee: format!("S{pair_id}"),
            project: round_id == 12,
        };
        let checkin = |pair_id, due_at, answered: bool, met| CheckinFact {
            pair_id,
            due_at,
            answered,
            met,
            answered_by: answered.then(|| if pair_id == 2 { "J2".to_owned() } else { format!("S{pair_id}") }),
        };
        let reflection = |pair_id, rating, skills: &[&str]| ReflectionFact {
            pair_id,
            rating,
            skills: skills.iter().map(|s| s.to_string()).collect(),
            created_at: 0,
        };
        let a = Activity::compute(
            &[pair(1, 10, true), pair(2, 10, true), pair(3, 11, false), pair(4, 12, true)],
            &[
                checkin(1, 1, true, true),
                checkin(1, 2, true, false),
                checkin(2, 1, false, false),
                checkin(2, 2, true, false),
                checkin(3, 1, true, true),
            ],
            &[reflection(1, 5, &["AI", "video"]), reflection(1, 4, &["AI"]), reflection(3, 2, &[])],
        );
        assert_eq!((a.checkins_sent, a.checkins_answered, a.meetings, a.reflections), (5, 4, 2, 3));
        assert_eq!((a.stalled_pairs, a.first_sessions), (1, 2), "pair 2 stalled; pairs 1 and 3 met");
        assert_eq!(a.at_risk_pairs, 1, "pair 2's senior answered neither of its two check-ins");
        assert_eq!(
            (a.response_rate, a.meetings_per_pair, a.average_rating),
            (Some(0.8), Some(0.5), Some(3.67)),
            "the project's pair counts among the pairs"
        );
        assert_eq!(a.top_skills[0], SkillCount { skill: "AI".into(), count: 2 });
        assert_eq!(a.rounds.len(), 2, "pair 4's round is a project's: no round of its own in the trend");
        assert_eq!((a.rounds[0].pairs, a.rounds[0].meetings, a.rounds[0].average_rating), (2, 1, Some(4.5)));
        assert_eq!((a.rounds[1].pairs, a.rounds[1].average_rating), (1, Some(2.0)));
        let week = |d: &str| d.parse::<NaiveDate>().unwrap();
        let at = |d: &str| week(d).and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp();
        let weeks = weekly(
            &[CheckinFact { pair_id: 1, due_at: at("2026-12-07"), answered: true, met: true, answered_by: None }],
            &[ReflectionFact { pair_id: 1, rating: 5, skills: vec![], created_at: at("2026-12-09") }],
            3,
            week("2026-12-17"),
        );
        let mondays: Vec<String> = weeks.iter().map(|w| w.week.to_string()).collect();
        assert_eq!(mondays, ["2026-11-30", "2026-12-07", "2026-12-14"]);
        assert_eq!((weeks[1].meetings, weeks[1].average_rating), (1, Some(5.0)));
        assert_eq!((weeks[2].meetings, weeks[2].average_rating), (0, None));
        let empty = Activity::compute(&[], &[], &[]);
        assert_eq!((empty.response_rate, empty.average_rating), (None, None));
    }
}
