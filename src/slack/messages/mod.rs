//! Every text the bot shows, built as Block Kit: pure functions from data to messages
//! and views, so wording is reviewed in one place and checked by snapshot tests.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use super::outbound::Message;
use crate::domain::agenda::Session;
use crate::domain::bounds::{cut, HEADER_MAX, SECTION_MAX};
use crate::domain::participant::{Role, Status, MAX_LEVEL};
use crate::domain::settings::ProgramSettings;
use crate::domain::summary::ParticipantCounts;
use crate::rounds::Plan;
use crate::store::{PairRow, Participant, Program};

/// Block and action ids shared by the views we send and the parsers of what comes back.
pub mod ids {
    pub const JOIN_CALLBACK: &str = "join_modal";
    pub const ROLE_BLOCK: &str = "role";
    pub const ROLE_ACTION: &str = "role_select";
    pub const TEACH_TAGS_BLOCK: &str = "teach_tags";
    pub const TEACH_BLOCK: &str = "teach";
    pub const LEARN_TAGS_BLOCK: &str = "learn_tags";
    pub const LEARN_BLOCK: &str = "learn";
    /// A single skills field whose meaning follows the role (older or simpler forms).
    pub const SKILLS_BLOCK: &str = "skills";
    pub const DEPARTMENT_BLOCK: &str = "department";
    pub const GOALS_BLOCK: &str = "goals";
    pub const MANAGER_BLOCK: &str = "manager";
    pub const LEVEL_BLOCK: &str = "level";
    pub const LEVEL_ACTION: &str = "level_select";
    pub const USER_ACTION: &str = "user_select";
    pub const TAGS_ACTION: &str = "tags_select";
    pub const TEXT_ACTION: &str = "text_input";
    pub const HOME_JOIN: &str = "home_join";
    pub const HOME_PAUSE: &str = "home_pause";
    pub const HOME_RESUME: &str = "home_resume";
    pub const HOME_MATCH: &str = "home_match";
    pub const HOME_EXPORT: &str = "home_export";
    pub const INTRO_SCHEDULED: &str = "intro_scheduled";
    pub const INTRO_WONT_WORK: &str = "intro_wont_work";
    pub const CHECKIN_MET: &str = "checkin_met";
    pub const CHECKIN_NOT_YET: &str = "checkin_not_yet";
    pub const CHECKIN_SNOOZE: &str = "checkin_snooze";
    pub const PAIR_PAUSE: &str = "pair_pause";
    pub const PAIR_RESUME: &str = "pair_resume";
    pub const REFLECTION_CALLBACK: &str = "reflection_modal";
    pub const EXIT_CALLBACK: &str = "exit_modal";
    pub const EXIT_REASON_BLOCK: &str = "exit_reason";
    pub const EXIT_SHARE_BLOCK: &str = "exit_share";
    pub const EXIT_SHARE_ACTION: &str = "exit_share_select";
    pub const LEARNED_BLOCK: &str = "learned";
    pub const TAUGHT_BLOCK: &str = "taught";
    pub const RATING_BLOCK: &str = "rating";
    pub const RATING_ACTION: &str = "rating_select";
    pub const SESSION_SKILLS_BLOCK: &str = "session_skills";
    pub const VISIBILITY_BLOCK: &str = "visibility";
    pub const VISIBILITY_ACTION: &str = "visibility_select";
    pub const GOAL_SET: &str = "goal_set";
    pub const GOAL_DONE: &str = "goal_done";
    pub const GOAL_CALLBACK: &str = "goal_modal";
    pub const GOAL_BLOCK: &str = "goal";
    pub const CONFIDENCE_OPEN: &str = "confidence_open";
    pub const CONFIDENCE_CALLBACK: &str = "confidence_modal";
    /// Followed by the topic's position in the form: `confidence_0`, `confidence_1`, …
    pub const CONFIDENCE_BLOCK_PREFIX: &str = "confidence_";
    pub const RECOGNITION_BLOCK: &str = "recognition";
    pub const RECOGNITION_ACTION: &str = "recognition_select";
    pub const TELL_BLOCK: &str = "tell";
}

