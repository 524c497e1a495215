//! Check-ins (the scheduled "did you meet?" and its answers), reflections, and the
//! check-in settings of programs.

use chrono::NaiveTime;
use sqlx::FromRow;

use super::timers::{mark_timer, Timer};
use super::{from_json, to_json, Result, Store, StoreError, Tx};
use crate::domain::checkins::{CheckinSettings, Window};
use crate::domain::reflection::{Reflection, ValidReflection, Visibility};
use crate::domain::summary::{CheckinFact, PairFact, ReflectionFact};

#[derive(Debug, Clone, FromRow)]
struct CheckinSettingsRow {
    checkin_schedule: String,
    checkin_every: i64,
    window_start: String,
    window_end: String,
    time_zone: String,
    allow_weekends: i64,
}

impl TryFrom<CheckinSettingsRow> for CheckinSettings {
    type Error = StoreError;

    fn try_from(row: CheckinSettingsRow) -> Result<CheckinSettings> {
        let time = |t: &str| {
            NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| StoreError::Corrupt(format!("window time `{t}`")))
        };
        Ok(CheckinSettings {
            every: u32::try_from(row.checkin_every)
                .map_err(|_| StoreError::Corrupt(format!("checkin_every = {}", row.checkin_every)))?,
            window: Window { start: time(&row.window_start)?, end: time(&row.window_end)? },
            schedule: row.checkin_schedule,
            time_zone: row.time_zone,
            weekends: row.allow_weekends != 0,
        })
    }
}

const SETTINGS_COLUMNS: &str = "checkin_schedule, checkin_every, window_start, window_end, time_zone, allow_weekends";

/// A live pair as the check-in scheduler sees it.
#[derive(Debug, Clone, FromRow)]
pub struct CheckinPair {
    pub pair_id: i64,
    pub program_id: i64,
    pub mentor_user: String,
    pub mentee_user: String,
    pub mentor_tz: Option<String>,
    pub mentee_tz: Option<String>,
    /// When the pair went live (its round's confirmation).
    pub start: i64,
    pub last_checkin_due: Option<i64>,
    #[sqlx(flatten)]
    settings_row: CheckinSettingsRow,
}

impl CheckinPair {
    /// The check-in settings of the pair's program.
    pub fn settings(&self) -> Result<CheckinSettings> {
        self.settings_row.clone().try_into()
    }
}

/// A check-in as stored.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CheckinRow {
    pub id: i64,
    pub pair_id: i64,
    pub due_at: i64,
    /// 1 for the gentler nudge, 0 for the usual one (a 0/1 BIGINT on both engines).
    pub gentle: i64,
    pub answer: Option<String>,
    pub snoozed_until: Option<i64>,
}

/// A snoozed check-in waiting for its reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct Snoozed {
    pub checkin_id: i64,
    pub snoozed_until: i64,
}

#[derive(FromRow)]
struct ReflectionStored {
    id: i64,
    pair_id: i64,
    author: String,
    partner: String,
    learned: Option<String>,
    taught: Option<String>,
    rating: i64,
    skills: String,
    visibility: String,
    created_at: i64,
}

impl TryFrom<ReflectionStored> for Reflection {
    type Error = StoreError;

    fn try_from(row: ReflectionStored) -> Result<Reflection> {
        let visibility = Visibility::parse(&row.visibility)
            .ok_or_else(|| StoreError::Corrupt(format!("reflection {} visibility `{}`", row.id, row.visibility)))?;
        let rating =
            u8::try_from(row.rating).map_err(|_| StoreError::Corrupt(format!("reflection {} rating", row.id)))?;
        Ok(Reflection {
            id: row.id,
            pair_id: row.pair_id,
            author: row.author,
            partner: row.partner,
            reflection: ValidReflection {
                learned: row.learned,
                taught: row.taught,
                rating,
                skills: from_json(&row.skills)?,
                visibility,
            },
            created_at: row.created_at,
        })
    }
}

