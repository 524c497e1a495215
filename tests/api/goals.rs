//! Goals, outcomes and recognition end to end on a clock the test moves: goals asked at
//! a pair's first check-in and shown in later ones, confidence before (at joining) and
//! after (at the round's end) with the owners' uplift, thanks only with consent, kudos.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};
use upward::commands::reports::program_status;
use upward::slack::messages::plain_text;

use crate::given::{alice_and_bob_joined, confirm_round, start, CAROL, DAN, MANAGER};
use crate::helpers::*;

fn day(d: u32, month: u32, year: i32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, d, 15, 0, 0).unwrap()
}

/// The check-in messages posted to group DMs, oldest first.
fn nudges(app: &TestApp) -> Vec<Value> {
    app.sent("chat.postMessage").into_iter().filter(|m| plain_text(&m["blocks"]).contains("did you")).collect()
}

/// Texts of the DMs `user` received, oldest first.
fn dms(app: &TestApp, user: &str) -> Vec<String> {
    app.sent("chat.postMessage").iter().filter(|m| m["channel"] == user).map(|m| plain_text(&m["blocks"])).collect()
}

/// The latest DM to `user` with a button `action_id`.
fn dm_with(app: &TestApp, user: &str, action_id: &str) -> Value {
    app.sent("chat.postMessage")
        .into_iter()
        .rev()
        .find(|m| m["channel"] == user && m.to_string().contains(action_id))
        .unwrap_or_else(|| panic!("no DM to {user} with {action_id}"))
}

/// `/mentoring <text>` answered as Slack received it (blocks and buttons).
async fn ask_raw(app: &TestApp, user: &str, text: &str) -> Value {
    let (_, tag) = app.slack.command(user, text).await;
    app.settle().await;
    app.sim.delivered("response_url").into_iter().find(|a| a["response_url_tag"] == tag).expect("an answer")
}

/// Presses a button and returns the modal it opened.
async fn open(app: &TestApp, user: &str, action_id: &str, value: &str) -> Value {
    let before = app.sent("views.open").len();
    app.slack.press(user, action_id, value).await;
    app.settle().await;
    let opened = app.sent("views.open");
    assert_eq!(opened.len(), before + 1, "{action_id} by {user} opened a form");
    opened[before]["view"].clone()
}

fn goal(text: &str) -> Value {
    json!({ "goal": { "text_input": { "type": "plain_text_input", "value": text } } })
}

fn option(value: &str) -> Value {
    json!({ "text": { "type": "plain_text", "text": value }, "value": value })
}

/// The confidence form filled in: one rating per question, then the mentor's consent.
fn confidence(ratings: &[&str], recognition: Option<&str>, tell: Option<&str>) -> Value {
    let mut values = serde_json::Map::new();
    for (n, rating) in ratings.iter().enumerate() {
        let select = json!({ "rating_select": { "type": "static_select", "selected_option": option(rating) } });
        values.insert(format!("confidence_{n}"), select);
    }
    if let Some(r) = recognition {
        let select = json!({ "recognition_select": { "type": "static_select", "selected_option": option(r) } });
        values.insert("recognition".into(), select);
    }
    if let Some(user) = tell {
        values.insert("tell".into(), json!({ "user_select": { "type": "users_select", "selected_user": user } }));
    }
    Value::Object(values)
}

/// Opens `user`'s confidence form from the latest DM asking for it and submits it.
async fn rate(app: &TestApp, user: &str, side: &str, values: Value) {
    let invite = dm_with(app, user, "confidence_open");
    let value = invite["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["value"].as_str().map(str::to_owned))
        .find(|v| v.contains(&format!(":{side}:")))
        .unwrap_or_else(|| panic!("no {side} button for {user}"));
    let view = open(app, user, "confidence_open", &value).await;
    let answer = app.slack.submit(user, &view, values).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, ""), "{user}'s {side} form was refused");
    app.settle().await;
}

