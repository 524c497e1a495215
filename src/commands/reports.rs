//! What owners read about a program, loaded from the store: its [`ProgramStatus`] and
//! its export rows. The slash commands, the App Home, the digest and the command line
//! (`upward status`, `upward export`, `upward match`) all read them through here.

use chrono::NaiveDate;
use thiserror::Error;

use crate::domain::pair::PairStatus;
use crate::domain::program::Program;
use crate::domain::status::{Onboarding, ProgramStatus, StatusFacts};
use crate::report::export::{self, PairExport};
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

/// The program a command-line tool means: the named one, or the only one.
pub async fn choose_program(store: &Store, program: Option<&str>) -> Result<Program, StatusError> {
    let programs = store.all_programs().await?;
    let names = || programs.iter().map(|p| p.handle.as_str()).collect::<Vec<_>>().join(", ");
    match program {
        Some(name) => programs
            .iter()
            .find(|p| p.is_named(name))
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
pub async fn status_of(store: &Store, program: &Program, today: NaiveDate) -> Result<ProgramStatus, StoreError> {
    let rounds = store.round_counts(program.id).await?;
    let (pairs, checkins, reflections) = store.activity_facts(program.id).await?;
    let facts = StatusFacts {
        people: store.participants(program.id).await?,
        rounds: rounds.rounds,
        active_pairs: rounds.active_pairs,
        ended_pairs: rounds.ended_pairs,
        pairs,
        checkins,
        reflections,
        unmatched: store.latest_unmatched(program.id).await?,
        exits: store.exits(program.id).await?,
        dead_letters: store.outbox_stats().await?.dead,
        confidence: store.confidence_ratings(program.id).await?,
        sessions: store.session_facts(program.id).await?,
        circle_size: store.match_settings(program.id).await?.circle_size,
        circle_mentors: store.circle_mentors(program.id).await?,
        project_statuses: store.projects(program.id).await?.into_iter().map(|p| p.status).collect(),
        project_answers: store.project_answers(program.id).await?,
        onboarding: Onboarding {
            channel: store.program_channel(program.id).await?,
            via_channel: store.channel_figures(program.id).await?,
            last_import: store.last_import(&program.team_id).await?,
        },
    };
    Ok(ProgramStatus::compute(&program.name, facts, today))
}

/// The export rows of one program, oldest pair first.
pub async fn export_rows(store: &Store, program: &Program) -> Result<Vec<PairExport>, StoreError> {
    let mut pairs = store.pairs(program.id, PairStatus::Active).await?;
    pairs.extend(store.pairs(program.id, PairStatus::Ended).await?);
    pairs.sort_by_key(|p| p.id);
    let (_, checkins, _) = store.activity_facts(program.id).await?;
    let reflections = store.reflections_for_owners(program.id).await?;
    let names = store.cached_names(&program.team_id).await?;
    let mut rows = export::rows(program, pairs, &checkins, &reflections, &names);
    // A project's pair is a pair like any other; its row says which form it took.
    let project_pairs: Vec<i64> = store.projects(program.id).await?.into_iter().filter_map(|p| p.pair_id).collect();
    for row in rows.iter_mut().filter(|r| project_pairs.contains(&r.pair)) {
        row.form = "project".to_owned();
    }
    let sessions = store.sessions(program.id).await?;
    let session_reflections = store.session_reflections_for_owners(program.id).await?;
    rows.extend(export::session_rows(program, sessions, &session_reflections, &names));
    Ok(rows)
}
