//! `upward status`: a program's figures straight from the database, for people and
//! scripts that have no Slack at hand.

use serde::Serialize;
use thiserror::Error;

use crate::domain::checkins::stalled;
use crate::domain::summary::ParticipantCounts;
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
    pub meetings: i64,
    pub reflections: i64,
    /// Live pairs whose two latest check-ins brought no meeting.
    pub stalled_pairs: i64,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct CheckinFigures {
    pub sent: i64,
    pub answered: i64,
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
    let people = store.participants(chosen.id).await?;
    let rounds = store.round_counts(chosen.id).await?;
    let checkins = store.checkin_counts(chosen.id).await?;
    let stalled = store.meeting_history(chosen.id).await?.iter().filter(|(_, met)| stalled(met)).count();
    Ok(ProgramStatus {
        program: chosen.name,
        participants: ParticipantCounts::count(people.iter().map(|p| p.membership()), today),
        rounds: rounds.rounds,
        pairs: PairCounts { active: rounds.active_pairs, ended: rounds.ended_pairs },
        checkins: CheckinFigures { sent: checkins.sent, answered: checkins.answered },
        meetings: checkins.meetings,
        reflections: checkins.reflections,
        stalled_pairs: stalled as i64,
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
        ("check-ins", status.checkins.sent),
        ("answered", status.checkins.answered),
        ("meetings", status.meetings),
        ("reflections", status.reflections),
        ("stalled", status.stalled_pairs),
    ];
    let mut out = format!("Program: {}\n", status.program);
    for (name, value) in rows {
        out.push_str(&format!("  {name:<12}{value:>6}\n"));
    }
    out
}
