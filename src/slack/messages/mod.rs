//! Every text the bot shows, built as Block Kit: pure functions from data to messages
//! and views, so wording is reviewed in one place and checked by snapshot tests. One
//! file per journey, mirroring `commands/`; this one holds the shared block helpers and
//! the answers every journey can give (help, usage errors, refusals).

use slack_morphism::prelude::*;

use crate::domain::bounds::{cut, HEADER_MAX, SECTION_MAX};
use crate::domain::outbound::Message;
use crate::slack::ids;

mod checkins;
mod exits;
mod faults;
mod home;
mod join;
mod membership;
mod outcomes;
mod owners;
mod programs;
mod rounds;
pub use checkins::*;
pub use exits::*;
pub use faults::*;
pub use home::*;
pub use join::*;
pub use membership::*;
pub use outcomes::*;
pub use owners::*;
pub use programs::*;
pub use rounds::*;

/// The guide behind `/mentoring help`, an empty command and any word we do not know.
pub const USAGE: &[(&str, &str)] = &[
    ("/mentoring join", "open the sign-up form"),
    ("/mentoring join mentor <skill>, <skill>", "teach these skills to a senior colleague"),
    ("/mentoring join mentee <skill>, <skill>", "learn these skills from a junior colleague"),
    (
        "/mentoring join ... dept:<name> manager:@someone level N",
        "add your department, manager and seniority level in one line",
    ),
    ("/mentoring profile", "what the bot knows about you"),
    ("/mentoring pause [YYYY-MM-DD]", "take a break, until a date or until you resume"),
    ("/mentoring resume", "come back from a pause"),
    ("/mentoring leave", "leave the program"),
    ("/mentoring program create <name>", "owners: start a new program"),
    ("/mentoring program list", "owners: list the programs"),
    ("/mentoring skills add <tag>, <tag>", "owners: add skills to the join form"),
    ("/mentoring program set <setting> <value>", "owners: matching and check-in settings (`program set` lists them)"),
    ("/mentoring match", "owners: preview the next matching round"),
    ("/mentoring match confirm", "owners: make the previewed pairs live and introduce them"),
    ("/mentoring unpair @someone", "owners: end someone's pair so they can be matched again"),
    ("/mentoring reflect [@partner]", "write down what you learned and taught in a session"),
    ("/mentoring reflections", "read your own reflections"),
    ("/mentoring rematch [@partner]", "end your pair privately and be matched with someone new"),
    ("/mentoring goals", "your goals for your pairs, to mark them done"),
    (
        "/mentoring kudos @mentor [public] [message]",
        "thank your mentor (privately, or `public` to tell the owners too)",
    ),
    ("/mentoring forget-me", "delete your profile and reflection texts (anonymous totals stay)"),
    ("/mentoring status [program]", "owners: the program's figures"),
    ("/mentoring export [program] [csv|json]", "owners: pairs, meetings and ratings as a file"),
    ("/mentoring owners [add|remove @someone]", "owners: who owns programs"),
    ("/mentoring audit", "owners: the latest owner actions"),
];

/// Every block's text is cut to Slack's limit: one block over it and Slack refuses the
/// whole message (`invalid_blocks`), so a long echo would cost the answer.
fn section(text: impl Into<String>) -> SlackBlock {
    SlackSectionBlock::new().with_text(md!(cut(&text.into(), SECTION_MAX))).into()
}

fn context(text: impl Into<String>) -> SlackBlock {
    let text = cut(&text.into(), SECTION_MAX);
    SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(SlackBlockMarkDownText::new(text))]).into()
}

fn header(text: &str) -> SlackBlock {
    SlackHeaderBlock::new(pt!(cut(text, HEADER_MAX))).into()
}

fn button(action_id: &str, text: &str, value: &str) -> SlackActionBlockElement {
    SlackActionBlockElement::Button(
        SlackBlockButtonElement::new(pt!(text)).with_action_id(action_id.into()).with_value(value.to_owned()),
    )
}

