//! What program owners read: the program summary (`/mentoring status`, App Home), the
//! owners list, the audit trail, the weekly digest, and the answer to `forget-me`.

use slack_morphism::prelude::*;

use super::{button, context, header, reply, section, sections, Message};
use crate::domain::outbound::CHART_BLOCK;
use crate::domain::status::ProgramStatus;
use crate::slack::ids;
use crate::store::AuditRow;

fn percent(fraction: Option<f64>) -> String {
    fraction.map_or("–".to_owned(), |f| format!("{:.1}%", f * 100.0))
}

fn figure(value: Option<f64>) -> String {
    value.map_or("–".to_owned(), |v| format!("{v}"))
}

fn day(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

/// The summary lines of one program: the same figures `upward status --json` prints.
pub fn summary_blocks(s: &ProgramStatus) -> Vec<SlackBlock> {
    let c = &s.participants;
    let mut lines = vec![
        format!(
            "*People:* {} mentors, {} mentees · {} active, {} paused, {} left",
            c.mentors, c.mentees, c.active, c.paused, c.left
        ),
        format!(
            "*Pairs:* {} active, {} stalled, {} ended · {} rounds · first sessions held by {}",
            s.pairs.active, s.stalled_pairs, s.pairs.ended, s.rounds, s.first_sessions
        ),
        format!(
            "*Check-ins:* {} sent, {} answered (response rate {}) · {} meetings ({} per pair)",
            s.checkins.sent,
            s.checkins.answered,
            percent(s.response_rate),
            s.meetings,
            figure(s.meetings_per_pair)
        ),
        format!("*Reflections:* {} · average session rating {} / 5", s.reflections, figure(s.average_rating)),
    ];
    if s.at_risk_pairs > 0 || s.exits > 0 {
        lines.push(format!(
            "*Needs care:* {} pair(s) at risk (the senior missed two check-ins in a row) · {} pair(s) ended by one \
             of their people",
            s.at_risk_pairs, s.exits
        ));
    }
    if !s.shared_exit_reasons.is_empty() {
        let reasons: Vec<String> = s.shared_exit_reasons.iter().map(|r| format!("\"{r}\"")).collect();
        lines.push(format!("*Reasons shared with owners:* {}", reasons.join("; ")));
    }
    if !s.top_skills.is_empty() {
        let skills: Vec<String> = s.top_skills.iter().map(|k| format!("{} ({})", k.skill, k.count)).collect();
        lines.push(format!("*Skills most learned:* {}", skills.join(", ")));
    }
    if let Some(t) = &s.trend {
        lines.push(format!(
            "*Trend:* latest round {} pairs, {} meetings, rating {} · previous round {} pairs, {} meetings, rating {}",
            t.latest.pairs,
            t.latest.meetings,
            figure(t.latest.average_rating),
            t.previous.pairs,
            t.previous.meetings,
            figure(t.previous.average_rating)
        ));
    }
    if !s.uplift.is_empty() {
        let side = |figures: &std::collections::BTreeMap<String, f64>| {
            figures.iter().map(|(topic, v)| format!("{topic} {v:+}")).collect::<Vec<_>>().join(", ")
        };
        let mut parts = Vec::new();
        if !s.uplift.mentees.is_empty() {
            parts.push(format!("mentees {}", side(&s.uplift.mentees)));
        }
        if !s.uplift.mentors.is_empty() {
            parts.push(format!("mentors {}", side(&s.uplift.mentors)));
        }
        lines.push(format!("*Confidence uplift* (after − before, 1–5): {}", parts.join(" · ")));
    }
    if s.dead_letters > 0 {
        lines.push(format!(
            ":warning: *{} messages could not be delivered* after retries; they are kept in the outbox's dead letters.",
            s.dead_letters
        ));
    }
    let mut blocks = vec![section(lines.join("\n"))];
    if !s.unmatched.is_empty() {
        let unmatched: Vec<String> = s.unmatched.iter().map(|u| format!("• <@{}>: {}", u.user, u.reason)).collect();
        blocks.push(section(format!("*Unmatched in the latest round ({})*", unmatched.len())));
        blocks.extend(sections(&unmatched, "`upward status --json` lists them all."));
    }
    blocks
}

/// `/mentoring status`: ephemeral, for owners.
pub fn status_summary(s: &ProgramStatus) -> Message {
    let mut blocks = vec![header(&format!("Program {}", s.program))];
    blocks.extend(summary_blocks(s));
    blocks.truncate(48);
    blocks.push(context("Figures only: reflection texts are never shown here, and ratings are averages."));
    Message { text: format!("Status of {}", s.program), blocks }
}

/// The owners' part of App Home: a summary per program, with its buttons.
pub fn owner_dashboard(programs: &[(i64, ProgramStatus)]) -> Vec<SlackBlock> {
    let mut blocks = vec![
        SlackDividerBlock::new().into(),
        header("Program owners"),
        context("Meetings (bars) and the average session rating (line, 1 to 5) per week, the last 12 weeks:"),
        SlackSectionBlock::new().with_text(md!("The chart is on its way.")).with_block_id(CHART_BLOCK.into()).into(),
    ];
    for (id, s) in programs {
        blocks.push(section(format!("*{}*", s.program)));
        blocks.extend(summary_blocks(s));
        blocks.push(
            SlackActionsBlock::new(vec![
                button(ids::HOME_MATCH, "Preview a match", &id.to_string()),
                button(ids::HOME_EXPORT, "Export CSV", &id.to_string()),
            ])
            .into(),
        );
    }
    blocks.push(context("Figures only: reflection texts are never shown here."));
    blocks
}

pub fn export_comment(program: &str, pairs: usize) -> String {
    format!(
        "The export of *{program}*: {pairs} pairs with their check-ins, meetings, ratings and skills. Reflection \
         texts are included only where their authors shared them with owners."
    )
}

pub fn export_queued(program: &str, filename: &str) -> Message {
    reply(format!("Exporting *{program}*: `{filename}` will arrive in your DM with me in a moment."))
}

pub fn owners_list(configured: &[String], added: &[String]) -> Message {
    let names = |ids: &[String]| ids.iter().map(|u| format!("<@{u}>")).collect::<Vec<_>>().join(", ");
    let mut lines = Vec::new();
    if !configured.is_empty() {
        lines.push(format!("*Set by the bot's configuration (UPWARD_OWNERS):* {}", names(configured)));
    }
    lines.push(if added.is_empty() {
        "*Added from Slack:* nobody yet. `/mentoring owners add @someone` adds one.".to_owned()
    } else {
        format!("*Added from Slack:* {}", names(added))
    });
    reply(lines.join("\n"))
}

pub fn owner_added(user: &str, fresh: bool) -> Message {
    reply(if fresh {
        format!("<@{user}> is now a program owner: they can run rounds, read the figures and export.")
    } else {
        format!("<@{user}> already is a program owner.")
    })
}

pub fn owner_removed(user: &str, removed: bool, configured: bool) -> Message {
    reply(match (removed, configured) {
        (true, _) => format!("<@{user}> is no longer a program owner."),
        (false, true) => format!(
            "<@{user}> is an owner through the bot's configuration (UPWARD_OWNERS); ask whoever runs the bot to \
             change it."
        ),
        (false, false) => format!("<@{user}> is not a program owner: nothing changed."),
    })
}

pub fn audit_list(rows: &[AuditRow]) -> Message {
    if rows.is_empty() {
        return reply("No owner actions recorded yet.");
    }
    let lines: Vec<String> =
        rows.iter().map(|r| format!("• {}: <@{}> {}", day(r.created_at), r.actor, r.action)).collect();
    Message { text: format!("The latest {} owner actions", rows.len()), blocks: sections(&lines, "") }
}

/// The answer to `forget-me`: what went, and what stays (anonymous figures).
pub fn forgotten(programs: usize, reflections: u64, ended_pairs: usize) -> Message {
    reply(format!(
        "Done. I deleted your profile in {programs} program(s), the texts of your {reflections} reflection(s), your \
         cached time zone and the requests and messages stored under your name; {ended_pairs} live pair(s) ended \
         and your partners were told kindly.\nWhat I kept, without your name: past pairs, check-ins, meetings, \
         ratings and skills, so the program's totals stay true."
    ))
}

pub fn partner_left(program: &str) -> Message {
    reply(format!(
        "Your reverse-mentoring partner in *{program}* has left the program, so your pair has ended. Thank you for \
         the time you gave each other: you'll be matched with someone new in the next round."
    ))
}

/// A pair that needs a human touch, as the digest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attention {
    pub mentor: String,
    pub mentee: String,
    pub why: String,
}

/// The weekly digest to an owner.
pub fn digest(s: &ProgramStatus, week: &[String], attention: &[Attention]) -> Message {
    let mut blocks = vec![header(&format!("Weekly digest: {}", s.program))];
    blocks.push(section(format!(
        "*This week*\n{}",
        if week.is_empty() { "No changes.".to_owned() } else { week.join("\n") }
    )));
    let needing: Vec<String> =
        attention.iter().map(|a| format!("• <@{}> teaching <@{}>: {}", a.mentor, a.mentee, a.why)).collect();
    if needing.is_empty() {
        blocks.push(section("*Pairs that need a human touch:* none this week."));
    } else {
        blocks.push(section(format!("*Pairs that need a human touch ({})*", needing.len())));
        blocks.extend(sections(&needing, "`/mentoring status` has the figures."));
    }
    blocks.extend(summary_blocks(s));
    blocks.truncate(49);
    blocks.push(context("Figures only: reflection texts are never shown here."));
    Message { text: format!("Weekly digest of {}", s.program), blocks }
}
