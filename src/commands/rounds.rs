//! Owners' matching rounds (preview, confirm, unpair) and the pair's answers to its
//! introduction.

use super::{Context, Request, Result};
use crate::event::SCHEDULER;
use crate::rounds::{self, Plan};
use crate::slack::messages;
use crate::slack::Outbound;
use crate::store::Program;

const USAGE: &str = "/mentoring match [confirm]";

async fn plan(request: &Request<'_>, program: &Program) -> Result<Plan> {
    let inputs = rounds::load(&request.ctx.store, program).await?;
    Ok(rounds::plan(&inputs, request.ctx.clock.now(), request.ctx.today()))
}

/// `match`: plans a round and stores it as the program's preview.
pub(super) async fn preview(request: &Request<'_>, program: Option<&str>) -> Result<()> {
    if !request.owner_only("run matching rounds").await? {
        return Ok(());
    }
    let program = match request.program(program, USAGE).await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let plan = plan(request, &program).await?;
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    rounds::commit(&mut tx, &plan, &request.user, false, &request.ctx.agendas).await?;
    tx.enqueue(&request.reply_to.with(messages::round_preview(&plan, false))).await?;
    tx.commit().await?;
    tracing::info!(program = program.id, pairs = plan.pairs.len(), "round previewed");
    Ok(())
}

/// `match confirm`: makes the preview live if it still holds. If people changed in
/// between, the owner gets the new proposal to confirm instead of pairs they never saw.
pub(super) async fn confirm(request: &Request<'_>, program: Option<&str>) -> Result<()> {
    if !request.owner_only("run matching rounds").await? {
        return Ok(());
    }
    let program = match request.program(program, USAGE).await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let proposal = request.ctx.store.proposal(program.id).await?;
    let plan = plan(request, &program).await?;
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    let previewed: Option<Vec<(i64, i64)>> =
        proposal.as_ref().map(|(_, pairs)| pairs.iter().map(|p| (p.mentor_id, p.mentee_id)).collect());
    let answer = match proposal {
        _ if plan.pairs.is_empty() => messages::nothing_to_confirm(&program.name),
        Some((round, _)) if previewed == Some(plan.pair_ids()) => {
            rounds::confirm(&mut tx, round.id, &program.name, &request.ctx.agendas).await?;
            tracing::info!(program = program.id, round = round.id, pairs = plan.pairs.len(), "round confirmed");
            messages::round_confirmed(&program.name, plan.pairs.len(), plan.unmatched.len())
        }
        _ => {
            rounds::commit(&mut tx, &plan, &request.user, false, &request.ctx.agendas).await?;
            messages::round_preview(&plan, true)
        }
    };
    tx.enqueue(&request.reply_to.with(answer)).await?;
    tx.commit().await?;
    Ok(())
}

/// An automatic round: planned and made live at once, with the owners told by DM.
pub(super) async fn scheduled(ctx: &Context, inbox_id: i64, program_id: i64) -> Result<()> {
    let program = ctx.store.all_programs().await?.into_iter().find(|p| p.id == program_id);
    let mut tx = ctx.store.begin_for(inbox_id, ctx.now()).await?;
    if let Some(program) = program {
        let inputs = rounds::load(&ctx.store, &program).await?;
        let plan = rounds::plan(&inputs, ctx.clock.now(), ctx.today());
        if !plan.pairs.is_empty() {
            rounds::commit(&mut tx, &plan, SCHEDULER, true, &ctx.agendas).await?;
        }
        for owner in &ctx.all_owners().await? {
            let message = messages::automatic_round(&program.name, plan.pairs.len(), plan.unmatched.len());
            tx.enqueue(&Outbound::DirectMessage { user: owner.clone(), message }).await?;
        }
        tracing::info!(program = program.id, pairs = plan.pairs.len(), "automatic round done");
    }
    tx.commit().await?;
    Ok(())
}

/// `unpair @someone`: ends their live pairs and tells each partner kindly.
pub(super) async fn unpair(request: &Request<'_>, program: Option<&str>, user: &str) -> Result<()> {
    if !request.owner_only("end pairs").await? {
        return Ok(());
    }
    let program = match request.program(program, "/mentoring unpair @someone").await? {
        Ok(p) => p,
        Err(question) => return request.reply(question).await,
    };
    let live: Vec<_> =
        request.ctx.store.pairs(program.id, "active").await?.into_iter().filter(|p| p.has(user)).collect();
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    for pair in &live {
        tx.end_pair(pair.id, &request.user).await?;
        for (person, partner) in [(&pair.mentor_user, &pair.mentee_user), (&pair.mentee_user, &pair.mentor_user)] {
            let message = messages::pair_ended(&program.name, partner);
            tx.enqueue(&Outbound::DirectMessage { user: person.clone(), message }).await?;
        }
    }
    tx.enqueue(&request.reply_to.with(messages::unpaired(&program.name, user, &live))).await?;
    tx.commit().await?;
    tracing::info!(program = program.id, ended = live.len(), "pairs ended by an owner");
    Ok(())
}

/// "We've scheduled our first session": only the pair's own people may press it.
pub(super) async fn scheduled_first(request: &Request<'_>, value: Option<&str>) -> Result<()> {
    let pair = match value.and_then(|v| v.parse::<i64>().ok()) {
        Some(id) => request.ctx.store.pair(id).await?,
        None => None,
    };
    let Some(pair) = pair.filter(|p| p.has(&request.user)) else {
        return request.reply(messages::not_your_pair()).await;
    };
    // An old introduction's button on a pair that has ended records nothing.
    if pair.status != "active" {
        return request.reply(messages::pair_has_ended()).await;
    }
    let mut tx = request.ctx.store.begin_for(request.inbox_id, request.ctx.now()).await?;
    let first_time = tx.mark_scheduled(pair.id).await?;
    tx.enqueue(&request.reply_to.with(messages::session_scheduled(!first_time))).await?;
    tx.commit().await?;
    Ok(())
}
