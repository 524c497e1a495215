//! Org-chart imports: their dry runs, the org chart they write, and the participants'
//! fields the chart fills.

use std::collections::{HashMap, HashSet};

use sqlx::FromRow;

use super::{Result, Store, StoreError, Tx};
use crate::domain::import::{Change, Columns, ImportFigures, ImportPlan, OrgEntry};

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    /// Looked up and planned; nothing changed yet.
    DryRun,
    Applied,
    Cancelled,
}

impl ImportStatus {
    fn as_str(self) -> &'static str {
        match self {
            ImportStatus::DryRun => "dry_run",
            ImportStatus::Applied => "applied",
            ImportStatus::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Option<ImportStatus> {
        match text {
            "dry_run" => Some(ImportStatus::DryRun),
            "applied" => Some(ImportStatus::Applied),
            "cancelled" => Some(ImportStatus::Cancelled),
            _ => None,
        }
    }
}

/// A stored import: its plan's changes and figures.
#[derive(Debug, Clone)]
pub struct StoredImport {
    pub id: i64,
    pub team_id: String,
    pub source: String,
    pub status: ImportStatus,
    /// The dry run as it was shown: applying writes its changes, no others.
    pub plan: ImportPlan,
}

#[derive(FromRow)]
struct ImportRow {
    id: i64,
    team_id: String,
    source: String,
    status: String,
    plan: String,
}

#[derive(FromRow)]
struct EntryRow {
    user_id: String,
    level: Option<i64>,
    department: Option<String>,
    manager: Option<String>,
}

impl Store {
    /// Slack users by email, as the directory cached them: only the emails it knows.
    pub async fn users_by_email(&self, team_id: &str, emails: &[String]) -> Result<HashMap<String, String>> {
        let mut found = HashMap::new();
        // A few hundred at a time keeps under every engine's limit on bound values.
        for chunk in emails.chunks(500) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT email, user_id FROM slack_users WHERE team_id = $1 AND email IN ({})",
                marks.join(", ")
            );
            let mut query = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql)).bind(team_id);
            for email in chunk {
                query = query.bind(email);
            }
            found.extend(query.fetch_all(&self.pool).await?);
        }
        Ok(found)
    }

    /// The emails among `emails` Slack said nobody has since `since` (Unix seconds).
    pub async fn email_misses(&self, team_id: &str, emails: &[String], since: i64) -> Result<HashSet<String>> {
        let mut missed = HashSet::new();
        for chunk in emails.chunks(500) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
            let sql = format!(
                "SELECT email FROM email_misses WHERE team_id = $1 AND created_at >= $2 AND email IN ({})",
                marks.join(", ")
            );
            let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).bind(team_id).bind(since);
            for email in chunk {
                query = query.bind(email);
            }
            missed.extend(query.fetch_all(&self.pool).await?);
        }
        Ok(missed)
    }

    /// Remembers that Slack has nobody with `email`: a cache entry, outside any change.
    pub async fn remember_email_miss(&self, team_id: &str, email: &str, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO email_misses (team_id, email, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (team_id, email) DO UPDATE SET created_at = excluded.created_at",
        )
        .bind(team_id)
        .bind(email)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The org chart of a workspace, by user id.
    pub async fn org_chart(&self, team_id: &str) -> Result<HashMap<String, OrgEntry>> {
        let rows: Vec<EntryRow> =
            sqlx::query_as("SELECT user_id, level, department, manager FROM org_chart WHERE team_id = $1")
                .bind(team_id)
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|row| {
                let level = match row.level {
                    Some(l) => Some(u8::try_from(l).map_err(|_| StoreError::Corrupt(format!("org chart level {l}")))?),
                    None => None,
                };
                Ok((row.user_id, OrgEntry { level, department: row.department, manager: row.manager }))
            })
            .collect()
    }

    pub async fn import(&self, import_id: i64) -> Result<Option<StoredImport>> {
        let row: Option<ImportRow> =
            sqlx::query_as("SELECT id, team_id, source, status, plan FROM imports WHERE id = $1")
                .bind(import_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            let corrupt = |what: String| StoreError::Corrupt(format!("import {}: {what}", row.id));
            Ok(StoredImport {
                status: ImportStatus::parse(&row.status).ok_or_else(|| corrupt(format!("status `{}`", row.status)))?,
                plan: serde_json::from_str(&row.plan).map_err(|e| corrupt(format!("plan: {e}")))?,
                id: row.id,
                team_id: row.team_id,
                source: row.source,
            })
        })
        .transpose()
    }

    /// The header names `user` asked their next upload to be read with.
    pub async fn import_columns(&self, team_id: &str, user: &str) -> Result<Columns> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT columns FROM import_columns WHERE team_id = $1 AND user_id = $2")
                .bind(team_id)
                .bind(user)
                .fetch_optional(&self.pool)
                .await?;
        match text {
            Some(text) => serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("import columns: {e}"))),
            None => Ok(Columns::default()),
        }
    }

    /// The latest applied import of the workspace, if any.
    pub async fn last_import(&self, team_id: &str) -> Result<Option<ImportFigures>> {
        let row: Option<(i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT rows_read, updated, unchanged, unmatched, refused, applied_at FROM imports
             WHERE team_id = $1 AND status = 'applied' ORDER BY applied_at DESC, id DESC LIMIT 1",
        )
        .bind(team_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(rows_read, updated, unchanged, unmatched, refused, applied_at)| ImportFigures {
            rows_read,
            updated,
            unchanged,
            unmatched,
            refused,
            applied_at,
        }))
    }
}

