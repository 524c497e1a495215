-- What makes it reverse mentoring: seniority levels with a minimum gap between a pair's
-- junior and senior, and exits either side can take privately.

-- The program's ladder position (e.g. 1 = intern ... 8 = executive); NULL: not given.
ALTER TABLE participants ADD COLUMN level INTEGER;
-- The mentor must be at least this many levels below the mentee (0: no rule).
ALTER TABLE programs ADD COLUMN min_level_gap INTEGER NOT NULL DEFAULT 2;
-- Whether someone who leaves a pair is matched again at once rather than next round.
ALTER TABLE programs ADD COLUMN mid_round_matching INTEGER NOT NULL DEFAULT 0;

-- A pair ended by one of its people ("this pairing isn't working", /mentoring rematch):
-- the reason is theirs; owners read it only when `exit_shared` says so.
ALTER TABLE pairs ADD COLUMN exit_reason TEXT;
ALTER TABLE pairs ADD COLUMN exit_shared INTEGER NOT NULL DEFAULT 0;
