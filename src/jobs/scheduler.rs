//! Timers: programs' automatic matching rounds. The scheduler does no work itself: when
//! a round comes due it stores a [`Event::ScheduledRound`] in the inbox, and the
//! consumer runs it like any other event. Due times come from the database (the
//! program's cron and the last round it started), so a restart neither loses a round
//! nor repeats one, and rounds missed while the bot was down are caught up once.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::clock::Clock;
use crate::domain::schedule::{latest_due, next_after, parse_cron};
use crate::event::Event;
use crate::store::{Store, StoreError};

/// How long the scheduler sleeps when nothing is due, so a schedule set in another
/// process is noticed; a schedule set through Slack rings the bell at once.
const MAX_IDLE: Duration = Duration::from_secs(60);

pub struct Scheduler {
    pub store: Store,
    pub clock: std::sync::Arc<dyn Clock>,
}

impl Scheduler {
    /// Starts every round that is due now; returns when the next one is due.
    pub async fn tick(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let now = self.clock.now();
        let mut next: Option<DateTime<Utc>> = None;
        for program in self.store.scheduled_programs().await? {
            let cron = match parse_cron(&program.match_schedule) {
                Ok(cron) => cron,
                Err(why) => {
                    warn!(program = program.id, why, "stored schedule does not parse; skipped");
                    continue;
                }
            };
            let Some(since) = Utc.timestamp_opt(program.since, 0).single() else { continue };
            let mut anchor = since;
            if let Some(due) = latest_due(&cron.schedule, &since, &now) {
                let event = Event::ScheduledRound { program_id: program.id, due: due.timestamp() };
                let payload = serde_json::to_string(&event).expect("events serialise");
                self.store.start_scheduled_round(program.id, due.timestamp(), &payload, now.timestamp()).await?;
                info!(program = program.id, due = %due, "automatic round started");
                anchor = due;
            }
            if let Some(at) = next_after(&cron.schedule, &anchor) {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        Ok(next)
    }

    /// Sleeps until the next due time (or a settings change), then ticks.
    pub async fn run(&self, shutdown: CancellationToken) {
        loop {
            let changed = self.store.schedule_changed.notified();
            let wait = match self.tick().await {
                Ok(Some(at)) => (at - self.clock.now()).to_std().unwrap_or(Duration::ZERO).min(MAX_IDLE),
                Ok(None) => MAX_IDLE,
                Err(e) => {
                    error!(error = %e, "scheduler cannot read the database");
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = changed => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}
