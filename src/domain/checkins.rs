//! When a pair is asked "did you meet since last time?": pure arithmetic of cron
//! schedules, intervals, working-hours windows and time zones.
//!
//! A program's check-in *schedule* is a cron expression read in the program's time zone
//! (default: Mondays at 10:00), and *every* says which of its times count: every second
//! one by default, counted from the pair's start and then from each check-in, so "every
//! second Monday" needs no rule plain cron lacks. A due check-in is then *delivered* at
//! the first moment inside the working-hours window of both people's time zones (where
//! they have one), else of the mentee's, skipping weekends unless the program allows
//! them. Times missed while the bot was down collapse into the latest one, so a pair is
//! asked once, not once per missed time.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use cron::Schedule;

use super::schedule::parse_cron;

/// A program's check-in rules as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinSettings {
    /// Six-field cron (seconds first), read in `time_zone`.
    pub schedule: String,
    /// Which of the schedule's times count: every `every`-th one.
    pub every: u32,
    pub window: Window,
    /// IANA name of the program's zone: the schedule's zone, and the window's zone for
    /// pairs whose people have none.
    pub time_zone: String,
    pub weekends: bool,
}

pub const DEFAULT_SCHEDULE: &str = "0 0 10 * * MON";
pub const MAX_EVERY: u32 = 12;

impl Default for CheckinSettings {
    fn default() -> Self {
        CheckinSettings {
            schedule: DEFAULT_SCHEDULE.to_owned(),
            every: 2,
            window: Window::default(),
            time_zone: "UTC".to_owned(),
            weekends: false,
        }
    }
}

/// Local working hours, `[start, end)`, the same in every zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Default for Window {
    fn default() -> Self {
        Window { start: hm(9, 0), end: hm(17, 0) }
    }
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

impl std::fmt::Display for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.start.format("%H:%M"), self.end.format("%H:%M"))
    }
}

/// `09:00-17:00`; `Err` is the reason to show.
pub fn parse_window(text: &str) -> Result<Window, String> {
    let usage = "Give working hours as `09:00-17:00` (24-hour clock, start before end).";
    let (start, end) = text.trim().split_once('-').ok_or_else(|| usage.to_owned())?;
    let time = |t: &str| {
        NaiveTime::parse_from_str(t.trim(), "%H:%M")
            .map_err(|_| format!("`{}` is not a time. {usage}", super::bounds::echo(t.trim())))
    };
    let (start, end) = (time(start)?, time(end)?);
    if start >= end {
        return Err(format!("The window must start before it ends. {usage}"));
    }
    if end - start < Duration::hours(1) {
        return Err(format!("A window shorter than an hour leaves little room to meet. {usage}"));
    }
    Ok(Window { start, end })
}

/// An IANA zone name such as `Europe/Berlin`.
pub fn parse_time_zone(text: &str) -> Result<Tz, String> {
    text.trim().parse::<Tz>().map_err(|_| {
        format!("`{}` is not a time zone: use a name like Europe/Berlin.", super::bounds::echo(text.trim()))
    })
}

/// Checks a check-in schedule; its normalised (six-field) spelling is what is stored.
pub fn parse_checkin_schedule(text: &str) -> Result<String, String> {
    parse_cron(text).map(|c| c.normalised)
}

/// What the scheduler needs to know about one pair.
#[derive(Debug, Clone, Copy)]
pub struct PairClock {
    /// When the pair went live.
    pub start: DateTime<Utc>,
    /// The schedule time of the pair's latest check-in, if any.
    pub last_due: Option<DateTime<Utc>>,
}

/// The schedule's times after `after`, in `zone`, with a time that an autumn clock
/// change makes happen twice counted once.
fn times_after(schedule: &Schedule, zone: Tz, after: DateTime<Utc>) -> impl Iterator<Item = DateTime<Utc>> + '_ {
    let mut previous = None;
    schedule.after(&after.with_timezone(&zone)).filter_map(move |t| {
        let local = t.naive_local();
        let repeat = previous == Some(local);
        previous = Some(local);
        (!repeat).then(|| t.with_timezone(&Utc))
    })
}

/// How far back a bot that was down looks for missed check-ins.
const MAX_CATCH_UP: usize = 10_000;

