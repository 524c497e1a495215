//! Channel opt-in: a program linked to a channel (`program set channel #…`) invites
//! whoever joins it, and asks whoever leaves it whether to pause or leave the program.
//!
//! Joining a channel is an interest, not a consent: the invitation only opens the join
//! form, and leaving the channel changes nothing until the person says so.

use super::{membership, Request, Result};
use crate::domain::outbound::Outbound;
use crate::domain::participant::{Role, Status};
use crate::slack::{ids, messages};

/// Someone joined or left a channel the app is in. Only a program's channel matters;
/// people already in the program are not invited again, and only people in it are
/// asked about leaving.
pub(super) async fn member(request: &Request<'_>, channel: &str, joined: bool) -> Result<()> {
    let store = &request.ctx.store;
    let Some(program) = store.program_of_channel(&request.ctx.team_id, channel).await? else {
        return request.answer(vec![]).await;
    };
    let status = store.participant(program.id, &request.user).await?.map(|p| p.status);
    let taking_part = matches!(status, Some(Status::Active | Status::Paused));
    let dm = |message| Outbound::DirectMessage { user: request.user.clone(), message };
    let mut tx = store.begin_for(request.inbox_id, request.ctx.now()).await?;
    match (joined, taking_part) {
        (true, false) => {
            tx.record_channel_invite(program.id, &request.user).await?;
            tx.enqueue(&dm(messages::channel_invitation(&program, channel)))?;
        }
        (false, true) => tx.enqueue(&dm(messages::channel_farewell(&program, channel)))?,
        _ => {}
    }
    tx.commit().await?;
    tracing::info!(program = program.id, joined, taking_part, "channel member change handled");
    Ok(())
}

/// *Join as mentor* / *Join as mentee* open the join form with that side chosen;
/// *Leave the program* leaves it as `/mentoring leave` does.
pub(super) async fn action(
    request: &Request<'_>,
    action_id: &str,
    value: Option<&str>,
    trigger_id: &str,
) -> Result<()> {
    let Some(program) = request.program_of_button(value).await? else {
        return request.reply(messages::reply("That program no longer exists, so there is nothing to join.")).await;
    };
    let role = match action_id {
        ids::CHANNEL_JOIN_MENTOR => Role::Mentor,
        ids::CHANNEL_JOIN_MENTEE => Role::Mentee,
        _ => return membership::leave(request, Some(&program.name)).await,
    };
    super::join_form::show(request, &program, Some(role), trigger_id).await
}
