//! A Slack simulator on loopback, used by the tests, the demo and the benchmarks.
//!
//! It plays both sides of Slack the bot sees: the Web API the bot calls (answering in
//! Slack's wire format, checking the bot token, recording every call, and failing on
//! request with 429/5xx so retries can be exercised), and the Slack that calls the bot
//! ([`SlackCaller`]: slash commands, button presses, form submissions and events, each
//! signed with the signing secret exactly as Slack signs them). Given a [`RateLimits`]
//! table ([`Sim::enforce`]) it refuses calls past Slack's limits the way Slack does, so
//! the dispatcher's pacing is measured against a Slack that pushes back. With
//! [`Sim::socket_mode`] it also plays Slack's Socket Mode: `apps.connections.open`
//! hands out `ws://127.0.0.1` URLs, and [`Sim::socket_deliver`] sends an envelope over
//! one of the open connections (spread over all of them, re-sent when its connection
//! closes unacked, see the `socket` module) and returns the bot's ack.
//!
//! Files go through Slack's external upload flow here too: `files.getUploadURLExternal`
//! hands out a loopback upload URL, the bytes POSTed there are kept, and
//! `files.completeUploadExternal` turns them into a file, shared into a conversation or
//! private. Only completed files show in [`Sim::uploads`], so a test sees what a person
//! would see, not the attempts that failed half-way.
//!
//! Every message and view is held to Slack's Block Kit limits (`slack_limits::blocks`):
//! one that breaks a limit is refused with Slack's `invalid_blocks` answer and kept in
//! [`Sim::refusals`], so a test or the demo that produced it can fail loudly.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::{Json, Router};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::Notify;

use slack_limits::blocks::{self, Surface};
use slack_limits::{Buckets, RateLimits};
mod signing;
mod socket;

pub use signing::{sign, SIGNATURE_HEADER, TIMESTAMP_HEADER};
pub use socket::SocketConnection;

pub const TEAM_ID: &str = "T0001";
pub const BOT_USER_ID: &str = "U0BOT";
/// What a POST of file bytes to an upload URL is recorded (and can be failed) as.
pub const UPLOAD: &str = "upload_url";
/// What a download of a shared file's bytes (`url_private_download`) is recorded as.
pub const DOWNLOAD: &str = "files.download";

/// A file whose upload was completed: what Slack holds and, when shared, shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub file_id: String,
    pub filename: String,
    pub title: Option<String>,
    /// The conversation it was shared into; `None` for a file private to the app.
    pub channel: Option<String>,
    /// The message that introduced it (`initial_comment`).
    pub comment: Option<String>,
    pub bytes: Vec<u8>,
}

/// A file between `files.getUploadURLExternal` and its completion.
#[derive(Debug, Clone, Default)]
struct PendingFile {
    filename: String,
    /// The bytes POSTed to its upload URL, once they arrive.
    bytes: Option<Vec<u8>>,
}

/// One call the bot made, as Slack would have received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The Web API method, `response_url` for answers through a command's URL, or
    /// [`UPLOAD`] for file bytes POSTed to an upload URL (args: `file_id`, `length`).
    pub method: String,
    /// Query and body arguments merged into one JSON object.
    pub args: Value,
    /// Whether the simulator answered with success.
    pub ok: bool,
    /// When it arrived, so a benchmark can time answers from its own requests.
    pub at: std::time::Instant,
}

/// A failure to answer the next call of a method with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 with `Retry-After`.
    RateLimited { retry_after_secs: u64 },
    /// HTTP 500.
    ServerError,
    /// HTTP 200 with `{"ok": false, "error": code}`.
    ApiError(String),
    /// No answer at all, as when Slack or the network stalls: the client must give up
    /// on its own timeout. The call is recorded as failed.
    NoAnswer,
    /// Slack acts, then answers only `{"ok": true}`: every other field is missing.
    /// Recorded as successful: it was.
    OkBare,
    /// Slack acts and answers its usual JSON, labelled `text/html`.
    OkHtml,
    /// Slack acts, then the connection drops before the answer's body arrives.
    ActThenDrop,
    /// Slack acts, then never answers.
    ActThenHang,
}

impl Fault {
    /// Whether Slack does what was asked before the fault strikes.
    pub fn acts(&self) -> bool {
        matches!(self, Fault::OkBare | Fault::OkHtml | Fault::ActThenDrop | Fault::ActThenHang)
    }
}

#[derive(Debug, Clone)]
pub struct SimUser {
    pub name: String,
    pub tz: Option<String>,
    /// The work email in the profile (`users:read.email`), if set.
    pub email: Option<String>,
}

impl SimUser {
    /// The user object Slack answers with (`users.info`, `users.list`, `users.lookupByEmail`).
    fn json(&self, id: &str) -> Value {
        let mut profile = json!({"real_name": self.name, "display_name": self.name});
        if let Some(email) = &self.email {
            profile["email"] = json!(email);
        }
        json!({"id": id, "team_id": TEAM_ID, "name": self.name, "real_name": self.name, "tz": self.tz,
               "deleted": false, "is_bot": false, "profile": profile})
    }
}

