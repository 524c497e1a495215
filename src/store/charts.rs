//! The owners' chart files Slack already holds, by the hash of the figures they draw.

use super::{Result, Store};

impl Store {
    /// The file of a chart uploaded before for the same figures.
    pub async fn chart_file(&self, figures_hash: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT file_id FROM charts WHERE figures_hash = $1")
            .bind(figures_hash)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Remembers the file a chart of these figures was uploaded as. Written after Slack
    /// completed the upload, outside any change: it is a cache, and a lost write only
    /// costs one more upload.
    pub async fn remember_chart(&self, figures_hash: &str, file_id: &str, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO charts (figures_hash, file_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (figures_hash) DO UPDATE SET file_id = excluded.file_id, created_at = excluded.created_at",
        )
        .bind(figures_hash)
        .bind(file_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
