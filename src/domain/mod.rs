//! Pure decisions about programs and the people in them.
//!
//! Nothing here reads a clock, a database or the network: callers pass in what they
//! loaded and `today`/`now`, and get back a decision. That keeps the rules of the
//! product (who may join as what, when a pause may end, how figures are counted)
//! testable with plain unit and property tests, and the same whichever transport or
//! store delivered the inputs.

pub mod agenda;
pub mod bounds;
pub mod checkins;
pub mod import;
pub mod outbound;
pub mod outcomes;
pub mod pair;
pub mod participant;
pub mod program;
pub mod projects;
pub mod reflection;
pub mod rounds;
pub mod schedule;
pub mod sessions;
pub mod settings;
pub mod status;
pub mod summary;

pub use participant::{Profile, ProfileError, Role, Status};
pub use summary::ParticipantCounts;
