//! Goals, confidence checks and recognition: the goal form and the goals a pair sees in
//! its check-ins, the confidence form before and after a round, mentors' thank-yous,
//! and kudos.

use slack_morphism::prelude::*;

use super::{button, context, reply, section, text_input, Message};
use crate::domain::outcomes::{Phase, Recognition, Side, MAX_GOAL};
use crate::domain::program::Program;
use crate::slack::ids;
use crate::store::GoalRow;

/// The goal lines (and, at a pair's first check-in, the button to set them) placed
/// under a check-in's opening line, so both people see what they set out to do.
pub fn add_goals(message: &mut Message, pair_id: i64, mentor: &str, goals: &[GoalRow], ask: bool) {
    let mut blocks = Vec::new();
    if !goals.is_empty() {
        let lines: Vec<String> = goals
            .iter()
            .map(|g| {
                let who = if g.author == mentor { "wants from it" } else { "wants to learn" };
                format!("• <@{}> {who}: {}", g.author, g.goal)
            })
            .collect();
        blocks.push(section(format!("*Your goals*\n{}", lines.join("\n"))));
    }
    if ask {
        blocks.push(section(
            "*Set your goals*: mentee, what do you want to learn? Mentor, what do you want from it (visibility, \
             leadership practice, a view of strategy)? Each of you writes one; only the two of you see them.",
        ));
        blocks.push(SlackActionsBlock::new(vec![button(ids::GOAL_SET, "Set our goals", &pair_id.to_string())]).into());
    }
    let at = message.blocks.len().min(1);
    message.blocks.splice(at..at, blocks);
}

/// The goal form, for one person of a pair.
pub fn goal_modal(partner: &str, pair_id: i64, side: Side, current: Option<&str>) -> SlackView {
    let (label, hint) = match side {
        Side::Mentee => ("What I want to learn", "e.g. use generative AI in my weekly reporting"),
        Side::Mentor => (
            "What I want from mentoring",
            "e.g. visibility with senior leaders, leadership practice, understanding our strategy",
        ),
    };
    let mut input = text_input(ids::GOAL_BLOCK, label, current.map(str::to_owned), false, hint);
    if let SlackBlock::Input(block) = &mut input {
        block.optional = Some(false);
    }
    SlackView::Modal(
        SlackModalView::new(
            pt!("Our goals"),
            vec![
                section(format!(
                    "One goal for your pair with <@{partner}>, at most {MAX_GOAL} characters. Only the two of you \
                     see it: it appears in your check-ins until you mark it done."
                )),
                input,
            ],
        )
        .with_submit(pt!("Save"))
        .with_close(pt!("Cancel"))
        .with_callback_id(ids::GOAL_CALLBACK.into())
        .with_private_metadata(format!("pair={pair_id}")),
    )
}

pub fn goal_saved(partner: &str, goal: &str) -> Message {
    reply(format!(
        "Saved your goal for your pair with <@{partner}>: _{goal}_\nIt shows in your check-ins; \
         `/mentoring goals` marks it done."
    ))
}

/// `/mentoring goals`: the person's own goals, with a button to mark each open one
/// done, and a button to set one for each live pair still without.
pub fn goals_list(goals: &[(GoalRow, String)], missing: &[(i64, String)]) -> Message {
    let mut blocks = Vec::new();
    if goals.is_empty() && missing.is_empty() {
        return reply("You have no goals yet: you set one at your pair's first check-in.");
    }
    for (goal, partner) in goals {
        let state = if goal.done_at.is_some() { "done :white_check_mark:" } else { "open" };
        let text = format!("*With <@{partner}>* ({state}): {}", goal.goal);
        let mut block = SlackSectionBlock::new().with_text(md!(text));
        if goal.done_at.is_none() {
            block = block.with_accessory(SlackSectionBlockElement::Button(
                SlackBlockButtonElement::new(pt!("Mark done"))
                    .with_action_id(ids::GOAL_DONE.into())
                    .with_value(goal.id.to_string()),
            ));
        }
        blocks.push(block.into());
    }
    for (pair_id, partner) in missing {
        blocks.push(section(format!("*With <@{partner}>*: no goal from you yet.")));
        blocks.push(SlackActionsBlock::new(vec![button(ids::GOAL_SET, "Set my goal", &pair_id.to_string())]).into());
    }
    blocks.truncate(49);
    blocks.push(context("Goals are private to your pair: program owners never see them."));
    Message { text: format!("Your goals ({})", goals.len()), blocks }
}