mod checkins;
mod exits;
mod faults;
mod outcomes;
mod owners;
pub use checkins::*;
pub use exits::*;
pub use faults::*;
pub use outcomes::*;
pub use owners::*;

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

fn skills_line(label: &str, skills: &[String]) -> Option<String> {
    (!skills.is_empty()).then(|| format!("*{label}:* {}", skills.join(", ")))
}

fn status_line(participant: &Participant) -> String {
    match (participant.status, participant.paused_until) {
        (Status::Active, _) => "active".to_owned(),
        (Status::Paused, Some(until)) => format!("paused until {until}"),
        (Status::Paused, None) => "paused until you resume".to_owned(),
        (Status::Left, _) => "left the program".to_owned(),
    }
}

fn profile_lines(program: &Program, p: &Participant, tz: Option<&str>) -> String {
    let mut lines = vec![
        format!("*Program:* {}", program.name),
        format!("*Role:* {}", p.role.describe()),
        format!("*Status:* {}", status_line(p)),
    ];
    lines.extend(skills_line("Can teach", &p.teach_skills));
    lines.extend(skills_line("Wants to learn", &p.learn_skills));
    lines.push(format!("*Department:* {}", p.department.as_deref().unwrap_or("not given")));
    if let Some(manager) = &p.manager {
        lines.push(format!("*Manager:* <@{manager}>"));
    }
    if let Some(level) = p.level {
        lines.push(format!("*Seniority level:* {level}"));
    }
    if let Some(goals) = &p.goals {
        lines.push(format!("*Goals:* {goals}"));
    }
    lines.push(format!("*Time zone:* {}", tz.unwrap_or("unknown (Slack did not say)")));
    lines.join("\n")
}

pub fn joined(program: &Program, p: &Participant, tz: Option<&str>, rejoined: bool) -> Message {
    let opening = if rejoined {
        format!("Your profile in *{}* is updated.", program.name)
    } else {
        format!("Welcome to *{}*! You're in.", program.name)
    };
    let next = match p.role {
        Role::Mentor => "When the next matching round runs, I'll introduce you to a senior colleague who wants to learn what you know.",
        Role::Mentee => "When the next matching round runs, I'll introduce you to a junior colleague who can teach you what you want to learn.",
        Role::Both => "When the next matching round runs, I'll introduce you to colleagues to teach and to learn from.",
    };
    Message {
        text: opening.clone(),
        blocks: vec![
            section(opening),
            section(profile_lines(program, p, tz)),
            context(format!("{next} Change anything with `/mentoring join`; take a break with `/mentoring pause`.")),
        ],
    }
}

pub fn profile(entries: &[(Program, Participant)], tz: Option<&str>) -> Message {
    if entries.is_empty() {
        return reply("You haven't joined a mentoring program yet. Run `/mentoring join` to sign up.");
    }
    let mut blocks = vec![section("Here is what I hold about you:".to_owned())];
    for (program, p) in entries {
        blocks.push(section(profile_lines(program, p, tz)));
    }
    blocks.push(context("Change it with `/mentoring join`; `/mentoring leave` takes you out of a program."));
    Message { text: "Your mentoring profile".to_owned(), blocks }
}

pub fn not_a_participant(program: &Program) -> Message {
    reply(format!(
        "You're not in *{}* yet, so there is nothing to change. Run `/mentoring join` to sign up.",
        program.name
    ))
}

pub fn paused(program: &Program, until: Option<NaiveDate>) -> Message {
    reply(match until {
        Some(date) => format!(
            "You're paused in *{}* until {date}: no new matches or check-ins until then. \
             `/mentoring resume` brings you back sooner.",
            program.name
        ),
        None => format!(
            "You're paused in *{}*: no new matches or check-ins until you run `/mentoring resume`.",
            program.name
        ),
    })
}

pub fn resumed(program: &Program) -> Message {
    reply(format!("Welcome back! You're active in *{}* again.", program.name))
}

pub fn already(program: &Program, state: &str) -> Message {
    reply(format!("You're already {state} in *{}*: nothing changed.", program.name))
}