#[tokio::test]
async fn goals_are_asked_at_the_first_checkin_shown_in_later_ones_and_stay_with_the_pair() {
    let (app, clock) = alice_and_bob_joined().await;
    confirm_round(&app).await;
    app.ask(OWNER, "program set every 1").await;
    set_clock(&app, &clock, day(7, 12, 2026)).await;
    let first = &nudges(&app)[0];
    assert!(plain_text(&first["blocks"]).contains("Set your goals"), "{first}");
    let pair = button(first, "goal_set");

    let view = open(&app, ALICE, "goal_set", &pair).await;
    assert_eq!(view["callback_id"], "goal_modal");
    assert!(plain_text(&view["blocks"]).contains("What I want from mentoring"), "the mentor's question");
    for (bad, why) in [("   ", "Write your goal"), (&"x".repeat(301) as &str, "300 characters")] {
        let answer = app.slack.submit(ALICE, &view, goal(bad)).await;
        assert_eq!(answer.json()["response_action"], "errors", "{}", answer.body);
        assert!(answer.json()["errors"]["goal"].as_str().unwrap().contains(why), "{}", answer.body);
    }
    app.settle().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM goals").await, 0, "refused forms store nothing");
    app.slack.submit(ALICE, &view, goal("visibility with the finance leadership")).await;
    let view = open(&app, BOB, "goal_set", &pair).await;
    assert!(plain_text(&view["blocks"]).contains("What I want to learn"), "the mentee's question");
    app.slack.submit(BOB, &view, goal("use generative AI in my weekly reporting")).await;
    app.settle().await;
    assert!(dms(&app, BOB).iter().any(|t| t.contains("Saved your goal")));
    // Someone outside the pair cannot set one.
    app.slack.press(OWNER, "goal_set", &pair).await;
    app.settle().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM goals").await, 2);

    set_clock(&app, &clock, day(14, 12, 2026)).await;
    let second = plain_text(&nudges(&app)[1]["blocks"]);
    assert!(!second.contains("Set your goals"), "only the first check-in asks");
    assert!(second.contains(&format!("<@{ALICE}> wants from it: visibility with the finance leadership")), "{second}");
    assert!(second.contains(&format!("<@{BOB}> wants to learn: use generative AI in my weekly reporting")));

    // Bob marks his goal done from `/mentoring goals`; Alice cannot do it for him.
    let list = ask_raw(&app, BOB, "goals").await;
    assert!(plain_text(&list["blocks"]).contains("weekly reporting"));
    assert!(!plain_text(&list["blocks"]).contains("finance leadership"), "only his own goals");
    let done = list["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|b| (b["accessory"]["action_id"] == "goal_done").then(|| b["accessory"]["value"].clone()))
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("a Mark done button");
    let (_, tag) = app.slack.press_in_message(ALICE, "D1", "goal_done", &done).await;
    app.settle().await;
    assert!(app.answers(&tag)[0].contains("not yours"));
    let (_, tag) = app.slack.press_in_message(BOB, "D1", "goal_done", &done).await;
    app.settle().await;
    assert!(app.answers(&tag)[0].contains("Marked done"));
    set_clock(&app, &clock, day(21, 12, 2026)).await;
    let third = plain_text(&nudges(&app)[2]["blocks"]);
    assert!(third.contains("finance leadership") && !third.contains("weekly reporting"), "{third}");

    // Goals are the pair's: owners' figures never carry them.
    let status = program_status(&app.running.ctx.store, None, clock_today(&clock)).await.unwrap();
    let json = serde_json::to_string(&status).unwrap();
    assert!(!json.contains("finance leadership") && !json.contains("weekly reporting"), "{json}");
    let summary = app.ask(OWNER, "status").await;
    assert!(!summary.contains("finance leadership") && !summary.contains("weekly reporting"), "{summary}");

    // Forget-me takes a person's goals with their other words.
    app.ask(BOB, "forget-me").await;
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM goals WHERE author = '{BOB}'")).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM goals").await, 1, "Alice's stays hers");
}

