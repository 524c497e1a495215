//! The Slack calls the bot makes, as data: what handlers put in the outbox and what the
//! dispatcher replays. Stored as JSON, so a row written before a restart is still sent
//! after it.

use serde::{Deserialize, Serialize};
use slack_morphism::prelude::*;

/// A message: the fallback `text` (notifications, screen readers) and its Block Kit blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub text: String,
    pub blocks: Vec<SlackBlock>,
}

impl Message {
    pub fn content(&self) -> SlackMessageContent {
        SlackMessageContent::new().with_text(self.text.clone()).with_blocks(self.blocks.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outbound {
    /// An ephemeral answer to the person who ran a command, through its `response_url`.
    Respond { response_url: String, message: Message },
    /// A direct message from the app to one person (their App Home "Messages" tab).
    DirectMessage { user: String, message: Message },
    /// A message to a group DM of several people (`conversations.open`, then post).
    GroupMessage { users: Vec<String>, message: Message },
    /// A modal opened with a short-lived trigger id.
    OpenView { trigger_id: String, view: SlackView },
    /// A person's App Home tab.
    PublishHome { user: String, view: SlackView },
}

impl Outbound {
    /// The Web API method, for logs, pacing and reports.
    pub fn method(&self) -> &'static str {
        match self {
            Outbound::Respond { .. } => "response_url",
            Outbound::DirectMessage { .. } | Outbound::GroupMessage { .. } => "chat.postMessage",
            Outbound::OpenView { .. } => "views.open",
            Outbound::PublishHome { .. } => "views.publish",
        }
    }

    /// Where the message lands: Slack paces messages per channel.
    pub fn channel_key(&self) -> String {
        match self {
            Outbound::Respond { response_url, .. } => response_url.clone(),
            Outbound::DirectMessage { user, .. } | Outbound::PublishHome { user, .. } => user.clone(),
            Outbound::GroupMessage { users, .. } => {
                let mut users = users.clone();
                users.sort();
                users.join(",")
            }
            Outbound::OpenView { trigger_id, .. } => trigger_id.clone(),
        }
    }
}
