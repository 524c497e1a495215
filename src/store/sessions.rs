//! One-time sessions: requests, the mentors asked for each (one at a time), and their
//! reflections. Every change is conditional on the state it leaves (`WHERE status =
//! 'asking'`, `answer IS NULL`), so an acceptance and the answer time running out, or
//! two mentors accepting at once, settle on one outcome whichever commits first.

use std::collections::HashMap;

use sqlx::FromRow;

use super::timers::Timer;
use super::{from_json, to_json, Result, Store, StoreError, Tx};
use crate::domain::reflection::{Reflection, ValidReflection, Visibility};
use crate::domain::sessions::{Session, SessionFact, SessionStatus};

#[derive(FromRow)]
struct Row {
    id: i64,
    program_id: i64,
    mentee_user: String,
    mentor_user: Option<String>,
    skill: String,
    question: Option<String>,
    status: String,
    created_at: i64,
    matched_at: Option<i64>,
}

const SELECT: &str = "SELECT s.id, s.program_id, e.user_id AS mentee_user, m.user_id AS mentor_user, s.skill,
        s.question, s.status, s.created_at, s.matched_at
     FROM sessions s JOIN participants e ON e.id = s.mentee_id LEFT JOIN participants m ON m.id = s.mentor_id";

impl TryFrom<Row> for Session {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Session> {
        Ok(Session {
            status: SessionStatus::parse(&row.status)
                .ok_or_else(|| StoreError::Corrupt(format!("session {}: status `{}`", row.id, row.status)))?,
            id: row.id,
            program_id: row.program_id,
            mentee_user: row.mentee_user,
            mentor_user: row.mentor_user,
            skill: row.skill,
            question: row.question,
            created_at: row.created_at,
            matched_at: row.matched_at,
        })
    }
}

const REFLECTION_SELECT: &str = "SELECT r.id, r.session_id, r.author, r.learned, r.taught, r.rating, r.skills,
        r.visibility, r.created_at, e.user_id AS mentee_user, m.user_id AS mentor_user
     FROM session_reflections r JOIN sessions s ON s.id = r.session_id
     JOIN participants e ON e.id = s.mentee_id LEFT JOIN participants m ON m.id = s.mentor_id";

#[derive(FromRow)]
struct ReflectionRow {
    id: i64,
    session_id: i64,
    author: String,
    mentee_user: String,
    mentor_user: Option<String>,
    learned: Option<String>,
    taught: Option<String>,
    rating: i64,
    skills: String,
    visibility: String,
    created_at: i64,
}

impl ReflectionRow {
    /// As a pair's [`Reflection`] (`pair_id` is the session's id). For its `author` the
    /// texts and the partner; for owners (`None`) texts only where shared with them.
    fn reflection(self, author: Option<&str>) -> Result<Reflection> {
        let visibility = Visibility::parse(&self.visibility)
            .ok_or_else(|| StoreError::Corrupt(format!("session reflection {}: `{}`", self.id, self.visibility)))?;
        let texts = author.is_some() || visibility.owners_read();
        let partner = match author {
            Some(me) if me == self.mentee_user => self.mentor_user.unwrap_or_default(),
            Some(_) => self.mentee_user,
            None => String::new(),
        };
        Ok(Reflection {
            id: self.id,
            pair_id: self.session_id,
            author: self.author,
            partner,
            reflection: ValidReflection {
                learned: self.learned.filter(|_| texts),
                taught: self.taught.filter(|_| texts),
                rating: u8::try_from(self.rating).unwrap_or_default(),
                skills: from_json(&self.skills)?,
                visibility,
            },
            created_at: self.created_at,
        })
    }
}

/// A mentor's request still unanswered, with the program's answer time: the
/// scheduler's timer for the next candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct OpenOffer {
    pub session_id: i64,
    pub asked_at: i64,
    pub session_hours: i64,
}

impl OpenOffer {
    /// When the next candidate is asked.
    pub fn due(&self) -> i64 {
        self.asked_at + self.session_hours * 3600
    }
}

impl Store {
    pub async fn session(&self, id: i64) -> Result<Option<Session>> {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE s.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(Session::try_from).transpose()
    }

