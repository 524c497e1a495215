//! A program's matching settings and the `program set` vocabulary that changes them.
//!
//! Owners type settings as words (`capacity 2`, `repeats on`, `weights skill=12`); this
//! module turns them into a typed [`Setting`] or a reason to show back, so the parser
//! and the store never see a half-checked value.

use super::schedule::parse_cron;

/// How a program's rounds are matched. Weights left as `None` use the engine's
/// documented defaults, so improving a default reaches every program that kept it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchSettings {
    /// Mentees one mentor may take in a round.
    pub capacity: u32,
    /// Whether people paired before in this program may be paired again.
    pub allow_repeats: bool,
    /// Whether two people of one department must never be paired.
    pub forbid_same_department: bool,
    pub weight_skill: Option<u32>,
    pub weight_hour: Option<u32>,
    pub weight_cross_department: Option<u32>,
    /// Cron expression (normalised to six fields) for automatic rounds.
    pub match_schedule: Option<String>,
}

impl Default for MatchSettings {
    fn default() -> Self {
        MatchSettings {
            capacity: 1,
            allow_repeats: false,
            forbid_same_department: false,
            weight_skill: None,
            weight_hour: None,
            weight_cross_department: None,
            match_schedule: None,
        }
    }
}

/// One change an owner asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    Capacity(u32),
    AllowRepeats(bool),
    ForbidSameDepartment(bool),
    Weights { skill: Option<u32>, hour: Option<u32>, cross_department: Option<u32> },
    MatchSchedule(Option<String>),
}

/// The keys `program set` knows, for help texts and error messages.
pub const SETTING_KEYS: &str = "capacity, repeats, same-department, weights, match-schedule";

pub const MAX_CAPACITY: u32 = 10;
pub const MAX_WEIGHT: u32 = 1000;

