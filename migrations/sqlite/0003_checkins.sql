-- Check-ins and reflections: how often pairs are asked whether they met, when (working
-- hours in their time zones), what they answered and what they wrote down.

-- Six-field cron read in the program's time zone; `checkin_every` = which of its times
-- count (2: every second Monday with the default).
ALTER TABLE programs ADD COLUMN checkin_schedule TEXT NOT NULL DEFAULT '0 0 10 * * MON';
ALTER TABLE programs ADD COLUMN checkin_every INTEGER NOT NULL DEFAULT 2;
ALTER TABLE programs ADD COLUMN window_start TEXT NOT NULL DEFAULT '09:00';
ALTER TABLE programs ADD COLUMN window_end TEXT NOT NULL DEFAULT '17:00';
ALTER TABLE programs ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE programs ADD COLUMN allow_weekends INTEGER NOT NULL DEFAULT 0;

-- A pair that pressed "Pause our pair" gets no check-ins until it resumes.
ALTER TABLE pairs ADD COLUMN paused_at BIGINT;
-- The schedule time of the pair's latest check-in: the scheduler's anchor, written in
-- the transaction that queues the check-in, so a restart neither repeats nor loses one.
ALTER TABLE pairs ADD COLUMN last_checkin_due BIGINT;

CREATE TABLE checkins (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    pair_id       INTEGER NOT NULL REFERENCES pairs (id),
    -- The schedule time this check-in answers (not when it was delivered).
    due_at        BIGINT NOT NULL,
    -- The gentler nudge with conversation starters, for a pair that has stalled.
    gentle        INTEGER NOT NULL DEFAULT 0,
    answer        TEXT CHECK (answer IN ('met', 'not_yet')),
    answered_by   TEXT,
    answered_at   BIGINT,
    snoozed_until BIGINT,
    reminded_at   BIGINT,
    created_at    BIGINT NOT NULL,
    UNIQUE (pair_id, due_at)
);
CREATE INDEX checkins_by_pair ON checkins (pair_id, due_at);

-- One person's reflection on a session. The texts are private to the author unless
-- `visibility` says otherwise: 'private' (only me), 'partner', 'owners' (partner and owners).
CREATE TABLE reflections (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    pair_id    INTEGER NOT NULL REFERENCES pairs (id),
    checkin_id INTEGER REFERENCES checkins (id),
    author     TEXT NOT NULL,
    learned    TEXT,
    taught     TEXT,
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    -- JSON list of skill tags the session touched.
    skills     TEXT NOT NULL DEFAULT '[]',
    visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'partner', 'owners')),
    created_at BIGINT NOT NULL
);
CREATE INDEX reflections_by_pair ON reflections (pair_id);
CREATE INDEX reflections_by_author ON reflections (author);
