//! The inbound edge: signatures, url_verification, malformed bodies, retries, strangers.

use serde_json::json;
use slack_sim::{sign, SIGNATURE_HEADER, TIMESTAMP_HEADER};

use crate::helpers::*;

const FORM: &str = "application/x-www-form-urlencoded";

/// The fixture's slash command, with our simulator's response_url.
fn command_body(app: &TestApp) -> String {
    let url = app.sim.response_url("fixture");
    fixture("slash_command.form").trim().replace(
        "response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678",
        &serde_urlencoded::to_string([("response_url", url)]).unwrap(),
    )
}

#[tokio::test]
async fn a_correctly_signed_fixture_command_is_stored_answered_and_acked() {
    let app = spawn_app().await;
    let answer = app.slack.post_signed("/slack/commands", FORM, command_body(&app)).await;
    assert_eq!(answer.status, 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox").await, 1, "stored before the ack");
    app.settle().await;
    let texts = app.answers("fixture");
    assert_eq!(texts.len(), 1);
    assert!(texts[0].contains("generative AI, TikTok"), "{}", texts[0]);
    let (role, status, teach, ..) = app.participant("U2147483697").await.expect("the fixture user joined");
    assert_eq!((role.as_str(), status.as_str()), ("mentor", "active"));
    assert_eq!(teach, r#"["generative AI","TikTok"]"#);
}

#[tokio::test]
async fn forged_stale_and_unsigned_requests_get_401_and_change_nothing() {
    let app = spawn_app().await;
    let before = app.snapshot().await;
    let body = command_body(&app);
    let now = chrono::Utc::now().timestamp();
    let cases = [
        (
            "wrong secret",
            vec![(SIGNATURE_HEADER, sign("not-the-secret", now, body.as_bytes())), (TIMESTAMP_HEADER, now.to_string())],
        ),
        (
            "stale timestamp",
            vec![
                (SIGNATURE_HEADER, sign(SECRET, now - 600, body.as_bytes())),
                (TIMESTAMP_HEADER, (now - 600).to_string()),
            ],
        ),
        (
            "timestamp swapped after signing",
            vec![(SIGNATURE_HEADER, sign(SECRET, now, body.as_bytes())), (TIMESTAMP_HEADER, (now - 1).to_string())],
        ),
        ("no signature", vec![(TIMESTAMP_HEADER, now.to_string())]),
        ("no timestamp", vec![(SIGNATURE_HEADER, sign(SECRET, now, body.as_bytes()))]),
        ("no headers", vec![]),
    ];
    for (case, headers) in cases {
        for path in ["/slack/commands", "/slack/events", "/slack/interactivity"] {
            let answer = app.slack.post_raw(path, FORM, body.clone(), &headers).await;
            assert_eq!(answer.status, 401, "{case} on {path}: {}", answer.body);
        }
    }
    // A body changed after signing fails too.
    let headers = app.slack.signed_headers(&body);
    let tampered = body.replace("mentor", "mentee");
    assert_eq!(app.slack.post_raw("/slack/commands", FORM, tampered, &headers).await.status, 401);
    app.settle().await;
    assert_eq!(app.snapshot().await, before);
    assert!(app.sim.calls().iter().all(|c| c.method == "auth.test"), "nothing was sent to Slack");
}

#[tokio::test]
async fn url_verification_echoes_the_challenge() {
    let app = spawn_app().await;
    let answer = app.slack.post_signed("/slack/events", "application/json", fixture("url_verification.json")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["challenge"], "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
}

#[tokio::test]
async fn malformed_bodies_get_400_and_change_nothing() {
    let app = spawn_app().await;
    let before = app.snapshot().await;
    let cases = [
        ("/slack/events", "application/json", "{not json".to_owned()),
        ("/slack/events", "application/json", json!({"type": "event_callback"}).to_string()),
        ("/slack/commands", FORM, "user_id=U1&text=%ZZ".to_owned()),
        ("/slack/commands", FORM, "text=hello".to_owned()),
        ("/slack/interactivity", FORM, "payload=%7Bnot%20json".to_owned()),
        ("/slack/interactivity", FORM, "nopayload=1".to_owned()),
    ];
    for (path, content_type, body) in cases {
        let answer = app.slack.post_signed(path, content_type, body.clone()).await;
        assert_eq!(answer.status, 400, "{path} {body}: {}", answer.body);
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_retried_event_is_handled_once() {
    let app = spawn_app().await;
    let body = fixture("event_app_home_opened.json");
    let first = app.slack.post_signed("/slack/events", "application/json", body.clone()).await;
    app.settle().await;
    let mut headers = app.slack.signed_headers(&body);
    headers.push(("X-Slack-Retry-Num", "1".into()));
    headers.push(("X-Slack-Retry-Reason", "http_timeout".into()));
    let retry = app.slack.post_raw("/slack/events", "application/json", body, &headers).await;
    app.settle().await;
    assert_eq!((first.status, retry.status), (200, 200));
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox").await, 1);
    assert_eq!(app.sent("views.publish").len(), 1, "one App Home publish for one event");
}

#[tokio::test]
async fn unknown_event_types_are_acked_and_ignored() {
    let app = spawn_app().await;
    // A channel no program is linked to: nothing to keep (see `tests/api/onboard.rs`).
    let answer =
        app.slack.post_signed("/slack/events", "application/json", fixture("event_member_joined_channel.json")).await;
    assert_eq!(answer.status, 200);
    app.settle().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox").await, 0);
}

#[tokio::test]
async fn requests_from_another_workspace_are_refused_politely() {
    let app = spawn_app().await;
    let before = app.snapshot().await;
    let body = command_body(&app).replace("team_id=T0001", "team_id=T0OTHER");
    let answer = app.slack.post_signed("/slack/commands", FORM, body).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["response_type"], "ephemeral");
    assert!(inline_text(&answer).contains("another Slack workspace"), "{}", answer.body);
    let event = fixture("event_app_home_opened.json")
        .replace("\"team_id\":\"T0001\",\"api_app_id\"", "\"team_id\":\"T0OTHER\",\"api_app_id\"");
    assert_eq!(app.slack.post_signed("/slack/events", "application/json", event).await.status, 200);
    app.settle().await;
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn another_slash_command_is_answered_not_stored() {
    let app = spawn_app().await;
    let body = command_body(&app).replace("command=%2Fmentoring", "command=%2Fweather");
    let answer = app.slack.post_signed("/slack/commands", FORM, body).await;
    assert_eq!(answer.status, 200);
    assert!(inline_text(&answer).contains("/weather"), "{}", answer.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox").await, 0);
}

#[tokio::test]
async fn health_answers_when_the_database_does() {
    let app = spawn_app().await;
    let addr = app.running.addr;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}
