//! Session ideas written for reverse mentoring, suggested to a pair by the skills it
//! shares: a hands-on "prompting together" for generative AI, "reverse shadowing" where
//! the junior watches the senior work, a "role swap" where the senior teaches back.
//!
//! The catalogue is data (`data/agendas.json`, built in) that owners extend with a file of
//! their own in the same shape (`UPWARD_AGENDAS`): a session there with a built-in title
//! replaces it, others are added.

use serde::Deserialize;
use thiserror::Error;

/// The built-in catalogue.
const BUILT_IN: &str = include_str!("../../data/agendas.json");

/// One suggested session.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Session {
    pub title: String,
    /// Skill tags it serves; none: a session for any pair.
    #[serde(default)]
    pub skills: Vec<String>,
    /// What the pair does, in a sentence or two.
    pub how: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    sessions: Vec<Session>,
}

#[derive(Debug, Error)]
pub enum AgendaError {
    #[error("not a list of sessions ({{\"title\", \"skills\", \"how\"}}): {0}")]
    Shape(#[from] serde_json::Error),
    #[error("a session has an empty title or description")]
    Empty,
}

fn parse(json: &str) -> Result<Vec<Session>, AgendaError> {
    let sessions: Vec<Session> = serde_json::from_str(json)?;
    if sessions.iter().any(|s| s.title.trim().is_empty() || s.how.trim().is_empty()) {
        return Err(AgendaError::Empty);
    }
    Ok(sessions)
}

impl Default for Catalogue {
    fn default() -> Self {
        Catalogue { sessions: parse(BUILT_IN).expect("the built-in agenda catalogue is valid") }
    }
}

impl Catalogue {
    /// The built-in catalogue extended by owners' sessions (a JSON list of the same shape).
    pub fn extended(json: &str) -> Result<Catalogue, AgendaError> {
        let mut catalogue = Catalogue::default();
        for session in parse(json)? {
            match catalogue.sessions.iter_mut().find(|s| s.title.eq_ignore_ascii_case(&session.title)) {
                Some(existing) => *existing = session,
                None => catalogue.sessions.push(session),
            }
        }
        Ok(catalogue)
    }

    /// Up to `n` sessions for a pair sharing `skills`: those serving most of its skills
    /// first, then sessions for any pair.
    pub fn suggest(&self, skills: &[String], n: usize) -> Vec<&Session> {
        let serves =
            |s: &Session| s.skills.iter().filter(|tag| skills.iter().any(|k| k.eq_ignore_ascii_case(tag))).count();
        let mut matching: Vec<(usize, &Session)> =
            self.sessions.iter().map(|s| (serves(s), s)).filter(|(n, _)| *n > 0).collect();
        matching.sort_by_key(|&(n, _)| std::cmp::Reverse(n));
        let general = self.sessions.iter().filter(|s| s.skills.is_empty());
        matching.into_iter().map(|(_, s)| s).chain(general).take(n).collect()
    }
}

impl Catalogue {
    /// One session for a pair's `turn`-th check-in: the suggestions in turn, so a pair
    /// meets a new idea each time before any comes back.
    pub fn idea(&self, skills: &[String], turn: usize) -> Option<&Session> {
        let ideas = self.suggest(skills, usize::MAX);
        ideas.get(turn % ideas.len().max(1)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(sessions: Vec<&Session>) -> Vec<&str> {
        sessions.into_iter().map(|s| s.title.as_str()).collect()
    }

    #[test]
    fn sessions_follow_the_pair_skills_then_fit_anyone() {
        let catalogue = Catalogue::default();
        let suggested = catalogue.suggest(&["Generative AI".into()], 3);
        assert_eq!(titles(suggested), ["Prompting together", "Reverse shadowing", "Role swap"]);
        assert_eq!(titles(catalogue.suggest(&[], 2)), ["Reverse shadowing", "Role swap"]);
        let ai = ["generative AI".to_owned()];
        let turns: Vec<&str> = (0..4).filter_map(|t| catalogue.idea(&ai, t)).map(|s| s.title.as_str()).collect();
        assert_eq!(turns, ["Prompting together", "Reverse shadowing", "Role swap", "Prompting together"]);
    }

    #[test]
    fn owners_extend_and_replace_sessions() {
        let own = r#"[{"title": "Role swap", "how": "Our own version."},
                      {"title": "Security basics", "skills": ["phishing"], "how": "Spot three phishing mails together."}]"#;
        let catalogue = Catalogue::extended(own).unwrap();
        assert_eq!(titles(catalogue.suggest(&["phishing".into()], 1)), ["Security basics"]);
        let swap = catalogue.suggest(&[], 5).into_iter().find(|s| s.title == "Role swap").unwrap();
        assert_eq!(swap.how, "Our own version.");
        assert!(matches!(Catalogue::extended("{}"), Err(AgendaError::Shape(_))));
        assert!(matches!(Catalogue::extended(r#"[{"title": "", "how": "x"}]"#), Err(AgendaError::Empty)));
    }
}
