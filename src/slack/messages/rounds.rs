//! Matching rounds in Slack: the owner's preview and confirmation, and the group DM
//! that introduces each pair.

use slack_morphism::prelude::*;

use std::collections::HashMap;

use super::owners::program_picker;
use super::{button, context, count, first_items, header, reply, section};
use crate::domain::agenda::Session;
use crate::domain::outbound::Message;
use crate::domain::pair::Pair;
use crate::domain::program::Program;
use crate::domain::rounds::{Plan, UnmatchedPerson};
use crate::slack::ids;

/// Sections of pairs, and of unmatched people, a preview shows before it points to the file.
const PREVIEW_PAIR_BLOCKS: usize = 6;
const PREVIEW_UNMATCHED_BLOCKS: usize = 3;
const FULL_LIST: &str = "*Download the full list* sends every pair and everyone unmatched as a file.";

fn plan_lines(plan: &Plan) -> (Vec<String>, Vec<String>) {
    let pairs = plan
        .pairs
        .iter()
        .map(|p| format!("• <@{}> teaches <@{}> (score {}): {}", p.mentor, p.mentee, p.score, p.reasons.join("; ")))
        .collect();
    let unmatched = plan.unmatched.iter().map(|u| format!("• <@{}>: {}", u.user, u.reason)).collect();
    (pairs, unmatched)
}

/// A gap as people read it: "0.04 %", "under 0.01 %".
fn percent(gap: f64) -> String {
    if gap < 0.01 {
        "under 0.01 %".to_owned()
    } else {
        format!("{gap:.2} %")
    }
}

/// The owner's first answer when a round of many people starts: the search takes seconds.
pub fn matching_started(program: &str, people: usize) -> Message {
    reply(format!(
        "Matching *{program}* ({people} people). The preview follows in a few seconds; I will say how the \
         search goes meanwhile."
    ))
}

/// A word to the owner while a large round is still being searched.
pub fn matching_progress(program: &str, people: usize, round: usize, gap_pct: f64) -> Message {
    reply(format!(
        "Still matching *{program}* ({people} people): search round {round}, already within {} of the best \
         possible. The preview follows when the search proves its best or its time budget ends.",
        percent(gap_pct)
    ))
}

/// What `/mentoring match` proposes, for the owner to confirm with a button: a
/// summary, the first pairs and unmatched people, the whole list as a file on request,
/// and with several programs a picker to preview another.
pub fn round_preview(plan: &Plan, changed: bool, programs: &[Program]) -> Message {
    let (pairs, unmatched) = plan_lines(plan);
    let mut blocks = vec![header(&format!("Matching preview: {}", plan.program))];
    if changed {
        blocks.push(section(
            "People joined, paused or changed their profiles since the last preview, so here is a new \
             proposal. Nothing was sent yet.",
        ));
    }
    let proof = if plan.proven() {
        "the best possible total (proven)".to_owned()
    } else {
        format!("within {} of the best possible: the search used its time budget", percent(plan.gap_pct()))
    };
    blocks.push(section(format!(
        "*{}*, total score {} ({proof}). *{} unmatched.*",
        count(plan.pairs.len(), "pair", "pairs"),
        plan.total_score,
        plan.unmatched.len()
    )));
    blocks.extend(first_items(&pairs, PREVIEW_PAIR_BLOCKS, FULL_LIST));
    if !unmatched.is_empty() {
        blocks.push(section("*Unmatched, and why*"));
        blocks.extend(first_items(&unmatched, PREVIEW_UNMATCHED_BLOCKS, FULL_LIST));
    }
    if !plan.not_eligible.is_empty() {
        let left_out: Vec<String> = plan.not_eligible.iter().map(|(why, n)| format!("{n} {why}")).collect();
        blocks.push(context(format!("Not in this round: {}.", left_out.join(", "))));
    }
    let value = plan.program_id.to_string();
    let mut actions = Vec::new();
    if !plan.pairs.is_empty() {
        let confirm = SlackBlockButtonElement::new(pt!("Confirm"))
            .with_action_id(ids::PREVIEW_CONFIRM.into())
            .with_value(value.clone())
            .with_style(SlackBlockButtonStyle::Primary);
        actions.push(SlackActionBlockElement::Button(confirm));
    }
    if !plan.pairs.is_empty() || !plan.unmatched.is_empty() {
        actions.push(button(ids::PREVIEW_DOWNLOAD, "Download the full list", &value));
    }
    if programs.len() > 1 {
        let names: Vec<(i64, &str)> = programs.iter().map(|p| (p.id, p.name.as_str())).collect();
        actions.push(program_picker(ids::PREVIEW_PROGRAM, "Preview another program", &names, Some(plan.program_id)));
    }
    if !actions.is_empty() {
        blocks.push(SlackActionsBlock::new(actions).into());
    }
    blocks.push(context(if plan.pairs.is_empty() {
        "Nothing to confirm: there is no one to pair right now."
    } else {
        "*Confirm* makes these pairs live and introduces each pair in a group DM. Nothing is sent before."
    }));
    Message {
        text: format!("Matching preview for {}: {}", plan.program, count(plan.pairs.len(), "pair", "pairs")),
        blocks,
    }
}

