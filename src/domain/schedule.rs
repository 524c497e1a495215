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

/// A stored schedule (six fields, day names) in words a program lead reads: "every
/// other Monday at 10:00, Europe/Paris". `every` is which of its times count (2 = every
/// other one). Shapes other than "these days at this time" keep their cron spelling.
pub fn in_words(cron: &str, every: u32, zone: &str) -> String {
    let fields: Vec<&str> = cron.split_whitespace().collect();
    let words = match fields.as_slice() {
        ["0", minute, hour, "*", "*", days] => {
            let time = minute.parse::<u32>().ok().zip(hour.parse::<u32>().ok()).map(|(m, h)| format!("{h:02}:{m:02}"));
            time.zip(days_in_words(days)).map(|(time, (days, plural))| match (every, plural) {
                (1, _) => format!("every {days} at {time}, {zone}"),
                (2, false) => format!("every other {days} at {time}, {zone}"),
                (n, false) => format!("every {} {days} at {time}, {zone}", ordinal(n)),
                (n, true) => format!("every {days} at {time}, {zone}, one time in {n}"),
            })
        }
        _ => None,
    };
    words.unwrap_or_else(|| match every {
        1 => format!("on the schedule `{cron}`, {zone}"),
        n => format!("one time in {n} of the schedule `{cron}`, {zone}"),
    })
}

/// A day-of-week field in words, and whether it names several days.
fn days_in_words(field: &str) -> Option<(String, bool)> {
    const NAMES: [(&str, &str); 7] = [
        ("MON", "Monday"),
        ("TUE", "Tuesday"),
        ("WED", "Wednesday"),
        ("THU", "Thursday"),
        ("FRI", "Friday"),
        ("SAT", "Saturday"),
        ("SUN", "Sunday"),
    ];
    let name = |day: &str| NAMES.iter().find(|(short, _)| short.eq_ignore_ascii_case(day)).map(|(_, long)| *long);
    match field.to_uppercase().as_str() {
        "*" | "?" => Some(("day".to_owned(), false)),
        "MON-FRI" => Some(("weekday".to_owned(), true)),
        list => {
            let days: Vec<&str> = list.split(',').map(name).collect::<Option<_>>()?;
            let (last, rest) = days.split_last()?;
            let words = if rest.is_empty() { (*last).to_owned() } else { format!("{} and {last}", rest.join(", ")) };
            Some((words, !rest.is_empty()))
        }
    }
}

fn ordinal(n: u32) -> String {
    match n {
        3 => "third".to_owned(),
        4 => "fourth".to_owned(),
        5 => "fifth".to_owned(),
        6 => "sixth".to_owned(),
        n => format!("{n}th"),
    }
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
    fn schedules_read_as_words() {
        assert_eq!(in_words("0 0 10 * * MON", 2, "Europe/Paris"), "every other Monday at 10:00, Europe/Paris");
        assert_eq!(in_words("0 0 10 * * MON", 1, "UTC"), "every Monday at 10:00, UTC");
        assert_eq!(in_words("0 30 9 * * MON-FRI", 1, "Europe/Berlin"), "every weekday at 09:30, Europe/Berlin");
        assert_eq!(in_words("0 0 9 * * MON,THU", 1, "UTC"), "every Monday and Thursday at 09:00, UTC");
        assert_eq!(in_words("0 0 9 * * MON", 3, "UTC"), "every third Monday at 09:00, UTC");
        assert_eq!(in_words("0 0 9 1 * *", 1, "UTC"), "on the schedule `0 0 9 1 * *`, UTC");
        assert_eq!(in_words("0 30 9 * * MON-FRI", 2, "UTC"), "every weekday at 09:30, UTC, one time in 2");
    }

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
