//! What makes it reverse mentoring: both people's goals for their pair, confidence
//! checks before and after a round, a thank-you for mentors who want one, and kudos
//! from mentees. Goal texts stay with the pair; owners get averages of ratings only.

use std::collections::BTreeMap;

use super::{Context, Request, Result};
use crate::domain::outbound::Outbound;
use crate::domain::outcomes::{person_uplift, skills_touched, topics, Phase, Rating, Side, ValidConfidence};
use crate::domain::pair::Pair;
use crate::domain::participant::Status;
use crate::slack::messages;

/// The live pair behind a goal button, if the presser belongs to it.
async fn own_live_pair(request: &Request<'_>, value: Option<&str>) -> Result<Option<Pair>> {
    let pair = match value.and_then(|v| v.parse::<i64>().ok()) {
        Some(id) => request.ctx.store.pair(id).await?,
        None => None,
    };
    Ok(pair.filter(|p| p.is_live() && p.has(&request.user)))
}

/// "Set our goals": the goal form for the person who pressed, with their current goal.
pub(super) async fn open_goal_form(request: &Request<'_>, value: Option<&str>, trigger_id: &str) -> Result<()> {
    let Some(pair) = own_live_pair(request, value).await? else {
        return request.reply(messages::checkin_gone()).await;
    };
    let current = request.ctx.store.goals_by(&request.user).await?.into_iter().find(|g| g.pair_id == pair.id);
    let side = if pair.mentor_user == request.user { Side::Mentor } else { Side::Mentee };
    let view =
        messages::goal_modal(pair.partner_of(&request.user), pair.id, side, current.as_ref().map(|g| g.goal.as_str()));
    request.answer(vec![Outbound::OpenView { trigger_id: trigger_id.to_owned(), view }]).await
}

/// A submitted goal: stored for the pair, confirmed to its author by DM.
pub(super) async fn goal_submitted(request: &Request<'_>, pair_id: i64, goal: &str) -> Result<()> {
    let Some(pair) = own_live_pair(request, Some(&pair_id.to_string())).await? else {
        return request.reply(messages::checkin_gone()).await;
    };
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    if !request.pair_still_live(&mut tx, pair.id).await? {
        return Ok(tx.commit().await?);
    }
    tx.save_goal(pair.id, &request.user, goal).await?;
    tx.enqueue(&request.reply_to.with(messages::goal_saved(pair.partner_of(&request.user), goal)))?;
    tx.commit().await?;
    tracing::info!(pair = pair.id, "goal stored");
    Ok(())
}

/// `/mentoring goals`: the person's own goals, and live pairs still without one.
pub(super) async fn list_goals(request: &Request<'_>) -> Result<()> {
    let store = &request.ctx.store;
    let mut goals = Vec::new();
    for goal in store.goals_by(&request.user).await? {
        if let Some(pair) = store.pair(goal.pair_id).await? {
            let partner = pair.partner_of(&request.user).to_owned();
            goals.push((goal, partner));
        }
    }
    let missing: Vec<(i64, String)> = store
        .live_pairs_of(&request.user)
        .await?
        .into_iter()
        .filter(|p| !goals.iter().any(|(g, _)| g.pair_id == p.id))
        .map(|p| (p.id, p.partner_of(&request.user).to_owned()))
        .collect();
    request.reply(messages::goals_list(&goals, &missing)).await
}

/// "Mark done": only the goal's author can.
pub(super) async fn goal_done(request: &Request<'_>, value: Option<&str>) -> Result<()> {
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    let done = match value.and_then(|v| v.parse::<i64>().ok()) {
        Some(id) => tx.mark_goal_done(id, &request.user).await?,
        None => false,
    };
    tx.enqueue(&request.reply_to.with(messages::goal_marked(done)))?;
    tx.commit().await?;
    Ok(())
}

/// Reads a confidence button's value: `program:side:phase`.
fn confidence_target(value: Option<&str>) -> Option<(i64, Side, Phase)> {
    let mut parts = value?.split(':');
    let program = parts.next()?.parse().ok()?;
    Some((program, Side::parse(parts.next()?)?, Phase::parse(parts.next()?)?))
}

/// The confidence form, for a side the person plays in a program they have not left.
pub(super) async fn open_confidence_form(request: &Request<'_>, value: Option<&str>, trigger_id: &str) -> Result<()> {
    let store = &request.ctx.store;
    let Some((program_id, side, phase)) = confidence_target(value) else {
        return request.reply(messages::confidence_not_asked()).await;
    };
    let program = store.program(program_id).await?;
    let participant = store.participant(program_id, &request.user).await?;
    let (Some(program), Some(participant)) = (program, participant) else {
        return request.reply(messages::confidence_not_asked()).await;
    };
    if participant.status == Status::Left || !side.played_by(participant.role) {
        return request.reply(messages::confidence_not_asked()).await;
    }
    let view = messages::confidence_modal(&program, side, phase, &topics(side, &participant.learn_skills));
    request.answer(vec![Outbound::OpenView { trigger_id: trigger_id.to_owned(), view }]).await
}

