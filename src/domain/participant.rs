//! Who a participant is in a program: role, skills, status, and the rules for changing them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Longest skill tag we keep; Slack option texts are limited to 75 characters.
pub const MAX_SKILL_LEN: usize = 60;
/// More tags than this makes matching and the join modal meaningless.
pub const MAX_SKILLS: usize = 20;
pub const MAX_DEPARTMENT_LEN: usize = 80;
pub const MAX_GOALS_LEN: usize = 2_000;
/// The highest seniority level a ladder may have.
pub const MAX_LEVEL: u8 = 12;

/// Reverse mentoring turns the usual direction around: the mentor is the junior who
/// teaches, the mentee the senior who learns. Some people do both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Mentor,
    Mentee,
    Both,
}

impl Role {
    pub fn parse(word: &str) -> Option<Role> {
        match word.to_ascii_lowercase().as_str() {
            "mentor" | "teach" => Some(Role::Mentor),
            "mentee" | "learn" => Some(Role::Mentee),
            "both" => Some(Role::Both),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Mentor => "mentor",
            Role::Mentee => "mentee",
            Role::Both => "both",
        }
    }

    pub fn teaches(self) -> bool {
        matches!(self, Role::Mentor | Role::Both)
    }

    pub fn learns(self) -> bool {
        matches!(self, Role::Mentee | Role::Both)
    }

    /// How the role reads in a sentence, so people see what it means in this program.
    pub fn describe(self) -> &'static str {
        match self {
            Role::Mentor => "mentor (you teach a senior colleague)",
            Role::Mentee => "mentee (a junior colleague teaches you)",
            Role::Both => "mentor and mentee (you teach and you learn)",
        }
    }
}

/// Only `Active` people are matched; `Left` keeps the row so reports still count history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Paused,
    Left,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Left => "left",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "active" => Some(Status::Active),
            "paused" => Some(Status::Paused),
            "left" => Some(Status::Left),
            _ => None,
        }
    }
}

/// What a person tells the program about themselves when joining or changing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Profile {
    pub role: Option<Role>,
    /// Skills they can teach (mentors), in their own order.
    pub teach_skills: Vec<String>,
    /// Skills they want to learn (mentees), most wanted first: matching weighs the order.
    pub learn_skills: Vec<String>,
    pub department: Option<String>,
    pub goals: Option<String>,
    /// Their manager's Slack user id: matching never pairs someone with their manager.
    pub manager: Option<String>,
    /// Their seniority on the program's ladder (1 = most junior).
    pub level: Option<u8>,
    /// Whether they take one-time session requests besides rounds (mentors).
    pub one_time: bool,
}

/// Why a profile cannot be stored; each names the form field it belongs to so the
/// join modal can show it next to that field.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ProfileError {
    #[error("Choose whether you want to teach (mentor), learn (mentee) or both.")]
    NoRole,
    #[error("Name at least one skill you can teach.")]
    NoTeachSkills,
    #[error("Name at least one skill you want to learn.")]
    NoLearnSkills,
    #[error("At most {MAX_SKILLS} skills, please: pick the ones that matter most.")]
    TooManySkills { teach: bool },
    #[error("Skill names are at most {MAX_SKILL_LEN} characters: `{tag}` is longer.")]
    SkillTooLong { tag: String, teach: bool },
    #[error("The department name is at most {MAX_DEPARTMENT_LEN} characters.")]
    DepartmentTooLong,
    #[error("Goals are at most {MAX_GOALS_LEN} characters.")]
    GoalsTooLong,
    #[error("Pick your manager from the list of people (or leave it empty).")]
    BadManager,
    #[error("Seniority levels go from 1 (most junior) to {MAX_LEVEL}.")]
    BadLevel,
}

/// Which form field a [`ProfileError`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileField {
    Role,
    TeachSkills,
    LearnSkills,
    Department,
    Goals,
    Manager,
    Level,
}

impl ProfileError {
    pub fn field(&self) -> ProfileField {
        match self {
            ProfileError::NoRole => ProfileField::Role,
            ProfileError::NoTeachSkills => ProfileField::TeachSkills,
            ProfileError::NoLearnSkills => ProfileField::LearnSkills,
            ProfileError::TooManySkills { teach } | ProfileError::SkillTooLong { teach, .. } => {
                if *teach {
                    ProfileField::TeachSkills
                } else {
                    ProfileField::LearnSkills
                }
            }
            ProfileError::DepartmentTooLong => ProfileField::Department,
            ProfileError::GoalsTooLong => ProfileField::Goals,
            ProfileError::BadManager => ProfileField::Manager,
            ProfileError::BadLevel => ProfileField::Level,
        }
    }
}

/// A profile that passed [`Profile::validate`]: the role is known and the skill lists fit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidProfile {
    pub role: Role,
    pub teach_skills: Vec<String>,
    pub learn_skills: Vec<String>,
    pub department: Option<String>,
    pub goals: Option<String>,
    #[serde(default)]
    pub manager: Option<String>,
    #[serde(default)]
    pub level: Option<u8>,
    #[serde(default)]
    pub one_time: bool,
}

