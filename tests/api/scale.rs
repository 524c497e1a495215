//! Company scale: a 150-skill catalogue, 60 programs, 5,000 people, and the owner flow
//! that stays in Slack. Every payload is held to Slack's Block Kit limits by the
//! simulator (a refusal fails the test through the harness), so these tests only build
//! the sizes and check the designs that make them fit.

use serde_json::{json, Value};
use upward::slack::inbound::forms::JoinForm;
use upward::slack::messages::plain_text;

use crate::helpers::*;

/// `n` skills, as an owner would add them in one command.
fn skills(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("skill {i:03}")).collect()
}

/// `count` people who joined `program` (mentors and mentees alternately), written
/// straight into the database with their cached Slack names and zones: a setting, not
/// the journey under test.
async fn people_joined(app: &TestApp, program: i64, count: usize) {
    let pool = app.db().await;
    let mut tx = pool.begin().await.unwrap();
    for i in 0..count {
        let user = format!("U{i:08}");
        let role = if i % 2 == 0 { "mentor" } else { "mentee" };
        let skill = json!([format!("skill {:03}", i % 7)]).to_string();
        sqlx::query(
            "INSERT INTO participants (program_id, user_id, role, teach_skills, learn_skills, department, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $4, $5, 0, 0)",
        )
        .bind(program)
        .bind(&user)
        .bind(role)
        .bind(&skill)
        .bind(format!("dept {}", i % 9))
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO slack_users (team_id, user_id, tz, real_name, created_at) VALUES ('T0001', $1, $2, $3, 0)",
        )
        .bind(&user)
        .bind(if i % 3 == 0 { "Europe/Paris" } else { "Europe/London" })
        .bind(format!("Person {i}"))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    if on_postgres() {
        // What autovacuum does after a bulk load (the CI server runs without it): with no
        // statistics PostgreSQL joined every pair to all 5,000 cached users.
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
    pool.close().await;
}

fn last_home(app: &TestApp, user: &str) -> Value {
    app.sent("views.publish").into_iter().rev().find(|v| v["user_id"] == user).expect("a home view")["view"].clone()
}

#[tokio::test]
async fn a_150_skill_catalogue_is_searched_as_people_type_and_skills_add_stays_short() {
    let app = spawn_app().await;
    let answer = app.ask(OWNER, &format!("skills add {}", skills(150).join(", "))).await;
    assert!(answer.contains("Added 150 skills") && answer.contains("offers 150 skills"), "{answer}");
    assert!(answer.contains("and 120 more") && answer.contains("typing"), "{answer}");
    let reply = app.sent("response_url").pop().unwrap();
    let program = button(&reply, "skills_download");
    app.slack.press(OWNER, "skills_download", &program).await;
    app.settle().await;
    let file = app.sim.uploads().pop().expect("the catalogue as a file");
    assert_eq!(String::from_utf8(file.bytes).unwrap().lines().count(), 150, "every skill, one a line");

    app.ask(ALICE, "join").await;
    let view = app.sent("views.open").pop().expect("the join form")["view"].clone();
    let text = view.to_string();
    assert!(text.contains("multi_external_select") && !text.contains("multi_static_select"), "{text}");

    // Slack asks for the options as Alice types; the answer is in the reply itself.
    let stored = app.count("SELECT COUNT(*) FROM inbox").await;
    let answer = app.slack.suggest(ALICE, &view, "teach_tags", "tags_select", "skill 14").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let found: Vec<String> = answer.json()["options"]
        .as_array()
        .expect("options in the answer")
        .iter()
        .map(|o| o["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        found,
        [
            "skill 140",
            "skill 141",
            "skill 142",
            "skill 143",
            "skill 144",
            "skill 145",
            "skill 146",
            "skill 147",
            "skill 148",
            "skill 149"
        ]
    );
    let everything = app.slack.suggest(ALICE, &view, "teach_tags", "tags_select", "skill").await;
    assert_eq!(everything.json()["options"].as_array().unwrap().len(), 100, "at most Slack's 100 options");
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox").await, stored, "a search stores nothing");

    let form = JoinForm { role: Some("mentor"), teach_tags: &["skill 142"], ..JoinForm::default() };
    let answer = app.slack.submit(ALICE, &view, form.values()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    app.settle().await;
    let (role, _, teach, _, _) = app.participant(ALICE).await.expect("Alice joined");
    assert_eq!((role.as_str(), teach.as_str()), ("mentor", r#"["skill 142"]"#));
}

#[tokio::test]
async fn sixty_programs_fit_the_owners_home_with_a_picker() {
    let app = spawn_app().await;
    for i in 1..=59 {
        app.ask(OWNER, &format!("program create team-{i:02}")).await;
    }
    app.ask(OWNER, "program list").await;
    app.slack.open_home(OWNER).await;
    app.settle().await;
    let home = last_home(&app, OWNER);
    let blocks = home["blocks"].as_array().unwrap().len();
    assert!(blocks <= 100, "{blocks} blocks");
    let text = plain_text(&home["blocks"]);
    assert!(text.contains("*team-59*") && text.contains("*default*"), "every program in the table: {text}");
    assert!(text.contains("60 programs are open to you"), "one menu to join, not a button each: {text}");

    let last = app.count("SELECT id FROM programs WHERE name = 'team-59'").await.to_string();
    app.slack.choose(OWNER, "home_program", &last).await;
    app.settle().await;
    let home = last_home(&app, OWNER);
    let picker = home["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["action_id"] == "home_program")
        .expect("the program picker");
    assert_eq!(picker["initial_option"]["value"], last.as_str(), "the picked program is the one shown");
    let preview = home["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["action_id"] == "home_match")
        .expect("the picked program's buttons");
    assert_eq!(preview["value"], last.as_str());

    // The members' menu opens the picked program's join form.
    app.slack.choose(OWNER, "home_join_pick", &last).await;
    app.settle().await;
    let form = app.sent("views.open").pop().expect("the join form")["view"].clone();
    assert_eq!(form["private_metadata"], format!("program={last}"));
}

/// Past Slack's 100 options a program menu is a search: the bot answers Slack's options
/// load from every program, so the 120th program is as reachable as the first.
#[tokio::test]
async fn a_hundred_and_twenty_programs_are_searched_in_the_pickers() {
    let app = spawn_app().await;
    let pool = app.db().await;
    for i in 1..=119 {
        sqlx::query("INSERT INTO programs (team_id, name, title, created_at) VALUES ('T0001', $1, $2, 0)")
            .bind(format!("team-{i:03}"))
            .bind(format!("Team {i:03} mentoring"))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    app.slack.open_home(OWNER).await;
    app.settle().await;
    let home = last_home(&app, OWNER);
    let elements: Vec<Value> = home["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .collect();
    for picker in ["home_program", "home_join_pick"] {
        let menu = elements.iter().find(|e| e["action_id"] == picker).expect(picker);
        assert_eq!(menu["type"], "external_select", "{picker}: {menu}");
    }

    let answer = app.slack.suggest(OWNER, &home, "actions", "home_program", "team 11").await;
    let options = answer.json()["options"].as_array().expect("options in the reply").clone();
    let labels: Vec<&str> = options.iter().map(|o| o["text"]["text"].as_str().unwrap()).collect();
    assert_eq!(labels.len(), 10, "Team 110 to 119: {labels:?}");
    assert!(labels.contains(&"Team 110 mentoring") && labels.contains(&"Team 119 mentoring"), "{labels:?}");
    let by_handle = app.slack.suggest(OWNER, &home, "actions", "home_program", "team-119").await;
    assert_eq!(by_handle.json()["options"].as_array().unwrap().len(), 1, "the handle finds it too");
    let everything = app.slack.suggest(OWNER, &home, "actions", "home_program", "").await;
    assert_eq!(everything.json()["options"].as_array().unwrap().len(), 100, "Slack's cap on one answer");

    let last = options.iter().find(|o| o["text"]["text"] == "Team 119 mentoring").unwrap()["value"].clone();
    let last = last.as_str().unwrap();
    app.slack.choose(OWNER, "home_program", last).await;
    app.settle().await;
    let home = last_home(&app, OWNER);
    assert!(plain_text(&home["blocks"]).contains("*Team 119 mentoring*"), "the picked program's figures");
}

#[tokio::test]
async fn a_5000_person_preview_shows_the_first_pairs_and_sends_the_whole_list_as_a_file() {
    let app = spawn_app().await;
    let program = app.count("SELECT id FROM programs").await;
    people_joined(&app, program, 5000).await;
    let answer = app.ask(OWNER, "match").await;
    assert!(!answer.contains("upward match"), "nothing tells an owner to run a server command: {answer}");
    assert!(answer.contains("…and") && answer.contains("more"), "the first pairs, then a count: {answer}");
    let preview = app.sent("response_url").pop().unwrap();
    let text = preview.to_string();
    assert!(text.contains("preview_confirm") && text.contains("preview_download"), "{text}");
    assert!(text.contains("Download the full list"), "{text}");

    let program = program.to_string();
    let (_, tag) = app.slack.press_in_message(OWNER, "C0GENERAL", "preview_download", &program).await;
    app.settle().await;
    assert!(app.answers(&tag).concat().contains("will arrive in your DM"), "{:?}", app.answers(&tag));
    let file = app.sim.uploads().pop().expect("the full list as a file");
    let content = String::from_utf8(file.bytes).unwrap();
    let pairs = content.lines().filter(|l| l.contains(" teaches ")).count();
    assert!(pairs > 100, "{pairs} pairs in the file");
    assert!(answer.contains(&format!("*{pairs} pairs*")), "the file has every pair the preview counts: {answer}");
    assert!(content.contains("Person 0 (U00000000)"), "names beside ids: {}", &content[..300.min(content.len())]);
    assert!(file.filename.ends_with(".txt") && file.filename.contains("preview"), "{}", file.filename);

    let (_, tag) = app.slack.press_in_message(OWNER, "C0GENERAL", "preview_confirm", &program).await;
    app.settle().await;
    assert!(app.answers(&tag).concat().contains("Round confirmed"), "{:?}", app.answers(&tag));
    let live = app.count("SELECT COUNT(*) FROM pairs WHERE status = 'active'").await;
    assert_eq!(live, pairs as i64, "Confirm made the previewed pairs live");

    // The status shows the first unmatched people and sends all of them as a file.
    let unmatched = 5000 - 2 * pairs;
    assert!(unmatched > 0, "the instance leaves people unmatched");
    let status = app.ask(OWNER, "status").await;
    assert!(status.contains(&format!("Unmatched in the latest round ({unmatched})")), "{status}");
    assert!(status.contains("Download the unmatched list"), "{status}");
    let (_, tag) = app.slack.press_in_message(OWNER, "C0GENERAL", "status_unmatched", &program).await;
    app.settle().await;
    assert!(app.answers(&tag).concat().contains("unmatched list"), "{:?}", app.answers(&tag));
    let file = app.sim.uploads().pop().expect("the unmatched list as a file");
    let content = String::from_utf8(file.bytes).unwrap();
    assert_eq!(content.lines().filter(|l| l.starts_with("- Person ")).count(), unmatched, "{content}");
    assert!(file.filename.contains("unmatched"), "{}", file.filename);
}

#[tokio::test]
async fn a_one_time_session_and_a_project_among_5000_people_and_150_skills_stay_in_slacks_limits() {
    let app = spawn_app().await;
    let program = app.count("SELECT id FROM programs").await;
    app.ask(OWNER, &format!("skills add {}", skills(150).join(", "))).await;
    people_joined(&app, program, 5000).await;
    let pool = app.db().await;
    sqlx::query("UPDATE participants SET one_time = 1 WHERE role = 'mentor'").execute(&pool).await.unwrap();
    pool.close().await;
    // Mentors (even numbers) teach `skill 000` to `skill 006`; U00000001 is a mentee.
    let started = std::time::Instant::now();
    let answer = app.ask("U00000001", "ask skill 004: the basics").await;
    let asked = started.elapsed();
    assert!(answer.contains("I'm asking a mentor who teaches *skill 004*"), "{answer}");
    let request = app.sent("chat.postMessage").pop().expect("one mentor asked");
    assert!(plain_text(&request["blocks"]).contains("the basics"));
    eprintln!("one-time session request among 5,000 people: first mentor asked {asked:?} after the command (debug)");

    // The App Home's request form: past 100 skills, people search them by typing.
    let form = upward::slack::messages::ask_modal(
        &upward::domain::program::Program {
            id: program,
            team_id: "T0001".into(),
            name: "default".into(),
            handle: "default".into(),
            created_at: 0,
        },
        &skills(150),
    );
    let wire = serde_json::to_value(&form).unwrap();
    assert_eq!(wire["blocks"][1]["element"]["type"], "external_select", "{wire}");

    // A project's proposal: the three best of 2,500 juniors.
    let answer = app.ask(OWNER, "project 2027-06-30 <@U00000001> skill 004, skill 002: a pilot").await;
    assert_eq!(answer.matches("Pair them").count(), 3, "{answer}");
}
