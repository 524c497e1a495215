//! The join modal: opened with the command's trigger, submitted, validated in place.

use serde_json::{json, Value};
use upward::slack::inbound::forms::JoinForm;

use crate::helpers::*;

/// Runs `/mentoring join` and returns the view the bot opened.
async fn open_form(app: &TestApp, user: &str) -> Value {
    let (answer, _) = app.slack.command(user, "join").await;
    assert_eq!(answer.status, 200);
    app.settle().await;
    let opened = app.sent("views.open").pop().expect("views.open was called");
    assert!(opened["trigger_id"].as_str().unwrap().ends_with(".1.trigger"), "the command's trigger: {opened}");
    opened["view"].clone()
}

#[tokio::test]
async fn the_form_offers_the_catalogue_and_its_submission_is_stored_and_confirmed() {
    let app = spawn_app().await;
    app.ask(OWNER, "skills add generative AI, social media").await;
    let view = open_form(&app, BOB).await;
    assert_eq!(view["type"], "modal");
    assert_eq!(view["callback_id"], "join_modal");
    let text = upward::slack::messages::plain_text(&view["blocks"]);
    assert!(text.contains("Skills I want to learn") && text.contains("Department"), "{text}");
    let options: Vec<&str> = view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["block_id"] == "learn_tags")
        .flat_map(|b| b["element"]["options"].as_array().unwrap())
        .map(|o| o["value"].as_str().unwrap())
        .collect();
    assert_eq!(options, ["generative AI", "social media"]);

    let form = JoinForm {
        role: Some("mentee"),
        learn_tags: &["social media"],
        learn_text: "TikTok, Generative ai",
        department: "Finance",
        goals: "Understand what our customers do online",
        ..JoinForm::default()
    };
    let answer = app.slack.submit(BOB, &view, form.values()).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, ""), "a plain ack closes the modal");
    app.settle().await;

    let (role, status, _, learn, _) = app.participant(BOB).await.expect("stored");
    assert_eq!((role.as_str(), status.as_str()), ("mentee", "active"));
    assert_eq!(learn, r#"["social media","TikTok","generative AI"]"#, "catalogue spelling, priority order kept");
    let dm = app
        .sent("chat.postMessage")
        .into_iter()
        .find(|m| m.to_string().contains("Welcome to"))
        .expect("a confirmation DM");
    assert_eq!(dm["channel"], BOB);
    let text = upward::slack::messages::plain_text(&dm["blocks"]);
    assert!(text.contains("Welcome to *default*") && text.contains("*Department:* Finance"), "{text}");
    let home = app.sent("views.publish").pop().expect("App Home refreshed");
    assert_eq!(home["user_id"], BOB);
}

#[tokio::test]
async fn invalid_submissions_get_field_errors_in_the_modal_and_store_nothing() {
    let app = spawn_app().await;
    let view = open_form(&app, ALICE).await;
    let before = app.snapshot().await;
    let cases = [
        (JoinForm::default(), "role", "Choose whether"),
        (JoinForm { role: Some("mentor"), ..JoinForm::default() }, "teach", "at least one skill you can teach"),
        (JoinForm { role: Some("both"), teach_text: "Figma", ..JoinForm::default() }, "learn", "want to learn"),
        (
            JoinForm { role: Some("mentee"), learn_text: "AI", department: &"d".repeat(300), ..JoinForm::default() },
            "department",
            "at most",
        ),
    ];
    for (form, block, message) in cases {
        let answer = app.slack.submit(ALICE, &view, form.values()).await;
        assert_eq!(answer.status, 200);
        let body = answer.json();
        assert_eq!(body["response_action"], "errors", "{form:?}: {}", answer.body);
        let error = body["errors"][block].as_str().unwrap_or_else(|| panic!("no error on {block}: {body}"));
        assert!(error.contains(message), "{block}: {error}");
    }
    app.settle().await;
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn the_fixture_submission_shape_with_one_skills_field_is_understood() {
    let app = spawn_app().await;
    let mut payload: Value = serde_json::from_str(&fixture("view_submission.json")).unwrap();
    // The fixture names its program; our forms carry the program id.
    let id = app.count("SELECT id FROM programs WHERE name = 'default'").await;
    payload["view"]["private_metadata"] = json!(format!("program={id}"));
    let answer = app.slack.interaction(&payload).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    app.settle().await;
    let (role, _, teach, ..) = app.participant("U0CA5").await.expect("stored");
    assert_eq!((role.as_str(), teach.as_str()), ("mentor", r#"["generative AI","TikTok"]"#));
}

#[tokio::test]
async fn a_form_for_a_program_that_is_gone_is_explained() {
    let app = spawn_app().await;
    let mut view = open_form(&app, ALICE).await;
    view["private_metadata"] = json!("garbled");
    let form = JoinForm { role: Some("mentor"), teach_text: "AI", ..JoinForm::default() };
    let answer = app.slack.submit(ALICE, &view, form.values()).await;
    assert!(answer.json()["errors"]["role"].as_str().unwrap().contains("out of date"));

    view["private_metadata"] = json!("program=999");
    let answer = app.slack.submit(ALICE, &view, form.values()).await;
    assert_eq!(answer.status, 200);
    app.settle().await;
    let dm = app.sent("chat.postMessage").pop().expect("a DM explains");
    assert!(dm["text"].as_str().unwrap().contains("no longer exists"), "{dm}");
    assert!(app.participant(ALICE).await.is_none());
}
