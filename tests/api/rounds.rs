//! Matching rounds end to end: preview, confirm, introductions through the fake Slack,
//! the pair's buttons, unpairing, and a restart in the middle of sending intros.

use serde_json::Value;
use slack_sim::Fault;
use upward::slack::messages::plain_text;

use crate::given::{CAROL, DAN};
use crate::helpers::*;

/// Two juniors and two seniors whose skills make exactly one good pairing each.
async fn two_pairs_program() -> TestApp {
    two_pairs_in(spawn_app().await).await
}

/// The same people, joined on a bot the caller started.
async fn two_pairs_in(app: TestApp) -> TestApp {
    app.sim.add_user(CAROL, "Carol Junior", Some("Europe/London"));
    app.sim.add_user(DAN, "Dan Senior", Some("Europe/Paris"));
    app.ask(ALICE, "join mentor generative AI, prompt writing dept:Engineering").await;
    app.ask(CAROL, "join mentor TikTok, short video dept:Marketing").await;
    app.ask(BOB, "join mentee generative AI dept:Finance").await;
    app.ask(DAN, "join mentee TikTok dept:Legal").await;
    app
}

/// The group DMs the bot posted, as (channel, text, message).
fn intros(app: &TestApp) -> Vec<(String, String, Value)> {
    app.sent("chat.postMessage")
        .into_iter()
        .filter(|m| m["channel"].as_str().is_some_and(|c| c.starts_with('G')))
        .map(|m| (m["channel"].as_str().unwrap().to_owned(), plain_text(&m["blocks"]), m))
        .collect()
}

#[tokio::test]
async fn a_preview_shows_pairs_and_reasons_and_sends_nothing_to_the_pairs() {
    let app = two_pairs_program().await;
    let preview = app.ask(OWNER, "match").await;
    assert!(preview.contains("*2 pairs*"), "{preview}");
    assert!(preview.contains(&format!("<@{ALICE}> teaches <@{BOB}>")), "{preview}");
    assert!(preview.contains(&format!("<@{CAROL}> teaches <@{DAN}>")), "{preview}");
    assert!(preview.contains("teaches what the mentee wants to learn: generative AI"), "{preview}");
    assert!(preview.contains("different departments (Engineering and Finance)"), "{preview}");
    assert!(preview.contains("*Confirm* makes these pairs live"), "{preview}");
    assert!(!preview.contains("upward match"), "no server command for owners: {preview}");
    assert!(app.sent("conversations.open").is_empty(), "a preview introduces no one");
    assert_eq!(app.count("SELECT COUNT(*) FROM rounds WHERE status = 'proposed'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM pairs WHERE status = 'active'").await, 0);
    assert!(app.ask(ALICE, "match").await.contains("only program owners"));
}