#[tokio::test]
async fn confidence_before_and_after_a_round_gives_owners_the_uplift_of_those_who_answered_both() {
    let (app, clock) = alice_and_bob_joined().await;
    app.ask(CAROL, "join mentee generative AI dept:Sales").await;
    app.ask(DAN, "join mentor generative AI, prompting dept:Marketing").await;
    assert!(app.ask(OWNER, "program set round-length 2").await.contains("last 2 weeks"));
    // Joining asked each person, once, with the side they play.
    for user in [ALICE, BOB, CAROL, DAN] {
        let invites = dms(&app, user).into_iter().filter(|t| t.contains("how confident do you feel today")).count();
        assert_eq!(invites, 1, "{user}");
    }
    app.ask(BOB, "join mentee generative AI, prompting dept:Finance").await;
    assert_eq!(dms(&app, BOB).iter().filter(|t| t.contains("confident do you feel today")).count(), 1, "not again");

    // A form with an empty rating comes back with the error beside it.
    let view =
        open(&app, BOB, "confidence_open", &button(&dm_with(&app, BOB, "confidence_open"), "confidence_open")).await;
    assert!(plain_text(&view["blocks"]).contains("prompting"), "a question per skill Bob wants to learn");
    let answer = app.slack.submit(BOB, &view, confidence(&["1"], None, None)).await;
    assert!(answer.json()["errors"]["confidence_1"].as_str().unwrap().contains("from 1"), "{}", answer.body);

    rate(&app, BOB, "mentee", confidence(&["1", "2"], None, None)).await;
    rate(&app, CAROL, "mentee", confidence(&["2"], None, None)).await;
    rate(&app, ALICE, "mentor", confidence(&["2", "1"], Some("no"), None)).await;
    rate(&app, DAN, "mentor", confidence(&["3", "3"], None, None)).await;
    confirm_round(&app).await;

    set_clock(&app, &clock, day(15, 12, 2026)).await;
    assert!(dms(&app, BOB).iter().all(|t| !t.contains("come to its end")), "the round lasts two weeks");
    set_clock(&app, &clock, start() + chrono::Duration::weeks(2)).await;
    for user in [ALICE, BOB, CAROL, DAN] {
        assert_eq!(dms(&app, user).iter().filter(|t| t.contains("come to its end")).count(), 1, "{user}");
    }
    let app = app.restart().await;
    app.settle().await;
    assert_eq!(dms(&app, BOB).iter().filter(|t| t.contains("come to its end")).count(), 1, "asked once");

    // After: Bob AI 1→4, prompting 2→3; Carol AI 2→3; Alice teaching 2→4, domain 1→4;
    // Dan does not answer, so his "before" counts nowhere.
    rate(&app, BOB, "mentee", confidence(&["4", "3"], None, None)).await;
    rate(&app, CAROL, "mentee", confidence(&["3"], None, None)).await;
    rate(&app, ALICE, "mentor", confidence(&["4", "4"], None, None)).await;
    let status = program_status(&app.running.ctx.store, None, clock_today(&clock)).await.unwrap();
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(
        json["uplift"],
        json!({
            "mentees": { "generative AI": (3.0 + 1.0) / 2.0, "prompting": 1.0 },
            "mentors": { "teaching": 2.0, "domain": 3.0 }
        })
    );
    let summary = app.ask(OWNER, "status").await;
    assert!(summary.contains("mentees generative AI +2, prompting +1 · mentors domain +3, teaching +2"), "{summary}");
    // Mentors who did not agree are never thanked; none did here.
    assert!(dms(&app, ALICE).iter().chain(&dms(&app, DAN)).all(|t| !t.contains("Thank you for mentoring")));
}

