//! Safe exits: either person of a pair, the junior too, can end it privately ("This
//! pairing isn't working" or `/mentoring rematch`). The partner is told kindly that the
//! pair ended, the owners that it did (with the reason only if shared), and the leaver is
//! matched again: at the next round, or at once where the program allows it.

use super::{Request, Result};
use crate::domain::outbound::Outbound;
use crate::domain::pair::Pair;
use crate::event::Event;
use crate::slack::messages;
use crate::store::Delivery;

async fn live_pair(request: &Request<'_>, pair_id: i64) -> Result<Option<Pair>> {
    Ok(request.ctx.store.pair(pair_id).await?.filter(|p| p.is_live() && p.has(&request.user)))
}

async fn show_form(request: &Request<'_>, pair: &Pair, trigger_id: &str) -> Result<()> {
    let view = messages::exit_modal(pair.partner_of(&request.user), pair.id);
    request.answer(vec![Outbound::OpenView { trigger_id: trigger_id.to_owned(), view }]).await
}

/// "This pairing isn't working" on an introduction or a check-in.
pub(super) async fn open_form(request: &Request<'_>, value: Option<&str>, trigger_id: &str) -> Result<()> {
    let pair = match value.and_then(|v| v.parse::<i64>().ok()) {
        Some(id) => live_pair(request, id).await?,
        None => None,
    };
    match pair {
        Some(pair) => show_form(request, &pair, trigger_id).await,
        None => request.reply(messages::not_your_pair()).await,
    }
}

/// `/mentoring rematch [@partner]`.
pub(super) async fn rematch(request: &Request<'_>, partner: Option<&str>, trigger_id: &str) -> Result<()> {
    match request.live_pair(partner, messages::no_pair_to_leave()).await? {
        Ok(pair) => show_form(request, &pair, trigger_id).await,
        Err(answer) => request.reply(answer).await,
    }
}

/// The submitted form: the pair ends, and each person is told what is theirs to know.
pub(super) async fn submitted(request: &Request<'_>, pair_id: i64, reason: Option<String>, share: bool) -> Result<()> {
    let Some(pair) = live_pair(request, pair_id).await? else {
        return request.reply(messages::no_pair_to_leave()).await;
    };
    let ctx = request.ctx;
    let Some(program) = ctx.store.program(pair.program_id).await? else {
        return request.reply(messages::no_pair_to_leave()).await;
    };
    let at_once = ctx.store.match_settings(program.id).await?.mid_round_matching;
    let owners = ctx.all_owners().await?;
    let mut tx = ctx.store.begin_for(request.inbox_id, ctx.now()).await?;
    if tx.exit_pair(pair.id, &request.user, reason.as_deref(), share).await? {
        let partner = pair.partner_of(&request.user).to_owned();
        let kind = messages::pair_ended(&program.name, &request.user);
        tx.enqueue(&Outbound::DirectMessage { user: partner, message: kind })?;
        tx.enqueue(&request.reply_to.with(messages::exit_confirmed(&program.name, at_once)))?;
        let shared = reason.as_deref().filter(|_| share);
        for owner in owners {
            let message = messages::exit_owner(&program.name, &pair.mentor_user, &pair.mentee_user, shared);
            tx.enqueue(&Outbound::DirectMessage { user: owner, message })?;
        }
        if at_once {
            let event = Event::ScheduledRound { program_id: program.id, due: ctx.now() };
            let delivery = Delivery {
                dedupe_key: format!("exit:{}", pair.id),
                payload: serde_json::to_string(&event).expect("events serialise"),
                lane: event.lane(),
                urgent: false,
            };
            tx.receive(&delivery).await?;
        }
        tracing::info!(pair = pair.id, shared = share, at_once, "a participant ended their pair");
    } else {
        // Ended meanwhile, by the partner or an owner: they were told already.
        tx.enqueue(&request.reply_to.with(messages::no_pair_to_leave()))?;
    }
    tx.commit().await?;
    if at_once {
        ctx.store.wake_consumers();
    }
    Ok(())
}
