//! A program's figures straight from the database: `upward status` for people and
//! scripts without Slack, and the very same [`ProgramStatus`] behind `/mentoring status`,
//! the owners' App Home and the digest, so the numbers agree wherever they are read.

use serde::Serialize;
use thiserror::Error;

use crate::domain::outcomes::{uplift, Uplift};
use crate::domain::summary::{Activity, ParticipantCounts, RoundFigures, SkillCount};
use crate::rounds::UnmatchedPerson;
use crate::store::{Program, Store, StoreError};

#[derive(Debug, Error)]
pub enum StatusError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("there is no program called `{0}`; programs: {1}")]
    UnknownProgram(String, String),
    #[error("there are several programs ({0}): choose one with --program")]
    Ambiguous(String),
    #[error("the database has no program yet: start the bot once (upward serve) to create `default`")]
    Empty,
}

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

/// The program a command-line tool means: the named one, or the only one.
pub async fn choose_program(store: &Store, program: Option<&str>) -> Result<Program, StatusError> {
    let programs = store.all_programs().await?;
    let names = || programs.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
    match program {
        Some(name) => programs
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .cloned()
            .ok_or_else(|| StatusError::UnknownProgram(name.to_owned(), names())),
        None => match programs.as_slice() {
            [] => Err(StatusError::Empty),
            [only] => Ok(only.clone()),
            _ => Err(StatusError::Ambiguous(names())),
        },
    }
}

pub async fn program_status(
    store: &Store,
    program: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<ProgramStatus, StatusError> {
    let chosen = choose_program(store, program).await?;
    Ok(status_of(store, &chosen, today).await?)
}

/// One program's figures.
pub async fn status_of(store: &Store, chosen: &Program, today: chrono::NaiveDate) -> Result<ProgramStatus, StoreError> {
    let people = store.participants(chosen.id).await?;
    let rounds = store.round_counts(chosen.id).await?;
    let (pairs, checkins, reflections) = store.activity_facts(chosen.id).await?;
    let activity = Activity::compute(&pairs, &checkins, &reflections);
    let unmatched = match store.latest_round(chosen.id).await? {
        Some(round) => serde_json::from_str(&round.unmatched)
            .map_err(|e| StoreError::Corrupt(format!("round {} unmatched: {e}", round.id)))?,
        None => Vec::new(),
    };
    let exits = store.exits(chosen.id).await?;
    let trend = match activity.rounds.as_slice() {
        [.., previous, latest] => Some(Trend { previous: previous.clone(), latest: latest.clone() }),
        _ => None,
    };
    Ok(ProgramStatus {
        program: chosen.name.clone(),
        participants: ParticipantCounts::count(people.iter().map(|p| p.membership()), today),
        rounds: rounds.rounds,
        pairs: PairCounts { active: rounds.active_pairs, ended: rounds.ended_pairs },
        checkins: CheckinFigures { sent: activity.checkins_sent, answered: activity.checkins_answered },
        meetings: activity.meetings,
        reflections: activity.reflections,
        stalled_pairs: activity.stalled_pairs,
        at_risk_pairs: activity.at_risk_pairs,
        exits: exits.len() as u64,
        shared_exit_reasons: exits.into_iter().flatten().collect(),
        first_sessions: activity.first_sessions,
        response_rate: activity.response_rate,
        meetings_per_pair: activity.meetings_per_pair,
        average_rating: activity.average_rating,
        top_skills: activity.top_skills,
        unmatched,
        dead_letters: store.outbox_stats().await?.dead,
        trend,
        uplift: uplift(&store.confidence_ratings(chosen.id).await?),
    })
}

/// The readable form of [`ProgramStatus`].
pub fn table(status: &ProgramStatus) -> String {
    let c = &status.participants;
    let rows = [
        ("mentors", c.mentors as i64),
        ("mentees", c.mentees as i64),
        ("active", c.active as i64),
        ("paused", c.paused as i64),
        ("left", c.left as i64),
        ("rounds", status.rounds),
        ("pairs", status.pairs.active),
        ("ended", status.pairs.ended),
        ("check-ins", status.checkins.sent as i64),
        ("answered", status.checkins.answered as i64),
        ("meetings", status.meetings as i64),
        ("reflections", status.reflections as i64),
        ("stalled", status.stalled_pairs as i64),
        ("first met", status.first_sessions as i64),
        ("dead", status.dead_letters),
    ];
    let mut out = format!("Program: {}\n", status.program);
    for (name, value) in rows {
        out.push_str(&format!("  {name:<12}{value:>6}\n"));
    }
    let figure = |v: Option<f64>| v.map_or("-".to_owned(), |v| v.to_string());
    out.push_str(&format!("  {:<12}{:>6}\n", "response", figure(status.response_rate)));
    out.push_str(&format!("  {:<12}{:>6}\n", "rating", figure(status.average_rating)));
    out
}
