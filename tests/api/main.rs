//! End-to-end tests: the real router, signed requests in Slack's shapes, the Slack
//! simulator on 127.0.0.1 and a real database per test: a SQLite file, or a schema of
//! its own in PostgreSQL when `TEST_DATABASE_URL` is set.

mod checkins;
mod circles;
mod cli;
mod commands;
mod connections;
mod delivery;
mod durability;
mod edge;
mod engines;
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
mod operations;
mod owners;
mod projects;
mod races;
mod retention;
mod rounds;
mod scale;
mod sessions;
mod socket;
mod timers;
mod upload;
