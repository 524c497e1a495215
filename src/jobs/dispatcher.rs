//! Sends the outbox: claims a due row, makes the Slack call, and only then marks it
//! sent. Rate limits wait as long as Slack says; transient failures back off
//! exponentially with jitter; permanent failures and exhausted retries go to the
//! dead-letter state, visible in reports, instead of vanishing.
//!
//! It also paces itself to Slack's published limits ([`RateLimits`]) so that it rarely
//! meets a 429 at all. The [`Pacer`] is a set of token buckets in memory: one per
//! paced method for the workspace, one per channel for posts. Before claiming, the
//! dispatcher asks it which methods and channels are held back right now, and the claim
//! passes over rows that would need them, so a busy channel or an exhausted tier never
//! blocks rows for other channels, and a held row is not touched (no attempt counted,
//! nothing written). When nothing can go, the loop sleeps until the next row is due or
//! the next bucket frees, whichever is first. The buckets live in memory on purpose:
//! after a restart they start full, which costs at most one burst, and a 429 that
//! follows is honoured like any other.
//!
//! With several replicas on one PostgreSQL database, one of them sends: the one
//! holding the sender lease ([`SENDER_LEASE`], renewed every few seconds). Its pacer
//! then paces the whole deployment, and when it dies another replica takes the lease
//! over once it lapses, with full buckets (at most one burst, as after a restart), and
//! the rows the dead one had in flight once their row leases run out. The others
//! handle events and queue rows; the sender looks for rows other replicas queued every
//! [`POLL_SECS`], since their bells ring only in their own process.
//!
//! A group DM's channel, once `conversations.open` has answered, is kept in the
//! database with the row's outcome ([`OpenedDm`]), so a retry after a failed post, and
//! every later message to the same people, costs one call instead of two and no Tier 3
//! token. A file for one person keeps the app's DM with them the same way, as a
//! one-person group: `files.completeUploadExternal` needs the DM's id, not the user's.
//!
//! A file costs a token of both upload methods (`files.getUploadURLExternal` and
//! `files.completeUploadExternal`, always called together); its row is claimed by the
//! first, so a spent completion tier holds the first back too.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::clock::Clock;
use crate::domain::outbound::Outbound;
use crate::domain::outbound::{UPLOAD_COMPLETE, UPLOAD_URL};
use crate::slack::{SendError, SlackApi};
use crate::store::{Claim, Engine, OpenedDm, OutboxEntry, Store, StoreError, PACE_METHODS};
use slack_limits::{Buckets, Rate, RateLimits, DEFAULT_RETRY_AFTER};

/// A claimed row whose sender died is retried after this long, unless told otherwise.
pub const LEASE_SECS: i64 = 60;
/// The lease that makes one replica the deployment's sender.
pub const SENDER_LEASE: &str = "outbox-sender";
/// How long the sender lease lasts unrenewed: how long sending pauses when the sender
/// dies. It is renewed once a third of it has run.
pub const SENDER_LEASE_SECS: i64 = 10;
/// How often the dispatcher looks for rows queued by other replicas (PostgreSQL).
pub const POLL_SECS: u64 = 1;
/// How long transient failures are retried before the row is dead-lettered, unless
/// told otherwise (`UPWARD_RETRY_HOURS`): a day, so an outage of hours loses nothing.
pub const RETRY_BUDGET_SECS: i64 = 24 * 3600;
/// Owners are told (once per backlog) when messages have been failing this long.
pub const BACKLOG_ALERT_SECS: i64 = 3600;
/// How often the run loop looks for such a backlog. The count reads every waiting row,
/// so doing it after each call made a launch-day backlog (thousands of DMs waiting for
/// Tier 3's pace) cost time in proportion to its square.
const BACKLOG_CHECK_SECS: i64 = 60;
/// The longest a row coming due waits while other calls are in flight, in microseconds.
const BUSY_RECHECK_US: i64 = 1_000_000;
/// Slack calls in flight at once: different conversations and methods go side by side.
/// Answers through a response_url are not rate limited; at Slack's 80-100 ms round trip
/// it takes this many in flight to answer a thousand commands a second.
pub const SENDERS: usize = 128;
/// The most rows of one unpaced method claimed at once.
const CLAIM_BATCH: usize = 32;
/// How long calls in flight may finish after shutdown is asked.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// Retries stay at most this far apart, so a recovered Slack is noticed within minutes.
pub const MAX_BACKOFF_SECS: i64 = 5 * 60;
/// The longest the dispatcher sleeps: rows queued by another process (`upward match`)
/// ring no bell here, so they are picked up within this time.
const MAX_IDLE_SECS: i64 = 30;
/// The dispatcher plans at this share of each published rate. Slack counts a call
/// when it arrives, we when we claim it; without a margin, a dispatcher running
/// exactly at the ceiling would be refused whenever one call's latency was a
/// millisecond shorter than the one before.
const PACE_SHARE: f64 = 0.95;
const POST: &str = "chat.postMessage";
const OPEN: &str = "conversations.open";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatched {
    Sent,
    Retrying { at: i64 },
    Dead,
}

