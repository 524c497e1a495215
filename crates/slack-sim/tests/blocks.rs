//! The simulator refuses what Slack refuses for breaking Block Kit limits, in Slack's
//! words, and keeps the refusal for the test that caused it.

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use slack_sim::Sim;

const TOKEN: &str = "xoxb-sim";

async fn post(url: String, body: Value) -> Value {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = hyper::Request::post(url)
        .header("content-type", "application/json; charset=utf-8")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let response = client.request(request).await.expect("the simulator answers");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).expect("a JSON answer")
}

fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

#[tokio::test]
async fn a_message_past_the_limits_is_refused_as_invalid_blocks_and_kept() {
    let sim = Sim::start(TOKEN).await.unwrap();
    let fine = json!({"channel": "C1", "text": "hello", "blocks": [section("hello")]});
    assert_eq!(post(format!("{}/chat.postMessage", sim.api_url()), fine).await["ok"], true);

    let too_many = json!({"channel": "C1", "text": "hello", "blocks": vec![section("x"); 51]});
    let answer = post(format!("{}/chat.postMessage", sim.api_url()), too_many).await;
    assert_eq!((answer["ok"].as_bool(), answer["error"].as_str()), (Some(false), Some("invalid_blocks")));
    let messages = answer["response_metadata"]["messages"].as_array().unwrap();
    assert!(messages[0].as_str().unwrap().contains("[json-pointer:/blocks]"), "{answer}");

    let long = json!({"text": "hi", "blocks": [section(&"a".repeat(3001))]});
    let answer = post(sim.response_url("cmd1"), long).await;
    assert_eq!(answer["error"], "invalid_blocks", "answers through a response_url are held to the same limits");

    let view = json!({"user_id": "U1", "view": {"type": "home", "blocks": vec![section("x"); 101]}});
    assert_eq!(post(format!("{}/views.publish", sim.api_url()), view).await["error"], "invalid_blocks");

    let refused: Vec<String> = sim.refusals().iter().map(|r| r.method.clone()).collect();
    assert_eq!(refused, ["chat.postMessage", "response_url", "views.publish"]);
    assert_eq!(sim.delivered("chat.postMessage").len(), 1, "a refused message is not delivered");
}
