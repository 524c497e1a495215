//! Leaving a pair safely: the private form, and what the leaver, the partner and the
//! owners are each told. The partner is never told why, and owners read the reason only
//! when its author shares it with them.

use slack_morphism::prelude::*;

use super::{reply, section, text_input, Message};
use crate::slack::ids;

fn share_option(share: bool) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    let label = if share { "Yes, program owners may read it" } else { "No, keep it to myself" };
    SlackBlockChoiceItem::new(pt!(label), if share { "yes" } else { "no" }.to_owned())
}

/// The exit form. Nothing is ended until it is submitted.
pub fn exit_modal(partner: &str, pair_id: i64) -> SlackView {
    let mut share = SlackBlockStaticSelectElement::new()
        .with_action_id(ids::EXIT_SHARE_ACTION.into())
        .with_options(vec![share_option(false), share_option(true)]);
    share.initial_option = Some(share_option(false));
    let blocks: Vec<SlackBlock> = vec![
        section(format!(
            "Pairs don't always work, and that is nobody's fault. If you end your pair with <@{partner}>, they are \
             told kindly that the pair has ended, never why, and you are matched with someone new."
        )),
        text_input(ids::EXIT_REASON_BLOCK, "Why (optional)", None, true, "For you, and for owners only if you say so."),
        SlackInputBlock::new(
            pt!("Share the reason with the program owners?"),
            SlackInputBlockElement::StaticSelect(share),
        )
        .with_block_id(ids::EXIT_SHARE_BLOCK.into())
        .into(),
    ];
    SlackView::Modal(
        SlackModalView::new(pt!("End this pairing"), blocks)
            .with_submit(pt!("End the pair"))
            .with_close(pt!("Keep it"))
            .with_callback_id(ids::EXIT_CALLBACK.into())
            .with_private_metadata(format!("pair={pair_id}")),
    )
}

/// To the person who left.
pub fn exit_confirmed(program: &str, at_once: bool) -> Message {
    reply(if at_once {
        format!(
            "Your pair in *{program}* has ended. I'm looking for a new partner for you right away; if there is one, \
             you'll get an introduction in a moment."
        )
    } else {
        format!("Your pair in *{program}* has ended. You'll be matched with someone new in the next round.")
    })
}

/// To the owners: that a pair ended, and the reason only if its author shared it.
pub fn exit_owner(program: &str, mentor: &str, mentee: &str, reason: Option<&str>) -> Message {
    let why = match reason {
        Some(reason) => format!("They shared why: \"{reason}\""),
        None => "The reason stays private.".to_owned(),
    };
    reply(format!(
        "In *{program}*, the pair <@{mentor}> teaching <@{mentee}> was ended by one of them. {why} Both will be \
         matched again; they may still welcome a human word."
    ))
}

pub fn no_pair_to_leave() -> Message {
    reply("You have no live mentoring pair to end.")
}
