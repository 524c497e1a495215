//! What program owners read: the program summary (`/mentoring status`, App Home), the
//! owners list, the audit trail, the weekly digest, and the answer to `forget-me`.

use slack_morphism::prelude::*;

use super::{button, context, count, first_items, header, packed, reply, searched, section, shortened, Message};
use crate::domain::outbound::CHART_BLOCK;
use crate::domain::program::Program;
use crate::domain::status::ProgramStatus;
use crate::slack::ids;
use crate::store::{AuditRow, WeekCounts};

fn percent(fraction: Option<f64>) -> String {
    fraction.map_or("–".to_owned(), |f| format!("{:.1}%", f * 100.0))
}

fn figure(value: Option<f64>) -> String {
    value.map_or("–".to_owned(), |v| format!("{v}"))
}

fn day(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

/// A wait in minutes, as people say it.
fn minutes(m: i64) -> String {
    match m {
        m if m < 120 => count(m, "minute", "minutes"),
        m if m < 48 * 60 => count(m / 60, "hour", "hours"),
        m => count(m / (24 * 60), "day", "days"),
    }
}

/// The summary lines of one program: the same figures `upward status --json` prints,
/// with a button for the whole unmatched list (`program_id` is its value).
pub fn summary_blocks(s: &ProgramStatus, program_id: i64) -> Vec<SlackBlock> {
    let c = &s.participants;
    let mut lines = vec![
        format!(
            "*People:* {}, {} · {} active, {} paused, {} left",
            count(c.mentors, "mentor", "mentors"),
            count(c.mentees, "mentee", "mentees"),
            c.active,
            c.paused,
            c.left
        ),
        format!(
            "*Pairs:* {} active, {} stalled, {} ended · {} · first sessions held by {}",
            s.pairs.active,
            s.stalled_pairs,
            s.pairs.ended,
            count(s.rounds, "round", "rounds"),
            count(s.first_sessions, "pair", "pairs")
        ),
        format!(
            "*Check-ins:* {} sent, {} answered (response rate {}) · {} ({} per pair)",
            s.checkins.sent,
            s.checkins.answered,
            percent(s.response_rate),
            count(s.meetings, "meeting", "meetings"),
            figure(s.meetings_per_pair)
        ),
        format!("*Reflections:* {} · average session rating {} / 5", s.reflections, figure(s.average_rating)),
    ];
    if s.at_risk_pairs > 0 || s.exits > 0 {
        lines.push(format!(
            "*Needs care:* {} at risk (the senior missed two check-ins in a row) · {} ended by one of their people",
            count(s.at_risk_pairs, "pair", "pairs"),
            count(s.exits, "pair", "pairs")
        ));
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
    if let Some(size) = s.circles.size.filter(|_| s.circles.live > 0) {
        lines.push(format!(
            "*Circles* (up to {size} mentees each): {} live, {} in them, {} full",
            s.circles.live,
            count(s.circles.mentees, "mentee", "mentees"),
            s.circles.full
        ));
    }
    let j = &s.projects;
    if j.proposed + j.live + j.ended > 0 {
        lines.push(format!(
            "*Projects:* {} waiting for a junior, {} live, {} ended · goal reached: {} yes, {} partly, {} no",
            j.proposed, j.live, j.ended, j.reached, j.partly, j.not_reached
        ));
    }
    let o = &s.sessions;
    if o.asked > 0 {
        let wait = o.median_minutes_to_mentor.map_or_else(String::new, |m| {
            format!(
                " · time to a mentor {} (median), {} at most",
                minutes(m),
                minutes(o.max_minutes_to_mentor.unwrap_or(m))
            )
        });
        lines.push(format!(
            "*One-time sessions:* {} asked, {} matched, {} held, {} unmet{wait}",
            o.asked, o.matched, o.held, o.unmet
        ));
        let skills: Vec<String> = o
            .by_skill
            .iter()
            .take(10)
            .map(|k| {
                format!("{} {} asked, {} matched, {} held, {} unmet", k.skill, k.asked, k.matched, k.held, k.unmet)
            })
            .collect();
        lines.push(format!("*Sessions by skill:* {}", skills.join(" · ")));
    }
    let o = &s.onboarding;
    if let Some(channel) = &o.channel {
        lines.push(format!(
            "*Channel <#{channel}>:* {} invited on joining it, {} of them joined the program",
            count(o.via_channel.invited, "person", "people"),
            o.via_channel.joined
        ));
    }
    if let Some(import) = &o.last_import {
        lines.push(format!(
            "*Org chart:* last import {} · {} read, {} updated, {} unchanged, {} unmatched, {} refused",
            day(import.applied_at),
            count(import.rows_read, "row", "rows"),
            import.updated,
            import.unchanged,
            import.unmatched,
            import.refused
        ));
    }
    if s.dead_letters > 0 {
        lines.push(format!(
            ":warning: *{} messages could not be delivered* after retries; they are kept in the outbox's dead letters.",
            s.dead_letters
        ));
    }
    let mut blocks = packed(&lines.join("\n"));
    if !s.shared_exit_reasons.is_empty() {
        let reasons: Vec<String> = s.shared_exit_reasons.iter().map(|r| format!("• \"{r}\"")).collect();
        blocks.push(section(format!("*Reasons shared with owners ({})*", reasons.len())));
        blocks.extend(first_items(&reasons, 1, "The most recent are shown."));
    }
    if !s.unmatched.is_empty() {
        let unmatched: Vec<String> = s.unmatched.iter().map(|u| format!("• <@{}>: {}", u.user, u.reason)).collect();
        blocks.push(section(format!("*Unmatched in the latest round ({})*", unmatched.len())));
        blocks.extend(first_items(&unmatched, 2, "*Download the unmatched list* sends everyone, with the reasons."));
        blocks.push(
            SlackActionsBlock::new(vec![button(
                ids::STATUS_UNMATCHED,
                "Download the unmatched list",
                &program_id.to_string(),
            )])
            .into(),
        );
    }
    blocks
}

/// `/mentoring status`: ephemeral, for owners.
pub fn status_summary(s: &ProgramStatus, program_id: i64) -> Message {
    let mut blocks = vec![header(&format!("Program {}", s.program))];
    blocks.extend(summary_blocks(s, program_id));
    blocks.push(context("Figures only: reflection texts are never shown here, and ratings are averages."));
    Message { text: format!("Status of {}", s.program), blocks }
}

/// Sections the owners' table of programs may take in the App Home.
const TABLE_BLOCKS: usize = 4;

/// One program's row in the owners' table.
fn table_row(s: &ProgramStatus) -> String {
    format!(
        "• *{}*: {} active · {} live · {} · response rate {}",
        s.program,
        count(s.participants.active, "person", "people"),
        count(s.pairs.active, "pair", "pairs"),
        count(s.rounds, "round", "rounds"),
        percent(s.response_rate)
    )
}

/// A menu of programs, `selected` shown: a list up to Slack's 100 options, past that a
/// search whose options Slack loads from the bot ([`program_options`]).
pub(super) fn program_picker(
    action_id: &str,
    placeholder: &str,
    programs: &[(i64, &str)],
    selected: Option<i64>,
) -> SlackActionBlockElement {
    let option = |(id, name): &(i64, &str)| SlackBlockChoiceItem::new(pt!(shortened(name, 75)), id.to_string());
    let initial = programs.iter().find(|(id, _)| Some(*id) == selected).map(option);
    if programs.len() > slack_limits::blocks::SELECT_OPTIONS {
        let mut search = SlackBlockExternalSelectElement::new()
            .with_action_id(action_id.into())
            .with_min_query_length(0)
            .with_placeholder(pt!(format!("{placeholder} (type to search {})", programs.len())));
        search.initial_option = initial;
        return SlackActionBlockElement::ExternalSelect(search);
    }
    let mut select = SlackBlockStaticSelectElement::new()
        .with_action_id(action_id.into())
        .with_options(programs.iter().map(option).collect())
        .with_placeholder(pt!(placeholder));
    select.initial_option = initial;
    SlackActionBlockElement::StaticSelect(select)
}

/// The programs a search menu of programs shows for what was typed (handle or display name).
pub fn program_options(programs: &[Program], typed: &str) -> Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> {
    let by_name = searched(programs, |p| &p.name, typed);
    let by_handle = searched(programs, |p| &p.handle, typed);
    let mut found: Vec<&Program> = by_name.into_iter().chain(by_handle).collect();
    let mut seen = std::collections::HashSet::new();
    found.retain(|p| seen.insert(p.id));
    found.truncate(slack_limits::blocks::SELECT_OPTIONS);
    found.into_iter().map(|p| SlackBlockChoiceItem::new(pt!(shortened(&p.name, 75)), p.id.to_string())).collect()
}

/// The owners' part of App Home, the same size at any number of programs: a compact
/// table of every program, the chart, a program picker and the picked program's
/// figures with its buttons (the first program until one is picked).
pub fn owner_dashboard(programs: &[(i64, ProgramStatus)], selected: Option<i64>) -> Vec<SlackBlock> {
    let mut blocks = vec![SlackDividerBlock::new().into(), header("Program owners")];
    let rows: Vec<String> = programs.iter().map(|(_, s)| table_row(s)).collect();
    blocks.extend(first_items(&rows, TABLE_BLOCKS, "Pick a program below to see its figures."));
    blocks.extend([
        context("Meetings (bars) and the average session rating (line, 1 to 5) per week, the last 12 weeks:"),
        SlackSectionBlock::new().with_text(md!("The chart is on its way.")).with_block_id(CHART_BLOCK.into()).into(),
    ]);
    let Some((id, s)) = programs.iter().find(|(id, _)| Some(*id) == selected).or(programs.first()) else {
        return blocks;
    };
    let value = id.to_string();
    let mut actions =
        vec![button(ids::HOME_MATCH, "Preview a match", &value), button(ids::HOME_EXPORT, "Export CSV", &value)];
    if programs.len() > 1 {
        let names: Vec<(i64, &str)> = programs.iter().map(|(id, s)| (*id, s.program.as_str())).collect();
        actions.push(program_picker(ids::HOME_PROGRAM, "Another program", &names, Some(*id)));
    }
    blocks.push(section(format!("*{}*", s.program)));
    blocks.extend(summary_blocks(s, *id));
    blocks.push(SlackActionsBlock::new(actions).into());
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
    Message {
        text: format!("The latest {}", count(rows.len(), "owner action", "owner actions")),
        blocks: first_items(&lines, 10, "Older ones are kept but not shown."),
    }
}

/// The answer to `forget-me`: what went, and what stays (anonymous figures).
pub fn forgotten(programs: usize, reflections: u64, ended_pairs: usize) -> Message {
    reply(format!(
        "Done. I deleted your profile in {}, the texts of your {}, your cached time zone and the requests and \
         messages stored under your name; {} ended and your partners were told kindly.\nWhat I kept, without your \
         name: past pairs, check-ins, meetings, ratings and skills, so the program's totals stay true.",
        count(programs, "program", "programs"),
        count(reflections, "reflection", "reflections"),
        count(ended_pairs, "live pair", "live pairs"),
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

/// The week's changes, one line each, in words; none for what did not change.
fn week_lines(week: &WeekCounts) -> Vec<String> {
    [
        (week.joined, "person joined", "people joined"),
        (week.left, "person left", "people left"),
        (week.new_pairs, "new pair", "new pairs"),
        (week.checkins, "check-in sent", "check-ins sent"),
        (week.meetings, "meeting", "meetings"),
        (week.reflections, "reflection", "reflections"),
        (week.exits, "pair ended by one of its people", "pairs ended by one of their people"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("• {}", count(n, one, many)))
    .collect()
}

/// The weekly digest to an owner.
pub fn digest(s: &ProgramStatus, program_id: i64, week: &WeekCounts, attention: &[Attention]) -> Message {
    let mut blocks = vec![header(&format!("Weekly digest: {}", s.program))];
    let week = week_lines(week);
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
        blocks.extend(first_items(&needing, 5, "The App Home shows every program's figures."));
    }
    blocks.extend(summary_blocks(s, program_id));
    blocks.push(context("Figures only: reflection texts are never shown here."));
    Message { text: format!("Weekly digest of {}", s.program), blocks }
}
