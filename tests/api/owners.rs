//! The owners' view end to end: figures against a seeded program (expected values worked
//! out by hand here), owner-only access for every owner command, owners and the audit
//! trail, the weekly digest on its schedule, and forget-me.

use chrono::{TimeZone, Utc};
use serde_json::Value;
use upward::clock::ManualClock;
use upward::slack::messages::plain_text;

use crate::given::{two_live_pairs, CAROL, DAN};
use crate::helpers::*;

fn checkin_messages(app: &TestApp) -> Vec<Value> {
    app.sent("chat.postMessage").into_iter().filter(|m| m.to_string().contains("checkin_met")).collect()
}

/// Bob's pair meets and Alice rates it 4 with the skill "prompting"; Dan's pair says not yet.
async fn one_meeting_one_not_yet(app: &TestApp, clock: &ManualClock) {
    set_clock(app, clock, Utc.with_ymd_and_hms(2026, 12, 14, 15, 0, 0).unwrap()).await;
    let sent = checkin_messages(app);
    assert_eq!(sent.len(), 2, "one check-in per pair");
    let with = |user: &str| sent.iter().find(|m| plain_text(&m["blocks"]).contains(user)).unwrap().clone();
    app.slack.press_in_message(ALICE, "G1", "checkin_met", &button(&with(BOB), "checkin_met")).await;
    app.settle().await;
    let view = app.sent("views.open").pop().unwrap()["view"].clone();
    app.slack.submit(ALICE, &view, reflection("secret: Bob's P&L tricks", Some("4"), "partner")).await;
    app.slack.press_in_message(DAN, "G2", "checkin_not_yet", &button(&with(DAN), "checkin_met")).await;
    app.settle().await;
}

#[tokio::test]
async fn the_status_figures_match_a_hand_count_and_the_command_line_exactly() {
    let (app, clock) = two_live_pairs().await;
    one_meeting_one_not_yet(&app, &clock).await;
    // By hand: 2 pairs, 2 check-ins, both answered (one "we met", one "not yet"), one
    // meeting, one reflection rated 4 naming "prompting"; one pair has met.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_upward"))
        .args(["status", "--json", "--database-url", &app.database_url])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["pairs"], serde_json::json!({"active": 2, "ended": 0}));
    assert_eq!(json["checkins"], serde_json::json!({"sent": 2, "answered": 2}));
    assert_eq!((json["meetings"].as_u64(), json["reflections"].as_u64()), (Some(1), Some(1)));
    assert_eq!((json["first_sessions"].as_u64(), json["stalled_pairs"].as_u64()), (Some(1), Some(0)));
    assert_eq!((json["response_rate"].as_f64(), json["meetings_per_pair"].as_f64()), (Some(1.0), Some(0.5)));
    assert_eq!(json["average_rating"].as_f64(), Some(4.0));
    assert_eq!(json["top_skills"], serde_json::json!([{"skill": "prompting", "count": 1}]));
    assert!(!output.stdout.windows(3).any(|w| w == b"P&L"), "no reflection text in the figures");

    let summary = app.ask(OWNER, "status").await;
    for expected in [
        "*Pairs:* 2 active, 0 stalled, 0 ended · 1 round · first sessions held by 1 pair",
        "*Check-ins:* 2 sent, 2 answered (response rate 100.0%) · 1 meeting (0.5 per pair)",
        "*Reflections:* 1 · average session rating 4 / 5",
        "*Skills most learned:* prompting (1)",
    ] {
        assert!(summary.contains(expected), "`{expected}` in {summary}");
    }
    assert!(!summary.contains("P&L"), "{summary}");
    app.slack.open_home(OWNER).await;
    app.settle().await;
    let home = app.sent("views.publish").into_iter().rev().find(|v| v["user_id"] == OWNER).unwrap();
    let home = plain_text(&home["view"]["blocks"]);
    assert!(home.contains("response rate 100.0%") && !home.contains("P&L"), "{home}");
}

#[tokio::test]
async fn every_owner_command_is_refused_to_others_and_changes_nothing() {
    let app = spawn_app().await;
    app.ask(BOB, "join mentee AI").await;
    let before = app.snapshot().await;
    let commands = [
        "status",
        "export",
        "owners",
        "owners add <@U0ALICE01|alice>",
        "owners remove <@U0OWNER01|olga>",
        "audit",
        "program create pilot",
        "program list",
        "skills add Figma",
        "program set digest off",
        "match",
        "match confirm",
        "unpair <@U0BOB0001|bob>",
    ];
    for command in commands {
        let answer = app.ask(ALICE, command).await;
        assert!(answer.contains("only program owners"), "{command}: {answer}");
    }
    let after = app.snapshot().await;
    assert_eq!(before[..3], after[..3], "programs, skills and people unchanged");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit").await, 0, "refusals are not owner actions");
}

