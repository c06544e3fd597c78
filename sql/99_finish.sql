-- Last step: finish converging a database that held parts of the schema, keep the column
-- contract for the tests, and say that the install is complete.

-- Columns that existed before the install keep their data; where the package requires a
-- value and they allow NULL, require it now (this fails, naming the column, if a NULL is
-- still there).
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN
    SELECT e.table_name, e.column_name
      FROM pg_temp.memtech_expected_column e
      JOIN pg_attribute a ON a.attrelid = ('public.' || quote_ident(e.table_name))::regclass
                         AND a.attname = e.column_name AND NOT a.attisdropped
     WHERE e.not_null AND NOT a.attnotnull
  LOOP
    PERFORM pg_temp.memtech_notice('requiring a value in %s.%s', c.table_name, c.column_name);
    EXECUTE format('ALTER TABLE public.%I ALTER COLUMN %I SET NOT NULL', c.table_name, c.column_name);
  END LOOP;
END
$$;

INSERT INTO memtech.managed_column (table_name, column_name, data_type, not_null)
SELECT table_name, column_name, data_type, not_null FROM pg_temp.memtech_expected_column
ON CONFLICT (table_name, column_name) DO UPDATE
  SET data_type = excluded.data_type, not_null = excluded.not_null
WHERE (memtech.managed_column.data_type, memtech.managed_column.not_null)
      IS DISTINCT FROM (excluded.data_type, excluded.not_null);
DELETE FROM memtech.managed_column m
 WHERE NOT EXISTS (SELECT 1 FROM pg_temp.memtech_expected_column e
                    WHERE e.table_name = m.table_name AND e.column_name = m.column_name);

DO $$ BEGIN PERFORM pg_temp.memtech_notice('version %s installed', memtech.installed_version()); END $$;
