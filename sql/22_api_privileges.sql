-- What the API roles may attempt at all; row level security then decides on which rows.
-- authenticated gets the commands its policies allow, and nothing more; anon gets
-- nothing. No API role may TRUNCATE (it ignores row level security) nor add triggers or
-- foreign keys. Supabase grants all of these on new tables by default, so this module
-- makes the grants exact rather than only adding some, and keeps re-runs silent by
-- changing only what differs. A secret column (users.password_hash) is never granted:
-- clients select named columns of such a table. Everything here follows the manifest.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('privileges of the API roles'); END $$;

DO $$
DECLARE
  t record;
  c record;
BEGIN
  FOR t IN SELECT * FROM pg_temp.memtech_tenant_table ORDER BY table_name LOOP
    -- authenticated: the commands of the manifest's role sets, on the whole table, or on the
    -- columns the manifest names: every column but the secret ones to read, the listed ones
    -- to insert or update. The table first: revoking there takes the column grants too.
    PERFORM pg_temp.memtech_grant_exactly(t.table_name, 'authenticated', ARRAY(
      SELECT x.command FROM (VALUES ('SELECT', t.select_by, cardinality(t.secret_columns) > 0),
                                    ('INSERT', t.insert_by, t.insert_columns IS NOT NULL),
                                    ('UPDATE', t.update_by, t.update_columns IS NOT NULL),
                                    ('DELETE', t.delete_by, false)) AS x (command, role_set, by_column)
       WHERE x.role_set IS NOT NULL AND NOT x.by_column));
    FOR c IN
      SELECT x.command, x.columns
        FROM (VALUES
          ('SELECT', t.select_by, CASE WHEN cardinality(t.secret_columns) > 0 THEN ARRAY(
             SELECT a.attname::text FROM pg_attribute a
              WHERE a.attrelid = format('public.%I', t.table_name)::regclass AND a.attnum > 0 AND NOT a.attisdropped
                AND a.attname <> ALL (t.secret_columns) ORDER BY a.attnum) END),
          ('INSERT', t.insert_by, t.insert_columns),
          ('UPDATE', t.update_by, t.update_columns)) AS x (command, role_set, columns)
       WHERE x.role_set IS NOT NULL AND x.columns IS NOT NULL
    LOOP
      PERFORM pg_temp.memtech_grant_columns_exactly(t.table_name, 'authenticated', c.command, c.columns);
    END LOOP;
    -- anon: nothing, on the table or any column.
    PERFORM pg_temp.memtech_grant_exactly(t.table_name, 'anon', '{}');
    PERFORM pg_temp.memtech_grant_columns_exactly(t.table_name, 'anon', p, '{}')
       FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) p;
    IF EXISTS (SELECT 1 FROM pg_class rel, aclexplode(rel.relacl) a
                WHERE rel.oid = format('public.%I', t.table_name)::regclass AND a.grantee = 0 AND a.privilege_type = 'TRUNCATE') THEN
      EXECUTE format('REVOKE TRUNCATE ON public.%I FROM PUBLIC', t.table_name);
    END IF;
  END LOOP;

  -- The helpers the policies call run with the caller's rights: the caller executes them
  -- and reads its own row of memtech.active_member.
  IF NOT has_schema_privilege('authenticated', 'memtech', 'USAGE') THEN
    GRANT USAGE ON SCHEMA memtech TO authenticated;
  END IF;
  IF NOT has_table_privilege('authenticated', 'memtech.active_member', 'SELECT') THEN
    GRANT SELECT ON memtech.active_member TO authenticated;
  END IF;
END
$$;
GRANT EXECUTE ON FUNCTION memtech.current_user_id(), memtech.current_company_id(), memtech.current_company_id(public.user_role[]),
  memtech.current_user_role() TO authenticated;