    /// Every request of a program, oldest first: for the export.
    pub async fn sessions(&self, program_id: i64) -> Result<Vec<Session>> {
        let rows: Vec<Row> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE s.program_id = $1 ORDER BY s.id")))
                .bind(program_id)
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(Session::try_from).collect()
    }

    /// The skill of the mentee's request for `skill` still asking mentors, if any.
    pub async fn open_session(&self, mentee_id: i64, skill: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT skill FROM sessions WHERE mentee_id = $1 AND status = 'asking' AND LOWER(skill) = LOWER($2)
             LIMIT 1",
        )
        .bind(mentee_id)
        .bind(skill)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn session_facts(&self, program_id: i64) -> Result<Vec<SessionFact>> {
        Ok(self
            .sessions(program_id)
            .await?
            .into_iter()
            .map(|s| SessionFact {
                skill: s.skill,
                status: s.status,
                created_at: s.created_at,
                matched_at: s.matched_at,
            })
            .collect())
    }

    pub async fn session_hours(&self, program_id: i64) -> Result<u32> {
        let hours: i64 = sqlx::query_scalar("SELECT session_hours FROM programs WHERE id = $1")
            .bind(program_id)
            .fetch_one(&self.pool)
            .await?;
        u32::try_from(hours).map_err(|_| StoreError::Corrupt(format!("session_hours = {hours}")))
    }

    /// Sessions each mentor (participant id) of a program accepted since `since`.
    pub async fn recent_sessions(&self, program_id: i64, since: i64) -> Result<HashMap<i64, u32>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT mentor_id, COUNT(*) FROM sessions
             WHERE program_id = $1 AND mentor_id IS NOT NULL AND matched_at >= $2 GROUP BY mentor_id",
        )
        .bind(program_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id, n)| (id, u32::try_from(n).unwrap_or(u32::MAX))).collect())
    }

    /// Requests with a mentor still to answer whose expiry has not fired, soonest first.
    pub async fn open_offers(&self) -> Result<Vec<OpenOffer>> {
        Ok(sqlx::query_as(
            "SELECT o.session_id, o.asked_at, g.session_hours FROM session_offers o
             JOIN sessions s ON s.id = o.session_id JOIN programs g ON g.id = s.program_id
             WHERE o.answer IS NULL AND s.status = 'asking'
               AND NOT EXISTS (SELECT 1 FROM timers t
                               WHERE t.kind = 'session' AND t.subject_id = o.session_id AND t.fired_for >= o.asked_at)
             ORDER BY o.asked_at + g.session_hours * 3600, o.session_id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The answer time of a request ran out: its event goes to the inbox with the mark.
    pub async fn start_session_expiry(&self, offer: OpenOffer, payload: &str, now: i64) -> Result<()> {
        let key = format!("session:{}:{}", offer.session_id, offer.asked_at);
        self.fire_timer(Timer::Session, offer.session_id, offer.asked_at, &key, payload, now).await
    }

    /// Session reflections owners may count (all of them, texts only where shared with
    /// owners), as the export reads pairs' reflections; `pair_id` is the session's id.
    pub async fn session_reflections_for_owners(&self, program_id: i64) -> Result<Vec<Reflection>> {
        let rows: Vec<ReflectionRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{REFLECTION_SELECT} WHERE s.program_id = $1 ORDER BY r.id")))
                .bind(program_id)
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(|row| row.reflection(None)).collect()
    }

    /// A person's own session reflections, texts included, newest first.
    pub async fn session_reflections_by(&self, author: &str) -> Result<Vec<Reflection>> {
        let rows: Vec<ReflectionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{REFLECTION_SELECT} WHERE r.author = $1 ORDER BY r.created_at DESC, r.id DESC"
        )))
        .bind(author)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|row| row.reflection(Some(author))).collect()
    }
}

