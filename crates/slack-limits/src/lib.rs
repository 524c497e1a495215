//! Slack's published limits, in one place that both sides read: the bot paces itself
//! by them and the simulator refuses what breaks them, so a test measures the bot
//! against the very limits it believes in: the rate tiers (`rate`) and the Block Kit
//! limits every message and view must fit (`blocks`).

pub mod blocks;
mod rate;

pub use rate::{Buckets, Rate, RateLimits, DEFAULT_RETRY_AFTER, TIER_2, TIER_3, TIER_4};
