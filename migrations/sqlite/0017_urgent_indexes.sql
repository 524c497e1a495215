-- Forms first: the claims look for urgent rows (a form to open) before any other, on
-- every claim. SQLite's planner, which keeps no statistics here, chose the plain
-- pending-rows indexes for that search over 0009's partial ones, so each claim walked
-- every waiting row (a launch-day backlog of thousands, sorted on the outbox) to find
-- none. Indexes that lead with `urgent` give the planner more equal columns to match,
-- which it prefers, and keep only urgent rows.
DROP INDEX inbox_urgent;
CREATE INDEX inbox_urgent ON inbox (urgent, processed_at, id) WHERE urgent = 1;
DROP INDEX outbox_urgent;
CREATE INDEX outbox_urgent ON outbox (urgent, sent_at, dead_at, id) WHERE urgent = 1;
