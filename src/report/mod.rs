//! What program owners are shown beyond text: pictures of how the program is going.
//!
//! Rendering lives here, apart from `slack/messages` (Block Kit text) and `domain`
//! (figures), because it is pure bytes in and bytes out: a handler computes the weekly
//! figures, asks for a PNG, and puts it in the outbox with the App Home view, and the
//! dispatcher uploads it through Slack's external upload flow.

pub mod chart;
pub mod export;
pub mod metrics;

pub use chart::{figures_hash, weekly_png, ChartError, WeekPoint};
