//! The Slack Web API client: slack-morphism over a connector that also speaks plain
//! `http://`, so the very same client type reaches Slack and a local simulator.
//!
//! Its job beyond making calls is to sort failures into the three kinds the outbox
//! cares about: rate limited (wait as long as Slack says), transient (retry with
//! backoff) and permanent (retrying cannot help; dead-letter it).
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
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use thiserror::Error;

use crate::domain::outbound::{decode_file, Message, Outbound, CHART_BLOCK};

/// The client type used in production, tests and the demo alike.
pub type Client = SlackHyperClient;

/// No single Slack call may hold a worker longer than this, unless told otherwise.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SendError {
    #[error("rate limited by Slack (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    #[error("transient failure: {0}")]
    Transient(String),
    #[error("Slack refused the call: {0}")]
    Permanent(String),
}

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
}

#[derive(Clone)]
pub struct SlackApi {
    client: Arc<Client>,
    token: SlackApiToken,
    /// How long a call may go unanswered before it counts as a transient failure.
    timeout: Duration,
}

impl SlackApi {
    pub fn new(api_url: &str, bot_token: &SecretString) -> Result<SlackApi, ClientSetupError> {
        let https =
            HttpsConnectorBuilder::new().with_native_roots()?.https_or_http().enable_http1().enable_http2().build();
        let connector = SlackClientHyperConnector::from(https).with_slack_api_url(api_url);
        let token = SlackApiToken::new(SlackApiTokenValue::new(bot_token.expose_secret().to_owned()));
        Ok(SlackApi { client: Arc::new(SlackClient::new(connector)), token, timeout: CALL_TIMEOUT })
    }

    /// The same client with another call timeout: tests of a stalled Slack need not
    /// wait the production fifteen seconds.
    pub fn with_timeout(self, timeout: Duration) -> SlackApi {
        SlackApi { timeout, ..self }
    }

    /// The shared client, for the Socket Mode listener.
    pub fn client(&self) -> Arc<Client> {
        self.client.clone()
    }

    pub async fn auth_test(&self) -> Result<Identity, SendError> {
        let session = self.client.open_session(&self.token);
        let response = self.timed(session.auth_test()).await?;
        Ok(Identity { team_id: response.team_id.to_string(), bot_user_id: response.user_id.to_string() })
    }

    pub async fn user_info(&self, user: &str) -> Result<UserInfo, SendError> {
        let session = self.client.open_session(&self.token);
        let response = self.timed(session.users_info(&SlackApiUsersInfoRequest::new(user.into()))).await?;
        Ok(UserInfo { tz: response.user.tz, real_name: response.user.real_name })
    }

