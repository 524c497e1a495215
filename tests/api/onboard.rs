//! Bringing people in without typing: the org-chart import (an owner's CSV in the
//! app's DM, looked up by email, a dry run, *Apply*) and channel opt-in (joining a
//! program's channel invites; leaving asks), through the signed edge and the simulator.

use serde_json::Value;
use std::sync::Arc;

use upward::clock::ManualClock;
use upward::slack::ids;
use upward::slack::messages::plain_text;

use crate::given::*;
use crate::helpers::*;

/// The owner's DM with the app, as Slack names it.
const OWNER_DM: &str = "D0OWNER01";
const CHANNEL: &str = "C0MENTOR1";

/// An HR export with every kind of row: a person whose level is new (Alice), a person
/// who set her own level (Bob), an email nobody has, the same person twice, a bad
/// level, and a manager who is in Slack (the owner).
const PEOPLE: &str = "Work Email,Grade,Department,Manager Email\n\
    alice@example.com,2,Engineering,olga@example.com\n\
    BOB@example.com,8,Finance,olga@example.com\n\
    ghost@example.com,3,Sales,\n\
    bob@example.com,8,Finance,olga@example.com\n\
    carol@example.com,eleven,Ops,\n";

fn dms(app: &TestApp, user: &str) -> Vec<Value> {
    app.sent("chat.postMessage").into_iter().filter(|m| m["channel"] == user).collect()
}

fn dm_texts(app: &TestApp, user: &str) -> Vec<String> {
    dms(app, user).iter().map(|m| plain_text(&m["blocks"])).collect()
}

/// `users.lookupByEmail` calls, found or not.
fn lookups(app: &TestApp) -> usize {
    app.sim.count_calls(|c| c.method == "users.lookupByEmail")
}

fn latest_dm_with(app: &TestApp, user: &str, action_id: &str) -> Value {
    dms(app, user)
        .into_iter()
        .rev()
        .find(|m| m.to_string().contains(action_id))
        .unwrap_or_else(|| panic!("no DM to {user} with {action_id}"))
}

async fn levels(app: &TestApp) -> Vec<(String, Option<i64>, Option<String>, Option<String>)> {
    let pool = app.db().await;
    let rows = sqlx::query_as("SELECT user_id, level, department, manager FROM participants ORDER BY user_id")
        .fetch_all(&pool)
        .await
        .expect("participants");
    pool.close().await;
    rows
}

/// Alice and Bob joined (Bob gave his own level, 9); everyone has a work email in Slack.
async fn company() -> (TestApp, Arc<ManualClock>) {
    let (app, clock) = alice_and_bob_joined().await;
    app.ask(BOB, "join mentee generative AI, prompting dept:Finance level 9").await;
    for (user, email) in [(ALICE, "alice@example.com"), (BOB, "bob@example.com"), (OWNER, "olga@example.com")] {
        app.sim.set_email(user, email);
    }
    app.sim.add_user(CAROL, "Carol Senior", Some("Europe/London"));
    app.sim.set_email(CAROL, "carol@example.com");
    (app, clock)
}

/// `user` shares a file into `channel`; a few seconds pass (Slack paces one DM a
/// second per conversation, and the test's clock stands still otherwise).
async fn upload(app: &TestApp, clock: &ManualClock, user: &str, channel: &str, name: &str, bytes: &str) {
    let file = app.sim.host_file(user, channel, name, bytes.as_bytes());
    let answer = app.slack.file_shared(user, channel, &file).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    app.settle().await;
    clock.advance(chrono::Duration::seconds(5));
    app.settle().await;
}

