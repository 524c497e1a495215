//! People in programs: their profiles and status.

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::FromRow;

use super::{from_json, statement_chunks, to_json, JoinAtReceipt, Joined, Receipt, Result, Sql, Store, StoreError, Tx};
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

/// People per statement that reads or saves many profiles.
const PER_STATEMENT: usize = 64;

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

    /// Whose participation `participant_id` is, in that program: a button carries the
    /// id, and reading the whole program to find one person costs a big program dearly.
    pub async fn participant_user(&self, program_id: i64, participant_id: i64) -> Result<Option<String>> {
        let user: Option<(String,)> =
            sqlx::query_as("SELECT user_id FROM participants WHERE program_id = $1 AND id = $2")
                .bind(program_id)
                .bind(participant_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(user.map(|(user,)| user))
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
        Ok(self.profiles(program_id, &[user_id.to_owned()]).await?.remove(user_id))
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
        let mut saved = self.save_profiles(program_id, &[(user_id, profile)]).await?;
        saved.remove(user_id).ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    /// [`Tx::save_profile`] for many people, many rows a statement; by user id. A
    /// program that does not exist saves nobody.
    async fn save_profiles(
        &mut self,
        program_id: i64,
        profiles: &[(&str, &ValidProfile)],
    ) -> Result<HashMap<String, Participant>> {
        let mut saved = HashMap::new();
        for chunk in statement_chunks(profiles, PER_STATEMENT) {
            let mut upsert = Sql::new(
                self.engine,
                "WITH v (user_id, role, teach_skills, learn_skills, department, goals, manager, level, one_time)
                 AS (VALUES ",
            );
            for (i, (user_id, profile)) in chunk.iter().enumerate() {
                upsert.push(if i == 0 { "(" } else { ", (" });
                upsert.push_bind((*user_id).to_owned()).push(", ").push_bind(profile.role.as_str().to_owned());
                upsert.push(", ").push_bind(to_json(&profile.teach_skills));
                upsert.push(", ").push_bind(to_json(&profile.learn_skills));
                upsert.push(", ").push_bind(profile.department.clone()).push(", ").push_bind(profile.goals.clone());
                upsert.push(", ").push_bind(profile.manager.clone());
                upsert.push(", ").push_bind(profile.level.map(i64::from));
                upsert.push(", ").push_bind(i64::from(profile.one_time)).push(")");
            }
            upsert.push(
                ")
                 INSERT INTO participants (program_id, user_id, role, teach_skills, learn_skills, department, goals,
                                           manager, level, one_time, status, paused_until, created_at, updated_at,
                                           joined_at)
                 SELECT programs.id, v.user_id, v.role, v.teach_skills, v.learn_skills,
                        COALESCE(v.department, chart.department), v.goals, COALESCE(v.manager, chart.manager),
                        COALESCE(v.level, chart.level), v.one_time, 'active', NULL, ",
            );
            upsert.push_bind(self.now).push(", ").push_bind(self.now).push(", ").push_bind(self.now);
            upsert.push(
                "
                 FROM v JOIN programs ON programs.id = ",
            );
            upsert.push_bind(program_id).push(&format!(
                "
                 LEFT JOIN org_chart chart ON chart.team_id = programs.team_id AND chart.user_id = v.user_id
                 WHERE true
                 ON CONFLICT (program_id, user_id) DO UPDATE SET
                    joined_at = CASE WHEN participants.status = 'left' THEN excluded.joined_at
                                     ELSE participants.joined_at END,
                    left_at = NULL,
                    role = excluded.role, teach_skills = excluded.teach_skills,
                    learn_skills = excluded.learn_skills, department = excluded.department, goals = excluded.goals,
                    manager = excluded.manager, level = excluded.level, one_time = excluded.one_time,
                    status = 'active', paused_until = NULL, updated_at = excluded.updated_at
                 RETURNING {COLUMNS}"
            ));
            let rows: Vec<Row> = upsert.build_query_as().fetch_all(&mut *self.tx).await?;
            for row in rows {
                let participant = Participant::try_from(row)?;
                saved.insert(participant.user_id.clone(), participant);
            }
        }
        Ok(saved)
    }

    /// People's participations in a program as they are now, by user id, locked until
    /// the commit (see [`Tx::profile`]).
    async fn profiles(&mut self, program_id: i64, users: &[String]) -> Result<HashMap<String, Participant>> {
        let mut found = HashMap::new();
        for chunk in statement_chunks(users, PER_STATEMENT) {
            let mut read = Sql::new(self.engine, &format!("SELECT {COLUMNS} FROM participants WHERE program_id = "));
            read.push_bind(program_id).push(" AND user_id IN (").push_list(chunk.to_vec()).push(")");
            read.push(&self.engine.lock_rows("participants"));
            let rows: Vec<Row> = read.build_query_as().fetch_all(&mut *self.tx).await?;
            for row in rows {
                let participant = Participant::try_from(row)?;
                found.insert(participant.user_id.clone(), participant);
            }
        }
        Ok(found)
    }

    /// Makes one-line joins at their receipt, as a handler would make each, with a few
    /// statements for them all: each one's program (the one it names, else the
    /// workspace's only one) and the person's cached time zone, their profile completed
    /// from the stored one and spelled as the catalogue spells skills. A join whose
    /// program or time zone is not known this way is left to the handlers, which ask.
    pub(super) async fn join_at_receipt(&mut self, joins: &[&JoinAtReceipt]) -> Result<Vec<Receipt>> {
        let mut receipts: Vec<Receipt> = joins.iter().map(|_| Receipt::Stored).collect();
        let mut teams: HashMap<&str, Vec<usize>> = HashMap::new();
        for (k, join) in joins.iter().enumerate() {
            teams.entry(join.team_id.as_str()).or_default().push(k);
        }
        for (team_id, members) in teams {
            let programs = self.programs(team_id).await?;
            let users: Vec<String> = members.iter().map(|&k| joins[k].user_id.clone()).collect();
            let zones = self.cached_time_zones(team_id, &users).await?;
            let mut by_program: HashMap<i64, Vec<usize>> = HashMap::new();
            for &k in &members {
                let program = crate::domain::program::meant(&programs, joins[k].program.as_deref());
                if let Some(program) = program.filter(|_| zones.contains_key(&joins[k].user_id)) {
                    by_program.entry(program.id).or_default().push(k);
                }
            }
            for (program_id, members) in by_program {
                let Some(program) = programs.iter().find(|p| p.id == program_id) else { continue };
                let catalogue = self.skills(program_id).await?;
                let users: Vec<String> = members.iter().map(|&k| joins[k].user_id.clone()).collect();
                let current = self.profiles(program_id, &users).await?;
                let mut valid = Vec::new();
                for &k in &members {
                    match (joins[k].complete)(current.get(&joins[k].user_id)) {
                        Ok(profile) => valid.push((k, profile.spelled_as(&catalogue))),
                        Err(problem) => receipts[k] = Receipt::Refused(problem),
                    }
                }
                let rows: Vec<(&str, &ValidProfile)> =
                    valid.iter().map(|(k, profile)| (joins[*k].user_id.as_str(), profile)).collect();
                let mut saved = self.save_profiles(program_id, &rows).await?;
                for (k, _) in valid {
                    let join = joins[k];
                    let participant =
                        saved.remove(&join.user_id).ok_or(StoreError::Database(sqlx::Error::RowNotFound))?;
                    let rejoined = current.contains_key(&join.user_id);
                    if !rejoined {
                        for message in (join.first_join)(program) {
                            self.enqueue(&message)?;
                        }
                    }
                    let tz = zones.get(&join.user_id).cloned().flatten();
                    receipts[k] =
                        Receipt::Joined(Box::new(Joined { participant, rejoined, program: program.clone(), tz }));
                }
            }
        }
        Ok(receipts)
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