/// A plain answer: one section, the same words as the notification text.
pub fn reply(text: impl Into<String>) -> Message {
    let text = cut(&text.into(), SECTION_MAX);
    Message { blocks: vec![section(text.clone())], text }
}

pub fn help(unknown: Option<&str>) -> Message {
    let mut lines = String::new();
    if let Some(word) = unknown {
        lines.push_str(&format!("I don't know `{word}`. Here is what I can do:\n"));
    }
    for (command, what) in USAGE {
        lines.push_str(&format!("• `{command}`: {what}\n"));
    }
    Message {
        text: "How to use /mentoring".to_owned(),
        blocks: vec![
            section(
                "*Reverse mentoring*: junior colleagues (mentors) teach senior colleagues (mentees) \
                 about new tools, trends and ways of working, and both sides learn.",
            ),
            section(lines.trim_end().to_owned()),
        ],
    }
}

/// A command we understood the shape of but whose arguments are wrong.
pub fn usage_error(problem: &str, usage: &str) -> Message {
    reply(format!("{problem}\nUsage: `{usage}`"))
}

pub fn owners_only(what: &str) -> Message {
    reply(format!(
        "Sorry, only program owners can {what}. If you run a mentoring program, ask your Slack admin \
         to add you to the bot's owners."
    ))
}

pub fn other_workspace() -> Message {
    reply("Sorry, this mentoring bot serves another Slack workspace, so I can't act on that here.")
}

pub fn something_went_wrong() -> Message {
    reply("Something went wrong on my side and nothing was changed. Please try again in a minute.")
}

fn options(tags: &[String]) -> Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> {
    tags.iter().map(|t| SlackBlockChoiceItem::new(pt!(t.clone()), t.clone())).collect()
}

fn text_input(block_id: &str, label: &str, initial: Option<String>, multiline: bool, hint: &str) -> SlackBlock {
    let mut element =
        SlackBlockPlainTextInputElement::new().with_action_id(ids::TEXT_ACTION.into()).with_multiline(multiline);
    element.initial_value = initial;
    SlackInputBlock::new(pt!(label), SlackInputBlockElement::PlainTextInput(element))
        .with_block_id(block_id.into())
        .with_optional(true)
        .with_hint(pt!(hint))
        .into()
}

/// The text a person would read in Slack, from blocks or a view as sent on the wire:
/// for transcripts and for tests that read what Slack received.
pub fn plain_text(wire: &serde_json::Value) -> String {
    let mut out = Vec::new();
    collect_text(wire, &mut out);
    out.join("\n")
}

fn collect_text(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let (Some(serde_json::Value::String(kind)), Some(serde_json::Value::String(text))) =
                (map.get("type"), map.get("text"))
            {
                if kind == "mrkdwn" || kind == "plain_text" {
                    out.push(text.clone());
                    return;
                }
            }
            for (key, v) in map {
                if key != "options" && key != "initial_option" && key != "initial_options" {
                    collect_text(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_text(v, out)),
        _ => {}
    }
}

/// Slack allows 50 blocks and 3,000 characters per section: long lists are cut.
const MAX_LIST_BLOCKS: usize = 40;

const MAX_SECTION_CHARS: usize = 2800;

/// Lines packed into as few sections as Slack allows; what does not fit is counted.
fn sections(lines: &[String], more_hint: &str) -> Vec<SlackBlock> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    for (shown, line) in lines.iter().enumerate() {
        if current.len() + line.len() + 1 > MAX_SECTION_CHARS {
            blocks.push(section(std::mem::take(&mut current)));
            if blocks.len() == MAX_LIST_BLOCKS {
                blocks.push(context(format!("…and {} more. {more_hint}", lines.len() - shown)));
                return blocks;
            }
        }
        current.push_str(line);
        current.push('\n');
    }
    if !current.is_empty() {
        blocks.push(section(current));
    }
    blocks
}
