//! Delivery under Slack's rate limits: pacing per channel and per method, group DMs
//! opened once, 429/500/timeouts, and `upward serve` killed mid-delivery.
//!
//! These tests build the dispatcher from the library (store, client, simulator) so the
//! clock can be a [`ManualClock`] and the assertions can be on the slots the dispatcher
//! computed, never on how long anything took.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;
use secrecy::SecretString;
use slack_limits::{Rate, RateLimits};
use slack_sim::{Fault, Sim};
use tempfile::TempDir;
use upward::clock::{Clock, ManualClock, SystemClock};
use upward::domain::outbound::{Message, Outbound};
use upward::jobs::dispatcher::{Dispatched, Dispatcher};
use upward::slack::{SendError, SlackApi};
use upward::store::{Claim, Store};

use crate::helpers::{ALICE, BOB, TOKEN};

/// A store on a fresh file, the simulator, and a client pointed at it.
struct Bench {
    store: Store,
    sim: Sim,
    slack: SlackApi,
    url: String,
    _dir: TempDir,
}

async fn bench() -> Bench {
    let dir = TempDir::new().unwrap();
    let url = crate::helpers::fresh_database(dir.path(), "delivery.db").await;
    let store = Store::connect(&url).await.unwrap();
    let sim = Sim::start(TOKEN).await.unwrap();
    let slack = SlackApi::new(&sim.api_url(), &SecretString::from(TOKEN)).unwrap();
    Bench { store, sim, slack, url, _dir: dir }
}

fn text(text: &str) -> Message {
    Message { text: text.to_owned(), blocks: vec![] }
}

fn dm(user: &str, body: &str) -> Outbound {
    Outbound::DirectMessage { user: user.to_owned(), message: text(body) }
}

async fn queue(store: &Store, messages: &[Outbound]) {
    let mut tx = store.begin(0).await.unwrap();
    for message in messages {
        tx.enqueue(message).unwrap();
    }
    tx.commit().await.unwrap();
}

/// Queues `messages` as of the wall clock, for dispatchers on the system clock: their
/// retry budget counts from then.
async fn queue_now(store: &Store, messages: &[Outbound]) {
    let mut tx = store.begin(chrono::Utc::now().timestamp()).await.unwrap();
    for message in messages {
        tx.enqueue(message).unwrap();
    }
    tx.commit().await.unwrap();
}

/// A table that paces nothing, for tests about what happens after Slack answers.
fn unpaced() -> RateLimits {
    RateLimits { per_channel: Rate { interval: Duration::from_micros(1), burst: 1_000 }, methods: vec![] }
}

/// Sends everything the limits let go now.
async fn drain(dispatcher: &Dispatcher) -> Vec<Dispatched> {
    let mut outcomes = Vec::new();
    while let Some(outcome) = dispatcher.dispatch_one().await.unwrap() {
        outcomes.push(outcome);
    }
    outcomes
}

