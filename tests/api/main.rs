//! End-to-end tests: the real router, signed requests in Slack's shapes, the Slack
//! simulator on 127.0.0.1 and a real SQLite file per test.

mod checkins;
mod circles;
mod cli;
mod commands;
mod connections;
mod delivery;
mod durability;
mod edge;
mod exits;
mod faults;
mod given;
mod goals;
mod helpers;
mod home;
mod integrity;
mod launch;
mod manifest;
mod modal;
mod onboard;
mod owners;
mod projects;
mod retention;
mod rounds;
mod scale;
mod sessions;
mod socket;
mod timers;
mod upload;
