//! Slack's Socket Mode, as an app with several connections (replicas) sees it.
//!
//! `apps.connections.open` hands each caller a websocket URL with a ticket of its own,
//! remembering which app-level token asked: a test that gives each replica a token can
//! tell their connections apart. Like Slack, the simulator sends envelopes over every
//! open connection of the app, spreading them round-robin, and keeps each one until its
//! ack arrives. When a connection closes with envelopes unacknowledged (a replica
//! killed), they are sent again over the other open connections, `retry_attempt`
//! counted up, or over the next one to open. `hello` tells each connection how many the
//! app has open, itself included.

use std::collections::{HashMap, VecDeque};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::Message as Frame;

use crate::Sim;

/// One Socket Mode connection the bot opened, as Slack saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketConnection {
    /// Connections are numbered from 0 in the order they opened.
    pub id: usize,
    /// The app-level token that asked `apps.connections.open` for its URL.
    pub opened_by: String,
    pub open: bool,
    /// The ids of the envelopes sent over it, in order, re-sent ones included.
    pub carried: Vec<String>,
    /// Of those, envelopes sent again because the connection that carried them first
    /// closed before acknowledging them.
    pub redelivered: usize,
    /// Acks the bot sent back over it.
    pub acked: usize,
}

struct Connection {
    seen: SocketConnection,
    /// Frames for the connection's task to send; `None` once it closed.
    frames: Option<mpsc::UnboundedSender<String>>,
}

/// An envelope sent and not acknowledged yet.
struct Unacked {
    envelope: Value,
    /// When it was first handed over, so re-sent envelopes keep their order.
    seq: usize,
    /// The connection carrying it; `None` while it waits for one to open.
    on: Option<usize>,
    /// Whether a connection has carried it before.
    sent_before: bool,
}

/// Socket Mode's state, kept under the simulator's lock.
#[derive(Default)]
pub(crate) struct Sockets {
    /// The websocket address, once Socket Mode is on.
    base: Option<String>,
    /// The token each handed-out URL was asked with, by ticket.
    tickets: HashMap<String, String>,
    connections: Vec<Connection>,
    /// Envelopes handed to the simulator so far: the round-robin position.
    sent: usize,
    unacked: HashMap<String, Unacked>,
    /// Envelopes waiting for a connection to open, in order.
    waiting: VecDeque<String>,
    /// Acks received and not yet taken by [`Sim::socket_ack`], by envelope id.
    acks: HashMap<String, Value>,
}

impl Sockets {
    /// `apps.connections.open`'s answer for `token`.
    pub(crate) fn open_url(&mut self, token: &str) -> Value {
        let Some(base) = &self.base else {
            return json!({"ok": false, "error": "socket_mode_not_enabled"});
        };
        let ticket = format!("ticket{}", self.tickets.len() + 1);
        let url = format!("{base}?ticket={ticket}");
        self.tickets.insert(ticket, token.to_owned());
        json!({"ok": true, "url": url})
    }

    fn open_count(&self) -> usize {
        self.connections.iter().filter(|c| c.frames.is_some()).count()
    }

    /// Registers a connection that came with `ticket`; its id, and how many are open.
    fn connect(&mut self, ticket: Option<&str>, frames: mpsc::UnboundedSender<String>) -> (usize, usize) {
        let id = self.connections.len();
        let opened_by = ticket.and_then(|t| self.tickets.get(t)).cloned().unwrap_or_default();
        let seen = SocketConnection { id, opened_by, open: true, carried: Vec::new(), redelivered: 0, acked: 0 };
        self.connections.push(Connection { seen, frames: Some(frames) });
        (id, self.open_count())
    }

    /// Sends envelope `id` over the next open connection in turn; `false` when none is open.
    fn send(&mut self, id: &str) -> bool {
        let open: Vec<usize> = self.connections.iter().filter(|c| c.frames.is_some()).map(|c| c.seen.id).collect();
        let (Some(unacked), false) = (self.unacked.get_mut(id), open.is_empty()) else { return false };
        let at = open[unacked.seq % open.len()];
        let connection = &mut self.connections[at];
        let frames = connection.frames.as_ref().expect("an open connection");
        // A connection whose task has ended but not yet closed still takes the frame:
        // closing re-sends what it carried.
        let _ = frames.send(unacked.envelope.to_string());
        unacked.on = Some(at);
        connection.seen.carried.push(id.to_owned());
        connection.seen.redelivered += usize::from(unacked.sent_before);
        unacked.sent_before = true;
        true
    }

