-- What a round was planned from: a fingerprint of the optimiser's input (people, rules,
-- weights, history, seed). A preview is confirmed as previewed only while the program's
-- input still has this fingerprint; NULL (rounds stored before it existed) never matches.
ALTER TABLE rounds ADD COLUMN inputs_hash TEXT;
