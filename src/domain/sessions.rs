//! One-time sessions: a mentee asks for one hour on one skill, and the bot asks the best
//! available mentor, then the next, until one accepts. Pure: who may be asked, in which
//! order, and the owners' figures; `commands::sessions` loads the people and stores
//! the answers.
//!
//! The hard rules and the score are the rounds' own, through [`super::rounds::fits`]
//! (seniority gap, no reporting line, departments where the program forbids them), so
//! a rule changed for rounds changes for sessions too. Past partners may meet again:
//! one hour is no repeat of a round.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::participant::{effective_status, Participant, Status};
use super::rounds::fits;
use super::settings::MatchSettings;

/// The longest question kept with a request: a few sentences, shown in the mentor's DM.
pub const MAX_QUESTION: usize = 500;
/// Sessions within this many days count as a mentor's recent ones when spreading requests.
pub const RECENT_DAYS: i64 = 30;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    /// A mentor is being asked.
    Asking,
    /// A mentor accepted; the two have a group DM.
    Matched,
    /// One of them said they met.
    Held,
    /// Nobody available, or nobody accepted.
    Unmet,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Asking => "asking",
            SessionStatus::Matched => "matched",
            SessionStatus::Held => "held",
            SessionStatus::Unmet => "unmet",
        }
    }

    pub fn parse(text: &str) -> Option<SessionStatus> {
        [SessionStatus::Asking, SessionStatus::Matched, SessionStatus::Held, SessionStatus::Unmet]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A request for a one-time session, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: i64,
    pub program_id: i64,
    pub mentee_user: String,
    pub mentor_user: Option<String>,
    pub skill: String,
    pub question: Option<String>,
    pub status: SessionStatus,
    pub created_at: i64,
    pub matched_at: Option<i64>,
}

impl Session {
    /// Whether `user` is its mentee or the mentor who accepted.
    pub fn has(&self, user: &str) -> bool {
        self.mentee_user == user || self.mentor_user.as_deref() == Some(user)
    }

    /// The other person of the session, seen from `user`.
    pub fn partner_of(&self, user: &str) -> &str {
        if self.mentee_user == user {
            self.mentor_user.as_deref().unwrap_or_default()
        } else {
            &self.mentee_user
        }
    }
}

/// Splits `ask <skill> [what I want to learn]` into the skill, spelled as the program
/// knows it, and the question. The longest known skill that starts the text wins, so
/// "generative AI for slides" asks for "generative AI", not "generative". `None`: the
/// text starts with no skill anyone teaches or the catalogue offers.
pub fn split_request(text: &str, known: &[String]) -> Option<(String, Option<String>)> {
    let text = text.trim();
    let lower = text.to_lowercase();
    let skill = known
        .iter()
        .filter(|k| {
            let k = k.to_lowercase();
            lower.starts_with(&k)
                && lower[k.len()..].chars().next().is_none_or(|c| c.is_whitespace() || ":,.;-–".contains(c))
        })
        .max_by_key(|k| k.len())?;
    let rest = text[skill.len()..].trim_start_matches(|c: char| c.is_whitespace() || ":,.;-–".contains(c)).trim();
    Some((skill.clone(), (!rest.is_empty()).then(|| rest.to_owned())))
}

/// Everything the choice of the next mentor needs, as loaded.
#[derive(Debug, Clone)]
pub struct Pool<'a> {
    pub settings: &'a MatchSettings,
    pub participants: &'a [Participant],
    pub time_zones: &'a HashMap<String, String>,
    /// Participant ids of the mentors already asked for this request.
    pub asked: &'a [i64],
    /// Sessions each mentor (participant id) took within [`RECENT_DAYS`].
    pub recent: &'a HashMap<i64, u32>,
}

/// The mentors to ask for `skill`, best first: active, opted in to one-time sessions,
/// teaching the skill, allowed with the mentee by the rounds' hard rules, not asked
/// before; fewest recent sessions first (so requests spread over mentors), then the
/// rounds' score (hours in common, seniority gap, departments), then who joined first.
pub fn candidates(
    pool: &Pool<'_>,
    mentee: &Participant,
    skill: &str,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Vec<i64> {
    let eligible = |p: &Participant| {
        p.one_time && !pool.asked.contains(&p.id) && effective_status(p.status, p.paused_until, today) == Status::Active
    };
    let mut ranked: Vec<(u32, i64, i64)> =
        fits(pool.settings, pool.participants, pool.time_zones, mentee, &[skill.to_owned()], eligible, now)
            .into_iter()
            .map(|(id, score)| (pool.recent.get(&id).copied().unwrap_or(0), -score, id))
            .collect();
    ranked.sort_unstable();
    ranked.into_iter().map(|(_, _, id)| id).collect()
}

/// One request as the owners' figures count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFact {
    pub skill: String,
    pub status: SessionStatus,
    pub created_at: i64,
    pub matched_at: Option<i64>,
}

/// One skill's requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SkillSessions {
    pub skill: String,
    pub asked: u64,
    pub matched: u64,
    pub held: u64,
    /// Requests nobody took: the unmet demand for the skill.
    pub unmet: u64,
}

/// The owners' figures for one-time sessions. The JSON shape is part of the status
/// contract: later versions add keys, never rename.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SessionFigures {
    pub asked: u64,
    /// Requests a mentor accepted (held ones included).
    pub matched: u64,
    pub held: u64,
    pub unmet: u64,
    /// Minutes from a request to a mentor's acceptance: the median, then the slowest.
    pub median_minutes_to_mentor: Option<i64>,
    pub max_minutes_to_mentor: Option<i64>,
    /// Per skill, most asked first.
    pub by_skill: Vec<SkillSessions>,
}

