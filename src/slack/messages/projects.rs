//! Project pairs: the proposal of juniors an owner picks from, the pair's introduction
//! naming the project, and its close after the end date with *did the project reach its
//! goal?*.

use slack_morphism::prelude::*;

use super::checkins::reflection_view;
use super::{button, context, reply, section};
use crate::domain::agenda;
use crate::domain::outbound::Message;
use crate::domain::projects::{Project, Reached};
use crate::slack::ids;

/// One junior the bot proposes: participant id, user, score and the skills they teach.
#[derive(Debug, Clone)]
pub struct Proposed {
    pub participant_id: i64,
    pub user: String,
    pub score: i64,
    pub skills: Vec<String>,
}

fn about(project: &Project) -> String {
    format!("*{}* (until {}, skills: {})", project.goal, project.ends_on, project.skills.join(", "))
}

/// The juniors proposed for a project, best first, each with *Pair with …*.
pub fn project_proposal(project: &Project, proposed: &[Proposed]) -> Message {
    let mut blocks = vec![section(format!(
        "Project for <@{}>: {}. The best juniors for it, by the matching score and rules:",
        project.lead_user,
        about(project)
    ))];
    for p in proposed {
        blocks.push(
            SlackSectionBlock::new()
                .with_text(md!(format!("<@{}>: score {}, teaches {}", p.user, p.score, p.skills.join(", "))))
                .with_accessory(SlackSectionBlockElement::Button(
                    SlackBlockButtonElement::new(pt!("Pair them"))
                        .with_action_id(ids::PROJECT_PICK.into())
                        .with_value(format!("{}:{}", project.id, p.participant_id)),
                ))
                .into(),
        );
    }
    blocks.push(context("Program owners pick; the pair is introduced at once and checked in with until the end date."));
    Message { text: format!("Juniors proposed for the project {}", project.goal), blocks }
}

/// Nobody teaches the project's skills within the rules.
pub fn project_no_junior(project: &Project) -> Message {
    reply(format!(
        "I noted the project {}, but no junior who teaches its skills is available within the program's rules \
         (seniority gap, reporting lines). Add a skill or try again when more juniors have joined.",
        about(project)
    ))
}

/// To a mentee whose project goes to the owners for their pick.
pub fn project_sent_to_owners(project: &Project) -> Message {
    reply(format!(
        "Thanks! Your project {} went to the program owners with the best juniors for it; you'll be introduced \
         once they pick.",
        about(project)
    ))
}

pub fn projects_for_owners_only() -> Message {
    reply(
        "In this program only owners create project pairs. Ask an owner, or ask them to allow it with \
         `/mentoring program set mentee-projects on`.",
    )
}

/// A project's lead must learn in the program.
pub fn project_lead_not_mentee(lead: &str, program: &str) -> Message {
    reply(format!("<@{lead}> is not a mentee in *{program}*: a project's lead joins as a mentee first."))
}

/// The introduction of a project's pair.
pub fn project_introduction(project: &Project, mentor: &str, idea: Option<&agenda::Session>) -> Message {
    let lead = &project.lead_user;
    let mut blocks = vec![
        section(format!(
            ":rocket: <@{mentor}>, meet <@{lead}>! You are a reverse-mentoring *project pair*: <@{mentor}> works \
             beside <@{lead}> on {}.",
            about(project)
        )),
        section(
            "*To start*\n1. Agree what done looks like for the goal, and what the junior owns.\n\
             2. Meet early on real work, then as often as the project needs.\n\
             3. On the last day I ask you both: did the project reach its goal?",
        ),
    ];
    if let Some(idea) = idea {
        blocks.push(section(format!("*An idea for a first session*\n*{}*: {}", idea.title, idea.how)));
    }
    Message { text: format!("Your project pair: {}", project.goal), blocks }
}

/// To the owner who picked.
pub fn project_paired(project: &Project, mentor: &str) -> Message {
    reply(format!("Paired <@{mentor}> with <@{}> for {}. Both are introduced now.", project.lead_user, about(project)))
}

/// A pick or a close for a project that is not (or no longer) open for it.
pub fn project_gone() -> Message {
    reply("That project is no longer open for this, so I did nothing.")
}

/// After the end date, to each of the two.
pub fn project_closing(project: &Project) -> Message {
    let blocks = vec![
        section(format!(
            "The project {} has reached its end date, and your project pair has ended. Thank you! Two minutes for \
             the closing reflection: what you learned, and whether the project reached its goal?",
            about(project)
        )),
        SlackActionsBlock::new(vec![button(ids::PROJECT_CLOSE, "Close the project", &project.id.to_string())]).into(),
    ];
    Message { text: "Your project has ended: did it reach its goal?".to_owned(), blocks }
}

fn reached_option(r: Reached) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    let text = match r {
        Reached::Yes => "Yes",
        Reached::Partly => "Partly",
        Reached::No => "No",
    };
    SlackBlockChoiceItem::new(pt!(text), r.as_str().to_owned())
}

/// The closing reflection: the reflection form plus *did the project reach its goal?*.
pub fn project_closing_modal(
    partner: &str,
    catalogue: &[String],
    program_id: i64,
    project: &Project,
    pair_id: i64,
) -> SlackView {
    let metadata = format!("project={};pair={pair_id};program={program_id}", project.id);
    let mut view = reflection_view(partner, catalogue, ids::PROJECT_REFLECTION_CALLBACK, metadata);
    let question = SlackInputBlock::new(
        pt!("Did the project reach its goal?"),
        SlackInputBlockElement::StaticSelect(
            SlackBlockStaticSelectElement::new()
                .with_action_id(ids::PROJECT_REACHED_ACTION.into())
                .with_options([Reached::Yes, Reached::Partly, Reached::No].map(reached_option).to_vec()),
        ),
    )
    .with_block_id(ids::PROJECT_REACHED_BLOCK.into())
    .with_hint(pt!(super::shortened(&format!("The goal: {}", project.goal), 150)));
    if let SlackView::Modal(modal) = &mut view {
        modal.blocks.insert(1, question.into());
    }
    view
}
