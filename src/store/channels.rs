//! Channel opt-in: the channel linked to a program, and who it invited.

use super::{programs, Result, Store, Tx};
use crate::domain::program::Program;
use crate::domain::status::ChannelFigures;

impl Store {
    pub async fn program_channel(&self, program_id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT channel_id FROM programs WHERE id = $1")
            .bind(program_id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// The program whose channel `channel` is, if any.
    pub async fn program_of_channel(&self, team_id: &str, channel: &str) -> Result<Option<Program>> {
        let row: Option<programs::Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM programs WHERE team_id = $1 AND channel_id = $2 ORDER BY id LIMIT 1",
            programs::COLUMNS
        )))
        .bind(team_id)
        .bind(channel)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Program::from))
    }

    pub async fn channel_figures(&self, program_id: i64) -> Result<ChannelFigures> {
        let (invited, joined): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*) AS invited,
                    COUNT(p.id) AS joined
             FROM channel_invites i
             LEFT JOIN participants p ON p.program_id = i.program_id AND p.user_id = i.user_id
                                      AND p.created_at >= i.created_at
             WHERE i.program_id = $1",
        )
        .bind(program_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(ChannelFigures { invited, joined })
    }
}

impl Tx {
    pub async fn set_program_channel(&mut self, program_id: i64, channel: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE programs SET channel_id = $1 WHERE id = $2")
            .bind(channel)
            .bind(program_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Records that `user` was invited by joining the program's channel; the first
    /// invitation's time is kept, so a later join counts as coming from it.
    pub async fn record_channel_invite(&mut self, program_id: i64, user: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO channel_invites (program_id, user_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (program_id, user_id) DO NOTHING",
        )
        .bind(program_id)
        .bind(user)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
