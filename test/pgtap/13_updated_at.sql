-- updated_at is kept by a trigger on every table that has it.
BEGIN;
SELECT plan(3);

SELECT is_empty($$
  SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'updated_at'
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
     AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid
                       AND t.tgfoid = 'memtech.touch_updated_at()'::regprocedure)
$$, 'every table with updated_at has the trigger that keeps it');

SELECT set_eq($$
  SELECT c.relname::text FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'updated_at'
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
$$, ARRAY['companies', 'users', 'content_blocks', 'past_projects', 'section_templates', 'projects', 'sections'],
  'the tables people edit have updated_at');

INSERT INTO companies (id, name, updated_at) VALUES ('c0000000-0000-4000-8000-000000000013', 'Horloge SA', '2001-01-01');
UPDATE companies SET name = 'Horloge SAS', updated_at = '1999-12-31' WHERE id = 'c0000000-0000-4000-8000-000000000013';
SELECT is((SELECT updated_at FROM companies WHERE id = 'c0000000-0000-4000-8000-000000000013'), now(),
  'an update sets updated_at to the transaction''s time, whatever the client sent');

SELECT * FROM finish();
ROLLBACK;
