//! Background work: the consumer that handles stored events and the dispatcher that
//! sends the outbox. Each loop wraps a one-step function (`consume_one`,
//! `dispatch_one`) that tests and the demo call directly to drain work without sleeping.

pub mod consumer;
pub mod dispatcher;
pub mod housekeeping;
pub mod scheduler;
