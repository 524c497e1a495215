//! Goals, confidence ratings and mentors' consent to be thanked, plus the timer that
//! ends a round. Goal texts are read only for the pair they belong to; owners' figures
//! read ratings, never a goal.

use sqlx::FromRow;

use super::timers::Timer;
use super::{from_json, Result, Store, StoreError, Tx};
use crate::domain::outcomes::{Phase, Rating, Side, ValidConfidence};

/// A person's goal for one pair.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct GoalRow {
    pub id: i64,
    pub pair_id: i64,
    pub author: String,
    pub goal: String,
    pub done_at: Option<i64>,
}

/// A confirmed round whose end has not been started yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct EndingRound {
    pub round_id: i64,
    pub confirmed_at: i64,
    pub round_length_weeks: i64,
}

impl EndingRound {
    /// When the round ends: its confirmation plus the program's round length.
    pub fn due(&self) -> i64 {
        self.confirmed_at + self.round_length_weeks * 7 * 24 * 3600
    }
}

const GOAL_COLUMNS: &str = "g.id, g.pair_id, g.author, g.goal, g.done_at";

impl Store {
    pub async fn round_weeks(&self, program_id: i64) -> Result<u32> {
        let weeks: i64 = sqlx::query_scalar("SELECT round_length_weeks FROM programs WHERE id = $1")
            .bind(program_id)
            .fetch_one(&self.pool)
            .await?;
        u32::try_from(weeks).map_err(|_| StoreError::Corrupt(format!("round_length_weeks = {weeks}")))
    }

