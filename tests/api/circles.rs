//! Circles end to end: with `program set circles k` one mentor meets up to k mentees in
//! one group conversation; later rounds fill the circle's free seats (the last one
//! included) and nobody beyond it; one check-in reaches the whole circle, and each
//! member reflects on their own seat.

use chrono::{TimeZone, Utc};
use serde_json::Value;
use upward::slack::messages::plain_text;

use crate::given::{alice_and_bob_joined, confirm_round, CAROL, DAN};
use crate::helpers::*;

fn group_posts(app: &TestApp) -> Vec<Value> {
    app.sent("chat.postMessage").into_iter().filter(|m| m["channel"].as_str().unwrap().starts_with('G')).collect()
}

#[tokio::test]
async fn a_circle_fills_to_its_last_seat_meets_in_one_conversation_and_each_member_reflects() {
    let (app, clock) = alice_and_bob_joined().await;
    let answer = app.ask(OWNER, "program set circles 2").await;
    assert!(answer.contains("circles: one mentor meets up to 2 mentees together"), "{answer}");
    assert!(app.ask(OWNER, "program set circles 1").await.contains("a number from 2 to 10"));

    // Round 1: Bob takes the first of Alice's two seats.
    confirm_round(&app).await;
    let intro = group_posts(&app).pop().expect("the circle's introduction");
    assert!(plain_text(&intro["blocks"]).contains("Welcome to your reverse-mentoring *circle*"));

    // Round 2: Carol and Dan want in; one gets the last seat, the other waits.
    app.ask(CAROL, "join mentee generative AI dept:Sales").await;
    app.ask(DAN, "join mentee generative AI dept:Legal").await;
    app.ask(OWNER, "match").await;
    let confirmed = app.ask(OWNER, "match confirm").await;
    assert!(confirmed.contains("Round confirmed") && confirmed.contains("1 pair"), "{confirmed}");
    let pool = app.db().await;
    let seated: Vec<String> = sqlx::query_scalar(
        "SELECT e.user_id FROM pairs p JOIN participants e ON e.id = p.mentee_id
         WHERE p.status = 'active' AND p.circle = 1 ORDER BY p.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(seated.len(), 2, "two seats, both taken: {seated:?}");
    assert_eq!(seated[0], BOB);
    let newcomer = seated[1].clone();
    let waiting = if newcomer == CAROL { DAN } else { CAROL };
    let intro = group_posts(&app).pop().expect("the newcomer's welcome");
    let text = plain_text(&intro["blocks"]);
    assert!(text.contains(&format!("<@{newcomer}> joined <@{ALICE}>'s reverse-mentoring *circle*")), "{text}");
    let users = app.sent("conversations.open").last().unwrap()["users"].to_string();
    assert!(users.contains(ALICE) && users.contains(BOB) && users.contains(&newcomer), "one conversation: {users}");
    let status = app.ask(OWNER, "status").await;
    assert!(status.contains("*Circles* (up to 2 mentees each): 1 live, 2 mentees in them, 1 full"), "{status}");
    assert!(status.contains(&format!("<@{waiting}>: more mentees than mentor places")), "{status}");

    // One check-in for the whole circle, in its conversation.
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 14, 14, 0, 0).unwrap()).await;
    let nudges: Vec<Value> =
        group_posts(&app).into_iter().filter(|m| plain_text(&m["blocks"]).contains("did you meet")).collect();
    assert_eq!(nudges.len(), 1, "one check-in per circle, not per seat");
    let text = plain_text(&nudges[0]["blocks"]);
    assert!(text.contains(&format!("<@{ALICE}> and <@{BOB}>, <@{newcomer}>")), "{text}");

    // Each member reflects on their own seat, from the circle's one check-in.
    let checkin = button(&nudges[0], "checkin_met");
    for (who, rating) in [(newcomer.as_str(), "4"), (BOB, "5")] {
        app.slack.press_in_message(who, "G1", "checkin_met", &checkin).await;
        app.settle().await;
        let view = app.sent("views.open").pop().expect("the reflection form")["view"].clone();
        let answer = app.slack.submit(who, &view, reflection("circle session", Some(rating), "private")).await;
        assert_eq!((answer.status, answer.body.as_str()), (200, ""));
        app.settle().await;
    }
    assert_eq!(app.count("SELECT COUNT(DISTINCT pair_id) FROM reflections").await, 2, "a reflection per seat");
    let (_, tag) = app.slack.press_in_message(waiting, "G1", "checkin_met", &checkin).await;
    app.settle().await;
    assert!(!app.answers(&tag).is_empty(), "someone outside the circle gets an answer, and no form");
    assert_eq!(app.count("SELECT COUNT(*) FROM reflections").await, 2);

    app.ask(OWNER, "export").await;
    let export = String::from_utf8(app.sim.uploads().into_iter().find(|u| u.channel.is_some()).unwrap().bytes).unwrap();
    assert_eq!(export.lines().filter(|l| l.ends_with(",circle")).count(), 2, "{export}");
}
