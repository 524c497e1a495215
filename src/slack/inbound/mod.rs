//! The inbound edge: Slack's HTTP requests (and, through [`socket`],
//! Socket Mode envelopes) become stored [`Event`]s before Slack gets its ack.
//!
//! Order of work per request: verify the signature (HTTP only; Socket Mode is an
//! authenticated connection), parse Slack's shape, convert to our own `Event`, write it
//! to the inbox (unique on Slack's event id, so retries are kept once), ack. Handling
//! happens afterwards, in the consumer; a crash after the ack loses nothing because the
//! inbox is replayed at start. The work done before the ack is what Slack insists on
//! seeing in the answer itself (the forms' field errors), what needs nothing stored
//! (help, usage errors), and a one-line join from someone the directory knows, made in
//! the commit that stores it (the launch-day crowd's command, answered at the edge's
//! pace).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use slack_morphism::prelude::*;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;
use thiserror::Error;
use tracing::{info, warn};

use crate::commands::parser::{self, Command};
use crate::commands::{self, Context, HandleError};
use crate::event::Event;
use crate::slack::{ids, messages};
use crate::store::{CachedUser, Delivery, Receipt, StoreError};

pub mod forms;
mod options;
pub mod socket;

const SIGNATURE_HEADER: &str = SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER;
const TIMESTAMP_HEADER: &str = SlackEventSignatureVerifier::SLACK_SIGNED_TIMESTAMP;

/// Slack's payloads are small; anything bigger is not from Slack.
const BODY_LIMIT: usize = 256 * 1024;

/// The one slash command the app registers (see `manifest.yml`).
pub const COMMAND: &str = "/mentoring";

