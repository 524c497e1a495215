//! Roles one replica plays at a time, each held under a lease in `leases`: the holder
//! renews it while it lives, and once it lapses (a replica killed, a machine lost) the
//! next replica to ask takes it. The outbox's sender is one: one replica sends for the
//! whole deployment, so its in-memory pacer holds Slack's limits for all of them.
//!
//! SQLite serves one process, which holds every role: nothing is written, and a
//! restart after a crash need not wait out the dead run's lease.

use super::{Engine, Result, Store};

impl Store {
    /// Takes the lease `name` for `holder` until `until`, or renews it, if it is free,
    /// lapsed at `now` or already `holder`'s; whether `holder` holds it now. Two
    /// replicas asking at once: the second waits on the first's row and then finds it
    /// held by another.
    pub async fn take_lease(&self, name: &str, holder: &str, now: i64, until: i64) -> Result<bool> {
        if self.engine == Engine::Sqlite {
            return Ok(true);
        }
        let held: Option<String> = sqlx::query_scalar(
            "INSERT INTO leases (name, holder, held_until, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until
             WHERE leases.holder = excluded.holder OR leases.held_until <= $4
             RETURNING holder",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(held.is_some())
    }

    /// Gives the lease up at a clean stop, so another replica takes the role at once.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
