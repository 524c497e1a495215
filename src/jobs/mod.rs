//! Background work: the consumer that handles stored events, the dispatcher that sends
//! the outbox, the scheduler that fires timers and the directory that caches who is in
//! the workspace. Each loop wraps a one-step function (`consume_next`, `dispatch_one`,
//! `tick`, `refresh`) that tests and the demo call directly to drain work without sleeping.

pub mod consumer;
pub mod directory;
pub mod dispatcher;
pub mod housekeeping;
pub mod scheduler;
