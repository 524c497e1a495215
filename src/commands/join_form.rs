//! The join form, opened from three places: the slash command, the Home's join buttons
//! and a channel's invitation. Kept apart from `join.rs`, which handles what the form
//! sends back and refreshes the Home after it: the Home opening the form and the join
//! refreshing the Home would otherwise import each other.

use super::{Request, Result};
use crate::domain::outbound::Outbound;
use crate::domain::participant::Role;
use crate::domain::program::Program;
use crate::slack::messages;

/// Opens `program`'s join form on `trigger_id`, filled with the person's profile if they
/// have one, else with `role` chosen: the slash command, the Home's buttons and the
/// channel invitation all open it so.
pub(super) async fn show(request: &Request<'_>, program: &Program, role: Option<Role>, trigger_id: &str) -> Result<()> {
    let catalogue = request.ctx.store.skills(program.id).await?;
    let current = request.ctx.store.participant(program.id, &request.user).await?;
    let view = messages::join_modal_as(program, &catalogue, current.as_ref(), role);
    request.answer(vec![Outbound::OpenView { trigger_id: trigger_id.to_owned(), view }]).await
}