pub fn goal_marked(done: bool) -> Message {
    reply(if done {
        "Marked done: well done! It no longer shows in your check-ins."
    } else {
        "That goal is not yours or is already done, so nothing changed."
    })
}

fn phase_words(phase: Phase) -> &'static str {
    match phase {
        Phase::Before => "before you start",
        Phase::After => "now that the round is over",
    }
}

fn side_label(side: Side) -> &'static str {
    match side {
        Side::Mentor => "Rate my confidence as a mentor",
        Side::Mentee => "Rate my confidence as a mentee",
    }
}

/// The DM that asks for a confidence check (at joining, and at a round's end), with one
/// button per side the person plays: a modal needs the trigger of a button press.
pub fn confidence_invite(program: &Program, sides: &[Side], phase: Phase) -> Message {
    let opening = match phase {
        Phase::Before => format!(
            "One minute {} in *{}*: how confident do you feel today? I ask again at the end of the round, and the \
             program owners only ever see the average change, never your answers.",
            phase_words(phase),
            program.name
        ),
        Phase::After => format!(
            "The round in *{}* has come to its end. Thank you! {}, how confident do you feel? The program owners \
             only see the average change, never your answers.",
            program.name,
            phase_words(phase)
        ),
    };
    let buttons = sides
        .iter()
        .map(|side| {
            let value = format!("{}:{}:{}", program.id, side.as_str(), phase.as_str());
            let action_id = match side {
                Side::Mentee => ids::CONFIDENCE_OPEN,
                Side::Mentor => ids::CONFIDENCE_OPEN_MENTOR,
            };
            button(action_id, side_label(*side), &value)
        })
        .collect();
    Message {
        text: format!("How confident do you feel? ({})", program.name),
        blocks: vec![section(opening), SlackActionsBlock::new(buttons).into()],
    }
}

fn scale_option(n: u8) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    let label = match n {
        1 => "1: not at all confident",
        2 => "2: a little",
        3 => "3: somewhat",
        4 => "4: confident",
        _ => "5: very confident",
    };
    SlackBlockChoiceItem::new(pt!(label), n.to_string())
}

fn recognition_option(r: Recognition) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    let label = match r {
        Recognition::No => "No, thanks",
        Recognition::ThankMe => "Yes, send me a thank-you summary",
        Recognition::ThankAndTell => "Yes, and also tell the person below",
    };
    SlackBlockChoiceItem::new(pt!(label), r.as_str().to_owned())
}

/// The question shown for a topic: a skill for mentees, the two mentor questions.
fn question(side: Side, topic: &str) -> String {
    match (side, topic) {
        (Side::Mentor, "teaching") => "Teaching what I know to a senior colleague".to_owned(),
        (Side::Mentor, _) => "Understanding my senior colleague's field and the company's strategy".to_owned(),
        (Side::Mentee, skill) => skill.to_owned(),
    }
}

/// The confidence form. `private_metadata` carries the program, side, phase and the
/// topics asked, so the answer is read against the questions that were shown.
pub fn confidence_modal(program: &Program, side: Side, phase: Phase, topics: &[String]) -> SlackView {
    let mut blocks =
        vec![section(format!("How confident do you feel {}, from 1 (not at all) to 5 (very)?", phase_words(phase)))];
    for (n, topic) in topics.iter().enumerate() {
        blocks.push(
            SlackInputBlock::new(
                pt!(question(side, topic)),
                SlackInputBlockElement::StaticSelect(
                    SlackBlockStaticSelectElement::new()
                        .with_action_id(ids::RATING_ACTION.into())
                        .with_options((1..=5).map(scale_option).collect()),
                ),
            )
            .with_block_id(format!("{}{n}", ids::CONFIDENCE_BLOCK_PREFIX).into())
            .into(),
        );
    }
    if crate::domain::outcomes::asks_consent(side, phase) {
        let mut choice = SlackBlockStaticSelectElement::new()
            .with_action_id(ids::RECOGNITION_ACTION.into())
            .with_options(Recognition::ALL.map(recognition_option).to_vec());
        choice.initial_option = Some(recognition_option(Recognition::No));
        blocks.push(
            SlackInputBlock::new(pt!("At the end of the round, may I thank you?"), SlackInputBlockElement::StaticSelect(choice))
                .with_block_id(ids::RECOGNITION_BLOCK.into())
                .with_hint(pt!("A summary of what you taught: sessions, skills, and your mentee's progress as a number, never their words."))
                .into(),
        );
        blocks.push(
            SlackInputBlock::new(
                pt!("Someone to tell (e.g. your manager)"),
                SlackInputBlockElement::UsersSelect(
                    SlackBlockUsersSelectElement::new().with_action_id(ids::USER_ACTION.into()),
                ),
            )
            .with_block_id(ids::TELL_BLOCK.into())
            .with_optional(true)
            .with_hint(pt!("Only told if you chose \"Yes, and also tell the person below\"."))
            .into(),
        );
    }
    let metadata = serde_json::json!({
        "program": program.id, "side": side.as_str(), "phase": phase.as_str(), "topics": topics,
    });
    SlackView::Modal(
        SlackModalView::new(pt!("Confidence check"), blocks)
            .with_submit(pt!("Save"))
            .with_close(pt!("Cancel"))
            .with_callback_id(ids::CONFIDENCE_CALLBACK.into())
            .with_private_metadata(metadata.to_string()),
    )
}

