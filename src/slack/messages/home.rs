//! The App Home tab: each person's standing in their programs, and owners' figures.

use slack_morphism::prelude::*;

use super::membership::profile_lines;
use super::owners::owner_dashboard;
use super::{button, header, section};
use crate::domain::participant::{Participant, Status};
use crate::domain::program::Program;
use crate::slack::ids;

/// The App Home tab: the person's standing in each program, and owners' figures.
pub fn home(
    entries: &[(Program, Option<Participant>)],
    tz: Option<&str>,
    owner_view: Option<&[(i64, crate::domain::status::ProgramStatus)]>,
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
