//! Project pairs: `/mentoring project` from an owner (or a mentee, where the program
//! allows), the juniors proposed (pure, [`crate::domain::projects::proposals`]), the
//! owner's pick making the pair with its introduction, and the end: on the day after
//! the end date the pair ends and both get the closing reflection.
//!
//! The pair is an ordinary pair in a round of its own (`rounds.project_id`), so its
//! check-ins, reflections and exits are the rounds' own code.

use chrono::NaiveDate;

use super::{Context, Request, Result};
use crate::domain::outbound::Outbound;
use crate::domain::participant::{Participant, Status};
use crate::domain::projects::{check, proposals, Project, ProjectStatus, Reached};
use crate::domain::reflection::ValidReflection;
use crate::slack::messages::{self, Proposed};
use crate::store::{NewPair, NewRound};

use super::parser::PROJECT_USAGE;

/// `/mentoring project <YYYY-MM-DD> [@lead] <skills>: <goal>`.
pub(super) async fn create(
    request: &Request<'_>,
    program: Option<&str>,
    ends_on: NaiveDate,
    lead: Option<&str>,
    skills: &[String],
    goal: &str,
) -> Result<()> {
    let ctx = request.ctx;
    let program = match request.program(program, PROJECT_USAGE).await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let owner = ctx.is_owner(&request.user).await?;
    let lead = lead.unwrap_or(&request.user);
    if !owner && (lead != request.user || !ctx.store.mentee_projects(program.id).await?) {
        return request.reply(messages::projects_for_owners_only()).await;
    }
    if let Err(problem) = check(goal, skills, ends_on, ctx.today()) {
        return request.reply(messages::usage_error(&problem, PROJECT_USAGE)).await;
    }
    let participants = ctx.store.participants(program.id).await?;
    let Some(lead) = participants.iter().find(|p| p.user_id == lead && p.role.learns()) else {
        return request.reply(messages::project_lead_not_mentee(lead, &program.name)).await;
    };
    let settings = ctx.store.match_settings(program.id).await?;
    let time_zones = ctx.store.time_zones(&program.team_id).await?;
    let ranked = proposals(&settings, &participants, &time_zones, lead, skills, ctx.clock.now(), ctx.today());
    let proposed: Vec<Proposed> = ranked
        .iter()
        .filter_map(|&(id, score)| participants.iter().find(|p| p.id == id).map(|p| (p, score)))
        .map(|(p, score)| Proposed {
            participant_id: p.id,
            user: p.user_id.clone(),
            score,
            skills: p
                .teach_skills
                .iter()
                .filter(|s| skills.iter().any(|w| w.eq_ignore_ascii_case(s)))
                .cloned()
                .collect(),
        })
        .collect();
    let mut tx = ctx.store.begin_for(request.inbox_id, ctx.now()).await?;
    let id = tx.insert_project(program.id, lead.id, goal, skills, ends_on, &request.user).await?;
    let project = Project {
        id,
        program_id: program.id,
        lead_user: lead.user_id.clone(),
        goal: goal.to_owned(),
        skills: skills.to_vec(),
        ends_on,
        status: ProjectStatus::Proposed,
        pair_id: None,
    };
    if proposed.is_empty() {
        tx.enqueue(&request.reply_to.with(messages::project_no_junior(&project)))?;
    } else if owner {
        tx.enqueue(&request.reply_to.with(messages::project_proposal(&project, &proposed)))?;
    } else {
        for owner in ctx.all_owners().await? {
            let message = messages::project_proposal(&project, &proposed);
            tx.enqueue(&Outbound::DirectMessage { user: owner, message })?;
        }
        tx.enqueue(&request.reply_to.with(messages::project_sent_to_owners(&project)))?;
    }
    tx.commit().await?;
    tracing::info!(program = program.id, project = id, proposed = proposed.len(), "project proposed");
    Ok(())
}

