//! Socket Mode: the same intake over the simulator's websocket, acked per envelope.

use serde_json::{json, Value};
use upward::slack::messages::plain_text;

use crate::helpers::*;

fn envelope(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("a JSON fixture")
}

#[tokio::test]
async fn commands_and_events_arrive_over_the_websocket_and_are_acked() {
    let app = spawn_socket_app().await;
    let probe = http_get(app.running.addr, "/healthz").await;
    assert!(probe.starts_with("HTTP/1.1 200"), "probes are served in Socket Mode: {probe}");
    let slack_route = http_get(app.running.addr, "/slack/events").await;
    assert!(slack_route.starts_with("HTTP/1.1 404"), "Slack's routes are not: {slack_route}");

    let mut command = envelope("socket_mode_envelope_slash_commands.json");
    command["payload"]["response_url"] = json!(app.sim.response_url("socket"));
    let ack = app.sim.socket_deliver(&command).await;
    assert_eq!(ack["envelope_id"], command["envelope_id"]);
    assert!(!app.sent("apps.connections.open").is_empty(), "the bot asked Slack for its websocket URL");
    let guide = plain_text(&ack["payload"]["blocks"]);
    assert!(guide.contains("`/mentoring join`: sign up"), "the help guide, in the ack itself: {ack}");
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox").await, 0, "the guide needs nothing stored");

    command["envelope_id"] = json!("socket-profile-1");
    command["payload"]["text"] = json!("profile");
    command["payload"]["trigger_id"] = json!("socket-profile.trigger");
    let ack = app.sim.socket_deliver(&command).await;
    assert_eq!(ack["envelope_id"], "socket-profile-1");
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox").await, 1, "stored before the ack");
    app.settle().await;
    let answer = app.answers("socket").join("\n");
    assert!(answer.contains("/mentoring join"), "the profile answer says how to join: {answer}");

    let event = envelope("socket_mode_envelope_events_api.json");
    let ack = app.sim.socket_deliver(&event).await;
    assert_eq!(ack["envelope_id"], event["envelope_id"]);
    // Slack redelivers when an ack is late; the second copy is stored once.
    let mut again = event.clone();
    again["envelope_id"] = json!("second-delivery");
    again["retry_attempt"] = json!(1);
    app.sim.socket_deliver(&again).await;
    app.settle().await;
    let homes = app.sent("views.publish");
    assert_eq!(homes.len(), 1, "one App Home for one event_id");
    assert_eq!(homes[0]["user_id"], "U0001");
}

#[tokio::test]
async fn foreign_workspaces_get_their_answer_in_the_ack() {
    let app = spawn_socket_app().await;
    let mut command = envelope("socket_mode_envelope_slash_commands.json");
    command["payload"]["team_id"] = json!("T0OTHER");
    let ack = app.sim.socket_deliver(&command).await;
    assert_eq!(ack["payload"]["response_type"], "ephemeral");
    assert!(plain_text(&ack["payload"]["blocks"]).contains("another Slack workspace"), "{ack}");
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox").await, 0);
}

#[tokio::test]
async fn join_form_errors_come_back_in_the_ack() {
    let app = spawn_socket_app().await;
    let mut submission: Value = serde_json::from_str(&fixture("view_submission.json")).unwrap();
    let id = app.count("SELECT id FROM programs").await;
    submission["view"]["private_metadata"] = json!(format!("program={id}"));
    submission["view"]["state"]["values"]["skills"]["skills_input"]["value"] = json!(" , ");
    let envelope = json!({"envelope_id": "view-1", "type": "interactive", "payload": submission,
                          "accepts_response_payload": true});
    let ack = app.sim.socket_deliver(&envelope).await;
    assert_eq!(ack["payload"]["response_action"], "errors", "{ack}");
    assert!(ack["payload"]["errors"]["skills"].as_str().unwrap().contains("at least one skill"), "{ack}");
    assert_eq!(app.count("SELECT COUNT(*) FROM participants").await, 0);
}

#[tokio::test]
async fn a_skills_search_is_answered_in_the_ack() {
    let app = spawn_socket_app().await;
    let id = app.count("SELECT id FROM programs").await;
    let pool = app.db().await;
    for skill in ["Data viz", "SQL", "Big data"] {
        sqlx::query("INSERT INTO program_skills (program_id, tag, created_at) VALUES ($1, $2, 0)")
            .bind(id)
            .bind(skill)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let suggestion = json!({
        "type": "block_suggestion", "user": {"id": ALICE, "username": "alice", "team_id": "T0001"},
        "team": {"id": "T0001", "domain": "example"}, "api_app_id": "A0001", "token": "unused",
        "block_id": "teach_tags", "action_id": "tags_select", "value": "data",
        "container": {"type": "view", "view_id": "V1"},
        "view": {"type": "modal", "id": "V1", "title": {"type": "plain_text", "text": "Reverse mentoring"},
                 "blocks": [], "private_metadata": format!("program={id}")}
    });
    let envelope = json!({"envelope_id": "options-1", "type": "interactive", "payload": suggestion,
                          "accepts_response_payload": true});
    let ack = app.sim.socket_deliver(&envelope).await;
    let found: Vec<&str> = ack["payload"]["options"]
        .as_array()
        .expect("options in the ack")
        .iter()
        .filter_map(|o| o["value"].as_str())
        .collect();
    assert_eq!(found, ["Data viz", "Big data"], "{ack}");
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox").await, 0, "a search stores nothing");
}
