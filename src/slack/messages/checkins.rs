//! What pairs see between sessions: the check-in nudge and its answers, the reflection
//! form, and a person's own reflections.

use slack_morphism::prelude::*;

use super::join::skills_select;
use super::{button, context, first_items, reply, section, text_input, Message};
use crate::domain::agenda::Session;
use crate::domain::reflection::Reflection;
use crate::domain::reflection::{ValidReflection, Visibility};
use crate::slack::ids;

/// Questions for a pair that has not met for two check-ins: small, concrete, easy to say yes to.
const CONVERSATION_STARTERS: &[&str] = &[
    "Mentee: what is one thing in your week that a new tool could make easier? Show it for 15 minutes.",
    "Mentor: what did you notice about how your generation works that surprised you at this company?",
    "Both: pick one app the mentor uses daily and try it together on a real task.",
];

/// The check-in DM to a pair. `gentle` for a pair that has stalled; `reminder` when
/// it comes back after a snooze.
pub fn nudge(
    program: &str,
    mentor: &str,
    mentees: &[String],
    checkin_id: i64,
    pair_id: i64,
    gentle: bool,
    reminder: bool,
) -> Message {
    let value = checkin_id.to_string();
    // A pair's mentee, or a circle's mentees.
    let mentee = mentees.join(">, <@");
    let opening = match (gentle, reminder) {
        (_, true) => format!("As promised, back again: <@{mentor}>, <@{mentee}>, did you get to meet?"),
        (true, false) => format!(
            "Hello <@{mentor}> and <@{mentee}>, no pressure: busy weeks happen. Even 20 minutes counts, and \
             here are a few ways to start again in *{program}*:"
        ),
        (false, false) => {
            format!("Check-in for <@{mentor}> and <@{mentee}> in *{program}*: did you meet since last time?")
        }
    };
    let mut blocks = vec![section(opening)];
    if gentle && !reminder {
        let starters: Vec<String> = CONVERSATION_STARTERS.iter().map(|s| format!("• {s}")).collect();
        blocks.push(section(starters.join("\n")));
        blocks.push(section("Did you meet since last time?"));
    }
    blocks.push(
        SlackActionsBlock::new(vec![
            button(ids::CHECKIN_MET, "We met", &value),
            button(ids::CHECKIN_NOT_YET, "Not yet", &value),
            button(ids::PAIR_PAUSE, "Pause our pair", &pair_id.to_string()),
        ])
        .into(),
    );
    blocks.push(context("\"We met\" opens a short reflection, private to you unless you choose to share it."));
    Message { text: format!("Check-in: did you meet since last time? ({program})"), blocks }
}

/// A session idea for the pair's next meeting, placed above the nudge's buttons.
pub fn add_session_idea(message: &mut Message, idea: &Session) {
    let at = message.blocks.len().saturating_sub(2);
    message.blocks.insert(at, context(format!("*An idea for your next session: {}*. {}", idea.title, idea.how)));
}

/// The answer to "Not yet": no blame, and an offer to ask again soon.
pub fn not_yet(checkin_id: i64) -> Message {
    let value = |days: u32| format!("{checkin_id}:{days}");
    Message {
        text: "No problem. Shall I ask again in a few days?".to_owned(),
        blocks: vec![
            section("No problem, noted. Shall I ask again in a few days?"),
            SlackActionsBlock::new(vec![
                button(ids::CHECKIN_SNOOZE, "Ask again in 3 days", &value(3)),
                button(ids::CHECKIN_SNOOZE_WEEK, "Ask again in a week", &value(7)),
            ])
            .into(),
        ],
    }
}

pub fn snoozed(when: &str) -> Message {
    reply(format!("I'll ask you both again {when}, in your working hours."))
}

pub fn pair_paused(pair_id: i64, already: bool) -> Message {
    let text = if already {
        "Your pair is already paused: no check-ins until you resume."
    } else {
        "Your pair is paused: no more check-ins until one of you resumes it. Nobody else is told."
    };
    Message {
        text: text.to_owned(),
        blocks: vec![
            section(text),
            SlackActionsBlock::new(vec![button(ids::PAIR_RESUME, "Resume check-ins", &pair_id.to_string())]).into(),
        ],
    }
}

pub fn pair_resumed(done: bool) -> Message {
    reply(if done {
        "Welcome back: check-ins resume on the program's schedule."
    } else {
        "There is no paused pair of yours to resume."
    })
}

pub fn no_live_pair() -> Message {
    reply("You have no live mentoring pair right now, so there is nothing to reflect on yet. I'll introduce you after the next matching round.")
}

pub fn pick_pair(partners: &[String]) -> Message {
    let names: Vec<String> = partners.iter().map(|p| format!("<@{p}>")).collect();
    reply(format!(
        "You have several partners ({}). Say which session you reflect on, e.g. `/mentoring reflect @name`.",
        names.join(", ")
    ))
}

pub fn checkin_gone() -> Message {
    reply("That check-in belongs to a pair that has ended or is not yours, so I did nothing.")
}

fn rating_option(n: u8) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    let label = match n {
        1 => "1: not useful",
        2 => "2: a little useful",
        3 => "3: useful",
        4 => "4: very useful",
        _ => "5: excellent",
    };
    SlackBlockChoiceItem::new(pt!(label), n.to_string())
}