impl Tx {
    /// A request as it is now, locked until the commit: an acceptance, a decline and
    /// the answer time running out each decide on the status they read here.
    pub async fn session(&mut self, id: i64) -> Result<Option<Session>> {
        let sql = format!("{SELECT} WHERE s.id = $1{}", self.engine.lock_rows("s"));
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *self.tx).await?;
        row.map(Session::try_from).transpose()
    }

    pub async fn set_session_hours(&mut self, program_id: i64, hours: u32) -> Result<()> {
        sqlx::query("UPDATE programs SET session_hours = $1 WHERE id = $2")
            .bind(i64::from(hours))
            .bind(program_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Stores a new request, `asking` until a mentor accepts or none is left.
    pub async fn insert_session(
        &mut self,
        program_id: i64,
        mentee_id: i64,
        skill: &str,
        question: Option<&str>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO sessions (program_id, mentee_id, skill, question, status, created_at)
             VALUES ($1, $2, $3, $4, 'asking', $5) RETURNING id",
        )
        .bind(program_id)
        .bind(mentee_id)
        .bind(skill)
        .bind(question)
        .bind(self.now)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    /// Records that `mentor_id` is asked now.
    pub async fn offer_session(&mut self, session_id: i64, mentor_id: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO session_offers (session_id, mentor_id, asked_at) VALUES ($1, $2, $3)
             ON CONFLICT (session_id, mentor_id) DO NOTHING",
        )
        .bind(session_id)
        .bind(mentor_id)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Participant ids of every mentor asked for a request so far.
    pub async fn asked_mentors(&mut self, session_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT mentor_id FROM session_offers WHERE session_id = $1 ORDER BY asked_at")
            .bind(session_id)
            .fetch_all(&mut *self.tx)
            .await?)
    }

    /// The offer asked at `asked_at` ran out unanswered; `false` if it was answered first.
    pub async fn expire_offer(&mut self, session_id: i64, asked_at: i64) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE session_offers SET answer = 'expired', answered_at = $3
             WHERE session_id = $1 AND asked_at = $2 AND answer IS NULL",
        )
        .bind(session_id)
        .bind(asked_at)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// A mentor's *Not this time*. `Some(true)` when theirs was the open request (the
    /// next candidate is due now), `Some(false)` when its time had run out already,
    /// `None` when they were never asked or had answered.
    pub async fn decline_offer(&mut self, session_id: i64, mentor_id: i64) -> Result<Option<bool>> {
        // Each update names the answer it replaces, so an expiry committed meanwhile
        // makes the first change nothing and the second its decline.
        for (was, open) in [("answer IS NULL", true), ("answer = 'expired'", false)] {
            let declined = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE session_offers SET answer = 'declined', answered_at = $3
                 WHERE session_id = $1 AND mentor_id = $2 AND {was}"
            )))
            .bind(session_id)
            .bind(mentor_id)
            .bind(self.now)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
            if declined > 0 {
                return Ok(Some(open));
            }
        }
        Ok(None)
    }

    /// The first acceptance wins: `true` if this one made the match. A mentor whose
    /// time ran out may still accept while nobody else has; one who declined may not.
    pub async fn accept_session(&mut self, session_id: i64, mentor_id: i64) -> Result<bool> {
        // The request first, on its status: of two acceptances on two replicas the
        // second waits for the first's row and then finds it matched.
        let matched = sqlx::query(
            "UPDATE sessions SET status = 'matched', mentor_id = $2, matched_at = $3
             WHERE id = $1 AND status = 'asking'
               AND EXISTS (SELECT 1 FROM session_offers o WHERE o.session_id = $1 AND o.mentor_id = $2
                                                           AND (o.answer IS NULL OR o.answer = 'expired'))",
        )
        .bind(session_id)
        .bind(mentor_id)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if matched == 0 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE session_offers SET answer = 'accepted', answered_at = $3 WHERE session_id = $1 AND mentor_id = $2",
        )
        .bind(session_id)
        .bind(mentor_id)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?;
        Ok(true)
    }

    /// Nobody (left) to ask: the request stays as unmet demand for owners.
    pub async fn session_unmet(&mut self, session_id: i64) -> Result<()> {
        sqlx::query("UPDATE sessions SET status = 'unmet' WHERE id = $1 AND status = 'asking'")
            .bind(session_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// *We met*: `true` the first time.
    pub async fn session_held(&mut self, session_id: i64) -> Result<bool> {
        let n = sqlx::query("UPDATE sessions SET status = 'held', held_at = $2 WHERE id = $1 AND status = 'matched'")
            .bind(session_id)
            .bind(self.now)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    pub async fn insert_session_reflection(
        &mut self,
        session_id: i64,
        author: &str,
        r: &ValidReflection,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO session_reflections (session_id, author, learned, taught, rating, skills, visibility,
                                              created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(session_id)
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
