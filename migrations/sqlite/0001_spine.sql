-- The bot's spine: workspaces, programs and their people, plus the durable inbox and
-- outbox that sit between Slack and the handlers. Times are Unix seconds (UTC), dates
-- ISO text: the same SQL must run on SQLite and, later, PostgreSQL.

CREATE TABLE workspaces (
    team_id     TEXT PRIMARY KEY,
    bot_user_id TEXT,
    created_at  BIGINT NOT NULL
);

CREATE TABLE programs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id    TEXT NOT NULL REFERENCES workspaces (team_id),
    name       TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (team_id, name)
);

-- The skill tags a program offers in its join modal; people may add free tags too.
CREATE TABLE program_skills (
    program_id INTEGER NOT NULL REFERENCES programs (id),
    tag        TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (program_id, tag)
);

CREATE TABLE participants (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    program_id   INTEGER NOT NULL REFERENCES programs (id),
    user_id      TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('mentor', 'mentee', 'both')),
    teach_skills TEXT NOT NULL DEFAULT '[]',
    learn_skills TEXT NOT NULL DEFAULT '[]',
    department   TEXT,
    goals        TEXT,
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'left')),
    paused_until TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (program_id, user_id)
);

-- What users.info told us, so a time zone costs one Slack call per person, not per event.
CREATE TABLE slack_users (
    team_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    tz         TEXT,
    real_name  TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

-- Every accepted event, command and interaction, written before Slack gets its ack.
-- dedupe_key is Slack's event_id (or the trigger id), so a retried delivery is kept once.
CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key   TEXT NOT NULL UNIQUE,
    payload      TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    processed_at BIGINT
);
CREATE INDEX inbox_pending ON inbox (processed_at, id);

-- Every Slack call that matters, written in the transaction of the change that causes it.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    method        TEXT NOT NULL,
    channel_key   TEXT NOT NULL,
    payload       TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    BIGINT NOT NULL,
    claimed_until BIGINT,
    last_error    TEXT,
    created_at    BIGINT NOT NULL,
    sent_at       BIGINT,
    dead_at       BIGINT
);
CREATE INDEX outbox_due ON outbox (sent_at, dead_at, not_before);
