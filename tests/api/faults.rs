//! Slack's bad days: the fault suite ([`upward::cli::bench::faults`]) with a few messages per
//! scenario, asserting the delivery promise on the simulator's call log; the client's
//! reading of odd answers; `upward outbox retry`.

use std::sync::Arc;

use secrecy::SecretString;
use slack_limits::RateLimits;
use slack_sim::{Fault, Sim};
use upward::cli::bench::faults::{run_all, Trouble};
use upward::clock::SystemClock;
use upward::domain::outbound::Outbound;
use upward::jobs::dispatcher::{Dispatched, Dispatcher};
use upward::slack::messages::reply;
use upward::slack::{SendError, SlackApi};
use upward::store::Store;

use crate::helpers::{ALICE, TOKEN};

#[tokio::test]
async fn every_fault_scenario_loses_nothing_and_repeats_only_after_an_unknown_outcome() {
    // Ten messages each: two of every kind (DM, group, file, home, command answer).
    let rows = run_all(10).await.expect("the suite runs");
    assert!(rows.len() >= 15, "{}", rows.len());
    for (scenario, row) in &rows {
        let what = format!("{} on {}: {row:?}", scenario.name, scenario.method);
        assert_eq!(row.lost, 0, "{what}");
        assert!(row.dead_reasons.iter().all(|r| !r.contains("gave up")), "{what}");
        if scenario.ambiguous {
            assert!(row.ambiguous >= 1, "the unknown outcomes are counted: {what}");
            assert!(row.duplicated as i64 <= row.ambiguous, "at most one repeat each: {what}");
        } else {
            assert_eq!(row.duplicated, 0, "{what}");
            assert_eq!(row.ambiguous, 0, "{what}");
        }
        if scenario.name.starts_with("refused") {
            assert_eq!(row.dead, 2, "{what}");
            assert!(row.dead_reasons.iter().all(|r| r.contains("invalid_blocks")), "the reason is kept: {what}");
        } else {
            assert_eq!((row.dead, row.delivered), (0, row.messages), "{what}");
        }
        if let Trouble::Outage(_, hours) = scenario.trouble {
            assert!(row.simulated_hours >= hours, "{what}");
            // Told once when an outage of posts lasted over an hour; nothing otherwise.
            let expected = usize::from(hours > 1.0);
            assert_eq!(row.owner_alerts, expected, "{what}");
        }
    }
}

#[tokio::test]
async fn an_ok_answer_missing_every_field_is_a_success_and_a_refusal_is_permanent() {
    let sim = Sim::start(TOKEN).await.unwrap();
    let slack = SlackApi::new(&sim.api_url(), &SecretString::from(TOKEN)).unwrap();
    sim.fail("chat.postMessage", Fault::OkBare, 1);
    slack.post(ALICE, &reply("one")).await.expect("ok: true without ts is delivered");
    sim.fail("chat.postMessage", Fault::OkHtml, 1);
    slack.post(ALICE, &reply("two")).await.expect("ok: true as text/html is delivered");
    sim.fail("chat.postMessage", Fault::ApiError("channel_not_found".into()), 1);
    let refused = slack.post(ALICE, &reply("three")).await.unwrap_err();
    assert_eq!(refused, SendError::Permanent("channel_not_found".into()));
    sim.fail("chat.postMessage", Fault::ActThenDrop, 1);
    let dropped = slack.post(ALICE, &reply("four")).await.unwrap_err();
    assert!(matches!(dropped, SendError::Ambiguous(_)), "{dropped:?}");
    sim.fail("files.completeUploadExternal", Fault::OkBare, 1);
    let share = upward::slack::client::Share::Into { channel: "D00000000ALICE", comment: "" };
    let file = slack.upload("a.csv", "A", b"a,b\n".to_vec(), share).await.expect("a file shared is a success");
    assert_eq!(sim.uploads().len(), 1);
    assert_eq!(file, sim.uploads()[0].file_id, "the id Slack handed out stands in for the one it left out");
}

