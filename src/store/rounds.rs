//! Matching rounds and their pairs, and the program settings matching reads.

use std::collections::HashMap;

use sqlx::FromRow;

use super::timers::Timer;
use super::{from_json, Result, Store, StoreError, Tx};
use crate::domain::pair::{Pair, PairStatus};
use crate::domain::rounds::UnmatchedPerson;
use crate::domain::settings::MatchSettings;

/// A pair as stored, with its people's user ids; read into the domain's [`Pair`].
#[derive(FromRow)]
pub(super) struct PairDbRow {
    id: i64,
    round_id: i64,
    program_id: i64,
    mentor_id: i64,
    mentee_id: i64,
    mentor_user: String,
    mentee_user: String,
    score: i64,
    reasons: String,
    status: String,
    scheduled_at: Option<i64>,
    paused_at: Option<i64>,
    circle: i64,
}

impl TryFrom<PairDbRow> for Pair {
    type Error = StoreError;

    fn try_from(row: PairDbRow) -> Result<Pair> {
        Ok(Pair {
            status: PairStatus::parse(&row.status)
                .ok_or_else(|| StoreError::Corrupt(format!("pair {} status `{}`", row.id, row.status)))?,
            reasons: from_json(&row.reasons)?,
            id: row.id,
            round_id: row.round_id,
            program_id: row.program_id,
            mentor_id: row.mentor_id,
            mentee_id: row.mentee_id,
            mentor_user: row.mentor_user,
            mentee_user: row.mentee_user,
            score: row.score,
            scheduled_at: row.scheduled_at,
            paused: row.paused_at.is_some(),
            circle: row.circle != 0,
        })
    }
}

pub(super) fn pairs_from(rows: Vec<PairDbRow>) -> Result<Vec<Pair>> {
    rows.into_iter().map(Pair::try_from).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RoundRow {
    pub id: i64,
    pub program_id: i64,
    pub status: String,
    pub started_by: String,
    pub seed: i64,
    pub total_score: i64,
    pub upper_bound: i64,
    /// JSON `[{"user": .., "reason": ..}]`.
    pub unmatched: String,
    pub created_at: i64,
    /// The fingerprint of what the round was planned from ([`crate::domain::rounds::fingerprint`]).
    pub inputs_hash: Option<String>,
}

impl RoundRow {
    /// Who the round left unmatched, and why.
    pub fn unmatched_people(&self) -> Result<Vec<UnmatchedPerson>> {
        unmatched_of(self.id, &self.unmatched)
    }
}

fn unmatched_of(round_id: i64, json: &str) -> Result<Vec<UnmatchedPerson>> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("round {round_id} unmatched: {e}")))
}

/// A pair about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPair {
    pub mentor_id: i64,
    pub mentee_id: i64,
    pub score: i64,
    pub reasons: Vec<String>,
}

/// A round about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRound<'a> {
    pub program_id: i64,
    pub started_by: &'a str,
    pub seed: i64,
    pub total_score: i64,
    pub upper_bound: i64,
    pub unmatched_json: String,
    pub inputs_hash: &'a str,
    pub pairs: &'a [NewPair],
    /// Whether the pairs join their mentor's circle.
    pub circle: bool,
    /// The project whose pair this round holds; `None`: a matching round.
    pub project_id: Option<i64>,
}

/// Figures of a program's rounds for status reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromRow)]
pub struct RoundCounts {
    pub rounds: i64,
    pub active_pairs: i64,
    pub ended_pairs: i64,
}

/// How many matching rounds a program has confirmed.
const ROUND_NUMBER: &str =
    "SELECT COUNT(*) FROM rounds WHERE program_id = $1 AND status = 'confirmed' AND project_id IS NULL";

pub(super) const PAIR_SELECT: &str =
    "SELECT p.id, p.round_id, p.program_id, p.mentor_id, p.mentee_id, m.user_id AS mentor_user, \
     e.user_id AS mentee_user, p.score, p.reasons, p.status, p.scheduled_at, p.paused_at, p.circle \
     FROM pairs p JOIN participants m ON m.id = p.mentor_id JOIN participants e ON e.id = p.mentee_id";

#[derive(FromRow)]
struct SettingsRow {
    capacity: i64,
    allow_repeats: i64,
    forbid_same_department: i64,
    weight_skill: Option<i64>,
    weight_hour: Option<i64>,
    weight_cross_department: Option<i64>,
    match_schedule: Option<String>,
    min_level_gap: i64,
    mid_round_matching: i64,
    match_budget_secs: i64,
    circle_size: Option<i64>,
}

fn small(value: i64, what: &str) -> Result<u32> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("program setting {what} = {value}")))
}

impl TryFrom<SettingsRow> for MatchSettings {
    type Error = StoreError;

