//! Project pairs: a senior (the lead) wants a junior beside them on one project, with a
//! goal, the skills it needs and an end date. Pure: the request's checks, the juniors
//! proposed (the rounds' rules and score, through [`super::rounds::fits`]), when the
//! pair ends, and the owners' figures.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::participant::{effective_status, Participant, Status};
use super::rounds::fits;
use super::settings::MatchSettings;

/// The longest goal kept: a sentence or two, shown in the introduction.
pub const MAX_GOAL: usize = 300;
/// Juniors proposed for a project.
pub const PROPOSED: usize = 3;
/// The furthest end date a project may have, in days (a year).
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectStatus {
    /// Waiting for an owner to pick the junior.
    Proposed,
    /// Its pair meets until the end date.
    Live,
    Ended,
}

impl ProjectStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Proposed => "proposed",
            ProjectStatus::Live => "live",
            ProjectStatus::Ended => "ended",
        }
    }

    pub fn parse(text: &str) -> Option<ProjectStatus> {
        [ProjectStatus::Proposed, ProjectStatus::Live, ProjectStatus::Ended].into_iter().find(|s| s.as_str() == text)
    }
}

/// A project as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: i64,
    pub program_id: i64,
    pub lead_user: String,
    pub goal: String,
    pub skills: Vec<String>,
    pub ends_on: NaiveDate,
    pub status: ProjectStatus,
    pub pair_id: Option<i64>,
}

/// When a project's pair ends: the start of the day after its last day, UTC.
pub fn end_time(ends_on: NaiveDate) -> i64 {
    ends_on.succ_opt().unwrap_or(ends_on).and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp())
}

/// Why a project cannot be created; the sentence to show.
pub fn check(goal: &str, skills: &[String], ends_on: NaiveDate, today: NaiveDate) -> Result<(), String> {
    if goal.trim().is_empty() {
        return Err(
            "Say what the project should achieve after a colon, e.g. `… video: launch the product film`.".into()
        );
    }
    if goal.chars().count() > MAX_GOAL {
        return Err(format!("Keep the goal under {MAX_GOAL} characters."));
    }
    if skills.is_empty() {
        return Err("Name the skills the project needs before the colon.".into());
    }
    if ends_on <= today {
        return Err(format!("The end date {ends_on} has passed: give a day after today."));
    }
    if (ends_on - today).num_days() > MAX_DAYS {
        return Err("A project lasts at most a year: give an earlier end date.".into());
    }
    Ok(())
}

/// The juniors to propose for a project, best first: active, teaching one of its
/// skills, allowed with the lead by the rounds' rules, ranked by the rounds' score.
pub fn proposals(
    settings: &MatchSettings,
    participants: &[Participant],
    time_zones: &HashMap<String, String>,
    lead: &Participant,
    skills: &[String],
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Vec<(i64, i64)> {
    let active = |p: &Participant| effective_status(p.status, p.paused_until, today) == Status::Active;
    let mut ranked = fits(settings, participants, time_zones, lead, skills, active, now);
    ranked.sort_by_key(|&(id, score)| (-score, id));
    ranked.truncate(PROPOSED);
    ranked
}

/// A person's answer to *did the project reach its goal?*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reached {
    Yes,
    Partly,
    No,
}

impl Reached {
    pub fn as_str(self) -> &'static str {
        match self {
            Reached::Yes => "yes",
            Reached::Partly => "partly",
            Reached::No => "no",
        }
    }

    pub fn parse(text: &str) -> Option<Reached> {
        [Reached::Yes, Reached::Partly, Reached::No].into_iter().find(|r| r.as_str() == text)
    }
}

/// The owners' figures for projects. Part of the status contract: keys are only added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ProjectFigures {
    /// Waiting for an owner to pick the junior.
    pub proposed: u64,
    pub live: u64,
    pub ended: u64,
    /// Closing answers to *did the project reach its goal?*.
    pub reached: u64,
    pub partly: u64,
    pub not_reached: u64,
}

impl ProjectFigures {
    pub fn count(statuses: &[ProjectStatus], answers: &[Reached]) -> ProjectFigures {
        let of = |s| statuses.iter().filter(|&&x| x == s).count() as u64;
        let said = |r| answers.iter().filter(|&&x| x == r).count() as u64;
        ProjectFigures {
            proposed: of(ProjectStatus::Proposed),
            live: of(ProjectStatus::Live),
            ended: of(ProjectStatus::Ended),
            reached: said(Reached::Yes),
            partly: said(Reached::Partly),
            not_reached: said(Reached::No),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_needs_a_goal_skills_and_a_future_end_within_a_year() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let skills = vec!["video".to_owned()];
        let day = |d: u32| NaiveDate::from_ymd_opt(2027, 1, d).unwrap();
        assert_eq!(check("launch", &skills, day(31), today), Ok(()));
        assert!(check(" ", &skills, day(31), today).unwrap_err().contains("after a colon"));
        assert!(check("launch", &[], day(31), today).unwrap_err().contains("skills"));
        assert!(check("launch", &skills, today, today).unwrap_err().contains("has passed"));
        assert!(check("launch", &skills, today + chrono::Days::new(400), today).unwrap_err().contains("a year"));
        assert!(check(&"x".repeat(MAX_GOAL + 1), &skills, day(31), today).is_err());
        assert_eq!(
            end_time(day(31)),
            NaiveDate::from_ymd_opt(2027, 2, 1).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp()
        );
    }

    #[test]
    fn figures_count_statuses_and_answers() {
        let f = ProjectFigures::count(
            &[ProjectStatus::Live, ProjectStatus::Ended, ProjectStatus::Ended, ProjectStatus::Proposed],
            &[Reached::Yes, Reached::Partly, Reached::Yes],
        );
        assert_eq!((f.proposed, f.live, f.ended, f.reached, f.partly, f.not_reached), (1, 1, 2, 2, 1, 0));
    }
}
