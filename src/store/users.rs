//! The cache of what Slack said about people (their time zone, name and email): filled by
//! `users.list` at start and daily, kept fresh by `user_change` events, and by
//! `users.info` for someone it misses.

use super::{Result, Store};

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

    /// Caches a page of `users.list` in one transaction. An answer without an email
    /// (an app without `users:read.email`) keeps the email cached before.
    pub async fn cache_users(&self, team_id: &str, users: &[CachedUser], now: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for user in users {
            sqlx::query(
                "INSERT INTO slack_users (team_id, user_id, tz, real_name, email, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (team_id, user_id) DO UPDATE SET tz = excluded.tz, real_name = excluded.real_name,
                 email = COALESCE(excluded.email, slack_users.email), created_at = excluded.created_at",
            )
            .bind(team_id)
            .bind(&user.user_id)
            .bind(&user.tz)
            .bind(&user.real_name)
            .bind(&user.email)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// What the directory keeps of one person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CachedUser {
    pub user_id: String,
    pub tz: Option<String>,
    pub real_name: Option<String>,
    /// Lower case.
    pub email: Option<String>,
}
