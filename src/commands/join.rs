//! Joining and changing a profile: the modal, its submission, and the one-line form.

use super::parser::JoinLine;
use super::{Context, Request, Result};
use crate::domain::outbound::{Message, Outbound};
use crate::domain::outcomes::{Phase, Side};
use crate::domain::participant::{Participant, Profile, Role, ValidProfile};
use crate::domain::program::Program;
use crate::slack::messages;
use crate::store::{Completion, JoinAtReceipt, Receipt};

const USAGE: &str = "/mentoring join";

pub(super) async fn open_form(request: &Request<'_>, program: Option<&str>, trigger_id: &str) -> Result<()> {
    let program = match request.program(program, USAGE).await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    super::join_form::show(request, &program, None, trigger_id).await
}

pub(super) async fn one_line(request: &Request<'_>, program: Option<&str>, line: JoinLine) -> Result<()> {
    let program = match request.program(program, ONE_LINE_USAGE).await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    save(request, &program, completion(line), false).await
}

const ONE_LINE_USAGE: &str = "/mentoring join mentor|mentee <skills>";

/// The profile a one-line join makes. What the line does not name stays as stored when
/// the change starts: an org-chart import applied in between is kept, not overwritten
/// with what it replaced.
fn completion(line: JoinLine) -> Completion {
    Box::new(move |current: Option<&Participant>| {
        let JoinLine { role, tags, department, manager, level, one_time } = line.clone();
        let (teach_skills, learn_skills) = if role == Role::Mentor { (tags, vec![]) } else { (vec![], tags) };
        let profile = Profile {
            role: Some(role),
            teach_skills,
            learn_skills,
            department: department.or_else(|| current.and_then(|p| p.department.clone())),
            goals: current.and_then(|p| p.goals.clone()),
            manager: manager.or_else(|| current.and_then(|p| p.manager.clone())),
            level: level.or_else(|| current.and_then(|p| p.level)),
            one_time: one_time.unwrap_or_else(|| current.is_some_and(|p| p.one_time)),
        };
        profile.validate().map_err(|errors| {
            let problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
            messages::usage_error(&problems.join(" "), "/mentoring join mentor|mentee <skill>, <skill>")
        })
    })
}

/// A one-line join for the edge to make as it stores the request (see
/// [`JoinAtReceipt`]), so that the ack carries the answer. The store leaves it to the
/// handlers when the line names no program and the workspace has several, when the
/// name is unknown, or when the directory has not seen the person yet: the handlers
/// ask.
pub fn at_receipt(ctx: &Context, user: &str, program: Option<&str>, line: &JoinLine) -> JoinAtReceipt {
    let (user_id, role) = (user.to_owned(), line.role);
    JoinAtReceipt {
        team_id: ctx.team_id.clone(),
        program: program.map(str::to_owned),
        user_id: user_id.clone(),
        complete: completion(line.clone()),
        first_join: Box::new(move |program: &Program| {
            let invite = messages::confidence_invite(program, &Side::of(role), Phase::Before);
            vec![Outbound::DirectMessage { user: user_id.clone(), message: invite }]
        }),
    }
}

/// What the ack answers to a join made at receipt: the confirmation or the problem;
/// `None` when the join was left to the handlers (or Slack sent it before), who answer
/// through the response URL.
pub fn answer_at_receipt(receipt: Receipt) -> Option<Message> {
    match receipt {
        Receipt::Joined(joined) => {
            Some(messages::joined(&joined.program, &joined.participant, joined.tz.as_deref(), joined.rejoined))
        }
        Receipt::Refused(problem) => Some(problem),
        Receipt::Stored | Receipt::Duplicate => None,
    }
}

pub(super) async fn submitted(request: &Request<'_>, program_id: i64, profile: ValidProfile) -> Result<()> {
    let Some(program) = request.ctx.store.program(program_id).await?.filter(|p| p.team_id == request.ctx.team_id)
    else {
        return request.reply(messages::reply("That program no longer exists: nothing was saved.")).await;
    };
    save(request, &program, |_| Ok(profile), true).await
}

/// Stores the profile (spelled as the catalogue spells it) and confirms: a command
/// with its ephemeral answer; a modal, which has nowhere to answer, by DM and a
/// refreshed App Home. A first join also gets the "before" confidence check by DM.
/// `complete` makes the profile from the person's participation as the change reads
/// it, or says what is wrong with the request.
async fn save(
    request: &Request<'_>,
    program: &Program,
    complete: impl FnOnce(Option<&Participant>) -> std::result::Result<ValidProfile, Message>,
    from_form: bool,
) -> Result<()> {
    let store = &request.ctx.store;
    let catalogue = store.skills(program.id).await?;
    let tz = request.ctx.time_zone(&request.user).await?;

    let mut tx = store.begin_for(request.inbox_id, request.ctx.now()).await?;
    let current = tx.profile(program.id, &request.user).await?;
    let rejoined = current.is_some();
    let profile = match complete(current.as_ref()) {
        Ok(profile) => profile.spelled_as(&catalogue),
        Err(problem) => {
            tx.enqueue(&request.reply_to.with(problem))?;
            tx.commit().await?;
            return Ok(());
        }
    };
    let saved = tx.save_profile(program.id, &request.user, &profile).await?;
    let confirmation = messages::joined(program, &saved, tz.as_deref(), rejoined);
    if from_form {
        tx.enqueue(&Outbound::DirectMessage { user: request.user.clone(), message: confirmation })?;
        tx.enqueue(&super::home::view_for(request, tz.as_deref(), Some((program, &saved)), None).await?)?;
    } else {
        tx.enqueue(&request.reply_to.with(confirmation))?;
    }
    if !rejoined {
        let invite = messages::confidence_invite(program, &Side::of(saved.role), Phase::Before);
        tx.enqueue(&Outbound::DirectMessage { user: request.user.clone(), message: invite })?;
    }
    tx.commit().await?;
    tracing::info!(program = program.id, role = profile.role.as_str(), rejoined, "profile saved");
    Ok(())
}