#[derive(Debug, Error)]
pub enum IntakeError {
    #[error("could not store the event: {0}")]
    Store(#[from] StoreError),
    /// A read the answer needs (whether the sender owns programs, a join's program).
    #[error("could not read what the answer needs: {0}")]
    Read(#[from] HandleError),
}

/// What Slack should see in the answer to an interaction.
#[derive(Debug, Clone, PartialEq)]
pub enum InteractionAnswer {
    Ack,
    /// Field errors to show in the open modal, by block id.
    FieldErrors(HashMap<String, String>),
    /// The options of a search menu, for Slack's options load (`block_suggestion`).
    Options(Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>>),
}

/// What Slack should see in the answer to a slash command: nothing (the answer comes
/// later through the response_url), or an immediate ephemeral message.
pub type CommandAnswer = Option<crate::domain::outbound::Message>;

/// Accepts Slack deliveries from either transport.
#[derive(Clone)]
pub struct Intake {
    /// The handlers' context: the edge reads what they read (the store, owners, the
    /// clock) to answer at once what needs nothing stored.
    ctx: Arc<Context>,
}

impl Intake {
    pub fn new(ctx: Arc<Context>) -> Intake {
        Intake { ctx }
    }

    /// Stores `event` durably (in the inbox's next group commit) before Slack is acked.
    /// `urgent`: it opens a form, so it is handled before the backlog.
    async fn keep(&self, dedupe_key: &str, event: &Event, urgent: bool) -> Result<(), IntakeError> {
        let delivery = Self::delivery(dedupe_key, event, urgent);
        let new = self.ctx.store.receive(delivery, self.ctx.clock.now().timestamp()).await?;
        self.count(dedupe_key, &if new { Receipt::Stored } else { Receipt::Duplicate });
        Ok(())
    }

    fn delivery(dedupe_key: &str, event: &Event, urgent: bool) -> Delivery {
        Delivery {
            dedupe_key: dedupe_key.to_owned(),
            payload: serde_json::to_string(event).expect("events serialise"),
            lane: event.lane(),
            urgent,
        }
    }

    /// Counts an entry left for the handlers (their backlog says whether a command is
    /// told its answer is coming); one handled at receipt waits for nobody.
    fn count(&self, dedupe_key: &str, receipt: &Receipt) {
        match receipt {
            Receipt::Stored => self.ctx.metrics.stored(),
            Receipt::Duplicate => info!(dedupe_key, "duplicate delivery ignored"),
            Receipt::Joined(_) | Receipt::Refused(_) => {}
        }
    }

    /// Caches what Slack says of a person now, before the ack.
    async fn remember(&self, user: &SlackUser) -> Result<(), IntakeError> {
        let now = self.ctx.clock.now().timestamp();
        let id = user.id.to_string();
        let email = user.profile.as_ref().and_then(|p| p.email.as_ref()).map(|e| e.to_string().to_lowercase());
        let cached = CachedUser { user_id: id, tz: user.tz.clone(), real_name: user.real_name.clone(), email };
        self.ctx.store.cache_user(&self.ctx.team_id, cached, now).await?;
        Ok(())
    }

    async fn channel_member(
        &self,
        event_id: &SlackEventId,
        user: &str,
        channel: &str,
        joined: bool,
    ) -> Result<(), IntakeError> {
        if user == self.ctx.bot_user_id
            || self.ctx.store.program_of_channel(&self.ctx.team_id, channel).await?.is_none()
        {
            return Ok(());
        }
        let event = Event::ChannelMember { user: user.to_owned(), channel: channel.to_owned(), joined };
        self.keep(&format!("event:{event_id}"), &event, false).await
    }

    fn foreign(&self, team_id: &str) -> bool {
        if team_id != self.ctx.team_id {
            warn!(team_id, "delivery from another workspace refused");
            return true;
        }
        false
    }

    pub async fn accept_push(&self, callback: SlackPushEventCallback) -> Result<(), IntakeError> {
        if self.foreign(callback.team_id.as_ref()) {
            return Ok(());
        }
        match callback.event {
            SlackEventCallbackBody::AppHomeOpened(ev) if ev.tab.as_deref().unwrap_or("home") == "home" => {
                let key = format!("event:{}", callback.event_id);
                self.keep(&key, &Event::HomeOpened { user: ev.user.to_string() }, false).await
            }
            // An owner's org chart arrives as a file shared into their DM with the app
            // (a `D` conversation); the app's own uploads (exports) are not imports.
            SlackEventCallbackBody::FileShared(ev)
                if ev.channel_id.as_ref().starts_with('D') && ev.user_id.as_ref() != self.ctx.bot_user_id =>
            {
                let key = format!("event:{}", callback.event_id);
                let event = Event::FileShared { user: ev.user_id.to_string(), file_id: ev.file_id.to_string() };
                self.keep(&key, &event, false).await
            }
            // Channel opt-in: only a program's channel is kept (the app may sit in busy
            // channels that are none of its business), and never the app's own joining.
            SlackEventCallbackBody::MemberJoinedChannel(ev) => {
                self.channel_member(&callback.event_id, ev.user.as_ref(), ev.channel.as_ref(), true).await
            }
            SlackEventCallbackBody::MemberLeftChannel(ev) => {
                self.channel_member(&callback.event_id, ev.user.as_ref(), ev.channel.as_ref(), false).await
            }
            // The directory's cache follows people's profile changes; nothing to queue.
            SlackEventCallbackBody::UserChange(ev) => self.remember(&ev.user).await,
            SlackEventCallbackBody::TeamJoin(ev) => self.remember(&ev.user).await,
            other => {
                let kind = serde_json::to_value(&other)
                    .ok()
                    .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
                    .unwrap_or_else(|| "unknown".to_owned());
                info!(kind, "event type not handled; acknowledged and ignored");
                Ok(())
            }
        }
    }

    pub async fn accept_command(&self, command: SlackCommandEvent) -> Result<CommandAnswer, IntakeError> {
        if self.foreign(command.team_id.as_ref()) {
            return Ok(Some(messages::other_workspace()));
        }
        if command.command.as_ref() != COMMAND {
            warn!(command = %command.command, "unknown slash command");
            return Ok(Some(messages::reply(format!("I only know `{COMMAND}`; `{}` is not mine.", command.command))));
        }
        let text = command.text.unwrap_or_default();
        // What needs nothing stored is answered in the HTTP answer itself, at once,
        // whatever the backlog: the guide and usage errors.
        let parsed = parser::parse(&text);
        match &parsed {
            Ok(Command::Help { unknown }) => {
                let owner = self.ctx.is_owner(command.user_id.as_ref()).await?;
                return Ok(Some(messages::help(unknown.as_deref(), owner)));
            }
            Err(e) => {
                info!(problem = %e.problem, "command refused");
                return Ok(Some(messages::usage_error(&e.problem, e.usage)));
            }
            Ok(_) => {}
        }
        let user = command.user_id.to_string();
        let key = format!("command:{}", command.trigger_id);
        let join = match &parsed {
            Ok(Command::Join { program, line: Some(line) }) => {
                Some(commands::join_at_receipt(&self.ctx, &user, program.as_deref(), line))
            }
            _ => None,
        };
        let urgent = parsed.is_ok_and(|command| command.opens_form());
        let event = Event::Command {
            user,
            channel: command.channel_id.to_string(),
            text,
            trigger_id: command.trigger_id.to_string(),
            response_url: command.response_url.0.to_string(),
        };
        if let Some(join) = join {
            let delivery = Self::delivery(&key, &event, urgent);
            let receipt = self.ctx.store.receive_join(delivery, join, self.ctx.clock.now().timestamp()).await?;
            self.count(&key, &receipt);
            if let Some(answer) = commands::answer_at_receipt(receipt) {
                return Ok(Some(answer));
            }
        } else {
            self.keep(&key, &event, urgent).await?;
        }
        // A form opens ahead of the backlog; anything else, while the handlers are
        // behind, says at once that its answer is coming.
        Ok((!urgent && self.ctx.metrics.behind()).then(messages::on_its_way))
    }

    pub async fn accept_interaction(
        &self,
        interaction: SlackInteractionEvent,
    ) -> Result<InteractionAnswer, IntakeError> {
        match interaction {
            SlackInteractionEvent::BlockActions(ev) => {
                if self.foreign(ev.team.id.as_ref()) {
                    return Ok(InteractionAnswer::Ack);
                }
                let (Some(user), Some(action)) = (ev.user, ev.actions.and_then(|a| a.into_iter().next())) else {
                    warn!("block action without a user or an action");
                    return Ok(InteractionAnswer::Ack);
                };
                let key =
                    format!("action:{}:{}", ev.trigger_id, action.action_ts.map(|t| t.to_string()).unwrap_or_default());
                let urgent = ids::OPENS_FORM.contains(&action.action_id.as_ref());
                let event = Event::Action {
                    user: user.id.to_string(),
                    action_id: action.action_id.to_string(),
                    // A menu's choice is its selected option's value.
                    value: action.value.or(action.selected_option.map(|o| o.value)),
                    trigger_id: ev.trigger_id.to_string(),
                    response_url: ev.response_url.map(|u| u.0.to_string()),
                };
                self.keep(&key, &event, urgent).await?;
                Ok(InteractionAnswer::Ack)
            }
            SlackInteractionEvent::ViewSubmission(ev) => {
                if self.foreign(ev.team.id.as_ref()) {
                    return Ok(InteractionAnswer::Ack);
                }
                let callback = match &ev.view.view {
                    SlackView::Modal(m) => m.callback_id.as_ref().map(|c| c.to_string()),
                    SlackView::Home(_) => None,
                };
                let user = ev.user.id.to_string();
                let key = format!("view:{}:{}", ev.view.state_params.id, ev.view.state_params.hash);
                let parsed = match callback.as_deref() {
                    Some(ids::JOIN_CALLBACK) => forms::join(&ev.view)
                        .map(|(program_id, profile)| Event::JoinSubmitted { user, program_id, profile }),
                    Some(ids::REFLECTION_CALLBACK) => {
                        forms::reflection(&ev.view).map(|(pair_id, checkin_id, reflection)| {
                            Event::ReflectionSubmitted { user, pair_id, checkin_id, reflection }
                        })
                    }
                    Some(ids::SESSION_REFLECTION_CALLBACK) => {
                        forms::session_reflection(&ev.view).map(|(session_id, reflection)| {
                            Event::SessionReflectionSubmitted { user, session_id, reflection }
                        })
                    }
                    Some(ids::PROJECT_REFLECTION_CALLBACK) => {
                        forms::project_reflection(&ev.view).map(|(project_id, pair_id, reached, reflection)| {
                            Event::ProjectReflectionSubmitted { user, project_id, pair_id, reached, reflection }
                        })
                    }
                    Some(ids::ASK_CALLBACK) => forms::ask(&ev.view)
                        .map(|(program_id, skill, question)| Event::SessionAsked { user, program_id, skill, question }),
                    Some(ids::EXIT_CALLBACK) => forms::exit(&ev.view).map(|(pair_id, reason, share)| Event::PairExit {
                        user,
                        pair_id,
                        reason,
                        share,
                    }),
                    Some(ids::GOAL_CALLBACK) => {
                        forms::goal(&ev.view).map(|(pair_id, goal)| Event::GoalSubmitted { user, pair_id, goal })
                    }
                    Some(ids::CONFIDENCE_CALLBACK) => forms::confidence(&ev.view)
                        .map(|(program_id, confidence)| Event::ConfidenceSubmitted { user, program_id, confidence }),
                    _ => {
                        warn!(?callback, "submission of an unknown view ignored");
                        return Ok(InteractionAnswer::Ack);
                    }
                };
                match parsed {
                    Err(errors) => {
                        info!(?callback, fields = errors.len(), "form returned with field errors");
                        Ok(InteractionAnswer::FieldErrors(errors))
                    }
                    Ok(event) => {
                        self.keep(&key, &event, false).await?;
                        Ok(InteractionAnswer::Ack)
                    }
                }
            }
            SlackInteractionEvent::BlockSuggestion(ev) => self.suggest(ev).await,
            _ => {
                info!("interaction type not handled; acknowledged and ignored");
                Ok(InteractionAnswer::Ack)
            }
        }
    }
}

/// The HTTP side's state: intake plus the signature check.
#[derive(Clone)]
struct Http {
    intake: Intake,
    verifier: SlackEventSignatureVerifier,
}

/// The HTTP routes Slack calls, plus the [`operations`] routes.
pub fn router(intake: Intake, signing_secret: &SecretString) -> Router {
    let secret = SlackSigningSecret::new(signing_secret.expose_secret().to_owned());
    let state = Http { intake: intake.clone(), verifier: SlackEventSignatureVerifier::new(&secret) };
    Router::new()
        .route("/slack/events", post(events))
        .route("/slack/commands", post(commands))
        .route("/slack/interactivity", post(interactivity))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
        .merge(operations(intake))
}

/// What operators and orchestrators read: `/healthz`, `/readyz` and `/metrics`. Served
/// alone in Socket Mode, where Slack's deliveries come over the websocket, so that
/// replicas in Socket Mode are probed and scraped like any other service.
pub fn operations(intake: Intake) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(intake)
}

/// An HTTP answer that turns a request away, logged once where it is made.
struct Refusal {
    status: StatusCode,
    why: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status, self.why).into_response()
    }
}

