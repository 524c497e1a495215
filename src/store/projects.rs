//! Project pairs: the projects, the timer that ends their pair on the day after the end
//! date, and the closing answers. A project's pair is an ordinary pair in a round of its
//! own (`rounds.project_id`), so check-ins, reflections and exits work for it unchanged.

use sqlx::FromRow;

use super::timers::Timer;
use super::{from_json, to_json, Result, Store, StoreError, Tx};
use crate::domain::projects::{end_time, Project, ProjectStatus, Reached};

#[derive(FromRow)]
struct Row {
    id: i64,
    program_id: i64,
    lead_user: String,
    goal: String,
    skills: String,
    ends_on: String,
    status: String,
    pair_id: Option<i64>,
}

const SELECT: &str = "SELECT j.id, j.program_id, l.user_id AS lead_user, j.goal, j.skills, j.ends_on, j.status,
        j.pair_id FROM projects j JOIN participants l ON l.id = j.lead_id";

impl TryFrom<Row> for Project {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Project> {
        let corrupt = |what: &str, value: &str| StoreError::Corrupt(format!("project {}: {what} `{value}`", row.id));
        Ok(Project {
            status: ProjectStatus::parse(&row.status).ok_or_else(|| corrupt("status", &row.status))?,
            ends_on: row.ends_on.parse().map_err(|_| corrupt("ends_on", &row.ends_on))?,
            skills: from_json(&row.skills)?,
            id: row.id,
            program_id: row.program_id,
            lead_user: row.lead_user,
            goal: row.goal,
            pair_id: row.pair_id,
        })
    }
}

impl Store {
    pub async fn project(&self, id: i64) -> Result<Option<Project>> {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE j.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(Project::try_from).transpose()
    }

    pub async fn projects(&self, program_id: i64) -> Result<Vec<Project>> {
        let rows: Vec<Row> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE j.program_id = $1 ORDER BY j.id")))
                .bind(program_id)
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(Project::try_from).collect()
    }

    /// Every closing answer of a program's projects.
    pub async fn project_answers(&self, program_id: i64) -> Result<Vec<Reached>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT a.reached FROM project_answers a JOIN projects j ON j.id = a.project_id WHERE j.program_id = $1",
        )
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Reached::parse(r).ok_or_else(|| StoreError::Corrupt(format!("project answer `{r}`"))))
            .collect()
    }

    pub async fn mentee_projects(&self, program_id: i64) -> Result<bool> {
        let on: i64 = sqlx::query_scalar("SELECT mentee_projects FROM programs WHERE id = $1")
            .bind(program_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(on != 0)
    }

    /// Live projects whose pair has not been ended yet.
    pub async fn ending_projects(&self) -> Result<Vec<Project>> {
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE j.status = 'live'
               AND NOT EXISTS (SELECT 1 FROM timers t WHERE t.kind = 'project-end' AND t.subject_id = j.id)
             ORDER BY j.ends_on, j.id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Project::try_from).collect()
    }

    /// A project's end date has passed: its event goes to the inbox with the mark.
    pub async fn start_project_end(&self, project: &Project, payload: &str, now: i64) -> Result<()> {
        let key = format!("project-end:{}", project.id);
        self.fire_timer(Timer::ProjectEnd, project.id, end_time(project.ends_on), &key, payload, now).await
    }
}

impl Tx {
    pub async fn set_mentee_projects(&mut self, program_id: i64, on: bool) -> Result<()> {
        sqlx::query("UPDATE programs SET mentee_projects = $1 WHERE id = $2")
            .bind(i64::from(on))
            .bind(program_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn insert_project(
        &mut self,
        program_id: i64,
        lead_id: i64,
        goal: &str,
        skills: &[String],
        ends_on: chrono::NaiveDate,
        created_by: &str,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO projects (program_id, lead_id, goal, skills, ends_on, status, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, 'proposed', $6, $7) RETURNING id",
        )
        .bind(program_id)
        .bind(lead_id)
        .bind(goal)
        .bind(to_json(skills))
        .bind(ends_on.to_string())
        .bind(created_by)
        .bind(self.now)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    /// The owner's pick made the pair; `false` if the project was no longer proposed.
    pub async fn start_project(&mut self, project_id: i64, pair_id: i64) -> Result<bool> {
        let n = sqlx::query("UPDATE projects SET status = 'live', pair_id = $2 WHERE id = $1 AND status = 'proposed'")
            .bind(project_id)
            .bind(pair_id)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    /// The end date passed; `false` if it had ended already.
    pub async fn end_project(&mut self, project_id: i64) -> Result<bool> {
        let n = sqlx::query("UPDATE projects SET status = 'ended', ended_at = $2 WHERE id = $1 AND status = 'live'")
            .bind(project_id)
            .bind(self.now)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    /// A person's answer to *did the project reach its goal?*; a new one replaces theirs.
    pub async fn save_project_answer(&mut self, project_id: i64, author: &str, reached: Reached) -> Result<()> {
        sqlx::query(
            "INSERT INTO project_answers (project_id, author, reached, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (project_id, author) DO UPDATE SET reached = excluded.reached",
        )
        .bind(project_id)
        .bind(author)
        .bind(reached.as_str())
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