    /// Hands `envelope` over: sent now, or as soon as a connection opens.
    fn deliver(&mut self, envelope: &Value) -> String {
        let id = envelope["envelope_id"].as_str().expect("an envelope has an envelope_id").to_owned();
        self.unacked
            .insert(id.clone(), Unacked { envelope: envelope.clone(), seq: self.sent, on: None, sent_before: false });
        self.sent += 1;
        if !self.send(&id) {
            self.waiting.push_back(id.clone());
        }
        id
    }

    /// Sends what waited for a connection.
    fn flush(&mut self) {
        while let Some(id) = self.waiting.pop_front() {
            if !self.send(&id) {
                self.waiting.push_front(id);
                return;
            }
        }
    }

    /// An ack arrived over connection `from`.
    fn acked(&mut self, from: usize, ack: Value) {
        let Some(id) = ack["envelope_id"].as_str().map(str::to_owned) else { return };
        self.unacked.remove(&id);
        self.connections[from].seen.acked += 1;
        self.acks.insert(id, ack);
    }

    /// Connection `id` closed: what it carried unacknowledged is sent again elsewhere.
    fn close(&mut self, id: usize) {
        let connection = &mut self.connections[id];
        connection.frames = None;
        connection.seen.open = false;
        let mut orphans: Vec<(usize, String)> =
            self.unacked.iter().filter(|(_, u)| u.on == Some(id)).map(|(key, u)| (u.seq, key.clone())).collect();
        orphans.sort();
        for (_, key) in orphans {
            let unacked = self.unacked.get_mut(&key).expect("an unacked envelope");
            unacked.on = None;
            if let Some(attempt) = unacked.envelope["retry_attempt"].as_u64() {
                unacked.envelope["retry_attempt"] = json!(attempt + 1);
            }
            if !self.send(&key) {
                self.waiting.push_back(key);
            }
        }
    }
}