fn refuse(status: StatusCode, why: &str) -> Refusal {
    warn!(status = status.as_u16(), why, "request refused");
    Refusal { status, why: why.to_owned() }
}

impl Http {
    /// Checks `X-Slack-Signature` over the exact bytes received; timestamps more than
    /// five minutes from now are refused, so a captured request cannot be replayed.
    fn verify<'b>(&self, headers: &HeaderMap, body: &'b Bytes) -> Result<&'b str, Refusal> {
        let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
        let (Some(signature), Some(timestamp)) = (header(SIGNATURE_HEADER), header(TIMESTAMP_HEADER)) else {
            return Err(refuse(StatusCode::UNAUTHORIZED, "missing Slack signature headers"));
        };
        let Ok(text) = std::str::from_utf8(body) else {
            return Err(refuse(StatusCode::BAD_REQUEST, "body is not UTF-8"));
        };
        self.verifier
            .verify(signature, text, timestamp)
            .map_err(|_| refuse(StatusCode::UNAUTHORIZED, "bad or stale Slack signature"))?;
        Ok(text)
    }
}

fn stored<T>(result: Result<T, IntakeError>) -> Result<T, Refusal> {
    result.map_err(|e| {
        tracing::error!(error = %e, "could not store a delivery; Slack will retry");
        Refusal { status: StatusCode::INTERNAL_SERVER_ERROR, why: "try again".to_owned() }
    })
}

