//! One-time sessions end to end: a mentee asks, mentors are asked one at a time (the
//! best first, the next after *Not this time* or when the answer time runs out), the
//! first to accept gets a group DM, *We met* brings both reflection forms, and owners
//! read the figures and the unmet demand.

use std::sync::Arc;

use chrono::Duration;
use serde_json::Value;
use upward::clock::{Clock, ManualClock};
use upward::slack::inbound::forms::AskForm;
use upward::slack::messages::plain_text;

use crate::given::{start, CAROL, DAN};
use crate::helpers::*;

/// Messages the bot posted to `user`'s DM, oldest first.
fn dms(app: &TestApp, user: &str) -> Vec<Value> {
    app.sent("chat.postMessage").into_iter().filter(|m| m["channel"] == user).collect()
}

/// The latest session request in `user`'s DM, if any.
fn request_to(app: &TestApp, user: &str) -> Option<Value> {
    dms(app, user).into_iter().rev().find(|m| plain_text(&m["blocks"]).contains("would like a *one-time session*"))
}

/// Bob (New York) learns generative AI; Alice (Berlin) and Carol (London) teach it and
/// take one-time sessions; Dan (London) teaches it and video but did not opt in.
async fn mentors_opted_in() -> (TestApp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(start()));
    let app = spawn_app_at(clock.clone()).await;
    app.sim.add_user(CAROL, "Carol Junior", Some("Europe/London"));
    app.sim.add_user(DAN, "Dan Junior", Some("Europe/London"));
    app.ask(OWNER, "skills add generative AI, prompting").await;
    assert!(app.ask(ALICE, "join mentor generative AI, prompting one-time").await.contains("mentor"));
    app.ask(CAROL, "join mentor generative AI one-time").await;
    app.ask(DAN, "join mentor generative AI, video").await;
    app.ask(BOB, "join mentee generative AI, prompting dept:Finance").await;
    (app, clock)
}

#[tokio::test]
async fn the_best_mentor_is_asked_first_the_next_after_a_no_and_the_first_to_accept_gets_the_session() {
    let (app, clock) = mentors_opted_in().await;
    let answer = app.ask(BOB, "ask generative ai: prompts for my board slides").await;
    assert!(
        answer.contains("I'm asking a mentor who teaches *generative AI*") && answer.contains("24 hours"),
        "{answer}"
    );

    // Carol shares three working hours with New York, Alice two: Carol is asked first, alone.
    let request = request_to(&app, CAROL).expect("Carol is asked");
    let text = plain_text(&request["blocks"]);
    assert!(text.contains(&format!("<@{BOB}>")) && text.contains("prompts for my board slides"), "{text}");
    assert!(
        request_to(&app, ALICE).is_none() && request_to(&app, DAN).is_none(),
        "one mentor at a time; Dan opted out"
    );
    let session = button(&request, "session_decline");

    let (_, tag) = app.slack.press_in_message(CAROL, CAROL, "session_decline", &session).await;
    app.settle().await;
    assert!(app.answers(&tag)[0].contains("I'll ask someone else"), "{:?}", app.answers(&tag));
    let request = request_to(&app, ALICE).expect("after Carol's no, Alice is asked at once");
    assert!(request_to(&app, DAN).is_none());

    set_clock(&app, &clock, start() + Duration::minutes(30)).await;
    let (_, tag) =
        app.slack.press_in_message(ALICE, ALICE, "session_accept", &button(&request, "session_accept")).await;
    app.settle().await;
    assert!(app.answers(&tag)[0].contains("opened a group DM"), "{:?}", app.answers(&tag));
    let opened = app.sent("conversations.open");
    let users = opened.last().expect("a group DM")["users"].to_string();
    assert!(users.contains(ALICE) && users.contains(BOB), "{users}");
    let intro = app
        .sent("chat.postMessage")
        .into_iter()
        .find(|m| m["channel"].as_str().unwrap().starts_with('G'))
        .expect("the session's introduction in the group DM");
    let text = plain_text(&intro["blocks"]);
    assert!(
        text.contains("accepted a *one-time session* on *generative AI*") && text.contains("board slides"),
        "{text}"
    );
    assert!(text.contains("A session idea"), "{text}");

    // Carol changes her mind too late: the session is taken, and nothing changes.
    let (_, tag) = app.slack.press_in_message(CAROL, CAROL, "session_accept", &session).await;
    app.settle().await;
    assert!(app.answers(&tag)[0].contains("already taken"), "{:?}", app.answers(&tag));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions WHERE status = 'matched'").await, 1);

    // Bob: we met. His form opens; Alice is invited to reflect.
    let (_, _) = app.slack.press_in_message(BOB, "G1", "session_held", &button(&intro, "session_held")).await;
    app.settle().await;
    let view = app.sent("views.open").pop().expect("Bob's reflection form")["view"].clone();
    assert_eq!(view["callback_id"], "session_reflection_modal");
    let answer = app.slack.submit(BOB, &view, reflection("how Alice prompts", None, "owners")).await;
    assert_eq!(answer.json()["response_action"], "errors", "a rating is needed: {}", answer.body);
    let answer = app.slack.submit(BOB, &view, reflection("how Alice prompts", Some("5"), "owners")).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, ""));
    app.settle().await;
    let invite = dms(&app, ALICE).into_iter().find(|m| plain_text(&m["blocks"]).contains("took place")).unwrap();
    app.slack.press(ALICE, "session_reflect", &button(&invite, "session_reflect")).await;
    app.settle().await;
    let view = app.sent("views.open").pop().expect("Alice's reflection form")["view"].clone();
    app.slack.submit(ALICE, &view, reflection("budget talk", Some("4"), "private")).await;
    app.settle().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM session_reflections").await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions WHERE status = 'held' AND held_at IS NOT NULL").await, 1);
    assert!(dms(&app, ALICE).iter().any(|m| plain_text(&m["blocks"]).contains("how Alice prompts")), "shared");
    let mine = app.ask(ALICE, "reflections").await;
    assert!(mine.contains("budget talk") && mine.contains(&format!("with <@{BOB}>")), "her own, with Bob: {mine}");

    // Owners: the figures, and the export row with only the text shared with them.
    let status = app.ask(OWNER, "status").await;
    assert!(status.contains("*One-time sessions:* 1 asked, 1 matched, 1 held, 0 unmet"), "{status}");
    assert!(status.contains("time to a mentor 30 minutes (median)"), "{status}");
    assert!(status.contains("generative AI 1 asked, 1 matched, 1 held, 0 unmet"), "{status}");
    app.ask(OWNER, "export").await;
    let export = String::from_utf8(app.sim.uploads().into_iter().find(|u| u.channel.is_some()).unwrap().bytes).unwrap();
    let row = export.lines().find(|l| l.ends_with(",session")).expect("the session's row");
    assert!(row.contains(",held,") && row.contains("how Alice prompts") && !row.contains("budget talk"), "{row}");
}

