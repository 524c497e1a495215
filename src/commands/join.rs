//! Joining and changing a profile: the modal, its submission, and the one-line form.

use std::collections::HashMap;

use slack_morphism::prelude::*;

use super::parser::JoinLine;
use super::{Request, Result};
use crate::domain::outcomes::{Phase, Side};
use crate::domain::participant::{canonical_tags, split_tags, Profile, ProfileField, Role, ValidProfile};
use crate::slack::messages::{self, ids};
use crate::slack::Outbound;

const USAGE: &str = "/mentoring join";

pub(super) async fn open_form(request: &Request<'_>, program: Option<&str>, trigger_id: &str) -> Result<()> {
    let program = match request.program(program, USAGE).await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let catalogue = request.ctx.store.skills(program.id).await?;
    let current = request.ctx.store.participant(program.id, &request.user).await?;
    let view = messages::join_modal(&program, &catalogue, current.as_ref());
    request.answer(vec![Outbound::OpenView { trigger_id: trigger_id.to_owned(), view }]).await
}

pub(super) async fn one_line(request: &Request<'_>, program: Option<&str>, line: JoinLine) -> Result<()> {
    let JoinLine { role, tags, department, manager, level } = line;
    let program = match request.program(program, "/mentoring join mentor|mentee <skills>").await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let current = request.ctx.store.participant(program.id, &request.user).await?;
    let (teach_skills, learn_skills) = if role == Role::Mentor { (tags, vec![]) } else { (vec![], tags) };
    let profile = Profile {
        role: Some(role),
        teach_skills,
        learn_skills,
        department: department.or_else(|| current.as_ref().and_then(|p| p.department.clone())),
        goals: current.as_ref().and_then(|p| p.goals.clone()),
        manager: manager.or_else(|| current.as_ref().and_then(|p| p.manager.clone())),
        level: level.or_else(|| current.as_ref().and_then(|p| p.level)),
    };
    match profile.validate() {
        Ok(valid) => save(request, program.id, valid, false).await,
        Err(errors) => {
            let problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
            request
                .reply(messages::usage_error(&problems.join(" "), "/mentoring join mentor|mentee <skill>, <skill>"))
                .await
        }
    }
}

pub(super) async fn submitted(request: &Request<'_>, program_id: i64, profile: ValidProfile) -> Result<()> {
    save(request, program_id, profile, true).await
}

/// Stores the profile (spelled as the catalogue spells it) and confirms: a command
/// with its ephemeral answer; a modal, which has nowhere to answer, by DM and a
/// refreshed App Home. A first join also gets the "before" confidence check by DM.
async fn save(request: &Request<'_>, program_id: i64, mut profile: ValidProfile, from_form: bool) -> Result<()> {
    let store = &request.ctx.store;
    let programs = store.programs(&request.ctx.team_id).await?;
    let Some(program) = programs.into_iter().find(|p| p.id == program_id) else {
        return request.reply(messages::reply("That program no longer exists: nothing was saved.")).await;
    };
    let catalogue = store.skills(program.id).await?;
    profile.teach_skills = canonical_tags(profile.teach_skills, &catalogue);
    profile.learn_skills = canonical_tags(profile.learn_skills, &catalogue);
    let tz = request.ctx.time_zone(&request.user).await?;
    let rejoined = store.participant(program.id, &request.user).await?.is_some();

    let mut tx = store.begin_for(request.inbox_id, request.ctx.now()).await?;
    tx.save_profile(program.id, &request.user, &profile).await?;
    let saved = tx.participant(program.id, &request.user).await?;
    let confirmation = messages::joined(&program, &saved, tz.as_deref(), rejoined);
    if from_form {
        tx.enqueue(&Outbound::DirectMessage { user: request.user.clone(), message: confirmation }).await?;
        tx.enqueue(&super::home::view_for(request, tz.as_deref(), Some((&program, &saved))).await?).await?;
    } else {
        tx.enqueue(&request.reply_to.with(confirmation)).await?;
    }
    if !rejoined {
        let invite = messages::confidence_invite(&program, &Side::of(saved.role), Phase::Before);
        tx.enqueue(&Outbound::DirectMessage { user: request.user.clone(), message: invite }).await?;
    }
    tx.commit().await?;
    tracing::info!(program = program.id, role = profile.role.as_str(), rejoined, "profile saved");
    Ok(())
}

