//! Slack's options load: a person types in a skills search or a program menu (external
//! selects, used when a catalogue or a workspace's programs outgrow the 100 options one
//! menu may hold) and Slack asks the bot which options to show (`block_suggestion`, at the manifest's
//! `message_menu_options_url` over HTTP, or as an interactive envelope in Socket Mode).
//! The answer must be in the reply itself, within Slack's three seconds, so this is the
//! one read done before the ack; nothing is stored.

use slack_morphism::prelude::*;
use tracing::warn;

use super::{Intake, IntakeError, InteractionAnswer};
use crate::slack::{ids, messages};

/// The program a view is about, from its `private_metadata` (`…;program=<id>;…`).
fn program_of(view: Option<&SlackView>) -> Option<i64> {
    let metadata = match view? {
        SlackView::Modal(modal) => modal.private_metadata.as_deref()?,
        SlackView::Home(home) => home.private_metadata.as_deref()?,
    };
    metadata.split(';').find_map(|kv| kv.strip_prefix("program=")?.parse().ok())
}

impl Intake {
    /// The programs, or the skills of the view's program, that match what was typed.
    pub(super) async fn suggest(
        &self,
        ev: SlackInteractionBlockSuggestionEvent,
    ) -> Result<InteractionAnswer, IntakeError> {
        if self.foreign(ev.team.id.as_ref()) {
            return Ok(InteractionAnswer::Options(vec![]));
        }
        if ids::PROGRAM_PICKERS.contains(&ev.action_id.as_ref()) {
            let programs = self.ctx.store.programs(&self.ctx.team_id).await?;
            return Ok(InteractionAnswer::Options(messages::program_options(&programs, &ev.value)));
        }
        let Some(program_id) = program_of(ev.view.as_ref()) else {
            warn!(action_id = %ev.action_id, "options asked for a view that names no program");
            return Ok(InteractionAnswer::Options(vec![]));
        };
        let catalogue = self.ctx.store.skills(program_id).await?;
        Ok(InteractionAnswer::Options(messages::skill_options(&catalogue, &ev.value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_is_read_from_any_place_in_the_metadata() {
        let modal = |metadata: &str| {
            Some(SlackView::Modal(SlackModalView::new(pt!("t"), vec![]).with_private_metadata(metadata.to_owned())))
        };
        assert_eq!(program_of(modal("program=7").as_ref()), Some(7));
        assert_eq!(program_of(modal("pair=3;checkin=4;program=12").as_ref()), Some(12));
        assert_eq!(program_of(modal("pair=3").as_ref()), None);
        assert_eq!(program_of(None), None);
    }
}
