-- When the whole directory (users.list) was last read into the cache: a restart within
-- a day of that does not read it again, as 80,000 people take 20 minutes at Tier 2's
-- pace and a restart on launch day would spend them while people join.
ALTER TABLE workspaces ADD COLUMN directory_read_at BIGINT;