/// Parses an Events API body. Some of Slack's own examples (app_home_opened among
/// them) carry `event_time` in microseconds, which slack-morphism rejects as out of
/// range; it is scaled to seconds first, as refusing the event would make Slack retry it
/// and eventually switch our events off.
fn parse_push_event(text: &str) -> Result<SlackPushEvent, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_str(text)?;
    if let Some(time) = value.get_mut("event_time") {
        if let Some(mut seconds) = time.as_i64() {
            while seconds > 100_000_000_000 {
                seconds /= 1000;
            }
            *time = seconds.into();
        }
    }
    serde_json::from_value(value)
}

async fn events(State(http): State<Http>, headers: HeaderMap, body: Bytes) -> Response {
    let text = match http.verify(&headers, &body) {
        Ok(text) => text,
        Err(refused) => return refused.into_response(),
    };
    let event = match parse_push_event(text) {
        Ok(event) => event,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &format!("not a Slack event: {e}")).into_response(),
    };
    match event {
        SlackPushEvent::UrlVerification(v) => Json(serde_json::json!({ "challenge": v.challenge })).into_response(),
        SlackPushEvent::EventCallback(callback) => match stored(http.intake.accept_push(callback).await) {
            Ok(()) => StatusCode::OK.into_response(),
            Err(refused) => refused.into_response(),
        },
        SlackPushEvent::AppRateLimited(limited) => {
            warn!(minute = ?limited.minute_rate_limited, "Slack is rate limiting our events");
            StatusCode::OK.into_response()
        }
    }
}

