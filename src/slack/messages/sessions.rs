//! One-time sessions: the request form, the mentor's invitation, the group DM that
//! introduces the two, and every answer along the way.

use slack_morphism::prelude::*;

use super::{button, context, count, options, reply, section, text_input};
use crate::domain::agenda;
use crate::domain::outbound::Message;
use crate::domain::program::Program;
use crate::domain::sessions::{Session, MAX_QUESTION};
use crate::slack::ids;
use slack_limits::blocks::SELECT_OPTIONS;

fn quoted(question: Option<&str>) -> String {
    question.map(|q| format!("\n>{}", q.replace('\n', "\n>"))).unwrap_or_default()
}

/// To the mentee: the request is out.
pub fn session_asking(skill: &str, hours: u32) -> Message {
    reply(format!(
        "I'm asking a mentor who teaches *{skill}* for a one-time session with you now. Each mentor has {} to \
         answer before I ask the next one; I'll open a group DM for you two as soon as one accepts.",
        count(hours, "hour", "hours")
    ))
}

/// To the mentee: nobody could be asked, or nobody accepted.
pub fn session_unmet(skill: &str, asked_anyone: bool) -> Message {
    let why = if asked_anyone {
        format!("None of the mentors who teach *{skill}* could take your one-time session this time.")
    } else {
        format!("Nobody who teaches *{skill}* is available for a one-time session right now.")
    };
    reply(format!(
        "{why} I've kept your request, so the program owners see the demand for it. You can ask again later, or \
         for a nearby skill."
    ))
}

/// To a mentor: would you give this session?
pub fn session_request(session: &Session, hours: u32) -> Message {
    let value = session.id.to_string();
    let blocks = vec![
        section(format!(
            ":raising_hand: <@{}> would like a *one-time session* (about an hour) on *{}*.{}",
            session.mentee_user,
            session.skill,
            quoted(session.question.as_deref())
        )),
        context(format!(
            "You opted in to one-time sessions in your profile. If you can't answer within {}, I'll ask someone \
             else; the first mentor to accept gets the session.",
            count(hours, "hour", "hours")
        )),
        SlackActionsBlock::new(vec![
            button(ids::SESSION_ACCEPT, "Accept", &value),
            button(ids::SESSION_DECLINE, "Not this time", &value),
        ])
        .into(),
    ];
    Message { text: format!("A one-time session request on {}", session.skill), blocks }
}

/// The group DM of a matched session: who, the question, an idea, and *We met*.
pub fn session_introduction(session: &Session, mentor: &str, idea: Option<&agenda::Session>) -> Message {
    let mut blocks = vec![section(format!(
        ":wave: <@{mentor}>, meet <@{}>! <@{mentor}> accepted a *one-time session* on *{}*.{}",
        session.mentee_user,
        session.skill,
        quoted(session.question.as_deref())
    ))];
    if let Some(idea) = idea {
        blocks.push(section(format!("*A session idea*\n*{}*: {}", idea.title, idea.how)));
    }
    blocks.push(section(
        "Find an hour that suits you both. Afterwards, press *We met*: you each get a short reflection form.",
    ));
    blocks.push(SlackActionsBlock::new(vec![button(ids::SESSION_HELD, "We met", &session.id.to_string())]).into());
    Message { text: format!("Your one-time session on {}", session.skill), blocks }
}

/// To the mentor who pressed *Accept*.
pub fn session_accepted(mentee: &str) -> Message {
    reply(format!("Thank you! I've opened a group DM with <@{mentee}> for your session."))
}

/// To a mentor who accepted after someone else.
pub fn session_taken() -> Message {
    reply("Thank you! Another mentor has already taken this session, so there's nothing more to do.")
}

/// To the mentor who pressed *Not this time*.
pub fn session_declined() -> Message {
    reply("No problem, I'll ask someone else. Thanks for answering.")
}

/// A button on a request that is not the presser's or no longer open.
pub fn session_gone() -> Message {
    reply("That session request is no longer open for you, so I did nothing.")
}

/// To the partner of whoever pressed *We met*: their reflection form, on a button.
pub fn session_reflect_invite(partner: &str, session: &Session) -> Message {
    let blocks = vec![
        section(format!(
            "<@{partner}> says your one-time session on *{}* took place. A few minutes on what you learned and taught?",
            session.skill
        )),
        SlackActionsBlock::new(vec![button(ids::SESSION_REFLECT, "Write a reflection", &session.id.to_string())])
            .into(),
    ];
    Message { text: "How was your one-time session?".to_owned(), blocks }
}

/// `ask` with a skill nobody teaches and the catalogue does not offer.
pub fn ask_unknown_skill(text: &str, known: &[String]) -> Message {
    let mut shown: Vec<&str> = known.iter().map(String::as_str).take(30).collect();
    shown.sort_unstable_by_key(|s| s.to_lowercase());
    let more = known.len().saturating_sub(shown.len());
    let list = if shown.is_empty() {
        "The program has no skills yet.".to_owned()
    } else {
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        format!("Skills you can ask for: {}{more}.", shown.join(", "))
    };
    reply(format!(
        "Start with the skill you want a session on, e.g. `/mentoring ask generative AI prompts for my slides`. \
         `{}` doesn't start with a skill of this program. {list}",
        super::shortened(text, 80)
    ))
}

/// `ask` from someone who is not a mentee of the program.
pub fn ask_join_first(program: &str) -> Message {
    reply(format!(
        "One-time sessions are for people who learn in *{program}*: join as a mentee first with `/mentoring join`."
    ))
}

/// `ask` while an earlier request is still open.
pub fn ask_already_open(skill: &str) -> Message {
    reply(format!("You already have an open request for a session on *{skill}*: I'm still asking mentors for it."))
}

/// The App Home's request form.
pub fn ask_modal(program: &Program, skills: &[String]) -> SlackView {
    let skill: SlackInputBlockElement = if skills.len() <= SELECT_OPTIONS {
        SlackInputBlockElement::StaticSelect(
            SlackBlockStaticSelectElement::new()
                .with_action_id(ids::ASK_SKILL_ACTION.into())
                .with_options(options(skills))
                .with_placeholder(pt!("Pick a skill")),
        )
    } else {
        SlackInputBlockElement::ExternalSelect(
            SlackBlockExternalSelectElement::new()
                .with_action_id(ids::ASK_SKILL_ACTION.into())
                .with_min_query_length(1)
                .with_placeholder(pt!(format!("Type to search the program's {} skills", skills.len()))),
        )
    };
    let blocks = vec![
        section(
            "Ask for *one hour* with a junior colleague who teaches the skill. I'll ask the best available mentor \
             and open a group DM as soon as one accepts.",
        ),
        SlackInputBlock::new(pt!("Skill"), skill).with_block_id(ids::ASK_SKILL_BLOCK.into()).into(),
        text_input(
            ids::ASK_QUESTION_BLOCK,
            "What I want to learn",
            None,
            true,
            &format!("Optional, at most {MAX_QUESTION} characters: the mentor reads it before accepting."),
        ),
    ];
    SlackView::Modal(
        SlackModalView::new(pt!("One-time session"), blocks)
            .with_submit(pt!("Ask"))
            .with_close(pt!("Cancel"))
            .with_callback_id(ids::ASK_CALLBACK.into())
            .with_private_metadata(format!("program={}", program.id)),
    )
}
