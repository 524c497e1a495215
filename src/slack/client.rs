//! The Slack Web API client: slack-morphism over a connector that also speaks plain
//! `http://`, so the very same client type reaches Slack and a local simulator.
//!
//! Its job beyond making calls is to sort failures into the kinds the outbox cares
//! about: rate limited (wait as long as Slack says), transient (retry with backoff),
//! ambiguous (Slack may have acted: retry, and count it) and permanent (retrying
//! cannot help; dead-letter it). Calls go over the wire through [`super::raw`], which
//! reads an `ok: true` answer as success whatever else it lacks: slack-morphism's
//! typed responses refuse an answer missing one field, which made a delivered message
//! look failed and sent it again.
//!
//! Files go through Slack's external upload flow ([`SlackApi::upload`]): three calls,
//! any of which may fail, and the outbox retries the whole flow from the start. That is
//! safe because nothing is shown until `files.completeUploadExternal` answers ok, and
//! the row is marked sent right after it: an abandoned half-upload is a file id Slack
//! never completes. The App Home chart is uploaded the same way but kept private to the
//! app, and the view points at it with a Block Kit image block's `slack_file: {"id"}`
//! (Slack's documented way to show an uploaded image; `image_url` would need a public
//! URL, which private files do not have). Not yet checked against a real workspace:
//! Slack processes uploads asynchronously and has been reported to refuse a
//! `slack_file` published a moment after its upload (`invalid_blocks`), which this
//! client counts as permanent.

use std::sync::Arc;
use std::time::Duration;

use hyper_rustls::HttpsConnectorBuilder;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use slack_morphism::prelude::*;
use thiserror::Error;

use super::raw::{Expect, Raw, SendError};
use crate::domain::outbound::{decode_file, Message, Outbound, CHART_BLOCK, UPLOAD_COMPLETE, UPLOAD_URL};
use crate::report::metrics::Metrics;

/// The client type used in production, tests and the demo alike.
pub type Client = SlackHyperClient;

/// No single Slack call may hold a worker longer than this, unless told otherwise.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Error)]
#[error("could not set up the Slack client: {0}")]
pub struct ClientSetupError(#[from] std::io::Error);

/// Where an uploaded file ends up once Slack completes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share<'a> {
    /// Private to the app: only something that points at the file id shows it.
    Private,
    /// Shared into a conversation (a `C`, `G` or `D` id: Slack refuses user ids here)
    /// with `comment` as the message that introduces it.
    Into { channel: &'a str, comment: &'a str },
}

/// What the App Home chart is uploaded as.
const CHART_FILENAME: &str = "upward-weekly.png";
const CHART_TITLE: &str = "Meetings and ratings per week";
/// Read aloud by screen readers: the chart has no text of its own.
const CHART_ALT: &str = "Bar chart of meetings per week, with a line for the average session rating (1 to 5)";

/// What `auth.test` says about the bot token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub team_id: String,
    pub bot_user_id: String,
}

/// The person behind a user id, as far as the bot needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub tz: Option<String>,
    pub real_name: Option<String>,
    /// Present when the app has `users:read.email`: an import looks people up by it.
    pub email: Option<String>,
}

impl UserInfo {
    /// What the directory's cache keeps of the person `user_id`.
    pub fn cached(self, user_id: &str) -> crate::store::CachedUser {
        crate::store::CachedUser {
            user_id: user_id.to_owned(),
            tz: self.tz,
            real_name: self.real_name,
            email: self.email,
        }
    }

    /// Reads a user object of Slack's (`users.info`, `users.list`, `users.lookupByEmail`).
    fn from_user(user: &Value) -> UserInfo {
        UserInfo {
            tz: text(&user["tz"]),
            real_name: text(&user["real_name"]),
            email: text(&user["profile"]["email"]).map(|e| e.to_lowercase()),
        }
    }
}

/// A file someone shared with the app, as `files.info` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    pub name: String,
    pub filetype: Option<String>,
    pub size: u64,
    /// Where its bytes are, for the bot token (`url_private_download`).
    pub url: Option<String>,
}

#[derive(Clone)]
pub struct SlackApi {
    /// slack-morphism's client, kept for Socket Mode; Web API calls go through `raw`.
    client: Arc<Client>,
    raw: Raw,
    api_url: String,
    token: SecretString,
}