pub fn confidence_saved(phase: Phase, thanked: bool) -> Message {
    let mut text = match phase {
        Phase::Before => "Thanks, saved. I'll ask again at the end of the round.".to_owned(),
        Phase::After => "Thanks, saved. The owners see only the average change across the program.".to_owned(),
    };
    if thanked {
        text.push_str(" And I'll send you a thank-you when the round ends.");
    }
    reply(text)
}

pub fn confidence_not_asked() -> Message {
    reply("That confidence check is not for you in this program (or you left it), so I did nothing.")
}

fn session_words(sessions: u64) -> String {
    match sessions {
        1 => "1 session".to_owned(),
        n => format!("{n} sessions"),
    }
}

/// A mentor's thank-you at the end of a round: what they taught, in figures and tags.
pub fn mentor_thanks(program: &str, sessions: u64, skills: &[String], told: Option<&str>) -> Message {
    let mut lines = vec![format!(
        ":tada: Thank you for mentoring in *{program}* this round! You held {} with a senior colleague.",
        session_words(sessions)
    )];
    if !skills.is_empty() {
        lines.push(format!("*Skills you touched:* {}", skills.join(", ")));
    }
    lines.push(
        "When your mentee tells me how confident they feel now, I'll send you how much it grew (a number, never \
         their words)."
            .to_owned(),
    );
    if let Some(person) = told {
        lines.push(format!("As you asked, I've let <@{person}> know too."));
    }
    reply(lines.join("\n"))
}

/// The short note to the person a mentor asked to tell: no mentee, no words.
pub fn recognition_note(program: &str, mentor: &str, sessions: u64, skills: &[String]) -> Message {
    let taught = if skills.is_empty() { String::new() } else { format!(" on {}", skills.join(", ")) };
    reply(format!(
        "<@{mentor}> has been a reverse mentor in *{program}* this round: {}{taught} with a senior colleague. \
         They asked me to let you know.",
        session_words(sessions)
    ))
}

/// The follow-up to a thanked mentor once their mentee rated themselves again.
pub fn mentee_progress(program: &str, uplift: f64) -> Message {
    let change = if uplift > 0.0 {
        format!("grew by {uplift:+} points on average (on a 1-5 scale)")
    } else if uplift == 0.0 {
        "held steady".to_owned()
    } else {
        format!("changed by {uplift:+} points on average: learning often shows how much is left to learn")
    };
    reply(format!("Your mentee's confidence in *{program}* {change}. Thank you for what you taught."))
}

pub fn kudos(from: &str, message: Option<&str>) -> Message {
    let words = message.map(|m| format!("\n> {m}")).unwrap_or_default();
    reply(format!(":sparkles: <@{from}> sends you kudos for mentoring them.{words}"))
}

pub fn kudos_for_owners(from: &str, mentor: &str, message: Option<&str>) -> Message {
    let words = message.map(|m| format!("\n> {m}")).unwrap_or_default();
    reply(format!(":sparkles: <@{from}> publicly thanked their reverse mentor <@{mentor}>.{words}"))
}

pub fn kudos_sent(mentor: &str, public: bool) -> Message {
    reply(if public {
        format!("Sent to <@{mentor}>, and the program owners were told too.")
    } else {
        format!("Sent to <@{mentor}>, privately.")
    })
}

pub fn kudos_refused(mentor: &str) -> Message {
    reply(format!(
        "<@{mentor}> was never your mentor, so I can't send them kudos from you. Kudos go to someone who mentors \
         or mentored you in a pair."
    ))
}
