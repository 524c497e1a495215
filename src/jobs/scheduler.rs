//! Timers: programs' automatic matching rounds and owners' digests, pairs' check-ins,
//! snoozed check-ins asked again, rounds reaching their end, and one-time session requests
//! whose asked mentor let the answer time pass, and projects past their end date. The scheduler does no work itself: when something comes due it stores an
//! event ([`Event::ScheduledRound`], [`Event::CheckinDue`], [`Event::CheckinReminder`],
//! [`Event::RoundEnded`]) in
//! the inbox, in the same transaction that records the timer fired, and the consumer
//! handles it like any other event. Due times come from the database (schedules, the
//! last round or check-in, snoozes), so a restart neither loses nor repeats one, and
//! times missed while the bot was down are caught up once.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::clock::Clock;
use crate::domain::checkins::{self, delivery_time, parse_time_zone, PairClock};
use crate::domain::schedule::{latest_due, next_after, parse_cron};
use crate::event::Event;
use crate::store::{CheckinPair, Store, StoreError};

/// How long the scheduler sleeps when nothing is due, so a schedule set in another
/// process is noticed; a schedule set through Slack rings the bell at once.
const MAX_IDLE: Duration = Duration::from_secs(60);

pub struct Scheduler {
    pub store: Store,
    pub clock: std::sync::Arc<dyn Clock>,
}

