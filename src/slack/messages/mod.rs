//! Every text the bot shows, built as Block Kit: pure functions from data to messages
//! and views, so wording is reviewed in one place and checked by snapshot tests. One
//! file per journey, mirroring `commands/`; this one holds the shared block helpers and
//! the answers every journey can give (help, usage errors, refusals).

use slack_morphism::prelude::*;

use crate::domain::bounds::{cut, HEADER_MAX, SECTION_MAX};
use slack_limits::blocks::{MESSAGE_TEXT, SECTION_TEXT};

use crate::domain::outbound::Message;
use crate::slack::ids;

mod checkins;
mod exits;
mod faults;
mod home;
mod join;
mod membership;
mod onboard;
mod outcomes;
mod owners;
mod programs;
mod projects;
mod rounds;
#[cfg(test)]
mod scale_tests;
mod sessions;
#[cfg(test)]
mod snapshots;
pub use checkins::*;
pub use exits::*;
pub use faults::*;
pub use home::*;
pub use join::*;
pub use membership::*;
pub use onboard::*;
pub use outcomes::*;
pub use owners::*;
pub use programs::*;
pub use projects::*;
pub use rounds::*;
pub use sessions::*;

/// The guide behind `/mentoring help`, an empty command and any word we do not know:
/// what every member can do, short.
pub const MEMBER_USAGE: &[(&str, &str)] = &[
    ("/mentoring join", "sign up, or change your profile"),
    ("/mentoring join mentor <skills> one-time", "mentors: take one-time session requests too (`one-time:no` stops)"),
    ("/mentoring profile", "what the bot knows about you"),
    ("/mentoring pause [YYYY-MM-DD]", "take a break; `/mentoring resume` comes back"),
    ("/mentoring leave", "leave the program"),
    ("/mentoring ask <skill> [what I want to learn]", "a one-time session with a mentor who teaches the skill"),
    ("/mentoring reflect [@partner]", "write down what you learned and taught in a session"),
    ("/mentoring goals", "your goals for your pairs"),
    ("/mentoring kudos @mentor [public] [message]", "thank your mentor"),
    ("/mentoring rematch [@partner]", "end your pair privately and be matched with someone new"),
    ("/mentoring forget-me", "delete your profile and reflection texts"),
];