/// Exponential backoff with up to 50 % jitter, so failed messages do not all return at once.
pub fn backoff_secs(attempts: i64, jitter: f64) -> i64 {
    let base = 2_i64.saturating_pow(attempts.clamp(1, 20) as u32).min(MAX_BACKOFF_SECS);
    base + (base as f64 * 0.5 * jitter.clamp(0.0, 1.0)) as i64
}

/// What a bucket counts: a method across the workspace, or posts into one channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PaceKey {
    Method(&'static str),
    Channel(String),
}

/// The dispatcher's token buckets over the rate-limit table, on the dispatcher's clock
/// (microseconds), so tests on a manual clock see exactly the slots it computed.
pub struct Pacer {
    limits: RateLimits,
    buckets: Buckets<PaceKey>,
}

/// What cannot go at a given moment, and when the first of it can.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Held {
    /// Pace methods (the outbox's `pace_method`) whose rows must wait.
    pub methods: Vec<&'static str>,
    /// Channels (outbox `channel_key`s) that were posted to too recently.
    pub channels: Vec<String>,
    /// When the earliest of these frees, in microseconds.
    pub until: Option<i64>,
}

impl Pacer {
    /// Paces to `limits`, planning at [`PACE_SHARE`] of each rate.
    pub fn new(limits: &RateLimits) -> Pacer {
        Pacer { limits: limits.scaled(PACE_SHARE), buckets: Buckets::default() }
    }

    fn rate(&self, key: &PaceKey) -> Option<Rate> {
        match key {
            PaceKey::Method(method) => self.limits.method(method),
            PaceKey::Channel(_) => Some(self.limits.per_channel),
        }
    }

    /// What is held back at `now`. A row starting with conversations.open posts right
    /// after, so it waits for both methods.
    pub fn held(&mut self, now: i64) -> Held {
        self.buckets.prune(now);
        let mut held = Held::default();
        let keys: Vec<PaceKey> = self.buckets.keys().cloned().collect();
        for key in keys {
            let Some(rate) = self.rate(&key) else { continue };
            let free_at = self.buckets.free_at(&key, rate);
            if free_at <= now {
                continue;
            }
            held.until = Some(held.until.map_or(free_at, |until: i64| until.min(free_at)));
            match key {
                PaceKey::Method(method) => held.methods.push(method),
                PaceKey::Channel(channel) => held.channels.push(channel),
            }
        }
        if held.methods.contains(&POST) && !held.methods.contains(&OPEN) {
            held.methods.push(OPEN);
        }
        if held.methods.contains(&UPLOAD_COMPLETE) && !held.methods.contains(&UPLOAD_URL) {
            held.methods.push(UPLOAD_URL);
        }
        held
    }

    /// Whether Slack sets no pace for rows starting with `method` (answers through a
    /// response_url): such rows may be claimed many at once.
    fn unpaced(&self, method: &str) -> bool {
        self.limits.method(method).is_none() && method != POST && method != OPEN
    }