/// The whole preview as a text file, with people's names beside their Slack ids (a
/// file shows no mentions): what *Download the full list* sends.
/// A person in a file: their Slack name beside their id, so the list reads without Slack.
fn who(names: &HashMap<String, String>, id: &str) -> String {
    match names.get(id) {
        Some(name) => format!("{name} ({id})"),
        None => id.to_owned(),
    }
}

/// One line per unmatched person, with the reason.
fn unmatched_lines(unmatched: &[UnmatchedPerson], names: &HashMap<String, String>) -> String {
    unmatched.iter().map(|u| format!("- {}: {}\n", who(names, &u.user), u.reason)).collect()
}

pub fn preview_file(plan: &Plan, names: &HashMap<String, String>) -> String {
    let who = |id: &str| who(names, id);
    let mut out = format!(
        "Matching preview: {}\n{}, total score {} (at most {} possible), {} unmatched.\n\nPairs\n",
        plan.program,
        count(plan.pairs.len(), "pair", "pairs"),
        plan.total_score,
        plan.upper_bound,
        plan.unmatched.len()
    );
    for p in &plan.pairs {
        out.push_str(&format!(
            "- {} teaches {} (score {}): {}\n",
            who(&p.mentor),
            who(&p.mentee),
            p.score,
            p.reasons.join("; ")
        ));
    }
    out.push_str("\nUnmatched, and why\n");
    out.push_str(&unmatched_lines(&plan.unmatched, names));
    out
}

/// *Download the unmatched list* under a program's figures: who the latest confirmed
/// round left unmatched, and why.
pub fn unmatched_file(program: &str, unmatched: &[UnmatchedPerson], names: &HashMap<String, String>) -> String {
    format!(
        "Unmatched in the latest round of {program}: {}.\n\n{}",
        count(unmatched.len(), "person", "people"),
        unmatched_lines(unmatched, names)
    )
}

pub fn unmatched_file_comment(program: &str, people: usize) -> String {
    format!(
        "Everyone the latest round of *{program}* left unmatched ({}), with the reasons. `/mentoring match` \
         previews the next round.",
        count(people, "person", "people")
    )
}

/// The answer to a download button: the file comes by DM.
pub fn file_queued(what: &str, program: &str) -> Message {
    reply(format!("The {what} of *{program}* will arrive in your DM with me in a moment."))
}

pub fn preview_file_comment(program: &str, pairs: usize) -> String {
    format!(
        "The full matching preview of *{program}*: {} and everyone unmatched. Nothing is live until you press \
         *Confirm* on the preview.",
        count(pairs, "pair", "pairs")
    )
}

pub fn round_confirmed(program: &str, pairs: usize, unmatched: usize) -> Message {
    reply(format!(
        "Round confirmed in *{program}*: {} live and their introductions are on their way; {} unmatched \
         until the next round.",
        count(pairs, "pair is", "pairs are"),
        count(unmatched, "person stays", "people stay")
    ))
}

pub fn automatic_round(program: &str, pairs: usize, unmatched: usize) -> Message {
    reply(if pairs == 0 {
        format!("The automatic matching round of *{program}* ran: there was no one to pair this time.")
    } else {
        format!(
            "The automatic matching round of *{program}* ran: {} live and introduced; {} unmatched. \
             `/mentoring match` previews who is left.",
            count(pairs, "new pair is", "new pairs are"),
            count(unmatched, "person stays", "people stay")
        )
    })
}

pub fn nothing_to_confirm(program: &str) -> Message {
    reply(format!("There is no one to pair in *{program}* right now, so there is nothing to confirm."))
}

/// The group DM that starts a pair.
pub fn introduction(program: &str, pair: &Pair, ideas: &[&Session]) -> Message {
    let (mentor, mentee) = (&pair.mentor_user, &pair.mentee_user);
    let reasons: Vec<String> = pair.reasons.iter().map(|r| format!("• {r}")).collect();
    let value = pair.id.to_string();
    let blocks = vec![
        section(format!(
            ":wave: <@{mentor}>, meet <@{mentee}>! You are a reverse-mentoring pair in *{program}*: \
             <@{mentor}> teaches, <@{mentee}> learns, and you both learn from each other."
        )),
        section(format!("*Why you were matched*\n{}", reasons.join("\n"))),
        section(
            "*A first session (45 minutes)*\n\
             1. Ten minutes each: your role, a normal week, what you are curious about.\n\
             2. The mentee picks the first topic; the mentor shows it hands-on, on real work.\n\
             3. Agree how often you meet (every two weeks works well) and book the next one.",
        ),
        section(format!(
            "*Session ideas for you two*\n{}",
            ideas.iter().map(|s| format!("• *{}*: {}", s.title, s.how)).collect::<Vec<_>>().join("\n")
        )),
        section(
            "*Ground rules*\n• What is said between you stays between you.\n\
             • No hierarchy in the room: questions are welcome both ways.\n\
             • Both sides learn: mentors, ask about strategy and leadership too.",
        ),
        SlackActionsBlock::new(vec![
            button(ids::INTRO_SCHEDULED, "We've scheduled our first session", &value),
            button(ids::INTRO_WONT_WORK, "This pairing isn't working", &value),
        ])
        .into(),
    ];
    Message { text: format!("Meet your reverse-mentoring partner in {program}"), blocks }
}

