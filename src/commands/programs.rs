//! Program owners' commands: create and list programs, grow a skill catalogue.

use super::{Request, Result};
use crate::domain::bounds::{echo, MAX_CATALOGUE};
use crate::domain::outbound::{encode_file, Outbound};
use crate::domain::participant::{canonical_tags, MAX_SKILL_LEN};
use crate::domain::program::{Program, ProgramName};
use crate::domain::settings::{ProgramSettings, Setting};
use crate::domain::summary::ParticipantCounts;
use crate::slack::messages;

pub(super) async fn create(request: &Request<'_>, name: &ProgramName) -> Result<()> {
    if !request.owner_only("create programs").await? {
        return Ok(());
    }
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    let answer = match tx.create_program(&request.ctx.team_id, name, Some(&request.user)).await? {
        Some(program) => {
            tracing::info!(program = program.id, "program created");
            messages::program_created(&program)
        }
        None => messages::program_exists(name.shown()),
    };
    tx.enqueue(&request.reply_to.with(answer))?;
    tx.commit().await?;
    Ok(())
}

/// `program rename <new name>`: the program is called so from now on, in every message
/// and (by its handle) in `program:<handle>`; its people, pairs and figures stay.
pub(super) async fn rename(request: &Request<'_>, program: Option<&str>, name: &ProgramName) -> Result<()> {
    if !request.owner_only("rename programs").await? {
        return Ok(());
    }
    let program = match request.program(program, "/mentoring program rename <new-name>").await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    let answer = if tx.rename_program(&program, name).await? {
        tracing::info!(program = program.id, "program renamed");
        messages::program_renamed(&program.name, name)
    } else {
        messages::program_exists(name.shown())
    };
    tx.enqueue(&request.reply_to.with(answer))?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn list(request: &Request<'_>) -> Result<()> {
    if !request.owner_only("list programs").await? {
        return Ok(());
    }
    let counted = program_counts(request).await?;
    request.reply(messages::program_list(&counted)).await
}

pub(super) async fn program_counts(
    request: &Request<'_>,
) -> Result<Vec<(crate::domain::program::Program, ParticipantCounts)>> {
    let today = request.ctx.today();
    let mut counted = Vec::new();
    for program in request.ctx.store.programs(&request.ctx.team_id).await? {
        let people = request.ctx.store.participants(program.id).await?;
        let counts = ParticipantCounts::count(people.iter().map(|p| p.membership()), today);
        counted.push((program, counts));
    }
    Ok(counted)
}

pub(super) async fn add_skills(request: &Request<'_>, program: Option<&str>, tags: &[String]) -> Result<()> {
    if !request.owner_only("change the skill catalogue").await? {
        return Ok(());
    }
    if let Some(long) = tags.iter().find(|t| t.chars().count() > MAX_SKILL_LEN) {
        let problem = format!("Skill tags are at most {MAX_SKILL_LEN} characters: `{}` is longer.", echo(long));
        return request.reply(messages::usage_error(&problem, "/mentoring skills add <tag>, <tag>")).await;
    }
    let program = match request.program(program, "/mentoring skills add <tags>").await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    // The catalogue is read inside the change: two owners adding at once could each
    // have found room that only one of them had.
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    tx.lock_program(program.id).await?;
    let existing = tx.skills(program.id).await?;
    let fresh: Vec<String> =
        canonical_tags(tags.to_vec(), &existing).into_iter().filter(|t| !existing.contains(t)).collect();
    let answer = if existing.len() + fresh.len() > MAX_CATALOGUE {
        let room = MAX_CATALOGUE.saturating_sub(existing.len());
        let problem = format!(
            "A catalogue holds at most {MAX_CATALOGUE} skills; {} has {}, so {room} more fit.",
            program.name,
            existing.len()
        );
        messages::usage_error(&problem, "/mentoring skills add <tag>, <tag>")
    } else {
        let added = tx.add_skills(program.id, &fresh).await?;
        let catalogue: Vec<String> = existing.into_iter().chain(added.iter().cloned()).collect();
        messages::skills_added(&program, &added, &catalogue)
    };
    tx.enqueue(&request.reply_to.with(answer))?;
    tx.commit().await?;
    Ok(())
}

/// *Download the catalogue*: every skill of the program as a file in the owner's DM.
pub(super) async fn download_skills(request: &Request<'_>, program: &Program) -> Result<()> {
    if !request.owner_only("change the skill catalogue").await? {
        return Ok(());
    }
    let catalogue = request.ctx.store.skills(program.id).await?;
    let file = Outbound::UploadFile {
        user: request.user.clone(),
        filename: format!("upward-{}-skills.txt", program.handle),
        title: format!("Skills of {}", program.name),
        comment: messages::catalogue_file_comment(&program.name, catalogue.len()),
        content_b64: encode_file(messages::catalogue_file(&catalogue).as_bytes()),
    };
    request.answer(vec![file]).await
}

pub(super) async fn set(request: &Request<'_>, program: Option<&str>, setting: Setting) -> Result<()> {
    if !request.owner_only("change program settings").await? {
        return Ok(());
    }
    let program = match request.program(program, "/mentoring program set <setting> <value>").await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let store = &request.ctx.store;
    let mut tx = store.begin_for(request.inbox_id, request.ctx.now()).await?;
    // The settings are read once the program is this change's: every setting is written
    // back, so one read before another owner's change committed would undo it.
    tx.lock_program(program.id).await?;
    let current = ProgramSettings {
        matching: store.match_settings(program.id).await?,
        checkins: store.checkin_settings(program.id).await?,
        digest: store.digest_schedule(program.id).await?,
        round_weeks: store.round_weeks(program.id).await?,
        session_hours: store.session_hours(program.id).await?,
        mentee_projects: store.mentee_projects(program.id).await?,
        channel: store.program_channel(program.id).await?,
    };
    let settings = current.with(setting);
    tx.set_match_settings(program.id, &settings.matching).await?;
    tx.set_checkin_settings(program.id, &settings.checkins).await?;
    tx.set_digest_schedule(program.id, settings.digest.as_deref()).await?;
    tx.set_round_weeks(program.id, settings.round_weeks).await?;
    tx.set_session_hours(program.id, settings.session_hours).await?;
    tx.set_mentee_projects(program.id, settings.mentee_projects).await?;
    tx.set_program_channel(program.id, settings.channel.as_deref()).await?;
    tx.enqueue(&request.reply_to.with(messages::settings(&program, &settings)))?;
    tx.commit().await?;
    request.ctx.store.schedule_changed.notify_one();
    tracing::info!(program = program.id, "program settings changed");
    Ok(())
}