/// Reads the join modal's fields into a checked profile, or the per-block errors Slack
/// shows beside each field (`response_action: errors`). Pure: it runs at the edge,
/// before the ack, because Slack only accepts field errors in the HTTP answer.
pub fn parse_submission(view: &SlackStatefulView) -> std::result::Result<(i64, ValidProfile), HashMap<String, String>> {
    let metadata = match &view.view {
        SlackView::Modal(modal) => modal.private_metadata.as_deref(),
        SlackView::Home(home) => home.private_metadata.as_deref(),
    };
    let program_id = metadata.and_then(|m| m.strip_prefix("program=")?.parse::<i64>().ok()).ok_or_else(|| {
        HashMap::from([(ids::ROLE_BLOCK.to_owned(), "This form is out of date: please open it again.".to_owned())])
    })?;
    let values = &view.state_params.state.as_ref().map(|s| &s.values);
    let field = |block: &str| values.and_then(|v| v.get(&SlackBlockId::new(block.to_owned())));
    let text = |block: &str| -> Option<String> {
        field(block)?.values().find_map(|v| v.value.clone()).filter(|t| !t.trim().is_empty())
    };
    let tags = |select_block: &str, text_block: &str| -> Vec<String> {
        let mut chosen: Vec<String> = field(select_block)
            .into_iter()
            .flat_map(|f| f.values())
            .flat_map(|v| v.selected_options.iter().flatten().map(|o| o.value.clone()))
            .collect();
        chosen.extend(split_tags(&text(text_block).unwrap_or_default()));
        split_tags(&chosen.join(","))
    };
    let manager = field(ids::MANAGER_BLOCK).and_then(|f| f.values().find_map(|v| v.selected_user.clone()));
    let role = field(ids::ROLE_BLOCK)
        .and_then(|f| f.values().find_map(|v| v.selected_option.as_ref()))
        .and_then(|o| Role::parse(&o.value));
    let mut teach_skills = tags(ids::TEACH_TAGS_BLOCK, ids::TEACH_BLOCK);
    let mut learn_skills = tags(ids::LEARN_TAGS_BLOCK, ids::LEARN_BLOCK);
    // A form with one "skills" field means the skills of the chosen role.
    let generic = split_tags(&text(ids::SKILLS_BLOCK).unwrap_or_default());
    match role {
        Some(Role::Mentor) => teach_skills.extend(generic),
        Some(Role::Mentee) => learn_skills.extend(generic),
        _ => {}
    }
    let has_generic_field = field(ids::SKILLS_BLOCK).is_some();
    let profile = Profile {
        role,
        teach_skills: split_tags(&teach_skills.join(",")),
        learn_skills: split_tags(&learn_skills.join(",")),
        department: text(ids::DEPARTMENT_BLOCK),
        goals: text(ids::GOALS_BLOCK),
        manager: manager.map(|m| m.to_string()),
        level: field(ids::LEVEL_BLOCK)
            .and_then(|f| f.values().find_map(|v| v.selected_option.as_ref()))
            .and_then(|o| o.value.parse().ok()),
    };
    profile.validate().map(|p| (program_id, p)).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| {
                let block = match e.field() {
                    ProfileField::Role => ids::ROLE_BLOCK,
                    _ if has_generic_field
                        && e.field() != ProfileField::Department
                        && e.field() != ProfileField::Goals =>
                    {
                        ids::SKILLS_BLOCK
                    }
                    ProfileField::TeachSkills => ids::TEACH_BLOCK,
                    ProfileField::LearnSkills => ids::LEARN_BLOCK,
                    ProfileField::Department => ids::DEPARTMENT_BLOCK,
                    ProfileField::Goals => ids::GOALS_BLOCK,
                    ProfileField::Manager => ids::MANAGER_BLOCK,
                    ProfileField::Level => ids::LEVEL_BLOCK,
                };
                (block.to_owned(), e.to_string())
            })
            .collect()
    })
}