    /// Holds `key` back as Slack's 429 at `now` asks, whatever its bucket says.
    fn refused(&mut self, key: PaceKey, now: i64, retry_after: Option<Duration>) {
        if let Some(rate) = self.rate(&key) {
            self.buckets.refused(key, rate, now, retry_after);
        }
    }

    /// Counts a call of `method` (a post into `channel`, when given) made at `now`.
    fn take(&mut self, method: &str, channel: Option<&str>, now: i64) {
        if let Some(&(method, rate)) = self.limits.methods.iter().find(|(m, _)| *m == method) {
            self.buckets.take(PaceKey::Method(method), rate, now);
        }
        if let Some(channel) = channel {
            self.buckets.take(PaceKey::Channel(channel.to_owned()), self.limits.per_channel, now);
        }
    }
}

pub struct Dispatcher {
    pub store: Store,
    pub slack: SlackApi,
    pub clock: Arc<dyn Clock>,
    pacer: Mutex<Pacer>,
    lease_secs: i64,
    retry_budget_secs: i64,
    /// Who is told when messages pile up: these, and the owners added from Slack in
    /// `team`, when known.
    owners: Vec<String>,
    team: Option<String>,
    /// Which method the next claim starts with: each claim starts one further.
    turn: std::sync::atomic::AtomicUsize,
    /// This dispatcher's name in the sender lease, unique per process.
    holder: String,
    /// Until when (Unix seconds) this dispatcher knows it holds the sender lease.
    leading_until: std::sync::atomic::AtomicI64,
}

impl Dispatcher {
    /// A dispatcher pacing itself to `limits` (Slack's: [`RateLimits::slack`]).
    pub fn new(store: Store, slack: SlackApi, clock: Arc<dyn Clock>, limits: &RateLimits) -> Dispatcher {
        Dispatcher {
            store,
            slack,
            clock,
            pacer: Mutex::new(Pacer::new(limits)),
            lease_secs: LEASE_SECS,
            retry_budget_secs: RETRY_BUDGET_SECS,
            owners: Vec::new(),
            team: None,
            turn: std::sync::atomic::AtomicUsize::new(0),
            holder: format!("{}-{:016x}", std::process::id(), rand::rng().random::<u64>()),
            leading_until: std::sync::atomic::AtomicI64::new(0),
        }
    }

    /// The same dispatcher retrying transient failures for `secs` from when a row was
    /// queued (or re-driven), instead of [`RETRY_BUDGET_SECS`].
    pub fn with_retry_budget(self, secs: i64) -> Dispatcher {
        Dispatcher { retry_budget_secs: secs.max(1), ..self }
    }

    /// The same dispatcher telling `owners` when messages have been failing an hour.
    pub fn with_owners(self, owners: Vec<String>) -> Dispatcher {
        Dispatcher { owners, ..self }
    }

    /// The same dispatcher also telling the owners added from Slack in `team`.
    pub fn with_team(self, team: String) -> Dispatcher {
        Dispatcher { team: Some(team), ..self }
    }

