//! Two people's handlers at once, as two replicas (or two workers) run them: the first
//! is held at the start of its change, after every read it makes outside it, while
//! the second runs to the end; then the first writes. Whatever it decided must still
//! hold: one of the two wins and the other is told so, nothing is lost or sent twice.

use serde_json::Value;
use tokio::task::JoinHandle;
use upward::domain::import::{Change, ImportPlan, OrgEntry};
use upward::event::Event;
use upward::jobs::consumer::consume_next;
use upward::slack::inbound::forms::ExitForm;
use upward::slack::messages::plain_text;
use upward::store::{Delivery, HeldChange};

use crate::given::{self, CAROL};
use crate::helpers::*;

/// Handles the one entry waiting in the inbox up to the start of its change, and
/// holds it there.
async fn hold_next(app: &TestApp) -> (HeldChange, JoinHandle<()>) {
    let mut held = app.running.ctx.store.hold_next_change();
    let ctx = app.running.ctx.clone();
    let handling = tokio::spawn(async move { assert!(consume_next(&ctx).await.expect("a handled entry")) });
    held.reached().await;
    (held, handling)
}

/// Holds the entry waiting in the inbox at the start of its change while Alice's exit
/// (from her form `view`) ends her pair, then lets the held change go on.
async fn alice_ends_the_pair_meanwhile(app: &TestApp, view: &Value) {
    let (held, handling) = hold_next(app).await;
    app.slack.submit(ALICE, view, ExitForm { reason: "No time", share: false }.values()).await;
    app.settle().await;
    finish(app, held, handling).await;
}

/// Lets the held change go on, then sends what both handlers queued.
async fn finish(app: &TestApp, held: HeldChange, handling: JoinHandle<()>) {
    held.release();
    handling.await.expect("the held handler ends");
    app.settle().await;
}

/// Stores an event as the scheduler would, to be handled next.
async fn store_event(app: &TestApp, event: &Event, key: &str) {
    let delivery = Delivery {
        dedupe_key: key.to_owned(),
        payload: serde_json::to_string(event).unwrap(),
        lane: event.lane(),
        urgent: false,
    };
    assert!(app.running.ctx.store.receive(delivery, given::start().timestamp()).await.unwrap());
}

fn dms_to(app: &TestApp, user: &str) -> Vec<String> {
    app.sent("chat.postMessage")
        .into_iter()
        .filter(|m| m["channel"] == user)
        .map(|m| plain_text(&m["blocks"]))
        .collect()
}

async fn id_of(app: &TestApp, sql: &str) -> i64 {
    app.count(sql).await
}

const LIVE_PAIRS: &str = "SELECT COUNT(*) FROM pairs WHERE status = 'active'";

/// Alice's exit form for her live pair with Bob, opened from the introduction.
async fn exit_form(app: &TestApp) -> Value {
    let intro = app.sent("chat.postMessage").into_iter().find(|m| m.to_string().contains("intro_wont_work")).unwrap();
    app.slack.press_in_message(ALICE, "G1", "intro_wont_work", &button(&intro, "intro_wont_work")).await;
    app.settle().await;
    app.sent("views.open").pop().expect("the exit form")["view"].clone()
}

#[tokio::test]
async fn an_owner_ending_a_pair_its_mentor_just_left_tells_nobody_twice() {
    let (app, _clock) = given::live_pair().await;
    let view = exit_form(&app).await;
    let (_, tag) = app.slack.command(OWNER, &format!("unpair <@{BOB}>")).await;
    alice_ends_the_pair_meanwhile(&app, &view).await;

    assert_eq!(app.count("SELECT COUNT(*) FROM pairs WHERE status = 'ended' AND ended_by = 'U0ALICE01'").await, 1);
    let ended = dms_to(&app, BOB).into_iter().filter(|m| m.contains("has ended")).count();
    assert_eq!(ended, 1, "Bob hears once that his pair ended: {:?}", dms_to(&app, BOB));
    let answer = app.answers(&tag).join("\n");
    assert!(answer.contains("has no live pair"), "the owner hears that nothing was left to end: {answer}");
}