    fn try_from(row: SettingsRow) -> Result<MatchSettings> {
        let weight = |w: Option<i64>, what| w.map(|w| small(w, what)).transpose();
        Ok(MatchSettings {
            capacity: small(row.capacity, "capacity")?,
            allow_repeats: row.allow_repeats != 0,
            forbid_same_department: row.forbid_same_department != 0,
            weight_skill: weight(row.weight_skill, "weight_skill")?,
            weight_hour: weight(row.weight_hour, "weight_hour")?,
            weight_cross_department: weight(row.weight_cross_department, "weight_cross_department")?,
            match_schedule: row.match_schedule,
            min_level_gap: u8::try_from(row.min_level_gap)
                .map_err(|_| StoreError::Corrupt(format!("min_level_gap = {}", row.min_level_gap)))?,
            mid_round_matching: row.mid_round_matching != 0,
            match_budget_secs: small(row.match_budget_secs, "match_budget_secs")?,
            circle_size: row.circle_size.map(|k| small(k, "circle_size")).transpose()?,
        })
    }
}

impl Store {
    /// The mentor (participant id) of each live circle pair of a program.
    pub async fn circle_mentors(&self, program_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT mentor_id FROM pairs WHERE program_id = $1 AND circle = 1 AND status = 'active' ORDER BY id",
        )
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// As [`Tx::circle_pairs`], outside a change.
    pub async fn circle_pairs(&self, mentor_id: i64) -> Result<Vec<Pair>> {
        circle_pairs(&self.pool, mentor_id).await
    }

    pub async fn match_settings(&self, program_id: i64) -> Result<MatchSettings> {
        let row: SettingsRow = sqlx::query_as(
            "SELECT capacity, allow_repeats, forbid_same_department, weight_skill, weight_hour,
                    weight_cross_department, match_schedule, min_level_gap, mid_round_matching, match_budget_secs,
                    circle_size
             FROM programs WHERE id = $1",
        )
        .bind(program_id)
        .fetch_one(&self.pool)
        .await?;
        row.try_into()
    }

    /// Pairs of a program with the given status, oldest first.
    pub async fn pairs(&self, program_id: i64, status: PairStatus) -> Result<Vec<Pair>> {
        pairs_from(
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{PAIR_SELECT} WHERE p.program_id = $1 AND p.status = $2 ORDER BY p.id"
            )))
            .bind(program_id)
            .bind(status.as_str())
            .fetch_all(&self.pool)
            .await?,
        )
    }

    pub async fn pair(&self, pair_id: i64) -> Result<Option<Pair>> {
        let row: Option<PairDbRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{PAIR_SELECT} WHERE p.id = $1")))
            .bind(pair_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(Pair::try_from).transpose()
    }

    /// A person's live pairs in every program, oldest first.
    pub async fn live_pairs_of(&self, user: &str) -> Result<Vec<Pair>> {
        pairs_from(
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{PAIR_SELECT} WHERE p.status = 'active' AND (m.user_id = $1 OR e.user_id = $1) ORDER BY p.id"
            )))
            .bind(user)
            .fetch_all(&self.pool)
            .await?,
        )
    }

    /// Every (mentor, mentee) participant pair that was ever live in the program.
    pub async fn past_pairs(&self, program_id: i64) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT mentor_id, mentee_id FROM pairs WHERE program_id = $1 AND status IN ('active', 'ended')
             ORDER BY id",
        )
        .bind(program_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many rounds a program has confirmed: it seeds the next round's tie-breaks.
    /// Previews are not counted, so a preview and its confirmation break ties alike.
    pub async fn round_number(&self, program_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(ROUND_NUMBER).bind(program_id).fetch_one(&self.pool).await?)
    }

    /// The program's newest confirmed round.
    /// Who the latest confirmed round left unmatched, and why; empty before the first.
    pub async fn latest_unmatched(&self, program_id: i64) -> Result<Vec<UnmatchedPerson>> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, unmatched FROM rounds WHERE program_id = $1 AND status = 'confirmed' AND project_id IS NULL
             ORDER BY id DESC LIMIT 1",
        )
        .bind(program_id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some((id, json)) => unmatched_of(id, &json),
            None => Ok(Vec::new()),
        }
    }

    /// The preview an owner may confirm: the newest proposed round and its pairs.
    pub async fn proposal(&self, program_id: i64) -> Result<Option<(RoundRow, Vec<Pair>)>> {
        let round: Option<RoundRow> = sqlx::query_as(
            "SELECT id, program_id, status, started_by, seed, total_score, upper_bound, unmatched, created_at,
                    inputs_hash
             FROM rounds WHERE program_id = $1 AND status = 'proposed' ORDER BY id DESC LIMIT 1",
        )
        .bind(program_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(round) = round else { return Ok(None) };
        let pairs = sqlx::query_as(sqlx::AssertSqlSafe(format!("{PAIR_SELECT} WHERE p.round_id = $1 ORDER BY p.id")))
            .bind(round.id)
            .fetch_all(&self.pool)
            .await?;
        Ok(Some((round, pairs_from(pairs)?)))
    }

    pub async fn round_counts(&self, program_id: i64) -> Result<RoundCounts> {
        Ok(sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM rounds WHERE program_id = $1 AND status = 'confirmed' AND project_id IS NULL)
                        AS rounds,
                    (SELECT COUNT(*) FROM pairs WHERE program_id = $1 AND status = 'active') AS active_pairs,
                    (SELECT COUNT(*) FROM pairs WHERE program_id = $1 AND status = 'ended') AS ended_pairs",
        )
        .bind(program_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Cached time zones of a workspace's people, for matching by working hours.
    pub async fn time_zones(&self, team_id: &str) -> Result<HashMap<String, String>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT user_id, tz FROM slack_users WHERE team_id = $1 AND tz IS NOT NULL")
                .bind(team_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }
}

/// A program that matches on a schedule.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ScheduledProgram {
    pub id: i64,
    pub match_schedule: String,
    /// The last due time a round was started for; the program's creation before that.
    pub since: i64,
}