impl ValidProfile {
    /// The profile with its skills spelled as the program's catalogue spells them.
    pub fn spelled_as(self, catalogue: &[String]) -> ValidProfile {
        ValidProfile {
            teach_skills: canonical_tags(self.teach_skills, catalogue),
            learn_skills: canonical_tags(self.learn_skills, catalogue),
            ..self
        }
    }
}

impl Profile {
    /// Checks every field and returns all problems at once, so a modal can mark each
    /// field in one round trip. Skills the role does not use are dropped.
    pub fn validate(self) -> Result<ValidProfile, Vec<ProfileError>> {
        let mut errors = Vec::new();
        let Some(role) = self.role else {
            return Err(vec![ProfileError::NoRole]);
        };
        let teach_skills = if role.teaches() { self.teach_skills } else { Vec::new() };
        let learn_skills = if role.learns() { self.learn_skills } else { Vec::new() };
        if role.teaches() {
            check_skills(&teach_skills, true, &mut errors);
        }
        if role.learns() {
            check_skills(&learn_skills, false, &mut errors);
        }
        let department = self.department.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
        if department.as_ref().is_some_and(|d| d.chars().count() > MAX_DEPARTMENT_LEN) {
            errors.push(ProfileError::DepartmentTooLong);
        }
        let goals = self.goals.map(|g| g.trim().to_owned()).filter(|g| !g.is_empty());
        if goals.as_ref().is_some_and(|g| g.chars().count() > MAX_GOALS_LEN) {
            errors.push(ProfileError::GoalsTooLong);
        }
        let manager = self.manager.map(|m| m.trim().to_owned()).filter(|m| !m.is_empty());
        if manager.as_deref().is_some_and(|m| !is_user_id(m)) {
            errors.push(ProfileError::BadManager);
        }
        if self.level.is_some_and(|l| !(1..=MAX_LEVEL).contains(&l)) {
            errors.push(ProfileError::BadLevel);
        }
        if errors.is_empty() {
            let one_time = self.one_time && role.teaches();
            Ok(ValidProfile {
                role,
                teach_skills,
                learn_skills,
                department,
                goals,
                manager,
                level: self.level,
                one_time,
            })
        } else {
            Err(errors)
        }
    }
}

fn check_skills(skills: &[String], teach: bool, errors: &mut Vec<ProfileError>) {
    if skills.is_empty() {
        errors.push(if teach { ProfileError::NoTeachSkills } else { ProfileError::NoLearnSkills });
    } else if skills.len() > MAX_SKILLS {
        errors.push(ProfileError::TooManySkills { teach });
    } else if let Some(tag) = skills.iter().find(|s| s.chars().count() > MAX_SKILL_LEN) {
        errors.push(ProfileError::SkillTooLong { tag: super::bounds::echo(tag), teach });
    }
}

/// The skills a mentor teaches that a mentee wants, in the mentee's order of priority.
pub fn shared_skills(teach: &[String], learn: &[String]) -> Vec<String> {
    learn.iter().filter(|s| teach.iter().any(|t| t.eq_ignore_ascii_case(s))).cloned().collect()
}

/// Splits a comma-separated list of tags, trims them, collapses inner whitespace and
/// drops case-insensitive repeats; the first spelling wins, so order (priority) stays.
pub fn split_tags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for raw in text.split([',', '\n', ';']) {
        let tag = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if !tag.is_empty() && !tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            tags.push(tag);
        }
    }
    tags
}

/// Spells tags the way the program's catalogue does, so "Generative ai" and
/// "generative AI" count as one skill in matching and reports.
pub fn canonical_tags(tags: Vec<String>, catalogue: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = catalogue.iter().find(|c| c.eq_ignore_ascii_case(&tag)).cloned().unwrap_or(tag);
        if !out.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            out.push(tag);
        }
    }
    out
}

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum PauseError {
    #[error("`{0}` is in the past: give a date after today, like {1}.")]
    InThePast(NaiveDate, NaiveDate),
    #[error("`{0}` is more than a year away: pause for at most a year, or leave instead.")]
    TooFar(NaiveDate),
}