/// *Pair them*: an owner's pick makes the project's pair live, introduced at once.
pub(super) async fn pick(request: &Request<'_>, value: Option<&str>) -> Result<()> {
    if !request.owner_only("pair juniors with projects").await? {
        return Ok(());
    }
    let ids = value.and_then(|v| v.split_once(':')).and_then(|(p, m)| Some((p.parse::<i64>().ok()?, m.parse().ok()?)));
    let project = match ids {
        Some((project_id, _)) => request.ctx.store.project(project_id).await?,
        None => None,
    };
    let (Some(project), Some((_, mentor_id))) = (project.filter(|p| p.status == ProjectStatus::Proposed), ids) else {
        return request.reply(messages::project_gone()).await;
    };
    let Some(mentor_user) = request.ctx.store.participant_user(project.program_id, mentor_id).await? else {
        return request.reply(messages::project_gone()).await;
    };
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    // Both are read inside the change: either may have left the program since the
    // owner was shown the choice.
    let in_program = |p: &Participant| p.status != Status::Left;
    let mentor = tx.profile(project.program_id, &mentor_user).await?.filter(in_program);
    let lead = tx.profile(project.program_id, &project.lead_user).await?.filter(in_program);
    let (Some(mentor), Some(lead)) = (mentor, lead) else {
        drop(tx);
        return request.reply(messages::project_gone()).await;
    };
    let pair = NewPair { mentor_id, mentee_id: lead.id, score: 0, reasons: vec![format!("project: {}", project.goal)] };
    let round = NewRound {
        program_id: project.program_id,
        started_by: &request.user,
        seed: 0,
        total_score: 0,
        upper_bound: 0,
        unmatched_json: "[]".to_owned(),
        // A project's pair is picked by an owner, not planned: no optimiser input to keep.
        inputs_hash: "",
        pairs: std::slice::from_ref(&pair),
        circle: false,
        project_id: Some(project.id),
    };
    let round_id = tx.insert_round(&round, true).await?;
    let pair_id = tx.round_pairs(round_id).await?.first().map(|p| p.id).unwrap_or_default();
    if !tx.start_project(project.id, pair_id).await? {
        // Another owner's pick came first: this change is dropped whole.
        drop(tx);
        return request.reply(messages::project_gone()).await;
    }
    let idea = request.ctx.agendas.idea(&project.skills, 0);
    let intro = messages::project_introduction(&project, &mentor.user_id, idea);
    tx.enqueue(&Outbound::GroupMessage { users: vec![mentor.user_id.clone(), lead.user_id.clone()], message: intro })?;
    tx.enqueue(&request.reply_to.with(messages::project_paired(&project, &mentor.user_id)))?;
    tx.commit().await?;
    request.ctx.store.schedule_changed.notify_one();
    tracing::info!(project = project.id, pair = pair_id, "project pair live");
    Ok(())
}

/// The end date passed: the pair ends and both are asked to close the project.
pub(super) async fn ended(ctx: &Context, inbox_id: i64, project_id: i64) -> Result<()> {
    let project = ctx.store.project(project_id).await?.filter(|p| p.status == ProjectStatus::Live);
    let pair = match project.as_ref().and_then(|p| p.pair_id) {
        Some(id) => ctx.store.pair(id).await?,
        None => None,
    };
    let mut tx = ctx.store.begin_for(inbox_id, ctx.now()).await?;
    if let Some(project) = project {
        if tx.end_project(project.id).await? {
            if let Some(pair) = pair {
                if pair.is_live() {
                    tx.end_pair(pair.id, "project").await?;
                }
                for user in [&pair.mentor_user, &pair.mentee_user] {
                    let message = messages::project_closing(&project);
                    tx.enqueue(&Outbound::DirectMessage { user: user.clone(), message })?;
                }
            }
            tracing::info!(project = project.id, "project ended");
        }
    }
    tx.commit().await?;
    Ok(())
}

/// *Close the project*: the closing reflection, for either of the pair.
pub(super) async fn open_closing(request: &Request<'_>, value: Option<&str>, trigger_id: &str) -> Result<()> {
    let project = match value.and_then(|v| v.parse::<i64>().ok()) {
        Some(id) => request.ctx.store.project(id).await?,
        None => None,
    };
    let pair = match project.as_ref().and_then(|p| p.pair_id) {
        Some(id) => request.ctx.store.pair(id).await?,
        None => None,
    };
    let (Some(project), Some(pair)) = (project, pair.filter(|p| p.has(&request.user))) else {
        return request.reply(messages::project_gone()).await;
    };
    let catalogue = request.ctx.store.skills(project.program_id).await?;
    let partner = pair.partner_of(&request.user).to_owned();
    let view = messages::project_closing_modal(&partner, &catalogue, project.program_id, &project, pair.id);
    request.answer(vec![Outbound::OpenView { trigger_id: trigger_id.to_owned(), view }]).await
}

/// The closing reflection: the reflection on the project's pair, and the answer.
pub(super) async fn closing_submitted(
    request: &Request<'_>,
    project_id: i64,
    pair_id: i64,
    reached: Reached,
    reflection: ValidReflection,
) -> Result<()> {
    // The form's metadata can be crafted: the pair must be this project's and the author's.
    let project = request.ctx.store.project(project_id).await?.filter(|p| p.pair_id == Some(pair_id));
    let pair = match project {
        Some(_) => request.ctx.store.pair(pair_id).await?.filter(|p| p.has(&request.user)),
        None => None,
    };
    let Some(pair) = pair else {
        return request.reply(messages::project_gone()).await;
    };
    let partner = pair.partner_of(&request.user).to_owned();
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    tx.insert_reflection(pair.id, None, &request.user, &reflection).await?;
    tx.save_project_answer(project_id, &request.user, reached).await?;
    tx.enqueue(&request.reply_to.with(messages::reflection_saved(&partner, &reflection)))?;
    if reflection.visibility.partner_reads() {
        let message = messages::reflection_shared(&request.user, &reflection);
        tx.enqueue(&Outbound::DirectMessage { user: partner, message })?;
    }
    tx.commit().await?;
    tracing::info!(project = project_id, reached = reached.as_str(), "project closed by one of its pair");
    Ok(())
}