/// The check-in times of a pair from its anchor (the last check-in, else its start):
/// every `every`-th time of the schedule.
fn checkin_times(
    schedule: &Schedule,
    zone: Tz,
    every: u32,
    pair: PairClock,
) -> impl Iterator<Item = DateTime<Utc>> + '_ {
    let anchor = pair.last_due.unwrap_or(pair.start);
    let every = every.max(1) as usize;
    times_after(schedule, zone, anchor).take(MAX_CATCH_UP).skip(every - 1).step_by(every)
}

/// The check-in due now (the latest one at or before `now` not yet asked), and the
/// next one after it, for the scheduler's wake-up.
pub fn due(
    schedule: &Schedule,
    zone: Tz,
    every: u32,
    pair: PairClock,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let mut due = None;
    for t in checkin_times(schedule, zone, every, pair) {
        if t > now {
            return (due, Some(t));
        }
        due = Some(t);
    }
    (due, None)
}

/// How far ahead a delivery slot is looked for before the mentee's window alone is used.
const SEARCH_DAYS: i64 = 16;

fn is_weekend(day: Weekday) -> bool {
    matches!(day, Weekday::Sat | Weekday::Sun)
}

/// Whether `t` is inside the working window in `zone`.
pub fn in_window(t: DateTime<Utc>, zone: Tz, window: Window, weekends: bool) -> bool {
    let local = t.with_timezone(&zone);
    let time = local.time();
    time >= window.start && time < window.end && (weekends || !is_weekend(local.weekday()))
}

/// The instant the window opens in `zone` on local `day`; on a day whose clock change
/// skips that time, the first instant after the gap.
fn window_opens(zone: Tz, day: NaiveDate, start: NaiveTime) -> Option<DateTime<Utc>> {
    let local = day.and_time(start);
    (0..=4).find_map(|quarter| {
        zone.from_local_datetime(&(local + Duration::minutes(15 * quarter))).earliest().map(|t| t.with_timezone(&Utc))
    })
}

/// The first instant at or after `from` inside the window of every zone in `zones`.
fn first_shared_slot(from: DateTime<Utc>, zones: &[Tz], window: Window, weekends: bool) -> Option<DateTime<Utc>> {
    let fits = |t: DateTime<Utc>| zones.iter().all(|&z| in_window(t, z, window, weekends));
    if fits(from) {
        return Some(from);
    }
    // A shared slot opens when the last of the windows opens: one of the zones' openings.
    let mut openings: Vec<DateTime<Utc>> = zones
        .iter()
        .flat_map(|&zone| {
            let first = from.with_timezone(&zone).date_naive() - Duration::days(1);
            (0..=SEARCH_DAYS).filter_map(move |d| window_opens(zone, first + Duration::days(d), window.start))
        })
        .filter(|&t| t > from)
        .collect();
    openings.sort_unstable();
    openings.into_iter().find(|&t| fits(t))
}

/// When a check-in due at `due` reaches the pair: inside both people's windows where
/// they share one, else the mentee's, else (no zone known) the program's.
pub fn delivery_time(
    due: DateTime<Utc>,
    mentee: Option<Tz>,
    mentor: Option<Tz>,
    program: Tz,
    window: Window,
    weekends: bool,
) -> DateTime<Utc> {
    let both: Vec<Tz> = [mentee, mentor].into_iter().flatten().collect();
    let fallback = [mentee.unwrap_or(program)];
    let zones: &[Tz] = if both.is_empty() { &[program] } else { &both };
    first_shared_slot(due, zones, window, weekends)
        .or_else(|| first_shared_slot(due, &fallback, window, weekends))
        .unwrap_or(due)
}

/// A pair has stalled when its two latest check-ins brought no meeting.
pub fn stalled(latest_first_met: &[bool]) -> bool {
    latest_first_met.len() >= 2 && latest_first_met.iter().take(2).all(|met| !met)
}

#[cfg(test)]
mod tests {
    use chrono::Timelike;
    use proptest::prelude::*;

    use super::*;

    const ZONES: [Tz; 9] = [
        chrono_tz::UTC,
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Sydney,
        chrono_tz::Asia::Kolkata,
        chrono_tz::Asia::Tokyo,
        chrono_tz::America::St_Johns,
        chrono_tz::Pacific::Chatham,
        chrono_tz::America::Los_Angeles,
    ];

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn schedule(text: &str) -> Schedule {
        parse_cron(text).unwrap().schedule
    }

