//! Launch day: the inbox under many people at once. Each person's requests are handled
//! in order, different people's concurrently, forms first, and a failed entry waits out
//! its backoff; the whole path keeps a form inside Slack's three-second trigger window
//! while a burst of joins is handled.

use std::sync::Arc;

use slack_limits::{Rate, RateLimits};
use slack_sim::Sim;
use upward::app::{App, Workers};

use crate::given::{CAROL, DAN};
use crate::helpers::{ALICE, BOB, OWNER};
use upward::clock::SystemClock;
use upward::config::ServeArgs;
use upward::store::{Delivery, Store};

fn delivery(key: &str, lane: &str, urgent: bool) -> Delivery {
    Delivery { dedupe_key: key.to_owned(), payload: "{}".to_owned(), lane: lane.to_owned(), urgent }
}

async fn store() -> (Store, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database(dir.path(), "inbox.db").await;
    (Store::connect(&url).await.unwrap(), url, dir)
}

#[tokio::test]
async fn a_failed_inbox_entry_waits_for_its_retry_time_without_holding_back_other_lanes() {
    let (store, _url, _dir) = store().await;
    let now = 1_000;
    assert!(store.receive(delivery("first", "user:A", false), now).await.unwrap());
    assert!(store.receive(delivery("second", "user:B", false), now).await.unwrap());
    let first = store.claim_inbox_entries(now, 1).await.unwrap().pop().expect("the first entry is due");
    store.inbox_failed(first.id, "Slack said no", now + 8).await.unwrap();
    assert_eq!(store.next_inbox_retry().await.unwrap(), Some(now + 8));

    let next = store.claim_inbox_entries(now, 1).await.unwrap().pop().expect("another person's entry is not held back");
    assert_ne!(next.id, first.id);
    store.begin_for(next.id, now).await.unwrap().commit().await.unwrap();
    assert!(store.claim_inbox_entries(now + 7, 1).await.unwrap().pop().is_none(), "retried before its backoff ended");

    let again = store.claim_inbox_entries(now + 8, 1).await.unwrap().pop().expect("due again after its backoff");
    assert_eq!((again.id, again.attempts), (first.id, 2));
}

/// Deliveries stored together (one group commit, many rows a statement) are each told
/// whether they were new: Slack's retry of a delivery in the same batch is kept once.
#[tokio::test]
async fn a_delivery_and_its_retry_stored_together_are_kept_once() {
    let (store, _url, _dir) = store().await;
    let (a, b, c) = tokio::join!(
        store.receive(delivery("same", "user:A", false), 1_000),
        store.receive(delivery("same", "user:A", false), 1_000),
        store.receive(delivery("other", "user:B", false), 1_000),
    );
    assert_eq!([a.unwrap(), b.unwrap(), c.unwrap()].iter().filter(|new| **new).count(), 2, "one of the two copies");
    assert_eq!(store.inbox_received().await.unwrap(), 2);
}

#[tokio::test]
async fn one_persons_entries_go_in_order_others_alongside_and_forms_first() {
    let (store, url, _dir) = store().await;
    let now = 1_000;
    for (key, lane, urgent) in
        [("a1", "user:A", false), ("a2", "user:A", false), ("b1", "user:B", false), ("c-form", "user:C", true)]
    {
        assert!(store.receive(delivery(key, lane, urgent), now).await.unwrap());
    }
    assert!(!store.receive(delivery("a1", "user:A", false), now).await.unwrap(), "a retried delivery is kept once");
    let ids: std::collections::HashMap<String, i64> = {
        let pool = crate::helpers::db(&url).await;
        sqlx::query_as("SELECT dedupe_key, id FROM inbox").fetch_all(&pool).await.unwrap().into_iter().collect()
    };
    // Claimed two at a time, as a worker claims them: the form first, then A's first and
    // B's; A's second waits while A's first is in hand.
    let ids_of = |entries: Vec<upward::store::InboxEntry>| entries.into_iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(ids_of(store.claim_inbox_entries(now, 2).await.unwrap()), vec![ids["c-form"], ids["a1"]]);
    assert_eq!(ids_of(store.claim_inbox_entries(now, 2).await.unwrap()), vec![ids["b1"]]);
    assert!(store.claim_inbox_entries(now, 2).await.unwrap().is_empty(), "A's second waits for A's first");
    store.begin_for(ids["a1"], now).await.unwrap().commit().await.unwrap();
    let next = store.claim_inbox_entries(now, 1).await.unwrap().pop().expect("A's second once the first is done");
    assert_eq!(next.id, ids["a2"]);
}