#[tokio::test]
async fn both_people_leaving_at_once_end_the_pair_once_and_both_hear_back() {
    let (app, _clock) = given::live_pair().await;
    let view = exit_form(&app).await;
    app.slack.submit(BOB, &view, ExitForm { reason: "Busy", share: false }.values()).await;
    alice_ends_the_pair_meanwhile(&app, &view).await;

    assert_eq!(app.count("SELECT COUNT(*) FROM pairs WHERE status = 'ended' AND ended_by = 'U0ALICE01'").await, 1);
    let to_bob = dms_to(&app, BOB);
    assert_eq!(to_bob.iter().filter(|m| m.contains("has ended")).count(), 1, "{to_bob:?}");
    assert!(to_bob.iter().any(|m| m.contains("no live mentoring pair to end")), "Bob hears back: {to_bob:?}");
    let to_owner = dms_to(&app, OWNER);
    assert_eq!(to_owner.iter().filter(|m| m.contains("was ended by one of them")).count(), 1, "{to_owner:?}");
}

#[tokio::test]
async fn two_owners_changing_settings_at_once_keep_both_changes() {
    let app = spawn_app().await;
    app.sim.add_user(CAROL, "Carol Owner", Some("Europe/London"));
    assert!(app.ask(OWNER, "owners add <@U0CAROL01|carol>").await.contains("is now a program owner"));
    app.slack.command(OWNER, "program set min-gap 1").await;
    let (held, handling) = hold_next(&app).await;
    assert!(app.ask(CAROL, "program set round-length 2").await.contains("last 2 weeks"));
    finish(&app, held, handling).await;

    let both = app.count("SELECT COUNT(*) FROM programs WHERE min_level_gap = 1 AND round_length_weeks = 2").await;
    assert_eq!(both, 1, "neither owner's setting is lost");
}

#[tokio::test]
async fn two_owners_adding_skills_at_once_never_pass_the_catalogues_cap() {
    let app = spawn_app().await;
    app.sim.add_user(CAROL, "Carol Owner", Some("Europe/London"));
    assert!(app.ask(OWNER, "owners add <@U0CAROL01|carol>").await.contains("is now a program owner"));
    let tags: Vec<String> = (0..230).map(|i| format!("tag{i}")).collect();
    app.ask(OWNER, &format!("skills add {}", tags[..150].join(", "))).await;
    let (_, tag) = app.slack.command(OWNER, &format!("skills add {}", tags[150..180].join(", "))).await;
    let (held, handling) = hold_next(&app).await;
    let carol = app.ask(CAROL, &format!("skills add {}", tags[180..].join(", "))).await;
    assert!(carol.contains("200"), "{carol}");
    finish(&app, held, handling).await;

    assert_eq!(app.count("SELECT COUNT(*) FROM program_skills").await, 200, "Carol's fifty, and not the thirty after");
    let answer = app.answers(&tag).join("\n");
    assert!(answer.contains("so 0 more fit"), "the owner whose change came second hears why: {answer}");
}

#[tokio::test]
async fn a_project_pick_whose_junior_leaves_meanwhile_pairs_nobody() {
    let (app, _clock) = given::alice_and_bob_joined().await;
    app.ask(CAROL, "join mentor prompting, video dept:Marketing").await;
    let (_, tag) = app.slack.command(OWNER, &format!("project 2026-12-31 <@{BOB}> video, prompting: a film")).await;
    app.settle().await;
    let proposal = app.sim.delivered("response_url").into_iter().find(|a| a["response_url_tag"] == tag).unwrap();
    let (carol, value) = crate::projects::picks(&proposal).into_iter().next().expect("a junior to pick");
    assert!(carol.contains(CAROL), "{carol}");
    let (_, pick) = app.slack.press_in_message(OWNER, "D1", "project_pick", &value).await;
    let (held, handling) = hold_next(&app).await;
    app.ask(CAROL, "leave").await;
    finish(&app, held, handling).await;

    assert_eq!(app.count("SELECT COUNT(*) FROM projects WHERE status = 'live'").await, 0, "nobody paired");
    assert_eq!(app.count(LIVE_PAIRS).await, 0);
    let answer = app.answers(&pick).join("\n");
    assert!(answer.contains("no longer open"), "the owner hears nothing was done: {answer}");
}

