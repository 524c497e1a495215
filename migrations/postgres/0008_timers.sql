-- One table for every timer's mark, in place of one `last_*` column per kind: the time
-- the latest firing was due (a check-in's due time, a snooze's end, a digest's or an
-- automatic round's cron time, a round's end). The scheduler writes the mark in the
-- transaction that queues the timer's event, so a restart neither repeats nor loses it.
-- Kinds: checkin (a pair), remind (a check-in), digest and round (a program), round-end (a round).
CREATE TABLE timers (
    kind       TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    fired_for  BIGINT NOT NULL,
    PRIMARY KEY (kind, subject_id)
);

INSERT INTO timers (kind, subject_id, fired_for)
    SELECT 'checkin', id, last_checkin_due FROM pairs WHERE last_checkin_due IS NOT NULL;
INSERT INTO timers (kind, subject_id, fired_for)
    SELECT 'remind', id, snoozed_until FROM checkins WHERE reminded_at IS NOT NULL AND snoozed_until IS NOT NULL;
INSERT INTO timers (kind, subject_id, fired_for)
    SELECT 'digest', id, last_digest_at FROM programs WHERE last_digest_at IS NOT NULL;
INSERT INTO timers (kind, subject_id, fired_for)
    SELECT 'round', id, last_auto_match_at FROM programs WHERE last_auto_match_at IS NOT NULL;
INSERT INTO timers (kind, subject_id, fired_for)
    SELECT 'round-end', id, ended_at FROM rounds WHERE ended_at IS NOT NULL;

ALTER TABLE pairs DROP COLUMN last_checkin_due;
ALTER TABLE checkins DROP COLUMN reminded_at;
ALTER TABLE programs DROP COLUMN last_digest_at;
ALTER TABLE programs DROP COLUMN last_auto_match_at;
ALTER TABLE rounds DROP COLUMN ended_at;

-- A failed inbox entry waits until `retry_at` (a growing backoff) before its next attempt.
ALTER TABLE inbox ADD COLUMN retry_at BIGINT;