/// The introduction of a circle: its mentor (`members[0]`) and every mentee, with the
/// round's `newcomers` welcomed. One conversation for the whole circle.
pub fn circle_introduction(program: &str, members: &[String], newcomers: &[String], ideas: &[&Session]) -> Message {
    let mention = |users: &[String]| users.iter().map(|u| format!("<@{u}>")).collect::<Vec<_>>().join(", ");
    let (mentor, mentees) = members.split_first().map_or((String::new(), &[][..]), |(m, e)| (m.clone(), e));
    let opening = if newcomers.len() == mentees.len() {
        format!(
            ":wave: Welcome to your reverse-mentoring *circle* in *{program}*: <@{mentor}> teaches, {} learn together, \
             and everyone learns from everyone.",
            mention(mentees)
        )
    } else {
        format!(
            ":wave: {} joined <@{mentor}>'s reverse-mentoring *circle* in *{program}*. The circle now: {}.",
            mention(newcomers),
            mention(mentees)
        )
    };
    let mut blocks = vec![
        section(opening),
        section(
            "*A first circle session (60 minutes)*\n\
             1. Five minutes each: your role, a normal week, what you are curious about.\n\
             2. The mentor shows one tool hands-on, on a real task someone brings.\n\
             3. Agree how often the circle meets and book the next one.",
        ),
    ];
    if !ideas.is_empty() {
        blocks.push(section(format!(
            "*Session ideas for the circle*\n{}",
            ideas.iter().map(|s| format!("• *{}*: {}", s.title, s.how)).collect::<Vec<_>>().join("\n")
        )));
    }
    blocks.push(context(
        "I'll check in with the whole circle here; *We met* asks each of you for your own reflection. \
         `/mentoring rematch` leaves the circle privately.",
    ));
    Message { text: format!("Your reverse-mentoring circle in {program}"), blocks }
}

pub fn session_scheduled(already: bool) -> Message {
    reply(if already {
        "Already noted: your first session is scheduled. Enjoy it!"
    } else {
        "Great, noted that your first session is scheduled. I'll check in with you both after it."
    })
}

pub fn not_your_pair() -> Message {
    reply("That button belongs to another pair's introduction, so I did nothing.")
}

pub fn unpaired(program: &str, user: &str, ended: &[Pair]) -> Message {
    if ended.is_empty() {
        return reply(format!("<@{user}> has no live pair in *{program}*: nothing changed."));
    }
    let partners: Vec<String> = ended.iter().map(|p| format!("<@{}>", p.partner_of(user))).collect();
    reply(format!(
        "Ended <@{user}>'s pair with {} in *{program}*. Both are told kindly, and both can be matched again: \
         run `/mentoring match` for a preview.",
        partners.join(", ")
    ))
}

pub fn pair_ended(program: &str, partner: &str) -> Message {
    reply(format!(
        "Your reverse-mentoring pair with <@{partner}> in *{program}* has ended. Thank you for the time you \
         gave each other. You'll be matched with someone new in the next round."
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::plain_text;
    use super::*;

    fn plan(total_score: i64, upper_bound: i64) -> Plan {
        Plan {
            program_id: 1,
            program: "default".into(),
            seed: 1,
            pairs: vec![],
            unmatched: vec![],
            total_score,
            upper_bound,
            inputs_hash: String::new(),
            not_eligible: BTreeMap::new(),
            circle: false,
        }
    }

    #[test]
    fn a_preview_says_whether_its_round_is_proven_or_how_close_the_budget_left_it() {
        let proven = plain_text(&serde_json::to_value(round_preview(&plan(500, 500), false, &[]).blocks).unwrap());
        assert!(proven.contains("the best possible total (proven)"), "{proven}");
        let cut = plain_text(&serde_json::to_value(round_preview(&plan(9_996, 10_000), false, &[]).blocks).unwrap());
        assert!(cut.contains("within 0.04 % of the best possible"), "{cut}");
        let close =
            plain_text(&serde_json::to_value(round_preview(&plan(999_999, 1_000_000), false, &[]).blocks).unwrap());
        assert!(close.contains("within under 0.01 % of the best possible"), "{close}");
    }
}