#[tokio::test]
async fn only_mentors_who_agreed_are_thanked_and_only_the_person_they_named_is_told() {
    let (app, clock) = alice_and_bob_joined().await;
    app.ask(CAROL, "join mentee generative AI dept:Sales").await;
    app.ask(DAN, "join mentor generative AI dept:Marketing").await;
    app.ask(OWNER, "program set round-length 2").await;
    // Telling someone needs the person: the form says so beside the field.
    let invite = dm_with(&app, ALICE, "confidence_open");
    let view = open(&app, ALICE, "confidence_open", &button(&invite, "confidence_open_mentor")).await;
    let answer = app.slack.submit(ALICE, &view, confidence(&["2", "2"], Some("thank_and_tell"), None)).await;
    assert!(answer.json()["errors"]["tell"].as_str().unwrap().contains("Pick the person"), "{}", answer.body);
    rate(&app, ALICE, "mentor", confidence(&["2", "2"], Some("thank_and_tell"), Some(MANAGER))).await;
    rate(&app, DAN, "mentor", confidence(&["2", "2"], Some("no"), Some(MANAGER))).await;
    rate(&app, BOB, "mentee", confidence(&["1", "1"], None, None)).await;
    rate(&app, CAROL, "mentee", confidence(&["1"], None, None)).await;
    confirm_round(&app).await;
    let pool = app.db().await;
    let alices_mentee: String = sqlx::query_scalar(
        "SELECT e.user_id FROM pairs p JOIN participants m ON m.id = p.mentor_id
         JOIN participants e ON e.id = p.mentee_id WHERE m.user_id = $1 AND p.status = 'active'",
    )
    .bind(ALICE)
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    let dans_mentee = if alices_mentee == BOB { CAROL } else { BOB };

    // One session in Alice's pair, with a private reflection naming a skill.
    set_clock(&app, &clock, day(14, 12, 2026)).await;
    let nudge = nudges(&app).into_iter().find(|m| plain_text(&m["blocks"]).contains(ALICE)).expect("Alice's check-in");
    let checkin = button(&nudge, "checkin_met");
    app.slack.press_in_message(&alices_mentee, "G1", "checkin_met", &checkin).await;
    app.settle().await;
    let form = app.sent("views.open").pop().unwrap()["view"].clone();
    app.slack.submit(&alices_mentee, &form, reflection("SECRET-WORDS about prompts", Some("5"), "private")).await;
    app.settle().await;

    set_clock(&app, &clock, start() + chrono::Duration::weeks(2)).await;
    let thanks: Vec<String> = dms(&app, ALICE).into_iter().filter(|t| t.contains("Thank you for mentoring")).collect();
    assert_eq!(thanks.len(), 1);
    assert!(thanks[0].contains("1 session") && thanks[0].contains("prompting"), "{}", thanks[0]);
    let note = dms(&app, MANAGER);
    assert_eq!(note.len(), 1, "the person Alice named, once: {note:?}");
    assert!(note[0].contains(&format!("<@{ALICE}> has been a reverse mentor")), "{}", note[0]);
    assert!(!note[0].contains(&alices_mentee), "the note names no mentee");
    for text in thanks.iter().chain(&note) {
        assert!(!text.contains("SECRET-WORDS") && !text.contains("budget cycle"), "never the mentee's words");
    }
    assert!(dms(&app, DAN).iter().all(|t| !t.contains("Thank you for mentoring")), "Dan said no");

    // The mentees' "after" reaches a thanked mentor as one number, and nobody else.
    rate(&app, &alices_mentee, "mentee", confidence(&["4", "3"], None, None)).await;
    rate(&app, dans_mentee, "mentee", confidence(&["5", "5"], None, None)).await;
    let progress: Vec<String> = dms(&app, ALICE).into_iter().filter(|t| t.contains("confidence in")).collect();
    let expected = if alices_mentee == BOB { "+2.5" } else { "+3" };
    assert_eq!(progress.len(), 1, "{progress:?}");
    assert!(progress[0].contains(expected), "{}", progress[0]);
    assert!(dms(&app, DAN).iter().all(|t| !t.contains("confidence in")));
}

#[tokio::test]
async fn kudos_go_to_a_mentee_s_own_mentor_privately_or_also_to_the_owners() {
    let (app, _clock) = alice_and_bob_joined().await;
    confirm_round(&app).await;
    let answer = app.ask(BOB, &format!("kudos <@{ALICE}> you made prompts click")).await;
    assert!(answer.contains("privately"), "{answer}");
    let to_alice: Vec<String> = dms(&app, ALICE).into_iter().filter(|t| t.contains("kudos")).collect();
    assert_eq!(to_alice.len(), 1);
    assert!(to_alice[0].contains(&format!("<@{BOB}>")) && to_alice[0].contains("you made prompts click"));
    assert!(dms(&app, OWNER).iter().all(|t| !t.contains("thanked")), "private kudos stay private");

    let answer = app.ask(BOB, &format!("kudos <@{ALICE}> public thank you for the AI sessions")).await;
    assert!(answer.contains("owners were told"), "{answer}");
    assert!(dms(&app, OWNER).iter().any(|t| t.contains("publicly thanked") && t.contains("AI sessions")));

    for (who, mentor) in [(CAROL, ALICE), (ALICE, BOB), (BOB, BOB)] {
        let before = app.sent("chat.postMessage").len();
        let answer = app.ask(who, &format!("kudos <@{mentor}> thanks")).await;
        assert!(answer.contains("was never your mentor"), "{who} → {mentor}: {answer}");
        assert_eq!(app.sent("chat.postMessage").len(), before, "nothing sent");
    }
}
