//! # upward
//!
//! A Slack bot that runs reverse-mentoring programs: junior employees (mentors) teach
//! senior leaders (mentees) about technology, tools and workplace culture.
//!
//! ## How a request flows
//! Slack → [`slack::inbound`] (verify the signature, convert to our own [`event::Event`],
//! store it in the inbox, ack) → [`jobs::consumer`] → [`commands`] (parse, decide with
//! the pure [`domain`], write state and outbox rows in one [`store`] transaction) →
//! [`jobs::dispatcher`] → [`slack::client`] → Slack.
//!
//! Nothing is lost between those steps: the inbox is written before the ack and
//! replayed at start; every message the bot sends is an outbox row first. The
//! simulator (`crates/slack-sim`) stands in for Slack in tests, `upward demo` and `upward bench`.

pub mod app;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod domain;
pub mod event;
pub mod jobs;
pub mod report;
pub mod slack;
pub mod store;
