-- sql/07_audit_log.sql: the security audit trail.
BEGIN;
SELECT plan(48);

-- The columns, as the specification and the package's contract define them (written out
-- here, not read from memtech.managed_column). default_value NULL: no default.
CREATE TEMPORARY TABLE expected_column (
  ord           serial,
  table_name    name,
  column_name   name,
  data_type     text,
  not_null      boolean,
  default_value text
) ON COMMIT DROP;
INSERT INTO expected_column (table_name, column_name, data_type, not_null, default_value) VALUES
  ('audit_log', 'id',            'uuid',                     true,  'gen_random_uuid()'),
  ('audit_log', 'company_id',    'uuid',                     false, NULL),
  ('audit_log', 'action',        'text',                     true,  NULL),
  ('audit_log', 'user_id',       'uuid',                     false, NULL),
  ('audit_log', 'resource_type', 'text',                     true,  NULL),
  ('audit_log', 'resource_id',   'uuid',                     false, NULL),
  ('audit_log', 'details',       'jsonb',                    true,  '{}'),
  ('audit_log', 'ip_address',    'inet',                     false, NULL),
  ('audit_log', 'user_agent',    'text',                     false, NULL),
  ('audit_log', 'timestamp',     'timestamp with time zone', true,  'now()');

-- ---------------------------------------------------------------------------------------
-- Structure
-- ---------------------------------------------------------------------------------------
SELECT has_table('public', 'audit_log', 'table audit_log exists');
SELECT columns_are('public', 'audit_log', ARRAY(SELECT column_name FROM expected_column ORDER BY ord),
  'audit_log has exactly the columns of the specification, and company_id');

SELECT col_type_is('public', table_name, column_name, data_type,
                   format('%s.%s is %s', table_name, column_name, data_type))
  FROM expected_column ORDER BY ord;
SELECT CASE WHEN not_null
            THEN col_not_null('public', table_name, column_name, format('%s.%s is NOT NULL', table_name, column_name))
            ELSE col_is_null('public', table_name, column_name, format('%s.%s may be NULL', table_name, column_name)) END
  FROM expected_column ORDER BY ord;
SELECT CASE WHEN default_value IS NULL
            THEN col_hasnt_default('public', table_name, column_name,
                                   format('%s.%s has no default', table_name, column_name))
            ELSE col_default_is('public', table_name, column_name, default_value,
                                format('%s.%s defaults to %L', table_name, column_name, default_value)) END
  FROM expected_column ORDER BY ord;

SELECT col_is_pk('public', 'audit_log', 'id', 'audit_log.id is the primary key');
SELECT fk_ok('public', 'audit_log', 'user_id', 'public', 'users', 'id',
  'audit_log.user_id references users.id');
-- p primary key, f foreign key, c check; ON DELETE: c cascade, n set null.
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.audit_log'::regclass AND contype <> 'n'$$,
  $$VALUES ('audit_log_pkey', 'p', ' '), ('audit_log_user_id_fkey', 'f', 'n'),
           ('audit_log_action_not_blank', 'c', ' '), ('audit_log_resource_type_not_blank', 'c', ' ')$$,
  'audit_log has exactly its named constraints; entries outlive their user, and company_id has no foreign key to check and lock at every write');

SELECT indexes_are('public', 'audit_log',
  ARRAY['audit_log_pkey', 'idx_audit_log_user', 'idx_audit_log_resource', 'audit_log_company_timestamp_idx'],
  'audit_log has exactly the indexes audit_log_pkey, idx_audit_log_user, idx_audit_log_resource, audit_log_company_timestamp_idx');
SELECT has_index('public', 'audit_log', 'idx_audit_log_user', ARRAY['user_id', '"timestamp"'],
  'idx_audit_log_user is on audit_log (user_id, timestamp)');
SELECT has_index('public', 'audit_log', 'idx_audit_log_resource', ARRAY['resource_type', 'resource_id'],
  'idx_audit_log_resource is on audit_log (resource_type, resource_id)');
SELECT has_index('public', 'audit_log', 'audit_log_company_timestamp_idx', ARRAY['company_id', '"timestamp"'],
  'audit_log_company_timestamp_idx is on audit_log (company_id, timestamp)');
SELECT is_empty(
  $$SELECT i.indexrelid::regclass::text
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
     WHERE i.indrelid = 'public.audit_log'::regclass AND (a.amname <> 'btree' OR i.indpred IS NOT NULL)$$,
  'every index of audit_log is a plain btree index');