pub fn left(program: &Program) -> Message {
    reply(format!(
        "You've left *{}*. You won't be matched or nudged again. Your past sessions stay in the \
         program's anonymous counts, so the program keeps a true record of what happened. \
         `/mentoring join` brings you back at any time.",
        program.name
    ))
}

pub fn pick_program(programs: &[Program], usage: &str) -> Message {
    let names: Vec<String> = programs.iter().map(|p| format!("`{}`", p.name)).collect();
    reply(format!(
        "There are several programs ({}): say which one by adding `program:<name>`, e.g. `{usage} program:{}`.",
        names.join(", "),
        programs.first().map(|p| p.name.as_str()).unwrap_or("default")
    ))
}

pub fn unknown_program(name: &str, programs: &[Program]) -> Message {
    let names: Vec<String> = programs.iter().map(|p| format!("`{}`", p.name)).collect();
    reply(format!("There is no program called `{name}`. Programs: {}.", names.join(", ")))
}

pub fn program_created(program: &Program) -> Message {
    reply(format!(
        "Program *{}* is created. People can join with `/mentoring join program:{}`; add skills to its \
         form with `/mentoring skills add <tag>, <tag> program:{}`.",
        program.name, program.name, program.name
    ))
}

pub fn program_exists(name: &str) -> Message {
    reply(format!("A program called `{name}` already exists: nothing changed."))
}

pub fn program_list(programs: &[(Program, ParticipantCounts)]) -> Message {
    let lines: Vec<String> = programs
        .iter()
        .map(|(p, c)| {
            format!(
                "• *{}*: {} mentors, {} mentees ({} active, {} paused, {} left)",
                p.name, c.mentors, c.mentees, c.active, c.paused, c.left
            )
        })
        .collect();
    Message { text: "Mentoring programs".to_owned(), blocks: vec![section(lines.join("\n"))] }
}

pub fn skills_added(program: &Program, added: &[String], catalogue: &[String]) -> Message {
    let news = if added.is_empty() {
        "Those skills were already in the catalogue: nothing changed.".to_owned()
    } else {
        format!("Added to *{}*: {}.", program.name, added.join(", "))
    };
    reply(format!("{news}\nThe join form now offers: {}.", catalogue.join(", ")))
}

fn options(tags: &[String]) -> Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> {
    tags.iter().map(|t| SlackBlockChoiceItem::new(pt!(t.clone()), t.clone())).collect()
}

fn role_option(role: Role) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    let label = match role {
        Role::Mentor => "Teach (mentor): I'm the junior who shares what I know",
        Role::Mentee => "Learn (mentee): I'm the senior who wants to learn",
        Role::Both => "Both: I teach and I learn",
    };
    SlackBlockChoiceItem::new(pt!(label), role.as_str().to_owned())
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

fn tags_input(block_id: &str, label: &str, catalogue: &[String], chosen: &[String]) -> Option<SlackBlock> {
    if catalogue.is_empty() {
        return None;
    }
    let mut element = SlackBlockMultiStaticSelectElement::new()
        .with_action_id(ids::TAGS_ACTION.into())
        .with_options(options(catalogue))
        .with_placeholder(pt!("Pick from the program's skills"));
    let initial: Vec<String> = chosen.iter().filter(|t| catalogue.contains(t)).cloned().collect();
    if !initial.is_empty() {
        element.initial_options = Some(options(&initial));
    }
    Some(
        SlackInputBlock::new(pt!(label), SlackInputBlockElement::MultiStaticSelect(element))
            .with_block_id(block_id.into())
            .with_optional(true)
            .into(),
    )
}

