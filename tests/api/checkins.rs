//! Check-ins and reflections end to end on a clock the test moves: schedules in working
//! hours, the nudge's buttons, snoozes, pauses, the reflection form and its privacy.

use chrono::{TimeZone, Utc};
use serde_json::Value;
use upward::commands::reports::program_status;
use upward::slack::messages::plain_text;

use crate::given::live_pair;
use crate::helpers::*;

/// The check-in messages posted to the pair's group DM, oldest first.
fn nudges(app: &TestApp) -> Vec<Value> {
    app.sent("chat.postMessage").into_iter().filter(|m| plain_text(&m["blocks"]).contains("did you")).collect()
}

#[tokio::test]
async fn a_checkin_comes_every_second_monday_in_both_working_hours_and_its_answers_are_kept() {
    let (app, clock) = live_pair().await;
    // The first Monday is not a check-in: every second one is.
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()).await;
    assert!(nudges(&app).is_empty());
    // Due Monday 14 Dec at 10:00 UTC, when New York (Bob) is still asleep: it waits for 09:00 there.
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 14, 10, 0, 0).unwrap()).await;
    assert!(nudges(&app).is_empty(), "05:00 in New York is outside working hours");
    let wake = app.running.scheduler.tick().await.unwrap();
    assert_eq!(wake, Some(Utc.with_ymd_and_hms(2026, 12, 14, 14, 0, 0).unwrap()), "sleeps until 09:00 New York");
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 14, 14, 0, 0).unwrap()).await;
    let sent = nudges(&app);
    assert_eq!(sent.len(), 1, "one check-in");
    assert!(sent[0]["channel"].as_str().unwrap().starts_with('G'), "in the pair's group DM");
    let text = plain_text(&sent[0]["blocks"]);
    assert!(text.contains(&format!("<@{ALICE}> and <@{BOB}>")) && text.contains("did you meet"), "{text}");
    assert!(text.contains("An idea for your next session:"), "a session idea for the pair: {text}");
    let checkin = button(&sent[0], "checkin_met");

    // Bob: not yet, ask again in three days.
    let (_, tag) = app.slack.press_in_message(BOB, "G1", "checkin_not_yet", &checkin).await;
    app.settle().await;
    let offer = app.sim.delivered("response_url").into_iter().find(|a| a["response_url_tag"] == tag).unwrap();
    assert!(plain_text(&offer["blocks"]).contains("ask again"), "{offer}");
    let snooze = button(&offer, "checkin_snooze");
    assert_eq!(app.count("SELECT COUNT(*) FROM checkins WHERE answer = 'not_yet'").await, 1);
    let (_, tag) = app.slack.press_in_message(BOB, "G1", "checkin_snooze", &snooze).await;
    app.settle().await;
    assert!(
        app.answers(&tag)[0].contains("I'll ask you both again on Thursday 17 December"),
        "{:?}",
        app.answers(&tag)
    );
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 17, 14, 0, 0).unwrap()).await;
    let sent = nudges(&app);
    assert_eq!(sent.len(), 2, "asked again after the snooze");
    assert!(plain_text(&sent[1]["blocks"]).contains("As promised"));

    // Alice: we met. The reflection form opens with her trigger.
    app.slack.press_in_message(ALICE, "G1", "checkin_met", &checkin).await;
    app.settle().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM checkins WHERE answer = 'met'").await, 1);
    let view = app.sent("views.open").pop().expect("the reflection form opened")["view"].clone();
    assert_eq!(view["callback_id"], "reflection_modal");

    // A form without a rating comes back with the error beside the field, and stores nothing.
    let answer = app.slack.submit(ALICE, &view, reflection("prompting tricks", None, "private")).await;
    assert_eq!(answer.json()["response_action"], "errors", "{}", answer.body);
    assert!(answer.json()["errors"]["rating"].as_str().unwrap().contains("1 (not useful) to 5"));
    app.settle().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM reflections").await, 0);

    let answer = app.slack.submit(ALICE, &view, reflection("Bob's way of reading a P&L", Some("5"), "partner")).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, ""));
    app.settle().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM reflections WHERE rating = 5 AND visibility = 'partner'").await, 1);
    let dms = app.sent("chat.postMessage");
    let to =
        |user: &str| dms.iter().filter(|m| m["channel"] == user).map(|m| plain_text(&m["blocks"])).collect::<Vec<_>>();
    assert!(to(ALICE).iter().any(|t| t.contains("Saved your reflection") && t.contains("me and my partner")));
    assert!(to(BOB).iter().any(|t| t.contains("shared their reflection") && t.contains("reading a P&L")));

    // The owner's figures count it all and never carry the text.
    let status = program_status(&app.running.ctx.store, None, clock_today(&clock)).await.unwrap();
    assert_eq!((status.checkins.sent, status.checkins.answered, status.meetings, status.reflections), (1, 1, 1, 1));
    let json = serde_json::to_string(&status).unwrap();
    assert!(!json.contains("P&L") && !json.contains("budget cycle"), "{json}");
    assert!(app.ask(ALICE, "reflections").await.contains("reading a P&L"));
}

