//! Ids that must belong together, and requests that fail for good: a reflection names
//! its own pair's check-in or nothing is stored; buttons of an ended pair change
//! nothing; a request the bot gives up on is answered.

use serde_json::Value;
use upward::slack::messages::{plain_text, reflection_modal};

use crate::helpers::*;

const CAROL: &str = "U0CAROL01";
const DAVE: &str = "U0DAVE001";

/// Two live pairs (Alice and Carol teach, Bob and Dave learn) and their ids.
async fn two_pairs() -> (TestApp, Vec<(i64, String, String)>) {
    let app = spawn_app().await;
    app.sim.add_user(CAROL, "Carol", Some("Europe/Paris"));
    app.sim.add_user(DAVE, "Dave", Some("Europe/Paris"));
    app.ask(ALICE, "join mentor generative AI").await;
    app.ask(CAROL, "join mentor generative AI").await;
    app.ask(BOB, "join mentee generative AI").await;
    app.ask(DAVE, "join mentee generative AI").await;
    app.ask(OWNER, "match").await;
    assert!(app.ask(OWNER, "match confirm").await.contains("2 pairs are live"));
    let pool = app.db().await;
    let pairs = sqlx::query_as(
        "SELECT p.id, a.user_id, b.user_id FROM pairs p JOIN participants a ON a.id = p.mentor_id
         JOIN participants b ON b.id = p.mentee_id WHERE p.status = 'active' ORDER BY p.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    (app, pairs)
}

async fn add_checkin(app: &TestApp, pair_id: i64) -> i64 {
    let pool = app.db().await;
    let id = sqlx::query_scalar("INSERT INTO checkins (pair_id, due_at, created_at) VALUES ($1, 0, 0) RETURNING id")
        .bind(pair_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    id
}

/// DMs the bot sent `user`, as text.
fn dms(app: &TestApp, user: &str) -> Vec<String> {
    app.sent("chat.postMessage").iter().filter(|m| m["channel"] == user).map(|m| plain_text(&m["blocks"])).collect()
}

#[tokio::test]
async fn a_reflection_naming_another_pairs_or_an_unknown_checkin_is_refused_and_answered() {
    let (app, pairs) = two_pairs().await;
    let (mine, author, partner) = pairs.iter().find(|p| p.1 == ALICE).cloned().unwrap();
    let theirs = pairs.iter().find(|p| p.0 != mine).unwrap().0;
    let foreign = add_checkin(&app, theirs).await;
    let program = app.count(&format!("SELECT program_id FROM pairs WHERE id = {mine}")).await;
    for checkin in [foreign, 999_999] {
        let view: Value = serde_json::to_value(reflection_modal(&partner, &[], program, mine, Some(checkin))).unwrap();
        let answer = app.slack.submit(&author, &view, reflection("prompt chaining", Some("5"), "private")).await;
        assert_eq!(answer.status, 200);
        app.settle().await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM reflections").await, 0, "stored against nothing");
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL").await, 0, "handled, not failing");
    let told = dms(&app, &author);
    assert_eq!(told.iter().filter(|t| t.contains("is not yours")).count(), 2, "{told:?}");

    let own = add_checkin(&app, mine).await;
    let view: Value = serde_json::to_value(reflection_modal(&partner, &[], program, mine, Some(own))).unwrap();
    app.slack.submit(&author, &view, reflection("prompt chaining", Some("5"), "private")).await;
    app.settle().await;
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM reflections WHERE checkin_id = {own}")).await, 1);
}

#[tokio::test]
async fn the_introductions_button_of_an_ended_pair_answers_kindly_and_records_nothing() {
    let (app, pairs) = two_pairs().await;
    let (pair, mentor, _) = pairs[0].clone();
    let pool = app.db().await;
    sqlx::query("UPDATE pairs SET status = 'ended' WHERE id = $1").bind(pair).execute(&pool).await.unwrap();
    pool.close().await;
    let before = app.count("SELECT COUNT(*) FROM pairs WHERE scheduled_at IS NOT NULL").await;
    let (_, tag) = app.slack.press_in_message(&mentor, "G1", "intro_scheduled", &pair.to_string()).await;
    app.settle().await;
    let answers = app.answers(&tag);
    assert!(answers.iter().any(|a| a.contains("This pair has ended")), "{answers:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM pairs WHERE scheduled_at IS NOT NULL").await, before);
}

#[tokio::test]
async fn a_request_that_fails_for_good_tells_its_author() {
    let app = spawn_app().await;
    // A broken database table makes every attempt at `audit` fail.
    let pool = app.db().await;
    sqlx::query("DROP TABLE audit").execute(&pool).await.unwrap();
    pool.close().await;
    let (_, tag) = app.slack.command(OWNER, "audit").await;
    app.settle().await;
    // Each failure waits out its backoff; time passing makes the next attempt due.
    for _ in 1..5 {
        assert!(app.answers(&tag).is_empty(), "no answer while attempts remain");
        let pool = app.db().await;
        sqlx::query("UPDATE inbox SET retry_at = NULL").execute(&pool).await.unwrap();
        pool.close().await;
        app.settle().await;
    }
    let answer = app.answers(&tag).join("\n");
    assert!(answer.contains("I could not handle that"), "{answer}");
    assert_eq!(app.count("SELECT attempts FROM inbox ORDER BY id DESC LIMIT 1").await, 5);
}
