//! The Slack calls the bot makes, as data: what handlers put in the outbox and what the
//! dispatcher replays. Stored as JSON, so a row written before a restart is still sent
//! after it.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
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

/// Slack's external upload flow: ask for an upload URL, POST the bytes there, then
/// complete the upload (which shares the file, or keeps it private to the app).
pub const UPLOAD_URL: &str = "files.getUploadURLExternal";
pub const UPLOAD_COMPLETE: &str = "files.completeUploadExternal";
/// The App Home block that shows the owners' chart: a view may reserve its place with
/// a block of this id, or the chart goes last.
pub const CHART_BLOCK: &str = "owner_chart";

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
    /// A person's App Home tab. With `chart_png_b64` (a PNG, base64), the image is first
    /// uploaded as a private file of the app and shown in the view's `owner_chart` image
    /// block (appended when the view has none). Rows written before the field existed
    /// read as having no chart.
    PublishHome {
        user: String,
        view: SlackView,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chart_png_b64: Option<String>,
        /// The hash of the figures `chart_png_b64` draws: the uploaded file is
        /// remembered under it, so the next Home of the same figures reuses it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chart_hash: Option<String>,
        /// A chart of the same figures uploaded before: shown without a new upload.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chart_file: Option<String>,
    },
    /// A file (an export, a report) delivered into the app's DM with `user`, with
    /// `comment` as the message that introduces it. The bytes travel base64 in the row
    /// so that a file queued before a restart is still delivered after it.
    UploadFile { user: String, filename: String, title: String, comment: String, content_b64: String },
}

/// Base64 as the outbox stores file bytes: standard alphabet, padded.
pub fn encode_file(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

/// The bytes of a stored file; a row that does not decode cannot be sent, ever.
pub fn decode_file(b64: &str) -> Result<Vec<u8>, base64::DecodeError> {
    BASE64.decode(b64)
}

impl Outbound {
    /// The Web API method, for logs, pacing and reports.
    pub fn method(&self) -> &'static str {
        match self {
            Outbound::Respond { .. } => "response_url",
            Outbound::DirectMessage { .. } | Outbound::GroupMessage { .. } => "chat.postMessage",
            Outbound::OpenView { .. } => "views.open",
            Outbound::PublishHome { .. } => "views.publish",
            // The call a file row starts with (after opening the DM), so the pacer
            // holds the row back while that tier is spent.
            Outbound::UploadFile { .. } => UPLOAD_URL,
        }
    }

    /// Where the message lands: Slack paces messages per channel.
    pub fn channel_key(&self) -> String {
        match self {
            Outbound::Respond { response_url, .. } => response_url.clone(),
            // A file's key is its one-person "group": the outbox keeps the DM it opens.
            Outbound::DirectMessage { user, .. }
            | Outbound::PublishHome { user, .. }
            | Outbound::UploadFile { user, .. } => user.clone(),
            Outbound::GroupMessage { users, .. } => {
                let mut users = users.clone();
                users.sort();
                users.join(",")
            }
            Outbound::OpenView { trigger_id, .. } => trigger_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_home_row_written_before_charts_existed_still_reads() {
        let old = r#"{"type":"publish_home","user":"U1","view":{"type":"home","blocks":[]}}"#;
        let Outbound::PublishHome { chart_png_b64, .. } = serde_json::from_str(old).unwrap() else {
            panic!("a home row")
        };
        assert_eq!(chart_png_b64, None);
        let view = SlackView::Home(SlackHomeView::new(vec![]));
        let plain =
            Outbound::PublishHome { user: "U1".into(), view, chart_png_b64: None, chart_hash: None, chart_file: None };
        assert!(!serde_json::to_string(&plain).unwrap().contains("chart"), "a plain home is stored as before");
    }

    #[test]
    fn a_file_row_keeps_its_bytes_exactly() {
        let bytes: Vec<u8> = (0..=255).collect();
        let row = Outbound::UploadFile {
            user: "U1".into(),
            filename: "all.bin".into(),
            title: "All bytes".into(),
            comment: "".into(),
            content_b64: encode_file(&bytes),
        };
        let back: Outbound = serde_json::from_str(&serde_json::to_string(&row).unwrap()).unwrap();
        let Outbound::UploadFile { content_b64, .. } = &back else { panic!("a file row") };
        assert_eq!(decode_file(content_b64).unwrap(), bytes);
        assert_eq!((back.method(), back.channel_key()), (UPLOAD_URL, "U1".to_owned()));
    }
}
