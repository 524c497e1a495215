-- Launch day: many people at once, each in order.
-- An inbox entry belongs to a lane (one person, or one pair, program or round for the
-- scheduler's events): entries of different lanes are handled concurrently, one lane's
-- in arrival order. `claimed_until` is the lease of the worker handling it. `urgent`
-- entries carry a trigger id Slack honours for three seconds (they open a form): they
-- are handled first.
ALTER TABLE inbox ADD COLUMN lane TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN claimed_until BIGINT;
ALTER TABLE inbox ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
CREATE INDEX inbox_lane ON inbox (lane, id) WHERE processed_at IS NULL;
CREATE INDEX inbox_urgent ON inbox (id) WHERE processed_at IS NULL AND urgent = 1;

-- Outbox rows that open a form go before everything else; rows into one conversation
-- go in the order they were queued.
ALTER TABLE outbox ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_pending_channel ON outbox (channel_key, id) WHERE sent_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_urgent ON outbox (id) WHERE urgent = 1 AND sent_at IS NULL AND dead_at IS NULL;
-- The dispatcher claims method by method: each method's due rows in order.
CREATE INDEX outbox_by_method ON outbox (pace_method, not_before, id) WHERE sent_at IS NULL AND dead_at IS NULL;

-- How long a round's optimiser may search before the best round so far is used (and
-- the preview says how close it is to the best possible).
ALTER TABLE programs ADD COLUMN match_budget_secs INTEGER NOT NULL DEFAULT 30;