/// The bot, with a directory of eight people on four pages of two: the three people
/// every test knows, and five newcomers in Tokyo (`U0NEW0000` to `U0NEW0004`).
async fn app_with_a_directory_of_four_pages() -> crate::helpers::TestApp {
    let app = crate::helpers::spawn_app().await;
    app.sim.set_users_page(2);
    for n in 0..5 {
        app.sim.add_user(&format!("U0NEW{n:04}"), &format!("New {n}"), Some("Asia/Tokyo"));
    }
    app
}

#[tokio::test]
async fn the_directory_is_read_page_by_page_and_a_join_then_never_asks_slack() {
    let app = app_with_a_directory_of_four_pages().await;
    let (store, team) = (&app.running.ctx.store, &app.running.ctx.team_id);
    assert_eq!(store.directory_read_at(team).await.unwrap(), None, "never read whole yet");
    let cached = upward::jobs::directory::refresh(&app.running.ctx, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(cached, 8, "the five newcomers and the three people every test knows");
    assert!(store.directory_read_at(team).await.unwrap().is_some(), "a whole read is recorded: a restart skips it");
    assert_eq!(app.sent("users.list").len(), 4, "four pages of two");
    let info_before = app.sim.count_calls(|c| c.method == "users.info");
    let answer = app.ask("U0NEW0003", "join mentor generative AI").await;
    assert!(answer.contains("Asia/Tokyo"), "the welcome names the cached time zone: {answer}");
    assert_eq!(app.sim.count_calls(|c| c.method == "users.info"), info_before, "no users.info for a cached person");
}

/// Slack's bad day while the directory is read: a page of `users.list` refused with 429
/// is asked for again after its Retry-After, from the same cursor (before, the refresh
/// failed, its cursor was lost and the read started over an hour later), and a
/// `users.info` refused with 429 leaves that person's time zone unknown for now. Both
/// refusals are counted in `/metrics`, like the dispatcher's: the Slack client counts
/// every 429, whoever made the call.
#[tokio::test]
async fn a_rate_limited_directory_page_is_read_again_from_its_cursor_and_429s_are_counted() {
    let app = app_with_a_directory_of_four_pages().await;
    let users_list = Rate { interval: std::time::Duration::from_millis(500), burst: 2 };
    app.sim.enforce(RateLimits { methods: vec![("users.list", users_list)], ..RateLimits::slack() });
    let cached = upward::jobs::directory::refresh(&app.running.ctx, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(cached, 8, "every page read once");
    let pages: Vec<(Option<String>, bool)> = app
        .sim
        .calls()
        .into_iter()
        .filter(|c| c.method == "users.list")
        .map(|c| (c.args["cursor"].as_str().map(str::to_owned), c.ok))
        .collect();
    let refused: Vec<usize> = (0..pages.len()).filter(|&k| !pages[k].1).collect();
    assert_eq!(refused.len(), 1, "the third page met Tier 2's burst: {pages:?}");
    let again = &pages[refused[0] + 1];
    assert_eq!((&again.0, again.1), (&pages[refused[0]].0, true), "read again from its cursor: {pages:?}");
    assert!(pages[refused[0]].0.is_some(), "in the middle of the read, not at its start: {pages:?}");
    assert_eq!(pages.iter().filter(|(_, ok)| *ok).count(), 4, "four pages of two: {pages:?}");

    app.sim.add_user("U0LATE", "Late Comer", Some("Asia/Tokyo"));
    app.sim.fail("users.info", slack_sim::Fault::RateLimited { retry_after_secs: 30 }, 1);
    app.sim.fail("chat.postMessage", slack_sim::Fault::RateLimited { retry_after_secs: 30 }, 1);
    let answer = app.ask("U0LATE", "join mentor generative AI").await;
    assert!(!answer.contains("Asia/Tokyo"), "the refused lookup leaves the time zone unknown: {answer}");
    assert_eq!(app.sim.faults_left("users.info"), 0, "users.info was asked, and refused");
    assert_eq!(app.sim.faults_left("chat.postMessage"), 0, "the confidence check's DM was tried, and refused");
    let metrics = crate::helpers::http_get(app.running.addr, "/metrics").await;
    let counted = metrics.lines().find_map(|l| l.strip_prefix("upward_slack_rate_limited_total "));
    assert_eq!(counted, Some("3"), "the users.list, users.info and chat.postMessage refusals: {metrics}");
}

/// A one-line join from someone the directory knows is made in the commit that stores
/// it, so the ack itself is the answer: nothing waits for a handler or a second call to
/// Slack. The "before" confidence check still goes by DM, from the same commit; a line
/// the profile rules refuse is answered at once too, and changes nothing.
#[tokio::test]
async fn a_join_from_someone_the_directory_knows_is_answered_in_its_ack() {
    let app = crate::helpers::spawn_app().await;
    upward::jobs::directory::refresh(&app.running.ctx, std::time::Duration::ZERO).await.unwrap();
    let store = &app.running.ctx.store;

    let (answer, tag) = app.slack.command(ALICE, "join mentor Figma").await;
    let said = crate::helpers::inline_text(&answer);
    assert!(said.contains("Europe/Berlin") && said.contains("Figma"), "the welcome is the ack: {said}");
    assert_eq!(store.inbox_pending().await.unwrap(), 0, "made as it was stored, before any handler ran");
    assert_eq!(store.inbox_made_at_receipt().await.unwrap(), 1);
    let joined: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM participants WHERE user_id = $1 AND status = 'active'")
        .bind(ALICE)
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(joined, 1, "the profile is stored");

    app.settle().await;
    assert!(app.answers(&tag).is_empty(), "no second answer through the response URL");
    let dms: Vec<String> = app.sent("chat.postMessage").iter().map(|m| m["channel"].to_string()).collect();
    assert!(dms.iter().any(|c| c.contains(ALICE)), "the confidence check went by DM: {dms:?}");

    let (refused, _) = app.slack.command(BOB, "join mentee Figma level 13").await;
    assert!(crate::helpers::inline_text(&refused).contains("1 (most junior) to 12"), "{}", refused.body);
    let bob: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM participants WHERE user_id = $1")
        .bind(BOB)
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(bob, 0, "a refused line stores no profile");
    assert_eq!(store.inbox_pending().await.unwrap(), 0, "and is answered, not left for a handler");
}

/// One person's requests take effect in the order they were sent: a join whose person
/// has an earlier request still waiting in the inbox is not made at receipt, but after
/// that request, by the handlers, and answered through its response URL.
#[tokio::test]
async fn a_join_behind_its_persons_waiting_request_is_made_after_it() {
    let app = crate::helpers::spawn_app().await;
    upward::jobs::directory::refresh(&app.running.ctx, std::time::Duration::ZERO).await.unwrap();
    let (first, _) = app.slack.command(ALICE, "join mentor Figma").await;
    assert!(!first.body.is_empty(), "the first join is made at receipt");
    let (leave, leave_tag) = app.slack.command(ALICE, "leave").await;
    assert_eq!(leave.status, 200);
    let (rejoin, rejoin_tag) = app.slack.command(ALICE, "join mentee Excel").await;
    assert!(rejoin.body.is_empty(), "left for the handlers, behind the waiting leave: {}", rejoin.body);
    assert_eq!(app.running.ctx.store.inbox_pending().await.unwrap(), 2);

    app.settle().await;
    assert!(!app.answers(&leave_tag).is_empty(), "the leave was answered");
    let answers = app.answers(&rejoin_tag);
    assert!(answers.iter().any(|a| a.contains("Excel")), "the join was made after it: {answers:?}");
    let (role, status): (String, String) = sqlx::query_as("SELECT role, status FROM participants WHERE user_id = $1")
        .bind(ALICE)
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!((role.as_str(), status.as_str()), ("mentee", "active"), "the later request wins");
}

/// `SIGTERM` does not wait for the directory: a refresh that Tier 2 paces over many
/// pages stops between two of them. (Before, a stop read every page first: 20 minutes
/// for a workspace of 80,000 people.)
#[tokio::test]
async fn shutdown_stops_a_directory_refresh_between_pages() {
    const PAGES: usize = 10;
    let sim = Sim::start(crate::helpers::TOKEN).await.unwrap();
    sim.set_users_page(1);
    for n in 0..PAGES {
        sim.add_user(&format!("U0DIR{n:04}"), &format!("Person {n}"), Some("Europe/Paris"));
    }
    let dir = tempfile::TempDir::new().unwrap();
    let config = ServeArgs {
        slack_bot_token: Some(crate::helpers::TOKEN.into()),
        slack_signing_secret: Some(crate::helpers::SECRET.into()),
        slack_api_url: Some(sim.api_url()),
        database_url: Some(crate::helpers::fresh_database(dir.path(), "directory.db").await),
        listen: Some("127.0.0.1:0".into()),
        ..ServeArgs::default()
    }
    .into_config()
    .unwrap();
    let running = App::build(config, Arc::new(SystemClock)).await.unwrap().start(Workers::Background).await.unwrap();
    sim.wait_for_counts(|n| n.of("users.list", true) >= 1).await;
    running.stop().await;
    let pages = sim.count_calls(|c| c.method == "users.list");
    assert!(pages < PAGES, "the stop waited for all {pages} pages of the directory");
}

/// A small launch day through the real HTTP edge, workers and dispatcher: forms asked
/// in the middle of a burst of joins still reach `views.open` inside Slack's trigger
/// window (the simulator refuses a trigger older than three seconds), every join is
/// answered, and `users.info` never meets Slack's limit; after the second burst's
/// `SIGTERM`, the bot started again (Tier 4 spent by the run it replaced) meets it at
/// most once, with its first lookup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_in_the_middle_of_a_burst_open_inside_the_trigger_window() {
    let bot = std::path::Path::new(env!("CARGO_BIN_EXE_upward"));
    let row = upward::cli::bench::burst::run_burst(200, std::time::Duration::from_millis(20), bot).await.unwrap();
    assert_eq!(row.expired_triggers, 0, "every form opened before its trigger expired: {row:?}");
    assert_eq!(row.users_info_429s, 0, "{row:?}");
    assert!(row.users_info_429s_at_restart <= 1, "only the first lookup after the restart may meet a 429: {row:?}");
    assert!(row.form_open_p99_ms > 0.0, "the forms were opened: {row:?}");
}

/// While the handlers are behind (a worker just took an entry that had waited seconds),
/// a slash command is told at once, in the HTTP answer, that its answer is coming, and
/// the answer still comes; once the inbox is caught up, commands are answered as usual.
#[tokio::test]
async fn a_command_stored_behind_a_backlog_is_told_at_once_that_its_answer_is_coming() {
    let clock = Arc::new(upward::clock::ManualClock::new(crate::given::start()));
    let app = crate::helpers::spawn_app_at(clock.clone()).await;
    app.sim.add_user(CAROL, "Carol Senior", Some("Europe/London"));
    app.sim.add_user(DAN, "Dan Junior", Some("Europe/London"));
    app.ask(OWNER, "skills add generative AI").await;
    let (first, _) = app.slack.command(ALICE, "join mentor generative AI").await;
    let (second, _) = app.slack.command(BOB, "join mentee generative AI").await;
    assert!(first.body.is_empty() && second.body.is_empty(), "nothing waited yet: {} {}", first.body, second.body);

    // Five seconds later a worker takes Alice's and Bob's joins.
    clock.advance(chrono::Duration::seconds(5));
    assert!(upward::jobs::consumer::consume_next(&app.running.ctx).await.unwrap());
    let metrics = crate::helpers::http_get(app.running.addr, "/metrics").await;
    assert!(metrics.contains("\nupward_inbox_lag_seconds 5\n"), "the lag an operator sees: {metrics}");
    let (queued, tag) = app.slack.command(CAROL, "join mentee generative AI").await;
    assert_eq!(queued.status, 200);
    let said = crate::helpers::inline_text(&queued);
    assert!(said.contains("it will appear here"), "told at once that the answer is coming: {said}");

    app.settle().await;
    let answers = app.answers(&tag);
    assert!(answers.iter().any(|a| a.contains("Welcome to")), "the answer itself came after: {answers:?}");
    let (later, _) = app.slack.command(DAN, "join mentor generative AI").await;
    assert!(later.body.is_empty(), "caught up: answered as usual, not told to wait: {}", later.body);
}