fn visibility_option(v: Visibility) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    SlackBlockChoiceItem::new(pt!(format!("Visible to {}", v.describe())), v.as_str().to_owned())
}

/// The reflection form. `private_metadata` carries the pair (and check-in) back to us,
/// and the program, whose catalogue a skills search reads.
pub fn reflection_modal(
    partner: &str,
    catalogue: &[String],
    program_id: i64,
    pair_id: i64,
    checkin_id: Option<i64>,
) -> SlackView {
    let metadata = match checkin_id {
        Some(c) => format!("pair={pair_id};checkin={c};program={program_id}"),
        None => format!("pair={pair_id};program={program_id}"),
    };
    reflection_view(partner, catalogue, ids::REFLECTION_CALLBACK, metadata)
}

/// The same form for a one-time session: its own callback, the session in metadata.
pub fn session_reflection_modal(partner: &str, catalogue: &[String], program_id: i64, session_id: i64) -> SlackView {
    let metadata = format!("session={session_id};program={program_id}");
    reflection_view(partner, catalogue, ids::SESSION_REFLECTION_CALLBACK, metadata)
}

pub(super) fn reflection_view(partner: &str, catalogue: &[String], callback: &str, metadata: String) -> SlackView {
    let mut blocks: Vec<SlackBlock> = vec![
        section(format!(
            "A few minutes on your session with <@{partner}>. Your answers are yours: private unless you share them below."
        )),
        text_input(ids::LEARNED_BLOCK, "What I learned", None, true, "A tool, an idea, a way of seeing things."),
        text_input(ids::TAUGHT_BLOCK, "What I taught", None, true, "Both sides teach something."),
        SlackInputBlock::new(
            pt!("How useful was the session?"),
            SlackInputBlockElement::StaticSelect(
                SlackBlockStaticSelectElement::new()
                    .with_action_id(ids::RATING_ACTION.into())
                    .with_options((1..=5).rev().map(rating_option).collect()),
            ),
        )
        .with_block_id(ids::RATING_BLOCK.into())
        .into(),
    ];
    if !catalogue.is_empty() {
        blocks.push(
            SlackInputBlock::new(pt!("Skills we touched"), skills_select(catalogue, &[]))
                .with_block_id(ids::SESSION_SKILLS_BLOCK.into())
                .with_optional(true)
                .into(),
        );
    }
    let mut who = SlackBlockStaticSelectElement::new()
        .with_action_id(ids::VISIBILITY_ACTION.into())
        .with_options([Visibility::Private, Visibility::Partner, Visibility::Owners].map(visibility_option).to_vec());
    who.initial_option = Some(visibility_option(Visibility::Private));
    blocks.push(
        SlackInputBlock::new(pt!("Who may read what I wrote"), SlackInputBlockElement::StaticSelect(who))
            .with_block_id(ids::VISIBILITY_BLOCK.into())
            .with_hint(pt!("Owners always see ratings and skills as totals, never your words unless you choose so."))
            .into(),
    );
    SlackView::Modal(
        SlackModalView::new(pt!("Reflection"), blocks)
            .with_submit(pt!("Save"))
            .with_close(pt!("Cancel"))
            .with_callback_id(callback.into())
            .with_private_metadata(metadata),
    )
}

fn reflection_lines(r: &ValidReflection) -> String {
    let mut lines = vec![format!("*Rating:* {}/5", r.rating)];
    if let Some(learned) = &r.learned {
        lines.push(format!("*Learned:* {learned}"));
    }
    if let Some(taught) = &r.taught {
        lines.push(format!("*Taught:* {taught}"));
    }
    if !r.skills.is_empty() {
        lines.push(format!("*Skills:* {}", r.skills.join(", ")));
    }
    lines.join("\n")
}

/// The author's confirmation, by DM (a modal has nowhere else to answer).
pub fn reflection_saved(partner: &str, r: &ValidReflection) -> Message {
    reply(format!(
        "Saved your reflection on the session with <@{partner}>. Visible to {}.\n{}",
        r.visibility.describe(),
        reflection_lines(r)
    ))
}

/// The partner's copy of a reflection shared with them.
pub fn reflection_shared(author: &str, r: &ValidReflection) -> Message {
    reply(format!("<@{author}> shared their reflection on your last session:\n{}", reflection_lines(r)))
}

/// `/mentoring reflections`.
pub fn reflections_list(rows: &[Reflection]) -> Message {
    if rows.is_empty() {
        return reply("You have no reflections yet. `/mentoring reflect` writes one.");
    }
    let lines: Vec<String> = rows
        .iter()
        .map(|row| {
            let day = chrono::DateTime::from_timestamp(row.created_at, 0).map(|t| t.date_naive().to_string());
            format!(
                "*{}*, with <@{}> ({}):\n{}\n",
                day.unwrap_or_default(),
                row.partner,
                row.reflection.visibility.describe(),
                reflection_lines(&row.reflection)
            )
        })
        .collect();
    Message {
        text: format!("Your reflections ({})", rows.len()),
        blocks: first_items(&lines, 20, "Older ones are kept but not shown."),
    }
}
