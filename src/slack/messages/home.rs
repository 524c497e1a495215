//! The App Home tab: the person's own programs, a way into the others, and owners'
//! figures. Its size does not grow with the number of programs: a person's own programs
//! are shown in full up to a few, the rest are named; the programs open to them are one
//! menu; owners get a table and a picker (`owners.rs`), inside Slack's 100 blocks.

use slack_morphism::prelude::*;

use super::membership::profile_lines;
use super::owners::{owner_dashboard, program_picker};
use super::{button, context, count, header, packed, section, shortened};
use crate::domain::participant::{Participant, Status};
use crate::domain::program::Program;
use crate::domain::status::ProgramStatus;
use crate::slack::ids;

/// A person's programs shown in full (profile and buttons); more are only named.
const OWN_PROGRAMS_SHOWN: usize = 10;

/// What the owners' part shows: every program's figures, and the one picked.
pub struct OwnerView<'a> {
    pub programs: &'a [(i64, ProgramStatus)],
    pub selected: Option<i64>,
}

/// The App Home tab: the person's standing in their programs, and owners' figures.
pub fn home(entries: &[(Program, Option<Participant>)], tz: Option<&str>, owner: Option<OwnerView>) -> SlackView {
    let mut blocks = vec![
        header("Reverse mentoring"),
        section(
            "Junior colleagues teach senior colleagues about new tools, trends and ways of working, \
             and both sides learn. Type `/mentoring help` anywhere for the commands.",
        ),
    ];
    let own: Vec<(&Program, &Participant)> = entries.iter().filter_map(|(g, p)| p.as_ref().map(|p| (g, p))).collect();
    for (program, p) in own.iter().take(OWN_PROGRAMS_SHOWN) {
        blocks.push(SlackDividerBlock::new().into());
        blocks.extend(packed(&profile_lines(program, p, tz)));
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
        if p.status == Status::Active && p.role.learns() {
            actions.push(button(ids::HOME_ASK, "Ask for a one-time session", &value));
        }
        blocks.push(SlackActionsBlock::new(actions).into());
    }
    if own.len() > OWN_PROGRAMS_SHOWN {
        let names: Vec<&str> = own[OWN_PROGRAMS_SHOWN..].iter().map(|(g, _)| g.name.as_str()).collect();
        blocks.push(context(shortened(
            &format!(
                "You are also in {}: {}. `/mentoring profile` shows more.",
                count(names.len(), "more program", "more programs"),
                names.join(", ")
            ),
            slack_limits::blocks::SECTION_TEXT,
        )));
    }
    let open: Vec<&Program> = entries.iter().filter(|(_, p)| p.is_none()).map(|(g, _)| g).collect();
    match open.as_slice() {
        [] => {}
        [program] => {
            blocks.push(SlackDividerBlock::new().into());
            blocks.push(section(format!("You haven't joined *{}* yet.", program.name)));
            blocks.push(SlackActionsBlock::new(vec![button(ids::HOME_JOIN, "Join", &program.id.to_string())]).into());
        }
        several => {
            blocks.push(SlackDividerBlock::new().into());
            blocks.push(section(format!(
                "{} open to you. Pick one to join:",
                count(several.len(), "program is", "programs are")
            )));
            let names: Vec<(i64, &str)> = several.iter().map(|g| (g.id, g.name.as_str())).collect();
            blocks.push(
                SlackActionsBlock::new(vec![program_picker(ids::HOME_JOIN_PICK, "Join a program", &names, None)])
                    .into(),
            );
        }
    }
    if let Some(owner) = owner {
        blocks.extend(owner_dashboard(owner.programs, owner.selected));
    }
    SlackView::Home(SlackHomeView::new(blocks))
}