/// Reflections with the author's partner; `texts` selects `learned` and `taught`.
fn reflection_query(texts: &str, filter: &str) -> String {
    format!(
        "SELECT r.id, r.pair_id, r.author, CASE WHEN m.user_id = r.author THEN e.user_id ELSE m.user_id END AS partner,
                {texts}, r.rating, r.skills, r.visibility, r.created_at
         FROM reflections r JOIN pairs p ON p.id = r.pair_id
         JOIN participants m ON m.id = p.mentor_id JOIN participants e ON e.id = p.mentee_id
         WHERE {filter}"
    )
}

const CHECKIN_COLUMNS: &str = "id, pair_id, due_at, gentle, answer, snoozed_until";

impl Store {
    pub async fn checkin_settings(&self, program_id: i64) -> Result<CheckinSettings> {
        let row: CheckinSettingsRow =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {SETTINGS_COLUMNS} FROM programs WHERE id = $1")))
                .bind(program_id)
                .fetch_one(&self.pool)
                .await?;
        row.try_into()
    }

    /// Live, unpaused pairs whose people are both active (a dated pause that has ended
    /// counts as active), with what scheduling their check-ins needs.
    pub async fn checkin_pairs(&self, today: &str) -> Result<Vec<CheckinPair>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT p.id AS pair_id, p.program_id, m.user_id AS mentor_user, e.user_id AS mentee_user,
                    mt.tz AS mentor_tz, et.tz AS mentee_tz, COALESCE(r.confirmed_at, p.created_at) AS start,
                    (SELECT t.fired_for FROM timers t WHERE t.kind = 'checkin' AND t.subject_id = p.id)
                        AS last_checkin_due, {}
             FROM pairs p
             JOIN participants m ON m.id = p.mentor_id
             JOIN participants e ON e.id = p.mentee_id
             JOIN rounds r ON r.id = p.round_id
             JOIN programs g ON g.id = p.program_id
             LEFT JOIN slack_users mt ON mt.team_id = g.team_id AND mt.user_id = m.user_id
             LEFT JOIN slack_users et ON et.team_id = g.team_id AND et.user_id = e.user_id
             WHERE p.status = 'active' AND p.paused_at IS NULL
               AND (p.circle = 0 OR p.id = (SELECT MIN(q.id) FROM pairs q
                                            WHERE q.mentor_id = p.mentor_id AND q.circle = 1 AND q.status = 'active'))
               AND (m.status = 'active' OR (m.status = 'paused' AND m.paused_until <= $1))
               AND (e.status = 'active' OR (e.status = 'paused' AND e.paused_until <= $1))
             ORDER BY p.id",
            SETTINGS_COLUMNS.split(", ").map(|c| format!("g.{c}")).collect::<Vec<_>>().join(", ")
        )))
        .bind(today)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records that the check-in due at `due` was started: its event goes to the inbox
    /// in the same transaction, so a crash can neither lose it nor start it twice.
    pub async fn start_checkin(&self, pair_id: i64, due: i64, payload: &str, now: i64) -> Result<()> {
        self.fire_timer(Timer::Checkin, pair_id, due, &format!("checkin:{pair_id}:{due}"), payload, now).await
    }

    /// Snoozed check-ins whose reminder has not been started yet, soonest first.
    pub async fn snoozed_checkins(&self) -> Result<Vec<Snoozed>> {
        Ok(sqlx::query_as(
            "SELECT c.id AS checkin_id, c.snoozed_until FROM checkins c JOIN pairs p ON p.id = c.pair_id
             WHERE c.snoozed_until IS NOT NULL AND p.status = 'active'
               AND NOT EXISTS (SELECT 1 FROM timers t
                               WHERE t.kind = 'remind' AND t.subject_id = c.id AND t.fired_for = c.snoozed_until)
               AND p.paused_at IS NULL
             ORDER BY c.snoozed_until, c.id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Starts a snoozed check-in's reminder, like [`Store::start_checkin`].
    pub async fn start_reminder(&self, snoozed: Snoozed, payload: &str, now: i64) -> Result<()> {
        let key = format!("remind:{}:{}", snoozed.checkin_id, snoozed.snoozed_until);
        self.fire_timer(Timer::Remind, snoozed.checkin_id, snoozed.snoozed_until, &key, payload, now).await
    }

    pub async fn checkin(&self, id: i64) -> Result<Option<CheckinRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {CHECKIN_COLUMNS} FROM checkins WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The pair's latest check-in, if any.
    pub async fn latest_checkin(&self, pair_id: i64) -> Result<Option<CheckinRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CHECKIN_COLUMNS} FROM checkins WHERE pair_id = $1 ORDER BY due_at DESC LIMIT 1"
        )))
        .bind(pair_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A person's own reflections, newest first.
    pub async fn reflections_by(&self, author: &str) -> Result<Vec<Reflection>> {
        let rows: Vec<ReflectionStored> = sqlx::query_as(sqlx::AssertSqlSafe(reflection_query(
            "r.learned, r.taught",
            "r.author = $1 ORDER BY r.created_at DESC, r.id DESC",
        )))
        .bind(author)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Reflection::try_from).collect()
    }

    /// A program's reflections as owners may see them: every figure, and the texts
    /// only of those shared with owners (the others come back without text).
    pub async fn reflections_for_owners(&self, program_id: i64) -> Result<Vec<Reflection>> {
        let rows: Vec<ReflectionStored> = sqlx::query_as(sqlx::AssertSqlSafe(reflection_query(
            "CASE WHEN r.visibility = 'owners' THEN r.learned END AS learned,
             CASE WHEN r.visibility = 'owners' THEN r.taught END AS taught",
            "p.program_id = $1 ORDER BY r.id",
        )))
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Reflection::try_from).collect()
    }

    /// Check-ins ever started, in every program.
    pub async fn checkin_counts_all(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM checkins").fetch_one(&self.pool).await?)
    }

    /// What a program's figures are computed from: its confirmed pairs, their check-ins
    /// and the figures (never the texts) of their reflections.
    pub async fn activity_facts(
        &self,
        program_id: i64,
    ) -> Result<(Vec<PairFact>, Vec<CheckinFact>, Vec<ReflectionFact>)> {
        let pairs: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(
            "SELECT p.id, p.round_id, p.status, e.user_id, CASE WHEN r.project_id IS NULL THEN 0 ELSE 1 END
             FROM pairs p JOIN participants e ON e.id = p.mentee_id JOIN rounds r ON r.id = p.round_id
             WHERE p.program_id = $1 AND p.status IN ('active', 'ended') ORDER BY p.id",
        )
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?;
        let checkins: Vec<(i64, i64, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT c.pair_id, c.due_at, c.answer, c.answered_by FROM checkins c JOIN pairs p ON p.id = c.pair_id
             WHERE p.program_id = $1 ORDER BY c.id",
        )
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?;
        let reflections: Vec<(i64, i64, String, i64)> = sqlx::query_as(
            "SELECT r.pair_id, r.rating, r.skills, r.created_at FROM reflections r JOIN pairs p ON p.id = r.pair_id
             WHERE p.program_id = $1 ORDER BY r.id",
        )
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?;
        let pairs = pairs
            .into_iter()
            .map(|(pair_id, round_id, status, mentee, project)| PairFact {
                pair_id,
                round_id,
                active: status == "active",
                mentee,
                project: project != 0,
            })
            .collect();
        let checkins = checkins
            .into_iter()
            .map(|(pair_id, due_at, answer, answered_by)| CheckinFact {
                pair_id,
                due_at,
                answered: answer.is_some(),
                met: answer.as_deref() == Some("met"),
                answered_by,
            })
            .collect();
        let reflections = reflections
            .into_iter()
            .map(|(pair_id, rating, skills, created_at)| {
                let rating = u8::try_from(rating).map_err(|_| StoreError::Corrupt(format!("rating {rating}")))?;
                Ok(ReflectionFact { pair_id, rating, skills: from_json(&skills)?, created_at })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((pairs, checkins, reflections))
    }
}

impl Tx {
    pub async fn set_checkin_settings(&mut self, program_id: i64, s: &CheckinSettings) -> Result<()> {
        sqlx::query(
            "UPDATE programs SET checkin_schedule = $1, checkin_every = $2, window_start = $3, window_end = $4,
                    time_zone = $5, allow_weekends = $6 WHERE id = $7",
        )
        .bind(&s.schedule)
        .bind(i64::from(s.every))
        .bind(s.window.start.format("%H:%M").to_string())
        .bind(s.window.end.format("%H:%M").to_string())
        .bind(&s.time_zone)
        .bind(i64::from(s.weekends))
        .bind(program_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Whether each of the pair's check-ins brought a meeting, latest first.
    pub async fn meetings_of(&mut self, pair_id: i64) -> Result<Vec<bool>> {
        let answers: Vec<Option<String>> =
            sqlx::query_scalar("SELECT answer FROM checkins WHERE pair_id = $1 ORDER BY due_at DESC")
                .bind(pair_id)
                .fetch_all(&mut *self.tx)
                .await?;
        Ok(answers.into_iter().map(|a| a.as_deref() == Some("met")).collect())
    }

    /// Stores a check-in; `None` if this one was already stored.
    pub async fn insert_checkin(&mut self, pair_id: i64, due: i64, gentle: bool) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "INSERT INTO checkins (pair_id, due_at, gentle, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (pair_id, due_at) DO NOTHING RETURNING id",
        )
        .bind(pair_id)
        .bind(due)
        .bind(i64::from(gentle))
        .bind(self.now)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    /// Records an answer. "We met" overrides an earlier "not yet"; `false` when nothing
    /// changed (already answered so).
    pub async fn answer_checkin(&mut self, checkin_id: i64, met: bool, by: &str) -> Result<bool> {
        let answer = if met { "met" } else { "not_yet" };
        let done = sqlx::query(
            "UPDATE checkins SET answer = $1, answered_by = $2, answered_at = $3
             WHERE id = $4 AND (answer IS NULL OR (answer = 'not_yet' AND $1 = 'met'))",
        )
        .bind(answer)
        .bind(by)
        .bind(self.now)
        .bind(checkin_id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    /// Asks the pair again at `until` (a later snooze replaces an earlier one).
    pub async fn snooze_checkin(&mut self, checkin_id: i64, until: i64) -> Result<()> {
        sqlx::query("UPDATE checkins SET snoozed_until = $1 WHERE id = $2")
            .bind(until)
            .bind(checkin_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Pauses or resumes a live pair's check-ins; `false` when it already was so.
    pub async fn set_pair_paused(&mut self, pair_id: i64, paused: bool) -> Result<bool> {
        let sql = if paused {
            "UPDATE pairs SET paused_at = $1 WHERE id = $2 AND status = 'active' AND paused_at IS NULL"
        } else {
            "UPDATE pairs SET paused_at = NULL WHERE id = $2 AND status = 'active' AND paused_at IS NOT NULL"
        };
        let done = sqlx::query(sql).bind(self.now).bind(pair_id).execute(&mut *self.tx).await?.rows_affected() == 1;
        if done && !paused {
            // Check-ins missed while paused are not caught up: the rhythm restarts now.
            mark_timer(&mut self.tx, Timer::Checkin, pair_id, self.now).await?;
        }
        Ok(done)
    }

    pub async fn insert_reflection(
        &mut self,
        pair_id: i64,
        checkin_id: Option<i64>,
        author: &str,
        r: &ValidReflection,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO reflections (pair_id, checkin_id, author, learned, taught, rating, skills, visibility,
                                      created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(pair_id)
        .bind(checkin_id)
        .bind(author)
        .bind(&r.learned)
        .bind(&r.taught)
        .bind(i64::from(r.rating))
        .bind(to_json(&r.skills))
        .bind(r.visibility.as_str())
        .bind(self.now)
        .fetch_one(&mut *self.tx)
        .await?)
    }
}
