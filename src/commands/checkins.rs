//! Between sessions: the check-in a pair is sent when it comes due, its buttons (we
//! met, not yet, snooze, pause), and reflections (the form, its submission, the list).

use chrono::Duration;
use chrono_tz::Tz;

use super::{Context, Request, Result};
use crate::domain::checkins::{delivery_time, parse_time_zone, stalled};
use crate::domain::outbound::Outbound;
use crate::domain::pair::Pair;
use crate::domain::participant::shared_skills;
use crate::domain::reflection::ValidReflection;
use crate::slack::messages;
use crate::store::Tx;

async fn program_name(ctx: &Context, program_id: i64) -> Result<String> {
    Ok(ctx.store.program(program_id).await?.map(|p| p.name).unwrap_or_default())
}

async fn send_nudge(
    ctx: &Context,
    tx: &mut Tx,
    pair: &Pair,
    checkin_id: i64,
    gentle: bool,
    reminder: bool,
    first: bool,
) -> Result<()> {
    let program = program_name(ctx, pair.program_id).await?;
    let (mentor, mentee) = (&pair.mentor_user, &pair.mentee_user);
    // A circle's check-in goes to the whole circle, in its one conversation.
    let mentees: Vec<String> = if pair.circle {
        ctx.store.circle_pairs(pair.mentor_id).await?.into_iter().map(|p| p.mentee_user).collect()
    } else {
        vec![mentee.clone()]
    };
    let mut message = messages::nudge(&program, mentor, &mentees, checkin_id, pair.id, gentle, reminder);
    let goals = ctx.store.open_goals(pair.id).await?;
    messages::add_goals(&mut message, pair.id, mentor, &goals, first);
    let teach = ctx.store.participant(pair.program_id, mentor).await?.map(|p| p.teach_skills).unwrap_or_default();
    let learn = ctx.store.participant(pair.program_id, mentee).await?.map(|p| p.learn_skills).unwrap_or_default();
    let turn = usize::try_from(checkin_id).unwrap_or_default();
    if let Some(idea) = ctx.agendas.idea(&shared_skills(&teach, &learn), turn) {
        messages::add_session_idea(&mut message, idea);
    }
    let users = std::iter::once(mentor.clone()).chain(mentees).collect();
    tx.enqueue(&Outbound::GroupMessage { users, message })?;
    Ok(())
}

