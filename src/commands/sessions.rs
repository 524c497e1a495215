//! One-time sessions: `/mentoring ask` (or the App Home's form) from a mentee, the
//! mentors asked one at a time (*Accept*, *Not this time*, or the answer time running
//! out, which the scheduler turns into [`Event::SessionOfferExpired`]), the group DM of
//! the first to accept, *We met* and the reflections.
//!
//! Who is asked next is decided purely in [`crate::domain::sessions::candidates`]; each
//! step stores its state change and the messages it causes in one transaction, and
//! the store's updates are conditional, so an acceptance racing an expiry ends one way.
//!
//! [`Event::SessionOfferExpired`]: crate::event::Event::SessionOfferExpired

use super::{Context, Request, Result};
use crate::domain::outbound::Outbound;
use crate::domain::program::Program;
use crate::domain::reflection::ValidReflection;
use crate::domain::sessions::{candidates, split_request, Pool, Session, SessionStatus, MAX_QUESTION, RECENT_DAYS};
use crate::slack::messages;
use crate::store::Tx;

use super::parser::ASK_USAGE;

/// Skills a request may name: the program's catalogue, then what its mentors teach,
/// each once whatever its case (a set, as a company's mentors name thousands).
async fn known_skills(ctx: &Context, program_id: i64) -> Result<Vec<String>> {
    let mut known = ctx.store.skills(program_id).await?;
    let mut seen: std::collections::HashSet<String> = known.iter().map(|k| k.to_lowercase()).collect();
    for person in ctx.store.participants(program_id).await? {
        for skill in person.teach_skills {
            if seen.insert(skill.to_lowercase()) {
                known.push(skill);
            }
        }
    }
    Ok(known)
}

/// `/mentoring ask <skill> [what I want to learn]`.
pub(super) async fn ask(request: &Request<'_>, program: Option<&str>, text: &str) -> Result<()> {
    let program = match request.program(program, ASK_USAGE).await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let known = known_skills(request.ctx, program.id).await?;
    let Some((skill, question)) = split_request(text, &known) else {
        return request.reply(messages::ask_unknown_skill(text, &known)).await;
    };
    start(request, &program, &skill, question.as_deref()).await
}

/// The App Home's request form, checked at the edge.
pub(super) async fn asked_by_form(
    request: &Request<'_>,
    program_id: i64,
    skill: &str,
    question: Option<&str>,
) -> Result<()> {
    let program = request.ctx.store.program(program_id).await?;
    let Some(program) = program else {
        return request.reply(messages::session_gone()).await;
    };
    start(request, &program, skill, question).await
}

/// *Ask for a one-time session* in the App Home: the request form, for the program
/// named by the button.
pub(super) async fn open_form(request: &Request<'_>, value: Option<&str>, trigger_id: &str) -> Result<()> {
    let Some(program) = request.program_of_button(value).await? else {
        return request.reply(messages::session_gone()).await;
    };
    let skills = known_skills(request.ctx, program.id).await?;
    let view = messages::ask_modal(&program, &skills);
    request.answer(vec![Outbound::OpenView { trigger_id: trigger_id.to_owned(), view }]).await
}

/// Stores the request and asks the first mentor, or tells the mentee nobody is there.
async fn start(request: &Request<'_>, program: &Program, skill: &str, question: Option<&str>) -> Result<()> {
    let ctx = request.ctx;
    let mentee = ctx.store.participant(program.id, &request.user).await?;
    let Some(mentee) = mentee.filter(|m| m.role.learns()) else {
        return request.reply(messages::ask_join_first(&program.name)).await;
    };
    if question.is_some_and(|q| q.chars().count() > MAX_QUESTION) {
        let problem = format!("Please keep what you want to learn under {MAX_QUESTION} characters.");
        return request.reply(messages::usage_error(&problem, ASK_USAGE)).await;
    }
    if let Some(open) = ctx.store.open_session(mentee.id, skill).await? {
        return request.reply(messages::ask_already_open(&open)).await;
    }
    let hours = ctx.store.session_hours(program.id).await?;
    let mut tx = ctx.store.begin_for(request.inbox_id, ctx.now()).await?;
    let id = tx.insert_session(program.id, mentee.id, skill, question).await?;
    let session = Session {
        id,
        program_id: program.id,
        mentee_user: request.user.clone(),
        mentor_user: None,
        skill: skill.to_owned(),
        question: question.map(str::to_owned),
        status: SessionStatus::Asking,
        created_at: ctx.now(),
        matched_at: None,
    };
    let answer = if ask_next(ctx, &mut tx, &session, program).await? {
        messages::session_asking(skill, hours)
    } else {
        messages::session_unmet(skill, false)
    };
    tx.enqueue(&request.reply_to.with(answer))?;
    tx.commit().await?;
    ctx.store.schedule_changed.notify_one();
    tracing::info!(program = program.id, session = id, "one-time session asked for");
    Ok(())
}

