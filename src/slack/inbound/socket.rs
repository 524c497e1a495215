//! Socket Mode: the bot dials Slack (`apps.connections.open` with the app-level token)
//! and receives the same deliveries over a websocket. Each callback hands the delivery
//! to the same [`Intake`] as the HTTP routes, so both transports store, dedupe and
//! answer identically. Slack sends one envelope at a time per connection and waits for
//! its ack, which is why the callbacks only store and return. With several replicas,
//! Slack spreads envelopes over all their connections and re-sends one whose connection
//! dropped unacked to another replica; the inbox's unique key, in the shared database,
//! keeps such a copy once.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use slack_morphism::prelude::*;
use tokio_util::sync::CancellationToken;

use super::{Intake, InteractionAnswer};
use crate::slack::client::Client;

async fn intake(state: &SlackClientEventsUserState) -> Intake {
    let storage = state.read().await;
    storage.get_user_state::<Intake>().expect("the intake is registered at start").clone()
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<Client>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    intake(&state).await.accept_push(event).await?;
    Ok(())
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<Client>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let answer = intake(&state).await.accept_command(event).await?;
    let content = match answer {
        Some(message) => message.content(),
        None => SlackMessageContent::new(),
    };
    Ok(SlackCommandEventResponse::new(content).with_response_type(SlackMessageResponseType::Ephemeral))
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<Client>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<SlackInteractionResponse> {
    Ok(match intake(&state).await.accept_interaction(event).await? {
        InteractionAnswer::Ack => SlackInteractionResponse::Empty,
        InteractionAnswer::FieldErrors(errors) => {
            SlackViewSubmissionResponse::Errors(SlackViewSubmissionErrorsResponse::new(errors)).into()
        }
        InteractionAnswer::Options(options) => SlackInteractionResponse::BlockSuggestion(
            SlackBlockSuggestionResponse::Options(SlackBlockSuggestionOptions::new(options)),
        ),
    })
}

/// Listens until `shutdown` is cancelled.
pub async fn run(
    intake: Intake,
    client: Arc<Client>,
    app_token: &SecretString,
    shutdown: CancellationToken,
) -> Result<(), slack_morphism::errors::SlackClientError> {
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_push_events(on_push)
        .with_command_events(on_command)
        .with_interaction_events(on_interaction);
    let environment = Arc::new(
        SlackClientEventsListenerEnvironment::new(client)
            .with_error_handler(|error, _client, _state| {
                tracing::error!(%error, "Socket Mode delivery failed");
                axum::http::StatusCode::INTERNAL_SERVER_ERROR
            })
            .with_user_state(intake),
    );
    let listener = SlackClientSocketModeListener::new(&SlackClientSocketModeConfig::new(), environment, callbacks);
    let token = SlackApiToken::new(SlackApiTokenValue::new(app_token.expose_secret().to_owned()));
    listener.listen_for(&token).await?;
    listener.start().await;
    tracing::info!("Socket Mode connected");
    shutdown.cancelled().await;
    listener.shutdown().await;
    Ok(())
}