    /// Tells each owner, once, that messages have been failing for over an hour, and
    /// re-arms when they no longer are. The alert goes through the outbox like any
    /// message: if Slack refuses everything it arrives when Slack recovers, which is
    /// all anyone can do. Returns whether an alert was raised.
    pub async fn watch_backlog(&self) -> Result<bool, StoreError> {
        let now = self.clock.now().timestamp();
        let waiting = self.store.stale_outbound(now - BACKLOG_ALERT_SECS).await?;
        let open = self.store.backlog_alert_open().await?;
        if waiting == 0 {
            if open {
                self.store.clear_backlog_alert(now).await?;
            }
            return Ok(false);
        }
        let mut owners = self.owners.clone();
        if let Some(team) = &self.team {
            for added in self.store.added_owners(team).await? {
                if !owners.contains(&added) {
                    owners.push(added);
                }
            }
        }
        if open || owners.is_empty() {
            return Ok(false);
        }
        warn!(waiting, "messages have been failing for over an hour; telling the owners");
        let message = crate::slack::messages::backlog_alert(waiting, BACKLOG_ALERT_SECS / 3600);
        let alerts: Vec<Outbound> = owners
            .iter()
            .map(|owner| Outbound::DirectMessage { user: owner.clone(), message: message.clone() })
            .collect();
        let mut tx = self.store.begin(now).await?;
        tx.raise_backlog_alert(&alerts).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The same dispatcher with another lease: the benchmark's crash must not cost it
    /// a minute of waiting for the row that was in flight.
    pub fn with_lease(self, secs: i64) -> Dispatcher {
        Dispatcher { lease_secs: secs.max(1), ..self }
    }

    fn pacer(&self) -> std::sync::MutexGuard<'_, Pacer> {
        self.pacer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now_us(&self) -> i64 {
        self.clock.now().timestamp_micros()
    }

    /// When the pacer next frees a method or channel it holds back now, if it holds any.
    pub fn next_slot(&self) -> Option<DateTime<Utc>> {
        let until = self.pacer().held(self.now_us()).until?;
        DateTime::from_timestamp_micros(until)
    }

    /// Sends the next due message that the rate limits let go now, if any.
    pub async fn dispatch_one(&self) -> Result<Option<Dispatched>, StoreError> {
        match self.claim(1).await?.pop() {
            Some(entry) => self.send(entry).await.map(Some),
            None => Ok(None),
        }
    }

    /// Whether this dispatcher is the deployment's sender now, taking or renewing the
    /// sender lease once a third of it has run.
    async fn leading(&self) -> Result<bool, StoreError> {
        use std::sync::atomic::Ordering::Relaxed;
        let now = self.clock.now().timestamp();
        if self.leading_until.load(Relaxed) - now > SENDER_LEASE_SECS * 2 / 3 {
            return Ok(true);
        }
        let until = now + SENDER_LEASE_SECS;
        let held = self.store.take_lease(SENDER_LEASE, &self.holder, now, until).await?;
        self.leading_until.store(if held { until } else { 0 }, Relaxed);
        Ok(held)
    }

    /// Gives the sender lease up (at shutdown), so another replica sends at once.
    pub async fn step_down(&self) -> Result<(), StoreError> {
        self.leading_until.store(0, std::sync::atomic::Ordering::Relaxed);
        self.store.release_lease(SENDER_LEASE, &self.holder).await
    }

    /// Claims the next rows that may go now, at most `room`: a form to open first (its
    /// trigger expires in three seconds), then the oldest due. Rows Slack paces are
    /// claimed one at a time, as the pacer lets each go; answers through a response_url
    /// in batches of up to [`CLAIM_BATCH`], so that during a launch-day burst their
    /// claims do not each wait for SQLite's write turn behind the handlers' changes.
    /// Nothing while another replica sends.
    async fn claim(&self, room: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        if room == 0 || !self.leading().await? {
            return Ok(Vec::new());
        }
        let now = self.clock.now().timestamp();
        let held = self.pacer().held(self.now_us());
        let claim = Claim { held_methods: &held.methods, held_channels: &held.channels, ..Claim::any() };
        let forms = self.store.claim_outbound(now, self.lease_secs, Claim { urgent_only: true, ..claim }).await?;
        if !forms.is_empty() {
            return Ok(forms);
        }
        // Method by method, starting one further each time, so no method waits on another.
        let start = self.turn.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for k in 0..PACE_METHODS.len() {
            let method = PACE_METHODS[(start + k) % PACE_METHODS.len()];
            if held.methods.contains(&method) {
                continue;
            }
            let limit = if self.pacer().unpaced(method) { room.min(CLAIM_BATCH) } else { 1 };
            let claimed =
                self.store.claim_outbound(now, self.lease_secs, Claim { method: Some(method), limit, ..claim }).await?;
            if !claimed.is_empty() {
                return Ok(claimed);
            }
        }
        Ok(Vec::new())
    }

    /// Makes a claimed row's Slack calls and records the outcome.
    async fn send(&self, entry: OutboxEntry) -> Result<Dispatched, StoreError> {
        let now = self.clock.now().timestamp();
        let message = match entry.message() {
            Ok(message) => message,
            Err(e) => {
                error!(outbox_id = entry.id, error = %e, "unreadable outbox row dead-lettered");
                self.store.outbound_dead(entry.id, now, &e.to_string(), None).await?;
                return Ok(Dispatched::Dead);
            }
        };
        let (result, opened) = self.deliver(&entry, &message).await?;
        let opened = opened.as_ref();
        let now = self.clock.now().timestamp();
        let outcome = match result {
            Ok(()) => {
                self.store.outbound_sent(entry.id, now, opened).await?;
                Dispatched::Sent
            }
            Err(SendError::RateLimited { retry_after }) => {
                let wait = retry_after.unwrap_or(DEFAULT_RETRY_AFTER).as_secs().max(1) as i64;
                info!(outbox_id = entry.id, method = entry.method, wait, "rate limited; waiting as Slack asks");
                self.store.outbound_retry(entry.id, now + wait, "rate limited", true, false, opened).await?;
                Dispatched::Retrying { at: now + wait }
            }
            Err(e @ (SendError::Transient(_) | SendError::Ambiguous(_)))
                if now - entry.since < self.retry_budget_secs =>
            {
                let ambiguous = matches!(e, SendError::Ambiguous(_));
                let at = now + backoff_secs(entry.attempts, rand::rng().random());
                warn!(outbox_id = entry.id, method = entry.method, attempt = entry.attempts, error = %e, "send failed; retrying");
                self.store.outbound_retry(entry.id, at, &e.to_string(), false, ambiguous, opened).await?;
                Dispatched::Retrying { at }
            }
            Err(e @ (SendError::Transient(_) | SendError::Ambiguous(_))) => {
                let hours = self.retry_budget_secs / 3600;
                let why = format!("gave up after retrying for {hours} h: {e}");
                error!(outbox_id = entry.id, method = entry.method, error = %e, "retry budget spent; dead-lettered");
                self.store.outbound_dead(entry.id, now, &why, opened).await?;
                Dispatched::Dead
            }
            Err(e) => {
                error!(outbox_id = entry.id, method = entry.method, error = %e, "message dead-lettered");
                self.store.outbound_dead(entry.id, now, &e.to_string(), opened).await?;
                Dispatched::Dead
            }
        };
        Ok(outcome)
    }

    /// Makes the Slack calls of one row, counting each against the pacer as it goes.
    /// A group message or a file opens its DM only when none is known, and returns what
    /// Slack opened so the row's outcome keeps it.
    async fn deliver(
        &self,
        entry: &OutboxEntry,
        message: &Outbound,
    ) -> Result<(Result<(), SendError>, Option<OpenedDm>), StoreError> {
        let key = entry.channel_key.as_str();
        match message {
            Outbound::GroupMessage { users, message } => {
                let (channel, opened) = match self.conversation(key, users).await? {
                    Ok(found) => found,
                    Err(e) => return Ok((Err(e), None)),
                };
                Ok((self.paced(POST, Some(key), self.slack.post(&channel, message)).await, opened))
            }
            Outbound::UploadFile { user, filename, title, comment, content_b64 } => {
                let (channel, opened) = match self.conversation(key, std::slice::from_ref(user)).await? {
                    Ok(found) => found,
                    Err(e) => return Ok((Err(e), None)),
                };
                self.take_upload();
                Ok((self.slack.share_file(&channel, filename, title, comment, content_b64).await, opened))
            }
            Outbound::DirectMessage { .. } => Ok((self.paced(POST, Some(key), self.slack.send(message)).await, None)),
            // A new chart: once Slack holds it, the file is remembered under its figures.
            Outbound::PublishHome { user, view, chart_png_b64: Some(png), chart_hash: Some(hash), .. } => {
                self.take_upload();
                let publish = self.slack.publish_home(user, view, Some(png), None);
                let published = self.paced(message.method(), None, publish).await;
                if let Ok(Some(file_id)) = &published {
                    self.store.remember_chart(hash, file_id, self.clock.now().timestamp()).await?;
                }
                Ok((published.map(drop), None))
            }
            other => {
                if let Outbound::PublishHome { chart_png_b64: Some(_), .. } = other {
                    self.take_upload();
                }
                Ok((self.paced(other.method(), None, self.slack.send(other)).await, None))
            }
        }
    }

    /// Counts the two Web API calls of a file upload.
    fn take_upload(&self) {
        let now = self.now_us();
        let mut pacer = self.pacer();
        pacer.take(UPLOAD_URL, None, now);
        pacer.take(UPLOAD_COMPLETE, None, now);
    }

    /// The channel of the DM (one user) or group DM (several) kept under `key`, or one
    /// opened now and returned for the row's outcome to keep.
    async fn conversation(
        &self,
        key: &str,
        users: &[String],
    ) -> Result<Result<(String, Option<OpenedDm>), SendError>, StoreError> {
        if let Some(channel) = self.store.group_dm(key).await? {
            return Ok(Ok((channel, None)));
        }
        match self.paced(OPEN, None, self.slack.open_group(users)).await {
            Ok(channel) => {
                let at = self.clock.now().timestamp();
                Ok(Ok((channel.clone(), Some(OpenedDm { users: key.to_owned(), channel, at }))))
            }
            Err(e) => Ok(Err(e)),
        }
    }

    /// Makes one Slack call of `method` (a post into `channel`, when given), counted
    /// against the pacer first. A 429 holds back what Slack refused (the channel for a
    /// post, else the method) for as long as Retry-After says, so the rows behind it
    /// wait instead of walking into the same wall.
    async fn paced<T>(
        &self,
        method: &'static str,
        channel: Option<&str>,
        call: impl std::future::Future<Output = Result<T, SendError>>,
    ) -> Result<T, SendError> {
        self.pacer().take(method, channel, self.now_us());
        let result = call.await;
        if let Err(SendError::RateLimited { retry_after }) = &result {
            let key = channel.map_or(PaceKey::Method(method), |c| PaceKey::Channel(c.to_owned()));
            let now = self.now_us();
            self.pacer().refused(key, now, *retry_after);
        }
        result
    }

    /// How long to sleep while calls are in flight: until the pacer frees a slot, at most
    /// [`BUSY_RECHECK_US`].
    fn paced_for(&self) -> Duration {
        let now = self.now_us();
        let wake = self.pacer().held(now).until.unwrap_or(now + BUSY_RECHECK_US);
        Duration::from_micros((wake - now).clamp(1_000, BUSY_RECHECK_US) as u64)
    }

    /// How long to sleep when nothing can go now: until the next row is due or the
    /// pacer frees what holds the due ones back, within [1 ms, MAX_IDLE_SECS].
    async fn idle_for(&self) -> Duration {
        let now = self.now_us();
        let due = match self.store.next_outbound_due().await {
            Ok(due) => due.map(|secs| secs.saturating_mul(1_000_000)),
            Err(_) => return Duration::from_secs(5),
        };
        let slot = self.pacer().held(now).until;
        let wake = match (due, slot) {
            // Rows are due but held back: they go when the pacer frees them.
            (Some(due), Some(slot)) if due <= now => slot,
            (Some(due), Some(slot)) => due.min(slot),
            (Some(due), None) if due > now => due,
            // Due, nothing held, yet unclaimable: another sender holds it; look again soon.
            (Some(_), None) => now + 1_000_000,
            (None, _) => now + MAX_IDLE_SECS * 1_000_000,
        };
        Duration::from_micros((wake - now).clamp(1_000, MAX_IDLE_SECS * 1_000_000) as u64)
    }

    /// Claims what can go now, up to [`SENDERS`] calls in flight, and starts sending it.
    async fn fill(
        self: &Arc<Self>,
        in_flight: &mut tokio::task::JoinSet<Result<Dispatched, StoreError>>,
        shutdown: &CancellationToken,
    ) {
        while in_flight.len() < SENDERS && !shutdown.is_cancelled() {
            match self.claim(SENDERS - in_flight.len()).await {
                Ok(claimed) if claimed.is_empty() => break,
                Ok(claimed) => {
                    for entry in claimed {
                        let dispatcher = self.clone();
                        in_flight.spawn(async move { dispatcher.send(entry).await });
                    }
                }
                Err(e) => {
                    error!(error = %e, "outbox unavailable");
                    break;
                }
            }
        }
    }

    /// Whether rows waiting on `methods` may go now, as far as the pacer knows.
    fn can_go(&self, methods: &std::collections::HashSet<&'static str>) -> bool {
        let held = self.pacer().held(self.now_us());
        methods.iter().any(|method| !held.methods.contains(method))
    }

    /// Runs until `shutdown` with up to [`SENDERS`] calls in flight, sleeping until the
    /// next message is due, the pacer frees a slot, a call finishes or a new message is
    /// queued. Rows into one conversation go one at a time, in order (the claim passes
    /// over a conversation with an older row unsent), so concurrency never reorders
    /// what one person reads, and a call hanging on one conversation or method holds
    /// back only that one. At shutdown no new row is claimed and calls in flight get
    /// [`SHUTDOWN_GRACE`]; a call cut off then is retried after the next start.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let mut in_flight = tokio::task::JoinSet::new();
        let mut backlog_checked = i64::MIN;
        let (mut look, mut deadline) = (true, tokio::time::Instant::now());
        loop {
            let notified = self.store.outbox_ready.notified();
            if look {
                self.fill(&mut in_flight, &shutdown).await;
                let now = self.clock.now().timestamp();
                if now.saturating_sub(backlog_checked) >= BACKLOG_CHECK_SECS {
                    backlog_checked = now;
                    if let Err(e) = self.watch_backlog().await {
                        error!(error = %e, "cannot check the outbox backlog");
                    }
                }
                // With calls in flight the loop wakes as each one ends, so the next due
                // time (a scan of every waiting row) is looked up only when none is; a
                // row coming due meanwhile waits at most BUSY_RECHECK_US.
                let mut wait = if in_flight.is_empty() { self.idle_for().await } else { self.paced_for() };
                if self.store.engine() == Engine::Postgres {
                    // Other replicas' rows ring no bell here; and the lease needs renewing.
                    wait = wait.min(Duration::from_secs(POLL_SECS));
                }
                deadline = tokio::time::Instant::now() + wait;
            }
            look = tokio::select! {
                _ = shutdown.cancelled() => break,
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    report(done);
                    true
                }
                // New rows the pacer holds back change nothing: the wake-up already set
                // is when it frees them.
                _ = notified => self.can_go(&self.store.outbox_ready.rung_for()),
                _ = tokio::time::sleep_until(deadline) => true,
            };
            // Every call that ended meanwhile, so one look for rows serves them all: with
            // 128 calls in flight, a look after each (five searches when nothing is due)
            // was most of the SQL a launch-day burst ran.
            while let Some(done) = in_flight.try_join_next() {
                report(done);
                look = true;
            }
        }
        let finish = async { while in_flight.join_next().await.is_some() {} };
        if tokio::time::timeout(SHUTDOWN_GRACE, finish).await.is_err() {
            warn!("calls still in flight at shutdown; their rows are sent again after the next start");
        }
    }
}

/// Logs a send whose outcome could not be recorded (its row is sent again later).
fn report(done: Result<Result<Dispatched, StoreError>, tokio::task::JoinError>) {
    if let Ok(Err(e)) = done {
        error!(error = %e, "could not record a send's outcome");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jitter_stays_within_half() {
        assert_eq!(backoff_secs(1, 0.0), 2);
        assert_eq!(backoff_secs(3, 0.0), 8);
        assert_eq!(backoff_secs(3, 1.0), 12);
        assert_eq!(backoff_secs(40, 0.0), MAX_BACKOFF_SECS);
        for attempts in 1..12 {
            let low = backoff_secs(attempts, 0.0);
            let high = backoff_secs(attempts, 1.0);
            assert!(high >= low && high <= low + low / 2);
        }
    }
}
