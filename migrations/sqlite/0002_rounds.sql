-- Matching rounds and pairs, and the program settings that steer matching.
-- Booleans are INTEGER 0/1 and times Unix seconds, so the same SQL runs on PostgreSQL.

-- Mentees per mentor, whether earlier pairs may meet again, whether one department may
-- pair with itself; NULL weights mean the engine's documented defaults.
ALTER TABLE programs ADD COLUMN capacity INTEGER NOT NULL DEFAULT 1;
ALTER TABLE programs ADD COLUMN allow_repeats INTEGER NOT NULL DEFAULT 0;
ALTER TABLE programs ADD COLUMN forbid_same_department INTEGER NOT NULL DEFAULT 0;
ALTER TABLE programs ADD COLUMN weight_skill INTEGER;
ALTER TABLE programs ADD COLUMN weight_hour INTEGER;
ALTER TABLE programs ADD COLUMN weight_cross_department INTEGER;
-- A cron expression (six fields, seconds first) for automatic rounds; NULL: by hand only.
ALTER TABLE programs ADD COLUMN match_schedule TEXT;
-- The last scheduled time an automatic round was started for (not when it ran).
ALTER TABLE programs ADD COLUMN last_auto_match_at BIGINT;

-- The participant's manager (a Slack user id): never paired with their direct report.
ALTER TABLE participants ADD COLUMN manager TEXT;

CREATE TABLE rounds (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    program_id  INTEGER NOT NULL REFERENCES programs (id),
    -- proposed (a preview), confirmed (its pairs are live) or discarded (superseded).
    status      TEXT NOT NULL CHECK (status IN ('proposed', 'confirmed', 'discarded')),
    started_by  TEXT NOT NULL,
    seed        BIGINT NOT NULL,
    total_score BIGINT NOT NULL,
    upper_bound BIGINT NOT NULL,
    -- JSON [{"user": "U..", "reason": "..."}]: who stayed unmatched and why.
    unmatched   TEXT NOT NULL DEFAULT '[]',
    created_at  BIGINT NOT NULL,
    confirmed_at BIGINT
);

CREATE TABLE pairs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id    INTEGER NOT NULL REFERENCES rounds (id),
    program_id  INTEGER NOT NULL REFERENCES programs (id),
    mentor_id   INTEGER NOT NULL REFERENCES participants (id),
    mentee_id   INTEGER NOT NULL REFERENCES participants (id),
    score       BIGINT NOT NULL,
    -- JSON list of readable reasons behind the score.
    reasons     TEXT NOT NULL DEFAULT '[]',
    status      TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'ended')),
    scheduled_at BIGINT,
    flagged_at  BIGINT,
    created_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    ended_by    TEXT
);

CREATE INDEX pairs_by_program ON pairs (program_id, status);
CREATE INDEX rounds_by_program ON rounds (program_id, status);