#[tokio::test]
async fn when_no_mentor_answers_in_time_the_next_is_asked_and_at_the_end_the_demand_stays_for_owners() {
    let (app, clock) = mentors_opted_in().await;
    assert!(app.ask(OWNER, "program set session-timeout 2").await.contains("a mentor has 2 hours to answer"));
    app.ask(BOB, "ask generative AI").await;
    assert!(request_to(&app, CAROL).is_some() && request_to(&app, ALICE).is_none());

    let asked = clock.now();
    set_clock(&app, &clock, asked + Duration::minutes(119)).await;
    assert!(request_to(&app, ALICE).is_none(), "Carol still has a minute");
    let wake = app.running.scheduler.tick().await.unwrap();
    assert_eq!(wake, Some(asked + Duration::hours(2)), "the scheduler sleeps until Carol's time is up");
    set_clock(&app, &clock, asked + Duration::hours(2)).await;
    let request = request_to(&app, ALICE).expect("Alice is asked once Carol's time ran out");
    assert_eq!(app.count("SELECT COUNT(*) FROM session_offers WHERE answer = 'expired'").await, 1);

    set_clock(&app, &clock, asked + Duration::hours(4)).await;
    let told = dms(&app, BOB).into_iter().map(|m| plain_text(&m["blocks"])).find(|t| t.contains("None of the mentors"));
    assert!(told.is_some_and(|t| t.contains("generative AI") && t.contains("owners see the demand")));
    assert!(request_to(&app, DAN).is_none(), "Dan never opted in");

    // A late answer finds the request closed.
    let (_, tag) =
        app.slack.press_in_message(ALICE, ALICE, "session_accept", &button(&request, "session_accept")).await;
    app.settle().await;
    assert!(app.answers(&tag)[0].contains("no longer open"), "{:?}", app.answers(&tag));

    // A skill nobody teaches for one-time sessions is unmet at once; the owners see both.
    let answer = app.ask(BOB, "ask video").await;
    assert!(answer.contains("Nobody who teaches *video* is available"), "{answer}");
    let status = app.ask(OWNER, "status").await;
    assert!(status.contains("*One-time sessions:* 2 asked, 0 matched, 0 held, 2 unmet"), "{status}");
    assert!(status.contains("generative AI 1 asked, 0 matched, 0 held, 1 unmet"), "{status}");
    assert!(status.contains("video 1 asked, 0 matched, 0 held, 1 unmet"), "{status}");
    assert!(!status.contains("time to a mentor"), "nobody was matched: {status}");
}

#[tokio::test]
async fn bad_requests_get_a_clear_answer_and_change_nothing() {
    let (app, _clock) = mentors_opted_in().await;
    let answer = app.ask(BOB, "ask").await;
    assert!(answer.contains("Name the skill") && answer.contains("/mentoring ask <skill>"), "{answer}");
    let answer = app.ask(BOB, "ask knitting for beginners").await;
    assert!(answer.contains("doesn't start with a skill") && answer.contains("generative AI"), "{answer}");
    let answer = app.ask(ALICE, "ask generative AI").await;
    assert!(answer.contains("join as a mentee first"), "a mentor-only member: {answer}");
    let answer = app.ask(BOB, &format!("ask generative AI {}", "x".repeat(501))).await;
    assert!(answer.contains("under 500 characters"), "{answer}");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    app.ask(BOB, "ask generative AI").await;
    assert!(app.ask(BOB, "ask generative AI again").await.contains("already have an open request"));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
}

