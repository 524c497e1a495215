//! The bot's own event type: what the inbound edge turns Slack's deliveries into, what
//! the inbox stores, and what the handlers take.
//!
//! Converting at the edge keeps handlers independent of the transport (HTTP or Socket
//! Mode) and of Slack's payload quirks, and lets an entry stored before a restart be
//! handled after it by a newer build.

use serde::{Deserialize, Serialize};

use crate::domain::outcomes::ValidConfidence;
use crate::domain::participant::ValidProfile;
use crate::domain::reflection::ValidReflection;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// `/mentoring <text>`.
    Command { user: String, channel: String, text: String, trigger_id: String, response_url: String },
    /// Someone opened the bot's App Home tab.
    HomeOpened { user: String },
    /// A button press.
    Action { user: String, action_id: String, value: Option<String>, trigger_id: String, response_url: Option<String> },
    /// The join form, already checked field by field at the edge.
    JoinSubmitted { user: String, program_id: i64, profile: ValidProfile },
    /// A program's automatic matching round came due (Unix seconds of the due time).
    ScheduledRound { program_id: i64, due: i64 },
    /// A pair's check-in came due (Unix seconds of the schedule time it answers).
    CheckinDue { pair_id: i64, due: i64 },
    /// A snoozed check-in is asked again.
    CheckinReminder { checkin_id: i64 },
    /// A program's owners' digest came due (Unix seconds of the due time).
    Digest { program_id: i64, due: i64 },
    /// Someone ends their pair ("this pairing isn't working", `/mentoring rematch`).
    PairExit { user: String, pair_id: i64, reason: Option<String>, share: bool },
    /// The reflection form, already checked at the edge.
    ReflectionSubmitted { user: String, pair_id: i64, checkin_id: Option<i64>, reflection: ValidReflection },
    /// A person's goal for their pair, already checked at the edge.
    GoalSubmitted { user: String, pair_id: i64, goal: String },
    /// The confidence form (before or after a round), already checked at the edge.
    ConfidenceSubmitted { user: String, program_id: i64, confidence: ValidConfidence },
    /// A confirmed round reached its end (its confirmation plus the program's round length).
    RoundEnded { round_id: i64 },
    /// A one-time session asked for from the App Home's form (the slash command is a `Command`).
    SessionAsked { user: String, program_id: i64, skill: String, question: Option<String> },
    /// The mentor asked for a session at `asked_at` let the answer time pass.
    SessionOfferExpired { session_id: i64, asked_at: i64 },
    /// A project's end date passed: its pair ends and both are asked to close it.
    ProjectEnded { project_id: i64 },
    /// A project's closing reflection, with *did the project reach its goal?*.
    ProjectReflectionSubmitted {
        user: String,
        project_id: i64,
        pair_id: i64,
        reached: crate::domain::projects::Reached,
        reflection: ValidReflection,
    },
    /// A one-time session's reflection form, already checked at the edge.
    SessionReflectionSubmitted { user: String, session_id: i64, reflection: ValidReflection },
    /// Someone shared a file into their DM with the app (an owner's org chart).
    FileShared { user: String, file_id: String },
    /// Someone joined (`joined`) or left a channel the app is in.
    ChannelMember { user: String, channel: String, joined: bool },
}

/// Who an automatic round is recorded as started by.
pub const SCHEDULER: &str = "schedule";

impl Event {
    /// The inbox lane it is handled in: a person's requests in the order they made
    /// them; the scheduler's events per subject, as its timers are.
    pub fn lane(&self) -> String {
        match self {
            Event::ScheduledRound { program_id, .. } | Event::Digest { program_id, .. } => {
                format!("program:{program_id}")
            }
            Event::CheckinDue { pair_id, .. } => format!("pair:{pair_id}"),
            Event::CheckinReminder { checkin_id } => format!("checkin:{checkin_id}"),
            Event::RoundEnded { round_id } => format!("round:{round_id}"),
            Event::SessionOfferExpired { session_id, .. } => format!("session:{session_id}"),
            Event::ProjectEnded { project_id } => format!("project:{project_id}"),
            person => format!("user:{}", person.user()),
        }
    }

    pub fn user(&self) -> &str {
        match self {
            Event::Command { user, .. }
            | Event::HomeOpened { user }
            | Event::Action { user, .. }
            | Event::JoinSubmitted { user, .. }
            | Event::ReflectionSubmitted { user, .. }
            | Event::PairExit { user, .. }
            | Event::GoalSubmitted { user, .. }
            | Event::ConfidenceSubmitted { user, .. }
            | Event::SessionAsked { user, .. }
            | Event::SessionReflectionSubmitted { user, .. }
            | Event::ProjectReflectionSubmitted { user, .. }
            | Event::FileShared { user, .. }
            | Event::ChannelMember { user, .. } => user,
            Event::ScheduledRound { .. }
            | Event::CheckinDue { .. }
            | Event::CheckinReminder { .. }
            | Event::Digest { .. }
            | Event::RoundEnded { .. }
            | Event::SessionOfferExpired { .. }
            | Event::ProjectEnded { .. } => SCHEDULER,
        }
    }
}
