//! `upward status`: a program's figures straight from the database, for people and
//! scripts that have no Slack at hand.

use serde::Serialize;
use thiserror::Error;

use crate::domain::summary::ParticipantCounts;
use crate::store::{Store, StoreError};

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
}

pub async fn program_status(
    store: &Store,
    program: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<ProgramStatus, StatusError> {
    let programs = store.all_programs().await?;
    let names = || programs.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
    let chosen = match program {
        Some(name) => programs
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| StatusError::UnknownProgram(name.to_owned(), names()))?,
        None => match programs.as_slice() {
            [] => return Err(StatusError::Empty),
            [only] => only,
            _ => return Err(StatusError::Ambiguous(names())),
        },
    };
    let people = store.participants(chosen.id).await?;
    Ok(ProgramStatus {
        program: chosen.name.clone(),
        participants: ParticipantCounts::count(people.iter().map(|p| p.membership()), today),
    })
}

/// The readable form of [`ProgramStatus`].
pub fn table(status: &ProgramStatus) -> String {
    let c = &status.participants;
    let rows =
        [("mentors", c.mentors), ("mentees", c.mentees), ("active", c.active), ("paused", c.paused), ("left", c.left)];
    let mut out = format!("Program: {}\n", status.program);
    for (name, value) in rows {
        out.push_str(&format!("  {name:<10}{value:>6}\n"));
    }
    out
}
