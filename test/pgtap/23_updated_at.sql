-- updated_at is kept by a trigger on every table that has it.
BEGIN;
SELECT plan(4);

SELECT is_empty($$
  SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'updated_at'
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
     AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid
                       AND t.tgfoid = 'memtech.touch_updated_at()'::regprocedure)
$$, 'every table with updated_at has the trigger that keeps it');

SELECT set_eq($$
  SELECT c.relname::text FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'updated_at'
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
$$, $$SELECT table_name FROM memtech.managed_column WHERE column_name = 'updated_at'$$,
  'the tables whose DDL adds updated_at have it, and no other');

INSERT INTO companies (id, name, updated_at) VALUES ('c0000000-0000-4000-8000-000000000013', 'Horloge SA', '2001-01-01');
UPDATE companies SET name = 'Horloge SAS', updated_at = '1999-12-31' WHERE id = 'c0000000-0000-4000-8000-000000000013';
SELECT is((SELECT updated_at FROM companies WHERE id = 'c0000000-0000-4000-8000-000000000013'), now(),
  'an update sets updated_at to the transaction''s time, whatever the client sent');

-- A writer whose search_path puts a schema of its own before pg_catalog, with a now() there.
CREATE SCHEMA clock;
CREATE FUNCTION clock.now() RETURNS timestamptz LANGUAGE sql RETURN '1999-12-31'::timestamptz;
SET LOCAL search_path = clock, pg_catalog, public;
UPDATE companies SET name = 'Horloge' WHERE id = 'c0000000-0000-4000-8000-000000000013';
RESET search_path;
SELECT is((SELECT updated_at FROM companies WHERE id = 'c0000000-0000-4000-8000-000000000013'), pg_catalog.now(),
  'a writer''s search_path cannot choose the time the trigger writes');

SELECT * FROM finish();
ROLLBACK;
