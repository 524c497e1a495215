//! A program's settings (matching and check-ins) and the `program set` vocabulary that
//! changes them.
//!
//! Owners type settings as words (`capacity 2`, `repeats on`, `window 09:00-17:00`); this
//! module turns them into a typed [`Setting`] or a reason to show back, so the parser
//! and the store never see a half-checked value.

use super::checkins::{parse_checkin_schedule, parse_time_zone, parse_window, CheckinSettings, Window, MAX_EVERY};
use super::participant::MAX_LEVEL;
use super::schedule::parse_cron;

/// How long a mentor has to answer by default, in hours: a working day.
pub const DEFAULT_SESSION_HOURS: u32 = 24;
/// The longest a program may let a mentor take to answer, in hours (a week).
pub const MAX_SESSION_HOURS: u32 = 168;

/// The optimiser's time for one round when a program sets none: enough to prove the
/// optimum for a company of 100,000 on two cores, short enough that an owner waits.
pub const DEFAULT_MATCH_BUDGET_SECS: u32 = 30;
/// The longest budget a program may set: the request's lease is a minute.
pub const MAX_MATCH_BUDGET_SECS: u32 = 50;

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
    /// The mentor must be at least this many levels below the mentee (0: no rule).
    pub min_level_gap: u8,
    /// Whether someone who leaves a pair is matched again at once.
    pub mid_round_matching: bool,
    /// How long a round's optimiser may run before the best round so far is used.
    pub match_budget_secs: u32,
    /// Circles: one mentor meets up to this many mentees together; `None`: pairs.
    pub circle_size: Option<u32>,
}

impl MatchSettings {
    /// Mentees one mentor takes: a circle's seats, else the capacity.
    pub fn seats(&self) -> u32 {
        self.circle_size.unwrap_or(self.capacity)
    }
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
            min_level_gap: DEFAULT_LEVEL_GAP,
            mid_round_matching: false,
            match_budget_secs: DEFAULT_MATCH_BUDGET_SECS,
            circle_size: None,
        }
    }
}

/// Reverse mentoring means the junior teaches: by default two levels between them.
pub const DEFAULT_LEVEL_GAP: u8 = 2;

/// One change an owner asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    Capacity(u32),
    AllowRepeats(bool),
    ForbidSameDepartment(bool),
    Weights {
        skill: Option<u32>,
        hour: Option<u32>,
        cross_department: Option<u32>,
    },
    MatchSchedule(Option<String>),
    MinLevelGap(u8),
    MidRoundMatching(bool),
    /// Seconds the optimiser may run for one round.
    MatchBudget(u32),
    /// Check-in cron (normalised to six fields).
    CheckinSchedule(String),
    CheckinEvery(u32),
    Window(Window),
    /// An IANA zone name, already checked.
    TimeZone(String),
    Weekends(bool),
    /// The owners' digest cron (normalised), or none.
    Digest(Option<String>),
    /// Weeks from a round's confirmation to its end (the "after" ratings, thanks).
    RoundLength(u32),
    /// Hours an asked mentor has to answer a one-time session request.
    SessionHours(u32),
    /// Circles of up to this many mentees per mentor, or pairs again.
    Circles(Option<u32>),
    /// Whether mentees may create their own project pairs (owners always may).
    MenteeProjects(bool),
    /// The channel whose newcomers are invited to the program (a Slack channel id), or none.
    Channel(Option<String>),
}

/// The keys `program set` knows, for help texts and error messages.
pub const SETTING_KEYS: &str =
    "capacity, repeats, same-department, weights, match-schedule, min-gap, mid-round-matching, match-budget, schedule, every, window, timezone, weekends, digest, round-length, session-timeout, circles, mentee-projects, channel";

/// The owners' weekly digest by default: Mondays at 09:00 in the program's zone.
pub const DEFAULT_DIGEST: &str = "0 0 9 * * MON";

/// A round lasts twelve weeks unless the program says otherwise: about a quarter,
/// six sessions at the default rhythm of a check-in every second week.
pub const DEFAULT_ROUND_WEEKS: u32 = 12;

/// The longest round a program may set, in weeks (a year).
pub const MAX_ROUND_WEEKS: u32 = 52;

