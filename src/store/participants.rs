//! People in programs: their profiles and status.

use chrono::NaiveDate;
use sqlx::FromRow;

use super::{from_json, to_json, Result, Store, StoreError, Tx};
use crate::domain::participant::{Participant, Role, Status, ValidProfile};

#[derive(FromRow)]
struct Row {
    id: i64,
    program_id: i64,
    user_id: String,
    role: String,
    teach_skills: String,
    learn_skills: String,
    department: Option<String>,
    goals: Option<String>,
    manager: Option<String>,
    level: Option<i64>,
    one_time: i64,
    status: String,
    paused_until: Option<String>,
    created_at: i64,
}

const COLUMNS: &str = "id, program_id, user_id, role, teach_skills, learn_skills, department, goals, \
                       manager, level, one_time, status, paused_until, created_at";

impl TryFrom<Row> for Participant {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Participant> {
        let corrupt =
            |what: &str, value: &str| StoreError::Corrupt(format!("participant {}: {what} `{value}`", row.id));
        Ok(Participant {
            role: Role::parse(&row.role).ok_or_else(|| corrupt("role", &row.role))?,
            status: Status::parse(&row.status).ok_or_else(|| corrupt("status", &row.status))?,
            paused_until: match &row.paused_until {
                Some(d) => Some(d.parse().map_err(|_| corrupt("paused_until", d))?),
                None => None,
            },
            teach_skills: from_json(&row.teach_skills)?,
            learn_skills: from_json(&row.learn_skills)?,
            id: row.id,
            program_id: row.program_id,
            user_id: row.user_id,
            department: row.department,
            goals: row.goals,
            manager: row.manager,
            level: match row.level {
                Some(l) => Some(u8::try_from(l).map_err(|_| corrupt("level", &l.to_string()))?),
                None => None,
            },
            one_time: row.one_time != 0,
            created_at: row.created_at,
        })
    }
}

impl Store {
    pub async fn participant(&self, program_id: i64, user_id: &str) -> Result<Option<Participant>> {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM participants WHERE program_id = $1 AND user_id = $2"
        )))
        .bind(program_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(Participant::try_from).transpose()
    }

    pub async fn participants(&self, program_id: i64) -> Result<Vec<Participant>> {
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM participants WHERE program_id = $1 ORDER BY id"
        )))
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Participant::try_from).collect()
    }
}

impl Tx {
    /// A person's participation as it is now, if any, locked until the commit: a
    /// profile completed from it keeps what an import wrote meanwhile.
    pub async fn profile(&mut self, program_id: i64, user_id: &str) -> Result<Option<Participant>> {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM participants WHERE program_id = $1 AND user_id = $2{}",
            self.engine.lock_rows("participants")
        )))
        .bind(program_id)
        .bind(user_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(Participant::try_from).transpose()
    }

    /// Reads a participant inside the change, seeing what it wrote so far: one this
    /// change saved, so a missing row is an error, as `fetch_one` made it.
    pub async fn participant(&mut self, program_id: i64, user_id: &str) -> Result<Participant> {
        self.profile(program_id, user_id).await?.ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    /// Stores a profile and returns the participation as saved; joining again replaces
    /// the profile and makes the person active. A level, department or manager the
    /// person left empty comes from the imported org chart, so nobody types what HR
    /// already knows.
    pub async fn save_profile(
        &mut self,
        program_id: i64,
        user_id: &str,
        profile: &ValidProfile,
    ) -> Result<Participant> {
        let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO participants (program_id, user_id, role, teach_skills, learn_skills, department, goals,
                                       manager, level, one_time, status, paused_until, created_at, updated_at,
                                       joined_at)
             SELECT $1, $2, $3, $4, $5, COALESCE($6, chart.department), $7, COALESCE($9, chart.manager),
                    COALESCE($10, chart.level), $11, 'active', NULL, $8, $8, $8
             FROM programs LEFT JOIN org_chart chart ON chart.team_id = programs.team_id AND chart.user_id = $2
             WHERE programs.id = $1
             ON CONFLICT (program_id, user_id) DO UPDATE SET
                joined_at = CASE WHEN participants.status = 'left' THEN excluded.joined_at
                                 ELSE participants.joined_at END,
                left_at = NULL,
                role = excluded.role, teach_skills = excluded.teach_skills, learn_skills = excluded.learn_skills,
                department = excluded.department, goals = excluded.goals, manager = excluded.manager,
                level = excluded.level, one_time = excluded.one_time,
                status = 'active', paused_until = NULL, updated_at = excluded.updated_at
             RETURNING {COLUMNS}",
        )))
        .bind(program_id)
        .bind(user_id)
        .bind(profile.role.as_str())
        .bind(to_json(&profile.teach_skills))
        .bind(to_json(&profile.learn_skills))
        .bind(&profile.department)
        .bind(&profile.goals)
        .bind(self.now)
        .bind(&profile.manager)
        .bind(profile.level.map(i64::from))
        .bind(i64::from(profile.one_time))
        .fetch_one(&mut *self.tx)
        .await?;
        Participant::try_from(row)
    }

    pub async fn set_status(
        &mut self,
        participant_id: i64,
        status: Status,
        paused_until: Option<NaiveDate>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE participants SET status = $1, paused_until = $2, updated_at = $3,
                    left_at = CASE WHEN $1 <> 'left' THEN NULL WHEN status = 'left' THEN left_at ELSE $3 END
             WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(paused_until.map(|d| d.to_string()))
        .bind(self.now)
        .bind(participant_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