#[tokio::test]
async fn owners_are_added_and_removed_from_slack_and_every_action_is_audited() {
    let app = spawn_app().await;
    assert!(app.ask(ALICE, "status").await.contains("only program owners"));
    assert!(app.ask(OWNER, "owners add <@U0ALICE01|alice>").await.contains("is now a program owner"));
    assert!(app.ask(OWNER, "owners add <@U0ALICE01|alice>").await.contains("already is"));
    assert!(app.ask(ALICE, "status").await.contains("Program default"), "Alice may read the figures now");
    let list = app.ask(ALICE, "owners").await;
    assert!(list.contains(&format!("UPWARD_OWNERS):* <@{OWNER}>")) && list.contains(&format!("Slack:* <@{ALICE}>")));
    assert!(app.ask(ALICE, &format!("owners remove <@{OWNER}>")).await.contains("through the bot's configuration"));
    assert!(app.ask(OWNER, "owners remove <@U0ALICE01>").await.contains("no longer a program owner"));
    assert!(app.ask(ALICE, "status").await.contains("only program owners"));
    let audit = app.ask(OWNER, "audit").await;
    let lines: Vec<&str> = audit.lines().filter(|l| l.starts_with("• ")).collect();
    assert!(lines[0].contains(&format!("<@{OWNER}> read the audit trail")), "newest first: {audit}");
    assert!(audit.contains(&format!("<@{OWNER}> add <@{ALICE}> as an owner")), "{audit}");
    assert!(audit.contains(&format!("<@{ALICE}> read the program figures")), "{audit}");
    assert!(audit.contains(&format!("<@{OWNER}> remove <@{ALICE}> as an owner")), "{audit}");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit").await, lines.len() as i64);
}

#[tokio::test]
async fn the_weekly_digest_reaches_owners_on_schedule_with_the_pairs_that_need_care() {
    let (app, clock) = two_live_pairs().await;
    let digests = |app: &TestApp| {
        app.sent("chat.postMessage")
            .into_iter()
            .filter(|m| m["channel"] == OWNER && plain_text(&m["blocks"]).contains("Weekly digest"))
            .map(|m| plain_text(&m["blocks"]))
            .collect::<Vec<_>>()
    };
    // Dan rates a session 2 out of 5.
    app.ask(DAN, "reflect").await;
    let view = app.sent("views.open").pop().unwrap()["view"].clone();
    app.slack.submit(DAN, &view, reflection("not much yet", Some("2"), "private")).await;
    app.settle().await;
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 7, 8, 59, 0).unwrap()).await;
    assert!(digests(&app).is_empty(), "not before Monday 09:00");
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()).await;
    let sent = digests(&app);
    assert_eq!(sent.len(), 1, "one digest per owner");
    assert!(sent[0].contains("• 4 people joined") && sent[0].contains("• 2 new pairs"), "{}", sent[0]);
    assert!(sent[0].contains(&format!("<@{CAROL}> teaching <@{DAN}>: a session rated 2")), "{}", sent[0]);
    assert!(!sent[0].contains("not much yet"), "reflection texts stay out: {}", sent[0]);
    assert!(!sent[0].contains(&format!("<@{ALICE}> teaching")), "Alice's pair is fine: {}", sent[0]);
    let app = app.restart().await;
    app.settle().await;
    assert_eq!(digests(&app).len(), 1, "a restart repeats no digest");
    assert!(app.ask(OWNER, "program set digest off").await.contains("Owners' digest*: off"));
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 14, 9, 0, 0).unwrap()).await;
    assert_eq!(digests(&app).len(), 1, "switched off");
}

