//! Everything that speaks Slack's wire format: the inbound edge (HTTP and Socket Mode),
//! the Web API client, the Block Kit builders and the simulator used by tests and the demo.

pub mod client;
pub mod inbound;
pub mod limits;
pub mod messages;
pub mod outbound;
pub mod raw;
pub mod serve;
pub mod signing;
pub mod sim;
pub mod socket;

pub use client::{SendError, SlackApi};
pub use outbound::{Message, Outbound};
