-- Reverse mentoring's two-way promise: each person's goal for their pair, confidence
-- ratings before (at joining) and after (at the end of a round), and a mentor's consent
-- to be thanked. Times are Unix seconds, so the same SQL runs on PostgreSQL.

-- How long a round lasts, in weeks: its end asks everyone again and thanks mentors.
ALTER TABLE programs ADD COLUMN round_length_weeks INTEGER NOT NULL DEFAULT 12;
-- When a confirmed round's end was started: the scheduler's mark, written in the
-- transaction that queues the event, so a restart neither repeats nor loses it.
ALTER TABLE rounds ADD COLUMN ended_at BIGINT;

-- One goal per person and pair, in their own words: private to the pair (owners never
-- read it). `done_at` is set when its author marks it done.
CREATE TABLE goals (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    pair_id    INTEGER NOT NULL REFERENCES pairs (id),
    author     TEXT NOT NULL,
    goal       TEXT NOT NULL,
    done_at    BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (pair_id, author)
);

-- A 1-5 confidence rating. Mentees rate each skill they want to learn (`topic` is the
-- skill); mentors rate `teaching` and `domain` (the senior's field). A later answer of
-- the same phase replaces the earlier one. Only figures, never text.
CREATE TABLE confidence (
    program_id INTEGER NOT NULL REFERENCES programs (id),
    user_id    TEXT NOT NULL,
    side       TEXT NOT NULL CHECK (side IN ('mentor', 'mentee')),
    phase      TEXT NOT NULL CHECK (phase IN ('before', 'after')),
    topic      TEXT NOT NULL,
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (program_id, user_id, side, phase, topic)
);

-- A mentor's opt-in to a thank-you at the end of a round, and whom else to tell (e.g.
-- their manager), only when they agreed to that too. No row: no recognition.
CREATE TABLE recognition (
    program_id INTEGER NOT NULL REFERENCES programs (id),
    user_id    TEXT NOT NULL,
    tell_user  TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (program_id, user_id)
);