/// Asks the best mentor not asked yet, inside `tx`; with nobody left, marks the request
/// unmet. `true` when a mentor was asked.
async fn ask_next(ctx: &Context, tx: &mut Tx, session: &Session, program: &Program) -> Result<bool> {
    let asked = tx.asked_mentors(session.id).await?;
    let participants = ctx.store.participants(program.id).await?;
    let settings = ctx.store.match_settings(program.id).await?;
    let time_zones = ctx.store.time_zones(&program.team_id).await?;
    let recent = ctx.store.recent_sessions(program.id, ctx.now() - RECENT_DAYS * 24 * 3600).await?;
    let hours = ctx.store.session_hours(program.id).await?;
    let pool = Pool {
        settings: &settings,
        participants: &participants,
        time_zones: &time_zones,
        asked: &asked,
        recent: &recent,
    };
    let next = participants
        .iter()
        .find(|p| p.user_id == session.mentee_user)
        .and_then(|mentee| candidates(&pool, mentee, &session.skill, ctx.clock.now(), ctx.today()).first().copied())
        .and_then(|id| participants.iter().find(|p| p.id == id));
    match next {
        Some(mentor) => {
            tx.offer_session(session.id, mentor.id).await?;
            let message = messages::session_request(session, hours);
            tx.enqueue(&Outbound::DirectMessage { user: mentor.user_id.clone(), message })?;
            tracing::info!(session = session.id, mentor = mentor.id, "mentor asked for a one-time session");
            Ok(true)
        }
        None => {
            tx.session_unmet(session.id).await?;
            tracing::info!(session = session.id, asked = asked.len(), "one-time session unmet");
            Ok(false)
        }
    }
}

/// The request behind a button, and the presser's participant id in its program.
async fn pressed(request: &Request<'_>, value: Option<&str>) -> Result<Option<(Session, Program, i64)>> {
    let Some(session) = (match value.and_then(|v| v.parse::<i64>().ok()) {
        Some(id) => request.ctx.store.session(id).await?,
        None => None,
    }) else {
        return Ok(None);
    };
    let program = request.ctx.store.program(session.program_id).await?;
    let me = request.ctx.store.participant(session.program_id, &request.user).await?;
    Ok(program.zip(me).map(|(program, me)| (session, program, me.id)))
}

/// *Accept*: the first mentor to accept gets the session and a group DM with the mentee.
pub(super) async fn accept(request: &Request<'_>, value: Option<&str>) -> Result<()> {
    let Some((session, _, me)) = pressed(request, value).await? else {
        return request.reply(messages::session_gone()).await;
    };
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    if tx.accept_session(session.id, me).await? {
        let matched = Session { mentor_user: Some(request.user.clone()), status: SessionStatus::Matched, ..session };
        let idea = request.ctx.agendas.idea(std::slice::from_ref(&matched.skill), 0);
        let intro = messages::session_introduction(&matched, &request.user, idea);
        let users = vec![request.user.clone(), matched.mentee_user.clone()];
        tx.enqueue(&Outbound::GroupMessage { users, message: intro })?;
        tx.enqueue(&request.reply_to.with(messages::session_accepted(&matched.mentee_user)))?;
        tracing::info!(session = matched.id, "one-time session matched");
    } else {
        // Read again: another mentor's acceptance may have committed since the first read.
        let current = tx.session(session.id).await?;
        let taken = current.is_some_and(|s| s.mentor_user.is_some() && !s.has(&request.user));
        let answer = if taken { messages::session_taken() } else { messages::session_gone() };
        tx.enqueue(&request.reply_to.with(answer))?;
    }
    tx.commit().await?;
    Ok(())
}

