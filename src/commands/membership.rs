//! A participant's own commands: see the profile, pause, resume, leave.

use chrono::NaiveDate;

use super::{Request, Result};
use crate::domain::participant::{check_pause_until, effective_status, Status};
use crate::slack::messages;

pub(super) async fn profile(request: &Request<'_>) -> Result<()> {
    let entries = request.participations().await?;
    let tz = if entries.is_empty() { None } else { request.ctx.time_zone(&request.user).await? };
    request.reply(messages::profile(&entries, tz.as_deref())).await
}

/// Pause, resume and leave share their shape: find the program and the person in it,
/// check the transition, store it with its answer.
async fn transition(
    request: &Request<'_>,
    program: Option<&str>,
    usage: &str,
    decide: impl FnOnce(Status, Option<NaiveDate>) -> std::result::Result<(Status, Option<NaiveDate>), &'static str>,
) -> Result<()> {
    let program = match request.program(program, usage).await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let Some(participant) = request.ctx.store.participant(program.id, &request.user).await? else {
        return request.reply(messages::not_a_participant(&program)).await;
    };
    let current = effective_status(participant.status, participant.paused_until, request.ctx.today());
    let (status, until) = match decide(current, participant.paused_until) {
        Ok(next) => next,
        Err(state) => return request.reply(messages::already(&program, state)).await,
    };
    let answer = match status {
        Status::Paused => messages::paused(&program, until),
        Status::Active => messages::resumed(&program),
        Status::Left => messages::left(&program),
    };
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    tx.set_status(participant.id, status, until).await?;
    tx.enqueue(&request.reply_to.with(answer))?;
    tx.commit().await?;
    tracing::info!(program = program.id, status = status.as_str(), "status changed");
    Ok(())
}

pub(super) async fn pause(request: &Request<'_>, program: Option<&str>, until: Option<NaiveDate>) -> Result<()> {
    if let Err(problem) = check_pause_until(until, request.ctx.today()) {
        return request.reply(messages::usage_error(&problem.to_string(), "/mentoring pause [YYYY-MM-DD]")).await;
    }
    // Pausing again with another end date moves the date; the same pause twice is a no-op.
    transition(request, program, "/mentoring pause", |current, paused_until| match current {
        Status::Left => Err("out of the program (you left)"),
        Status::Paused if paused_until == until => Err("paused"),
        _ => Ok((Status::Paused, until)),
    })
    .await
}

pub(super) async fn resume(request: &Request<'_>, program: Option<&str>) -> Result<()> {
    transition(request, program, "/mentoring resume", |current, _| match current {
        Status::Paused => Ok((Status::Active, None)),
        Status::Active => Err("active"),
        Status::Left => Err("out of the program (you left; `/mentoring join` brings you back)"),
    })
    .await
}

pub(super) async fn leave(request: &Request<'_>, program: Option<&str>) -> Result<()> {
    transition(request, program, "/mentoring leave", |current, _| match current {
        Status::Left => Err("out of the program"),
        _ => Ok((Status::Left, None)),
    })
    .await
}
