-- What the API roles may attempt at all; row level security then decides on which rows.
-- authenticated gets the commands its policies allow, and nothing more; anon gets
-- nothing. No API role may TRUNCATE (it ignores row level security) nor add triggers or
-- foreign keys. Supabase grants all of these on new tables by default, so this module
-- makes the grants exact rather than only adding some, and keeps re-runs silent by
-- changing only what differs. users.password_hash is never granted: clients select
-- named columns of users.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('privileges of the API roles'); END $$;

DO $$
DECLARE
  t text;
  api_role text;
BEGIN
  FOREACH t IN ARRAY ARRAY['content_blocks', 'files', 'block_files', 'past_projects', 'section_templates',
                           'projects', 'memoires', 'sections', 'document_chunks', 'rc_analysis',
                           'content_matches', 'generation_requests'] LOOP
    PERFORM pg_temp.memtech_grant_exactly(t, 'authenticated', ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
  END LOOP;
  PERFORM pg_temp.memtech_grant_exactly('companies', 'authenticated', ARRAY['SELECT', 'UPDATE']);
  PERFORM pg_temp.memtech_grant_exactly('content_block_tags', 'authenticated', ARRAY['SELECT']);
  PERFORM pg_temp.memtech_grant_exactly('audit_log', 'authenticated', ARRAY['SELECT']);
  PERFORM pg_temp.memtech_grant_exactly('users', 'authenticated', '{}');
  PERFORM pg_temp.memtech_grant_columns_exactly('users', 'authenticated', 'SELECT',
    ARRAY['id', 'company_id', 'email', 'full_name', 'role', 'is_active', 'created_at', 'last_login', 'updated_at']);
  PERFORM pg_temp.memtech_grant_columns_exactly('users', 'authenticated', 'INSERT',
    ARRAY['id', 'company_id', 'email', 'full_name', 'role', 'is_active']);
  PERFORM pg_temp.memtech_grant_columns_exactly('users', 'authenticated', 'UPDATE',
    ARRAY['email', 'full_name', 'role', 'is_active']);
  FOREACH t IN ARRAY ARRAY['companies', 'users', 'content_blocks', 'content_block_tags', 'files', 'block_files',
                           'past_projects', 'section_templates', 'audit_log', 'projects', 'memoires', 'sections',
                           'document_chunks', 'rc_analysis', 'content_matches', 'generation_requests'] LOOP
    PERFORM pg_temp.memtech_grant_exactly(t, 'anon', '{}');
    PERFORM pg_temp.memtech_grant_columns_exactly(t, 'anon', p, '{}')
       FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) p;
    IF EXISTS (SELECT 1 FROM pg_class c, aclexplode(c.relacl) a
                WHERE c.oid = ('public.' || t)::regclass AND a.grantee = 0 AND a.privilege_type = 'TRUNCATE') THEN
      EXECUTE format('REVOKE TRUNCATE ON public.%I FROM PUBLIC', t);
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
GRANT EXECUTE ON FUNCTION memtech.current_user_id(), memtech.current_company_id(), memtech.current_user_role()
  TO authenticated;