#[tokio::test]
async fn a_private_reflection_reaches_no_one_else() {
    let (app, _clock) = live_pair().await;
    app.ask(BOB, "reflect").await;
    let view = app.sent("views.open").pop().expect("the form opened")["view"].clone();
    assert!(plain_text(&view["blocks"]).contains(&format!("<@{ALICE}>")), "about the session with Alice");
    let before = app.sent("chat.postMessage").len();
    app.slack.submit(BOB, &view, reflection("what a prompt library is", Some("4"), "private")).await;
    app.settle().await;
    let after: Vec<Value> = app.sent("chat.postMessage").into_iter().skip(before).collect();
    assert_eq!(after.len(), 1, "only the author's confirmation");
    assert_eq!(after[0]["channel"], BOB);
    assert!(!app.ask(ALICE, "reflections").await.contains("prompt library"), "not in the partner's list");
    assert!(app.ask(OWNER, "reflect").await.contains("no live mentoring pair"));
}

#[tokio::test]
async fn stalled_pairs_get_a_gentler_nudge_and_restarts_and_downtime_repeat_nothing() {
    let (app, clock) = live_pair().await;
    assert!(app.ask(OWNER, "program set every 1").await.contains("every Monday at 10:00"));
    // Every Monday from now; both in working hours at 15:00 UTC.
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 7, 15, 0, 0).unwrap()).await;
    assert_eq!(nudges(&app).len(), 1);
    let app = app.restart().await;
    app.settle().await;
    assert_eq!(nudges(&app).len(), 1, "a restart sends nothing twice");
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 14, 15, 0, 0).unwrap()).await;
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 21, 15, 0, 0).unwrap()).await;
    let sent = nudges(&app);
    assert_eq!(sent.len(), 3);
    assert!(!plain_text(&sent[1]["blocks"]).contains("no pressure"));
    assert!(plain_text(&sent[2]["blocks"]).contains("no pressure"), "two check-ins without meeting: gentler");
    let status = program_status(&app.running.ctx.store, None, clock_today(&clock)).await.unwrap();
    assert_eq!(status.stalled_pairs, 1);

    // Five weeks of downtime: one check-in, not five.
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2027, 1, 25, 15, 0, 0).unwrap()).await;
    assert_eq!(nudges(&app).len(), 4);
    assert_eq!(app.count("SELECT COUNT(*) FROM checkins").await, 4);
}

#[tokio::test]
async fn a_paused_pair_gets_no_checkins_until_it_resumes() {
    let (app, clock) = live_pair().await;
    app.ask(OWNER, "program set every 1").await;
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 7, 15, 0, 0).unwrap()).await;
    let pair = button(&nudges(&app)[0], "pair_pause");
    let (_, tag) = app.slack.press_in_message(ALICE, "G1", "pair_pause", &pair).await;
    app.settle().await;
    assert!(app.answers(&tag)[0].contains("Your pair is paused"));
    // Someone else's button does nothing.
    let (_, tag) = app.slack.press_in_message(OWNER, "G1", "pair_resume", &pair).await;
    app.settle().await;
    assert!(app.answers(&tag)[0].contains("not yours"));
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 21, 15, 0, 0).unwrap()).await;
    assert_eq!(nudges(&app).len(), 1, "paused: nothing for two weeks");
    let (_, tag) = app.slack.press_in_message(BOB, "G1", "pair_resume", &pair).await;
    app.settle().await;
    assert!(app.answers(&tag)[0].contains("Welcome back"));
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 28, 15, 0, 0).unwrap()).await;
    assert_eq!(nudges(&app).len(), 2, "missed check-ins are not caught up; the rhythm restarts");
}

#[tokio::test]
async fn checkin_settings_are_refused_with_the_reason_and_change_nothing() {
    let (app, _clock) = live_pair().await;
    let before = app.count("SELECT COUNT(*) FROM programs WHERE checkin_schedule = '0 0 10 * * MON'").await;
    assert_eq!(before, 1);
    let refusals = [
        ("program set schedule \"0 61 * * *\"", "not a schedule"),
        ("program set schedule every monday", "fields"),
        ("program set window 17:00-09:00", "start before"),
        ("program set timezone Mars/Base", "not a time zone"),
        ("program set every 0", "1 to 12"),
    ];
    for (command, reason) in refusals {
        let answer = app.ask(OWNER, command).await;
        assert!(answer.contains(reason), "{command}: {answer}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM programs WHERE checkin_schedule = '0 0 10 * * MON'").await, 1);
    let answer = app.ask(OWNER, "program set schedule \"30 9 * * 1-5\"").await;
    assert!(answer.contains("every weekday at 09:30"), "{answer}");
    assert!(app.ask(OWNER, "program set window 08:00-16:00").await.contains("08:00-16:00"));
    assert!(app.ask(OWNER, "program set timezone Europe/Berlin").await.contains(", Europe/Berlin"));
    assert!(app.ask(ALICE, "program set weekends on").await.contains("only program owners"));
}