-- ---------------------------------------------------------------------------------------
-- Behaviour
-- ---------------------------------------------------------------------------------------
INSERT INTO public.companies (id, name) VALUES
  ('c0000000-0000-4000-8000-000000000001', 'Delorme Bâtiment'),
  ('c0000000-0000-4000-8000-000000000003', 'Entreprise radiée');
INSERT INTO public.users (id, company_id, email, full_name, role) VALUES
  ('a0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'marie@delorme.fr', 'Marie Durand', 'admin'),
  ('a0000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-000000000001', 'luc@delorme.fr', 'Luc Girard', 'user'),
  ('a0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'jean@radiee.fr', 'Jean Martin', 'admin');
INSERT INTO public.audit_log (id, company_id, action, user_id, resource_type, resource_id, ip_address, user_agent) VALUES
  ('10000000-aaaa-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'login', 'a0000000-0000-4000-8000-000000000011', 'users', 'a0000000-0000-4000-8000-000000000011', '192.0.2.10', 'Mozilla/5.0'),
  ('10000000-aaaa-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001', 'update', 'a0000000-0000-4000-8000-000000000001', 'content_blocks', NULL, '2001:db8::1', NULL),
  ('10000000-aaaa-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'login', 'a0000000-0000-4000-8000-000000000003', 'users', 'a0000000-0000-4000-8000-000000000003', NULL, NULL),
  ('10000000-aaaa-4000-8000-000000000004', NULL, 'install', NULL, 'schema', NULL, NULL, NULL);

SELECT results_eq(
  $$INSERT INTO public.audit_log (action, resource_type) VALUES ('purge', 'files')
    RETURNING company_id IS NULL, user_id IS NULL, details, "timestamp" = now()$$,
  $$VALUES (true, true, '{}'::jsonb, true)$$,
  'an entry needs only an action and a resource type; details default to {} and timestamp to now()');
SELECT throws_ok(
  $$INSERT INTO public.audit_log (action, resource_type) VALUES (' ', 'files')$$,
  '23514', 'new row for relation "audit_log" violates check constraint "audit_log_action_not_blank"',
  'an audit entry needs an action that is not blank');
SELECT throws_ok(
  $$INSERT INTO public.audit_log (action, resource_type) VALUES ('delete', '')$$,
  '23514', 'new row for relation "audit_log" violates check constraint "audit_log_resource_type_not_blank"',
  'an audit entry needs a resource type that is not blank');
SELECT throws_ok(
  $$INSERT INTO public.audit_log (action, resource_type, user_id) VALUES ('login', 'users', 'a0000000-0000-4000-8000-0000000000ff')$$,
  '23503', 'insert or update on table "audit_log" violates foreign key constraint "audit_log_user_id_fkey"',
  'audit_log.user_id must name an existing user');
SELECT throws_ok(
  $$INSERT INTO public.audit_log (action, resource_type, ip_address) VALUES ('login', 'users', '999.0.0.1')$$,
  '22P02', 'invalid input syntax for type inet: "999.0.0.1"',
  'audit_log.ip_address holds only valid addresses');

-- Deleting a user keeps their trail.
DELETE FROM public.users WHERE id = 'a0000000-0000-4000-8000-000000000011';
SELECT results_eq(
  $$SELECT id, user_id, resource_id FROM public.audit_log WHERE id = '10000000-aaaa-4000-8000-000000000001'$$,
  $$VALUES ('10000000-aaaa-4000-8000-000000000001'::uuid, NULL::uuid, 'a0000000-0000-4000-8000-000000000011'::uuid)$$,
  'deleting a user keeps their audit entries, with user_id set to NULL');

-- Deleting a company keeps its trail as it was written (its users' ids go).
DELETE FROM public.companies WHERE id = 'c0000000-0000-4000-8000-000000000003';
SELECT results_eq(
  $$SELECT id, company_id, user_id FROM public.audit_log WHERE id = '10000000-aaaa-4000-8000-000000000003'$$,
  $$VALUES ('10000000-aaaa-4000-8000-000000000003'::uuid, 'c0000000-0000-4000-8000-000000000003'::uuid, NULL::uuid)$$,
  'deleting a company keeps its audit entries with its id; the deleted users'' ids become NULL');
SELECT results_eq(
  $$SELECT company_id FROM public.audit_log WHERE id IN ('10000000-aaaa-4000-8000-000000000001', '10000000-aaaa-4000-8000-000000000002')$$,
  $$VALUES ('c0000000-0000-4000-8000-000000000001'::uuid), ('c0000000-0000-4000-8000-000000000001'::uuid)$$,
  'deleting a company leaves the other companies'' entries alone');

SELECT * FROM finish();
ROLLBACK;