impl SlackApi {
    pub fn new(api_url: &str, bot_token: &SecretString) -> Result<SlackApi, ClientSetupError> {
        let https =
            HttpsConnectorBuilder::new().with_native_roots()?.https_or_http().enable_http1().enable_http2().build();
        let connector = SlackClientHyperConnector::from(https).with_slack_api_url(api_url);
        let plain = HttpsConnectorBuilder::new().with_native_roots()?.https_or_http().enable_http1().build();
        Ok(SlackApi {
            client: Arc::new(SlackClient::new(connector)),
            raw: Raw::new(plain, CALL_TIMEOUT),
            api_url: api_url.trim_end_matches('/').to_owned(),
            token: bot_token.clone(),
        })
    }

    /// The same client with another call timeout: tests of a stalled Slack need not
    /// wait the production fifteen seconds.
    pub fn with_timeout(self, timeout: Duration) -> SlackApi {
        SlackApi { raw: self.raw.clone().with_timeout(timeout), ..self }
    }

    /// The same client counting the 429s Slack answers into `metrics` (the app's,
    /// which `/metrics` shows).
    pub fn with_metrics(self, metrics: Arc<Metrics>) -> SlackApi {
        SlackApi { raw: self.raw.clone().with_metrics(metrics), ..self }
    }

    /// The shared client, for the Socket Mode listener.
    pub fn client(&self) -> Arc<Client> {
        self.client.clone()
    }

    /// Calls Web API `method` with `request` as its JSON body; Slack's answer on `ok: true`.
    async fn call(&self, method: &str, request: &impl serde::Serialize) -> Result<Value, SendError> {
        let body = serde_json::to_value(request).map_err(|e| SendError::Permanent(format!("unserialisable: {e}")))?;
        let url = format!("{}/{method}", self.api_url);
        self.raw.post_json(&url, Some(self.token.expose_secret()), &body, Expect::Api).await
    }

    /// Calls Web API `method` by GET with `query`, for the methods Slack takes no JSON for.
    async fn call_get(&self, method: &str, query: &[(&str, &str)]) -> Result<Value, SendError> {
        let mut url = url::Url::parse(&format!("{}/{method}", self.api_url))
            .map_err(|e| SendError::Permanent(format!("bad Slack API URL: {e}")))?;
        url.query_pairs_mut().extend_pairs(query);
        self.raw.get(url.as_str(), Some(self.token.expose_secret())).await
    }

    pub async fn auth_test(&self) -> Result<Identity, SendError> {
        let answer = self.call_get("auth.test", &[]).await?;
        let (Some(team_id), Some(bot_user_id)) = (text(&answer["team_id"]), text(&answer["user_id"])) else {
            return Err(SendError::Transient("auth.test answered without team_id or user_id".to_owned()));
        };
        Ok(Identity { team_id, bot_user_id })
    }

    pub async fn user_info(&self, user: &str) -> Result<UserInfo, SendError> {
        let answer = self.call_get("users.info", &[("user", user)]).await?;
        Ok(UserInfo::from_user(&answer["user"]))
    }