/// What program owners can do besides, shown to owners only.
pub const OWNER_USAGE: &[(&str, &str)] = &[
    ("/mentoring match", "preview the next matching round, then press *Confirm*"),
    ("/mentoring status [program]", "the program's figures (the App Home has them too)"),
    ("/mentoring export [program] [csv|json]", "pairs, meetings and ratings as a file"),
    ("/mentoring program create <name>", "start a new program"),
    ("/mentoring program rename <new-name>", "rename a program (the first one starts as `default`)"),
    ("/mentoring program list", "list the programs"),
    ("/mentoring skills add <skill>, <skill>", "add skills to the join form"),
    ("/mentoring program set <setting> <value>", "matching and check-in settings (`program set` lists them)"),
    ("/mentoring unpair @someone", "end someone's pair so they can be matched again"),
    ("/mentoring project <YYYY-MM-DD> [@lead] <skills>: <goal>", "a project pair: pick a junior from the proposal"),
    ("/mentoring import", "bring in levels, departments and managers from an HR export (CSV), with a dry run first"),
    ("/mentoring program set channel #channel", "invite whoever joins that channel to the program"),
    ("/mentoring owners [add|remove @someone]", "who owns programs"),
    ("/mentoring audit", "the latest owner actions"),
    ("/mentoring join ... dept:<name> manager:@someone level N", "members can give everything in one line too"),
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

/// A plain answer: the words in as many sections as they need, and as the
/// notification text (cut short there if they must be: a notification is a preview).
pub fn reply(text: impl Into<String>) -> Message {
    let text = text.into();
    Message { blocks: packed(&text), text: fallback(&text) }
}

/// `n` with its noun in the right number: "1 round", "3 rounds".
fn count(n: impl std::fmt::Display, one: &str, many: &str) -> String {
    let n = n.to_string();
    let noun = if n == "1" { one } else { many };
    format!("{n} {noun}")
}

/// A message's notification text, within Slack's limit.
fn fallback(text: &str) -> String {
    shortened(text, MESSAGE_TEXT)
}

/// `text` cut to `max` characters, marked with an ellipsis when cut.
fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `text` in pieces of at most `max` characters, cut at line ends where it can and
/// inside a line only when the line alone is longer: nothing is dropped.
fn chunks(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let (mut current, mut len, mut started) = (String::new(), 0, false);
    for line in text.split('\n') {
        let chars: Vec<char> = line.chars().collect();
        let pieces: Vec<String> = if chars.is_empty() {
            vec![String::new()]
        } else {
            chars.chunks(max).map(|piece| piece.iter().collect()).collect()
        };
        for piece in pieces {
            let n = piece.chars().count();
            if started && len + 1 + n > max {
                out.push(std::mem::take(&mut current));
                (len, started) = (0, false);
            }
            if started {
                current.push('\n');
                len += 1;
            }
            current.push_str(&piece);
            len += n;
            started = true;
        }
    }
    out.push(current);
    out.retain(|chunk| !chunk.trim().is_empty());
    out
}

/// Text of any length as sections Slack accepts, in order.
fn packed(text: &str) -> Vec<SlackBlock> {
    chunks(text, SECTION_TEXT).into_iter().map(section).collect()
}

/// `/mentoring help`: the members' commands, and for an owner the owners' as well.
pub fn help(unknown: Option<&str>, owner: bool) -> Message {
    let guide = |usage: &[(&str, &str)]| {
        usage.iter().map(|(command, what)| format!("• `{command}`: {what}")).collect::<Vec<_>>().join("\n")
    };
    let mut blocks = Vec::new();
    if let Some(word) = unknown {
        blocks.push(section(format!("I don't know `{}`. Here is what I can do:", shortened(word, 100))));
    } else {
        blocks.push(section(
            "*Reverse mentoring*: junior colleagues (mentors) teach senior colleagues (mentees) \
             about new tools, trends and ways of working, and both sides learn.",
        ));
    }
    blocks.push(section(guide(MEMBER_USAGE)));
    if owner {
        blocks.push(section(format!("*For program owners*\n{}", guide(OWNER_USAGE))));
    }
    Message { text: "How to use /mentoring".to_owned(), blocks }
}

/// A command we understood the shape of but whose arguments are wrong; with no usage
/// line when the problem is not the person's wording.
pub fn usage_error(problem: &str, usage: &str) -> Message {
    if usage.is_empty() {
        return reply(problem);
    }
    reply(format!("{problem}\nUsage: `{usage}`"))
}

pub fn owners_only(what: &str) -> Message {
    reply(format!(
        "Sorry, only program owners can {what}. If you run a mentoring program, ask a program owner to add \
         you with `/mentoring owners add`."
    ))
}

pub fn other_workspace() -> Message {
    reply("Sorry, this mentoring bot serves another Slack workspace, so I can't act on that here.")
}

/// Said at once to a command stored while the handlers are behind (a launch-day
/// burst), so the person sees something within a second and knows more is coming.
pub fn on_its_way() -> Message {
    reply(
        ":hourglass_flowing_sand: Got it. Many people are using the mentoring bot right now, so your answer \
         takes a few seconds longer than usual: it will appear here. No need to send it again.",
    )
}

pub fn something_went_wrong() -> Message {
    reply("Something went wrong on my side and nothing was changed. Please try again in a minute.")
}

fn options(tags: &[String]) -> Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> {
    tags.iter().map(|t| SlackBlockChoiceItem::new(pt!(t.clone()), t.clone())).collect()
}

/// What a person typed in a search menu, answered: the items whose names start with it
/// first, then those that contain it, case-insensitive, at most Slack's 100.
fn searched<'a, T>(items: &'a [T], name: impl Fn(&T) -> &str, typed: &str) -> Vec<&'a T> {
    let typed = typed.trim().to_lowercase();
    let (mut starts, mut contains) = (Vec::new(), Vec::new());
    for item in items {
        let lower = name(item).to_lowercase();
        if lower.starts_with(&typed) {
            starts.push(item);
        } else if lower.contains(&typed) {
            contains.push(item);
        }
    }
    starts.extend(contains);
    starts.truncate(slack_limits::blocks::SELECT_OPTIONS);
    starts
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

/// The first items of a list, in at most `max_blocks` sections (a line longer than a
/// section is shortened), then one context block counting the rest and saying where
/// `rest` they are. A list of any length stays inside a message's 50 blocks.
fn first_items(lines: &[String], max_blocks: usize, rest: &str) -> Vec<SlackBlock> {
    let mut blocks = Vec::new();
    let (mut current, mut len, mut shown) = (String::new(), 0, 0);
    for line in lines {
        let line = shortened(line, SECTION_TEXT);
        let n = line.chars().count();
        if shown > 0 && len + 1 + n > SECTION_TEXT {
            blocks.push(section(std::mem::take(&mut current)));
            len = 0;
            if blocks.len() >= max_blocks {
                break;
            }
        }
        if len > 0 {
            current.push('\n');
            len += 1;
        }
        current.push_str(&line);
        len += n;
        shown += 1;
    }
    if !current.is_empty() {
        blocks.push(section(current));
    }
    if shown < lines.len() {
        blocks.push(context(format!("…and {} more. {rest}", lines.len() - shown)));
    }
    blocks
}
