-- Forms of reverse mentoring besides rounds of ongoing pairs. One-time sessions: a
-- mentee asks for one hour on one skill, mentors who opted in are asked one at a time
-- until one accepts. Booleans are INTEGER 0/1 and times Unix seconds, so the same SQL
-- runs on PostgreSQL.

-- Whether a mentor takes one-time session requests (from their profile).
ALTER TABLE participants ADD COLUMN one_time INTEGER NOT NULL DEFAULT 0;
-- How long an asked mentor has to answer before the next candidate is asked.
ALTER TABLE programs ADD COLUMN session_hours INTEGER NOT NULL DEFAULT 24;

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    program_id  INTEGER NOT NULL REFERENCES programs (id),
    mentee_id   INTEGER NOT NULL REFERENCES participants (id),
    -- The skill as the program's catalogue or the mentors spell it.
    skill       TEXT NOT NULL,
    question    TEXT,
    -- asking (a mentor is asked), matched (one accepted), held (they met),
    -- unmet (nobody available or nobody accepted).
    status      TEXT NOT NULL CHECK (status IN ('asking', 'matched', 'held', 'unmet')),
    mentor_id   INTEGER REFERENCES participants (id),
    created_at  BIGINT NOT NULL,
    matched_at  BIGINT,
    held_at     BIGINT
);
CREATE INDEX sessions_by_program ON sessions (program_id, status);
CREATE INDEX sessions_by_mentee ON sessions (mentee_id, status);

-- Each mentor asked for a session, in order; `answer` stays NULL while they may still
-- answer. The scheduler's timer `session` is marked with the `asked_at` it expired.
CREATE TABLE session_offers (
    session_id  INTEGER NOT NULL REFERENCES sessions (id),
    mentor_id   INTEGER NOT NULL REFERENCES participants (id),
    asked_at    BIGINT NOT NULL,
    answer      TEXT CHECK (answer IN ('accepted', 'declined', 'expired')),
    answered_at BIGINT,
    PRIMARY KEY (session_id, mentor_id)
);
CREATE INDEX session_offers_open ON session_offers (answer, asked_at);

-- A session's reflections, with the same fields and privacy as a pair's (`reflections`).
CREATE TABLE session_reflections (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    author     TEXT NOT NULL,
    learned    TEXT,
    taught     TEXT,
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    skills     TEXT NOT NULL DEFAULT '[]',
    visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'partner', 'owners')),
    created_at BIGINT NOT NULL
);
CREATE INDEX session_reflections_by_session ON session_reflections (session_id);

-- Circles: with `circle_size` set, one junior mentor meets up to that many seniors
-- together in one group conversation (NULL: pairs). A mentor's live pairs marked
-- `circle` are one circle: one conversation, one check-in, a reflection per person.
ALTER TABLE programs ADD COLUMN circle_size INTEGER;
ALTER TABLE pairs ADD COLUMN circle INTEGER NOT NULL DEFAULT 0;

-- Project pairs: a senior (the project's lead, a mentee) wants a junior beside them on
-- one project until its end date. Owners create them, and mentees too where
-- `mentee_projects` allows; an owner picks the junior from the bot's proposal.
ALTER TABLE programs ADD COLUMN mentee_projects INTEGER NOT NULL DEFAULT 0;
CREATE TABLE projects (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    program_id  INTEGER NOT NULL REFERENCES programs (id),
    lead_id     INTEGER NOT NULL REFERENCES participants (id),
    goal        TEXT NOT NULL,
    skills      TEXT NOT NULL DEFAULT '[]',
    -- The last day of the project (ISO date, UTC): the pair ends the day after.
    ends_on     TEXT NOT NULL,
    -- proposed (waiting for an owner's pick), live (its pair meets), ended.
    status      TEXT NOT NULL CHECK (status IN ('proposed', 'live', 'ended')),
    created_by  TEXT NOT NULL,
    pair_id     INTEGER REFERENCES pairs (id),
    created_at  BIGINT NOT NULL,
    ended_at    BIGINT
);
CREATE INDEX projects_by_program ON projects (program_id, status);
-- A project's pair sits in a round of its own, so pairs keep one shape; rounds with a
-- project are left out of the rounds' figures.
ALTER TABLE rounds ADD COLUMN project_id INTEGER REFERENCES projects (id);
-- Each person's answer in the closing reflection: did the project reach its goal?
CREATE TABLE project_answers (
    project_id INTEGER NOT NULL REFERENCES projects (id),
    author     TEXT NOT NULL,
    reached    TEXT NOT NULL CHECK (reached IN ('yes', 'partly', 'no')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, author)
);