/// A check-in came due: stored and sent in one change. A pair that has not met for two
/// check-ins gets the gentler nudge; a pair's first check-in asks both for their goals,
/// and every check-in shows the goals still open.
pub(super) async fn due(ctx: &Context, inbox_id: i64, pair_id: i64, due: i64) -> Result<()> {
    let mut tx = ctx.store.begin_for(inbox_id, ctx.now()).await?;
    // Read inside the change: a pair paused or ended since the timer fired is not nudged.
    if let Some(pair) = tx.pair(pair_id).await?.filter(|p| p.is_live() && !p.paused) {
        let history = tx.meetings_of(pair.id).await?;
        let gentle = stalled(&history);
        if let Some(checkin_id) = tx.insert_checkin(pair.id, due, gentle).await? {
            send_nudge(ctx, &mut tx, &pair, checkin_id, gentle, false, history.is_empty()).await?;
            tracing::info!(pair = pair.id, checkin = checkin_id, gentle, "check-in sent");
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A snoozed check-in is asked again, unless the pair met or ended in between.
pub(super) async fn remind(ctx: &Context, inbox_id: i64, checkin_id: i64) -> Result<()> {
    let mut tx = ctx.store.begin_for(inbox_id, ctx.now()).await?;
    // Read once the change has started: a meeting, a pause or an end since the timer
    // fired asks nobody again.
    let checkin = ctx.store.checkin(checkin_id).await?.filter(|c| c.answer.as_deref() != Some("met"));
    let pair = match &checkin {
        Some(c) => tx.pair(c.pair_id).await?.filter(|p| p.is_live() && !p.paused),
        None => None,
    };
    if let (Some(checkin), Some(pair)) = (checkin, pair) {
        send_nudge(ctx, &mut tx, &pair, checkin.id, false, true, false).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The live pair behind a check-in button, if the presser belongs to it. A circle's
/// check-in is its first pair's; any member may answer it, for their own pair.
async fn checkin_pair(request: &Request<'_>, value: Option<&str>) -> Result<Option<(i64, Pair)>> {
    let Some(checkin_id) = value.and_then(|v| v.split(':').next()?.parse::<i64>().ok()) else {
        return Ok(None);
    };
    let Some(checkin) = request.ctx.store.checkin(checkin_id).await? else { return Ok(None) };
    let pair = request.ctx.store.pair(checkin.pair_id).await?.filter(|p| p.is_live());
    let pair = match pair {
        Some(p) if p.circle && !p.has(&request.user) => {
            request.ctx.store.circle_pairs(p.mentor_id).await?.into_iter().find(|c| c.has(&request.user))
        }
        other => other.filter(|p| p.has(&request.user)),
    };
    Ok(pair.map(|p| (checkin_id, p)))
}

/// "We met": recorded, and the reflection form opens for the person who pressed.
pub(super) async fn met(request: &Request<'_>, value: Option<&str>, trigger_id: &str) -> Result<()> {
    let Some((checkin_id, pair)) = checkin_pair(request, value).await? else {
        return request.reply(messages::checkin_gone()).await;
    };
    let catalogue = request.ctx.store.skills(pair.program_id).await?;
    // In a circle the check-in is its first pair's: others reflect on their own pair.
    let own = request.ctx.store.checkin(checkin_id).await?.is_some_and(|c| c.pair_id == pair.id);
    let view = messages::reflection_modal(
        pair.partner_of(&request.user),
        &catalogue,
        pair.program_id,
        pair.id,
        own.then_some(checkin_id),
    );
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    if !request.pair_still_live(&mut tx, pair.id).await? {
        return Ok(tx.commit().await?);
    }
    tx.answer_checkin(checkin_id, true, &request.user).await?;
    tx.enqueue(&Outbound::OpenView { trigger_id: trigger_id.to_owned(), view })?;
    tx.commit().await?;
    Ok(())
}

/// "Not yet": recorded, with an offer to ask again in a few days.
pub(super) async fn not_yet(request: &Request<'_>, value: Option<&str>) -> Result<()> {
    let Some((checkin_id, pair)) = checkin_pair(request, value).await? else {
        return request.reply(messages::checkin_gone()).await;
    };
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    if !request.pair_still_live(&mut tx, pair.id).await? {
        return Ok(tx.commit().await?);
    }
    tx.answer_checkin(checkin_id, false, &request.user).await?;
    tx.enqueue(&request.reply_to.with(messages::not_yet(checkin_id)))?;
    tx.commit().await?;
    Ok(())
}

/// The most a check-in may be snoozed by, in days.
const MAX_SNOOZE_DAYS: i64 = 14;

/// "Ask again in N days": the reminder lands in the pair's working hours.
pub(super) async fn snooze(request: &Request<'_>, value: Option<&str>) -> Result<()> {
    let days =
        value.and_then(|v| v.split(':').nth(1)?.parse::<i64>().ok()).filter(|d| (1..=MAX_SNOOZE_DAYS).contains(d));
    let (Some(days), Some((checkin_id, pair))) = (days, checkin_pair(request, value).await?) else {
        return request.reply(messages::checkin_gone()).await;
    };
    let ctx = request.ctx;
    let settings = ctx.store.checkin_settings(pair.program_id).await?;
    let zone = |name: Option<String>| name.and_then(|n| n.parse::<Tz>().ok());
    let mentee = zone(ctx.store.cached_time_zone(&ctx.team_id, &pair.mentee_user).await?.flatten());
    let mentor = zone(ctx.store.cached_time_zone(&ctx.team_id, &pair.mentor_user).await?.flatten());
    let program_zone = parse_time_zone(&settings.time_zone).unwrap_or(chrono_tz::UTC);
    let at = delivery_time(
        ctx.clock.now() + Duration::days(days),
        mentee,
        mentor,
        program_zone,
        settings.window,
        settings.weekends,
    );
    let mut tx = ctx.store.begin_for(request.inbox_id, ctx.now()).await?;
    if !request.pair_still_live(&mut tx, pair.id).await? {
        return Ok(tx.commit().await?);
    }
    tx.snooze_checkin(checkin_id, at.timestamp()).await?;
    let when = at.with_timezone(&mentee.unwrap_or(program_zone)).format("on %A %-d %B").to_string();
    tx.enqueue(&request.reply_to.with(messages::snoozed(&when)))?;
    tx.commit().await?;
    ctx.store.schedule_changed.notify_one();
    Ok(())
}

/// "Pause our pair" and "Resume check-ins".
pub(super) async fn pause_pair(request: &Request<'_>, value: Option<&str>, pause: bool) -> Result<()> {
    let Some(pair_id) = value.and_then(|v| v.parse::<i64>().ok()) else {
        return request.reply(messages::checkin_gone()).await;
    };
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    // Read inside the change: a pair its partner ended meanwhile is not paused, and
    // the presser hears that it is gone rather than that it was paused already.
    let pair = tx.pair(pair_id).await?.filter(|p| p.is_live());
    // A circle's check-ins are its first pair's: any member may pause them.
    let member = match &pair {
        Some(p) if p.circle => tx.circle_pairs(p.mentor_id).await?.iter().any(|c| c.has(&request.user)),
        Some(p) => p.has(&request.user),
        None => false,
    };
    let answer = match pair.filter(|_| member) {
        None => messages::checkin_gone(),
        Some(pair) => {
            let changed = tx.set_pair_paused(pair.id, pause).await?;
            tracing::info!(pair = pair.id, pause, changed, "pair check-ins paused or resumed");
            if pause {
                messages::pair_paused(pair.id, !changed)
            } else {
                messages::pair_resumed(changed)
            }
        }
    };
    tx.enqueue(&request.reply_to.with(answer))?;
    tx.commit().await?;
    request.ctx.store.schedule_changed.notify_one();
    Ok(())
}

/// `/mentoring reflect [@partner]`: the reflection form, any time.
pub(super) async fn reflect(request: &Request<'_>, partner: Option<&str>, trigger_id: &str) -> Result<()> {
    let pair = match request.live_pair(partner, messages::no_live_pair()).await? {
        Ok(pair) => pair,
        Err(answer) => return request.reply(answer).await,
    };
    let catalogue = request.ctx.store.skills(pair.program_id).await?;
    let view = messages::reflection_modal(pair.partner_of(&request.user), &catalogue, pair.program_id, pair.id, None);
    request.answer(vec![Outbound::OpenView { trigger_id: trigger_id.to_owned(), view }]).await
}

/// A submitted reflection: stored, confirmed to its author, and copied to the partner
/// only if the author chose so.
pub(super) async fn submitted(
    request: &Request<'_>,
    pair_id: i64,
    checkin_id: Option<i64>,
    reflection: ValidReflection,
) -> Result<()> {
    let pair = request.ctx.store.pair(pair_id).await?.filter(|p| p.has(&request.user));
    let Some(pair) = pair else {
        return request.reply(messages::checkin_gone()).await;
    };
    // The form names its check-in in private metadata, which a crafted submission can
    // change: the check-in must exist and be this pair's, or nothing is stored.
    if let Some(checkin_id) = checkin_id {
        let belongs = request.ctx.store.checkin(checkin_id).await?.is_some_and(|c| c.pair_id == pair.id);
        if !belongs {
            tracing::warn!(pair = pair.id, checkin = checkin_id, "reflection names another pair's check-in");
            return request.reply(messages::checkin_gone()).await;
        }
    }
    let partner = pair.partner_of(&request.user).to_owned();
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    tx.insert_reflection(pair.id, checkin_id, &request.user, &reflection).await?;
    tx.enqueue(&request.reply_to.with(messages::reflection_saved(&partner, &reflection)))?;
    if reflection.visibility.partner_reads() {
        let message = messages::reflection_shared(&request.user, &reflection);
        tx.enqueue(&Outbound::DirectMessage { user: partner, message })?;
    }
    tx.commit().await?;
    tracing::info!(pair = pair.id, visibility = reflection.visibility.as_str(), "reflection stored");
    Ok(())
}

/// `/mentoring reflections`: the person's own (pairs' and one-time sessions'), texts
/// included, newest first.
pub(super) async fn list(request: &Request<'_>) -> Result<()> {
    let mut rows = request.ctx.store.reflections_by(&request.user).await?;
    rows.extend(request.ctx.store.session_reflections_by(&request.user).await?);
    rows.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    request.reply(messages::reflections_list(&rows)).await
}
