//! Socket Mode: the same intake over the simulator's websocket, acked per envelope, and
//! several replicas sharing the envelopes Slack spreads over their connections.

use std::collections::BTreeMap;

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

/// Person `n` of the replica test: a Slack user id.
fn person(n: usize) -> String {
    format!("U0P{n:06}")
}

/// For each person of `people`: `/mentoring profile` (answered through the response_url
/// tagged `cmd-<n>`) and an App Home opening; then each opening again under a new
/// envelope id, as Slack retries an event, after all the first copies, so that the two
/// copies of an event travel on different connections.
fn envelopes(people: std::ops::Range<usize>, sim: &slack_sim::Sim) -> Vec<Value> {
    let mut first = Vec::new();
    let mut retries = Vec::new();
    for n in people {
        let mut command = envelope("socket_mode_envelope_slash_commands.json");
        command["envelope_id"] = json!(format!("cmd-envelope-{n}"));
        command["payload"]["user_id"] = json!(person(n));
        command["payload"]["text"] = json!("profile");
        command["payload"]["trigger_id"] = json!(format!("{n}.1.trigger"));
        command["payload"]["response_url"] = json!(sim.response_url(&format!("cmd-{n}")));
        first.push(command);
        let mut event = envelope("socket_mode_envelope_events_api.json");
        event["envelope_id"] = json!(format!("home-envelope-{n}"));
        event["payload"]["event_id"] = json!(format!("EvHOME{n:06}"));
        event["payload"]["event"]["user"] = json!(person(n));
        let mut retry = event.clone();
        retry["envelope_id"] = json!(format!("home-envelope-{n}-retry"));
        retry["retry_attempt"] = json!(1);
        first.push(event);
        retries.push(retry);
    }
    first.extend(retries);
    first
}

/// Sends `envelopes` in order (so they are spread over the connections in that order)
/// and waits for every ack.
async fn deliver_all(sim: &slack_sim::Sim, envelopes: &[Value]) {
    let ids: Vec<String> = envelopes.iter().map(|e| sim.socket_send(e)).collect();
    for id in ids {
        assert_eq!(sim.socket_ack(&id).await["envelope_id"], id.as_str());
    }
}