#[tokio::test]
async fn an_owners_csv_is_looked_up_shown_as_a_dry_run_and_applied_once_on_apply() {
    let (app, clock) = company().await;
    let before = levels(&app).await;
    assert!(app.ask(OWNER, "import").await.contains("upload your HR export as a CSV"));

    upload(&app, &clock, OWNER, OWNER_DM, "people.csv", PEOPLE).await;
    let report = dm_texts(&app, OWNER).pop().expect("a dry run in the owner's DM");
    for expected in [
        "Dry run of people.csv",
        "5 rows read",
        "2 people would be updated",
        "1 row matches nobody",
        "line 4: no one in Slack has ghost@example.com",
        "line 5: bob@example.com again (as on line 3); applied once",
        "line 6: level `eleven` is not 1–12",
    ] {
        assert!(report.contains(expected), "{expected}: {report}");
    }
    // Each email once: the people, their manager, the unknown one; nothing guessed.
    assert_eq!(lookups(&app), 4);
    assert_eq!(app.sent("users.lookupByEmail").len(), 3, "ghost@ is Slack's users_not_found");
    assert_eq!(app.sent("files.info").len(), 1);
    assert_eq!(app.sim.calls().iter().filter(|c| c.method == slack_sim::DOWNLOAD && c.ok).count(), 1);
    assert_eq!(levels(&app).await, before, "a dry run changes nothing");
    assert_eq!(app.count("SELECT COUNT(*) FROM org_chart").await, 0);

    let dry_run = latest_dm_with(&app, OWNER, ids::IMPORT_APPLY);
    let import = button(&dry_run, ids::IMPORT_APPLY);
    let (answer, tag) = app.slack.press_in_message(OWNER, OWNER_DM, ids::IMPORT_APPLY, &import).await;
    assert_eq!(answer.status, 200);
    app.settle().await;
    let applied = app.answers(&tag).join("\n");
    assert!(applied.contains("Imported people.csv") && applied.contains("2 people were updated"), "{applied}");

    // Alice had no level: the chart's. Bob set his own (9): kept. Both get the manager.
    let after = levels(&app).await;
    let alice = after.iter().find(|r| r.0 == ALICE).unwrap();
    let bob = after.iter().find(|r| r.0 == BOB).unwrap();
    assert_eq!((alice.1, alice.3.as_deref()), (Some(2), Some(OWNER)));
    assert_eq!((bob.1, bob.3.as_deref()), (Some(9), Some(OWNER)));
    assert_eq!(app.count("SELECT COUNT(*) FROM org_chart").await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM imports WHERE plan = '{}'").await, 1, "closed: figures kept, rows not");

    // A second press (or another owner's) changes nothing more.
    let (_, again) = app.slack.press_in_message(OWNER, OWNER_DM, ids::IMPORT_APPLY, &import).await;
    app.settle().await;
    assert!(app.answers(&again).join("").contains("already applied"));

    let status = app.ask(OWNER, "status").await;
    assert!(status.contains("5 rows read, 2 updated, 0 unchanged, 1 unmatched, 1 refused"), "{status}");

    // The same file again: found people come from the cache, and ghost@ was just
    // asked about: Slack is asked nothing.
    upload(&app, &clock, OWNER, OWNER_DM, "people.csv", PEOPLE).await;
    assert_eq!(lookups(&app), 4, "nothing is looked up again");
    assert!(dm_texts(&app, OWNER).pop().unwrap().contains("0 people would be updated, 2 already up to date"));
}

#[tokio::test]
async fn someone_joining_after_the_import_gets_the_charts_fields_and_can_correct_them() {
    let (app, clock) = company().await;
    upload(&app, &clock, OWNER, OWNER_DM, "people.csv", "email,level,department\ncarol@example.com,7,Ops\n").await;
    let import = button(&latest_dm_with(&app, OWNER, ids::IMPORT_APPLY), ids::IMPORT_APPLY);
    app.slack.press_in_message(OWNER, OWNER_DM, ids::IMPORT_APPLY, &import).await;
    app.settle().await;

    app.ask(CAROL, "join mentee prompting").await;
    let carol = levels(&app).await.into_iter().find(|r| r.0 == CAROL).unwrap();
    assert_eq!((carol.1, carol.2.as_deref()), (Some(7), Some("Ops")));
    app.ask(CAROL, "join mentee prompting level 6").await;
    let carol = levels(&app).await.into_iter().find(|r| r.0 == CAROL).unwrap();
    assert_eq!(carol.1, Some(6), "her own correction wins");

    app.ask(CAROL, "forget-me").await;
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM org_chart WHERE user_id = '{CAROL}'")).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM slack_users WHERE email = 'carol@example.com'").await, 0);
}