/// Everything `program set` can change about a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramSettings {
    pub matching: MatchSettings,
    pub checkins: CheckinSettings,
    /// Cron of the owners' digest (six fields, program zone); `None`: no digest.
    pub digest: Option<String>,
    /// Weeks from a round's confirmation to its end.
    pub round_weeks: u32,
    /// Hours an asked mentor has to answer a one-time session request.
    pub session_hours: u32,
    /// Whether mentees may create their own project pairs.
    pub mentee_projects: bool,
    /// The channel whose newcomers are invited to join (channel opt-in).
    pub channel: Option<String>,
}

impl Default for ProgramSettings {
    fn default() -> Self {
        ProgramSettings {
            matching: MatchSettings::default(),
            checkins: CheckinSettings::default(),
            digest: Some(DEFAULT_DIGEST.to_owned()),
            round_weeks: DEFAULT_ROUND_WEEKS,
            session_hours: DEFAULT_SESSION_HOURS,
            mentee_projects: false,
            channel: None,
        }
    }
}

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
        "min-gap" | "level-gap" | "seniority-gap" => match value.parse::<u8>() {
            Ok(gap) if gap < MAX_LEVEL => Ok(Setting::MinLevelGap(gap)),
            _ => Err(format!(
                "`min-gap` is how many levels a mentor must be below their mentee: a number from 0 (no rule) to {}.",
                MAX_LEVEL - 1
            )),
        },
        "mid-round-matching" | "rematch" => switch(value, &["on", "yes", "true"], &["off", "no", "false"])
            .map(Setting::MidRoundMatching)
            .ok_or_else(|| {
                "Say `mid-round-matching on` (someone who leaves a pair is matched again at once) or `off`.".to_owned()
            }),
        "match-budget" | "budget" => {
            let seconds = value.trim().trim_end_matches('s').trim();
            match seconds.parse::<u32>() {
                Ok(n) if (1..=MAX_MATCH_BUDGET_SECS).contains(&n) => Ok(Setting::MatchBudget(n)),
                _ => Err(format!(
                    "`match-budget` is how many seconds matching may search before the best round so far is \
                     used: a number from 1 to {MAX_MATCH_BUDGET_SECS}."
                )),
            }
        }
        "schedule" | "checkin-schedule" | "check-ins" => parse_checkin_schedule(value).map(Setting::CheckinSchedule),
        "every" => {
            let number = value.split_whitespace().next().unwrap_or_default();
            match number.parse::<u32>() {
                Ok(n) if (1..=MAX_EVERY).contains(&n) => Ok(Setting::CheckinEvery(n)),
                _ => Err(format!(
                    "`every` is which of the schedule's times bring a check-in: a number from 1 to {MAX_EVERY} \
                     (2 = every second Monday with the default schedule)."
                )),
            }
        }
        "window" | "hours" => parse_window(value).map(Setting::Window),
        "digest" => {
            if matches!(value.to_lowercase().as_str(), "off" | "none" | "never") {
                return Ok(Setting::Digest(None));
            }
            parse_cron(value).map(|cron| Setting::Digest(Some(cron.normalised)))
        }
        "round-length" | "round" => {
            let number = value.split_whitespace().next().unwrap_or_default();
            match number.parse::<u32>() {
                Ok(n) if (1..=MAX_ROUND_WEEKS).contains(&n) => Ok(Setting::RoundLength(n)),
                _ => Err(format!(
                    "`round-length` is how many weeks a round lasts before everyone is asked how it went: a \
                     number from 1 to {MAX_ROUND_WEEKS}."
                )),
            }
        }
        "circles" | "circle" => match value.to_lowercase().as_str() {
            "off" | "no" | "none" | "pairs" => Ok(Setting::Circles(None)),
            n => match n.parse::<u32>() {
                Ok(k) if (2..=MAX_CAPACITY).contains(&k) => Ok(Setting::Circles(Some(k))),
                _ => Err(format!(
                    "`circles` is how many mentees one mentor meets together in one conversation: a number from 2 \
                     to {MAX_CAPACITY}, or `off` for pairs."
                )),
            },
        },
        "mentee-projects" | "projects" => switch(value, &["on", "yes", "allowed", "true"], &["off", "no", "false"])
            .map(Setting::MenteeProjects)
            .ok_or_else(|| {
                "Say `mentee-projects on` (mentees may create their own project pairs) or `off` (owners only)."
                    .to_owned()
            }),
        "session-timeout" | "sessions" => {
            let hours = value.trim().trim_end_matches('h').trim();
            match hours.parse::<u32>() {
                Ok(n) if (1..=MAX_SESSION_HOURS).contains(&n) => Ok(Setting::SessionHours(n)),
                _ => Err(format!(
                    "`session-timeout` is how many hours a mentor has to answer a one-time session request \
                     before the next one is asked: a number from 1 to {MAX_SESSION_HOURS}."
                )),
            }
        }
        "timezone" | "time-zone" | "tz" => parse_time_zone(value).map(|tz| Setting::TimeZone(tz.name().to_owned())),
        "weekends" | "weekend" => switch(value, &["on", "yes", "allowed", "true"], &["off", "no", "skipped", "false"])
            .map(Setting::Weekends)
            .ok_or_else(|| {
                "Say `weekends on` (check-ins may arrive on Saturdays and Sundays) or `weekends off`.".to_owned()
            }),
        "channel" => parse_channel(value).map(Setting::Channel),
        other => Err(format!("`{}` is not a setting. Settings: {SETTING_KEYS}.", super::bounds::echo(other))),
    }
}