/// A file a person shared with the app, hosted for download with the bot token.
#[derive(Debug, Clone)]
struct HostedFile {
    name: String,
    filetype: String,
    user: String,
    channel: String,
    bytes: Vec<u8>,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    faults: HashMap<String, VecDeque<Fault>>,
    /// Methods failing every call with a fault until [`Sim::recover`].
    outages: HashMap<String, Fault>,
    users: HashMap<String, SimUser>,
    next_ts: u64,
    /// Socket Mode's connections and envelopes, once it is on.
    sockets: socket::Sockets,
    /// The limits enforced, once [`Sim::enforce`] was called.
    limits: Option<RateLimits>,
    /// Calls counted against those limits: by method, and by (method, channel) for
    /// `chat.postMessage`; microseconds since the simulator started.
    buckets: Buckets<(String, Option<String>)>,
    /// Files handed an upload URL and not completed yet, by file id.
    pending_files: HashMap<String, PendingFile>,
    /// Completed uploads, in order.
    uploads: Vec<Upload>,
    next_file: u64,
    /// How long every Web API answer takes, as Slack's round trip does.
    latency: std::time::Duration,
    /// When each trigger id the caller handed out was issued: Slack honours one for
    /// three seconds.
    triggers: HashMap<String, std::time::Instant>,
    /// `users.list` pages hold at most this many members (0: Slack's 1,000).
    users_page: usize,
    /// Payloads refused for breaking Block Kit limits.
    refusals: Vec<Refusal>,
    /// Files people shared (see [`Sim::host_file`]), by id.
    hosted: HashMap<String, HostedFile>,
    /// Calls recorded so far by (method, whether answered with success), so a caller
    /// can wait on counts without reading every call each time one arrives.
    counts: HashMap<(String, bool), usize>,
}

/// A message or view refused for breaking Slack's Block Kit limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub method: String,
    /// Slack's `response_metadata.messages`: each problem with its JSON pointer.
    pub messages: Vec<String>,
    pub args: Value,
}

/// How many calls of each method the simulator recorded, answered or refused.
pub struct Counts<'a>(&'a HashMap<(String, bool), usize>);

impl Counts<'_> {
    /// Calls of `method` that were answered with success (`ok`) or refused.
    pub fn of(&self, method: &str, ok: bool) -> usize {
        self.0.get(&(method.to_owned(), ok)).copied().unwrap_or(0)
    }
}

/// How long Slack honours a trigger id for `views.open`.
pub const TRIGGER_LIFETIME: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Clone)]
pub struct Sim {
    addr: SocketAddr,
    token: String,
    inner: Arc<Mutex<Inner>>,
    called: Arc<Notify>,
    started: std::time::Instant,
}

impl Sim {
    /// Starts the simulator on an ephemeral loopback port; it accepts `bot_token` only.
    pub async fn start(bot_token: &str) -> std::io::Result<Sim> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let sim = Sim {
            addr: listener.local_addr()?,
            token: bot_token.to_owned(),
            inner: Arc::default(),
            called: Arc::new(Notify::new()),
            started: std::time::Instant::now(),
        };
        let router = Router::new()
            .route("/api/{method}", any(api))
            .route("/respond/{tag}", post(respond))
            .route("/upload/{file_id}", post(upload))
            .route("/files-pri/{file_id}/{name}", axum::routing::get(download))
            .with_state(sim.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(sim)
    }

    /// The value for `SLACK_API_URL`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// A response_url for a command or action, as Slack would put in its payload.
    pub fn response_url(&self, tag: &str) -> String {
        format!("http://{}/respond/{tag}", self.addr)
    }

    pub fn add_user(&self, id: &str, name: &str, tz: Option<&str>) {
        let user = SimUser { name: name.to_owned(), tz: tz.map(str::to_owned), email: None };
        self.lock().users.insert(id.to_owned(), user);
    }

    /// Gives a user (added before, or a new one named after the email) a work email,
    /// which `users.lookupByEmail` finds and user objects carry in `profile.email`.
    pub fn set_email(&self, id: &str, email: &str) {
        let mut inner = self.lock();
        let user = inner.users.entry(id.to_owned()).or_insert_with(|| SimUser {
            name: email.split('@').next().unwrap_or(id).to_owned(),
            tz: Some("Europe/London".to_owned()),
            email: None,
        });
        user.email = Some(email.to_owned());
    }

    /// `user` shares a file named `name` into `channel` (their DM with the app): Slack
    /// then hosts it for `files.info` and a download with the bot token, and would send
    /// the app a `file_shared` event ([`SlackCaller::file_shared`]). Returns its id.
    pub fn host_file(&self, user: &str, channel: &str, name: &str, bytes: &[u8]) -> String {
        let mut inner = self.lock();
        inner.next_file += 1;
        let id = format!("F{:08}", inner.next_file);
        let filetype = name.rsplit_once('.').map_or("text", |(_, ext)| ext).to_lowercase();
        let file = HostedFile {
            name: name.to_owned(),
            filetype,
            user: user.to_owned(),
            channel: channel.to_owned(),
            bytes: bytes.to_vec(),
        };
        inner.hosted.insert(id.clone(), file);
        id
    }