    #[test]
    fn every_second_monday_counted_from_the_pair_start() {
        let s = schedule(DEFAULT_SCHEDULE);
        let start = utc(2026, 11, 25, 12, 0); // a Wednesday
        let pair = PairClock { start, last_due: None };
        // Mondays after the start: Nov 30, Dec 7; the second one counts.
        assert_eq!(due(&s, chrono_tz::UTC, 2, pair, utc(2026, 12, 6, 0, 0)), (None, Some(utc(2026, 12, 7, 10, 0))));
        let (now_due, next) = due(&s, chrono_tz::UTC, 2, pair, utc(2026, 12, 7, 10, 0));
        assert_eq!(now_due, Some(utc(2026, 12, 7, 10, 0)));
        assert_eq!(next, Some(utc(2026, 12, 21, 10, 0)));
        let after = PairClock { start, last_due: now_due };
        assert_eq!(due(&s, chrono_tz::UTC, 2, after, utc(2026, 12, 20, 0, 0)).1, Some(utc(2026, 12, 21, 10, 0)));
    }

    #[test]
    fn missed_checkins_are_caught_up_once() {
        let s = schedule(DEFAULT_SCHEDULE);
        let pair = PairClock { start: utc(2026, 1, 1, 0, 0), last_due: None };
        // Down from January to June: one check-in is due, the latest.
        let (now_due, next) = due(&s, chrono_tz::UTC, 2, pair, utc(2026, 6, 3, 0, 0));
        let now_due = now_due.unwrap();
        assert!(now_due <= utc(2026, 6, 3, 0, 0) && now_due > utc(2026, 5, 18, 0, 0), "{now_due}");
        assert_eq!(next.unwrap() - now_due, Duration::weeks(2));
        let caught_up = PairClock { start: pair.start, last_due: Some(now_due) };
        assert_eq!(due(&s, chrono_tz::UTC, 2, caught_up, utc(2026, 6, 3, 0, 0)).0, None);
    }

    #[test]
    fn the_schedule_is_read_in_the_program_zone_across_clock_changes() {
        let s = schedule("0 10 * * MON");
        let berlin = chrono_tz::Europe::Berlin;
        let pair = PairClock { start: utc(2026, 3, 20, 0, 0), last_due: None };
        let (_, first) = due(&s, berlin, 1, pair, utc(2026, 3, 20, 0, 0));
        // 10:00 in Berlin is 09:00 UTC before the change (Mar 29), 08:00 after.
        assert_eq!(first, Some(utc(2026, 3, 23, 9, 0)));
        let (_, second) = due(&s, berlin, 1, PairClock { start: pair.start, last_due: first }, utc(2026, 3, 24, 0, 0));
        assert_eq!(second, Some(utc(2026, 3, 30, 8, 0)));
    }

    #[test]
    fn a_time_the_autumn_change_repeats_fires_once() {
        // 02:30 on Oct 25 2026 happens twice in Berlin.
        let s = schedule("0 30 2 * * *");
        let times: Vec<_> =
            times_after(&s, chrono_tz::Europe::Berlin, utc(2026, 10, 24, 12, 0)).take(3).map(|t| t.day()).collect();
        assert_eq!(times, vec![25, 26, 27]);
    }

    #[test]
    fn delivery_waits_for_both_windows_and_skips_weekends() {
        let w = Window::default();
        let (berlin, new_york, tokyo) =
            (chrono_tz::Europe::Berlin, chrono_tz::America::New_York, chrono_tz::Asia::Tokyo);
        // Monday 10:00 UTC: Berlin 11:00 (open), New York 05:00 (closed) → NY opens at 14:00 UTC.
        let t = delivery_time(utc(2026, 12, 7, 10, 0), Some(new_york), Some(berlin), chrono_tz::UTC, w, false);
        assert_eq!(t, utc(2026, 12, 7, 14, 0));
        // Tokyo and New York never share 09-17: the mentee's (Tokyo) window is used.
        let t = delivery_time(utc(2026, 12, 7, 10, 0), Some(tokyo), Some(new_york), chrono_tz::UTC, w, false);
        assert_eq!(t, utc(2026, 12, 8, 0, 0));
        // Friday 20:00 UTC in Berlin: next slot is Monday 09:00 Berlin.
        let t = delivery_time(utc(2026, 12, 11, 20, 0), Some(berlin), None, chrono_tz::UTC, w, false);
        assert_eq!(t, utc(2026, 12, 14, 8, 0));
        let t = delivery_time(utc(2026, 12, 11, 20, 0), Some(berlin), None, chrono_tz::UTC, w, true);
        assert_eq!(t, utc(2026, 12, 12, 8, 0));
        // Nobody's zone known: the program's.
        let t = delivery_time(utc(2026, 12, 7, 6, 0), None, None, berlin, w, false);
        assert_eq!(t, utc(2026, 12, 7, 8, 0));
    }

