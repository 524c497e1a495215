//! Wiring: builds the store, the Slack client and the handlers' context from a
//! [`Config`], then runs the inbound edge (HTTP or Socket Mode), the consumer and the
//! dispatcher until shutdown. The only module that knows all the others.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::clock::Clock;
use crate::commands::Context;
use crate::config::{Config, Transport};
use crate::jobs::dispatcher::Dispatcher;
use crate::jobs::housekeeping::Housekeeper;
use crate::jobs::scheduler::Scheduler;
use crate::jobs::{consumer, directory};
use crate::slack::client::ClientSetupError;
use crate::slack::inbound::socket;
use crate::slack::inbound::{self, Intake};
use crate::slack::{SendError, SlackApi};
use crate::store::{Store, StoreError};

#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Client(#[from] ClientSetupError),
    #[error("Slack did not accept the bot token (auth.test): {0}")]
    Auth(SendError),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("Socket Mode failed: {0}")]
    SocketMode(String),
}

/// Whether the consumer, dispatcher and scheduler run by themselves, or are driven by the caller
/// (tests and the demo call [`Running::settle`] to drain work deterministically).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workers {
    Background,
    Manual,
}

pub struct App {
    config: Config,
    ctx: Arc<Context>,
    dispatcher: Arc<Dispatcher>,
    scheduler: Arc<Scheduler>,
    housekeeper: Arc<Housekeeper>,
    intake: Intake,
}

/// A started bot.
pub struct Running {
    /// Where the HTTP listener is: Slack's routes and the operations routes over
    /// HTTP, the operations routes alone in Socket Mode.
    pub addr: SocketAddr,
    pub ctx: Arc<Context>,
    pub dispatcher: Arc<Dispatcher>,
    pub scheduler: Arc<Scheduler>,
    pub housekeeper: Arc<Housekeeper>,
    shutdown: CancellationToken,
    tasks: JoinSet<Result<(), AppError>>,
}

