//! Cron schedules as people write them, turned into what the `cron` crate runs.
//!
//! The crate wants six or seven fields with seconds first and numbers days of the week
//! Quartz-style (1 = Sunday); people write five-field crontab lines where 0 or 7 is
//! Sunday and 1 is Monday. Numbers are therefore converted to day names, which mean the
//! same in both, before the expression is handed over.

use std::str::FromStr;

use chrono::{DateTime, TimeZone};
use cron::Schedule;

const DAY_NAMES: [&str; 8] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

/// A checked schedule and its six-field spelling (what is stored).
#[derive(Debug, Clone)]
pub struct Cron {
    pub schedule: Schedule,
    pub normalised: String,
}

/// Accepts crontab's five fields or cron's six/seven; `Err` is the reason to show.
pub fn parse_cron(text: &str) -> Result<Cron, String> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    let normalised = match fields.len() {
        5 => {
            let day_of_week = crontab_days(fields[4])?;
            format!("0 {} {} {} {} {day_of_week}", fields[0], fields[1], fields[2], fields[3])
        }
        6 | 7 => fields.join(" "),
        n => {
            return Err(format!(
                "`{}` has {n} fields; a schedule has five (minute hour day month weekday, e.g. `0 10 * * MON`) \
                 or six with seconds first.",
                super::bounds::echo(text)
            ))
        }
    };
    let schedule = Schedule::from_str(&normalised).map_err(|e| {
        let why = super::bounds::cut(&e.to_string(), super::bounds::ECHO_MAX * 2);
        format!("`{}` is not a schedule: {why}.", super::bounds::echo(text))
    })?;
    Ok(Cron { schedule, normalised })
}

/// Crontab day-of-week numbers (0-7, 0 and 7 = Sunday) as names; names pass through.
fn crontab_days(field: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut number = String::new();
    let mut after_slash = false;
    let flush = |number: &mut String, out: &mut String, after_slash: bool| -> Result<(), String> {
        if number.is_empty() {
            return Ok(());
        }
        if after_slash {
            out.push_str(number);
        } else {
            let n: usize = number.parse().map_err(|_| format!("`{}` is not a weekday", super::bounds::echo(number)))?;
            let name = DAY_NAMES.get(n).ok_or_else(|| format!("weekday `{n}` is out of range (0-7)"))?;
            out.push_str(name);
        }
        number.clear();
        Ok(())
    };
    for c in field.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        flush(&mut number, &mut out, after_slash)?;
        after_slash = c == '/';
        out.push(c);
    }
    flush(&mut number, &mut out, after_slash)?;
    Ok(out)
}

/// The first time of `schedule` strictly after `after`, in the schedule's zone.
pub fn next_after<Tz: TimeZone>(schedule: &Schedule, after: &DateTime<Tz>) -> Option<DateTime<Tz>> {
    schedule.after(after).next()
}

/// How many missed times are looked through when catching up after downtime.
const MAX_CATCH_UP: usize = 100_000;

/// The latest time of `schedule` in `(since, now]`: what is due now. Times missed while
/// the bot was down collapse into this one, so they are caught up once, not once each.
pub fn latest_due<Tz: TimeZone>(schedule: &Schedule, since: &DateTime<Tz>, now: &DateTime<Tz>) -> Option<DateTime<Tz>> {
    schedule.after(since).take(MAX_CATCH_UP).take_while(|t| t <= now).last()
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Utc, Weekday};

    use super::*;

    #[test]
    fn five_fields_get_seconds_and_crontab_weekdays_mean_what_people_think() {
        assert_eq!(parse_cron("0 10 * * 1").unwrap().normalised, "0 0 10 * * MON");
        assert_eq!(parse_cron("30 9 * * 1-5").unwrap().normalised, "0 30 9 * * MON-FRI");
        assert_eq!(parse_cron("0 9 * * 0,7").unwrap().normalised, "0 0 9 * * SUN,SUN");
        assert_eq!(parse_cron("0 0 10 * * Mon").unwrap().normalised, "0 0 10 * * Mon");
        let cron = parse_cron("0 10 * * 1").unwrap();
        let start = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap(); // a Tuesday
        let next = next_after(&cron.schedule, &start).unwrap();
        assert_eq!((next.weekday(), next.day()), (Weekday::Mon, 30));
    }

    #[test]
    fn missed_times_are_caught_up_once() {
        let cron = parse_cron("0 9 * * *").unwrap();
        let since = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 5, 10, 0, 0).unwrap();
        let due = latest_due(&cron.schedule, &since, &now).unwrap();
        assert_eq!(due, Utc.with_ymd_and_hms(2026, 11, 5, 9, 0, 0).unwrap());
        assert_eq!(latest_due(&cron.schedule, &due, &now), None, "nothing more until tomorrow");
        let next = next_after(&cron.schedule, &due).unwrap();
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 11, 6, 9, 0, 0).unwrap());
    }

    #[test]
    fn bad_schedules_are_explained() {
        assert!(parse_cron("every monday").unwrap_err().contains("fields"));
        assert!(parse_cron("0 25 * * *").unwrap_err().contains("not a schedule"));
        assert!(parse_cron("0 9 * * 8").unwrap_err().contains("out of range"));
    }
}