impl Sim {
    /// Turns on Socket Mode: a websocket endpoint on loopback, handed out by
    /// `apps.connections.open` to any app-level (`xapp-`) token.
    pub async fn socket_mode(&self) -> std::io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        self.lock().sockets.base = Some(format!("ws://{}/link", listener.local_addr()?));
        let sim = self.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(sim.clone().socket_connection(stream));
            }
        });
        Ok(())
    }

    /// One Socket Mode connection: hello first, then envelopes out and acks in until it
    /// closes.
    async fn socket_connection(self, stream: TcpStream) {
        let mut ticket = None;
        #[allow(clippy::result_large_err, reason = "the shape of tungstenite's handshake callback")]
        let read_ticket = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
            ticket = request.uri().query().and_then(|query| {
                url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "ticket").map(|(_, v)| v.into_owned())
            });
            Ok(response)
        };
        let Ok(socket) = tokio_tungstenite::accept_hdr_async(stream, read_ticket).await else { return };
        let (mut sink, mut incoming) = socket.split();
        let (frames, mut outgoing) = mpsc::unbounded_channel();
        let (id, open) = self.lock().sockets.connect(ticket.as_deref(), frames);
        let hello = json!({"type": "hello", "num_connections": open, "connection_info": {"app_id": "A0001"},
                           "debug_info": {"host": "sim", "approximate_connection_time": 3600}});
        if sink.send(Frame::text(hello.to_string())).await.is_ok() {
            self.lock().sockets.flush();
            self.called.notify_waiters();
            loop {
                tokio::select! {
                    text = outgoing.recv() => match text {
                        Some(text) => if sink.send(Frame::text(text)).await.is_err() { break },
                        None => break,
                    },
                    frame = incoming.next() => match frame {
                        Some(Ok(Frame::Text(text))) => {
                            if let Ok(ack) = serde_json::from_str::<Value>(&text) {
                                self.lock().sockets.acked(id, ack);
                                self.called.notify_waiters();
                            }
                        }
                        Some(Ok(Frame::Ping(data))) => { let _ = sink.send(Frame::Pong(data)).await; }
                        Some(Ok(Frame::Close(_)) | Err(_)) | None => break,
                        Some(Ok(_)) => {}
                    },
                }
            }
        }
        self.lock().sockets.close(id);
        self.called.notify_waiters();
    }

    /// Hands a Socket Mode envelope to Slack's side now (sent over the next open
    /// connection, or the first to open) without waiting for its ack; returns its id.
    /// Envelopes handed over one after another are spread in that order.
    pub fn socket_send(&self, envelope: &Value) -> String {
        let id = self.lock().sockets.deliver(envelope);
        self.called.notify_waiters();
        id
    }

    /// Waits for the bot's ack of envelope `envelope_id`, over whichever connection.
    pub async fn socket_ack(&self, envelope_id: &str) -> Value {
        loop {
            let notified = self.called.notified();
            if let Some(ack) = self.lock().sockets.acks.remove(envelope_id) {
                return ack;
            }
            notified.await;
        }
    }

    /// Sends a Socket Mode envelope to the bot and waits for its ack.
    pub async fn socket_deliver(&self, envelope: &Value) -> Value {
        let id = self.socket_send(envelope);
        self.socket_ack(&id).await
    }

    /// Every Socket Mode connection the bot opened, closed ones included, in order.
    pub fn socket_connections(&self) -> Vec<SocketConnection> {
        self.lock().sockets.connections.iter().map(|c| c.seen.clone()).collect()
    }

    /// Waits until `done` holds of the Socket Mode connections (see
    /// [`Sim::socket_connections`]); checked whenever one opens, closes, or carries
    /// an envelope or an ack.
    pub async fn wait_for_sockets(&self, done: impl Fn(&[SocketConnection]) -> bool) {
        loop {
            let notified = self.called.notified();
            if done(&self.socket_connections()) {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(n: usize) -> Value {
        json!({"envelope_id": format!("e{n}"), "type": "events_api", "retry_attempt": 0, "payload": {}})
    }

    #[test]
    fn envelopes_are_spread_round_robin_and_a_closed_connections_unacked_ones_go_to_another() {
        let mut sockets = Sockets { base: Some("ws://sim/link".into()), ..Sockets::default() };
        let url = sockets.open_url("xapp-a");
        let ticket = url["url"].as_str().unwrap().split("ticket=").nth(1).unwrap().to_owned();
        let (to_a, mut a) = mpsc::unbounded_channel();
        let (to_b, mut b) = mpsc::unbounded_channel();
        assert_eq!(sockets.connect(Some(&ticket), to_a), (0, 1), "hello says one connection");
        assert_eq!(sockets.connect(None, to_b), (1, 2), "then two");
        for n in 0..4 {
            sockets.deliver(&envelope(n));
        }
        let ids = |rx: &mut mpsc::UnboundedReceiver<String>| {
            std::iter::from_fn(|| rx.try_recv().ok())
                .map(|text| serde_json::from_str::<Value>(&text).unwrap())
                .map(|e| (e["envelope_id"].as_str().unwrap().to_owned(), e["retry_attempt"].as_u64().unwrap()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&mut a), [("e0".into(), 0), ("e2".into(), 0)]);
        assert_eq!(ids(&mut b), [("e1".into(), 0), ("e3".into(), 0)]);
        sockets.acked(0, json!({"envelope_id": "e0"}));
        sockets.close(0);
        assert_eq!(ids(&mut b), [("e2".into(), 1)], "e2 was unacked on the closed connection; e0 was acked");
        sockets.close(1);
        sockets.deliver(&envelope(4));
        let (to_c, mut c) = mpsc::unbounded_channel();
        sockets.connect(None, to_c);
        sockets.flush();
        let mut resent = ids(&mut c);
        resent.sort();
        assert_eq!(resent, [("e1".into(), 1), ("e2".into(), 2), ("e3".into(), 1), ("e4".into(), 0)]);
        let seen: Vec<_> = sockets.connections.iter().map(|c| (c.seen.opened_by.as_str(), c.seen.open)).collect();
        assert_eq!(seen, [("xapp-a", false), ("", false), ("", true)]);
        assert_eq!(sockets.connections[1].seen.redelivered, 1, "e2 again");
        assert_eq!(sockets.connections[2].seen.redelivered, 3, "e1, e2 and e3 again");
    }
}
