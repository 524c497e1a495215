//! Bringing people in without typing: the org-chart import's instructions, dry run and
//! outcome, and the invitations of a program's channel.

use slack_morphism::prelude::*;

use super::{button, count, packed, reply};
use crate::domain::bounds::echo;
use crate::domain::import::{ImportPlan, COLUMNS_USAGE, SLACK_LOOKUPS};
use crate::domain::outbound::Message;
use crate::domain::program::Program;
use crate::slack::ids;

/// Problems listed in a Slack report; the rest are counted (`upward import` lists all).
pub const REPORT_PROBLEMS: usize = 30;

/// `/mentoring import`: how to hand the bot a file.
pub fn import_instructions() -> Message {
    reply(format!(
        "*Import the org chart*: upload your HR export as a CSV file here, in my *Messages* tab (a DM with me). \
         I read the columns `email`, `level` (1–12), `department` and `manager_email` (the usual HRIS names \
         like `Work Email`, `Grade` or `Manager Email` work too), find each person in Slack by email, and \
         show you what would change before anything does.\n\
         Other header names: say them first with `/mentoring import {COLUMNS_USAGE}`, then upload."
    ))
}

/// The answer to `/mentoring import <columns>`.
pub fn import_columns_saved(columns: &str) -> Message {
    reply(format!("Your next upload is read with these columns: {columns}. Upload the CSV in my *Messages* tab now."))
}

/// The figures and problems of an import, as lines (the file's name as its owner
/// typed it, cut to a recognisable length): the dry run's and the outcome's
/// body, and what `upward import` prints (with every problem: `max_problems` = all).
pub fn import_report(source: &str, plan: &ImportPlan, applied: bool, max_problems: usize) -> String {
    let (title, would) = if applied { ("Imported", "were") } else { ("Dry run of", "would be") };
    let mut lines = vec![
        format!("*{title} {}*: {} read.", echo(source), count(plan.rows_read, "row", "rows")),
        format!(
            "• {} {would} updated, {} already up to date",
            count(plan.changes.len(), "person", "people"),
            plan.unchanged
        ),
        format!(
            "• {} {} nobody in Slack (not guessed: check the emails)",
            count(plan.unmatched(), "row", "rows"),
            if plan.unmatched() == 1 { "matches" } else { "match" }
        ),
        format!(
            "• {} refused (a bad email or level, or one email with two answers)",
            count(plan.refused(), "row", "rows")
        ),
    ];
    if plan.unchecked() > 0 {
        lines.push(format!(
            "• {} not looked up yet (I look up {SLACK_LOOKUPS} per upload, at Slack's pace): upload the file again \
             in a minute to go on, or use `upward import`",
            count(plan.unchecked(), "email", "emails")
        ));
    }
    if !plan.problems.is_empty() {
        lines.push("*Rows to look at*".to_owned());
        lines.extend(plan.problems.iter().take(max_problems).map(|p| format!("• {}", p.describe())));
        let more = plan.problems.len().saturating_sub(max_problems);
        if more > 0 {
            lines.push(format!("…and {more} more: `upward import <file>` lists them all."));
        }
    }
    lines.join("\n")
}

/// The dry run in the owner's DM, with *Apply* and *Cancel*.
pub fn import_dry_run(import_id: i64, source: &str, plan: &ImportPlan) -> Message {
    let text = import_report(source, plan, false, REPORT_PROBLEMS);
    let mut blocks = packed(&text);
    if plan.changes.is_empty() {
        blocks.extend(packed("Nothing to apply: the org chart already says all this."));
    } else {
        let value = import_id.to_string();
        let apply = SlackBlockButtonElement::new(pt!("Apply"))
            .with_action_id(ids::IMPORT_APPLY.into())
            .with_value(value.clone())
            .with_style(SlackBlockButtonStyle::Primary);
        blocks.push(
            SlackActionsBlock::new(vec![
                SlackActionBlockElement::Button(apply),
                button(ids::IMPORT_CANCEL, "Cancel", &value),
            ])
            .into(),
        );
    }
    Message { text: format!("Org-chart dry run of {}", echo(source)), blocks }
}

/// After *Apply*.
pub fn import_applied(source: &str, plan: &ImportPlan) -> Message {
    reply(format!(
        "{}\nMatching uses these levels, departments and managers from now on; people can still correct \
         their own with `/mentoring join`.",
        import_report(source, plan, true, REPORT_PROBLEMS)
    ))
}

pub fn import_cancelled(source: &str) -> Message {
    reply(format!("The import of {} is cancelled: nothing changed.", echo(source)))
}

/// *Apply* under a dry run planned before a newer import was applied.
pub fn import_stale(source: &str) -> Message {
    reply(format!(
        "A newer import was applied after this dry run of {}, so it no longer shows what would change: nothing \
         changed. Upload the file again for a fresh dry run.",
        echo(source)
    ))
}

/// A second press, or another owner's first.
pub fn import_closed() -> Message {
    reply("That import was already applied or cancelled: nothing more changed.")
}

pub fn import_refused(source: &str, problem: &str) -> Message {
    reply(format!("I could not import {}: {problem}", echo(source)))
}

/// A file an owner shared with the bot that is not a CSV.
pub fn import_not_csv(name: &str) -> Message {
    reply(format!(
        "`{}` is not a CSV file. To import the org chart, export it from your HR system as CSV and upload that.",
        echo(name)
    ))
}

/// Someone's invitation after joining a program's channel.
pub fn channel_invitation(program: &Program, channel: &str) -> Message {
    let value = program.id.to_string();
    let mut blocks = packed(&format!(
        "Welcome to <#{channel}>! It belongs to *{}*, our reverse-mentoring program: junior colleagues \
         (mentors) teach senior colleagues (mentees) about new tools, trends and ways of working. Want to take \
         part? Pick a side and I'll open the form.",
        program.name
    ));
    blocks.push(
        SlackActionsBlock::new(vec![
            button(ids::CHANNEL_JOIN_MENTOR, "Join as mentor", &value),
            button(ids::CHANNEL_JOIN_MENTEE, "Join as mentee", &value),
        ])
        .into(),
    );
    Message { text: format!("Join {} from its channel", program.name), blocks }
}

/// Asked of a participant who left the program's channel.
pub fn channel_farewell(program: &Program, channel: &str) -> Message {
    let value = program.id.to_string();
    let mut blocks = packed(&format!(
        "You left <#{channel}>, the channel of *{}*. Do you want to pause mentoring for a while, or leave the \
         program? If you only left the channel, you can ignore this: nothing changes.",
        program.name
    ));
    blocks.push(
        SlackActionsBlock::new(vec![
            button(ids::HOME_PAUSE, "Pause", &value),
            button(ids::CHANNEL_LEAVE, "Leave the program", &value),
        ])
        .into(),
    );
    Message { text: format!("You left the channel of {}", program.name), blocks }
}
