//! The HTTP edge under slowloris: connections that send half a header and wait are
//! closed after the header timeout, the oldest of them make room at the connection
//! cap, and `/healthz` answers throughout. (The 10,000-connection run is
//! `upward bench slowloris`.)

use std::time::Duration;

use slack_sim::Sim;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use upward::app::{App, Running, Workers};
use upward::clock::SystemClock;
use upward::config::ServeArgs;

use crate::helpers::{SECRET, TOKEN};

/// A guard against a hung test, not a measurement: every wait below ends on an event.
const HANG_GUARD: Duration = Duration::from_secs(60);

async fn bot(max_connections: usize, header_timeout_ms: u64) -> (Running, tempfile::TempDir) {
    let sim = Sim::start(TOKEN).await.unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let config = ServeArgs {
        slack_bot_token: Some(TOKEN.into()),
        slack_signing_secret: Some(SECRET.into()),
        slack_api_url: Some(sim.api_url()),
        database_url: Some(crate::helpers::fresh_database(dir.path(), "edge.db").await),
        listen: Some("127.0.0.1:0".into()),
        max_connections: Some(max_connections.to_string()),
        header_timeout_ms: Some(header_timeout_ms.to_string()),
        ..ServeArgs::default()
    }
    .into_config()
    .unwrap();
    let app = App::build(config, std::sync::Arc::new(SystemClock)).await.unwrap();
    (app.start(Workers::Manual).await.unwrap(), dir)
}

/// Half a request header, then silence.
async fn half_header(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: bot\r\nX-Slow: ").await.unwrap();
    stream
}

/// Waits until the server closes `stream` (end of file or reset).
async fn closed_by_server(stream: &mut TcpStream) {
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

async fn healthz(addr: std::net::SocketAddr) -> String {
    crate::helpers::http_get(addr, "/healthz").await
}

#[tokio::test]
async fn healthz_answers_while_hundreds_of_half_headers_wait_and_the_oldest_make_room() {
    let (running, _dir) = bot(50, 600_000).await;
    let addr = running.addr;
    let mut slow = Vec::new();
    for _ in 0..300 {
        slow.push(half_header(addr).await);
    }
    let answer = tokio::time::timeout(HANG_GUARD, healthz(addr)).await.expect("healthz answered");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Only the newest fit under the cap of 50: the 250 oldest were closed to make room.
    tokio::time::timeout(HANG_GUARD, async {
        for stream in &mut slow[..250] {
            closed_by_server(stream).await;
        }
    })
    .await
    .expect("the oldest idle connections were closed");
    running.stop().await;
}

#[tokio::test]
async fn a_half_header_is_closed_after_the_header_timeout() {
    let (running, _dir) = bot(1_000, 200).await;
    let mut stream = half_header(running.addr).await;
    tokio::time::timeout(HANG_GUARD, closed_by_server(&mut stream)).await.expect("closed by the server");
    let answer = tokio::time::timeout(HANG_GUARD, healthz(running.addr)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    running.stop().await;
}