    #[test]
    fn windows_and_zones_are_checked() {
        assert_eq!(parse_window("08:30-16:00").unwrap().to_string(), "08:30-16:00");
        assert!(parse_window("17:00-09:00").unwrap_err().contains("start before"));
        assert!(parse_window("9-5").unwrap_err().contains("not a time"));
        assert!(parse_window("09:00-09:30").unwrap_err().contains("hour"));
        assert!(parse_time_zone("Mars/Olympus").unwrap_err().contains("not a time zone"));
        assert_eq!(parse_time_zone(" Europe/Berlin ").unwrap(), chrono_tz::Europe::Berlin);
        assert!(parse_checkin_schedule("every monday").is_err());
    }

    #[test]
    fn stalled_means_two_latest_checkins_without_a_meeting() {
        assert!(!stalled(&[false]));
        assert!(stalled(&[false, false, true]));
        assert!(!stalled(&[true, false]));
    }

    fn window() -> impl Strategy<Value = Window> {
        (6u32..12, 0u32..4, 4u32..10).prop_map(|(h, q, len)| Window { start: hm(h, q * 15), end: hm(h + len, q * 15) })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The delivery is never early, lies in every window it claims, and no earlier
        /// minute would have done (checked by scanning minute by minute).
        #[test]
        fn delivery_is_the_first_minute_in_every_window(
            minutes in 0i64..(5 * 366 * 24 * 60),
            a in 0usize..9,
            b in proptest::option::of(0usize..9),
            w in window(),
            weekends in any::<bool>(),
        ) {
            let due = utc(2025, 1, 1, 0, 0) + Duration::minutes(minutes);
            let (mentee, mentor) = (ZONES[a], b.map(|b| ZONES[b]));
            let t = delivery_time(due, Some(mentee), mentor, chrono_tz::UTC, w, weekends);
            prop_assert!(t >= due);
            prop_assert!(in_window(t, mentee, w, weekends), "{t} not in the mentee's window");
            let both: Vec<Tz> = [Some(mentee), mentor].into_iter().flatten().collect();
            let shared = both.iter().all(|&z| in_window(t, z, w, weekends));
            let mut m = due;
            while m < t {
                let everyone = both.iter().all(|&z| in_window(m, z, w, weekends));
                prop_assert!(!everyone, "{m} was free for both, before {t}");
                prop_assert!(shared || !in_window(m, mentee, w, weekends), "{m} was free for the mentee, before {t}");
                m = (m + Duration::minutes(1)).with_second(0).unwrap();
            }
        }

        /// Check-ins come in order, never bunch up after downtime, and keep the interval.
        #[test]
        fn checkins_keep_their_rhythm(every in 1u32..4, zone in 0usize..9, start_min in 0i64..(366 * 24 * 60), days in 1i64..200) {
            let s = schedule("0 10 * * MON");
            let start = utc(2026, 1, 1, 0, 0) + Duration::minutes(start_min);
            let now = start + Duration::days(days);
            let pair = PairClock { start, last_due: None };
            let (due_now, next) = due(&s, ZONES[zone], every, pair, now);
            if let Some(d) = due_now {
                prop_assert!(d > start && d <= now);
                let after = due(&s, ZONES[zone], every, PairClock { start, last_due: Some(d) }, now);
                prop_assert_eq!(after.0, None, "caught up once");
                let gap = after.1.unwrap() - d;
                prop_assert!(gap >= Duration::weeks(i64::from(every)) - Duration::hours(1));
                prop_assert!(gap <= Duration::weeks(i64::from(every)) + Duration::hours(1));
            } else {
                prop_assert!(next.unwrap() > now);
                prop_assert!(next.unwrap() - start <= Duration::weeks(i64::from(every)) + Duration::hours(1));
            }
        }
    }
}