/// A channel as Slack sends it in a command with escaping on (`<#C123|name>`, or
/// `<#C123>` for a private one), or `off`. A bare `#name` cannot be resolved without
/// reading every channel, so it is refused with what to do instead.
fn parse_channel(value: &str) -> Result<Option<String>, String> {
    if matches!(value.to_lowercase().as_str(), "off" | "none") {
        return Ok(None);
    }
    let id = value.strip_prefix("<#").and_then(|v| v.strip_suffix('>')).map(|v| v.split('|').next().unwrap_or(v));
    match id {
        Some(id) if id.len() > 1 && id.starts_with(['C', 'G']) && id.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Ok(Some(id.to_owned()))
        }
        _ => Err(format!(
            "`{}` is not a channel I can tell: pick it from Slack's list as you type `#` (it turns blue), or say              `channel off`.",
            super::bounds::echo(value)
        )),
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
        let number: u32 = number.parse().ok().filter(|n| *n <= MAX_WEIGHT).ok_or_else(|| {
            format!("`{}` is not a weight: use a whole number from 0 to {MAX_WEIGHT}.", super::bounds::echo(number))
        })?;
        match name.to_lowercase().as_str() {
            "skill" | "skills" => skill = Some(number),
            "hours" | "hour" => hour = Some(number),
            "department" | "departments" | "cross-department" => cross_department = Some(number),
            _ => return Err(format!("`{}` is not a weight. {USAGE}", super::bounds::echo(name))),
        }
    }
    if skill.is_none() && hour.is_none() && cross_department.is_none() {
        return Err(USAGE.to_owned());
    }
    Ok(Setting::Weights { skill, hour, cross_department })
}

