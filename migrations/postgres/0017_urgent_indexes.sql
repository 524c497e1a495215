-- SQLite's 0017 reshapes the urgent-row indexes for its planner, which keeps no
-- statistics. PostgreSQL's planner already searches 0009's partial indexes for urgent
-- rows; nothing changes here, and the numbering stays in step.
SELECT 1;
