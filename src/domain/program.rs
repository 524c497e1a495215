//! A program: one reverse-mentoring scheme of a workspace, with its own people,
//! catalogue, settings and owners.

/// The program everyone can join on a fresh install, before any owner acts.
pub const DEFAULT_PROGRAM: &str = "default";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub id: i64,
    pub team_id: String,
    pub name: String,
    pub created_at: i64,
}