    /// `files.info` in Slack's shape, for a hosted file.
    fn file_info(&self, args: &Value) -> Value {
        let id = args["file"].as_str().unwrap_or_default();
        let Some(file) = self.lock().hosted.get(id).cloned() else {
            return json!({"ok": false, "error": "file_not_found"});
        };
        let url = format!("http://{}/files-pri/{id}/{}", self.addr, file.name);
        let mimetype = if file.filetype == "csv" { "text/csv" } else { "application/octet-stream" };
        json!({"ok": true, "file": {
            "id": id, "created": 1_700_000_000, "timestamp": 1_700_000_000, "name": file.name, "title": file.name,
            "mimetype": mimetype, "filetype": file.filetype, "pretty_type": file.filetype.to_uppercase(),
            "user": file.user, "editable": false, "size": file.bytes.len(), "mode": "hosted",
            "is_external": false, "is_public": false, "url_private": url, "url_private_download": url,
            "channels": [], "groups": [], "ims": [file.channel], "comments_count": 0
        }, "comments": [], "response_metadata": {"next_cursor": ""}})
    }

    /// `users.lookupByEmail`: the user with that email, without case, or Slack's
    /// `users_not_found`.
    fn lookup_by_email(&self, args: &Value) -> Value {
        let email = args["email"].as_str().unwrap_or_default();
        let inner = self.lock();
        let found = inner
            .users
            .iter()
            .find(|(_, u)| u.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email)))
            .map(|(id, user)| user.json(id));
        match found {
            Some(user) => json!({"ok": true, "user": user}),
            None => json!({"ok": false, "error": "users_not_found"}),
        }
    }

    /// Every Web API answer from now on takes `latency`, as Slack's round trip does
    /// (about 100 ms), so a bot that waits on one call at a time shows it.
    pub fn set_latency(&self, latency: std::time::Duration) {
        self.lock().latency = latency;
    }

    /// `users.list` answers in pages of `size` members (Slack's default is up to 1,000).
    pub fn set_users_page(&self, size: usize) {
        self.lock().users_page = size.max(1);
    }

    /// Records that Slack handed out `trigger_id` now, so `views.open` honours it for
    /// [`TRIGGER_LIFETIME`] only. Trigger ids never issued here (recorded fixtures) are
    /// taken as fresh.
    fn issue_trigger(&self, trigger_id: &str) {
        self.lock().triggers.insert(trigger_id.to_owned(), std::time::Instant::now());
    }

    /// `views.open` with a trigger issued more than three seconds ago fails, as in Slack.
    fn trigger_expired(&self, args: &Value) -> bool {
        let Some(trigger) = args["trigger_id"].as_str() else { return false };
        self.lock().triggers.get(trigger).is_some_and(|issued| issued.elapsed() > TRIGGER_LIFETIME)
    }

    /// The next `count` calls of `method` fail with `fault`.
    pub fn fail(&self, method: &str, fault: Fault, count: usize) {
        let mut inner = self.lock();
        let queue = inner.faults.entry(method.to_owned()).or_default();
        queue.extend(std::iter::repeat_n(fault, count));
    }

    /// Every call of `method` fails with `fault` until [`Sim::recover`]: an outage.
    pub fn outage(&self, method: &str, fault: Fault) {
        self.lock().outages.insert(method.to_owned(), fault);
    }

    /// Ends the outage of `method`.
    pub fn recover(&self, method: &str) {
        self.lock().outages.remove(method);
    }

    /// From now on, calls past `limits` are refused as Slack refuses them: HTTP 429,
    /// `Retry-After` in whole seconds, `{"ok": false, "error": "ratelimited"}`. A refused
    /// call is recorded (not ok) and does not count against the limit.
    pub fn enforce(&self, limits: RateLimits) {
        self.lock().limits = Some(limits);
    }

    /// Calls recorded that `filter` accepts, without copying them: a benchmark's
    /// simulator holds tens of thousands.
    pub fn count_calls(&self, filter: impl Fn(&Call) -> bool) -> usize {
        self.lock().calls.iter().filter(|call| filter(call)).count()
    }

    /// Faults injected with [`Sim::fail`] for `method` that have not struck yet.
    pub fn faults_left(&self, method: &str) -> usize {
        self.lock().faults.get(method).map_or(0, VecDeque::len)
    }

    /// Every call recorded so far, emptying the log: a benchmark's tens of thousands
    /// need not be copied, nor kept once counted.
    pub fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut self.lock().calls)
    }

    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// Files whose upload was completed, in order: shared ones with their channel and
    /// comment, private ones (an App Home chart) with none.
    pub fn uploads(&self) -> Vec<Upload> {
        self.lock().uploads.clone()
    }

    /// Messages and views refused for breaking Slack's Block Kit limits, in order.
    pub fn refusals(&self) -> Vec<Refusal> {
        self.lock().refusals.clone()
    }

    /// Slack's `invalid_blocks` answer when `args` of `method` break a Block Kit limit;
    /// the refusal is kept for [`Sim::refusals`].
    fn refuse_blocks(&self, method: &str, args: &Value) -> Option<Value> {
        let violations = match method {
            "chat.postMessage" | "chat.postEphemeral" | "chat.update" | "response_url" => {
                blocks::check(Surface::Message, args)
            }
            "views.open" | "views.publish" | "views.update" | "views.push" => {
                blocks::check(Surface::View, &args["view"])
            }
            _ => return None,
        };
        if violations.is_empty() {
            return None;
        }
        let answer = blocks::refusal(&violations);
        let messages = violations.iter().map(ToString::to_string).collect();
        self.lock().refusals.push(Refusal { method: method.to_owned(), messages, args: args.clone() });
        Some(answer)
    }

    /// Successful calls of one method, in order.
    pub fn delivered(&self, method: &str) -> Vec<Value> {
        self.lock().calls.iter().filter(|c| c.ok && c.method == method).map(|c| c.args.clone()).collect()
    }

    /// Waits until at least `count` calls have been recorded.
    pub async fn wait_for_calls(&self, count: usize) {
        loop {
            let notified = self.called.notified();
            if self.lock().calls.len() >= count {
                return;
            }
            notified.await;
        }
    }

    /// Waits until the calls recorded so far satisfy `done`.
    /// Waits until `done` holds of the counts of calls so far (see [`Counts`]): cheap
    /// enough to check on every call of a benchmark's tens of thousands.
    pub async fn wait_for_counts(&self, done: impl Fn(&Counts) -> bool) {
        loop {
            let notified = self.called.notified();
            if done(&Counts(&self.lock().counts)) {
                return;
            }
            notified.await;
        }
    }

    pub async fn wait_until(&self, done: impl Fn(&[Call]) -> bool) {
        loop {
            let notified = self.called.notified();
            if done(&self.lock().calls) {
                return;
            }
            notified.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn record(&self, method: &str, args: Value, ok: bool) {
        let mut inner = self.lock();
        *inner.counts.entry((method.to_owned(), ok)).or_default() += 1;
        inner.calls.push(Call { method: method.to_owned(), args, ok, at: std::time::Instant::now() });
        drop(inner);
        self.called.notify_waiters();
    }

    /// Counts a call against the enforced limits, or says how many whole seconds to
    /// come back after (as Slack's `Retry-After`) when it is over one of them.
    fn over_limit(&self, method: &str, args: &Value) -> Option<u64> {
        let now = i64::try_from(self.started.elapsed().as_micros()).unwrap_or(i64::MAX);
        let mut inner = self.lock();
        let limits = inner.limits.clone()?;
        let mut keys = Vec::new();
        if let Some(rate) = limits.method(method) {
            keys.push(((method.to_owned(), None), rate));
        }
        if method == "chat.postMessage" {
            let channel = args["channel"].as_str().unwrap_or_default().to_owned();
            keys.push(((method.to_owned(), Some(channel)), limits.per_channel));
        }
        inner.buckets.prune(now);
        let free_at = keys.iter().map(|(key, rate)| inner.buckets.free_at(key, *rate)).max()?;
        if free_at > now {
            return Some(((free_at - now) as u64).div_ceil(1_000_000).max(1));
        }
        for (key, rate) in keys {
            inner.buckets.take(key, rate, now);
        }
        None
    }

    fn take_fault(&self, method: &str) -> Option<Fault> {
        let mut inner = self.lock();
        if let Some(fault) = inner.outages.get(method) {
            return Some(fault.clone());
        }
        inner.faults.get_mut(method).and_then(VecDeque::pop_front)
    }

    fn next_ts(&self) -> String {
        let mut inner = self.lock();
        inner.next_ts += 1;
        format!("1700000000.{:06}", inner.next_ts)
    }

    fn user(&self, id: &str) -> SimUser {
        self.lock().users.get(id).cloned().unwrap_or(SimUser {
            name: id.to_lowercase(),
            tz: Some("Europe/London".to_owned()),
            email: None,
        })
    }

    /// One page of `users.list`: members in id order from the `cursor` on, and the
    /// cursor of the next page (empty on the last), as Slack paginates.
    fn users_page(&self, args: &Value) -> Value {
        let inner = self.lock();
        let mut ids: Vec<&String> = inner.users.keys().collect();
        ids.sort();
        let start = args["cursor"].as_str().and_then(|c| c.parse::<usize>().ok()).unwrap_or(0);
        // Unset: Slack's own most per page.
        let page = if inner.users_page == 0 { 1_000 } else { inner.users_page };
        let limit = args["limit"].as_u64().map_or(page, |l| (l as usize).min(page)).max(1);
        let members: Vec<Value> = ids.iter().skip(start).take(limit).map(|id| inner.users[*id].json(id)).collect();
        let next = if start + limit < ids.len() { (start + limit).to_string() } else { String::new() };
        json!({"ok": true, "members": members, "cache_ts": 1_700_000_000, "response_metadata": {"next_cursor": next}})
    }

    /// A file id and the loopback URL its bytes go to, as `files.getUploadURLExternal`
    /// answers; Slack refuses an upload without a name or of no bytes.
    fn upload_ticket(&self, args: &Value) -> Value {
        let filename = args["filename"].as_str().unwrap_or_default().to_owned();
        let length = match &args["length"] {
            Value::String(text) => text.parse().unwrap_or(0),
            other => other.as_u64().unwrap_or(0),
        };
        if filename.is_empty() || length == 0 {
            return json!({"ok": false, "error": "missing_argument"});
        }
        let mut inner = self.lock();
        inner.next_file += 1;
        let file_id = format!("F{:08}", inner.next_file);
        inner.pending_files.insert(file_id.clone(), PendingFile { filename, bytes: None });
        let upload_url = format!("http://{}/upload/{file_id}", self.addr);
        json!({"ok": true, "upload_url": upload_url, "file_id": file_id})
    }

    /// `files.completeUploadExternal`: every file must have had its bytes POSTed, and
    /// `channel_id`, when given, must be a conversation id: Slack refuses a user id
    /// there (`^[CGDZ][A-Z0-9]{8,}$`), so a DM has to be opened first.
    fn complete_upload(&self, args: &Value) -> Value {
        let channel = args["channel_id"].as_str().map(str::to_owned);
        if let Some(channel) = &channel {
            let mut chars = channel.chars();
            let kind_ok = chars.next().is_some_and(|c| "CGDZ".contains(c));
            let rest: Vec<char> = chars.collect();
            if !kind_ok || rest.len() < 8 || !rest.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
                return json!({"ok": false, "error": "invalid_arguments"});
            }
        }
        let files: Vec<(String, Option<String>)> = match &args["files"] {
            Value::Array(items) => items
                .iter()
                .filter_map(|f| Some((f["id"].as_str()?.to_owned(), f["title"].as_str().map(str::to_owned))))
                .collect(),
            _ => vec![],
        };
        let mut inner = self.lock();
        let uploaded = |id: &String| inner.pending_files.get(id).is_some_and(|f| f.bytes.is_some());
        if files.is_empty() || !files.iter().all(|(id, _)| uploaded(id)) {
            return json!({"ok": false, "error": "file_not_found"});
        }
        let comment = args["initial_comment"].as_str().map(str::to_owned);
        let mut answered = Vec::new();
        for (file_id, title) in files {
            let file = inner.pending_files.remove(&file_id).unwrap_or_default();
            answered.push(json!({"id": file_id, "title": title, "name": file.filename, "user": BOT_USER_ID}));
            inner.uploads.push(Upload {
                file_id,
                filename: file.filename,
                title,
                channel: channel.clone(),
                comment: comment.clone(),
                bytes: file.bytes.unwrap_or_default(),
            });
        }
        json!({"ok": true, "files": answered})
    }

    /// Slack's answer to a successful call of `method`.
    fn answer(&self, method: &str, args: &Value) -> Value {
        match method {
            "auth.test" => json!({
                "ok": true, "url": "https://example.slack.com/", "team": "Example", "user": "upward",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": "B0BOT"
            }),
            "users.info" => {
                let id = args["user"].as_str().unwrap_or_default();
                json!({"ok": true, "user": self.user(id).json(id)})
            }
            "users.list" => self.users_page(args),
            "users.lookupByEmail" => self.lookup_by_email(args),
            "files.info" => self.file_info(args),
            "conversations.open" => {
                let mut users: Vec<String> = match &args["users"] {
                    Value::Array(items) => items.iter().filter_map(|u| u.as_str().map(str::to_owned)).collect(),
                    Value::String(list) => list.split(',').map(str::to_owned).collect(),
                    _ => vec![],
                };
                users.sort();
                // One person: the app's DM with them (a D id); several: a group DM.
                let kind = if users.len() == 1 { 'D' } else { 'G' };
                json!({"ok": true, "channel": {"id": format!("{kind}{}", users.join("").replace('U', ""))}})
            }
            "files.getUploadURLExternal" => self.upload_ticket(args),
            "files.completeUploadExternal" => self.complete_upload(args),
            "chat.postMessage" | "chat.postEphemeral" => {
                let ts = self.next_ts();
                json!({"ok": true, "channel": args["channel"], "ts": ts, "message": {
                    "type": "message", "subtype": "bot_message", "bot_id": "B0BOT", "ts": ts,
                    "text": args["text"]
                }})
            }
            "views.open" | "views.publish" | "views.update" => {
                let mut view = args["view"].clone();
                if let Value::String(text) = &view {
                    view = serde_json::from_str(text).unwrap_or(Value::Null);
                }
                if let Value::Object(map) = &mut view {
                    let id = format!("V{}", self.next_ts().replace('.', ""));
                    for (key, value) in [
                        ("id", json!(id)),
                        ("team_id", json!(TEAM_ID)),
                        ("app_id", json!("A0001")),
                        ("bot_id", json!("B0BOT")),
                        ("hash", json!(format!("{id}.hash"))),
                        ("root_view_id", json!(id)),
                        ("state", json!({"values": {}})),
                    ] {
                        map.entry(key).or_insert(value);
                    }
                    for key in ["private_metadata", "callback_id", "external_id"] {
                        map.entry(key).or_insert(json!(""));
                    }
                }
                json!({"ok": true, "view": view})
            }
            _ => json!({"ok": true}),
        }
    }
}

