//! The scheduler's timers: one `timers` table carries every kind of timer's mark, and
//! the migration carries the older per-kind columns over.

use sqlx::sqlite::SqlitePoolOptions;

/// Migrations 0001–0007 as shipped before the timers table, then 0008 over them (SQLite's:
/// no PostgreSQL database ever held the older columns).
#[tokio::test]
async fn the_timers_migration_carries_every_older_mark_over() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    let pool = SqlitePoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    let mut files: Vec<_> = std::fs::read_dir("migrations/sqlite").unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let (older, timers) = files.split_at(files.iter().position(|f| f.ends_with("0008_timers.sql")).unwrap());
    for file in older {
        sqlx::raw_sql(sqlx::AssertSqlSafe(std::fs::read_to_string(file).unwrap())).execute(&pool).await.unwrap();
    }
    sqlx::raw_sql(
        "INSERT INTO workspaces (team_id, created_at) VALUES ('T1', 0);
         INSERT INTO programs (id, team_id, name, created_at, last_digest_at, last_auto_match_at)
             VALUES (7, 'T1', 'default', 0, 1100, 1200);
         INSERT INTO participants (id, program_id, user_id, role, teach_skills, learn_skills, created_at, updated_at)
             VALUES (1, 7, 'U1', 'mentor', '[]', '[]', 0, 0), (2, 7, 'U2', 'mentee', '[]', '[]', 0, 0);
         INSERT INTO rounds (id, program_id, status, started_by, seed, total_score, upper_bound, unmatched,
                             created_at, ended_at)
             VALUES (3, 7, 'confirmed', 'U9', 1, 10, 10, '[]', 0, 1300);
         INSERT INTO pairs (id, round_id, program_id, mentor_id, mentee_id, score, reasons, status, created_at,
                            last_checkin_due)
             VALUES (5, 3, 7, 1, 2, 10, '[]', 'active', 0, 1400);
         INSERT INTO checkins (id, pair_id, due_at, snoozed_until, reminded_at, created_at)
             VALUES (9, 5, 1400, 1500, 1450, 0);",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(std::fs::read_to_string(&timers[0]).unwrap())).execute(&pool).await.unwrap();
    let marks: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT kind, subject_id, fired_for FROM timers ORDER BY kind").fetch_all(&pool).await.unwrap();
    assert_eq!(
        marks,
        vec![
            ("checkin".to_owned(), 5, 1400),
            ("digest".to_owned(), 7, 1100),
            ("remind".to_owned(), 9, 1500),
            ("round".to_owned(), 7, 1200),
            ("round-end".to_owned(), 3, 1300),
        ]
    );
}
