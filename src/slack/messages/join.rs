//! The join (or change) form: role, skills from the catalogue or typed, department,
//! level, manager and goals.
//!
//! A catalogue of up to 100 skills is a list to pick from; a larger one (Slack refuses
//! a menu of more than 100 options) is searched as the person types: an external select
//! whose options Slack loads from the bot (`block_suggestion`, answered by
//! [`skill_options`] from the catalogue of the program named in the view's metadata).

use slack_morphism::prelude::*;

use slack_limits::blocks::SELECT_OPTIONS;

use super::{options, searched, section, text_input};
use crate::domain::participant::{Participant, Role, MAX_LEVEL};
use crate::domain::program::Program;
use crate::slack::ids;

fn role_option(role: Role) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    let label = match role {
        Role::Mentor => "Teach (mentor): I'm the junior who shares what I know",
        Role::Mentee => "Learn (mentee): I'm the senior who wants to learn",
        Role::Both => "Both: I teach and I learn",
    };
    SlackBlockChoiceItem::new(pt!(label), role.as_str().to_owned())
}

/// A multi-select of the program's skills: a list when Slack allows one, otherwise a
/// search. `chosen` skills from the catalogue are selected already (at most 100).
pub(super) fn skills_select(catalogue: &[String], chosen: &[String]) -> SlackInputBlockElement {
    let initial: Vec<String> = chosen.iter().filter(|t| catalogue.contains(t)).take(SELECT_OPTIONS).cloned().collect();
    let initial = (!initial.is_empty()).then(|| options(&initial));
    if catalogue.len() <= SELECT_OPTIONS {
        let mut element = SlackBlockMultiStaticSelectElement::new()
            .with_action_id(ids::TAGS_ACTION.into())
            .with_options(options(catalogue))
            .with_placeholder(pt!("Pick from the program's skills"));
        element.initial_options = initial;
        return SlackInputBlockElement::MultiStaticSelect(element);
    }
    let mut element = SlackBlockMultiExternalSelectElement::new()
        .with_action_id(ids::TAGS_ACTION.into())
        .with_min_query_length(1)
        .with_placeholder(pt!(format!("Type to search the program's {} skills", catalogue.len())));
    element.initial_options = initial;
    SlackInputBlockElement::MultiExternalSelect(element)
}

/// The catalogue's answer to what a person typed in a skills search: skills that start
/// with it first, then those that contain it, case-insensitive, at most Slack's 100.
pub fn skill_options(catalogue: &[String], typed: &str) -> Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> {
    let found: Vec<String> = searched(catalogue, |skill| skill, typed).into_iter().cloned().collect();
    options(&found)
}

fn tags_input(block_id: &str, label: &str, catalogue: &[String], chosen: &[String]) -> Option<SlackBlock> {
    if catalogue.is_empty() {
        return None;
    }
    Some(
        SlackInputBlock::new(pt!(label), skills_select(catalogue, chosen))
            .with_block_id(block_id.into())
            .with_optional(true)
            .into(),
    )
}

/// The join (or change) form. `private_metadata` carries the program id back to us.
pub fn join_modal(program: &Program, catalogue: &[String], current: Option<&Participant>) -> SlackView {
    join_modal_as(program, catalogue, current, None)
}