/// The digest counts people who joined or left *this week*: someone who comes back is a
/// join again, and forget-me by someone who left weeks ago is not a new leave.
#[tokio::test]
async fn the_digest_counts_comebacks_as_joins_and_old_leavers_once() {
    let (app, clock) = two_live_pairs().await;
    let digest_on = |app: &TestApp, nth: usize| {
        app.sent("chat.postMessage")
            .into_iter()
            .filter(|m| m["channel"] == OWNER && plain_text(&m["blocks"]).contains("Weekly digest"))
            .map(|m| plain_text(&m["blocks"]))
            .nth(nth)
            .unwrap_or_default()
    };
    app.ask(BOB, "leave").await;
    app.ask(DAN, "leave").await;
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()).await;
    let first = digest_on(&app, 0);
    assert!(first.contains("• 4 people joined") && first.contains("• 2 people left"), "{first}");
    // The next week Bob comes back and Dan, long gone, asks to be forgotten.
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 9, 10, 0, 0).unwrap()).await;
    app.ask(BOB, "join mentee generative AI dept:Finance").await;
    assert!(app.ask(DAN, "forget-me").await.contains("What I kept"));
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 14, 9, 0, 0).unwrap()).await;
    let second = digest_on(&app, 1);
    assert!(second.contains("• 1 person joined"), "Bob's comeback is this week's join: {second}");
    assert!(!second.contains("person left") && !second.contains("people left"), "Dan left last week: {second}");
}

#[tokio::test]
async fn forget_me_deletes_the_profile_and_texts_and_keeps_anonymous_figures() {
    let (app, clock) = two_live_pairs().await;
    one_meeting_one_not_yet(&app, &clock).await;
    let figures_before =
        upward::commands::reports::program_status(&app.running.ctx.store, None, clock_today(&clock)).await.unwrap();
    let answer = app.ask(ALICE, "forget-me").await;
    assert!(answer.contains("texts of your 1 reflection,") && answer.contains("1 live pair ended"), "{answer}");
    assert!(answer.contains("What I kept"), "{answer}");
    assert!(app.participant(ALICE).await.is_none(), "no profile under her id");
    assert_eq!(app.count("SELECT COUNT(*) FROM reflections WHERE author = 'U0ALICE01'").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM reflections WHERE learned IS NOT NULL OR taught IS NOT NULL").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM slack_users WHERE user_id = 'U0ALICE01'").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM inbox WHERE payload LIKE '%U0ALICE01%' AND processed_at IS NOT NULL").await,
        0
    );
    let to_bob: Vec<String> = app
        .sent("chat.postMessage")
        .into_iter()
        .filter(|m| m["channel"] == BOB)
        .map(|m| plain_text(&m["blocks"]))
        .collect();
    assert!(to_bob.iter().any(|t| t.contains("partner in *default* has left")), "{to_bob:?}");
    let figures =
        upward::commands::reports::program_status(&app.running.ctx.store, None, clock_today(&clock)).await.unwrap();
    assert_eq!((figures.reflections, figures.meetings), (figures_before.reflections, figures_before.meetings));
    assert_eq!(figures.average_rating, figures_before.average_rating, "ratings stay, anonymously");
    assert_eq!((figures.pairs.active, figures.pairs.ended), (1, 1));
    assert!(app.ask(ALICE, "profile").await.contains("haven't joined"), "she is in no program now");
}

#[tokio::test]
async fn an_export_reaches_the_owner_as_a_file_with_only_the_texts_shared_with_owners() {
    let (app, clock) = two_live_pairs().await;
    one_meeting_one_not_yet(&app, &clock).await;
    // Bob writes one reflection for the owners too; Alice's stays with her partner.
    app.ask(BOB, "reflect").await;
    let view = app.sent("views.open").pop().unwrap()["view"].clone();
    app.slack.submit(BOB, &view, reflection("how to brief an AI agent", Some("5"), "owners")).await;
    app.settle().await;

    let answer = app.ask(OWNER, "export").await;
    assert!(answer.contains("will arrive in your DM"), "{answer}");
    let uploads = app.sim.uploads();
    assert_eq!(uploads.len(), 1, "one file");
    let file = &uploads[0];
    assert!(file.filename.starts_with("upward-default-") && file.filename.ends_with(".csv"), "{}", file.filename);
    assert!(file.channel.as_deref().is_some_and(|c| c.starts_with('D')), "into the owner's DM: {:?}", file.channel);
    let csv = String::from_utf8(file.bytes.clone()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "a header and one row per pair: {csv}");
    assert!(lines[0].starts_with("program,round,pair,mentor,mentee,mentor_name,mentee_name,status"), "{csv}");
    let bob = lines.iter().find(|l| l.contains(BOB)).unwrap();
    assert!(bob.contains(&format!("{ALICE},{BOB},Alice Junior,Bob Senior,")), "names beside ids: {bob}");
    assert!(bob.contains(",1,1,2,4.5,prompting,"), "check-ins, meetings, reflections, rating, skills: {bob}");
    assert!(bob.contains("how to brief an AI agent"), "shared with owners: {bob}");
    assert!(!csv.contains("P&L"), "Alice shared only with her partner: {csv}");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_upward"))
        .args(["export", "--format", "json", "--database-url", &app.database_url])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert!(!String::from_utf8_lossy(&output.stdout).contains("P&L"));
}