impl SessionFigures {
    pub fn compute(facts: &[SessionFact]) -> SessionFigures {
        let mut by_skill: BTreeMap<String, SkillSessions> = BTreeMap::new();
        let mut waits: Vec<i64> = Vec::new();
        let mut total = SkillSessions::default();
        for fact in facts {
            let key = fact.skill.to_lowercase();
            let skill = by_skill
                .entry(key)
                .or_insert_with(|| SkillSessions { skill: fact.skill.clone(), ..Default::default() });
            for figures in [&mut *skill, &mut total] {
                figures.asked += 1;
                match fact.status {
                    SessionStatus::Matched => figures.matched += 1,
                    SessionStatus::Held => {
                        figures.matched += 1;
                        figures.held += 1;
                    }
                    SessionStatus::Unmet => figures.unmet += 1,
                    SessionStatus::Asking => {}
                }
            }
            if let Some(matched) = fact.matched_at {
                waits.push(((matched - fact.created_at).max(0) + 59) / 60);
            }
        }
        waits.sort_unstable();
        let mut by_skill: Vec<SkillSessions> = by_skill.into_values().collect();
        by_skill.sort_by(|a, b| b.asked.cmp(&a.asked).then_with(|| a.skill.cmp(&b.skill)));
        SessionFigures {
            asked: total.asked,
            matched: total.matched,
            held: total.held,
            unmet: total.unmet,
            median_minutes_to_mentor: waits.get(waits.len().saturating_sub(1) / 2).copied(),
            max_minutes_to_mentor: waits.last().copied(),
            by_skill,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::participant::Role;

    fn person(id: i64, user: &str, role: Role, teach: &[&str], level: Option<u8>) -> Participant {
        Participant {
            id,
            program_id: 1,
            user_id: user.into(),
            role,
            teach_skills: teach.iter().map(|s| s.to_string()).collect(),
            learn_skills: Vec::new(),
            department: None,
            goals: None,
            manager: None,
            level,
            one_time: true,
            status: Status::Active,
            paused_until: None,
            created_at: 0,
        }
    }

    #[test]
    fn the_longest_known_skill_starts_the_request() {
        let known = vec!["generative".to_owned(), "Generative AI".to_owned(), "TikTok".to_owned()];
        assert_eq!(
            split_request("generative ai: prompts for board slides", &known),
            Some(("Generative AI".into(), Some("prompts for board slides".into())))
        );
        assert_eq!(split_request("tiktok", &known), Some(("TikTok".into(), None)));
        assert_eq!(split_request("tiktokery", &known), None, "a skill ends at a word's end");
        assert_eq!(split_request("Excel please", &known), None);
    }

    #[test]
    fn candidates_follow_the_rounds_rules_and_spread_over_mentors() {
        let settings = MatchSettings { min_level_gap: 2, ..MatchSettings::default() };
        let mut senior = person(1, "U0SENIOR", Role::Mentee, &[], Some(7));
        senior.manager = Some("U0BOSSY".into());
        let mut people = vec![
            senior.clone(),
            person(2, "U0BUSY", Role::Mentor, &["AI"], Some(2)),
            person(3, "U0FREE", Role::Mentor, &["ai"], Some(2)),
            person(4, "U0CLOSE", Role::Mentor, &["AI"], Some(6)),
            person(5, "U0BOSSY", Role::Both, &["AI"], Some(1)),
            person(6, "U0OTHER", Role::Mentor, &["Excel"], Some(1)),
            person(7, "U0OPTOUT", Role::Mentor, &["AI"], Some(1)),
            person(8, "U0PAUSED", Role::Mentor, &["AI"], Some(1)),
        ];
        people[6].one_time = false;
        people[7].status = Status::Paused;
        let zones = HashMap::new();
        let recent = HashMap::from([(2, 3)]);
        let now = Utc::now();
        let pool = Pool { settings: &settings, participants: &people, time_zones: &zones, asked: &[], recent: &recent };
        assert_eq!(
            candidates(&pool, &senior, "AI", now, now.date_naive()),
            vec![3, 2],
            "the level gap, the reporting line, the skill, the opt-in and the pause rule out the rest; \
             the mentor with fewer recent sessions comes first"
        );
        let pool = Pool { asked: &[3], ..pool };
        assert_eq!(candidates(&pool, &senior, "AI", now, now.date_naive()), vec![2], "nobody is asked twice");
    }

    #[test]
    fn figures_count_each_request_once_per_skill() {
        let fact = |skill: &str, status, matched: Option<i64>| SessionFact {
            skill: skill.into(),
            status,
            created_at: 0,
            matched_at: matched,
        };
        let figures = SessionFigures::compute(&[
            fact("AI", SessionStatus::Held, Some(600)),
            fact("ai", SessionStatus::Matched, Some(3_600 * 25)),
            fact("Excel", SessionStatus::Unmet, None),
            fact("AI", SessionStatus::Asking, None),
            fact("AI", SessionStatus::Matched, Some(1_800)),
        ]);
        assert_eq!((figures.asked, figures.matched, figures.held, figures.unmet), (5, 3, 1, 1));
        assert_eq!(figures.by_skill[0], SkillSessions { skill: "AI".into(), asked: 4, matched: 3, held: 1, unmet: 0 });
        assert_eq!(figures.by_skill[1].unmet, 1);
        assert_eq!((figures.median_minutes_to_mentor, figures.max_minutes_to_mentor), (Some(30), Some(1_500)));
        assert_eq!(SessionFigures::compute(&[]).median_minutes_to_mentor, None);
    }
}