/// The join form with `role` chosen for someone who has no profile yet: the channel
/// invitation's *Join as mentor* opens it so.
pub fn join_modal_as(
    program: &Program,
    catalogue: &[String],
    current: Option<&Participant>,
    role: Option<Role>,
) -> SlackView {
    let mut role_select = SlackBlockStaticSelectElement::new()
        .with_action_id(ids::ROLE_ACTION.into())
        .with_options(vec![role_option(Role::Mentor), role_option(Role::Mentee), role_option(Role::Both)]);
    role_select.initial_option = current.map(|p| p.role).or(role).map(role_option);
    let free = |chosen: &[String]| {
        let others: Vec<String> = chosen.iter().filter(|t| !catalogue.contains(t)).cloned().collect();
        (!others.is_empty()).then(|| others.join(", "))
    };
    let (teach, learn) = current.map(|p| (p.teach_skills.clone(), p.learn_skills.clone())).unwrap_or_default();
    let mut blocks: Vec<SlackBlock> = vec![
        section(
            "Reverse mentoring pairs a *junior* colleague who teaches (the mentor) with a *senior* \
             colleague who learns (the mentee). Both sides learn something.",
        ),
        SlackInputBlock::new(pt!("I want to"), SlackInputBlockElement::StaticSelect(role_select))
            .with_block_id(ids::ROLE_BLOCK.into())
            .into(),
    ];
    blocks.extend(tags_input(ids::TEACH_TAGS_BLOCK, "Skills I can teach", catalogue, &teach));
    blocks.push(text_input(
        ids::TEACH_BLOCK,
        "Other skills I can teach",
        free(&teach),
        false,
        "Comma-separated, e.g. generative AI, TikTok, Figma. Needed if you teach.",
    ));
    blocks.extend(tags_input(ids::LEARN_TAGS_BLOCK, "Skills I want to learn", catalogue, &learn));
    blocks.push(text_input(
        ids::LEARN_BLOCK,
        "Other skills I want to learn",
        free(&learn),
        false,
        "Comma-separated, most wanted first. Needed if you learn.",
    ));
    blocks.push(text_input(
        ids::DEPARTMENT_BLOCK,
        "Department",
        current.and_then(|p| p.department.clone()),
        false,
        "Matching prefers partners from other departments.",
    ));
    let mut manager = SlackBlockUsersSelectElement::new().with_action_id(ids::USER_ACTION.into());
    manager.initial_user = current.and_then(|p| p.manager.clone());
    blocks.push(
        SlackInputBlock::new(pt!("My manager"), SlackInputBlockElement::UsersSelect(manager))
            .with_block_id(ids::MANAGER_BLOCK.into())
            .with_optional(true)
            .with_hint(pt!("Optional: you will never be paired with your own manager or direct report."))
            .into(),
    );
    let level_option = |l: u8| SlackBlockChoiceItem::new(pt!(l.to_string()), l.to_string());
    let mut level = SlackBlockStaticSelectElement::new()
        .with_action_id(ids::LEVEL_ACTION.into())
        .with_options((1..=MAX_LEVEL).map(level_option).collect());
    level.initial_option = current.and_then(|p| p.level).map(level_option);
    blocks.push(
        SlackInputBlock::new(pt!("Seniority level"), SlackInputBlockElement::StaticSelect(level))
            .with_block_id(ids::LEVEL_BLOCK.into())
            .with_optional(true)
            .with_hint(pt!(
                "On your company's ladder, 1 = most junior. Mentors are paired with people several levels above them."
            ))
            .into(),
    );
    let one_time = SlackBlockChoiceItem::new(
        SlackBlockText::Plain(SlackBlockPlainText::new(
            "Mentors: I also take one-time session requests (an hour on a skill I teach)".into(),
        )),
        "yes".to_owned(),
    );
    let ticked = current.is_some_and(|p| p.one_time).then(|| vec![one_time.clone()]);
    blocks.push(
        SlackInputBlock::new(
            pt!("One-time sessions"),
            SlackInputBlockElement::Checkboxes(SlackBlockCheckboxesElement {
                action_id: Some(ids::ONE_TIME_ACTION.into()),
                options: vec![one_time],
                initial_options: ticked,
                confirm: None,
                focus_on_load: None,
            }),
        )
        .with_block_id(ids::ONE_TIME_BLOCK.into())
        .with_optional(true)
        .into(),
    );
    blocks.push(text_input(
        ids::GOALS_BLOCK,
        "Goals",
        current.and_then(|p| p.goals.clone()),
        true,
        "What do you hope to get out of it?",
    ));
    SlackView::Modal(
        SlackModalView::new(pt!("Reverse mentoring"), blocks)
            .with_submit(pt!(if current.is_some() { "Save" } else { "Join" }))
            .with_close(pt!("Cancel"))
            .with_callback_id(ids::JOIN_CALLBACK.into())
            .with_private_metadata(format!("program={}", program.id)),
    )
}
