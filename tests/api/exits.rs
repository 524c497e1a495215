//! What makes it reverse mentoring, end to end: the seniority rule in matching, and a
//! safe, private exit that either side (the junior too) can take.

use serde_json::Value;
use upward::slack::inbound::forms::ExitForm;
use upward::slack::messages::plain_text;

use crate::given::{CAROL, DAN};
use crate::helpers::*;

fn dms_to(app: &TestApp, user: &str) -> Vec<String> {
    app.sent("chat.postMessage")
        .into_iter()
        .filter(|m| m["channel"] == user)
        .map(|m| plain_text(&m["blocks"]))
        .collect()
}

fn exit_values(reason: &str, share: bool) -> Value {
    ExitForm { reason, share }.values()
}

/// Alice (level 2) teaches Bob (level 6); Carol (level 3) and Dan (level 7) are ready for the next round.
async fn a_live_pair() -> TestApp {
    let app = spawn_app().await;
    app.sim.add_user(CAROL, "Carol Junior", Some("Europe/London"));
    app.sim.add_user(DAN, "Dan Senior", Some("Europe/Paris"));
    app.ask(ALICE, "join mentor generative AI level 2").await;
    app.ask(BOB, "join mentee generative AI level 6").await;
    app.ask(OWNER, "match").await;
    assert!(app.ask(OWNER, "match confirm").await.contains("1 pair is live"));
    let intro = dms_to_group(&app);
    assert!(intro.contains("Session ideas for you two") && intro.contains("*Prompting together*"), "{intro}");
    assert!(intro.contains("*Reverse shadowing*"), "a session for any pair fills up: {intro}");
    app
}

fn dms_to_group(app: &TestApp) -> String {
    app.sent("chat.postMessage")
        .into_iter()
        .filter(|m| m["channel"].as_str().is_some_and(|c| c.starts_with('G')))
        .map(|m| plain_text(&m["blocks"]))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_seniority_rule_keeps_juniors_teaching_upward() {
    let app = spawn_app().await;
    app.sim.add_user(CAROL, "Carol Junior", None);
    app.sim.add_user(DAN, "Dan Senior", None);
    // Carol (level 5) would teach Bob (level 6): one level apart, below the default gap of 2.
    app.ask(CAROL, "join mentor Figma level 5").await;
    app.ask(BOB, "join mentee Figma level 6").await;
    let profile = app.ask(CAROL, "profile").await;
    assert!(profile.contains("*Seniority level:* 5"), "{profile}");
    assert!(app.ask(OWNER, "match").await.contains("*0 pairs*"));
    assert!(app.ask(OWNER, "program set min-gap 1").await.contains("at least 1 level below"));
    assert!(app.ask(OWNER, "match").await.contains("*1 pair*"));
    assert!(app.ask(CAROL, "join mentor Figma level 13").await.contains("1 (most junior) to 12"));
    assert!(app.ask(OWNER, "program set min-gap 12").await.contains("0 (no rule) to 11"));
}

#[tokio::test]
async fn the_junior_can_leave_privately_and_the_owner_sees_no_reason_unless_shared() {
    let app = a_live_pair().await;
    let intro = app.sent("chat.postMessage").into_iter().find(|m| m.to_string().contains("intro_wont_work")).unwrap();
    let pair = button(&intro, "intro_wont_work");
    // Someone else's press opens nothing.
    let (_, tag) = app.slack.press_in_message(CAROL, "G1", "intro_wont_work", &pair).await;
    app.settle().await;
    assert!(app.answers(&tag).join("").contains("another pair"));
    assert!(app.sent("views.open").is_empty());

    app.slack.press_in_message(ALICE, "G1", "intro_wont_work", &pair).await;
    app.settle().await;
    let view = app.sent("views.open").pop().expect("the exit form")["view"].clone();
    assert_eq!(view["callback_id"], "exit_modal");
    assert_eq!(app.count("SELECT COUNT(*) FROM pairs WHERE status = 'active'").await, 1, "nothing ends before submit");
    let answer = app.slack.submit(ALICE, &view, exit_values("He keeps cancelling on me", false)).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, ""));
    app.settle().await;

    assert_eq!(app.count("SELECT COUNT(*) FROM pairs WHERE status = 'ended' AND ended_by = 'U0ALICE01'").await, 1);
    let to_bob = dms_to(&app, BOB).join("\n");
    assert!(to_bob.contains("has ended") && !to_bob.contains("cancelling"), "kind, and not why: {to_bob}");
    let to_owner = dms_to(&app, OWNER).join("\n");
    assert!(to_owner.contains("was ended by one of them") && to_owner.contains("reason stays private"), "{to_owner}");
    assert!(!to_owner.contains("cancelling"), "{to_owner}");
    assert!(dms_to(&app, ALICE).join("\n").contains("matched with someone new in the next round"));
    let status = app.ask(OWNER, "status").await;
    assert!(status.contains("1 pair ended by one of their people") && !status.contains("cancelling"), "{status}");

    // At the next round both are matched again, with new partners.
    app.ask(CAROL, "join mentor generative AI level 1").await;
    app.ask(DAN, "join mentee generative AI level 8").await;
    app.ask(OWNER, "match").await;
    assert!(app.ask(OWNER, "match confirm").await.contains("2 pairs are live"), "Alice and Bob, with new partners");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM pairs p JOIN participants m ON m.id = p.mentor_id JOIN participants e ON e.id = p.mentee_id WHERE p.status = 'active' AND m.user_id = 'U0ALICE01' AND e.user_id = 'U0BOB0001'").await,
        0,
        "never the same pair again"
    );
}

#[tokio::test]
async fn a_shared_reason_reaches_owners_and_mid_round_matching_pairs_the_leaver_at_once() {
    let app = a_live_pair().await;
    assert!(app.ask(OWNER, "program set mid-round-matching on").await.contains("matched again at once"));
    app.ask(CAROL, "join mentor generative AI level 1").await;
    app.ask(BOB, "rematch").await;
    let view = app.sent("views.open").pop().expect("the exit form")["view"].clone();
    app.slack.submit(BOB, &view, exit_values("Our calendars never line up", true)).await;
    app.settle().await;
    let to_owner = dms_to(&app, OWNER).join("\n");
    assert!(to_owner.contains("They shared why: \"Our calendars never line up\""), "{to_owner}");
    assert!(dms_to(&app, BOB).join("\n").contains("right away"));
    let live = app
        .count("SELECT COUNT(*) FROM pairs p JOIN participants m ON m.id = p.mentor_id JOIN participants e ON e.id = p.mentee_id WHERE p.status = 'active' AND m.user_id = 'U0CAROL01' AND e.user_id = 'U0BOB0001'")
        .await;
    assert_eq!(live, 1, "Bob is paired with Carol at once");
    let json = upward::commands::reports::program_status(&app.running.ctx.store, None, chrono::Utc::now().date_naive())
        .await
        .unwrap();
    assert_eq!(json.shared_exit_reasons, vec!["Our calendars never line up".to_owned()]);
    assert!(app.ask(DAN, "rematch").await.contains("no live mentoring pair"));
}