    /// The goals of a pair not yet marked done, mentor's first.
    pub async fn open_goals(&self, pair_id: i64) -> Result<Vec<GoalRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {GOAL_COLUMNS} FROM goals g JOIN pairs p ON p.id = g.pair_id
             JOIN participants m ON m.id = p.mentor_id
             WHERE g.pair_id = $1 AND g.done_at IS NULL
             ORDER BY CASE WHEN g.author = m.user_id THEN 0 ELSE 1 END, g.id"
        )))
        .bind(pair_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A person's own goals in every pair, open ones first, newest first.
    pub async fn goals_by(&self, author: &str) -> Result<Vec<GoalRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {GOAL_COLUMNS} FROM goals g WHERE g.author = $1
             ORDER BY CASE WHEN g.done_at IS NULL THEN 0 ELSE 1 END, g.id DESC"
        )))
        .bind(author)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every confidence rating of a program: figures only.
    pub async fn confidence_ratings(&self, program_id: i64) -> Result<Vec<Rating>> {
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT user_id, side, phase, topic, rating FROM confidence WHERE program_id = $1
             ORDER BY user_id, side, topic, phase",
        )
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(user, side, phase, topic, rating)| {
                let corrupt = || StoreError::Corrupt(format!("confidence of {user}: {side} {phase} {rating}"));
                Ok(Rating {
                    side: Side::parse(&side).ok_or_else(corrupt)?,
                    phase: Phase::parse(&phase).ok_or_else(corrupt)?,
                    rating: u8::try_from(rating).map_err(|_| corrupt())?,
                    user,
                    topic,
                })
            })
            .collect()
    }

    /// A mentor's consent to be thanked (`Some`), with the person to tell, if any.
    pub async fn recognition(&self, program_id: i64, user: &str) -> Result<Option<Option<String>>> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT tell_user FROM recognition WHERE program_id = $1 AND user_id = $2")
                .bind(program_id)
                .bind(user)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(tell,)| tell))
    }

    /// What a mentor's thank-you counts of one pair: its meetings, and the skill tags
    /// of its reflections (never their texts).
    pub async fn pair_outcome_facts(&self, pair_id: i64) -> Result<(u64, Vec<Vec<String>>)> {
        let meetings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkins WHERE pair_id = $1 AND answer = 'met'")
            .bind(pair_id)
            .fetch_one(&self.pool)
            .await?;
        let skills: Vec<String> = sqlx::query_scalar("SELECT skills FROM reflections WHERE pair_id = $1 ORDER BY id")
            .bind(pair_id)
            .fetch_all(&self.pool)
            .await?;
        let skills = skills.iter().map(|s| from_json(s)).collect::<Result<Vec<_>>>()?;
        Ok((meetings.unsigned_abs(), skills))
    }

    /// Whether `mentor` ever taught `mentee` in a live or ended pair.
    pub async fn was_mentor_of(&self, mentor: &str, mentee: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pairs p JOIN participants m ON m.id = p.mentor_id
             JOIN participants e ON e.id = p.mentee_id
             WHERE p.status IN ('active', 'ended') AND m.user_id = $1 AND e.user_id = $2",
        )
        .bind(mentor)
        .bind(mentee)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Everyone who mentored `mentee` in a program (live or ended pairs), once each.
    pub async fn mentors_of(&self, program_id: i64, mentee: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT m.user_id FROM pairs p JOIN participants m ON m.id = p.mentor_id
             JOIN participants e ON e.id = p.mentee_id
             WHERE p.program_id = $1 AND p.status IN ('active', 'ended') AND e.user_id = $2
             ORDER BY m.user_id",
        )
        .bind(program_id)
        .bind(mentee)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Confirmed rounds still running, with what their end time needs.
    pub async fn ending_rounds(&self) -> Result<Vec<EndingRound>> {
        Ok(sqlx::query_as(
            "SELECT r.id AS round_id, r.confirmed_at, g.round_length_weeks FROM rounds r
             JOIN programs g ON g.id = r.program_id
             WHERE r.status = 'confirmed' AND r.confirmed_at IS NOT NULL AND r.project_id IS NULL
               AND NOT EXISTS (SELECT 1 FROM timers t WHERE t.kind = 'round-end' AND t.subject_id = r.id)
             ORDER BY r.id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records that a round's end was started: its event goes to the inbox in the same
    /// transaction, like [`Store::start_checkin`].
    pub async fn start_round_end(&self, round: EndingRound, payload: &str, now: i64) -> Result<()> {
        let key = format!("round-end:{}", round.round_id);
        self.fire_timer(Timer::RoundEnd, round.round_id, now, &key, payload, now).await
    }
}

impl Tx {
    pub async fn set_round_weeks(&mut self, program_id: i64, weeks: u32) -> Result<()> {
        sqlx::query("UPDATE programs SET round_length_weeks = $1 WHERE id = $2")
            .bind(i64::from(weeks))
            .bind(program_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Stores a person's goal for a pair; a new one replaces theirs and is open again.
    pub async fn save_goal(&mut self, pair_id: i64, author: &str, goal: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO goals (pair_id, author, goal, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (pair_id, author) DO UPDATE SET goal = excluded.goal, done_at = NULL",
        )
        .bind(pair_id)
        .bind(author)
        .bind(goal)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Marks the author's own goal done; `false` if it is not theirs or already done.
    pub async fn mark_goal_done(&mut self, goal_id: i64, author: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE goals SET done_at = $1 WHERE id = $2 AND author = $3 AND done_at IS NULL")
            .bind(self.now)
            .bind(goal_id)
            .bind(author)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        Ok(done == 1)
    }

    /// Stores confidence ratings (replacing earlier ones of the same phase) and, from a
    /// mentor's first form, their consent to be thanked: no consent removes an earlier one.
    pub async fn save_confidence(&mut self, program_id: i64, user: &str, c: &ValidConfidence) -> Result<()> {
        for (topic, rating) in &c.ratings {
            sqlx::query(
                "INSERT INTO confidence (program_id, user_id, side, phase, topic, rating, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (program_id, user_id, side, phase, topic)
                 DO UPDATE SET rating = excluded.rating, created_at = excluded.created_at",
            )
            .bind(program_id)
            .bind(user)
            .bind(c.side.as_str())
            .bind(c.phase.as_str())
            .bind(topic)
            .bind(i64::from(*rating))
            .bind(self.now)
            .execute(&mut *self.tx)
            .await?;
        }
        if crate::domain::outcomes::asks_consent(c.side, c.phase) {
            sqlx::query("DELETE FROM recognition WHERE program_id = $1 AND user_id = $2")
                .bind(program_id)
                .bind(user)
                .execute(&mut *self.tx)
                .await?;
            if let Some(consent) = &c.consent {
                sqlx::query(
                    "INSERT INTO recognition (program_id, user_id, tell_user, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(program_id)
                .bind(user)
                .bind(&consent.tell)
                .bind(self.now)
                .execute(&mut *self.tx)
                .await?;
            }
        }
        Ok(())
    }
}