#[tokio::test]
async fn confirming_makes_pairs_live_and_introduces_each_pair_once_in_a_group_dm() {
    let app = two_pairs_program().await;
    app.ask(OWNER, "match").await;
    let answer = app.ask(OWNER, "match confirm").await;
    assert!(answer.contains("2 pairs are live"), "{answer}");
    assert_eq!(app.count("SELECT COUNT(*) FROM pairs WHERE status = 'active'").await, 2);
    let opened: Vec<Value> = app.sent("conversations.open");
    assert_eq!(opened.len(), 2);
    let sent = intros(&app);
    assert_eq!(sent.len(), 2, "one intro per pair");
    let (_, text, message) = sent.iter().find(|(_, t, _)| t.contains(&format!("<@{ALICE}>, meet <@{BOB}>"))).unwrap();
    assert!(text.contains("Why you were matched") && text.contains("generative AI"), "{text}");
    assert!(text.contains("Ground rules") && text.contains("stays between you"), "{text}");
    let buttons: Vec<&str> = message["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["action_id"].as_str().map(str::to_owned))
        .map(|a| {
            if a == "intro_scheduled" {
                "scheduled"
            } else if a == "intro_wont_work" {
                "wont_work"
            } else {
                "other"
            }
        })
        .collect();
    assert_eq!(buttons, ["scheduled", "wont_work"]);
    // Confirming again has nothing left to pair.
    assert!(app.ask(OWNER, "match confirm").await.contains("nothing to confirm"));
    assert_eq!(intros(&app).len(), 2);
    let status = app.ask(OWNER, "match").await;
    assert!(status.contains("*0 pairs*") && status.contains("already paired as mentee"), "{status}");
}

#[tokio::test]
async fn a_preview_with_tied_pairings_is_confirmed_as_previewed() {
    let app = spawn_app().await;
    app.sim.add_user(CAROL, "Carol Junior", Some("Europe/Berlin"));
    app.sim.add_user(DAN, "Dan Senior", Some("America/New_York"));
    // Two identical mentors and two identical mentees: either pairing is optimal.
    for (user, role) in [(ALICE, "mentor"), (CAROL, "mentor"), (BOB, "mentee"), (DAN, "mentee")] {
        app.ask(user, &format!("join {role} generative AI dept:{role}s")).await;
    }
    let preview = app.ask(OWNER, "match").await;
    let answer = app.ask(OWNER, "match confirm").await;
    assert!(answer.contains("2 pairs are live"), "the tie is broken the same way twice: {answer}");
    let live = app.count("SELECT COUNT(*) FROM pairs WHERE status = 'active'").await;
    assert_eq!(live, 2);
    for line in preview.lines().filter(|l| l.contains(" teaches ")) {
        let mentor = &line[line.find("<@").unwrap() + 2..line.find('>').unwrap()];
        let sql = format!(
            "SELECT COUNT(*) FROM pairs p JOIN participants m ON m.id = p.mentor_id \
             WHERE p.status = 'active' AND m.user_id = '{mentor}'"
        );
        assert_eq!(app.count(&sql).await, 1, "{line}");
    }
}

#[tokio::test]
async fn confirm_makes_live_exactly_the_stored_preview_without_searching_again() {
    let app = two_pairs_program().await;
    app.ask(OWNER, "match").await;
    // Stand in for a preview whose search the time budget cut short: its pairs are valid
    // but not what a new search would choose (here the crossed pairs, which share no skill).
    let pool = app.db().await;
    let previewed: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, mentee_id FROM pairs WHERE status = 'proposed' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(previewed.len(), 2);
    for (k, (pair, _)) in previewed.iter().enumerate() {
        sqlx::query("UPDATE pairs SET mentee_id = $1 WHERE id = $2")
            .bind(previewed[1 - k].1)
            .bind(pair)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let program = app.count("SELECT id FROM programs").await.to_string();
    app.slack.press_in_message(OWNER, "C0GENERAL", "preview_download", &program).await;
    app.settle().await;
    let file = String::from_utf8(app.sim.uploads().pop().expect("the full list").bytes).unwrap();
    let listed = |mentor: &str, mentee: &str| {
        file.lines().any(|l| {
            l.find(mentor).zip(l.find(" teaches ")).zip(l.find(mentee)).is_some_and(|((a, t), b)| a < t && t < b)
        })
    };
    assert!(listed(ALICE, DAN) && listed(CAROL, BOB), "the file lists the stored preview: {file}");
    let answer = app.ask(OWNER, "match confirm").await;
    assert!(answer.contains("2 pairs are live"), "{answer}");
    let crossed = format!(
        "SELECT COUNT(*) FROM pairs p JOIN participants m ON m.id = p.mentor_id JOIN participants e ON e.id = p.mentee_id \
         WHERE p.status = 'active' AND ((m.user_id = '{ALICE}' AND e.user_id = '{DAN}') OR (m.user_id = '{CAROL}' AND e.user_id = '{BOB}'))"
    );
    assert_eq!(app.count(&crossed).await, 2, "the pairs the owner previewed went live, not a new search's");
    let sent = intros(&app);
    assert!(sent.iter().any(|(_, text, _)| text.contains(&format!("<@{ALICE}>, meet <@{DAN}>"))), "{sent:?}");
}

#[tokio::test]
async fn the_owner_hears_how_a_long_search_goes_before_the_preview() {
    let app = two_pairs_in(spawn_app_reporting_every_search_round().await).await;
    let answers = app.ask(OWNER, "match").await;
    let parts: Vec<&str> = answers.split("\n---\n").collect();
    let progress = parts.iter().position(|a| a.starts_with("Still matching *")).expect("a progress note");
    assert!(
        parts[progress].contains("(4 people): search round 1, already within under 0.01 % of the best possible"),
        "{}",
        parts[progress]
    );
    let preview = parts.iter().position(|a| a.contains("Matching preview")).expect("the preview");
    assert!(progress < preview, "progress comes before the preview it announces: {answers}");
}

#[tokio::test]
async fn a_confirm_after_people_changed_shows_the_new_proposal_instead() {
    let app = two_pairs_program().await;
    app.ask(OWNER, "match").await;
    app.ask(DAN, "pause").await;
    let answer = app.ask(OWNER, "match confirm").await;
    assert!(answer.contains("changed their profiles since the last preview"), "said clearly: {answer}");
    assert!(answer.contains("here is a new proposal") && answer.contains("*1 pair*"), "{answer}");
    assert_eq!(app.count("SELECT COUNT(*) FROM pairs WHERE status = 'active'").await, 0, "nothing went live");
    assert!(app.ask(OWNER, "match confirm").await.contains("1 pair is live"));
    assert_eq!(intros(&app).len(), 1);
}

#[tokio::test]
async fn paused_left_managers_and_same_department_rules_are_never_broken() {
    let app = spawn_app().await;
    app.sim.add_user(CAROL, "Carol Junior", None);
    app.sim.add_user(DAN, "Dan Senior", None);
    // Alice reports to Bob; Carol and Dan share a department.
    app.ask(ALICE, &format!("join mentor Figma manager:<@{BOB}|bob> dept:Design")).await;
    app.ask(BOB, "join mentee Figma dept:Board").await;
    app.ask(CAROL, "join mentor Excel dept:Finance").await;
    app.ask(DAN, "join mentee Excel dept:Finance").await;
    assert!(app.ask(OWNER, "program set same-department forbidden").await.contains("same department: forbidden"));
    let preview = app.ask(OWNER, "match").await;
    assert!(preview.contains("*0 pairs*"), "{preview}");
    assert!(preview.contains(&format!("<@{BOB}>: no available mentor")), "{preview}");
    app.ask(OWNER, "program set same-department allowed").await;
    app.ask(DAN, "leave").await;
    let preview = app.ask(OWNER, "match").await;
    assert!(preview.contains("*0 pairs*"), "left people are not matched: {preview}");
}

#[tokio::test]
async fn the_scheduled_button_is_recorded_for_the_pair_only() {
    let app = two_pairs_program().await;
    app.ask(OWNER, "match").await;
    app.ask(OWNER, "match confirm").await;
    let pair = app
        .count(&format!(
            "SELECT p.id FROM pairs p JOIN participants m ON m.id = p.mentor_id WHERE m.user_id = '{ALICE}'"
        ))
        .await;
    let channel = intros(&app).into_iter().find(|(_, t, _)| t.contains(ALICE)).unwrap().0;

    let (_, tag) = app.slack.press_in_message(BOB, &channel, "intro_scheduled", &pair.to_string()).await;
    app.settle().await;
    assert!(app.answers(&tag).join("").contains("first session is scheduled"));
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM pairs WHERE id = {pair} AND scheduled_at IS NOT NULL")).await,
        1
    );
    let (_, tag) = app.slack.press_in_message(CAROL, &channel, "intro_scheduled", &pair.to_string()).await;
    app.settle().await;
    assert!(app.answers(&tag).join("").contains("another pair"));
}

#[tokio::test]
async fn unpair_ends_a_pair_kindly_and_both_can_be_matched_again() {
    let app = two_pairs_program().await;
    app.ask(OWNER, "match").await;
    app.ask(OWNER, "match confirm").await;
    let answer = app.ask(OWNER, &format!("unpair <@{BOB}|bob>")).await;
    assert!(answer.contains(&format!("Ended <@{BOB}>'s pair with <@{ALICE}>")), "{answer}");
    assert_eq!(app.count("SELECT COUNT(*) FROM pairs WHERE status = 'ended'").await, 1);
    for person in [ALICE, BOB] {
        let told = app
            .sent("chat.postMessage")
            .iter()
            .any(|m| m["channel"] == person && m["text"].as_str().unwrap().contains("has ended"));
        assert!(told, "{person} is told");
    }
    // Past partners are not paired again unless the program allows repeats.
    assert!(app.ask(OWNER, "match").await.contains("*0 pairs*"));
    app.ask(OWNER, "program set repeats on").await;
    assert!(app.ask(OWNER, "match").await.contains(&format!("<@{ALICE}> teaches <@{BOB}>")));
    assert!(app.ask(OWNER, &format!("unpair <@{BOB}>")).await.contains("no live pair"));
}

#[tokio::test]
async fn a_crash_while_sending_intros_sends_each_exactly_once_after_restart() {
    let app = two_pairs_program().await;
    app.ask(OWNER, "match").await;
    let (_, tag) = app.slack.command(OWNER, "match confirm").await;
    // Handle the command and send the first intro...
    while upward::jobs::consumer::consume_next(&app.running.ctx).await.unwrap() {}
    app.running.dispatcher.dispatch_one().await.unwrap();
    assert_eq!(intros(&app).len(), 1);
    // ...then the second fails half-way (its group DM opens, the post gets a 500) and
    // the bot dies before anything else is sent.
    app.sim.fail("chat.postMessage", Fault::ServerError, 1);
    app.running.dispatcher.dispatch_one().await.unwrap();
    assert_eq!(intros(&app).len(), 1);
    let app = app.restart().await;
    let pool = app.db().await;
    sqlx::query("UPDATE outbox SET not_before = 0 WHERE sent_at IS NULL").execute(&pool).await.unwrap();
    pool.close().await;
    app.settle().await;
    let mut channels: Vec<String> = intros(&app).into_iter().map(|(c, _, _)| c).collect();
    channels.sort();
    assert_eq!(channels.len(), 2, "every intro arrived");
    channels.dedup();
    assert_eq!(channels.len(), 2, "and none twice");
    assert_eq!(app.answers(&tag).len(), 1, "the owner's answer too, once");
}

#[tokio::test]
async fn program_settings_are_shown_and_bad_values_refused() {
    let app = spawn_app().await;
    let answer = app.ask(OWNER, "program set capacity 2").await;
    assert!(answer.contains("capacity: 2 mentees per mentor"), "{answer}");
    assert!(answer.contains("weights: skill 10 (default)"), "{answer}");
    let answer = app.ask(OWNER, "program set weights skill=20 hours=0").await;
    assert!(answer.contains("skill 20, hours 0"), "{answer}");
    let answer = app.ask(OWNER, "program set match-schedule \"0 9 * * 1\"").await;
    assert!(answer.contains("automatic rounds: every Monday at 09:00, UTC"), "{answer}");
    let answer = app.ask(OWNER, "program set match-schedule every monday").await;
    assert!(answer.contains("fields") && answer.contains("Usage"), "{answer}");
    assert!(app.ask(ALICE, "program set capacity 3").await.contains("only program owners"));
    assert_eq!(app.count("SELECT capacity FROM programs").await, 2);
}

#[tokio::test]
async fn automatic_rounds_run_on_their_schedule_once_per_due_time() {
    use chrono::TimeZone;
    let clock = std::sync::Arc::new(upward::clock::ManualClock::new(
        chrono::Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap(),
    ));
    let app = spawn_app_at(clock.clone()).await;
    app.sim.add_user(CAROL, "Carol Junior", Some("Europe/London"));
    app.sim.add_user(DAN, "Dan Senior", Some("Europe/Paris"));
    app.ask(ALICE, "join mentor generative AI").await;
    app.ask(BOB, "join mentee generative AI").await;
    app.ask(OWNER, "program set match-schedule 0 9 * * *").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM rounds").await, 0, "not due before 09:00");

    clock.advance(chrono::Duration::hours(2));
    app.settle().await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM rounds WHERE status = 'confirmed' AND started_by = 'schedule'").await,
        1
    );
    assert_eq!(intros(&app).len(), 1);
    let told = app
        .sent("chat.postMessage")
        .iter()
        .any(|m| m["channel"] == OWNER && m["text"].as_str().unwrap().contains("1 new pair is live"));
    assert!(told, "owners hear about the automatic round");

    // Three days of downtime: the missed rounds are caught up once, not three times.
    app.ask(CAROL, "join mentor TikTok").await;
    app.ask(DAN, "join mentee TikTok").await;
    let app = app.restart().await;
    clock.advance(chrono::Duration::days(3));
    app.settle().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM rounds").await, 2);
    assert_eq!(intros(&app).len(), 2);
    let due = app.count("SELECT fired_for FROM timers WHERE kind = 'round'").await;
    assert_eq!(due, chrono::Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap().timestamp());
    app.settle().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox WHERE dedupe_key LIKE 'round:%'").await, 2);
}
