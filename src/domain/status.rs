//! A program's figures as one value: the same [`ProgramStatus`] behind `upward
//! status`, `/mentoring status`, the owners' App Home and the digest, so the numbers
//! agree wherever they are read. Pure: `commands::reports` loads the facts.

use chrono::NaiveDate;
use serde::Serialize;

use super::import::ImportFigures;
use super::outcomes::{uplift, Rating, Uplift};
use super::participant::Participant;
use super::projects::{ProjectFigures, ProjectStatus, Reached};
use super::rounds::UnmatchedPerson;
use super::sessions::{SessionFact, SessionFigures};
use super::summary::{Activity, CheckinFact, PairFact, ParticipantCounts, ReflectionFact, RoundFigures, SkillCount};

/// The JSON shape is a contract with scripts: later versions add keys, never rename.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProgramStatus {
    pub program: String,
    pub participants: ParticipantCounts,
    /// Confirmed matching rounds.
    pub rounds: i64,
    pub pairs: PairCounts,
    pub checkins: CheckinFigures,
    /// Check-ins answered "We met".
    pub meetings: u64,
    pub reflections: u64,
    /// Live pairs whose two latest check-ins brought no meeting.
    pub stalled_pairs: u64,
    /// Live pairs where the senior missed the two latest check-ins.
    pub at_risk_pairs: u64,
    /// Pairs ended by one of their people ("this pairing isn't working", rematch).
    pub exits: u64,
    /// The reasons for those exits that their authors shared with owners.
    pub shared_exit_reasons: Vec<String>,
    /// Pairs that have met at least once.
    pub first_sessions: u64,
    /// Answered over sent check-ins (0 to 1), null before the first check-in.
    pub response_rate: Option<f64>,
    pub meetings_per_pair: Option<f64>,
    /// Mean reflection rating (1 to 5), null before the first reflection.
    pub average_rating: Option<f64>,
    /// The skills reflections name most.
    pub top_skills: Vec<SkillCount>,
    /// Who the latest confirmed round left unmatched, and why.
    pub unmatched: Vec<UnmatchedPerson>,
    /// Messages the bot gave up sending (the workspace's, not only this program's).
    pub dead_letters: i64,
    /// The latest confirmed round against the one before, once there are two.
    pub trend: Option<Trend>,
    /// Mean confidence change (after minus before, on 1-5) per skill for mentees and per
    /// question for mentors, over the people who answered both times.
    pub uplift: Uplift,
    /// One-time sessions: asked, matched, held, unmet demand per skill, time to a mentor.
    pub sessions: SessionFigures,
    /// Live circles, when the program has them.
    pub circles: CircleFigures,
    /// Project pairs: proposed, live, ended, and whether they reached their goal.
    pub projects: ProjectFigures,
    /// Channel opt-in and the org-chart import.
    pub onboarding: Onboarding,
}

/// A program's live circles: one mentor with several mentees in one conversation.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct CircleFigures {
    /// The program's circle size; null: the program matches pairs.
    pub size: Option<u32>,
    pub live: u64,
    /// Mentees in live circles.
    pub mentees: u64,
    /// Circles whose every seat is taken.
    pub full: u64,
}

impl CircleFigures {
    /// From the mentor (participant id) of each live circle pair.
    pub fn count(size: Option<u32>, mentors: &[i64]) -> CircleFigures {
        let mut seats: std::collections::BTreeMap<i64, u32> = std::collections::BTreeMap::new();
        for mentor in mentors {
            *seats.entry(*mentor).or_default() += 1;
        }
        CircleFigures {
            size,
            live: seats.len() as u64,
            mentees: mentors.len() as u64,
            full: size.map_or(0, |k| seats.values().filter(|&&n| n >= k).count() as u64),
        }
    }
}

/// How a program's channel brought people in, for owners.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ChannelFigures {
    /// People invited after joining the channel.
    pub invited: i64,
    /// Of them, those who then joined the program.
    pub joined: i64,
}

/// How people came in without typing: the program's channel and the org chart.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Onboarding {
    /// The channel whose newcomers are invited, if the program has one.
    pub channel: Option<String>,
    pub via_channel: ChannelFigures,
    /// The workspace's latest applied org-chart import.
    pub last_import: Option<ImportFigures>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Trend {
    pub previous: RoundFigures,
    pub latest: RoundFigures,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct CheckinFigures {
    pub sent: u64,
    pub answered: u64,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct PairCounts {
    pub active: i64,
    pub ended: i64,
}

/// Everything one program's figures are counted from, as loaded.
#[derive(Debug, Clone, Default)]
pub struct StatusFacts {
    pub people: Vec<Participant>,
    pub rounds: i64,
    pub active_pairs: i64,
    pub ended_pairs: i64,
    pub pairs: Vec<PairFact>,
    pub checkins: Vec<CheckinFact>,
    pub reflections: Vec<ReflectionFact>,
    pub unmatched: Vec<UnmatchedPerson>,
    /// One entry per exit: the reason when its author shared it with owners.
    pub exits: Vec<Option<String>>,
    pub dead_letters: i64,
    pub confidence: Vec<Rating>,
    pub sessions: Vec<SessionFact>,
    pub circle_size: Option<u32>,
    /// The mentor (participant id) of each live circle pair.
    pub circle_mentors: Vec<i64>,
    pub project_statuses: Vec<ProjectStatus>,
    pub project_answers: Vec<Reached>,
    pub onboarding: Onboarding,
}

impl ProgramStatus {
    pub fn compute(program: &str, facts: StatusFacts, today: NaiveDate) -> ProgramStatus {
        let activity = Activity::compute(&facts.pairs, &facts.checkins, &facts.reflections);
        let trend = match activity.rounds.as_slice() {
            [.., previous, latest] => Some(Trend { previous: previous.clone(), latest: latest.clone() }),
            _ => None,
        };
        ProgramStatus {
            program: program.to_owned(),
            participants: ParticipantCounts::count(facts.people.iter().map(|p| p.membership()), today),
            rounds: facts.rounds,
            pairs: PairCounts { active: facts.active_pairs, ended: facts.ended_pairs },
            checkins: CheckinFigures { sent: activity.checkins_sent, answered: activity.checkins_answered },
            meetings: activity.meetings,
            reflections: activity.reflections,
            stalled_pairs: activity.stalled_pairs,
            at_risk_pairs: activity.at_risk_pairs,
            exits: facts.exits.len() as u64,
            shared_exit_reasons: facts.exits.into_iter().flatten().collect(),
            first_sessions: activity.first_sessions,
            response_rate: activity.response_rate,
            meetings_per_pair: activity.meetings_per_pair,
            average_rating: activity.average_rating,
            top_skills: activity.top_skills,
            unmatched: facts.unmatched,
            dead_letters: facts.dead_letters,
            trend,
            uplift: uplift(&facts.confidence),
            sessions: SessionFigures::compute(&facts.sessions),
            circles: CircleFigures::count(facts.circle_size, &facts.circle_mentors),
            projects: ProjectFigures::count(&facts.project_statuses, &facts.project_answers),
            onboarding: facts.onboarding,
        }
    }
}