/// Asks Slack who the token belongs to, a few times: a bot started while the network
/// comes up should not die on the first refused connection.
async fn identify(slack: &SlackApi) -> Result<crate::slack::client::Identity, AppError> {
    let mut delay = Duration::from_millis(500);
    for attempt in 1.. {
        match slack.auth_test().await {
            Ok(identity) => return Ok(identity),
            Err(e @ SendError::Permanent(_)) => return Err(AppError::Auth(e)),
            Err(e) if attempt >= 5 => return Err(AppError::Auth(e)),
            Err(e) => {
                warn!(attempt, error = %e, "auth.test failed; retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
    }
    unreachable!("the loop returns")
}

impl App {
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> Result<App, AppError> {
        let store = Store::connect(&config.database_url).await?;
        let metrics = Arc::new(crate::report::metrics::Metrics::default());
        let slack = SlackApi::new(&config.slack_api_url, &config.bot_token)?.with_metrics(metrics.clone());
        let identity = identify(&slack).await?;
        store.ensure_workspace(&identity.team_id, &identity.bot_user_id, clock.now().timestamp()).await?;
        // A lease held when the last run stopped is nobody's now: its entry is handled again.
        store.release_inbox_claims().await?;
        info!(team = identity.team_id, "connected to the workspace");
        let dispatcher = Arc::new(
            Dispatcher::new(store.clone(), slack.clone(), clock.clone(), &config.rate_limits)
                .with_retry_budget(config.retry_budget_secs)
                .with_owners(config.owners.clone())
                .with_team(identity.team_id.clone()),
        );
        let housekeeper =
            Arc::new(Housekeeper { store: store.clone(), clock: clock.clone(), retention_secs: config.retention_secs });
        let scheduler = Arc::new(Scheduler { store: store.clone(), clock: clock.clone() });
        let ctx = Arc::new(Context {
            store,
            slack,
            team_id: identity.team_id,
            bot_user_id: identity.bot_user_id,
            owners: config.owners.clone(),
            clock,
            agendas: config.agendas.clone(),
            lookups: Default::default(),
            match_progress_every: config.match_progress_every,
            metrics,
        });
        let intake = Intake::new(ctx.clone());
        Ok(App { config, ctx, dispatcher, scheduler, housekeeper, intake })
    }

    /// Starts the inbound edge and, with [`Workers::Background`], the workers.
    pub async fn start(self, workers: Workers) -> Result<Running, AppError> {
        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();
        // Over HTTP Slack calls the listener; in Socket Mode Slack's deliveries come over
        // the websocket and the listener serves probes and metrics only.
        let (router, serving) = match &self.config.transport {
            Transport::Http => {
                (inbound::router(self.intake.clone(), &self.config.signing_secret), "listening for Slack over HTTP")
            }
            Transport::SocketMode(app_token) => {
                let (intake, client, token, stop) =
                    (self.intake.clone(), self.ctx.slack.client(), app_token.clone(), shutdown.clone());
                tasks.spawn(async move {
                    socket::run(intake, client, &token, stop).await.map_err(|e| AppError::SocketMode(e.to_string()))
                });
                (inbound::operations(self.intake.clone()), "serving probes and metrics over HTTP")
            }
        };
        let listener =
            TcpListener::bind(self.config.listen).await.map_err(|e| AppError::Listen(self.config.listen, e))?;
        let addr = listener.local_addr().map_err(|e| AppError::Listen(self.config.listen, e))?;
        info!(%addr, "{serving}");
        let (stop, limits) = (shutdown.clone(), self.config.http_limits);
        tasks.spawn(async move {
            crate::slack::serve::serve(listener, router, limits, stop).await;
            Ok(())
        });
        if workers == Workers::Background {
            let (ctx, stop) = (self.ctx.clone(), shutdown.clone());
            tasks.spawn(async move {
                consumer::run(ctx, stop).await;
                Ok(())
            });
            let (dispatcher, stop) = (self.dispatcher.clone(), shutdown.clone());
            tasks.spawn(async move {
                dispatcher.run(stop).await;
                Ok(())
            });
            let (ctx, stop) = (self.ctx.clone(), shutdown.clone());
            tasks.spawn(async move {
                directory::run(&ctx, stop).await;
                Ok(())
            });
            let (scheduler, stop) = (self.scheduler.clone(), shutdown.clone());
            tasks.spawn(async move {
                scheduler.run(stop).await;
                Ok(())
            });
            let (housekeeper, stop) = (self.housekeeper.clone(), shutdown.clone());
            tasks.spawn(async move {
                housekeeper.run(stop).await;
                Ok(())
            });
        }
        Ok(Running {
            addr,
            ctx: self.ctx,
            dispatcher: self.dispatcher,
            scheduler: self.scheduler,
            housekeeper: self.housekeeper,
            shutdown,
            tasks,
        })
    }
}

impl Running {
    /// Starts what is due, handles every stored event and sends every due message,
    /// until none is left.
    pub async fn settle(&self) -> Result<(), StoreError> {
        loop {
            let mut progressed = false;
            self.scheduler.tick().await?;
            while consumer::consume_next(&self.ctx).await? {
                progressed = true;
            }
            while self.dispatcher.dispatch_one().await?.is_some() {
                progressed = true;
            }
            if self.dispatcher.watch_backlog().await? {
                progressed = true;
            }
            if !progressed {
                return Ok(());
            }
        }
    }

    /// Waits until a task fails or `stop` is cancelled, then shuts down gracefully:
    /// the HTTP server stops accepting, in-flight handling and sending finish.
    pub async fn serve_until(mut self, stop: CancellationToken) -> Result<(), AppError> {
        let failure = tokio::select! {
            _ = stop.cancelled() => None,
            Some(result) = self.tasks.join_next() => match result {
                Ok(Err(e)) => Some(e),
                Ok(Ok(())) => None,
                Err(e) => Some(AppError::SocketMode(format!("a task panicked: {e}"))),
            },
        };
        self.shutdown_and_wait().await;
        failure.map_or(Ok(()), Err)
    }

    pub async fn stop(mut self) {
        self.shutdown_and_wait().await;
    }

    async fn shutdown_and_wait(&mut self) {
        info!("shutting down: finishing in-flight work");
        self.shutdown.cancel();
        while let Some(result) = self.tasks.join_next().await {
            if let Ok(Err(e)) = result {
                error!(error = %e, "task ended with an error during shutdown");
            }
        }
        // Nothing is sent from here on: another replica may take over at once.
        if let Err(e) = self.dispatcher.step_down().await {
            warn!(error = %e, "could not give the sender lease up; another replica takes it when it lapses");
        }
        self.ctx.store.close().await;
    }
}
