-- A program's display name, free text with spaces ("Finance reverse mentoring 2027"),
-- beside `name`, the one-word handle commands use (`program:finance-reverse-mentoring-2027`).
-- NULL shows the handle, as before.
ALTER TABLE programs ADD COLUMN title TEXT;

-- When a person last joined and last left a program. The weekly digest counted joins by
-- `created_at` (a person who left and came back was never counted again) and leaves by
-- `updated_at` (forget-me touches rows that left long ago, counting them again).
ALTER TABLE participants ADD COLUMN joined_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE participants ADD COLUMN left_at BIGINT;
UPDATE participants SET joined_at = created_at;
UPDATE participants SET left_at = updated_at WHERE status = 'left';
