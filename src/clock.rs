//! Where the bot's idea of "now" comes from. Handlers and workers ask a [`Clock`]
//! instead of the system, so tests and the demo can run on a clock of their own.

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock, for a deployed bot.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