/// *Not this time*: if theirs was the open request, the next mentor is asked now.
pub(super) async fn decline(request: &Request<'_>, value: Option<&str>) -> Result<()> {
    let Some((session, program, me)) = pressed(request, value).await? else {
        return request.reply(messages::session_gone()).await;
    };
    let ctx = request.ctx;
    let mut tx = ctx.store.begin_for(request.inbox_id, ctx.now()).await?;
    // Read inside the change: a request another mentor accepted meanwhile asks nobody else.
    let asking = tx.session(session.id).await?.is_some_and(|s| s.status == SessionStatus::Asking);
    match tx.decline_offer(session.id, me).await? {
        None => tx.enqueue(&request.reply_to.with(messages::session_gone()))?,
        Some(open) => {
            tx.enqueue(&request.reply_to.with(messages::session_declined()))?;
            if open && asking {
                next_or_unmet(ctx, &mut tx, &session, &program).await?;
            }
        }
    }
    tx.commit().await?;
    ctx.store.schedule_changed.notify_one();
    Ok(())
}

/// The asked mentor's answer time ran out: the next candidate is asked.
pub(super) async fn expired(ctx: &Context, inbox_id: i64, session_id: i64, asked_at: i64) -> Result<()> {
    let mut tx = ctx.store.begin_for(inbox_id, ctx.now()).await?;
    // Read inside the change: an acceptance committed since the timer fired stands.
    let session = tx.session(session_id).await?.filter(|s| s.status == SessionStatus::Asking);
    let program = match &session {
        Some(s) => ctx.store.program(s.program_id).await?,
        None => None,
    };
    if let (Some(session), Some(program)) = (session, program) {
        if tx.expire_offer(session.id, asked_at).await? {
            tracing::info!(session = session.id, "a mentor's answer time ran out");
            next_or_unmet(ctx, &mut tx, &session, &program).await?;
        }
    }
    tx.commit().await?;
    ctx.store.schedule_changed.notify_one();
    Ok(())
}

/// Asks the next mentor; with nobody left, tells the mentee by DM.
async fn next_or_unmet(ctx: &Context, tx: &mut Tx, session: &Session, program: &Program) -> Result<()> {
    if !ask_next(ctx, tx, session, program).await? {
        let message = messages::session_unmet(&session.skill, true);
        tx.enqueue(&Outbound::DirectMessage { user: session.mentee_user.clone(), message })?;
    }
    Ok(())
}

/// *We met* (in the group DM) and *Write a reflection* (the partner's DM): the first
/// *We met* records the session as held and invites the partner; both open the form.
pub(super) async fn reflect(request: &Request<'_>, value: Option<&str>, trigger_id: &str, held: bool) -> Result<()> {
    let session = match value.and_then(|v| v.parse::<i64>().ok()) {
        Some(id) => request.ctx.store.session(id).await?,
        None => None,
    };
    let live = |s: &Session| matches!(s.status, SessionStatus::Matched | SessionStatus::Held);
    let Some(session) = session.filter(|s| s.has(&request.user) && live(s)) else {
        return request.reply(messages::session_gone()).await;
    };
    let partner = session.partner_of(&request.user).to_owned();
    let catalogue = request.ctx.store.skills(session.program_id).await?;
    let view = messages::session_reflection_modal(&partner, &catalogue, session.program_id, session.id);
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    if held && tx.session_held(session.id).await? {
        let message = messages::session_reflect_invite(&request.user, &session);
        tx.enqueue(&Outbound::DirectMessage { user: partner, message })?;
        tracing::info!(session = session.id, "one-time session held");
    }
    tx.enqueue(&Outbound::OpenView { trigger_id: trigger_id.to_owned(), view })?;
    tx.commit().await?;
    Ok(())
}

/// A session's reflection: stored, confirmed, and copied to the partner if so chosen.
pub(super) async fn reflection_submitted(
    request: &Request<'_>,
    session_id: i64,
    reflection: ValidReflection,
) -> Result<()> {
    let session = request.ctx.store.session(session_id).await?;
    let Some(session) = session.filter(|s| s.has(&request.user) && s.status == SessionStatus::Held) else {
        return request.reply(messages::session_gone()).await;
    };
    let partner = session.partner_of(&request.user).to_owned();
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    tx.insert_session_reflection(session.id, &request.user, &reflection).await?;
    tx.enqueue(&request.reply_to.with(messages::reflection_saved(&partner, &reflection)))?;
    if reflection.visibility.partner_reads() {
        let message = messages::reflection_shared(&request.user, &reflection);
        tx.enqueue(&Outbound::DirectMessage { user: partner, message })?;
    }
    tx.commit().await?;
    tracing::info!(session = session.id, visibility = reflection.visibility.as_str(), "session reflection stored");
    Ok(())
}
