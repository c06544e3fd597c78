-- Tenant isolation, enforced by the database for every role that does not bypass row
-- level security. Each table has RLS enabled and forced (the owner is bound too) and:
--   * one RESTRICTIVE policy, <table>_tenant_isolation, that keeps every command inside
--     the acting user's company. Restrictive policies are ANDed with everything else, so
--     a permissive policy the application adds can widen access within the company but
--     never across companies. It applies to every role (an unknown user has no company).
--   * PERMISSIVE policies for authenticated, one per command a role may run:
--     members (any role) read; editors (admin, user) write the working data; admins
--     manage users and the company profile and read the audit log.
-- anon has no permissive policy: it sees and changes nothing.
-- Policies call the helpers as (SELECT ...) so that PostgreSQL runs them once per
-- statement, and every tenant path is an indexed company_id (or memoires' for chunks).

DO $$ BEGIN PERFORM pg_temp.memtech_notice('row level security and policies'); END $$;

DO $$
DECLARE
  t text;
  -- The role test is inside the (SELECT ...): one boolean computed once per statement,
  -- which the planner takes as what it is, rather than a comparison it would estimate to
  -- keep a fraction of the rows (and plan for a handful of rows of a large company).
  editors constant text := $e$(SELECT memtech.current_user_role() IN ('admin', 'user'))$e$;
  admins  constant text := $e$(SELECT memtech.current_user_role() = 'admin')$e$;
  own_company constant text := 'company_id = (SELECT memtech.current_company_id())';
BEGIN
  -- The working data: one shape for all.
  FOREACH t IN ARRAY ARRAY['content_blocks', 'files', 'block_files', 'past_projects', 'section_templates',
                           'projects', 'memoires', 'sections', 'document_chunks', 'rc_analysis',
                           'content_matches', 'generation_requests'] LOOP
    PERFORM pg_temp.memtech_policy(t, 'tenant_isolation', 'ALL', 'public', true,
      CASE t WHEN 'document_chunks'
        -- document_chunks keeps its v0 structure: a chunk is its memoire's company's.
        THEN 'memoire_id IN (SELECT m.id FROM public.memoires m WHERE m.company_id = (SELECT memtech.current_company_id()))'
        ELSE own_company END);
    PERFORM pg_temp.memtech_policy(t, 'members_read', 'SELECT', 'authenticated', false, 'true');
    PERFORM pg_temp.memtech_policy(t, 'editors_insert', 'INSERT', 'authenticated', false, editors);
    PERFORM pg_temp.memtech_policy(t, 'editors_update', 'UPDATE', 'authenticated', false, editors);
    PERFORM pg_temp.memtech_policy(t, 'editors_delete', 'DELETE', 'authenticated', false, editors);
  END LOOP;

  PERFORM pg_temp.memtech_policy('companies', 'tenant_isolation', 'ALL', 'public', true,
    'id = (SELECT memtech.current_company_id())');
  PERFORM pg_temp.memtech_policy('companies', 'members_read', 'SELECT', 'authenticated', false, 'true');
  PERFORM pg_temp.memtech_policy('companies', 'admins_update', 'UPDATE', 'authenticated', false, admins);

  PERFORM pg_temp.memtech_policy('users', 'tenant_isolation', 'ALL', 'public', true, own_company);
  PERFORM pg_temp.memtech_policy('users', 'members_read', 'SELECT', 'authenticated', false, 'true');
  PERFORM pg_temp.memtech_policy('users', 'admins_insert', 'INSERT', 'authenticated', false, admins);
  -- Everyone may edit their own profile; what they may not change there is the trigger's job.
  PERFORM pg_temp.memtech_policy('users', 'admins_or_self_update', 'UPDATE', 'authenticated', false,
    admins || ' OR id = (SELECT memtech.current_user_id())');

  -- Block tags are written by the triggers of content_blocks only: members read them.
  PERFORM pg_temp.memtech_policy('content_block_tags', 'tenant_isolation', 'ALL', 'public', true, own_company);
  PERFORM pg_temp.memtech_policy('content_block_tags', 'members_read', 'SELECT', 'authenticated', false, 'true');

  PERFORM pg_temp.memtech_policy('audit_log', 'tenant_isolation', 'ALL', 'public', true, own_company);
  PERFORM pg_temp.memtech_policy('audit_log', 'admins_read', 'SELECT', 'authenticated', false, admins);

  FOREACH t IN ARRAY ARRAY['companies', 'users', 'content_blocks', 'content_block_tags', 'files', 'block_files',
                           'past_projects', 'section_templates', 'audit_log', 'projects', 'memoires', 'sections',
                           'document_chunks', 'rc_analysis', 'content_matches', 'generation_requests'] LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END
$$;