/// How many answers each person's command got, and how many App Homes each was published.
fn answered(sim: &slack_sim::Sim) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
    let mut commands = BTreeMap::new();
    for answer in sim.delivered("response_url") {
        *commands.entry(answer["response_url_tag"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    let mut homes = BTreeMap::new();
    for home in sim.delivered("views.publish") {
        *homes.entry(home["user_id"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    (commands, homes)
}

/// Envelopes each replica's connections carried, by app-level token.
fn carried_by(sim: &slack_sim::Sim) -> BTreeMap<String, usize> {
    let mut carried = BTreeMap::new();
    for connection in sim.socket_connections() {
        *carried.entry(connection.opened_by).or_default() += connection.carried.len();
    }
    carried
}

/// Socket Mode with several replicas: Slack spreads envelopes over every connection of
/// the app and sends one again over another when its connection closes unacked. Three
/// real `upward serve` processes on one PostgreSQL database, each dialling with an
/// app-level token of its own so the simulator can tell them apart: commands from
/// distinct people and App Home events, each event delivered twice, are all acked,
/// spread over the three, and answered or handled once in all. Then a replica that
/// does not send is frozen (SIGSTOP) while envelopes reach its connections, and killed
/// (SIGKILL): the others get those envelopes and nothing is lost or doubled.
#[tokio::test]
async fn socket_mode_replicas_share_the_envelopes_and_a_killed_ones_are_delivered_again() {
    const REPLICAS: usize = 3;
    /// slack-morphism opens two connections per process.
    const CONNECTIONS: usize = 2 * REPLICAS;
    const PEOPLE: usize = 24;
    const SPEED: u32 = 20;
    if !on_postgres() {
        eprintln!("TEST_DATABASE_URL is not set: Socket Mode replicas share a PostgreSQL database");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path(), "unused.db").await;
    let sim = slack_sim::Sim::start(TOKEN).await.unwrap();
    sim.socket_mode().await.unwrap();
    let tokens: Vec<String> = (0..REPLICAS).map(|i| format!("xapp-replica-{i}")).collect();
    let mut replicas: Vec<_> = tokens.iter().map(|token| serve_socket_mode(&sim, &url, SPEED, token)).collect();
    sim.wait_for_sockets(|c| c.iter().filter(|c| c.open).count() == CONNECTIONS).await;

    let first = envelopes(0..PEOPLE, &sim);
    deliver_all(&sim, &first).await;
    let carried = carried_by(&sim);
    assert_eq!(carried.values().sum::<usize>(), first.len(), "each envelope sent once: {carried:?}");
    assert!(tokens.iter().all(|t| carried.get(t).is_some_and(|n| *n > 0)), "spread over every replica: {carried:?}");
    let connections = sim.socket_connections();
    let replica_of =
        |envelope: String| connections.iter().find(|c| c.carried.contains(&envelope)).unwrap().opened_by.clone();
    assert!(
        (0..PEOPLE).any(|n| replica_of(format!("home-envelope-{n}")) != replica_of(format!("home-envelope-{n}-retry"))),
        "some event's two copies reached different replicas"
    );
    sim.wait_for_counts(|c| c.of("response_url", true) >= PEOPLE && c.of("views.publish", true) >= PEOPLE).await;

    // A replica that does not hold the sender lease stops answering, then dies.
    let pool = db(&url).await;
    let sender: String = sqlx::query_scalar("SELECT holder FROM leases WHERE name = $1")
        .bind(upward::jobs::dispatcher::SENDER_LEASE)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    let sender = sender.split('-').next().unwrap().parse::<u32>().unwrap();
    let victim = replicas.iter().position(|r| r.id() != Some(sender)).unwrap();
    let victim_pid = replicas[victim].id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-STOP", &victim_pid]).status().unwrap().success());
    let second = envelopes(PEOPLE..2 * PEOPLE, &sim);
    let ids: Vec<String> = second.iter().map(|e| sim.socket_send(e)).collect();
    let sent = first.len() + second.len();
    let frozen = |c: &slack_sim::SocketConnection| c.opened_by == tokens[victim];
    sim.wait_for_sockets(|connections| {
        connections.iter().map(|c| c.carried.len()).sum::<usize>() == sent
            && connections.iter().filter(|c| !frozen(c)).all(|c| c.acked == c.carried.len())
    })
    .await;
    // Frozen, it acked none of the second batch: what it carried past its acks waits.
    let stranded: Vec<String> =
        sim.socket_connections().into_iter().filter(frozen).flat_map(|c| c.carried.into_iter().skip(c.acked)).collect();
    assert!(!stranded.is_empty(), "some envelopes reached the frozen replica and wait for its ack");
    let mut killed = replicas.remove(victim);
    killed.start_kill().unwrap();
    killed.wait().await.unwrap();
    for id in &ids {
        assert_eq!(sim.socket_ack(id).await["envelope_id"], id.as_str(), "every envelope acked in the end");
    }
    let connections = sim.socket_connections();
    assert!(connections.iter().filter(|c| frozen(c)).all(|c| !c.open), "the killed replica's connections closed");
    let survivors: Vec<_> = connections.iter().filter(|c| !frozen(c)).collect();
    for id in &stranded {
        assert!(survivors.iter().any(|c| c.carried.contains(id)), "{id} was sent again to another replica");
    }
    let redelivered: usize = survivors.iter().map(|c| c.redelivered).sum();
    assert!(redelivered >= stranded.len(), "{redelivered} envelopes sent again, {} stranded", stranded.len());

    sim.wait_for_counts(|c| c.of("response_url", true) >= 2 * PEOPLE && c.of("views.publish", true) >= 2 * PEOPLE)
        .await;
    for replica in &mut replicas {
        let pid = replica.id().unwrap().to_string();
        assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        assert!(replica.wait().await.unwrap().success(), "a replica stops cleanly");
    }
    let (commands, homes) = answered(&sim);
    let once = |counts: &BTreeMap<String, usize>| counts.len() == 2 * PEOPLE && counts.values().all(|n| *n == 1);
    assert!(once(&commands), "each command answered once: {commands:?}");
    assert!(once(&homes), "each event handled once: {homes:?}");
}
