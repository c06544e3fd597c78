-- Tenant isolation, enforced by the database for every role that does not bypass row
-- level security, on every table of the manifest. Each has RLS enabled and forced (the
-- owner is bound too), and:
--   * one RESTRICTIVE policy, memtech_tenant_isolation, that keeps every command inside the
--     acting user's company. Restrictive policies are ANDed with everything else, so a
--     permissive policy the application adds can widen access within the company but never
--     across companies. It applies to every role (an unknown user has no company).
--   * a PERMISSIVE policy for authenticated per command the manifest lets a role set run
--     (select_by, insert_by, update_by, delete_by), named memtech_<set>_<command>.
-- anon has no permissive policy: it sees and changes nothing.
-- Policies call the helpers as (SELECT ...) so that PostgreSQL runs them once per
-- statement, and every tenant path is an indexed company_id (or memoires' for chunks).

DO $$ BEGIN PERFORM pg_temp.memtech_notice('row level security and policies'); END $$;

DO $$
DECLARE
  t record;
  p record;
  folded text;
  helper text;
BEGIN
  FOR t IN SELECT * FROM pg_temp.memtech_tenant_table ORDER BY table_name LOOP
    -- A table whose every command the API may run is for one and the same role set, other
    -- than members (the audit log: admins read, nobody writes), has the role checked here,
    -- with the company, in one lookup of the acting user instead of two (each policy is
    -- evaluated on its own): the permissive policies are then true. Nothing changes of who
    -- may do what: a command the manifest allows nobody still has no permissive policy.
    -- (Not for a table reached through its memoire: its isolation policy calls no helper.)
    SELECT CASE WHEN count(DISTINCT r) = 1 AND min(r) IN ('admins', 'editors') AND t.company_via <> 'memoire_id'
                THEN min(r) END INTO folded
      FROM unnest(ARRAY[t.select_by, t.insert_by, t.update_by, t.delete_by]) r;
    helper := CASE folded
      WHEN 'admins' THEN $e$memtech.current_company_id('admin')$e$
      WHEN 'editors' THEN $e$memtech.current_company_id('admin', 'user')$e$
      ELSE 'memtech.current_company_id()' END;
    PERFORM pg_temp.memtech_policy(t.table_name, 'tenant_isolation', 'ALL', 'public', true,
      CASE t.company_via
        WHEN 'id' THEN format('id = (SELECT %s)', helper)
        WHEN 'company_id' THEN format('company_id = (SELECT %s)', helper)
        -- a table that keeps its v0 structure: a row is its memoire's company's. The
        -- memoires a policy's sub-select sees are already only the acting user's company's
        -- (this policy of memoires applies to it, restrictive, whoever asks), so it names no
        -- company itself: one lookup of the acting user fewer in every statement on chunks.
        WHEN 'memoire_id' THEN 'memoire_id IN (SELECT m.id FROM public.memoires m)'
      END,
      'Restrictive: every command stays inside the acting user''s company, whatever other policies allow'
      || CASE folded WHEN 'admins' THEN ', and is an admin''s.' WHEN 'editors' THEN ', and is an admin''s or a user''s.' ELSE '.' END);
    -- Who may do what inside the company. The role test is inside the (SELECT ...): one
    -- boolean computed once per statement, which the planner takes as what it is, rather
    -- than a comparison it would estimate to keep a fraction of the rows (and plan for a
    -- handful of rows of a large company).
    FOR p IN
      SELECT c.command, c.verb, s.role_set, s.expr, s.who
        FROM (VALUES ('SELECT', 'read', t.select_by), ('INSERT', 'insert', t.insert_by),
                     ('UPDATE', 'update', t.update_by), ('DELETE', 'delete', t.delete_by)) AS c (command, verb, role_set)
        JOIN (VALUES
          ('members', 'true', 'any active member'),
          ('editors', $e$(SELECT memtech.current_user_role() IN ('admin', 'user'))$e$, 'admins and users'),
          ('admins', $e$(SELECT memtech.current_user_role() = 'admin')$e$, 'admins'),
          ('admins_or_self', $e$(SELECT memtech.current_user_role() = 'admin') OR id = (SELECT memtech.current_user_id())$e$,
           'admins, and each user for their own profile')) AS s (role_set, expr, who) USING (role_set)
    LOOP
      PERFORM pg_temp.memtech_policy(t.table_name, p.role_set || '_' || p.verb, p.command, 'authenticated', false,
                                     CASE WHEN folded IS NULL THEN p.expr ELSE 'true' END,
                                     format('Who may %s within the company: %s', lower(p.command), p.who)
                                     || CASE WHEN folded IS NULL THEN '.' ELSE ' (checked by memtech_tenant_isolation).' END);
    END LOOP;
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t.table_name);
  END LOOP;
END
$$;