    /// Makes the call an outbox row describes.
    pub async fn send(&self, message: &Outbound) -> Result<(), SendError> {
        let session = self.client.open_session(&self.token);
        match message {
            Outbound::Respond { response_url, message } => {
                let url: url::Url =
                    response_url.parse().map_err(|e| SendError::Permanent(format!("bad response_url: {e}")))?;
                // slack-morphism's webhook request has no `response_type`; an answer to
                // a command says `ephemeral` so only the person who asked sees it.
                let request = SlackCommandEventResponse::new(message.content())
                    .with_response_type(SlackMessageResponseType::Ephemeral);
                let span = tracing::debug_span!("Slack response_url");
                let context = SlackClientApiCallContext {
                    rate_control_params: None,
                    token: None,
                    tracing_span: &span,
                    is_sensitive_url: true,
                };
                let call = self.client.http_api.connector.http_post_uri(url, &request, context);
                let _: SlackApiPostWebhookMessageResponse = self.timed(call).await?;
            }
            Outbound::DirectMessage { user, message } => self.post(user, message).await?,
            Outbound::GroupMessage { users, message } => {
                let channel = self.open_group(users).await?;
                self.post(&channel, message).await?;
            }
            Outbound::OpenView { trigger_id, view } => {
                let request = SlackApiViewsOpenRequest::new(trigger_id.as_str().into(), view.clone());
                self.timed(session.views_open(&request)).await?;
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
        let session = self.client.open_session(&self.token);
        let request = SlackApiViewsPublishRequest::new(user.into(), view);
        self.timed(session.views_publish(&request)).await?;
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
    /// Returns the file's id.
    pub async fn upload(
        &self,
        filename: &str,
        title: &str,
        bytes: Vec<u8>,
        share: Share<'_>,
    ) -> Result<String, SendError> {
        let session = self.client.open_session(&self.token);
        let ticket = SlackApiFilesGetUploadUrlExternalRequest::new(filename.to_owned(), bytes.len());
        let ticket = self.timed(session.get_upload_url_external(&ticket)).await?;
        let post =
            SlackApiFilesUploadViaUrlRequest::new(ticket.upload_url, bytes, "application/octet-stream".to_owned());
        self.timed(session.files_upload_via_url(&post)).await?;
        let file = SlackApiFilesComplete::new(ticket.file_id.clone()).with_title(title.to_owned());
        let mut complete = SlackApiFilesCompleteUploadExternalRequest::new(vec![file]);
        if let Share::Into { channel, comment } = share {
            let comment = (!comment.is_empty()).then(|| comment.to_owned());
            complete = complete.with_channel_id(channel.into()).opt_initial_comment(comment);
        }
        let completed = self.timed(session.files_complete_upload_external(&complete)).await?;
        // Slack answers with the files it completed; ours is the only one.
        match completed.files.into_iter().next() {
            Some(file) => Ok(file.id.to_string()),
            None => Err(SendError::Permanent("files.completeUploadExternal completed no file".to_owned())),
        }
    }

    /// Opens (or finds: Slack answers the same id again) the group DM of `users` and
    /// returns its channel id, which the outbox keeps so later messages skip this call.
    /// With one user it is the app's DM with them (a `D` id), which a file needs:
    /// `files.completeUploadExternal` takes no user ids.
    pub async fn open_group(&self, users: &[String]) -> Result<String, SendError> {
        let session = self.client.open_session(&self.token);
        let open = SlackApiConversationsOpenRequest::new()
            .with_users(users.iter().map(|u| SlackUserId::new(u.clone())).collect());
        Ok(self.timed(session.conversations_open(&open)).await?.channel.id.to_string())
    }

    /// Posts `message` into a channel (or a DM, given a user id).
    pub async fn post(&self, channel: &str, message: &Message) -> Result<(), SendError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiChatPostMessageRequest::new(channel.into(), message.content());
        self.timed(session.chat_post_message(&request)).await?;
        Ok(())
    }

    async fn timed<T>(&self, call: impl std::future::Future<Output = ClientResult<T>>) -> Result<T, SendError> {
        match tokio::time::timeout(self.timeout, call).await {
            Err(_) => Err(SendError::Transient(format!("no answer within {:?}", self.timeout))),
            Ok(result) => result.map_err(classify),
        }
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

/// Slack error codes that say "try again later" rather than "this call is wrong".
const TRANSIENT_CODES: &[&str] = &["internal_error", "fatal_error", "service_unavailable", "request_timeout"];

fn classify(error: SlackClientError) -> SendError {
    match error {
        SlackClientError::RateLimitError(e) => SendError::RateLimited { retry_after: e.retry_after },
        SlackClientError::ApiError(e) if e.code == "ratelimited" => SendError::RateLimited { retry_after: None },
        SlackClientError::ApiError(e) if TRANSIENT_CODES.contains(&e.code.as_str()) => SendError::Transient(e.code),
        SlackClientError::ApiError(e) => SendError::Permanent(e.code),
        SlackClientError::HttpError(e) if e.status_code.is_server_error() => {
            SendError::Transient(format!("HTTP {}", e.status_code))
        }
        SlackClientError::HttpError(e) => SendError::Permanent(format!("HTTP {}", e.status_code)),
        other => SendError::Transient(first_line(&other.to_string())),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().chars().take(200).collect()
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
