//! App Home: published on app_home_opened, with working buttons; owners see counts.

use upward::slack::messages::plain_text;

use crate::helpers::*;

fn last_home(app: &TestApp, user: &str) -> String {
    let view = app.sent("views.publish").into_iter().rev().find(|v| v["user_id"] == user).expect("a home view");
    assert_eq!(view["view"]["type"], "home");
    plain_text(&view["view"]["blocks"])
}

#[tokio::test]
async fn a_newcomer_sees_a_join_button_and_owners_see_program_counts() {
    let app = spawn_app().await;
    app.slack.open_home(ALICE).await;
    app.settle().await;
    let home = last_home(&app, ALICE);
    assert!(home.contains("You haven't joined *default* yet.") && home.contains("Join"), "{home}");
    assert!(!home.contains("Program owners"), "not an owner: {home}");

    app.ask(BOB, "join mentee AI").await;
    app.slack.open_home(OWNER).await;
    app.settle().await;
    let home = last_home(&app, OWNER);
    assert!(home.contains("Program owners") && home.contains("*default*"), "{home}");
    assert!(home.contains("*People:* 0 mentors, 1 mentee · 1 active, 0 paused, 0 left"), "{home}");
    assert!(home.contains("Preview a match") && home.contains("Export CSV"), "the owner's buttons: {home}");
}

#[tokio::test]
async fn the_fixture_event_publishes_the_home_of_its_user() {
    let app = spawn_app().await;
    let answer =
        app.slack.post_signed("/slack/events", "application/json", fixture("event_app_home_opened.json")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    app.settle().await;
    last_home(&app, "U061F7AUR");
}

#[tokio::test]
async fn home_buttons_pause_resume_and_open_the_form() {
    let app = spawn_app().await;
    app.ask(ALICE, "join mentor Figma").await;
    let program = app.count("SELECT id FROM programs").await.to_string();
    app.slack.open_home(ALICE).await;
    app.settle().await;
    assert!(last_home(&app, ALICE).contains("Pause"));

    app.slack.press(ALICE, "home_pause", &program).await;
    app.settle().await;
    assert_eq!(app.participant(ALICE).await.unwrap().1, "paused");
    let home = last_home(&app, ALICE);
    assert!(home.contains("paused until you resume") && home.contains("Resume"), "{home}");

    app.slack.press(ALICE, "home_resume", &program).await;
    app.settle().await;
    assert_eq!(app.participant(ALICE).await.unwrap().1, "active");

    let opened_before = app.sent("views.open").len();
    app.slack.press(ALICE, "home_join", &program).await;
    app.settle().await;
    let views = app.sent("views.open");
    assert_eq!(views.len(), opened_before + 1);
    let text = plain_text(&views.last().unwrap()["view"]["blocks"]);
    assert!(text.contains("Other skills I can teach"), "{text}");
    assert_eq!(views.last().unwrap()["view"]["submit"]["text"], "Save", "an existing profile is changed, not joined");

    app.slack.press(ALICE, "home_pause", "999").await;
    app.settle().await;
    let dm = app.sent("chat.postMessage").pop().expect("a DM explains the stale button");
    assert!(dm["text"].as_str().unwrap().contains("out of date"), "{dm}");
}