#[tokio::test]
async fn outbox_retry_re_drives_dead_letters_by_hand() {
    let dir = tempfile::TempDir::new().unwrap();
    let url = crate::helpers::fresh_database(dir.path(), "retry.db").await;
    let store = Store::connect(&url).await.unwrap();
    let sim = Sim::start(TOKEN).await.unwrap();
    let slack = SlackApi::new(&sim.api_url(), &SecretString::from(TOKEN)).unwrap();
    let dispatcher = Dispatcher::new(store.clone(), slack, Arc::new(SystemClock), &RateLimits::slack());
    let mut tx = store.begin(chrono::Utc::now().timestamp()).await.unwrap();
    tx.enqueue(&Outbound::DirectMessage { user: ALICE.into(), message: reply("again") }).unwrap();
    tx.commit().await.unwrap();
    sim.fail("chat.postMessage", Fault::ApiError("channel_not_found".into()), 1);
    assert_eq!(dispatcher.dispatch_one().await.unwrap(), Some(Dispatched::Dead));

    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_upward"))
            .args(args)
            .env_clear()
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    let waiting_only = run(&["outbox", "retry"]);
    assert!(waiting_only.status.success());
    assert_eq!(String::from_utf8_lossy(&waiting_only.stdout).trim(), "0 message(s) queued to be sent again");
    let with_dead = run(&["outbox", "retry", "--dead"]);
    assert_eq!(String::from_utf8_lossy(&with_dead.stdout).trim(), "1 message(s) queued to be sent again");
    assert_eq!(dispatcher.dispatch_one().await.unwrap(), Some(Dispatched::Sent));
    assert_eq!(sim.delivered("chat.postMessage").len(), 1);
}

/// The text of every block of every answer to one command, joined.
fn blocks_of(app: &crate::helpers::TestApp, tag: &str) -> Vec<serde_json::Value> {
    app.sim.delivered("response_url").into_iter().filter(|a| a["response_url_tag"] == tag).collect()
}

#[tokio::test]
async fn a_huge_echo_is_cut_to_what_slack_accepts_and_the_answer_arrives() {
    let app = crate::helpers::spawn_app().await;
    let huge = "y".repeat(100_000);
    for text in [format!("pause {huge}"), format!("join {huge} ai"), format!("program set schedule {huge}")] {
        let (answer, tag) = app.slack.command(ALICE, &text).await;
        assert_eq!(answer.status, 200);
        app.settle().await;
        // A usage error is answered in the HTTP answer itself; the rest through the
        // command's response_url.
        let mut answers = blocks_of(&app, &tag);
        if !answer.body.is_empty() {
            answers.push(answer.json());
        }
        assert_eq!(answers.len(), 1, "one answer arrived for `{}…`", &text[..12]);
        for block in answers[0]["blocks"].as_array().unwrap() {
            let shown = block["text"]["text"].as_str().unwrap_or_default();
            assert!(shown.chars().count() <= 3_000, "a section Slack accepts: {}", shown.len());
        }
        assert!(answers[0].to_string().contains('…'), "the cut is shown");
    }
}

#[tokio::test]
async fn out_of_range_levels_are_refused_by_name_and_never_become_skills() {
    let app = crate::helpers::spawn_app().await;
    for bad in ["256", "-1", "1e3"] {
        let answer = app.ask(ALICE, &format!("join mentor genai level {bad}")).await;
        assert!(answer.contains("level must be 1–12"), "{bad}: {answer}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM participants").await, 0);
}