fn merge_args(query: Option<String>, headers: &HeaderMap, body: &Bytes) -> Value {
    let mut args = serde_json::Map::new();
    let mut put_form = |text: &str| {
        for (k, v) in url::form_urlencoded::parse(text.as_bytes()) {
            let value = serde_json::from_str::<Value>(&v).ok().filter(|v| v.is_array() || v.is_object());
            args.insert(k.into_owned(), value.unwrap_or(Value::String(v.into_owned())));
        }
    };
    if let Some(query) = query {
        put_form(&query);
    }
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json_body {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            args.extend(map);
        }
    } else if let Ok(text) = std::str::from_utf8(body) {
        put_form(text);
    }
    Value::Object(args)
}

/// Slack's answer for `fault`; [`Fault::NoAnswer`] never answers (until the caller
/// hangs up).
async fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::RateLimited { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, retry_after_secs.to_string())],
            Json(json!({"ok": false, "error": "ratelimited"})),
        )
            .into_response(),
        Fault::ServerError => (StatusCode::INTERNAL_SERVER_ERROR, "upstream failure").into_response(),
        Fault::ApiError(code) => Json(json!({"ok": false, "error": code})).into_response(),
        Fault::NoAnswer | Fault::ActThenHang => std::future::pending().await,
        // Faults that act are answered by [`acted_response`]; here they did not act.
        Fault::OkBare | Fault::OkHtml | Fault::ActThenDrop => {
            (StatusCode::INTERNAL_SERVER_ERROR, "upstream failure").into_response()
        }
    }
}