async fn commands(State(http): State<Http>, headers: HeaderMap, body: Bytes) -> Response {
    let text = match http.verify(&headers, &body) {
        Ok(text) => text,
        Err(refused) => return refused.into_response(),
    };
    let command: SlackCommandEvent = match serde_urlencoded::from_str(text) {
        Ok(command) => command,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &format!("not a slash command: {e}")).into_response(),
    };
    match stored(http.intake.accept_command(command).await) {
        Ok(None) => StatusCode::OK.into_response(),
        Ok(Some(message)) => Json(serde_json::json!({
            "response_type": "ephemeral",
            "text": message.text,
            "blocks": message.blocks,
        }))
        .into_response(),
        Err(refused) => refused.into_response(),
    }
}

#[derive(Deserialize)]
struct InteractionForm {
    payload: String,
}

async fn interactivity(State(http): State<Http>, headers: HeaderMap, body: Bytes) -> Response {
    let text = match http.verify(&headers, &body) {
        Ok(text) => text,
        Err(refused) => return refused.into_response(),
    };
    let interaction: SlackInteractionEvent = match serde_urlencoded::from_str::<InteractionForm>(text)
        .map_err(|e| e.to_string())
        .and_then(|form| serde_json::from_str(&form.payload).map_err(|e| e.to_string()))
    {
        Ok(interaction) => interaction,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &format!("not a Slack interaction: {e}")).into_response(),
    };
    match stored(http.intake.accept_interaction(interaction).await) {
        Ok(InteractionAnswer::Ack) => StatusCode::OK.into_response(),
        Ok(InteractionAnswer::FieldErrors(errors)) => {
            Json(serde_json::json!({ "response_action": "errors", "errors": errors })).into_response()
        }
        Ok(InteractionAnswer::Options(options)) => Json(serde_json::json!({ "options": options })).into_response(),
        Err(refused) => refused.into_response(),
    }
}

/// Ready for traffic: the database answers and its schema is this build's, so a load
/// balancer sends nothing to a replica that would fail on a missing column.
async fn readyz(State(intake): State<Intake>) -> Response {
    match intake.ctx.store.schema_current().await {
        Ok(true) => (StatusCode::OK, "ready").into_response(),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending: run `upward migrate`").into_response(),
        Err(e) => {
            warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Prometheus' text format (version 0.0.4): the queues from the database, this
/// replica's counters from memory.
async fn metrics(State(intake): State<Intake>) -> Response {
    let ctx = &intake.ctx;
    match ctx.store.queue_figures(ctx.clock.now().timestamp()).await {
        Ok(queues) => (
            StatusCode::OK,
            [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            ctx.metrics.render(&queues),
        )
            .into_response(),
        Err(e) => {
            warn!(error = %e, "metrics unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Alive: the process answers. No database call, so a database outage makes replicas
/// unready (`/readyz`), not dead: restarting them would not bring the database back.
async fn healthz() -> &'static str {
    "ok"
}