fn at(seconds: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(seconds, 0).single()
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn payload(event: &Event) -> String {
    serde_json::to_string(event).expect("events serialise")
}

impl Scheduler {
    /// Starts everything that is due now; returns when the next thing is due.
    pub async fn tick(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let now = self.clock.now();
        let rounds = self.rounds(now).await?;
        let checkins = self.checkins(now).await?;
        let reminders = self.reminders(now).await?;
        let digests = self.digests(now).await?;
        let round_ends = self.round_ends(now).await?;
        let sessions = self.session_offers(now).await?;
        let projects = self.project_ends(now).await?;
        let forms = earliest(earliest(round_ends, sessions), projects);
        Ok(earliest(earliest(earliest(rounds, checkins), earliest(reminders, digests)), forms))
    }

    /// A project's pair ends on the day after its end date (UTC).
    async fn project_ends(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        for project in self.store.ending_projects().await? {
            let due = crate::domain::projects::end_time(project.ends_on);
            if due > now.timestamp() {
                return Ok(at(due));
            }
            let event = Event::ProjectEnded { project_id: project.id };
            self.store.start_project_end(&project, &payload(&event), now.timestamp()).await?;
            info!(project = project.id, "a project reached its end date");
        }
        Ok(None)
    }

    /// A one-time session's asked mentor who lets the program's answer time pass: the
    /// next candidate is asked (by the handler of [`Event::SessionOfferExpired`]).
    async fn session_offers(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        for offer in self.store.open_offers().await? {
            if offer.due() > now.timestamp() {
                return Ok(at(offer.due()));
            }
            let event = Event::SessionOfferExpired { session_id: offer.session_id, asked_at: offer.asked_at };
            self.store.start_session_expiry(offer, &payload(&event), now.timestamp()).await?;
            info!(session = offer.session_id, "a session request's answer time ran out");
        }
        Ok(None)
    }

    /// Each confirmed round ends once its program's round length has passed since it
    /// was confirmed: everyone is asked again, and mentors who agreed are thanked.
    async fn round_ends(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut next = None;
        for round in self.store.ending_rounds().await? {
            if round.due() > now.timestamp() {
                next = earliest(next, at(round.due()));
                continue;
            }
            let event = Event::RoundEnded { round_id: round.round_id };
            self.store.start_round_end(round, &payload(&event), now.timestamp()).await?;
            info!(round = round.round_id, "round ended");
        }
        Ok(next)
    }

    /// Each program's owners' digest, on its cron in the program's zone.
    async fn digests(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut next = None;
        for program in self.store.digest_programs().await? {
            let Ok(cron) = parse_cron(&program.digest_schedule) else {
                warn!(program = program.id, "stored digest schedule does not parse; skipped");
                continue;
            };
            let zone = parse_time_zone(&program.time_zone).unwrap_or(chrono_tz::UTC);
            let Some(since) = at(program.since) else { continue };
            let (since, now_there) = (since.with_timezone(&zone), now.with_timezone(&zone));
            let mut anchor = since;
            if let Some(due) = latest_due(&cron.schedule, &since, &now_there) {
                let event = Event::Digest { program_id: program.id, due: due.timestamp() };
                self.store.start_digest(program.id, due.timestamp(), &payload(&event), now.timestamp()).await?;
                info!(program = program.id, due = %due, "owners' digest started");
                anchor = due;
            }
            next = earliest(next, next_after(&cron.schedule, &anchor).map(|t| t.with_timezone(&Utc)));
        }
        Ok(next)
    }

    async fn rounds(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut next = None;
        for program in self.store.scheduled_programs().await? {
            let cron = match parse_cron(&program.match_schedule) {
                Ok(cron) => cron,
                Err(why) => {
                    warn!(program = program.id, why, "stored schedule does not parse; skipped");
                    continue;
                }
            };
            let Some(since) = at(program.since) else { continue };
            let mut anchor = since;
            if let Some(due) = latest_due(&cron.schedule, &since, &now) {
                let event = Event::ScheduledRound { program_id: program.id, due: due.timestamp() };
                self.store
                    .start_scheduled_round(program.id, due.timestamp(), &payload(&event), now.timestamp())
                    .await?;
                info!(program = program.id, due = %due, "automatic round started");
                anchor = due;
            }
            next = earliest(next, next_after(&cron.schedule, &anchor));
        }
        Ok(next)
    }

    /// Each live pair's check-in: started once its schedule time has come and the
    /// pair's working hours have begun.
    async fn checkins(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut next = None;
        for pair in self.store.checkin_pairs(&now.date_naive().to_string()).await? {
            next = earliest(next, self.checkin(&pair, now).await?);
        }
        Ok(next)
    }

    async fn checkin(&self, pair: &CheckinPair, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        let settings = pair.settings()?;
        let cron = match parse_cron(&settings.schedule) {
            Ok(cron) => cron,
            Err(why) => {
                warn!(program = pair.program_id, why, "stored check-in schedule does not parse; skipped");
                return Ok(None);
            }
        };
        let zone = parse_time_zone(&settings.time_zone).unwrap_or(chrono_tz::UTC);
        let tz = |name: &Option<String>| name.as_deref().and_then(|n| n.parse::<Tz>().ok());
        let (mentee, mentor) = (tz(&pair.mentee_tz), tz(&pair.mentor_tz));
        let deliver = |due| delivery_time(due, mentee, mentor, zone, settings.window, settings.weekends);
        let Some(start) = at(pair.start) else { return Ok(None) };
        let clock = PairClock { start, last_due: pair.last_checkin_due.and_then(at) };
        let (due, upcoming) = checkins::due(&cron.schedule, zone, settings.every, clock, now);
        match due.map(|due| (due, deliver(due))) {
            Some((due, delivery)) if delivery <= now => {
                let event = Event::CheckinDue { pair_id: pair.pair_id, due: due.timestamp() };
                self.store.start_checkin(pair.pair_id, due.timestamp(), &payload(&event), now.timestamp()).await?;
                info!(pair = pair.pair_id, due = %due, "check-in started");
                Ok(upcoming.map(deliver))
            }
            Some((_, delivery)) => Ok(Some(delivery)),
            None => Ok(upcoming.map(deliver)),
        }
    }

    /// Snoozed check-ins whose time has come are asked again.
    async fn reminders(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        for snoozed in self.store.snoozed_checkins().await? {
            if snoozed.snoozed_until > now.timestamp() {
                return Ok(at(snoozed.snoozed_until));
            }
            let event = Event::CheckinReminder { checkin_id: snoozed.checkin_id };
            self.store.start_reminder(snoozed, &payload(&event), now.timestamp()).await?;
            info!(checkin = snoozed.checkin_id, "snoozed check-in asked again");
        }
        Ok(None)
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