#[tokio::test]
async fn the_catalogue_has_a_cap_with_a_clear_error() {
    let app = crate::helpers::spawn_app().await;
    let tags: Vec<String> = (0..10_000).map(|i| format!("tag{i}")).collect();
    let answer = app.ask(crate::helpers::OWNER, &format!("skills add {}", tags.join(", "))).await;
    assert!(answer.contains("at most 200 skills"), "{answer}");
    assert_eq!(app.count("SELECT COUNT(*) FROM program_skills").await, 0);
    app.ask(crate::helpers::OWNER, &format!("skills add {}", tags[..150].join(", "))).await;
    let answer = app.ask(crate::helpers::OWNER, &format!("skills add {}", tags[150..300].join(", "))).await;
    assert!(answer.contains("50 more fit"), "{answer}");
    assert_eq!(app.count("SELECT COUNT(*) FROM program_skills").await, 150);
}

#[tokio::test]
async fn owners_are_told_once_when_messages_have_waited_over_an_hour() {
    use chrono::TimeZone;
    let start = chrono::Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap();
    let clock = Arc::new(upward::clock::ManualClock::new(start));
    let app = crate::helpers::spawn_app_at(clock.clone()).await;
    app.sim.outage("chat.postMessage", Fault::ServerError);
    let store = &app.running.ctx.store;
    let mut tx = store.begin(start.timestamp()).await.unwrap();
    tx.enqueue(&Outbound::DirectMessage { user: ALICE.into(), message: reply("held up") }).unwrap();
    tx.commit().await.unwrap();
    // Three hours of outage, the bot working through it every five minutes.
    for _ in 0..36 {
        crate::helpers::set_clock(&app, &clock, clock_now(&clock) + chrono::Duration::minutes(5)).await;
    }
    assert!(app.sent("chat.postMessage").is_empty(), "Slack refused everything");
    app.sim.recover("chat.postMessage");
    for _ in 0..3 {
        crate::helpers::set_clock(&app, &clock, clock_now(&clock) + chrono::Duration::minutes(5)).await;
    }
    let to = |user: &str| app.sent("chat.postMessage").into_iter().filter(|m| m["channel"] == user).count();
    assert_eq!(to(ALICE), 1, "delivered once after the outage");
    let alerts: Vec<String> = app
        .sent("chat.postMessage")
        .iter()
        .filter(|m| m["channel"] == crate::helpers::OWNER)
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(alerts.len(), 1, "told once: {alerts:?}");
    assert!(alerts[0].contains("waiting more than 1 h"), "{alerts:?}");
}

fn clock_now(clock: &upward::clock::ManualClock) -> chrono::DateTime<chrono::Utc> {
    upward::clock::Clock::now(clock)
}

/// Random bodies, correctly signed, to every route Slack calls: whatever the payload
/// decoders make of them, the answer is never a 5xx (which would make Slack retry a
/// request that can never succeed). Cases: `PROPTEST_CASES`, else 100 per route.
#[tokio::test]
async fn signed_garbage_is_never_answered_with_a_server_error() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;
    let app = crate::helpers::spawn_app().await;
    let cases: usize = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(100);
    let body = proptest::prop_oneof![
        "\\PC{0,200}",
        "payload=\\PC{0,200}",
        "payload=%7B%22type%22%3A%22(block_actions|view_submission|shortcut)%22\\PC{0,80}",
        "command=%2Fmentoring&text=\\PC{0,60}&user_id=U\\PC{0,10}",
        "\\{\"type\":\"(event_callback|url_verification)\",\"event\":\\{\"type\":\"\\PC{0,20}\"\\}\\PC{0,40}",
    ];
    let mut runner = TestRunner::default();
    for _ in 0..cases {
        let text = body.new_tree(&mut runner).unwrap().current();
        for (path, content_type) in [
            ("/slack/commands", "application/x-www-form-urlencoded"),
            ("/slack/interactivity", "application/x-www-form-urlencoded"),
            ("/slack/events", "application/json"),
        ] {
            let answer = app.slack.post_signed(path, content_type, text.clone()).await;
            assert!((200..500).contains(&answer.status), "{path} {text:?} → {} {}", answer.status, answer.body);
        }
    }
    app.settle().await;
}