#[tokio::test]
async fn the_app_home_asks_through_a_form_and_mentors_opt_in_from_the_join_form() {
    let (app, _clock) = mentors_opted_in().await;
    app.slack.open_home(BOB).await;
    app.settle().await;
    let home = app.sent("views.publish").pop().expect("Bob's home")["view"].clone();
    let program = button(&home, "home_ask");
    app.slack.press(BOB, "home_ask", &program).await;
    app.settle().await;
    let form = app.sent("views.open").pop().expect("the request form")["view"].clone();
    assert_eq!(form["callback_id"], "ask_modal");
    let answer = app.slack.submit(BOB, &form, AskForm { skill: None, question: "" }.values()).await;
    assert_eq!(answer.json()["errors"]["ask_skill"], "Pick a skill.", "{}", answer.body);
    let answer =
        app.slack.submit(BOB, &form, AskForm { skill: Some("generative AI"), question: "agents" }.values()).await;
    assert_eq!(answer.status, 200);
    app.settle().await;
    assert!(dms(&app, BOB).iter().any(|m| plain_text(&m["blocks"]).contains("I'm asking a mentor")));
    assert!(request_to(&app, CAROL).is_some_and(|r| plain_text(&r["blocks"]).contains("agents")));

    // Dan opts in from the join form: the checkbox is read and kept.
    app.slack.press(DAN, "home_join", &program).await;
    app.settle().await;
    let join = app.sent("views.open").pop().expect("the join form")["view"].clone();
    let values = upward::slack::inbound::forms::JoinForm {
        role: Some("mentor"),
        teach_text: "generative AI",
        one_time: true,
        ..Default::default()
    }
    .values();
    app.slack.submit(DAN, &join, values).await;
    app.settle().await;
    assert_eq!(app.count(&format!("SELECT one_time FROM participants WHERE user_id = '{DAN}'")).await, 1);
    assert!(app.ask(DAN, "join mentor generative AI one-time:no").await.contains("mentor"));
    assert_eq!(app.count(&format!("SELECT one_time FROM participants WHERE user_id = '{DAN}'")).await, 0);
}

#[tokio::test]
async fn the_rounds_rules_decide_who_is_asked_and_requests_spread_over_mentors() {
    const ERIN: &str = "U0ERIN001";
    let clock = Arc::new(ManualClock::new(start()));
    let app = spawn_app_at(clock.clone()).await;
    app.sim.add_user(CAROL, "Carol Junior", Some("Europe/London"));
    app.sim.add_user(DAN, "Dan Junior", Some("America/Chicago"));
    app.sim.add_user(ERIN, "Erin Junior", Some("Asia/Tokyo"));
    app.ask(OWNER, "skills add video").await;
    app.ask(ALICE, "join mentor video one-time level 5").await;
    app.ask(CAROL, "join mentor video one-time level 1").await;
    app.ask(DAN, "join mentor video one-time level 1").await;
    app.ask(ERIN, "join mentor video one-time level 2").await;
    app.ask(BOB, &format!("join mentee video level 6 manager:<@{CAROL}>")).await;

    // Carol is Bob's manager and Alice only one level below him: neither is ever asked.
    // Dan shares more working hours with New York than Erin does, and is further below
    // Bob on the ladder: by the rounds' score he comes first.
    app.ask(BOB, "ask video: cutting a launch film").await;
    let request = request_to(&app, DAN).expect("Dan is asked first");
    app.slack.press_in_message(DAN, DAN, "session_accept", &button(&request, "session_accept")).await;
    app.settle().await;

    // Dan now has a recent session, Erin none: the next request goes to Erin first.
    app.ask(BOB, "ask video: subtitles").await;
    let request = request_to(&app, ERIN).expect("Erin is asked for the second request");
    assert!(plain_text(&request["blocks"]).contains("subtitles"));
    let to_dan = request_to(&app, DAN).map(|r| plain_text(&r["blocks"])).unwrap_or_default();
    assert!(!to_dan.contains("subtitles"), "not Dan first: {to_dan}");
    app.slack.press_in_message(ERIN, ERIN, "session_decline", &button(&request, "session_decline")).await;
    app.settle().await;
    let again = request_to(&app, DAN).expect("then Dan");
    assert!(plain_text(&again["blocks"]).contains("subtitles"), "after Erin's no, Dan is asked");
    app.slack.press_in_message(DAN, DAN, "session_decline", &button(&again, "session_decline")).await;
    app.settle().await;
    assert!(request_to(&app, ALICE).is_none() && request_to(&app, CAROL).is_none(), "never Alice or Carol");
    let told = dms(&app, BOB).into_iter().map(|m| plain_text(&m["blocks"])).any(|t| t.contains("None of the mentors"));
    assert!(told, "with nobody left, Bob is told");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions WHERE status = 'unmet'").await, 1);
}
