-- Bringing a company in without typing: the org-chart import and channel opt-in.

-- People's work emails as Slack gives them (users.list, users.lookupByEmail), so an
-- import looks up only the emails the directory does not already know.
ALTER TABLE slack_users ADD COLUMN email TEXT;
CREATE INDEX slack_users_email ON slack_users (team_id, email);

-- Emails Slack said nobody has (users_not_found), and when: a Slack upload, which may
-- look up only so many emails, does not ask about them again within the hour, so
-- uploading a file again goes on with the emails not yet asked.
CREATE TABLE email_misses (
    team_id    TEXT NOT NULL,
    email      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, email)
);

-- Each org-chart import: who asked, from which file, its dry run (JSON: the changes,
-- applied as they are when the owner confirms, and the rows it could not use) and its
-- figures.
CREATE TABLE imports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id      TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    source       TEXT NOT NULL,
    plan         TEXT NOT NULL,
    rows_read    BIGINT NOT NULL DEFAULT 0,
    updated      BIGINT NOT NULL DEFAULT 0,
    unchanged    BIGINT NOT NULL DEFAULT 0,
    unmatched    BIGINT NOT NULL DEFAULT 0,
    refused      BIGINT NOT NULL DEFAULT 0,
    status       TEXT NOT NULL DEFAULT 'dry_run',
    created_at   BIGINT NOT NULL,
    applied_at   BIGINT
);

-- The header names an owner's next uploaded file is read with (`/mentoring import
-- email=Work Email,...`), as JSON.
CREATE TABLE import_columns (
    team_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    columns    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

-- What the org chart says of each person, workspace-wide: joining fills a profile's
-- empty level, department and manager from it, and a later import changes a
-- participant's field only where it still holds the chart's previous value, so a
-- person's own correction is never overwritten.
CREATE TABLE org_chart (
    team_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    email      TEXT NOT NULL,
    level      INTEGER,
    department TEXT,
    manager    TEXT,
    import_id  BIGINT NOT NULL REFERENCES imports (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

-- The channel whose newcomers are invited to a program (`program set channel`).
ALTER TABLE programs ADD COLUMN channel_id TEXT;

-- Who was invited to a program by joining its channel, so owners see how many joined
-- that way; one row per person and program.
CREATE TABLE channel_invites (
    program_id BIGINT NOT NULL REFERENCES programs (id),
    user_id    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (program_id, user_id)
);
