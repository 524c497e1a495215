-- Slack's bad days (issue 16): what the outbox needs to retry on a time budget rather
-- than an attempt count, to count the outcomes it could not read, and to tell an owner
-- once about a backlog.

-- Calls whose outcome was unknown (timeout, dropped connection): each may have been
-- repeated once by the retry that followed.
ALTER TABLE outbox ADD COLUMN ambiguous INTEGER NOT NULL DEFAULT 0;
-- When the row's retry budget started, if not at created_at (a row re-driven by hand
-- with `upward outbox retry` gets a fresh budget).
ALTER TABLE outbox ADD COLUMN retry_since BIGINT;

-- Owners were told that messages have been waiting (raised_at); the alert is re-armed
-- once nothing is waiting that long any more (cleared_at).
CREATE TABLE outbox_alerts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    raised_at  BIGINT NOT NULL,
    cleared_at BIGINT,
    created_at BIGINT NOT NULL
);