#[tokio::test]
async fn the_owners_home_carries_the_weekly_chart_uploaded_through_slack() {
    let (app, clock) = two_live_pairs().await;
    one_meeting_one_not_yet(&app, &clock).await;
    app.slack.open_home(OWNER).await;
    app.settle().await;
    let chart = app.sim.uploads().into_iter().find(|u| u.channel.is_none()).expect("the chart was uploaded");
    assert_eq!(&chart.bytes[..8], b"\x89PNG\r\n\x1a\n");
    let home = app.sent("views.publish").into_iter().rev().find(|v| v["user_id"] == OWNER).unwrap();
    let blocks = home["view"]["blocks"].as_array().unwrap();
    let image = blocks.iter().find(|b| b["block_id"] == "owner_chart").expect("the chart block");
    assert_eq!(image["type"], "image");
    assert_eq!(image["slack_file"]["id"], chart.file_id.as_str());
    app.slack.open_home(ALICE).await;
    app.settle().await;
    assert_eq!(app.sim.uploads().len(), 1, "no chart for people who are not owners");

    // The same figures: the Home shows the file Slack already holds.
    app.slack.open_home(OWNER).await;
    app.settle().await;
    assert_eq!(app.sim.uploads().len(), 1, "one chart per change, not per open");
    let home = app.sent("views.publish").into_iter().rev().find(|v| v["user_id"] == OWNER).unwrap();
    let image = home["view"]["blocks"].as_array().unwrap().iter().find(|b| b["block_id"] == "owner_chart").cloned();
    assert_eq!(image.expect("the chart block")["slack_file"]["id"], chart.file_id.as_str());

    // New figures (a week later the chart's weeks move on): a new chart, once.
    clock.advance(chrono::Duration::days(7));
    for _ in 0..2 {
        app.slack.open_home(OWNER).await;
        app.settle().await;
    }
    assert_eq!(app.sim.uploads().iter().filter(|u| u.channel.is_none()).count(), 2, "{:?}", app.sim.uploads());
}

#[tokio::test]
async fn every_owner_output_respects_each_visibility() {
    let (app, clock) = two_live_pairs().await;
    // Three reflections, one per visibility, each with a text of its own.
    for (user, text, visibility) in
        [(CAROL, "TEXT-ONLY-ME", "private"), (DAN, "TEXT-PARTNER", "partner"), (BOB, "TEXT-OWNERS", "owners")]
    {
        app.ask(user, "reflect").await;
        let view = app.sent("views.open").pop().unwrap()["view"].clone();
        app.slack.submit(user, &view, reflection(text, Some("3"), visibility)).await;
    }
    app.settle().await;
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()).await;
    app.slack.open_home(OWNER).await;
    app.ask(OWNER, "export").await;
    let status = app.ask(OWNER, "status").await;
    let json = serde_json::to_string(
        &upward::commands::reports::program_status(&app.running.ctx.store, None, clock_today(&clock)).await.unwrap(),
    )
    .unwrap();
    let to_owner: String = app
        .sent("chat.postMessage")
        .into_iter()
        .filter(|m| m["channel"] == OWNER)
        .map(|m| plain_text(&m["blocks"]))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(to_owner.contains("Weekly digest"), "the digest went out: {to_owner}");
    let home = app.sent("views.publish").into_iter().rev().find(|v| v["user_id"] == OWNER).unwrap().to_string();
    let export = String::from_utf8(app.sim.uploads().into_iter().find(|u| u.channel.is_some()).unwrap().bytes).unwrap();
    for (output, name) in
        [(&status, "status"), (&json, "status JSON"), (&to_owner, "DMs and digest"), (&home, "App Home")]
    {
        for text in ["TEXT-ONLY-ME", "TEXT-PARTNER", "TEXT-OWNERS"] {
            assert!(!output.contains(text), "{name} holds figures only, yet shows {text}");
        }
    }
    assert!(export.contains("TEXT-OWNERS"), "shared with owners: in the export");
    assert!(!export.contains("TEXT-ONLY-ME") && !export.contains("TEXT-PARTNER"), "{export}");
    assert!(json.contains("\"reflections\":3"), "all three are counted: {json}");
}
