//! The cache of what Slack said about people (their time zone, name and email): filled by
//! `users.list` at start and daily, kept fresh by `user_change` events, and by
//! `users.info` for someone it misses.

use std::collections::{HashMap, HashSet};

use super::{statement_chunks, Result, Sql, Store, Tx};

/// People per statement that reads the cache for many.
const USERS_PER_READ: usize = 64;

impl Tx {
    /// The cached time zones of `users` who are in the cache (see
    /// [`Store::cached_time_zone`]), by user id.
    pub(super) async fn cached_time_zones(
        &mut self,
        team_id: &str,
        users: &[String],
    ) -> Result<HashMap<String, Option<String>>> {
        let mut zones = HashMap::new();
        for chunk in statement_chunks(users, USERS_PER_READ) {
            let mut read = Sql::new(self.engine, "SELECT user_id, tz FROM slack_users WHERE team_id = ");
            read.push_bind(team_id.to_owned()).push(" AND user_id IN (").push_list(chunk.to_vec()).push(")");
            let rows: Vec<(String, Option<String>)> = read.build_query_as().fetch_all(&mut *self.tx).await?;
            zones.extend(rows);
        }
        Ok(zones)
    }
}

impl Store {
    /// The cached time zone, `Some(None)` when Slack was asked and gave none.
    pub async fn cached_time_zone(&self, team_id: &str, user_id: &str) -> Result<Option<Option<String>>> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT tz FROM slack_users WHERE team_id = $1 AND user_id = $2")
                .bind(team_id)
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(tz,)| tz))
    }

    /// People's names as Slack last gave them, by user id: files show names, not mentions.
    pub async fn cached_names(&self, team_id: &str) -> Result<std::collections::HashMap<String, String>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT user_id, real_name FROM slack_users WHERE team_id = $1 AND real_name IS NOT NULL")
                .bind(team_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }

    /// A cache entry is not business state: it is written outside any change's transaction.
    pub async fn cache_user(&self, team_id: &str, user: CachedUser, now: i64) -> Result<()> {
        self.cache_users(team_id, &[user], now).await
    }

    /// Caches a page of `users.list` in one transaction, in SQLite's write turn (a
    /// refresh writes while launch-day handlers do: outside the turn it held the write
    /// lock while they slept in SQLite's busy handler). An answer without an email (an
    /// app without `users:read.email`) keeps the email cached before.
    pub async fn cache_users(&self, team_id: &str, users: &[CachedUser], now: i64) -> Result<()> {
        // One row per person, the last word kept: one statement may not write a row twice.
        let mut seen = HashSet::new();
        let mut rows: Vec<&CachedUser> = users.iter().rev().filter(|u| seen.insert(&u.user_id)).collect();
        rows.reverse();
        let _turn = self.turns.take().await?;
        let mut tx = super::begin(&self.pool, self.engine).await?;
        for chunk in statement_chunks(&rows, USERS_PER_STATEMENT) {
            let mut upsert = Sql::new(
                self.engine,
                "INSERT INTO slack_users (team_id, user_id, tz, real_name, email, created_at) VALUES ",
            );
            for (i, user) in chunk.iter().enumerate() {
                upsert.push(if i == 0 { "(" } else { ", (" });
                upsert.push_bind(team_id.to_owned()).push(", ").push_bind(user.user_id.clone()).push(", ");
                upsert.push_bind(user.tz.clone()).push(", ").push_bind(user.real_name.clone()).push(", ");
                upsert.push_bind(user.email.clone()).push(", ").push_bind(now).push(")");
            }
            upsert.push(
                " ON CONFLICT (team_id, user_id) DO UPDATE SET tz = excluded.tz, real_name = excluded.real_name,
                  email = COALESCE(excluded.email, slack_users.email), created_at = excluded.created_at",
            );
            upsert.build_query().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// When the whole directory was last read into the cache (Unix seconds), if ever.
    pub async fn directory_read_at(&self, team_id: &str) -> Result<Option<i64>> {
        let read: Option<Option<i64>> =
            sqlx::query_scalar("SELECT directory_read_at FROM workspaces WHERE team_id = $1")
                .bind(team_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(read.flatten())
    }

    /// Records that the whole directory was read into the cache at `now`.
    pub async fn directory_read(&self, team_id: &str, now: i64) -> Result<()> {
        let _turn = self.turns.take().await?;
        sqlx::query(
            "INSERT INTO workspaces (team_id, created_at, directory_read_at) VALUES ($1, $2, $2)
             ON CONFLICT (team_id) DO UPDATE SET directory_read_at = excluded.directory_read_at",
        )
        .bind(team_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// People per statement when a page is cached: a few statements a page rather than one
/// a person, each a hop to SQLite's thread while the write lock is held.
const USERS_PER_STATEMENT: usize = 100;

/// What the directory keeps of one person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CachedUser {
    pub user_id: String,
    pub tz: Option<String>,
    pub real_name: Option<String>,
    /// Lower case.
    pub email: Option<String>,
}