/// Slack's answer for `fault` after it did what `answer` says it did.
async fn acted_response(fault: Fault, answer: Value) -> Response {
    match fault {
        Fault::OkBare => Json(json!({"ok": true})).into_response(),
        Fault::OkHtml => {
            (StatusCode::OK, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], answer.to_string()).into_response()
        }
        Fault::ActThenDrop => {
            // The status line goes out, then the connection breaks inside the body.
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "dropped"))
            });
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], axum::body::Body::from_stream(broken))
                .into_response()
        }
        Fault::ActThenHang => std::future::pending().await,
        other => fault_response(other).await,
    }
}

async fn api(
    State(sim): State<Sim>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let args = merge_args(query, &headers, &body);
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let authorised = if method == "apps.connections.open" {
        bearer.starts_with("Bearer xapp-")
    } else {
        bearer == format!("Bearer {}", sim.token)
    };
    if !authorised {
        sim.record(&method, args, false);
        return Json(json!({"ok": false, "error": "invalid_auth"})).into_response();
    }
    let fault = sim.take_fault(&method);
    if let Some(fault) = fault.clone().filter(|f| !f.acts()) {
        sim.record(&method, args, false);
        return fault_response(fault).await;
    }
    let latency = sim.lock().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Some(retry_after_secs) = sim.over_limit(&method, &args) {
        sim.record(&method, args, false);
        return fault_response(Fault::RateLimited { retry_after_secs }).await;
    }
    if method == "views.open" && sim.trigger_expired(&args) {
        sim.record(&method, args, false);
        return Json(json!({"ok": false, "error": "expired_trigger_id"})).into_response();
    }
    if let Some(refusal) = sim.refuse_blocks(&method, &args) {
        sim.record(&method, args, false);
        return Json(refusal).into_response();
    }
    let answer = match method.as_str() {
        // Each URL remembers the token that asked for it (see the `socket` module).
        "apps.connections.open" => sim.lock().sockets.open_url(bearer.trim_start_matches("Bearer ")),
        _ => sim.answer(&method, &args),
    };
    let ok = answer["ok"] == json!(true);
    sim.record(&method, args, ok);
    match fault {
        Some(fault) if ok => acted_response(fault, answer).await,
        _ => Json(answer).into_response(),
    }
}

