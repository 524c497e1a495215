//! End-to-end tests: the real router, signed requests in Slack's shapes, the Slack
//! simulator on 127.0.0.1 and a real SQLite file per test.

mod checkins;
mod cli;
mod commands;
mod delivery;
mod durability;
mod edge;
mod exits;
mod given;
mod goals;
mod helpers;
mod home;
mod manifest;
mod modal;
mod owners;
mod rounds;
mod scale;
mod socket;
mod timers;
mod upload;
