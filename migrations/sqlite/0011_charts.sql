-- The owners' chart as last uploaded to Slack: the hash of the figures it draws and
-- Slack's file id, so the App Home shows the same file until the figures change instead
-- of uploading a new PNG at every open.
CREATE TABLE charts (
    figures_hash TEXT PRIMARY KEY,
    file_id      TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