#[tokio::test]
async fn bad_files_and_members_uploads_get_a_clear_answer_and_change_nothing() {
    let (app, clock) = company().await;
    upload(&app, &clock, OWNER, OWNER_DM, "people.csv", "Name,Grade\nAda,3\n").await;
    let answer = dm_texts(&app, OWNER).pop().unwrap();
    assert!(answer.contains("no email column") && answer.contains("`Name`, `Grade`"), "{answer}");

    upload(&app, &clock, OWNER, OWNER_DM, "photo.png", "not a csv").await;
    assert!(dm_texts(&app, OWNER).pop().unwrap().contains("is not a CSV file"));

    // Other header names, said first, are used for the next upload.
    let saved = app.ask(OWNER, "import email=Mail,level=Band").await;
    assert!(saved.contains("email = `Mail`"), "{saved}");
    upload(&app, &clock, OWNER, OWNER_DM, "hr.csv", "Mail,Band\nalice@example.com,3\n").await;
    assert!(dm_texts(&app, OWNER).pop().unwrap().contains("1 person would be updated"));

    // Two dry runs: applying the newer makes the older stale, and it is not applied.
    upload(&app, &clock, OWNER, OWNER_DM, "hr.csv", "Mail,Band\nalice@example.com,4\n").await;
    let older = button(&latest_dm_with(&app, OWNER, ids::IMPORT_APPLY), ids::IMPORT_APPLY);
    upload(&app, &clock, OWNER, OWNER_DM, "hr.csv", "Mail,Band\nalice@example.com,5\n").await;
    let newer = button(&latest_dm_with(&app, OWNER, ids::IMPORT_APPLY), ids::IMPORT_APPLY);
    app.slack.press_in_message(OWNER, OWNER_DM, ids::IMPORT_APPLY, &newer).await;
    let (_, tag) = app.slack.press_in_message(OWNER, OWNER_DM, ids::IMPORT_APPLY, &older).await;
    app.settle().await;
    let stale = app.answers(&tag).join("");
    assert!(stale.contains("A newer import was applied"), "{stale}");
    assert_eq!(app.count(&format!("SELECT level FROM participants WHERE user_id = '{ALICE}'")).await, 5);

    let before = app.count("SELECT COUNT(*) FROM imports").await;
    upload(&app, &clock, ALICE, "D0ALICE01", "people.csv", PEOPLE).await;
    assert!(dm_texts(&app, ALICE).pop().unwrap().contains("only program owners can import the org chart"));
    assert_eq!(app.count("SELECT COUNT(*) FROM imports").await, before);
    assert_eq!(lookups(&app), 1, "only hr.csv's Alice; a member's file is never looked up");

    // A file the app shares itself (an export) and files in channels are not imports.
    let own = app.sim.host_file(slack_sim::BOT_USER_ID, OWNER_DM, "export.csv", b"email\n");
    app.slack.file_shared(slack_sim::BOT_USER_ID, OWNER_DM, &own).await;
    let public = app.sim.host_file(OWNER, "C0GENERAL", "people.csv", PEOPLE.as_bytes());
    app.slack.file_shared(OWNER, "C0GENERAL", &public).await;
    app.settle().await;
    assert_eq!(app.sent("files.info").len(), 6, "only the six DM uploads were read");
}