impl Store {
    pub async fn scheduled_programs(&self) -> Result<Vec<ScheduledProgram>> {
        Ok(sqlx::query_as(
            "SELECT id, match_schedule, COALESCE((SELECT t.fired_for FROM timers t WHERE t.kind = 'round' AND t.subject_id = programs.id),
                             created_at) AS since
             FROM programs WHERE match_schedule IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records that the round due at `due` was started: the event that runs it goes to
    /// the inbox in the same transaction, so a crash cannot start it twice or lose it.
    pub async fn start_scheduled_round(&self, program_id: i64, due: i64, payload: &str, now: i64) -> Result<()> {
        self.fire_timer(Timer::Round, program_id, due, &format!("round:{program_id}:{due}"), payload, now).await
    }
}

async fn circle_pairs<'c>(db: impl sqlx::Executor<'c, Database = sqlx::Any>, mentor_id: i64) -> Result<Vec<Pair>> {
    pairs_from(
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{PAIR_SELECT} WHERE p.mentor_id = $1 AND p.circle = 1 AND p.status = 'active' ORDER BY p.id"
        )))
        .bind(mentor_id)
        .fetch_all(db)
        .await?,
    )
}

impl Tx {
    /// A pair as it is now, locked until the commit: what the change decides on it holds.
    pub async fn pair(&mut self, pair_id: i64) -> Result<Option<Pair>> {
        let sql = format!("{PAIR_SELECT} WHERE p.id = $1{}", self.engine.lock_rows("p"));
        let row: Option<PairDbRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(pair_id).fetch_optional(&mut *self.tx).await?;
        row.map(Pair::try_from).transpose()
    }

