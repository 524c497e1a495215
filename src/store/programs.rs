//! Workspaces, programs and their skill catalogues.

use sqlx::FromRow;

use super::{Result, Store, Tx};
use crate::domain::program::{Program, ProgramName, DEFAULT_PROGRAM};

/// A program as stored; the domain's [`Program`] is built from it.
#[derive(FromRow)]
pub(super) struct Row {
    id: i64,
    team_id: String,
    name: String,
    title: Option<String>,
    created_at: i64,
}

/// The columns a [`Row`] reads.
pub(super) const COLUMNS: &str = "id, team_id, name, title, created_at";

impl From<Row> for Program {
    fn from(row: Row) -> Program {
        Program {
            id: row.id,
            team_id: row.team_id,
            name: row.title.unwrap_or_else(|| row.name.clone()),
            handle: row.name,
            created_at: row.created_at,
        }
    }
}

/// A workspace's programs, oldest first.
const TEAMS_PROGRAMS: &str = "SELECT {COLUMNS} FROM programs WHERE team_id = $1 ORDER BY id";

/// A program's catalogue, in the order its tags were added.
const CATALOGUE: &str = "SELECT tag FROM program_skills WHERE program_id = $1 ORDER BY created_at, tag";

impl Store {
    /// Records the workspace the bot token belongs to and gives it its first program.
    pub async fn ensure_workspace(&self, team_id: &str, bot_user_id: &str, now: i64) -> Result<()> {
        let mut tx = self.begin(now).await?;
        sqlx::query(
            "INSERT INTO workspaces (team_id, bot_user_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (team_id) DO UPDATE SET bot_user_id = excluded.bot_user_id",
        )
        .bind(team_id)
        .bind(bot_user_id)
        .bind(now)
        .execute(&mut *tx.tx)
        .await?;
        let programs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM programs WHERE team_id = $1")
            .bind(team_id)
            .fetch_one(&mut *tx.tx)
            .await?;
        if programs == 0 {
            let name = ProgramName { handle: DEFAULT_PROGRAM.to_owned(), title: None };
            tx.create_program(team_id, &name, None).await?;
        }
        tx.commit().await
    }

    pub async fn programs(&self, team_id: &str) -> Result<Vec<Program>> {
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(TEAMS_PROGRAMS.replace("{COLUMNS}", COLUMNS)))
            .bind(team_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Program::from).collect())
    }

    /// Every program of every workspace: the command line works without knowing the team.
    pub async fn all_programs(&self) -> Result<Vec<Program>> {
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM programs ORDER BY id")))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Program::from).collect())
    }

    /// One program, by id: what a button, a form or a pair names.
    pub async fn program(&self, program_id: i64) -> Result<Option<Program>> {
        let row: Option<Row> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM programs WHERE id = $1")))
                .bind(program_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(Program::from))
    }

    pub async fn skills(&self, program_id: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(CATALOGUE).bind(program_id).fetch_all(&self.pool).await?)
    }
}

impl Tx {
    /// Holds the program's row until the commit, on PostgreSQL: changes that decide on
    /// its settings or its rounds take it first, so each reads what the last committed.
    /// On SQLite the change already is the only writer.
    pub async fn lock_program(&mut self, program_id: i64) -> Result<()> {
        let sql = format!("SELECT id FROM programs WHERE id = $1{}", self.engine.lock_rows("programs"));
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program_id).fetch_optional(&mut *self.tx).await?;
        Ok(())
    }

    /// Creates a program; `None` when one of that handle already exists.
    pub async fn create_program(
        &mut self,
        team_id: &str,
        name: &ProgramName,
        created_by: Option<&str>,
    ) -> Result<Option<Program>> {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO programs (team_id, name, title, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (team_id, name) DO NOTHING
             RETURNING {COLUMNS}"
        )))
        .bind(team_id)
        .bind(&name.handle)
        .bind(&name.title)
        .bind(created_by)
        .bind(self.now)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(row.map(Program::from))
    }

    /// Gives `program` a new name; `false` when another program of its workspace has its
    /// handle.
    pub async fn rename_program(&mut self, program: &Program, name: &ProgramName) -> Result<bool> {
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM programs WHERE team_id = $1 AND name = $2 AND id <> $3")
                .bind(&program.team_id)
                .bind(&name.handle)
                .bind(program.id)
                .fetch_optional(&mut *self.tx)
                .await?;
        if taken.is_some() {
            return Ok(false);
        }
        sqlx::query("UPDATE programs SET name = $1, title = $2 WHERE id = $3")
            .bind(&name.handle)
            .bind(&name.title)
            .bind(program.id)
            .execute(&mut *self.tx)
            .await?;
        Ok(true)
    }

    /// The program's catalogue as this change sees it: a change that adds to it decides
    /// on what the change before it left.
    pub async fn skills(&mut self, program_id: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(CATALOGUE).bind(program_id).fetch_all(&mut *self.tx).await?)
    }

    /// A workspace's programs, as this change sees them.
    pub(super) async fn programs(&mut self, team_id: &str) -> Result<Vec<Program>> {
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(TEAMS_PROGRAMS.replace("{COLUMNS}", COLUMNS)))
            .bind(team_id)
            .fetch_all(&mut *self.tx)
            .await?;
        Ok(rows.into_iter().map(Program::from).collect())
    }

    /// Adds tags to a program's catalogue; returns the ones that were new.
    pub async fn add_skills(&mut self, program_id: i64, tags: &[String]) -> Result<Vec<String>> {
        let mut added = Vec::new();
        for tag in tags {
            let inserted = sqlx::query(
                "INSERT INTO program_skills (program_id, tag, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (program_id, tag) DO NOTHING",
            )
            .bind(program_id)
            .bind(tag)
            .bind(self.now)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                added.push(tag.clone());
            }
        }
        Ok(added)
    }
}
