-- Owners' view: owners added from Slack (beside UPWARD_OWNERS), the audit trail of
-- owner actions, and each program's weekly digest.

CREATE TABLE owners (
    team_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    added_by   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

-- Who did what as an owner, and when. Never holds reflection text.
-- `inbox_id` is the request the action answered: a retried request is audited once.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id    TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    inbox_id   BIGINT UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_by_team ON audit (team_id, id);

-- Six-field cron for the owners' digest (read in the program's time zone); NULL: none.
ALTER TABLE programs ADD COLUMN digest_schedule TEXT DEFAULT '0 0 9 * * MON';
-- The last scheduled time a digest was started for.
ALTER TABLE programs ADD COLUMN last_digest_at BIGINT;
