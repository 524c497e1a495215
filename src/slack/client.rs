//! The Slack Web API client: slack-morphism over a connector that also speaks plain
//! `http://`, so the very same client type reaches Slack and a local simulator.
//!
//! Its job beyond making calls is to sort failures into the three kinds the outbox
//! cares about: rate limited (wait as long as Slack says), transient (retry with
//! backoff) and permanent (retrying cannot help; dead-letter it).

use std::sync::Arc;
use std::time::Duration;

use hyper_rustls::HttpsConnectorBuilder;
use secrecy::{ExposeSecret, SecretString};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use thiserror::Error;

use super::outbound::{Message, Outbound};

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
            Outbound::PublishHome { user, view } => {
                let request = SlackApiViewsPublishRequest::new(user.as_str().into(), view.clone());
                self.timed(session.views_publish(&request)).await?;
            }
        }
        Ok(())
    }

    /// Opens (or finds: Slack answers the same id again) the group DM of `users` and
    /// returns its channel id, which the outbox keeps so later messages skip this call.
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