/// An upload URL: keeps the POSTed bytes for the file and answers as Slack's file
/// servers do, in plain text.
async fn upload(State(sim): State<Sim>, Path(file_id): Path<String>, body: Bytes) -> Response {
    let args = json!({"file_id": file_id, "length": body.len()});
    if let Some(fault) = sim.take_fault(UPLOAD) {
        sim.record(UPLOAD, args, false);
        return fault_response(fault).await;
    }
    let known = match sim.lock().pending_files.get_mut(&file_id) {
        Some(file) => {
            file.bytes = Some(body.to_vec());
            true
        }
        None => false,
    };
    sim.record(UPLOAD, args, known);
    if !known {
        return (StatusCode::NOT_FOUND, "unknown upload").into_response();
    }
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], format!("OK - {}", body.len())).into_response()
}

/// A hosted file's bytes, for the bot token only: like Slack, any other caller gets a
/// sign-in page (HTML with 200), not an error code. Recorded as `files.download`.
async fn download(
    State(sim): State<Sim>,
    Path((file_id, _name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let authorised = bearer == format!("Bearer {}", sim.token);
    let file = sim.lock().hosted.get(&file_id).cloned();
    let args = json!({"file_id": file_id});
    match file {
        Some(file) if authorised => {
            sim.record(DOWNLOAD, args, true);
            (StatusCode::OK, [(header::CONTENT_TYPE, "text/csv")], file.bytes).into_response()
        }
        _ => {
            sim.record(DOWNLOAD, args, false);
            (StatusCode::OK, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], "<html>Sign in</html>")
                .into_response()
        }
    }
}

async fn respond(State(sim): State<Sim>, Path(tag): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let mut args = merge_args(None, &headers, &body);
    args["response_url_tag"] = json!(tag);
    let fault = sim.take_fault("response_url");
    if let Some(fault) = fault.clone().filter(|f| !f.acts()) {
        sim.record("response_url", args, false);
        return fault_response(fault).await;
    }
    if let Some(refusal) = sim.refuse_blocks("response_url", &args) {
        sim.record("response_url", args, false);
        return Json(refusal).into_response();
    }
    sim.record("response_url", args, true);
    match fault {
        Some(fault) => acted_response(fault, json!({"ok": true})).await,
        None => Json(json!({"ok": true})).into_response(),
    }
}

/// A block_actions payload for one button, in Slack's shape.
fn button_payload(n: u64, user: &str, action_id: &str, value: &str) -> Value {
    json!({
        "type": "block_actions", "user": {"id": user, "username": user, "team_id": TEAM_ID},
        "api_app_id": "A0001", "token": "unused",
        "trigger_id": format!("{n}.2.trigger"), "team": {"id": TEAM_ID, "domain": "example"},
        "actions": [{"action_id": action_id, "block_id": "actions", "type": "button", "value": value,
                     "text": {"type": "plain_text", "text": action_id}, "action_ts": format!("{n}.000")}]
    })
}

/// What the bot answered to a request Slack sent.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Plays Slack calling the bot: builds payloads in Slack's shapes and signs them.
#[derive(Clone)]
pub struct SlackCaller {
    base: String,
    secret: String,
    http: HttpClient<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    sim: Sim,
}

static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl SlackCaller {
    /// `bot` is the bot's HTTP address; `secret` its signing secret.
    pub fn new(bot: SocketAddr, secret: &str, sim: Sim) -> SlackCaller {
        SlackCaller {
            base: format!("http://{bot}"),
            secret: secret.to_owned(),
            http: HttpClient::builder(TokioExecutor::new()).build_http(),
            sim,
        }
    }

    /// Unique across every caller in the process, as Slack's trigger ids are: a caller
    /// made after a restart must not repeat the ids the bot has already stored.
    fn next_id(&self) -> u64 {
        NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// A fresh trigger id of kind `kind` (1: command, 2: button, 3: submission).
    fn trigger(&self, n: u64, kind: u8) -> String {
        let trigger = format!("{n}.{kind}.trigger");
        self.sim.issue_trigger(&trigger);
        trigger
    }

    /// Sends `body` to `path` with custom headers (a signature, or none); the raw tool for tests.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: String, headers: &[(&str, String)]) -> Answer {
        let mut request =
            hyper::Request::post(format!("{}{path}", self.base)).header(header::CONTENT_TYPE, content_type);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request = request.body(Full::new(Bytes::from(body))).expect("a valid request");
        match self.http.request(request).await {
            Ok(response) => {
                let status = response.status().as_u16();
                let bytes = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                Answer { status, body: String::from_utf8_lossy(&bytes).into_owned() }
            }
            Err(e) => Answer { status: 0, body: e.to_string() },
        }
    }

    /// Headers Slack would send for `body` now.
    pub fn signed_headers(&self, body: &str) -> Vec<(&'static str, String)> {
        let ts = chrono::Utc::now().timestamp();
        vec![(SIGNATURE_HEADER, sign(&self.secret, ts, body.as_bytes())), (TIMESTAMP_HEADER, ts.to_string())]
    }

    pub async fn post_signed(&self, path: &str, content_type: &str, body: String) -> Answer {
        let headers = self.signed_headers(&body);
        self.post_raw(path, content_type, body, &headers).await
    }

    /// `/mentoring <text>` typed by `user`; answers come to `sim.response_url(tag)`.
    pub async fn command(&self, user: &str, text: &str) -> (Answer, String) {
        let n = self.next_id();
        let tag = format!("cmd{n}");
        let body = serde_urlencoded::to_string([
            ("token", "unused"),
            ("team_id", TEAM_ID),
            ("team_domain", "example"),
            ("channel_id", "C0GENERAL"),
            ("channel_name", "general"),
            ("user_id", user),
            ("user_name", user),
            ("command", "/mentoring"),
            ("text", text),
            ("response_url", &self.sim.response_url(&tag)),
            ("trigger_id", &self.trigger(n, 1)),
            ("api_app_id", "A0001"),
        ])
        .expect("a form encodes");
        (self.post_signed("/slack/commands", "application/x-www-form-urlencoded", body).await, tag)
    }

    /// An interaction payload (block_actions, view_submission) sent as Slack sends it.
    pub async fn interaction(&self, payload: &Value) -> Answer {
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).expect("a form encodes");
        self.post_signed("/slack/interactivity", "application/x-www-form-urlencoded", body).await
    }

    /// A button press by `user` in their App Home.
    pub async fn press(&self, user: &str, action_id: &str, value: &str) -> Answer {
        let n = self.next_id();
        let mut payload = button_payload(n, user, action_id, value);
        payload["trigger_id"] = json!(self.trigger(n, 2));
        payload["container"] = json!({"type": "view", "view_id": "VHOME"});
        self.interaction(&payload).await
    }

    /// A button press by `user` in a message the bot posted in `channel`; answers come
    /// to `sim.response_url(tag)`.
    pub async fn press_in_message(&self, user: &str, channel: &str, action_id: &str, value: &str) -> (Answer, String) {
        let n = self.next_id();
        let tag = format!("act{n}");
        let mut payload = button_payload(n, user, action_id, value);
        payload["trigger_id"] = json!(self.trigger(n, 2));
        payload["container"] = json!({"type": "message", "message_ts": "1700000000.000001", "channel_id": channel});
        payload["channel"] = json!({"id": channel, "name": "mpdm"});
        payload["response_url"] = json!(self.sim.response_url(&tag));
        (self.interaction(&payload).await, tag)
    }

    /// Submits a modal the bot opened (`view` as sent to views.open) with `values`
    /// (block id → action id → value object).
    pub async fn submit(&self, user: &str, view: &Value, values: Value) -> Answer {
        let n = self.next_id();
        let mut view = view.clone();
        if let Value::Object(map) = &mut view {
            map.insert("id".into(), json!(format!("VMODAL{n}")));
            map.insert("team_id".into(), json!(TEAM_ID));
            map.insert("hash".into(), json!(format!("{n}.hash")));
            map.insert("state".into(), json!({"values": values}));
        }
        let payload = json!({
            "type": "view_submission", "team": {"id": TEAM_ID, "domain": "example"},
            "user": {"id": user, "username": user, "team_id": TEAM_ID}, "api_app_id": "A0001",
            "trigger_id": self.trigger(n, 3), "view": view
        });
        self.interaction(&payload).await
    }

    /// `user` picks the option of value `value` in a menu (`static_select`) of their App Home.
    pub async fn choose(&self, user: &str, action_id: &str, value: &str) -> Answer {
        let n = self.next_id();
        let mut payload = button_payload(n, user, action_id, value);
        payload["container"] = json!({"type": "view", "view_id": "VHOME"});
        payload["actions"][0] = json!({
            "action_id": action_id, "block_id": "actions", "type": "static_select", "action_ts": format!("{n}.000"),
            "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value}
        });
        self.interaction(&payload).await
    }

    /// `user` types `typed` in the search menu `block_id`/`action_id` of an open modal
    /// (`view` as sent to views.open): Slack's options load, answered in the reply.
    pub async fn suggest(&self, user: &str, view: &Value, block_id: &str, action_id: &str, typed: &str) -> Answer {
        let n = self.next_id();
        let mut view = view.clone();
        if let Value::Object(map) = &mut view {
            map.insert("id".into(), json!(format!("VMODAL{n}")));
            map.insert("team_id".into(), json!(TEAM_ID));
            map.insert("state".into(), json!({"values": {}}));
        }
        let payload = json!({
            "type": "block_suggestion", "user": {"id": user, "username": user, "team_id": TEAM_ID},
            "team": {"id": TEAM_ID, "domain": "example"}, "api_app_id": "A0001", "token": "unused",
            "block_id": block_id, "action_id": action_id, "value": typed,
            "container": {"type": "view", "view_id": format!("VMODAL{n}")}, "view": view
        });
        self.interaction(&payload).await
    }

    /// An Events API callback of `event`, signed and posted as Slack does.
    async fn event(&self, event: Value) -> Answer {
        let n = self.next_id();
        let body = json!({
            "token": "unused", "team_id": TEAM_ID, "api_app_id": "A0001", "type": "event_callback",
            "event_id": format!("Ev{n:08}"), "event_time": 1_700_000_000 + n, "event": event,
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": true}]
        });
        self.post_signed("/slack/events", "application/json", body.to_string()).await
    }

    /// Slack's `file_shared` event for a file [`Sim::host_file`] holds.
    pub async fn file_shared(&self, user: &str, channel: &str, file_id: &str) -> Answer {
        let n = self.next_id();
        self.event(json!({"type": "file_shared", "channel_id": channel, "file_id": file_id, "user_id": user,
                          "file": {"id": file_id}, "event_ts": format!("{n}.000")}))
            .await
    }

    /// `member_joined_channel` (`joined`) or `member_left_channel` for `user` in `channel`.
    pub async fn channel_member(&self, user: &str, channel: &str, joined: bool) -> Answer {
        let n = self.next_id();
        let kind = if joined { "member_joined_channel" } else { "member_left_channel" };
        self.event(json!({"type": kind, "user": user, "channel": channel, "channel_type": "C", "team": TEAM_ID,
                          "event_ts": format!("{n}.000")}))
            .await
    }

    /// `user` opens the App Home tab.
    pub async fn open_home(&self, user: &str) -> Answer {
        let n = self.next_id();
        let body = json!({
            "token": "unused", "team_id": TEAM_ID, "api_app_id": "A0001", "type": "event_callback",
            "event_id": format!("EvHOME{n}"), "event_time": 1_700_000_000 + n,
            "event": {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                      "event_ts": format!("{n}.000")}
        });
        self.post_signed("/slack/events", "application/json", body.to_string()).await
    }
}