fn switch(value: &str, on: &[&str], off: &[&str]) -> Option<bool> {
    let value = value.to_lowercase();
    if on.contains(&value.as_str()) {
        Some(true)
    } else if off.contains(&value.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// Reads `program set <key> <value>`; `Err` is the sentence to show the owner.
pub fn parse_setting(key: &str, value: &str) -> Result<Setting, String> {
    let value = value.trim().trim_matches(|c| c == '"' || c == '“' || c == '”').trim();
    match key.to_lowercase().as_str() {
        "capacity" => match value.parse::<u32>() {
            Ok(k) if (1..=MAX_CAPACITY).contains(&k) => Ok(Setting::Capacity(k)),
            _ => Err(format!("Capacity is how many mentees one mentor takes: a number from 1 to {MAX_CAPACITY}.")),
        },
        "repeats" => switch(value, &["on", "yes", "allowed", "true"], &["off", "no", "forbidden", "false"])
            .map(Setting::AllowRepeats)
            .ok_or_else(|| "Say `repeats on` (people may meet a past partner again) or `repeats off`.".to_owned()),
        "same-department" | "department" => {
            switch(value, &["forbidden", "off", "no", "never"], &["allowed", "on", "yes", "ok"])
                .map(Setting::ForbidSameDepartment)
                .ok_or_else(|| "Say `same-department allowed` or `same-department forbidden`.".to_owned())
        }
        "weights" | "weight" => parse_weights(value),
        "match-schedule" | "matching" => {
            if matches!(value.to_lowercase().as_str(), "off" | "none" | "manual") {
                return Ok(Setting::MatchSchedule(None));
            }
            parse_cron(value).map(|cron| Setting::MatchSchedule(Some(cron.normalised)))
        }
        other => Err(format!("`{other}` is not a setting. Settings: {SETTING_KEYS}.")),
    }
}

/// `skill=10 hours=1 department=5`, any subset, or `default`.
fn parse_weights(value: &str) -> Result<Setting, String> {
    const USAGE: &str = "Give weights as `skill=10 hours=1 department=5` (any of them), or `default`.";
    if value.eq_ignore_ascii_case("default") {
        return Ok(Setting::Weights { skill: None, hour: None, cross_department: None });
    }
    let (mut skill, mut hour, mut cross_department) = (None, None, None);
    for part in value.split([' ', ',']).filter(|p| !p.is_empty()) {
        let (name, number) = part.split_once('=').ok_or_else(|| USAGE.to_owned())?;
        let number: u32 = number
            .parse()
            .ok()
            .filter(|n| *n <= MAX_WEIGHT)
            .ok_or_else(|| format!("`{number}` is not a weight: use a whole number from 0 to {MAX_WEIGHT}."))?;
        match name.to_lowercase().as_str() {
            "skill" | "skills" => skill = Some(number),
            "hours" | "hour" => hour = Some(number),
            "department" | "departments" | "cross-department" => cross_department = Some(number),
            _ => return Err(format!("`{name}` is not a weight. {USAGE}")),
        }
    }
    if skill.is_none() && hour.is_none() && cross_department.is_none() {
        return Err(USAGE.to_owned());
    }
    Ok(Setting::Weights { skill, hour, cross_department })
}

impl MatchSettings {
    /// The settings after `setting`; weights not named keep their value.
    pub fn with(mut self, setting: Setting) -> MatchSettings {
        match setting {
            Setting::Capacity(k) => self.capacity = k,
            Setting::AllowRepeats(on) => self.allow_repeats = on,
            Setting::ForbidSameDepartment(on) => self.forbid_same_department = on,
            Setting::Weights { skill: None, hour: None, cross_department: None } => {
                (self.weight_skill, self.weight_hour, self.weight_cross_department) = (None, None, None);
            }
            Setting::Weights { skill, hour, cross_department } => {
                self.weight_skill = skill.or(self.weight_skill);
                self.weight_hour = hour.or(self.weight_hour);
                self.weight_cross_department = cross_department.or(self.weight_cross_department);
            }
            Setting::MatchSchedule(cron) => self.match_schedule = cron,
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_with_reasons_for_bad_values() {
        assert_eq!(parse_setting("capacity", "2"), Ok(Setting::Capacity(2)));
        assert!(parse_setting("capacity", "0").unwrap_err().contains("1 to 10"));
        assert_eq!(parse_setting("repeats", "ON"), Ok(Setting::AllowRepeats(true)));
        assert_eq!(parse_setting("same-department", "forbidden"), Ok(Setting::ForbidSameDepartment(true)));
        assert!(parse_setting("colour", "blue").unwrap_err().contains("not a setting"));
        assert_eq!(
            parse_setting("weights", "skill=12, department=0"),
            Ok(Setting::Weights { skill: Some(12), hour: None, cross_department: Some(0) })
        );
        assert!(parse_setting("weights", "skill=-1").unwrap_err().contains("not a weight"));
        assert!(parse_setting("weights", "luck=3").unwrap_err().contains("`luck`"));
        assert_eq!(
            parse_setting("match-schedule", "\"0 9 * * MON\""),
            Ok(Setting::MatchSchedule(Some("0 0 9 * * MON".into())))
        );
        assert_eq!(parse_setting("match-schedule", "off"), Ok(Setting::MatchSchedule(None)));
        assert!(parse_setting("match-schedule", "every monday").is_err());
    }

    #[test]
    fn unnamed_weights_keep_their_values_and_default_resets_them() {
        let s = MatchSettings::default()
            .with(Setting::Weights { skill: Some(3), hour: Some(2), cross_department: None })
            .with(Setting::Weights { skill: None, hour: Some(7), cross_department: None });
        assert_eq!((s.weight_skill, s.weight_hour, s.weight_cross_department), (Some(3), Some(7), None));
        let s = s.with(parse_setting("weights", "default").unwrap());
        assert_eq!((s.weight_skill, s.weight_hour), (None, None));
    }
}
