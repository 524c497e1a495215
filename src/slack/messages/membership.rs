//! Answers about a person's own membership: joined, their profile, paused, resumed, left.

use chrono::NaiveDate;

use slack_limits::blocks::SECTION_TEXT;

use super::{context, count, packed, reply, section, shortened};
use crate::domain::outbound::Message;
use crate::domain::participant::{Participant, Role, Status};
use crate::domain::program::Program;

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

pub(super) fn profile_lines(program: &Program, p: &Participant, tz: Option<&str>) -> String {
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
    if p.role.teaches() {
        let answer = if p.one_time { "yes (`one-time:no` stops them)" } else { "no (`one-time` takes them)" };
        lines.push(format!("*One-time session requests:* {answer}"));
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
        blocks: [
            vec![section(opening)],
            packed(&profile_lines(program, p, tz)),
            vec![context(format!(
                "{next} Change anything with `/mentoring join`; take a break with `/mentoring pause`."
            ))],
        ]
        .concat(),
    }
}

/// Programs whose profile `/mentoring profile` shows in full: each can take two
/// sections, and a message holds 50 blocks.
const PROFILES_SHOWN: usize = 20;

pub fn profile(entries: &[(Program, Participant)], tz: Option<&str>) -> Message {
    if entries.is_empty() {
        return reply("You haven't joined a mentoring program yet. Run `/mentoring join` to sign up.");
    }
    let mut blocks = vec![section("Here is what I hold about you:".to_owned())];
    for (program, p) in entries.iter().take(PROFILES_SHOWN) {
        blocks.extend(packed(&profile_lines(program, p, tz)));
    }
    if entries.len() > PROFILES_SHOWN {
        let names: Vec<&str> = entries[PROFILES_SHOWN..].iter().map(|(g, _)| g.name.as_str()).collect();
        blocks.push(context(shortened(
            &format!("You are also in {}: {}.", count(names.len(), "more program", "more programs"), names.join(", ")),
            SECTION_TEXT,
        )));
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
