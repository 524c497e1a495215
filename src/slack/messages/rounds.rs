//! Matching rounds in Slack: the owner's preview and confirmation, and the group DM
//! that introduces each pair.

use slack_morphism::prelude::*;

use super::{button, context, header, reply, section, sections};
use crate::domain::agenda::Session;
use crate::domain::outbound::Message;
use crate::domain::pair::Pair;
use crate::domain::rounds::Plan;
use crate::slack::ids;

fn plan_lines(plan: &Plan) -> (Vec<String>, Vec<String>) {
    let pairs = plan
        .pairs
        .iter()
        .map(|p| format!("• <@{}> teaches <@{}> (score {}): {}", p.mentor, p.mentee, p.score, p.reasons.join("; ")))
        .collect();
    let unmatched = plan.unmatched.iter().map(|u| format!("• <@{}>: {}", u.user, u.reason)).collect();
    (pairs, unmatched)
}

/// What `/mentoring match` proposes, for the owner to confirm.
pub fn round_preview(plan: &Plan, changed: bool) -> Message {
    let (pairs, unmatched) = plan_lines(plan);
    let mut blocks = vec![header(&format!("Matching preview: {}", plan.program))];
    if changed {
        blocks.push(section(
            "People joined, paused or changed their profiles since the last preview, so here is a new \
             proposal. Nothing was sent yet.",
        ));
    }
    let proof = if plan.total_score == plan.upper_bound {
        "the best possible total (proven)".to_owned()
    } else {
        format!("at most {} possible", plan.upper_bound)
    };
    blocks.push(section(format!(
        "*{} pairs*, total score {} ({proof}). *{} unmatched.*",
        plan.pairs.len(),
        plan.total_score,
        plan.unmatched.len()
    )));
    let hint = "`upward match --dry-run --json` lists them all.";
    blocks.extend(sections(&pairs, hint));
    if !unmatched.is_empty() {
        blocks.push(section("*Unmatched, and why*"));
        blocks.extend(sections(&unmatched, hint));
    }
    if !plan.not_eligible.is_empty() {
        let left_out: Vec<String> = plan.not_eligible.iter().map(|(why, n)| format!("{n} {why}")).collect();
        blocks.push(context(format!("Not in this round: {}.", left_out.join(", "))));
    }
    blocks.truncate(48);
    blocks.push(context(if plan.pairs.is_empty() {
        "Nothing to confirm: there is no one to pair right now.".to_owned()
    } else {
        "Run `/mentoring match confirm` to make these pairs live and introduce them.".to_owned()
    }));
    Message { text: format!("Matching preview for {}: {} pairs", plan.program, plan.pairs.len()), blocks }
}

pub fn round_confirmed(program: &str, pairs: usize, unmatched: usize) -> Message {
    reply(format!(
        "Round confirmed in *{program}*: {pairs} pairs are live and their introductions are on their way; \
         {unmatched} people stay unmatched until the next round."
    ))
}

pub fn automatic_round(program: &str, pairs: usize, unmatched: usize) -> Message {
    reply(if pairs == 0 {
        format!("The automatic matching round of *{program}* ran: there was no one to pair this time.")
    } else {
        format!(
            "The automatic matching round of *{program}* ran: {pairs} new pairs are live and introduced; \
             {unmatched} people stay unmatched. `/mentoring match` previews who is left."
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
