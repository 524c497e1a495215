-- Several replicas on one PostgreSQL database: a role only one of them may play at a
-- time (the outbox's sender, which paces the whole deployment to Slack's limits) is
-- held under a lease that its holder renews; when a replica dies, its lease runs out
-- and another takes the role over.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    held_until BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
