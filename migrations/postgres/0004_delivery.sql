-- Delivery under Slack's rate limits: the group DMs already opened, and the method each
-- outbox row's next attempt starts with, by which the dispatcher paces it.

-- The group DM Slack opened for a set of people (`users`: their ids sorted and joined by
-- commas, as the outbox's channel_key), written as soon as conversations.open answers, so
-- a retried post and every later message to the same people skip that Tier 3 call.
CREATE TABLE group_dms (
    users      TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The Slack method whose workspace limit decides when the row may go next:
-- conversations.open for a group message whose DM is not known yet, else `method`.
ALTER TABLE outbox ADD COLUMN pace_method TEXT NOT NULL DEFAULT '';
UPDATE outbox SET pace_method = CASE WHEN payload LIKE '{"type":"group_message"%'
                                     THEN 'conversations.open' ELSE method END;

-- The dispatcher's claim and its wake-up time read only these columns of waiting rows,
-- so with thousands held back by the pacer neither touches the payloads. It starts with
-- outbox_due's columns, which it replaces.
DROP INDEX outbox_due;
CREATE INDEX outbox_claim ON outbox (sent_at, dead_at, not_before, id, pace_method, channel_key, claimed_until);