#[tokio::test]
async fn joining_a_programs_channel_invites_and_leaving_it_asks_whether_to_pause_or_leave() {
    let (app, _clock) = company().await;
    let set = app.ask(OWNER, &format!("program set channel <#{CHANNEL}|reverse-mentoring>")).await;
    assert!(set.contains(&format!("<#{CHANNEL}>")), "{set}");
    assert!(app.ask(OWNER, "program set channel #reverse-mentoring").await.contains("turns blue"));

    // Joining another channel, or the app itself joining, is nothing to act on.
    app.slack.channel_member(CAROL, "C0RANDOM1", true).await;
    app.slack.channel_member(slack_sim::BOT_USER_ID, CHANNEL, true).await;
    app.settle().await;
    assert!(dms(&app, CAROL).is_empty());

    let answer = app.slack.channel_member(CAROL, CHANNEL, true).await;
    assert_eq!(answer.status, 200);
    app.settle().await;
    let invitation = latest_dm_with(&app, CAROL, ids::CHANNEL_JOIN_MENTEE);
    assert!(plain_text(&invitation["blocks"]).contains("Want to take part?"));
    let program = button(&invitation, ids::CHANNEL_JOIN_MENTEE);
    app.slack.press(CAROL, ids::CHANNEL_JOIN_MENTEE, &program).await;
    app.settle().await;
    let form = app.sent("views.open").pop().expect("the join form opens");
    let blocks = form["view"]["blocks"].as_array().expect("blocks").clone();
    let role = blocks.iter().find(|b| b["block_id"] == ids::ROLE_BLOCK).expect("the role question");
    assert_eq!(role["element"]["initial_option"]["value"], "mentee", "the side Carol picked is chosen");
    app.ask(CAROL, "join mentee prompting").await;

    // Someone already in the program is not invited again.
    app.slack.channel_member(ALICE, CHANNEL, true).await;
    app.settle().await;
    assert!(!dm_texts(&app, ALICE).iter().any(|t| t.contains("Want to take part?")));

    let status = app.ask(OWNER, "status").await;
    assert!(status.contains("1 person invited on joining it, 1 of them joined the program"), "{status}");

    app.slack.channel_member(CAROL, CHANNEL, false).await;
    app.settle().await;
    let farewell = latest_dm_with(&app, CAROL, ids::CHANNEL_LEAVE);
    assert!(plain_text(&farewell["blocks"]).contains("pause mentoring for a while, or leave"));
    assert_eq!(app.participant(CAROL).await.unwrap().1, "active", "leaving the channel alone changes nothing");
    let (_, tag) = app.slack.press_in_message(CAROL, "D0CAROL01", ids::CHANNEL_LEAVE, &program).await;
    app.settle().await;
    assert!(!app.answers(&tag).is_empty());
    assert_eq!(app.participant(CAROL).await.unwrap().1, "left");

    // Someone who never joined the program is not asked anything on leaving.
    let before = dms(&app, DAN).len();
    app.slack.channel_member(DAN, CHANNEL, false).await;
    app.settle().await;
    assert_eq!(dms(&app, DAN).len(), before);
}

/// A file bigger than one upload's lookups: the first upload asks Slack about 45
/// emails and says the rest are not checked yet (no guess, no half-planned person);
/// the same file again finds those 45 in the cache (people found) or in the hour's
/// misses (emails nobody has) and asks only about the rest.
#[tokio::test]
async fn a_big_file_is_looked_up_across_uploads_within_slacks_pace() {
    let (app, clock) = company().await;
    let mut file = String::from("email,level\n");
    for i in 0..40 {
        let (user, email) = (format!("U0P{i:06}"), format!("p{i}@example.com"));
        app.sim.set_email(&user, &email);
        file.push_str(&format!("{email},3\n"));
        if i % 4 == 0 {
            file.push_str(&format!("left{i}@example.com,3\n"));
        }
    }
    upload(&app, &clock, OWNER, OWNER_DM, "big.csv", &file).await;
    assert_eq!(lookups(&app), 45);
    let report = dm_texts(&app, OWNER).pop().unwrap();
    assert!(report.contains("5 emails not looked up yet"), "{report}");
    assert!(report.contains("36 people would be updated") && report.contains("9 rows match nobody"), "{report}");
    upload(&app, &clock, OWNER, OWNER_DM, "big.csv", &file).await;
    assert_eq!(lookups(&app), 50, "only the five not asked before");
    let report = dm_texts(&app, OWNER).pop().unwrap();
    assert!(report.contains("40 people would be updated") && report.contains("10 rows match nobody"), "{report}");
    assert!(!report.contains("not looked up yet"), "{report}");
}

/// Socket Mode takes the same path: an owner's upload arrives as an `events_api`
/// envelope, is acked, and gets its dry run.
#[tokio::test]
async fn an_upload_over_socket_mode_gets_its_dry_run() {
    let app = spawn_socket_app().await;
    app.sim.set_email(ALICE, "alice@example.com");
    let file = app.sim.host_file(OWNER, OWNER_DM, "people.csv", b"email,level\nalice@example.com,2\n");
    let mut envelope: Value =
        serde_json::from_str(&fixture("socket_mode_envelope_events_api.json")).expect("a JSON fixture");
    envelope["payload"]["event"] = serde_json::json!({"type": "file_shared", "channel_id": OWNER_DM, "file_id": file,
                                                      "user_id": OWNER, "event_ts": "1626251357.000300"});
    envelope["payload"]["event_id"] = serde_json::json!("EvFILE0001");
    let ack = app.sim.socket_deliver(&envelope).await;
    assert_eq!(ack["envelope_id"], envelope["envelope_id"]);
    app.settle().await;
    let report = dm_texts(&app, OWNER).pop().expect("the dry run");
    assert!(report.contains("Dry run of people.csv") && report.contains("1 person would be updated"), "{report}");
}
