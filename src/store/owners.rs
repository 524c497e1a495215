//! Program owners added from Slack (beside `UPWARD_OWNERS`) and the audit trail of what
//! owners did.

use sqlx::FromRow;

use super::timers::Timer;
use super::{Result, Store, Tx};

/// One owner action, as `/mentoring audit` shows it.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct AuditRow {
    pub actor: String,
    pub action: String,
    pub created_at: i64,
}

impl Store {
    /// Owners added from Slack, in the order they were added.
    pub async fn added_owners(&self, team_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT user_id FROM owners WHERE team_id = $1 ORDER BY created_at, user_id")
            .bind(team_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Records an owner action answering inbox entry `inbox_id` (once per entry). An
    /// audit line is written even when the action then changes nothing: it records
    /// who looked and who tried, which is what an audit is for.
    pub async fn audit(&self, team_id: &str, actor: &str, action: &str, inbox_id: i64, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit (team_id, actor, action, inbox_id, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (inbox_id) DO NOTHING",
        )
        .bind(team_id)
        .bind(actor)
        .bind(action)
        .bind(inbox_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The latest `limit` owner actions, newest first.
    pub async fn audit_log(&self, team_id: &str, limit: i64) -> Result<Vec<AuditRow>> {
        Ok(sqlx::query_as("SELECT actor, action, created_at FROM audit WHERE team_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(team_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }
}

/// A program whose owners get a digest.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct DigestProgram {
    pub id: i64,
    pub digest_schedule: String,
    pub time_zone: String,
    /// The last due time a digest was started for; the program's creation before that.
    pub since: i64,
}

/// What changed in a program since a moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromRow)]
pub struct WeekCounts {
    pub joined: i64,
    pub left: i64,
    pub new_pairs: i64,
    pub checkins: i64,
    pub meetings: i64,
    pub reflections: i64,
    /// Pairs ended by one of their people.
    pub exits: i64,
}

impl Store {
    pub async fn digest_schedule(&self, program_id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT digest_schedule FROM programs WHERE id = $1")
            .bind(program_id)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn digest_programs(&self) -> Result<Vec<DigestProgram>> {
        Ok(sqlx::query_as(
            "SELECT id, digest_schedule, time_zone, COALESCE((SELECT t.fired_for FROM timers t WHERE t.kind = 'digest' AND t.subject_id = programs.id),
                             created_at) AS since
             FROM programs WHERE digest_schedule IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records that the digest due at `due` was started, with its event.
    pub async fn start_digest(&self, program_id: i64, due: i64, payload: &str, now: i64) -> Result<()> {
        self.fire_timer(Timer::Digest, program_id, due, &format!("digest:{program_id}:{due}"), payload, now).await
    }

    pub async fn week_counts(&self, program_id: i64, since: i64) -> Result<WeekCounts> {
        Ok(sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM participants WHERE program_id = $1 AND joined_at >= $2) AS joined,
                    (SELECT COUNT(*) FROM participants WHERE program_id = $1 AND status = 'left'
                       AND left_at >= $2) AS left,
                    (SELECT COUNT(*) FROM pairs p JOIN rounds r ON r.id = p.round_id WHERE p.program_id = $1
                       AND p.status IN ('active', 'ended') AND r.confirmed_at >= $2) AS new_pairs,
                    (SELECT COUNT(*) FROM checkins c JOIN pairs p ON p.id = c.pair_id WHERE p.program_id = $1
                       AND c.created_at >= $2) AS checkins,
                    (SELECT COUNT(*) FROM checkins c JOIN pairs p ON p.id = c.pair_id WHERE p.program_id = $1
                       AND c.answer = 'met' AND c.answered_at >= $2) AS meetings,
                    (SELECT COUNT(*) FROM reflections r JOIN pairs p ON p.id = r.pair_id WHERE p.program_id = $1
                       AND r.created_at >= $2) AS reflections,
                    (SELECT COUNT(*) FROM pairs p JOIN participants m ON m.id = p.mentor_id
                       JOIN participants e ON e.id = p.mentee_id WHERE p.program_id = $1 AND p.status = 'ended'
                       AND p.ended_at >= $2 AND p.ended_by IN (m.user_id, e.user_id)) AS exits",
        )
        .bind(program_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Live pairs with a session rated at most `max_rating` since `since`.
    pub async fn low_rated_pairs(&self, program_id: i64, since: i64, max_rating: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT r.pair_id FROM reflections r JOIN pairs p ON p.id = r.pair_id
             WHERE p.program_id = $1 AND p.status = 'active' AND r.created_at >= $2 AND r.rating <= $3
             ORDER BY r.pair_id",
        )
        .bind(program_id)
        .bind(since)
        .bind(max_rating)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Pairs ended by one of their people, with the reason where it was shared with owners.
    pub async fn exits(&self, program_id: i64) -> Result<Vec<Option<String>>> {
        Ok(sqlx::query_scalar(
            "SELECT CASE WHEN p.exit_shared = 1 THEN p.exit_reason END FROM pairs p
             JOIN participants m ON m.id = p.mentor_id JOIN participants e ON e.id = p.mentee_id
             WHERE p.program_id = $1 AND p.status = 'ended' AND p.ended_by IN (m.user_id, e.user_id)
             ORDER BY p.ended_at, p.id",
        )
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Tx {
    pub async fn set_digest_schedule(&mut self, program_id: i64, cron: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE programs SET digest_schedule = $1 WHERE id = $2")
            .bind(cron)
            .bind(program_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Adds an owner; `false` if they already were one.
    pub async fn add_owner(&mut self, team_id: &str, user_id: &str, added_by: &str) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO owners (team_id, user_id, added_by, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (team_id, user_id) DO NOTHING",
        )
        .bind(team_id)
        .bind(user_id)
        .bind(added_by)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    /// Removes an owner added from Slack; `false` if they were not one.
    pub async fn remove_owner(&mut self, team_id: &str, user_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM owners WHERE team_id = $1 AND user_id = $2")
            .bind(team_id)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        Ok(done == 1)
    }
}

/// What `forget-me` removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forgotten {
    /// Programs the person had a profile in.
    pub programs: usize,
    pub reflections: u64,
    /// Live pairs that ended, for telling the partners.
    pub ended: Vec<crate::domain::pair::Pair>,
}

impl Tx {
    /// Deletes what identifies a person and what they wrote, keeping the anonymous facts
    /// that programs' figures count: their participant rows stay as `forgotten-<id>`
    /// with no profile, their reflections keep rating and skills without texts or author,
    /// stored requests and messages addressed to them are emptied.
    pub async fn forget(&mut self, team_id: &str, user: &str) -> Result<Forgotten> {
        let mut ended = Vec::new();
        for pair in self.live_pairs_of(user).await? {
            if self.end_pair(pair.id, "forget-me").await? {
                ended.push(pair);
            }
        }
        let reflections =
            sqlx::query("UPDATE reflections SET learned = NULL, taught = NULL, author = 'forgotten' WHERE author = $1")
                .bind(user)
                .execute(&mut *self.tx)
                .await?
                .rows_affected();
        // Confidence ratings stay for the uplift figures, under the participant's
        // anonymous name; goals are the person's words, and go.
        sqlx::query(
            "UPDATE confidence SET user_id = 'forgotten-' || COALESCE((SELECT p.id FROM participants p
                    WHERE p.program_id = confidence.program_id AND p.user_id = confidence.user_id), 0)
             WHERE user_id = $1",
        )
        .bind(user)
        .execute(&mut *self.tx)
        .await?;
        // A session's question and reflection texts are the person's words too.
        sqlx::query(
            "UPDATE sessions SET question = NULL
             WHERE mentee_id IN (SELECT id FROM participants WHERE user_id = $1)",
        )
        .bind(user)
        .execute(&mut *self.tx)
        .await?;
        let programs = sqlx::query(
            "UPDATE participants SET user_id = 'forgotten-' || id, teach_skills = '[]', learn_skills = '[]',
                    department = NULL, goals = NULL, manager = NULL, level = NULL, one_time = 0, status = 'left',
                    paused_until = NULL, updated_at = $2, left_at = CASE WHEN status = 'left' THEN left_at ELSE $2 END
             WHERE user_id = $1",
        )
        .bind(user)
        .bind(self.now)
        .execute(&mut *self.tx)
        .await?
        .rows_affected() as usize;
        let scrub = [
            "UPDATE participants SET manager = NULL WHERE manager = $1",
            "UPDATE session_reflections SET learned = NULL, taught = NULL, author = 'forgotten' WHERE author = $1",
            "UPDATE checkins SET answered_by = NULL WHERE answered_by = $1",
            "UPDATE pairs SET ended_by = NULL WHERE ended_by = $1",
            "DELETE FROM slack_users WHERE user_id = $1",
            "DELETE FROM org_chart WHERE user_id = $1",
            "UPDATE org_chart SET manager = NULL WHERE manager = $1",
            "DELETE FROM channel_invites WHERE user_id = $1",
            "DELETE FROM goals WHERE author = $1",
            "DELETE FROM recognition WHERE user_id = $1",
            "UPDATE recognition SET tell_user = NULL WHERE tell_user = $1",
            "UPDATE outbox SET payload = '{}' WHERE channel_key = $1 AND (sent_at IS NOT NULL OR dead_at IS NOT NULL)",
        ];
        for sql in scrub {
            sqlx::query(sql).bind(user).execute(&mut *self.tx).await?;
        }
        // An open dry run that names them loses its rows (it can no longer be applied).
        sqlx::query("UPDATE imports SET plan = '{}', status = 'cancelled' WHERE status = 'dry_run' AND plan LIKE $1")
            .bind(format!("%\"{user}\"%"))
            .execute(&mut *self.tx)
            .await?;
        // Handled requests keep their keys (so a late retry from Slack is still
        // recognised) but lose their contents.
        sqlx::query("UPDATE inbox SET payload = '{}' WHERE payload LIKE $1 AND (processed_at IS NOT NULL OR id = $2)")
            .bind(format!("%\"user\":\"{user}\"%"))
            .bind(self.inbox_id.unwrap_or(-1))
            .execute(&mut *self.tx)
            .await?;
        tracing::info!(team_id, programs, reflections, ended = ended.len(), "a person was forgotten");
        Ok(Forgotten { programs, reflections, ended })
    }
}