/// Submitted confidence ratings: stored (with a mentor's consent to be thanked). A
/// mentee's "after" also tells each of their mentors who asked to be thanked how much
/// the mentee's confidence grew, as one number.
pub(super) async fn confidence_submitted(
    request: &Request<'_>,
    program_id: i64,
    confidence: &ValidConfidence,
) -> Result<()> {
    let store = &request.ctx.store;
    let participant = store.participant(program_id, &request.user).await?;
    let program = store.program(program_id).await?;
    let (Some(program), Some(participant)) = (program, participant) else {
        return request.reply(messages::confidence_not_asked()).await;
    };
    if !confidence.side.played_by(participant.role) {
        return request.reply(messages::confidence_not_asked()).await;
    }
    let mut progress = Vec::new();
    if (confidence.side, confidence.phase) == (Side::Mentee, Phase::After) {
        let mut ratings: Vec<Rating> = store
            .confidence_ratings(program_id)
            .await?
            .into_iter()
            .filter(|r| !(r.user == request.user && r.side == Side::Mentee && r.phase == Phase::After))
            .collect();
        ratings.extend(confidence.ratings.iter().map(|(topic, rating)| Rating {
            user: request.user.clone(),
            side: Side::Mentee,
            phase: Phase::After,
            topic: topic.clone(),
            rating: *rating,
        }));
        if let Some(uplift) = person_uplift(&ratings, &request.user, Side::Mentee) {
            for mentor in store.mentors_of(program_id, &request.user).await? {
                if store.recognition(program_id, &mentor).await?.is_some() {
                    progress.push((mentor, uplift));
                }
            }
        }
    }
    let mut tx = store.begin_for(request.inbox_id, request.ctx.now()).await?;
    tx.save_confidence(program_id, &request.user, confidence).await?;
    tx.enqueue(&request.reply_to.with(messages::confidence_saved(confidence.phase, confidence.consent.is_some())))?;
    for (mentor, uplift) in &progress {
        let message = messages::mentee_progress(&program.name, *uplift);
        tx.enqueue(&Outbound::DirectMessage { user: mentor.clone(), message })?;
    }
    tx.commit().await?;
    tracing::info!(
        program = program_id,
        side = confidence.side.as_str(),
        phase = confidence.phase.as_str(),
        "confidence stored"
    );
    Ok(())
}

/// A round reached its end: everyone in its live pairs is asked how confident they feel
/// now, and mentors who agreed are thanked (and, if they asked, someone is told).
pub(super) async fn round_ended(ctx: &Context, inbox_id: i64, round_id: i64) -> Result<()> {
    let programs = ctx.store.all_programs().await?;
    let mut tx = ctx.store.begin_for(inbox_id, ctx.now()).await?;
    let pairs: Vec<Pair> = tx.round_pairs(round_id).await?.into_iter().filter(|p| p.is_live()).collect();
    let Some(program) = pairs.first().and_then(|p| programs.iter().find(|g| g.id == p.program_id)) else {
        tx.commit().await?;
        return Ok(());
    };
    let mut sides: BTreeMap<&str, Vec<Side>> = BTreeMap::new();
    let mut taught: BTreeMap<&str, (u64, Vec<Vec<String>>)> = BTreeMap::new();
    for pair in &pairs {
        for (user, side) in [(pair.mentor_user.as_str(), Side::Mentor), (pair.mentee_user.as_str(), Side::Mentee)] {
            let mine = sides.entry(user).or_default();
            if !mine.contains(&side) {
                mine.push(side);
            }
        }
        let (meetings, skills) = ctx.store.pair_outcome_facts(pair.id).await?;
        let entry = taught.entry(pair.mentor_user.as_str()).or_default();
        entry.0 += meetings;
        entry.1.extend(skills);
    }
    for (user, sides) in &sides {
        let message = messages::confidence_invite(program, sides, Phase::After);
        tx.enqueue(&Outbound::DirectMessage { user: (*user).to_owned(), message })?;
    }
    let mut thanked = 0;
    for (mentor, (sessions, skills)) in &taught {
        let Some(tell) = ctx.store.recognition(program.id, mentor).await? else { continue };
        let skills = skills_touched(skills);
        let message = messages::mentor_thanks(&program.name, *sessions, &skills, tell.as_deref());
        tx.enqueue(&Outbound::DirectMessage { user: (*mentor).to_owned(), message })?;
        if let Some(person) = tell {
            let message = messages::recognition_note(&program.name, mentor, *sessions, &skills);
            tx.enqueue(&Outbound::DirectMessage { user: person, message })?;
        }
        thanked += 1;
    }
    tx.commit().await?;
    tracing::info!(round = round_id, pairs = pairs.len(), thanked, "round ended");
    Ok(())
}

/// `/mentoring kudos @mentor [public] [message]`: only to someone who mentors or
/// mentored the sender; `public` also tells the owners.
pub(super) async fn kudos(request: &Request<'_>, mentor: &str, public: bool, message: Option<&str>) -> Result<()> {
    if !request.ctx.store.was_mentor_of(mentor, &request.user).await? {
        tracing::info!("kudos refused: not the sender's mentor");
        return request.reply(messages::kudos_refused(mentor)).await;
    }
    let mut out =
        vec![Outbound::DirectMessage { user: mentor.to_owned(), message: messages::kudos(&request.user, message) }];
    if public {
        for owner in request.ctx.all_owners().await? {
            let note = messages::kudos_for_owners(&request.user, mentor, message);
            out.push(Outbound::DirectMessage { user: owner, message: note });
        }
    }
    out.push(request.reply_to.with(messages::kudos_sent(mentor, public)));
    request.answer(out).await
}
