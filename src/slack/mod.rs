//! Everything that speaks Slack's wire format: the inbound edge (HTTP and Socket Mode,
//! with the form parsers), the Web API client, and the Block Kit builders with the ids
//! that link them to the parsers. The simulator that plays Slack in tests and the demo
//! is a crate of its own (`crates/slack-sim`).

pub mod client;
pub mod ids;
pub mod inbound;
pub mod messages;
pub mod raw;
pub mod serve;

pub use client::SlackApi;
pub use raw::SendError;