/// Slack user ids are upper-case letters and digits starting with U or W.
pub fn is_user_id(id: &str) -> bool {
    id.len() >= 2
        && (id.starts_with('U') || id.starts_with('W'))
        && id.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// The user id in a mention as Slack escapes it in command text (`<@U123|name>`,
/// `<@U123>`), or a bare id.
pub fn mentioned_user(text: &str) -> Option<String> {
    let text = text.trim();
    let inner = text.strip_prefix("<@").and_then(|t| t.strip_suffix('>')).unwrap_or(text);
    let id = inner.split('|').next().unwrap_or_default().trim_start_matches('@');
    is_user_id(id).then(|| id.to_owned())
}

/// A pause ends on a future date within a year, or lasts until `resume` when no date is given.
pub fn check_pause_until(until: Option<NaiveDate>, today: NaiveDate) -> Result<(), PauseError> {
    match until {
        Some(date) if date <= today => Err(PauseError::InThePast(date, today + chrono::Days::new(7))),
        Some(date) if date > today + chrono::Days::new(366) => Err(PauseError::TooFar(date)),
        _ => Ok(()),
    }
}

/// A pause with an end date is over once the date arrives: the person counts as active
/// again without anyone having to run `resume`.
pub fn effective_status(status: Status, paused_until: Option<NaiveDate>, today: NaiveDate) -> Status {
    match (status, paused_until) {
        (Status::Paused, Some(until)) if until <= today => Status::Active,
        _ => status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn tags_are_split_trimmed_and_deduplicated_in_order() {
        assert_eq!(
            split_tags(" generative  AI, TikTok,,generative ai ; Figma\n"),
            vec!["generative AI", "TikTok", "Figma"]
        );
        assert!(split_tags(" , ,").is_empty());
    }

    #[test]
    fn catalogue_spelling_wins() {
        let catalogue = vec!["Generative AI".to_owned()];
        assert_eq!(
            canonical_tags(vec!["generative ai".into(), "Excel".into()], &catalogue),
            vec!["Generative AI", "Excel"]
        );
    }

    #[test]
    fn validation_reports_every_field_and_drops_unused_skills() {
        let errors = Profile {
            role: Some(Role::Both),
            teach_skills: vec![],
            learn_skills: vec!["x".repeat(MAX_SKILL_LEN + 1)],
            department: Some("d".repeat(MAX_DEPARTMENT_LEN + 1)),
            goals: None,
            manager: Some("not-an-id".into()),
            level: Some(MAX_LEVEL + 1),
            one_time: true,
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(ProfileError::field).collect();
        assert_eq!(
            fields,
            vec![
                ProfileField::TeachSkills,
                ProfileField::LearnSkills,
                ProfileField::Department,
                ProfileField::Manager,
                ProfileField::Level
            ]
        );

        let ok = Profile {
            role: Some(Role::Mentor),
            teach_skills: vec!["TikTok".into()],
            learn_skills: vec!["Finance".into()],
            department: Some("  ".into()),
            goals: Some(" grow ".into()),
            manager: Some(" U0BOSS ".into()),
            level: Some(3),
            one_time: true,
        }
        .validate()
        .unwrap();
        assert_eq!(ok.level, Some(3));
        assert!(ok.learn_skills.is_empty());
        assert_eq!(ok.department, None);
        assert_eq!(ok.goals.as_deref(), Some("grow"));
        assert_eq!(ok.manager.as_deref(), Some("U0BOSS"));
        assert_eq!(mentioned_user("<@U0BOSS|boss>").as_deref(), Some("U0BOSS"));
        assert_eq!(mentioned_user("@alice"), None);
        assert_eq!(Profile::default().validate().unwrap_err(), vec![ProfileError::NoRole]);
    }

    #[test]
    fn pause_dates_must_be_in_the_future_and_within_a_year() {
        let today = date("2026-11-24");
        assert!(check_pause_until(None, today).is_ok());
        assert!(check_pause_until(Some(date("2026-11-25")), today).is_ok());
        assert_eq!(check_pause_until(Some(today), today), Err(PauseError::InThePast(today, date("2026-12-01"))));
        assert!(matches!(check_pause_until(Some(date("2028-01-01")), today), Err(PauseError::TooFar(_))));
    }

    #[test]
    fn a_dated_pause_ends_by_itself() {
        let today = date("2026-11-24");
        assert_eq!(effective_status(Status::Paused, Some(today), today), Status::Active);
        assert_eq!(effective_status(Status::Paused, Some(date("2026-11-25")), today), Status::Paused);
        assert_eq!(effective_status(Status::Paused, None, today), Status::Paused);
        assert_eq!(effective_status(Status::Left, Some(today), today), Status::Left);
    }

    proptest! {
        #[test]
        fn split_tags_never_yields_empty_or_repeated_tags(text in ".{0,200}") {
            let tags = split_tags(&text);
            for (i, tag) in tags.iter().enumerate() {
                prop_assert!(!tag.trim().is_empty());
                prop_assert_eq!(tag.trim(), tag.as_str());
                prop_assert!(!tags[..i].iter().any(|t| t.eq_ignore_ascii_case(tag)));
            }
        }

        #[test]
        fn role_words_round_trip(role in prop_oneof![Just(Role::Mentor), Just(Role::Mentee), Just(Role::Both)]) {
            prop_assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }
}

/// A person in one program, as stored: their profile and where they stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub id: i64,
    pub program_id: i64,
    pub user_id: String,
    pub role: Role,
    pub teach_skills: Vec<String>,
    pub learn_skills: Vec<String>,
    pub department: Option<String>,
    pub goals: Option<String>,
    pub manager: Option<String>,
    pub level: Option<u8>,
    /// Whether they take one-time session requests (mentors).
    pub one_time: bool,
    pub status: Status,
    pub paused_until: Option<NaiveDate>,
    pub created_at: i64,
}
