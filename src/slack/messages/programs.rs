//! Programs and their settings: choosing one, creating one, the list, the skill catalogue.

use slack_morphism::prelude::*;

use super::{button, count, first_items, packed, reply, section};
use crate::domain::outbound::Message;
use crate::domain::program::{Program, ProgramName};
use crate::domain::schedule::in_words;
use crate::domain::settings::ProgramSettings;
use crate::domain::summary::ParticipantCounts;
use crate::slack::ids;

pub fn pick_program(programs: &[Program], usage: &str) -> Message {
    let names: Vec<String> = programs.iter().map(|p| format!("`{}`", p.handle)).collect();
    reply(format!(
        "There are several programs ({}): say which one by adding `program:<name>`, e.g. `{usage} program:{}`.",
        names.join(", "),
        programs.first().map(|p| p.handle.as_str()).unwrap_or("default")
    ))
}

pub fn unknown_program(name: &str, programs: &[Program]) -> Message {
    let names: Vec<String> = programs.iter().map(|p| format!("`{}`", p.handle)).collect();
    reply(format!("There is no program called `{name}`. Programs: {}.", names.join(", ")))
}

/// The whole skill catalogue as a text file, one skill a line: what *Download the
/// catalogue* sends.
pub fn catalogue_file(catalogue: &[String]) -> String {
    catalogue.iter().map(|skill| format!("{skill}\n")).collect()
}

pub fn catalogue_file_comment(program: &str, skills: usize) -> String {
    format!("The skill catalogue of *{program}*: {}, one a line.", count(skills, "skill", "skills"))
}

pub fn program_created(program: &Program) -> Message {
    reply(format!(
        "Program *{}* is created. People can join with `/mentoring join program:{}`; add skills to its \
         form with `/mentoring skills add <tag>, <tag> program:{}`.",
        program.name, program.handle, program.handle
    ))
}

pub fn program_renamed(old: &str, new: &ProgramName) -> Message {
    reply(format!(
        "Program `{old}` is now called *{}*: its people, pairs and figures are unchanged. Commands name it \
         `program:{}`.",
        new.shown(),
        new.handle
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
                "• *{}*: {}, {} ({} active, {} paused, {} left)",
                p.name,
                count(c.mentors, "mentor", "mentors"),
                count(c.mentees, "mentee", "mentees"),
                c.active,
                c.paused,
                c.left
            )
        })
        .collect();
    let title = count(programs.len(), "mentoring program", "mentoring programs");
    let mut blocks = vec![section(format!("*{title}*"))];
    blocks.extend(first_items(&lines, 10, "`/mentoring status <program>` shows any one of them."));
    Message { text: title, blocks }
}

/// Skills a `skills add` answer names before it only counts them.
const SKILLS_NAMED: usize = 30;

/// The answer to `skills add`: what changed, and the catalogue's size with its first
/// skills (the whole catalogue is what the join form searches).
pub fn skills_added(program: &Program, added: &[String], catalogue: &[String]) -> Message {
    let named = |skills: &[String]| {
        let mut text = skills.iter().take(SKILLS_NAMED).cloned().collect::<Vec<_>>().join(", ");
        if skills.len() > SKILLS_NAMED {
            text.push_str(&format!(" and {} more", skills.len() - SKILLS_NAMED));
        }
        text
    };
    let news = if added.is_empty() {
        "Those skills were already in the catalogue: nothing changed.".to_owned()
    } else {
        format!("Added {} to *{}*: {}.", count(added.len(), "skill", "skills"), program.name, named(added))
    };
    let offer = if catalogue.len() > slack_limits::blocks::SELECT_OPTIONS {
        "People find them by typing in the join form's skill fields."
    } else {
        "People pick them from a list in the join form."
    };
    let text = format!(
        "{news}\nThe join form now offers {}: {}. {offer}",
        count(catalogue.len(), "skill", "skills"),
        named(catalogue)
    );
    let mut blocks = packed(&text);
    if catalogue.len() > SKILLS_NAMED {
        let download = button(ids::SKILLS_DOWNLOAD, "Download the catalogue", &program.id.to_string());
        blocks.push(SlackActionsBlock::new(vec![download]).into());
    }
    Message { blocks, text: format!("{news} The join form now offers {}.", count(catalogue.len(), "skill", "skills")) }
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
    let c_zone = c.time_zone.to_string();
    reply(format!(
        "Settings of *{}*:\n*Matching*\n• capacity: {} per mentor\n• repeats: {}\n• same department: {}\n\
         • weights: skill {}, hours {}, department {}\n• automatic rounds: {}\n\
         • seniority: mentors at least {} below their mentee\n• after an exit: {}\n\
         • matching searches up to {} before using its best round\n• circles: {}\n\
         *Check-ins*\n• {}\n• window: {} in each person's time zone\n\
         • weekends: {}\n*Rounds* last {}.\n*One-time sessions*: a mentor has {} to answer a request.\n*Projects*: {}.\n\
         *Owners' digest*: {}.\n*Channel*: {}.",
        program.name,
        count(m.capacity, "mentee", "mentees"),
        if m.allow_repeats { "on (past partners may meet again)" } else { "off" },
        if m.forbid_same_department { "forbidden" } else { "allowed (other departments are preferred)" },
        weight(m.weight_skill, defaults.skill),
        weight(m.weight_hour, defaults.hour),
        weight(m.weight_cross_department, defaults.cross_department),
        m.match_schedule.as_deref().map_or("off (owners run `/mentoring match`)".to_owned(), |c| in_words(c, 1, "UTC")),
        count(m.min_level_gap, "level", "levels"),
        if m.mid_round_matching { "matched again at once" } else { "matched again at the next round" },
        count(m.match_budget_secs, "second", "seconds"),
        m.circle_size.map_or("off (one mentor, one mentee per pair)".to_owned(), |k| {
            format!("one mentor meets up to {} together, in one conversation", count(k, "mentee", "mentees"))
        }),
        in_words(&c.schedule, c.every, &c_zone),
        c.window,
        if c.weekends { "on" } else { "skipped" },
        count(s.round_weeks, "week", "weeks"),
        count(s.session_hours, "hour", "hours"),
        if s.mentee_projects { "owners and mentees create them" } else { "owners create them" },
        s.digest.as_deref().map_or("off".to_owned(), |d| in_words(d, 1, &c_zone)),
        s.channel
            .as_deref()
            .map_or("none".to_owned(), |c| format!("<#{c}>: whoever joins it is invited to the program")),
    ))
}
