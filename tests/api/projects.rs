//! Project pairs end to end: an owner creates a project for a lead, picks a junior
//! from the bot's proposal, the pair is introduced naming the project and checked in
//! with until the end date; then it ends and each closes it with *did the project reach
//! its goal?*. Mentees create their own only where the program allows.

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use upward::slack::messages::plain_text;

use crate::given::{alice_and_bob_joined, CAROL};
use crate::helpers::*;

/// The `project_pick` buttons of a proposal, as (junior's mention line, value).
pub(crate) fn picks(message: &Value) -> Vec<(String, String)> {
    message["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["accessory"]["action_id"] == "project_pick")
        .map(|b| (b["text"]["text"].as_str().unwrap().to_owned(), b["accessory"]["value"].as_str().unwrap().to_owned()))
        .collect()
}

fn group_posts(app: &TestApp) -> Vec<Value> {
    app.sent("chat.postMessage").into_iter().filter(|m| m["channel"].as_str().unwrap().starts_with('G')).collect()
}

#[tokio::test]
async fn a_project_pair_is_picked_checked_in_until_its_end_and_closed_with_the_goal_question() {
    let (app, clock) = alice_and_bob_joined().await;
    app.ask(CAROL, "join mentor prompting, video dept:Marketing").await;

    // The owner creates Bob's project; Carol teaches both its skills, Alice one.
    let (_, tag) = app
        .slack
        .command(OWNER, &format!("project 2026-12-31 <@{BOB}> video, prompting: launch the product film"))
        .await;
    app.settle().await;
    let proposal = app.sim.delivered("response_url").into_iter().find(|a| a["response_url_tag"] == tag).unwrap();
    let text = plain_text(&proposal["blocks"]);
    assert!(text.contains("launch the product film") && text.contains("until 2026-12-31"), "{text}");
    let options = picks(&proposal);
    assert_eq!(options.len(), 2, "{options:?}");
    assert!(options[0].0.contains(CAROL) && options[1].0.contains(ALICE), "best score first: {options:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM projects WHERE status = 'proposed'").await, 1);

    // A mentee's pick is refused; the owner's makes the pair.
    app.slack.press_in_message(BOB, "D1", "project_pick", &options[0].1).await;
    app.settle().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM projects WHERE status = 'live'").await, 0, "owners pick");
    // A button naming nobody of this program (a stale or forged value) pairs nobody.
    let project_id = options[0].1.split_once(':').unwrap().0;
    let (_, tag) = app.slack.press_in_message(OWNER, "D1", "project_pick", &format!("{project_id}:999999")).await;
    app.settle().await;
    assert!(app.answers(&tag)[0].contains("no longer open"), "{:?}", app.answers(&tag));
    assert_eq!(app.count("SELECT COUNT(*) FROM projects WHERE status = 'live'").await, 0, "nobody was paired");
    let (_, tag) = app.slack.press_in_message(OWNER, "D1", "project_pick", &options[0].1).await;
    app.settle().await;
    assert!(app.answers(&tag)[0].contains("Paired"), "{:?}", app.answers(&tag));
    let intro = group_posts(&app).pop().expect("the pair's introduction");
    let text = plain_text(&intro["blocks"]);
    assert!(text.contains("*project pair*") && text.contains("launch the product film"), "{text}");
    assert!(text.contains(&format!("<@{CAROL}>")) && text.contains(&format!("<@{BOB}>")), "{text}");
    // A second pick of the same project changes nothing.
    let (_, tag) = app.slack.press_in_message(OWNER, "D1", "project_pick", &options[1].1).await;
    app.settle().await;
    assert!(app.answers(&tag)[0].contains("no longer open"), "{:?}", app.answers(&tag));
    let status = app.ask(OWNER, "status").await;
    assert!(status.contains("Pairs:* 1 active") && status.contains("0 rounds"), "a project is no round: {status}");

    // Check-ins until the end date, as for any pair.
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2026, 12, 14, 14, 0, 0).unwrap()).await;
    let nudges = || group_posts(&app).into_iter().filter(|m| plain_text(&m["blocks"]).contains("did you meet")).count();
    assert_eq!(nudges(), 1);

    // The day after the end date: the pair ends, both are asked to close the project.
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM projects WHERE status = 'ended'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM pairs WHERE status = 'ended' AND ended_by = 'project'").await, 1);
    let closing: Vec<Value> = app
        .sent("chat.postMessage")
        .into_iter()
        .filter(|m| plain_text(&m["blocks"]).contains("reached its end date"))
        .collect();
    assert_eq!(closing.len(), 2, "both of the pair");
    let close = button(&closing[0], "project_close");
    app.slack.press(BOB, "project_close", &close).await;
    app.settle().await;
    let view = app.sent("views.open").pop().expect("the closing reflection")["view"].clone();
    assert_eq!(view["callback_id"], "project_reflection_modal");
    let answer = app.slack.submit(BOB, &view, reflection("film editing", Some("5"), "owners")).await;
    assert!(
        answer.json()["errors"]["project_reached"].as_str().unwrap().contains("reached its goal"),
        "{}",
        answer.body
    );
    let mut values = reflection("film editing", Some("5"), "owners");
    values["project_reached"] = json!({"project_reached_select": {"type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": "Yes"}, "value": "yes"}}});
    let answer = app.slack.submit(BOB, &view, values).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, ""));
    app.settle().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM project_answers WHERE reached = 'yes'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM reflections WHERE rating = 5").await, 1);

    // No check-in after the end.
    set_clock(&app, &clock, Utc.with_ymd_and_hms(2027, 1, 11, 16, 0, 0).unwrap()).await;
    assert_eq!(nudges(), 2, "Monday 28 December was the last check-in");
    let status = app.ask(OWNER, "status").await;
    assert!(status.contains("*Projects:* 0 waiting for a junior, 0 live, 1 ended · goal reached: 1 yes"), "{status}");
    app.ask(OWNER, "export").await;
    let export = String::from_utf8(app.sim.uploads().into_iter().find(|u| u.channel.is_some()).unwrap().bytes).unwrap();
    let row = export.lines().find(|l| l.ends_with(",project")).expect("the project's row");
    assert!(row.contains("film editing"), "shared with owners: {row}");
}

#[tokio::test]
async fn mentees_create_projects_only_where_the_program_allows_and_owners_pick() {
    let (app, _clock) = alice_and_bob_joined().await;
    let ask = "project 2027-02-26 prompting: prompts for the board pack";
    assert!(app.ask(BOB, ask).await.contains("only owners create project pairs"));
    assert!(app.ask(OWNER, "program set mentee-projects on").await.contains("owners and mentees create them"));
    assert!(app.ask(BOB, "project 2026-11-30 prompting: late").await.contains("has passed"));
    assert!(app.ask(BOB, "project 2027-02-26 knitting: scarves").await.contains("no junior who teaches"));
    assert!(app.ask(ALICE, ask).await.contains("is not a mentee"), "the lead learns");
    assert!(app.ask(BOB, &format!("project 2027-02-26 <@{ALICE}> prompting: x")).await.contains("only owners"));
    assert!(app.ask(BOB, ask).await.contains("went to the program owners"));
    let to_owner: Vec<Value> = app.sent("chat.postMessage").into_iter().filter(|m| m["channel"] == OWNER).collect();
    let proposal = to_owner.iter().find(|m| !picks(m).is_empty()).expect("the proposal in the owner's DM");
    assert!(picks(proposal)[0].0.contains(ALICE));
    assert_eq!(app.count("SELECT COUNT(*) FROM projects").await, 2, "the unmatched one is kept for the figures");
}