#[tokio::test]
async fn an_automatic_round_planned_before_a_confirm_plans_again_and_pairs_nobody_twice() {
    let (app, _clock) = given::alice_and_bob_joined().await;
    app.ask(OWNER, "match").await;
    let program_id = id_of(&app, "SELECT MIN(id) FROM programs").await;
    store_event(&app, &Event::ScheduledRound { program_id, due: given::start().timestamp() }, "race:round").await;
    let (held, handling) = hold_next(&app).await;
    assert!(app.ask(OWNER, "match confirm").await.contains("1 pair is live"));
    finish(&app, held, handling).await;

    assert_eq!(app.count(LIVE_PAIRS).await, 1, "Alice and Bob are paired once");
    assert_eq!(app.count("SELECT COUNT(*) FROM rounds WHERE status = 'confirmed'").await, 1);
}

#[tokio::test]
async fn a_confirm_checked_before_an_automatic_round_makes_nothing_live() {
    let (app, _clock) = given::alice_and_bob_joined().await;
    app.ask(OWNER, "match").await;
    let program_id = id_of(&app, "SELECT MIN(id) FROM programs").await;
    let (_, tag) = app.slack.command(OWNER, "match confirm").await;
    let (held, handling) = hold_next(&app).await;
    store_event(&app, &Event::ScheduledRound { program_id, due: given::start().timestamp() }, "race:round").await;
    app.settle().await;
    assert_eq!(app.count(LIVE_PAIRS).await, 1, "the automatic round paired them");
    finish(&app, held, handling).await;

    assert_eq!(app.count(LIVE_PAIRS).await, 1, "the preview's pair does not go live beside it");
    let answer = app.answers(&tag).join("\n");
    assert!(!answer.contains("Round confirmed") && answer.contains("nothing to confirm"), "{answer}");
}

