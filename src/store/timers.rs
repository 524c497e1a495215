//! The scheduler's timers: one row per kind and subject in `timers`, holding the due
//! time the timer last fired for. Firing stores the timer's event in the inbox and sets
//! the mark in one transaction, so a crash can neither lose a firing nor repeat it.

use sqlx::{Any, Transaction};

use super::inbox::Delivery;
use super::{Result, Store};

/// The kinds of timer the scheduler fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Timer {
    /// A pair's check-in; marked with the check-in's due time.
    Checkin,
    /// A snoozed check-in's reminder; marked with the snooze's end.
    Remind,
    /// A program's weekly digest; marked with its cron time.
    Digest,
    /// A program's automatic round; marked with its cron time.
    Round,
    /// A confirmed round's end; marked with when it was started.
    RoundEnd,
    /// A one-time session's open request running out; marked with when it was asked.
    Session,
    /// A project's end date passing; marked with when its pair ends.
    ProjectEnd,
}

impl Timer {
    fn as_str(self) -> &'static str {
        match self {
            Timer::Checkin => "checkin",
            Timer::Remind => "remind",
            Timer::Digest => "digest",
            Timer::Round => "round",
            Timer::RoundEnd => "round-end",
            Timer::Session => "session",
            Timer::ProjectEnd => "project-end",
        }
    }

    /// The inbox lane its events are handled in: one per subject (a pair, a check-in,
    /// a program, a round), so one subject's firings are handled in order.
    fn lane(self, subject_id: i64) -> String {
        let subject = match self {
            Timer::Checkin => "pair",
            Timer::Remind => "checkin",
            Timer::Digest | Timer::Round => "program",
            Timer::RoundEnd => "round",
            Timer::Session => "session",
            Timer::ProjectEnd => "project",
        };
        format!("{subject}:{subject_id}")
    }
}

/// Sets a timer's mark, inside the change that acts on it.
pub(super) async fn mark_timer(
    tx: &mut Transaction<'static, Any>,
    timer: Timer,
    subject_id: i64,
    fired_for: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO timers (kind, subject_id, fired_for) VALUES ($1, $2, $3)
         ON CONFLICT (kind, subject_id) DO UPDATE SET fired_for = excluded.fired_for",
    )
    .bind(timer.as_str())
    .bind(subject_id)
    .bind(fired_for)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Fires a timer: its event goes to the inbox and its mark is set in one
    /// transaction. An event already stored under `dedupe_key` is kept once.
    pub(super) async fn fire_timer(
        &self,
        timer: Timer,
        subject_id: i64,
        fired_for: i64,
        dedupe_key: &str,
        payload: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin(now).await?;
        let delivery = Delivery {
            dedupe_key: dedupe_key.to_owned(),
            payload: payload.to_owned(),
            lane: timer.lane(subject_id),
            urgent: false,
        };
        tx.receive(&delivery).await?;
        mark_timer(&mut tx.tx, timer, subject_id, fired_for).await?;
        tx.commit().await?;
        self.wake_consumers();
        Ok(())
    }
}