/// The join (or change) form. `private_metadata` carries the program id back to us.
pub fn join_modal(program: &Program, catalogue: &[String], current: Option<&Participant>) -> SlackView {
    let mut role = SlackBlockStaticSelectElement::new().with_action_id(ids::ROLE_ACTION.into()).with_options(vec![
        role_option(Role::Mentor),
        role_option(Role::Mentee),
        role_option(Role::Both),
    ]);
    role.initial_option = current.map(|p| role_option(p.role));
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
        SlackInputBlock::new(pt!("I want to"), SlackInputBlockElement::StaticSelect(role))
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

/// The App Home tab: the person's standing in each program, and owners' figures.
pub fn home(
    entries: &[(Program, Option<Participant>)],
    tz: Option<&str>,
    owner_view: Option<&[(i64, crate::status::ProgramStatus)]>,
) -> SlackView {
    let mut blocks = vec![
        header("Reverse mentoring"),
        section(
            "Junior colleagues teach senior colleagues about new tools, trends and ways of working, \
             and both sides learn. Type `/mentoring help` anywhere for the commands.",
        ),
    ];
    for (program, participant) in entries {
        blocks.push(SlackDividerBlock::new().into());
        match participant {
            None => {
                blocks.push(section(format!("You haven't joined *{}* yet.", program.name)));
                blocks
                    .push(SlackActionsBlock::new(vec![button(ids::HOME_JOIN, "Join", &program.id.to_string())]).into());
            }
            Some(p) => {
                blocks.push(section(profile_lines(program, p, tz)));
                let value = program.id.to_string();
                let mut actions = vec![button(
                    ids::HOME_JOIN,
                    if p.status == Status::Left { "Join again" } else { "Change profile" },
                    &value,
                )];
                match p.status {
                    Status::Active => actions.push(button(ids::HOME_PAUSE, "Pause", &value)),
                    Status::Paused => actions.push(button(ids::HOME_RESUME, "Resume", &value)),
                    Status::Left => {}
                }
                blocks.push(SlackActionsBlock::new(actions).into());
            }
        }
    }
    if let Some(programs) = owner_view {
        blocks.extend(owner_dashboard(programs));
    }
    SlackView::Home(SlackHomeView::new(blocks))
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

fn weight(value: Option<u32>, default: u32) -> String {
    match value {
        Some(v) => v.to_string(),
        None => format!("{default} (default)"),
    }
}

/// A program's settings after a change.
pub fn settings(program: &Program, s: &ProgramSettings) -> Message {
    let defaults = matching::Weights::default();
    let (m, c) = (&s.matching, &s.checkins);
    reply(format!(
        "Settings of *{}*:\n*Matching*\n• capacity: {} mentee(s) per mentor\n• repeats: {}\n• same department: {}\n\
         • weights: skill {}, hours {}, department {}\n• automatic rounds: {}\n\
         • seniority: mentors at least {} level(s) below their mentee\n• after an exit: {}\n\
         *Check-ins*\n• schedule: `{}` in {}, every {} time(s) it fires\n• window: {} in each person's time zone\n\
         • weekends: {}\n*Rounds* last {} weeks\n*Owners' digest*: {}",
        program.name,
        m.capacity,
        if m.allow_repeats { "on (past partners may meet again)" } else { "off" },
        if m.forbid_same_department { "forbidden" } else { "allowed (other departments are preferred)" },
        weight(m.weight_skill, defaults.skill),
        weight(m.weight_hour, defaults.hour),
        weight(m.weight_cross_department, defaults.cross_department),
        m.match_schedule.as_deref().map_or("off (owners run `/mentoring match`)".to_owned(), |c| format!("`{c}`")),
        m.min_level_gap,
        if m.mid_round_matching { "matched again at once" } else { "matched again at the next round" },
        c.schedule,
        c.time_zone,
        c.every,
        c.window,
        if c.weekends { "on" } else { "skipped" },
        s.round_weeks,
        s.digest.as_deref().map_or("off".to_owned(), |d| format!("`{d}` in {}", c.time_zone)),
    ))
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
pub fn introduction(program: &str, pair: &PairRow, ideas: &[&Session]) -> Message {
    let (mentor, mentee) = (&pair.mentor_user, &pair.mentee_user);
    let reasons: Vec<String> = pair.reasons().iter().map(|r| format!("• {r}")).collect();
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

pub fn unpaired(program: &str, user: &str, ended: &[PairRow]) -> Message {
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