    /// `users.lookupByEmail`: the person with `email` and what the bot keeps of them, or
    /// `None` when Slack has nobody with it (its `users_not_found`).
    pub async fn lookup_by_email(&self, email: &str) -> Result<Option<(String, UserInfo)>, SendError> {
        match self.call_get("users.lookupByEmail", &[("email", email)]).await {
            Ok(answer) => {
                let id = text(&answer["user"]["id"])
                    .ok_or_else(|| SendError::Transient("users.lookupByEmail answered without user.id".to_owned()))?;
                Ok(Some((id, UserInfo::from_user(&answer["user"]))))
            }
            Err(SendError::Permanent(code)) if code == "users_not_found" => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// `files.info`: what a shared file is and where its bytes are.
    pub async fn file_info(&self, file_id: &str) -> Result<FileInfo, SendError> {
        let answer = self.call_get("files.info", &[("file", file_id)]).await?;
        let file = &answer["file"];
        Ok(FileInfo {
            name: text(&file["name"]).unwrap_or_else(|| file_id.to_owned()),
            filetype: text(&file["filetype"]),
            size: file["size"].as_u64().unwrap_or(0),
            url: text(&file["url_private_download"]).or_else(|| text(&file["url_private"])),
        })
    }

    /// The bytes of a file Slack hosts, at most `max`.
    pub async fn download(&self, url: &str, max: u64) -> Result<Vec<u8>, SendError> {
        self.raw.download(url, self.token.expose_secret(), max).await
    }

    /// One page of the workspace's members (`users.list`): each member's id and what
    /// the bot keeps of them, and the cursor of the next page, if there is one.
    pub async fn users_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<(Vec<(String, UserInfo)>, Option<String>), SendError> {
        let mut args = vec![("limit", "1000")];
        if let Some(cursor) = cursor {
            args.push(("cursor", cursor));
        }
        let answer = self.call_get("users.list", &args).await?;
        let members = answer["members"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|member| {
                let id = member["id"].as_str()?.to_owned();
                Some((id, UserInfo::from_user(member)))
            })
            .collect();
        let next = text(&answer["response_metadata"]["next_cursor"]).filter(|c| !c.is_empty());
        Ok((members, next))
    }

    /// Makes the call an outbox row describes.
    pub async fn send(&self, message: &Outbound) -> Result<(), SendError> {
        match message {
            Outbound::Respond { response_url, message } => {
                let url: url::Url =
                    response_url.parse().map_err(|e| SendError::Permanent(format!("bad response_url: {e}")))?;
                // slack-morphism's webhook request has no `response_type`; an answer to
                // a command says `ephemeral` so only the person who asked sees it.
                let request = SlackCommandEventResponse::new(message.content())
                    .with_response_type(SlackMessageResponseType::Ephemeral);
                let body =
                    serde_json::to_value(&request).map_err(|e| SendError::Permanent(format!("unserialisable: {e}")))?;
                self.raw.post_json(url.as_str(), None, &body, Expect::Plain).await?;
            }
            Outbound::DirectMessage { user, message } => self.post(user, message).await?,
            Outbound::GroupMessage { users, message } => {
                let channel = self.open_group(users).await?;
                self.post(&channel, message).await?;
            }
            Outbound::OpenView { trigger_id, view } => {
                let request = SlackApiViewsOpenRequest::new(trigger_id.as_str().into(), view.clone());
                self.call("views.open", &request).await?;
            }
            Outbound::PublishHome { user, view, chart_png_b64, chart_file, .. } => {
                self.publish_home(user, view, chart_png_b64.as_deref(), chart_file.as_deref()).await?;
            }
            Outbound::UploadFile { user, filename, title, comment, content_b64 } => {
                let channel = self.open_group(std::slice::from_ref(user)).await?;
                self.share_file(&channel, filename, title, comment, content_b64).await?;
            }
        }
        Ok(())
    }

    /// Publishes a Home tab showing the owners' chart from `chart_file` (uploaded
    /// before), or from `chart_png_b64` uploaded now as a private file of the app.
    /// Returns the file the view shows, for the caller to remember.
    pub async fn publish_home(
        &self,
        user: &str,
        view: &SlackView,
        chart_png_b64: Option<&str>,
        chart_file: Option<&str>,
    ) -> Result<Option<String>, SendError> {
        let file = match (chart_file, chart_png_b64) {
            (Some(file), _) => Some(file.to_owned()),
            (None, Some(png)) => {
                Some(self.upload(CHART_FILENAME, CHART_TITLE, file_bytes(png)?, Share::Private).await?)
            }
            (None, None) => None,
        };
        let view = match &file {
            Some(file) => with_chart(view.clone(), file),
            None => view.clone(),
        };
        let request = SlackApiViewsPublishRequest::new(user.into(), view);
        self.call("views.publish", &request).await?;
        Ok(file)
    }

    /// Delivers a stored file (base64, as the outbox keeps it) into `channel`.
    pub async fn share_file(
        &self,
        channel: &str,
        filename: &str,
        title: &str,
        comment: &str,
        content_b64: &str,
    ) -> Result<(), SendError> {
        let bytes = file_bytes(content_b64)?;
        self.upload(filename, title, bytes, Share::Into { channel, comment }).await.map(drop)
    }

    /// Slack's external upload flow: an upload URL for `bytes`, the bytes POSTed there,
    /// then the completion that makes the file exist (and, when shared, appear).
    /// Returns the file's id. Before the completion nothing is shown, so a failure up
    /// to there is never ambiguous; the completion's `ok: true` is the delivery, with
    /// or without the `files` Slack usually lists (the id is the one it handed out).
    pub async fn upload(
        &self,
        filename: &str,
        title: &str,
        bytes: Vec<u8>,
        share: Share<'_>,
    ) -> Result<String, SendError> {
        let length = bytes.len().to_string();
        let ticket =
            self.call_get(UPLOAD_URL, &[("filename", filename), ("length", &length)]).await.map_err(unshown)?;
        let (Some(upload_url), Some(file_id)) = (text(&ticket["upload_url"]), text(&ticket["file_id"])) else {
            return Err(SendError::Transient(format!("{UPLOAD_URL} answered without upload_url or file_id")));
        };
        self.raw.post_bytes(&upload_url, bytes).await.map_err(unshown)?;
        let file = SlackApiFilesComplete::new(file_id.as_str().into()).with_title(title.to_owned());
        let mut complete = SlackApiFilesCompleteUploadExternalRequest::new(vec![file]);
        if let Share::Into { channel, comment } = share {
            let comment = (!comment.is_empty()).then(|| comment.to_owned());
            complete = complete.with_channel_id(channel.into()).opt_initial_comment(comment);
        }
        let completed = self.call(UPLOAD_COMPLETE, &complete).await?;
        // Slack answers with the files it completed; ours is the only one.
        Ok(text(&completed["files"][0]["id"]).unwrap_or(file_id))
    }

    /// Opens (or finds: Slack answers the same id again) the group DM of `users` and
    /// returns its channel id, which the outbox keeps so later messages skip this call.
    /// With one user it is the app's DM with them (a `D` id), which a file needs:
    /// `files.completeUploadExternal` takes no user ids. Opening shows nothing, so
    /// even an unclear outcome here cannot duplicate what a person sees.
    pub async fn open_group(&self, users: &[String]) -> Result<String, SendError> {
        let open = SlackApiConversationsOpenRequest::new()
            .with_users(users.iter().map(|u| SlackUserId::new(u.clone())).collect());
        let answer = self.call("conversations.open", &open).await.map_err(unshown)?;
        text(&answer["channel"]["id"])
            .ok_or_else(|| SendError::Transient("conversations.open answered without channel.id".to_owned()))
    }

    /// Posts `message` into a channel (or a DM, given a user id).
    pub async fn post(&self, channel: &str, message: &Message) -> Result<(), SendError> {
        let request = SlackApiChatPostMessageRequest::new(channel.into(), message.content());
        self.call("chat.postMessage", &request).await.map(drop)
    }
}

/// A non-empty string field of Slack's answer, if it has one.
fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// An unclear outcome of a call that shows nothing to anyone (opening a DM, asking for
/// an upload URL) is plainly transient: repeating it repeats nothing a person sees.
fn unshown(error: SendError) -> SendError {
    match error {
        SendError::Ambiguous(why) => SendError::Transient(why),
        other => other,
    }
}

/// The bytes of a stored file; a row whose file does not decode can never be sent.
fn file_bytes(content_b64: &str) -> Result<Vec<u8>, SendError> {
    decode_file(content_b64).map_err(|e| SendError::Permanent(format!("file is not base64: {e}")))
}

/// `view` with its `owner_chart` block showing the uploaded file `file_id`: that block
/// becomes an image of the file (a view has one block per id), or, when the view has
/// none, the image is appended at the end. Only home views carry the chart; a modal
/// is returned as it came.
fn with_chart(view: SlackView, file_id: &str) -> SlackView {
    let SlackView::Home(mut home) = view else { return view };
    let source = SlackImageUrlOrFile::SlackFile { slack_file: SlackFileIdOrUrl::Id { id: file_id.into() } };
    let is_chart = |block: &SlackBlock| serde_json::to_value(block).is_ok_and(|b| b["block_id"] == CHART_BLOCK);
    match home.blocks.iter().position(is_chart) {
        // An image placeholder keeps its own alt text and title.
        Some(at) => match &mut home.blocks[at] {
            SlackBlock::Image(image) => image.image_url_or_file = source,
            other => *other = chart_image(source),
        },
        None => home.blocks.push(chart_image(source)),
    }
    SlackView::Home(home)
}

fn chart_image(source: SlackImageUrlOrFile) -> SlackBlock {
    SlackImageBlock::new(source, CHART_ALT.to_owned()).with_block_id(CHART_BLOCK.into()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home(blocks: Vec<SlackBlock>) -> SlackView {
        SlackView::Home(SlackHomeView::new(blocks))
    }

    fn blocks(view: &SlackView) -> serde_json::Value {
        serde_json::to_value(view).unwrap()["blocks"].clone()
    }

    #[test]
    fn an_image_placeholder_keeps_its_alt_text_and_gets_the_file() {
        let url: url::Url = "https://example.com/loading.png".parse().unwrap();
        let placeholder = SlackImageBlock::new(url.into(), "Weekly chart".into()).with_block_id(CHART_BLOCK.into());
        let view = with_chart(home(vec![placeholder.into()]), "F123");
        let image = &blocks(&view)[0];
        assert_eq!(image["slack_file"], serde_json::json!({"id": "F123"}));
        assert_eq!(image["alt_text"], "Weekly chart");
        assert!(image.get("image_url").is_none(), "{image}");
    }

    #[test]
    fn a_modal_is_never_given_a_chart() {
        let modal = SlackView::Modal(SlackModalView::new(pt!("Join"), vec![]));
        assert_eq!(with_chart(modal.clone(), "F123"), modal);
    }
}