impl Tx {
    pub async fn set_import_columns(&mut self, team_id: &str, user: &str, columns: &Columns) -> Result<()> {
        sqlx::query(
            "INSERT INTO import_columns (team_id, user_id, columns, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (team_id, user_id) DO UPDATE SET columns = excluded.columns, created_at = excluded.created_at",
        )
        .bind(team_id)
        .bind(user)
        .bind(serde_json::to_string(columns).expect("columns serialise"))
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Keeps a dry run, to be applied as it is when its owner confirms; returns its id.
    pub async fn save_import(&mut self, team_id: &str, by: &str, source: &str, plan: &ImportPlan) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO imports (team_id, requested_by, source, plan, rows_read, updated, unchanged, unmatched,
                                  refused, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'dry_run', $10) RETURNING id",
        )
        .bind(team_id)
        .bind(by)
        .bind(source)
        .bind(serde_json::to_string(plan).expect("plans serialise"))
        .bind(plan.rows_read as i64)
        .bind(plan.changes.len() as i64)
        .bind(plan.unchanged as i64)
        .bind(plan.unmatched() as i64)
        .bind(plan.refused() as i64)
        .bind(self.now)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(id)
    }

    /// Ends a dry run: applied or cancelled. `false` when it was no longer a dry run
    /// (a second press, or another owner first), so it is applied at most once. Its
    /// rows (emails, people) are not kept once closed: the figures are.
    pub async fn close_import(&mut self, import_id: i64, status: ImportStatus) -> Result<bool> {
        let closed = sqlx::query(
            "UPDATE imports SET status = $1, applied_at = $2, plan = '{}' WHERE id = $3 AND status = 'dry_run'",
        )
        .bind(status.as_str())
        .bind((status == ImportStatus::Applied).then_some(self.now))
        .bind(import_id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        Ok(closed == 1)
    }

    /// Whether an import of the workspace newer than `import_id` was applied.
    pub async fn applied_since(&mut self, team_id: &str, import_id: i64) -> Result<bool> {
        let newer: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM imports WHERE team_id = $1 AND id > $2 AND status = 'applied'")
                .bind(team_id)
                .bind(import_id)
                .fetch_one(&mut *self.tx)
                .await?;
        Ok(newer > 0)
    }

    /// Writes `changes` into the org chart and into the participants of every program of
    /// the workspace. A participant's field changes only where it is empty or still
    /// holds the chart's previous value: what a person corrected themselves stays.
    pub async fn apply_import(&mut self, team_id: &str, import_id: i64, changes: &[Change]) -> Result<()> {
        for change in changes {
            let after = &change.after;
            sqlx::query(
                "INSERT INTO org_chart (team_id, user_id, email, level, department, manager, import_id, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (team_id, user_id) DO UPDATE SET email = excluded.email, level = excluded.level,
                    department = excluded.department, manager = excluded.manager, import_id = excluded.import_id,
                    created_at = excluded.created_at",
            )
            .bind(team_id)
            .bind(&change.user_id)
            .bind(&change.email)
            .bind(after.level.map(i64::from))
            .bind(&after.department)
            .bind(&after.manager)
            .bind(import_id)
            .bind(self.now)
            .execute(&mut *self.tx)
            .await?;
            let before = change.before.clone().unwrap_or_default();
            sqlx::query(
                "UPDATE participants SET
                    level = CASE WHEN level IS NULL OR level = $1 THEN COALESCE($2, level) ELSE level END,
                    department = CASE WHEN department IS NULL OR department = $3 THEN COALESCE($4, department)
                                 ELSE department END,
                    manager = CASE WHEN manager IS NULL OR manager = $5 THEN COALESCE($6, manager) ELSE manager END,
                    updated_at = $7
                 WHERE user_id = $8 AND program_id IN (SELECT id FROM programs WHERE team_id = $9)",
            )
            .bind(before.level.map(i64::from))
            .bind(after.level.map(i64::from))
            .bind(&before.department)
            .bind(&after.department)
            .bind(&before.manager)
            .bind(&after.manager)
            .bind(self.now)
            .bind(&change.user_id)
            .bind(team_id)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }
}