async fn scalar(store_url: &str, sql: &str) -> i64 {
    let pool = crate::helpers::db(store_url).await;
    let n = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

/// Makes every waiting message due now, as time passing would.
async fn time_passes(store_url: &str) {
    let pool = crate::helpers::db(store_url).await;
    sqlx::query("UPDATE outbox SET not_before = 0, claimed_until = NULL WHERE sent_at IS NULL")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

/// Texts of the posts Slack accepted, with how often each arrived.
pub(crate) fn posted(sim: &Sim) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for call in sim.delivered("chat.postMessage") {
        *seen.entry(call["text"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
    }
    seen
}

#[tokio::test]
async fn posts_to_one_channel_are_paced_while_other_channels_go_at_once() {
    let b = bench().await;
    let start = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let limits = RateLimits::slack();
    let dispatcher = Dispatcher::new(b.store.clone(), b.slack.clone(), clock.clone(), &limits);
    let mut messages: Vec<Outbound> = (0..6).map(|i| dm(ALICE, &format!("alice {i}"))).collect();
    messages.push(dm(BOB, "bob"));
    queue(&b.store, &messages).await;

    // The burst Slack tolerates goes at once; Alice's fourth waits, Bob's does not.
    let burst = limits.per_channel.burst as usize;
    assert_eq!(drain(&dispatcher).await, vec![Dispatched::Sent; burst + 1]);
    let channels: Vec<String> =
        b.sim.delivered("chat.postMessage").iter().map(|c| c["channel"].as_str().unwrap().to_owned()).collect();
    assert_eq!(channels.last().map(String::as_str), Some(BOB), "{channels:?}");
    let untouched = scalar(&b.url, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND attempts = 0").await;
    assert_eq!(untouched, 6 - burst as i64, "held rows are not claimed and use up no attempt");

    // Then one per slot: each slot the dispatcher computes is at least Slack's interval
    // after the previous post, and a post goes exactly at its slot, not before.
    let mut sent_at = vec![start; burst];
    while let Some(slot) = dispatcher.next_slot() {
        assert!(dispatcher.dispatch_one().await.unwrap().is_none(), "nothing goes before its slot");
        clock.advance(slot - clock.now());
        let sent = drain(&dispatcher).await;
        if sent.is_empty() {
            continue;
        }
        assert_eq!(sent, vec![Dispatched::Sent], "one post per slot");
        sent_at.push(clock.now());
    }
    assert_eq!(sent_at.len(), 6, "all of Alice's messages went");
    let interval = chrono::Duration::from_std(limits.per_channel.interval).unwrap();
    for pair in sent_at[burst - 1..].windows(2) {
        assert!(pair[1] - pair[0] >= interval, "{} after {}", pair[1], pair[0]);
    }
    assert_eq!(scalar(&b.url, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await, 0);
}

#[tokio::test]
async fn a_spent_tier_holds_its_method_back_but_not_other_messages() {
    let b = bench().await;
    let clock = Arc::new(ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()));
    let limits = RateLimits {
        methods: vec![("conversations.open", Rate { interval: Duration::from_secs(60), burst: 2 })],
        ..RateLimits::slack()
    };
    let dispatcher = Dispatcher::new(b.store.clone(), b.slack.clone(), clock.clone(), &limits);
    let groups: Vec<Outbound> = (0..4)
        .map(|i| Outbound::GroupMessage {
            users: vec![format!("U0MENTEE{i}"), format!("U0MENTOR{i}")],
            message: text("intro"),
        })
        .collect();
    queue(&b.store, &groups).await;
    queue(&b.store, &[dm(ALICE, "after the intros")]).await;
    drain(&dispatcher).await;
    assert_eq!(b.sim.delivered("conversations.open").len(), 2, "the tier's burst, then it waits");
    assert_eq!(posted(&b.sim).get("after the intros"), Some(&1), "a direct message is not stuck behind it");
    let slot = dispatcher.next_slot().expect("conversations.open frees later");
    assert!(slot - clock.now() >= chrono::Duration::seconds(60), "one Tier interval: {slot}");
    clock.advance(slot - clock.now());
    drain(&dispatcher).await;
    assert_eq!(b.sim.delivered("conversations.open").len(), 3);
}

#[tokio::test]
async fn a_group_dm_is_opened_once_for_a_retry_and_for_every_later_message() {
    let b = bench().await;
    let dispatcher = Dispatcher::new(b.store.clone(), b.slack.clone(), Arc::new(SystemClock), &RateLimits::slack());
    b.sim.fail("chat.postMessage", Fault::ServerError, 1);
    let pair = |body: &str, users: [&str; 2]| Outbound::GroupMessage {
        users: users.iter().map(|u| u.to_string()).collect(),
        message: text(body),
    };
    queue_now(&b.store, &[pair("intro", [BOB, ALICE])]).await;
    assert!(matches!(dispatcher.dispatch_one().await.unwrap(), Some(Dispatched::Retrying { .. })));
    assert_eq!(scalar(&b.url, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL").await, 0, "not sent: 500");
    assert_eq!(scalar(&b.url, "SELECT COUNT(*) FROM group_dms").await, 1, "the DM is kept with the failed post");
    time_passes(&b.url).await;
    assert_eq!(drain(&dispatcher).await, vec![Dispatched::Sent]);
    assert_eq!(scalar(&b.url, "SELECT attempts FROM outbox").await, 2, "the 500 counted as an attempt");

    // Two weeks later, the check-in nudge to the same pair (named in any order).
    queue(&b.store, &[pair("nudge", [ALICE, BOB])]).await;
    assert_eq!(drain(&dispatcher).await, vec![Dispatched::Sent]);
    assert_eq!(b.sim.delivered("conversations.open").len(), 1, "opened once, for the first attempt only");
    let channels: Vec<String> =
        b.sim.delivered("chat.postMessage").iter().map(|c| c["channel"].as_str().unwrap().to_owned()).collect();
    assert_eq!(channels.len(), 2);
    assert!(channels.iter().all(|c| c.starts_with('G') && *c == channels[0]), "{channels:?}");
}

#[tokio::test]
async fn slack_refuses_calls_past_its_limits_and_the_row_waits_without_using_an_attempt() {
    let b = bench().await;
    b.sim.enforce(RateLimits { per_channel: Rate { interval: Duration::from_secs(60), burst: 1 }, methods: vec![] });
    // As Slack answers: 429, Retry-After in whole seconds, "ratelimited".
    b.slack.post(ALICE, &text("first")).await.unwrap();
    let refused = b.slack.post(ALICE, &text("second")).await.unwrap_err();
    let SendError::RateLimited { retry_after: Some(wait) } = refused else { panic!("{refused:?}") };
    assert!(wait.subsec_nanos() == 0 && wait >= Duration::from_secs(1) && wait <= Duration::from_secs(60), "{wait:?}");
    b.slack.post(BOB, &text("elsewhere")).await.expect("other channels are not limited");

    // A dispatcher that does not pace gets the same 429 and honours it.
    let dispatcher = Dispatcher::new(b.store.clone(), b.slack.clone(), Arc::new(SystemClock), &unpaced());
    queue(&b.store, &[dm(ALICE, "third")]).await;
    let before = chrono::Utc::now().timestamp();
    let Some(Dispatched::Retrying { at }) = dispatcher.dispatch_one().await.unwrap() else { panic!("not refused") };
    assert!(at > before, "waits as Slack asks");
    assert_eq!(scalar(&b.url, "SELECT attempts FROM outbox").await, 0, "a 429 is not an attempt");
    let refusals = b.sim.calls().iter().filter(|c| c.method == "chat.postMessage" && !c.ok).count();
    assert_eq!(refusals, 2, "refused calls are recorded too");
    assert_eq!(posted(&b.sim).get("third"), None);

    // Nothing more goes to that channel before Retry-After, even when due.
    let slot = dispatcher.next_slot().expect("the refused channel is held");
    assert!(slot.timestamp() >= at - 1, "held until {slot}, Slack said {at}");
    queue(&b.store, &[dm(ALICE, "fourth")]).await;
    time_passes(&b.url).await;
    assert_eq!(dispatcher.dispatch_one().await.unwrap(), None);
    assert_eq!(b.sim.calls().len(), 4, "no call walked into the same 429");
}

#[tokio::test]
async fn a_stalled_call_times_out_counts_an_attempt_and_is_sent_on_retry() {
    let b = bench().await;
    let slack = b.slack.clone().with_timeout(Duration::from_millis(200));
    let dispatcher = Dispatcher::new(b.store.clone(), slack, Arc::new(SystemClock), &RateLimits::slack());
    b.sim.fail("chat.postMessage", Fault::NoAnswer, 1);
    queue_now(&b.store, &[dm(ALICE, "hello")]).await;
    assert!(matches!(dispatcher.dispatch_one().await.unwrap(), Some(Dispatched::Retrying { .. })));
    let pool = crate::helpers::db(&b.url).await;
    let (attempts, error, sent): (i64, String, Option<i64>) =
        sqlx::query_as("SELECT attempts, last_error, sent_at FROM outbox").fetch_one(&pool).await.unwrap();
    pool.close().await;
    assert_eq!((attempts, sent), (1, None), "a timeout is an attempt, and not a delivery");
    assert!(error.contains("no answer"), "{error}");
    assert_eq!(scalar(&b.url, "SELECT ambiguous FROM outbox").await, 1, "Slack may have acted: counted");
    time_passes(&b.url).await;
    assert_eq!(drain(&dispatcher).await, vec![Dispatched::Sent]);
    assert_eq!(posted(&b.sim).get("hello"), Some(&1));
}

#[tokio::test]
async fn server_errors_back_off_until_the_retry_budget_is_spent_then_dead_letter_with_the_reason() {
    let b = bench().await;
    let start = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    // Unpaced: many calls to one channel in a moment would otherwise wait for their slots.
    let dispatcher =
        Dispatcher::new(b.store.clone(), b.slack.clone(), clock.clone(), &unpaced()).with_retry_budget(3600);
    b.sim.outage("chat.postMessage", Fault::ServerError);
    let mut tx = b.store.begin(start.timestamp()).await.unwrap();
    tx.enqueue(&dm(ALICE, "doomed")).unwrap();
    tx.commit().await.unwrap();
    let mut tries = 0;
    let last = loop {
        let now = clock.now().timestamp();
        match dispatcher.dispatch_one().await.unwrap() {
            Some(Dispatched::Retrying { at }) => {
                assert!(at > now && at - now <= 450, "backed off into the future, a few minutes at most: {}", at - now);
                clock.advance(chrono::Duration::seconds(at - now));
                tries += 1;
            }
            other => break other,
        }
    };
    assert_eq!(last, Some(Dispatched::Dead));
    assert!(tries > 8, "an hour of retries is more than the eight attempts of old: {tries}");
    let reason: String = sqlx::query_scalar("SELECT last_error FROM outbox WHERE dead_at IS NOT NULL")
        .fetch_one(&crate::helpers::db(&b.url).await)
        .await
        .unwrap();
    assert!(reason.starts_with("gave up after retrying for 1 h") && reason.contains("HTTP 500"), "{reason}");
    assert!(posted(&b.sim).is_empty());
}

#[tokio::test]
async fn serve_killed_mid_delivery_sends_every_message_once_after_restart() {
    const MESSAGES: usize = 200;
    let b = bench().await;
    let nudges: Vec<Outbound> = (0..MESSAGES).map(|i| dm(&format!("U{i:08}"), &format!("nudge {i}"))).collect();
    queue(&b.store, &nudges).await;
    b.store.close().await;

    let mut bot = crate::helpers::serve(&b.sim, &b.url, 1);
    // auth.test, then some of the posts: kill -9 in the middle of delivery.
    b.sim.wait_for_calls(1 + MESSAGES / 4).await;
    bot.start_kill().unwrap();
    bot.wait().await.unwrap();
    let before_crash = posted(&b.sim);
    assert!(before_crash.len() < MESSAGES, "killed before the end: {}", before_crash.len());
    let in_flight =
        scalar(&b.url, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND claimed_until IS NOT NULL").await;
    let senders = upward::jobs::dispatcher::SENDERS as i64;
    assert!(in_flight <= senders, "at most one row per sender in flight: {in_flight}");
    // Its lease runs out, as time passing would.
    time_passes(&b.url).await;

    let mut bot = crate::helpers::serve(&b.sim, &b.url, 1);
    loop {
        let seen = b.sim.calls().len();
        if posted(&b.sim).len() == MESSAGES {
            break;
        }
        b.sim.wait_for_calls(seen + 1).await;
    }
    let pid = bot.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert!(bot.wait().await.unwrap().success());

    let delivered = posted(&b.sim);
    let twice: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.len() <= in_flight as usize && twice.iter().all(|(_, n)| **n == 2), "duplicates: {twice:?}");
    assert_eq!(delivered.len(), MESSAGES, "none lost");
    assert_eq!(scalar(&b.url, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await, 0);
}

fn join_form(trigger: &str) -> Outbound {
    let view = serde_json::from_value(serde_json::json!({
        "type": "modal", "title": {"type": "plain_text", "text": "Join"}, "blocks": []
    }))
    .unwrap();
    Outbound::OpenView { trigger_id: trigger.to_owned(), view }
}

#[tokio::test]
async fn a_form_is_claimed_before_the_backlog_and_one_conversation_goes_in_order() {
    let b = bench().await;
    queue(&b.store, &[dm(ALICE, "a1"), dm(ALICE, "a2"), dm(BOB, "b1"), join_form("T1")]).await;
    let store = &b.store;
    let claim = |urgent_only| async move {
        store.claim_outbound(0, 60, Claim { urgent_only, ..Claim::any() }).await.unwrap().pop()
    };
    let form = claim(true).await.expect("the form first");
    assert_eq!(form.method, "views.open");
    let first = claim(false).await.expect("then the oldest message");
    assert!(first.payload.contains("a1"), "{}", first.payload);
    let second = claim(false).await.expect("another conversation meanwhile");
    assert!(second.payload.contains("b1"), "Alice's second waits for her first: {}", second.payload);
    assert!(claim(false).await.is_none(), "a2 goes only after a1 was sent");
    b.store.outbound_sent(first.id, 0, None).await.unwrap();
    let third = claim(false).await.expect("Alice's second, now");
    assert!(third.payload.contains("a2"), "{}", third.payload);
}

/// A change's messages are written as it commits, many rows a statement: all of them,
/// in the order queued, and none of a change that never commits.
#[tokio::test]
async fn a_changes_messages_are_kept_in_order_and_only_if_it_commits() {
    let b = bench().await;
    let mut dropped = b.store.begin(0).await.unwrap();
    dropped.enqueue(&dm(ALICE, "never")).unwrap();
    drop(dropped);
    let many: Vec<Outbound> = (0..40).map(|n| dm(ALICE, &format!("n{n}."))).collect();
    queue(&b.store, &many).await;
    let mut order = Vec::new();
    while let Some(row) = b.store.claim_outbound(0, 60, Claim::any()).await.unwrap().pop() {
        assert!(!row.payload.contains("never"), "a change that did not commit queued nothing");
        order.push((0..40).find(|n| row.payload.contains(&format!("n{n}."))).expect("one of the forty"));
        b.store.outbound_sent(row.id, 0, None).await.unwrap();
    }
    assert_eq!(order, (0..40).collect::<Vec<_>>(), "every message, in the order queued");
}

/// Answers are claimed many at once, yet a batch holds one row per conversation: the
/// second message into a conversation is not claimable while its first is unsent.
#[tokio::test]
async fn a_batch_claim_takes_one_row_per_conversation_oldest_first() {
    let b = bench().await;
    queue(&b.store, &[dm(ALICE, "a1"), dm(ALICE, "a2"), dm(BOB, "b1"), dm("U0CAROL01", "c1")]).await;
    let batch = b.store.claim_outbound(0, 60, Claim { limit: 10, ..Claim::any() }).await.unwrap();
    let texts: Vec<&str> = batch
        .iter()
        .map(|row| ["a1", "a2", "b1", "c1"].into_iter().find(|t| row.payload.contains(t)).unwrap())
        .collect();
    assert_eq!(texts, ["a1", "b1", "c1"], "one row per conversation, oldest first");
    assert!(b.store.claim_outbound(0, 60, Claim { limit: 10, ..Claim::any() }).await.unwrap().is_empty(), "all leased");
}

#[tokio::test]
async fn a_hanging_call_holds_back_only_its_own_conversation() {
    let b = bench().await;
    b.sim.fail("views.open", Fault::NoAnswer, 1);
    queue(&b.store, &[join_form("T1"), dm(ALICE, "one"), dm(BOB, "two"), dm("U0CAROL01", "three")]).await;
    let dispatcher = Arc::new(Dispatcher::new(b.store.clone(), b.slack.clone(), Arc::new(SystemClock), &unpaced()));
    let stop = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(dispatcher.run(stop.clone()));
    // The form's call hangs (recorded as it arrives); the three posts go past it.
    tokio::time::timeout(Duration::from_secs(60), b.sim.wait_for_calls(4)).await.expect("the posts were sent");
    assert_eq!(posted(&b.sim).len(), 3, "every post delivered while views.open hangs");
    assert!(b.sim.delivered("views.open").is_empty(), "the hanging call has not answered");
    stop.cancel();
    running.await.unwrap();
}