impl ProgramSettings {
    /// The settings after `setting`; weights not named keep their value.
    pub fn with(mut self, setting: Setting) -> ProgramSettings {
        let (m, c) = (&mut self.matching, &mut self.checkins);
        match setting {
            Setting::Capacity(k) => m.capacity = k,
            Setting::AllowRepeats(on) => m.allow_repeats = on,
            Setting::ForbidSameDepartment(on) => m.forbid_same_department = on,
            Setting::Weights { skill: None, hour: None, cross_department: None } => {
                (m.weight_skill, m.weight_hour, m.weight_cross_department) = (None, None, None);
            }
            Setting::Weights { skill, hour, cross_department } => {
                m.weight_skill = skill.or(m.weight_skill);
                m.weight_hour = hour.or(m.weight_hour);
                m.weight_cross_department = cross_department.or(m.weight_cross_department);
            }
            Setting::MatchSchedule(cron) => m.match_schedule = cron,
            Setting::MinLevelGap(gap) => m.min_level_gap = gap,
            Setting::MidRoundMatching(on) => m.mid_round_matching = on,
            Setting::MatchBudget(secs) => m.match_budget_secs = secs,
            Setting::CheckinSchedule(cron) => c.schedule = cron,
            Setting::CheckinEvery(n) => c.every = n,
            Setting::Window(w) => c.window = w,
            Setting::TimeZone(tz) => c.time_zone = tz,
            Setting::Weekends(on) => c.weekends = on,
            Setting::Digest(cron) => self.digest = cron,
            Setting::RoundLength(weeks) => self.round_weeks = weeks,
            Setting::SessionHours(hours) => self.session_hours = hours,
            Setting::Circles(size) => m.circle_size = size,
            Setting::MenteeProjects(on) => self.mentee_projects = on,
            Setting::Channel(channel) => self.channel = channel,
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_match_budget_is_whole_seconds_within_the_requests_lease() {
        assert_eq!(parse_setting("match-budget", "20"), Ok(Setting::MatchBudget(20)));
        assert_eq!(parse_setting("match-budget", "45s"), Ok(Setting::MatchBudget(45)));
        for bad in ["0", "51", "ten", ""] {
            assert!(parse_setting("match-budget", bad).unwrap_err().contains("1 to 50"), "{bad}");
        }
        let settings = ProgramSettings::default().with(Setting::MatchBudget(12));
        assert_eq!(settings.matching.match_budget_secs, 12);
        assert_eq!(MatchSettings::default().match_budget_secs, DEFAULT_MATCH_BUDGET_SECS);
    }

    #[test]
    fn settings_parse_with_reasons_for_bad_values() {
        assert_eq!(parse_setting("capacity", "2"), Ok(Setting::Capacity(2)));
        assert_eq!(parse_setting("circles", "4"), Ok(Setting::Circles(Some(4))));
        assert_eq!(parse_setting("circles", "off"), Ok(Setting::Circles(None)));
        assert!(parse_setting("circles", "1").unwrap_err().contains("2 to 10"));
        assert_eq!(ProgramSettings::default().with(Setting::Circles(Some(3))).matching.seats(), 3);
        assert_eq!(parse_setting("session-timeout", "48h"), Ok(Setting::SessionHours(48)));
        assert!(parse_setting("session-timeout", "0").unwrap_err().contains("1 to 168"));
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
        assert_eq!(parse_setting("schedule", "\"0 10 * * 1\""), Ok(Setting::CheckinSchedule("0 0 10 * * MON".into())));
        assert!(parse_setting("schedule", "0 61 * * *").unwrap_err().contains("not a schedule"));
        assert_eq!(parse_setting("every", "3 weeks"), Ok(Setting::CheckinEvery(3)));
        assert!(parse_setting("every", "0").unwrap_err().contains("1 to 12"));
        assert!(parse_setting("window", "18:00-08:00").unwrap_err().contains("start before"));
        assert_eq!(parse_setting("timezone", "Europe/Berlin"), Ok(Setting::TimeZone("Europe/Berlin".into())));
        assert_eq!(parse_setting("weekends", "on"), Ok(Setting::Weekends(true)));
        assert_eq!(parse_setting("digest", "off"), Ok(Setting::Digest(None)));
        assert_eq!(parse_setting("min-gap", "3"), Ok(Setting::MinLevelGap(3)));
        assert!(parse_setting("min-gap", "-1").unwrap_err().contains("0 (no rule)"));
        assert_eq!(parse_setting("mid-round-matching", "on"), Ok(Setting::MidRoundMatching(true)));
        assert_eq!(parse_setting("digest", "\"0 8 * * FRI\""), Ok(Setting::Digest(Some("0 0 8 * * FRI".into()))));
        assert_eq!(parse_setting("round-length", "8 weeks"), Ok(Setting::RoundLength(8)));
        assert!(parse_setting("round-length", "0").unwrap_err().contains("1 to 52"));
        assert_eq!(ProgramSettings::default().with(Setting::RoundLength(6)).round_weeks, 6);
        assert_eq!(
            parse_setting("channel", "<#C0MENTOR|reverse-mentoring>"),
            Ok(Setting::Channel(Some("C0MENTOR".into())))
        );
        assert_eq!(parse_setting("channel", "<#G0PRIVATE>"), Ok(Setting::Channel(Some("G0PRIVATE".into()))));
        assert_eq!(parse_setting("channel", "off"), Ok(Setting::Channel(None)));
        for bad in ["#reverse-mentoring", "<#>", "<@U0ADA>", "<#C0 X|x>"] {
            assert!(parse_setting("channel", bad).unwrap_err().contains("turns blue"), "{bad}");
        }
    }

    #[test]
    fn unnamed_weights_keep_their_values_and_default_resets_them() {
        let s = ProgramSettings::default()
            .with(Setting::Weights { skill: Some(3), hour: Some(2), cross_department: None })
            .with(Setting::Weights { skill: None, hour: Some(7), cross_department: None });
        let m = &s.matching;
        assert_eq!((m.weight_skill, m.weight_hour, m.weight_cross_department), (Some(3), Some(7), None));
        let s = s.with(parse_setting("weights", "default").unwrap()).with(Setting::CheckinEvery(3));
        assert_eq!((s.matching.weight_skill, s.matching.weight_hour, s.checkins.every), (None, None, 3));
    }
}