#[tokio::test]
async fn a_check_in_due_as_the_pair_pauses_is_not_sent() {
    let (app, _clock) = given::live_pair().await;
    let pair_id = id_of(&app, "SELECT MIN(id) FROM pairs WHERE status = 'active'").await;
    let to_pairs = || {
        app.sent("chat.postMessage").into_iter().filter(|m| m["channel"].as_str().is_some_and(|c| c.starts_with('G')))
    };
    let introductions = to_pairs().count();
    store_event(&app, &Event::CheckinDue { pair_id, due: given::start().timestamp() }, "race:checkin").await;
    let (held, handling) = hold_next(&app).await;
    let (_, tag) = app.slack.press_in_message(BOB, "G1", "pair_pause", &pair_id.to_string()).await;
    app.settle().await;
    assert!(app.answers(&tag).join("").contains("Your pair is paused"));
    finish(&app, held, handling).await;

    assert_eq!(app.count("SELECT COUNT(*) FROM pairs WHERE paused_at IS NOT NULL").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM checkins").await, 0, "a paused pair gets no check-in");
    assert_eq!(to_pairs().count(), introductions, "nothing more was posted to the pair");
}

#[tokio::test]
async fn a_profile_edited_as_an_import_is_applied_keeps_the_import() {
    let app = spawn_app().await;
    let (store, team) = (&app.running.ctx.store, app.running.ctx.team_id.clone());
    let entry = |department: &str| OrgEntry { level: Some(6), department: Some(department.into()), manager: None };
    let import = |before: Option<OrgEntry>, after: OrgEntry| ImportPlan {
        rows_read: 1,
        changes: vec![Change { line: 2, user_id: BOB.into(), email: "bob@example.com".into(), before, after }],
        ..ImportPlan::default()
    };
    let now = given::start().timestamp();
    upward::commands::imports::apply(store, &team, OWNER, "chart.csv", &import(None, entry("Finance")), now)
        .await
        .unwrap();
    app.ask(BOB, "join mentee generative AI").await;
    let department = "SELECT COUNT(*) FROM participants WHERE user_id = 'U0BOB0001' AND department = ";
    assert_eq!(app.count(&format!("{department}'Finance'")).await, 1, "the chart's department");

    // Bob's time zone is cached now, so his next join would be made as it is stored,
    // one change with nothing to interleave; forgotten by the directory, it goes to
    // the handlers, whose reads come before their change.
    sqlx::query("DELETE FROM slack_users WHERE user_id = $1").bind(BOB).execute(&app.db().await).await.unwrap();
    app.slack.command(BOB, "join mentee generative AI, prompting").await;
    let (held, handling) = hold_next(&app).await;
    let moved = import(Some(entry("Finance")), entry("Treasury"));
    upward::commands::imports::apply(store, &team, OWNER, "chart.csv", &moved, now).await.unwrap();
    finish(&app, held, handling).await;

    assert_eq!(app.count(&format!("{department}'Treasury'")).await, 1, "the import's department stays");
    let learns = "SELECT COUNT(*) FROM participants WHERE user_id = 'U0BOB0001' AND learn_skills LIKE '%prompting%'";
    assert_eq!(app.count(learns).await, 1, "and so does Bob's edit");
}

/// "Not yet" pressed on a check-in as the pair ends: the end wins, nothing is recorded
/// on the ended pair, and Bob hears why.
#[tokio::test]
async fn a_check_in_answered_as_its_pair_ends_records_nothing() {
    let (app, _clock) = given::live_pair().await;
    let pair_id = id_of(&app, "SELECT MIN(id) FROM pairs WHERE status = 'active'").await;
    store_event(&app, &Event::CheckinDue { pair_id, due: given::start().timestamp() }, "race:checkin").await;
    app.settle().await;
    let nudge = app.sent("chat.postMessage").into_iter().find(|m| m.to_string().contains("checkin_not_yet")).unwrap();
    let view = exit_form(&app).await;
    let (_, tag) = app.slack.press_in_message(BOB, "G1", "checkin_not_yet", &button(&nudge, "checkin_not_yet")).await;
    alice_ends_the_pair_meanwhile(&app, &view).await;

    assert_eq!(app.count(LIVE_PAIRS).await, 0, "Alice's exit ended the pair");
    assert_eq!(app.count("SELECT COUNT(*) FROM checkins WHERE answer IS NOT NULL").await, 0, "nothing recorded");
    let answer = app.answers(&tag).join("\n");
    assert!(answer.contains("This pair has ended"), "Bob hears why nothing was recorded: {answer}");
}

/// A goal submitted as its pair ends: the end wins, no goal is kept for the ended pair,
/// and Bob hears why.
#[tokio::test]
async fn a_goal_submitted_as_its_pair_ends_is_not_kept() {
    let (app, _clock) = given::live_pair().await;
    let pair_id = id_of(&app, "SELECT MIN(id) FROM pairs WHERE status = 'active'").await;
    app.slack.press(BOB, "goal_set", &pair_id.to_string()).await;
    app.settle().await;
    let goal_form = app.sent("views.open").pop().expect("Bob's goal form")["view"].clone();
    let view = exit_form(&app).await;
    let goal = serde_json::json!({ "goal": { "text_input": { "type": "plain_text_input", "value": "use AI" } } });
    app.slack.submit(BOB, &goal_form, goal).await;
    alice_ends_the_pair_meanwhile(&app, &view).await;

    assert_eq!(app.count(LIVE_PAIRS).await, 0, "Alice's exit ended the pair");
    assert_eq!(app.count("SELECT COUNT(*) FROM goals").await, 0, "no goal kept for the ended pair");
    let to_bob = dms_to(&app, BOB);
    assert!(to_bob.iter().any(|m| m.contains("This pair has ended")), "Bob hears why: {to_bob:?}");
}
