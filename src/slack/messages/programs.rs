//! Programs and their settings: choosing one, creating one, the list, the skill catalogue.

use super::{reply, section};
use crate::domain::outbound::Message;
use crate::domain::program::Program;
use crate::domain::settings::ProgramSettings;
use crate::domain::summary::ParticipantCounts;

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