    /// A person's live pairs in every program as they are now, oldest first, locked
    /// until the commit.
    pub async fn live_pairs_of(&mut self, user: &str) -> Result<Vec<Pair>> {
        let sql = format!(
            "{PAIR_SELECT} WHERE p.status = 'active' AND (m.user_id = $1 OR e.user_id = $1) ORDER BY p.id{}",
            self.engine.lock_rows("p")
        );
        pairs_from(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user).fetch_all(&mut *self.tx).await?)
    }

    /// How many rounds the program has confirmed, with the program locked until the
    /// commit: a change that makes a round live checks that none went live since its
    /// plan was made from the program's pairs, and no other can until it commits.
    pub async fn round_number(&mut self, program_id: i64) -> Result<i64> {
        self.lock_program(program_id).await?;
        Ok(sqlx::query_scalar(ROUND_NUMBER).bind(program_id).fetch_one(&mut *self.tx).await?)
    }

    pub async fn set_match_settings(&mut self, program_id: i64, s: &MatchSettings) -> Result<()> {
        sqlx::query(
            "UPDATE programs SET capacity = $1, allow_repeats = $2, forbid_same_department = $3, weight_skill = $4,
                    weight_hour = $5, weight_cross_department = $6, match_schedule = $7, min_level_gap = $9,
                    mid_round_matching = $10, match_budget_secs = $11, circle_size = $12 WHERE id = $8",
        )
        .bind(i64::from(s.capacity))
        .bind(i64::from(s.allow_repeats))
        .bind(i64::from(s.forbid_same_department))
        .bind(s.weight_skill.map(i64::from))
        .bind(s.weight_hour.map(i64::from))
        .bind(s.weight_cross_department.map(i64::from))
        .bind(&s.match_schedule)
        .bind(program_id)
        .bind(i64::from(s.min_level_gap))
        .bind(i64::from(s.mid_round_matching))
        .bind(i64::from(s.match_budget_secs))
        .bind(s.circle_size.map(i64::from))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Stores a round with its pairs, `confirmed` (pairs live) or `proposed` (a preview,
    /// replacing the program's earlier previews). Returns the round id.
    pub async fn insert_round(&mut self, round: &NewRound<'_>, confirmed: bool) -> Result<i64> {
        // A new matching round supersedes the preview; a project's pair does not. The
        // program is locked first, so two previews stored at once leave one proposal.
        if round.project_id.is_none() {
            self.lock_program(round.program_id).await?;
            sqlx::query("UPDATE rounds SET status = 'discarded' WHERE program_id = $1 AND status = 'proposed'")
                .bind(round.program_id)
                .execute(&mut *self.tx)
                .await?;
        }
        let status = if confirmed { "confirmed" } else { "proposed" };
        let round_id: i64 = sqlx::query_scalar(
            "INSERT INTO rounds (program_id, status, started_by, seed, total_score, upper_bound, unmatched,
                                 created_at, confirmed_at, project_id, inputs_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(round.program_id)
        .bind(status)
        .bind(round.started_by)
        .bind(round.seed)
        .bind(round.total_score)
        .bind(round.upper_bound)
        .bind(&round.unmatched_json)
        .bind(self.now)
        .bind(confirmed.then_some(self.now))
        .bind(round.project_id)
        .bind(round.inputs_hash)
        .fetch_one(&mut *self.tx)
        .await?;
        let pair_status = if confirmed { "active" } else { "proposed" };
        for pair in round.pairs {
            sqlx::query(
                "INSERT INTO pairs (round_id, program_id, mentor_id, mentee_id, score, reasons, status, created_at,
                                    circle)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(round_id)
            .bind(round.program_id)
            .bind(pair.mentor_id)
            .bind(pair.mentee_id)
            .bind(pair.score)
            .bind(serde_json::to_string(&pair.reasons).unwrap_or_else(|_| "[]".into()))
            .bind(pair_status)
            .bind(self.now)
            .bind(i64::from(round.circle))
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(round_id)
    }

    /// The live pairs of a mentor's circle (participant id), oldest first: the first
    /// one carries the circle's check-ins.
    pub async fn circle_pairs(&mut self, mentor_id: i64) -> Result<Vec<Pair>> {
        circle_pairs(&mut *self.tx, mentor_id).await
    }

    /// The pairs of one round, seen from inside the change that wrote them.
    pub async fn round_pairs(&mut self, round_id: i64) -> Result<Vec<Pair>> {
        pairs_from(
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{PAIR_SELECT} WHERE p.round_id = $1 ORDER BY p.id")))
                .bind(round_id)
                .fetch_all(&mut *self.tx)
                .await?,
        )
    }

    /// Makes a previewed round live; `false` if it was no longer a proposal.
    pub async fn confirm_round(&mut self, round_id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE rounds SET status = 'confirmed', confirmed_at = $1 WHERE id = $2 AND status = 'proposed'",
        )
        .bind(self.now)
        .bind(round_id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        // A preview discarded by a newer one keeps its pairs proposed: they never go live.
        if done == 0 {
            return Ok(false);
        }
        sqlx::query("UPDATE pairs SET status = 'active' WHERE round_id = $1 AND status = 'proposed'")
            .bind(round_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(true)
    }

    /// Ends a live pair; `false` if it was not live.
    pub async fn end_pair(&mut self, pair_id: i64, by: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE pairs SET status = 'ended', ended_at = $1, ended_by = $2 WHERE id = $3 AND status = 'active'",
        )
        .bind(self.now)
        .bind(by)
        .bind(pair_id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    /// Records that the pair scheduled its first session; `false` if already recorded.
    pub async fn mark_scheduled(&mut self, pair_id: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE pairs SET scheduled_at = $1 WHERE id = $2 AND scheduled_at IS NULL")
            .bind(self.now)
            .bind(pair_id)
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        Ok(done == 1)
    }

    /// Ends a live pair at the request of one of its people, keeping their reason for
    /// them (and for owners only if `shared`); `false` if it was not live.
    pub async fn exit_pair(&mut self, pair_id: i64, by: &str, reason: Option<&str>, shared: bool) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE pairs SET status = 'ended', ended_at = $1, ended_by = $2, exit_reason = $3, exit_shared = $4
             WHERE id = $5 AND status = 'active'",
        )
        .bind(self.now)
        .bind(by)
        .bind(reason)
        .bind(i64::from(shared))
        .bind(pair_id)
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        Ok(done == 1)
    }
}
