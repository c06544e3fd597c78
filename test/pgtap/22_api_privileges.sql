-- Catalog self-checks of the security model: what the API roles hold, what protects every
-- table, and which helpers they can reach. Each query lists offenders, so a failure says
-- which table, role or function is at fault.
BEGIN;
SELECT plan(13);

CREATE TEMPORARY VIEW package_table AS SELECT table_name AS name FROM memtech.tenant_table;

SELECT is_empty($$
  SELECT name FROM package_table p JOIN pg_class c ON c.relname = p.name AND c.relnamespace = 'public'::regnamespace
   WHERE NOT (c.relrowsecurity AND c.relforcerowsecurity)
$$, 'every table of the package has row level security enabled and forced');

SELECT is_empty($$
  SELECT name FROM package_table p
   WHERE NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = p.name
                       AND policyname = 'memtech_tenant_isolation' AND permissive = 'RESTRICTIVE' AND cmd = 'ALL')
$$, 'every table of the package has a restrictive tenant isolation policy for every command');

-- A privilege an API role holds (on the table or on any column) must be matched by a
-- permissive policy for that role and command; otherwise it is dead weight at best.
SELECT is_empty($$
  WITH held AS (
    SELECT c.relname, r.rolname, priv
      FROM pg_class c CROSS JOIN pg_roles r CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) priv
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND r.rolname IN ('anon', 'authenticated')
       AND (has_table_privilege(r.oid, c.oid, priv)
            OR (priv <> 'DELETE' AND has_any_column_privilege(r.oid, c.oid, priv)))
  )
  SELECT format('%s holds %s on %s', rolname, priv, relname) FROM held h
   WHERE NOT EXISTS (SELECT 1 FROM pg_policies p
                      WHERE p.schemaname = 'public' AND p.tablename = h.relname AND p.permissive = 'PERMISSIVE'
                        AND p.cmd IN (h.priv, 'ALL') AND (h.rolname = ANY (p.roles) OR 'public' = ANY (p.roles)))
$$, 'no API role holds a privilege without a policy that allows it');

SELECT is_empty($$
  SELECT format('%s holds %s on %s', r.rolname, priv, c.relname)
    FROM pg_class c CROSS JOIN pg_roles r
         CROSS JOIN unnest(ARRAY['TRUNCATE', 'REFERENCES', 'TRIGGER']
                           || CASE WHEN current_setting('server_version_num')::int >= 170000
                                   THEN ARRAY['MAINTAIN'] ELSE '{}' END) priv
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND r.rolname IN ('anon', 'authenticated')
     AND has_table_privilege(r.oid, c.oid, priv)
$$, 'no API role may truncate, reference, add triggers to or maintain any table (TRUNCATE ignores row level security)');

SELECT is_empty($$
  SELECT c.relname FROM package_table p JOIN pg_class c ON c.relname = p.name AND c.relnamespace = 'public'::regnamespace
   WHERE has_table_privilege('anon', c.oid, 'SELECT') OR has_table_privilege('anon', c.oid, 'INSERT')
      OR has_table_privilege('anon', c.oid, 'UPDATE') OR has_table_privilege('anon', c.oid, 'DELETE')
      OR has_any_column_privilege('anon', c.oid, 'SELECT')
$$, 'anon holds no privilege on any table of the package');

SELECT ok(NOT has_column_privilege('authenticated', 'public.users', 'password_hash', 'SELECT')
          AND NOT has_column_privilege('authenticated', 'public.users', 'password_hash', 'UPDATE')
          AND has_column_privilege('authenticated', 'public.users', 'email', 'SELECT'),
  'authenticated reads users but never users.password_hash');

-- A function that leaves pg_temp off its path searches it FIRST for types and relations:
-- a tenant's pg_temp.uuid domain would then run the tenant's code inside the function.
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'memtech'::regnamespace
     AND NOT coalesce(p.proconfig && ARRAY['search_path=pg_catalog, pg_temp', 'search_path=""'], false)
$$, 'every function of memtech pins its search_path to pg_catalog, pg_temp (or to nothing)');

-- memtech.api_definer_function declares, each with its reason, the definer functions the
-- API may execute (the searches that must bypass row level security to use a GIN index, and
-- keep to the acting user's company themselves): authenticated may execute those, and no
-- other; anon none at all.
SELECT is_empty($$
  SELECT format('%s may execute %s, which runs as its owner', r.rolname, p.oid::regprocedure)
    FROM pg_proc p CROSS JOIN (VALUES ('anon'), ('authenticated')) r (rolname)
   WHERE p.prosecdef AND has_function_privilege(r.rolname, p.oid, 'EXECUTE')
     AND p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
     AND NOT (r.rolname = 'authenticated' AND p.oid IN (SELECT d.function FROM memtech.api_definer_function d))
$$, 'no API role may execute a security-definer function, but authenticated those declared in memtech.api_definer_function');

SELECT is_empty($$
  SELECT format('%s: %s', d.function, concat_ws(', ',
           CASE WHEN p.oid IS NULL THEN 'no such function' END,
           CASE WHEN NOT p.prosecdef THEN 'not SECURITY DEFINER: it need not be declared' END,
           CASE WHEN NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)
                THEN 'search_path not pinned to pg_catalog, pg_temp' END,
           CASE WHEN NOT has_function_privilege('authenticated', p.oid, 'EXECUTE') THEN 'not executable by authenticated' END,
           CASE WHEN prosrc !~ 'memtech\.current_company_id\(\)' THEN 'does not ask memtech.current_company_id()' END))
    FROM memtech.api_definer_function d LEFT JOIN pg_proc p ON p.oid = d.function
   WHERE p.oid IS NULL OR NOT p.prosecdef OR NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)
      OR NOT has_function_privilege('authenticated', p.oid, 'EXECUTE') OR prosrc !~ 'memtech\.current_company_id\(\)'
$$, 'each declared function is a security-definer function that pins its search_path, asks memtech.current_company_id() and authenticated may execute');

SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace
     AND p.oid NOT IN (SELECT d.function FROM memtech.api_definer_function d)
$$, 'no security-definer function sits in public, the schema the API exposes, but those declared');

SELECT is_empty($$
  SELECT format('%s may execute %s', r.rolname, p.oid::regprocedure)
    FROM pg_proc p CROSS JOIN (SELECT 'anon' AS rolname UNION ALL SELECT 'authenticated' UNION ALL SELECT 'public') r
   WHERE p.pronamespace = 'memtech'::regnamespace
     AND CASE r.rolname WHEN 'public'
              THEN EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                            WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')
              ELSE has_function_privilege(r.rolname, p.oid, 'EXECUTE') END
     AND NOT (r.rolname = 'authenticated'
              AND p.proname IN ('current_user_id', 'current_company_id', 'current_user_role'))
     -- Pure functions (IMMUTABLE, an SQL body that reads no table, running as the caller) that
     -- an index expression may call, which every role writing the table evaluates: they tell
     -- nothing but what they are given.
     AND NOT (p.provolatile = 'i' AND NOT p.prosecdef AND p.prosqlbody IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                AND d.refclassid = 'pg_class'::regclass))
$$, 'of the private helpers, the API roles may execute only those the policies call, and pure ones for index expressions');

-- Each restrictive policy finds the tenant's rows through an index on its tenant column
-- (document_chunks through memoires.company_id: its own structure is the application's;
-- sections through their project: see sql/08_legacy_tenancy.sql).
SELECT is_empty($$
  SELECT p.name FROM package_table p
   WHERE p.name NOT IN ('document_chunks', 'sections')
     AND NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                      WHERE i.indrelid = ('public.' || p.name)::regclass
                        AND a.attname = CASE p.name WHEN 'companies' THEN 'id' ELSE 'company_id' END)
  UNION ALL
  SELECT 'memoires.company_id' WHERE NOT EXISTS (
    SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
     WHERE i.indrelid = 'public.memoires'::regclass AND a.attname = 'company_id')
$$, 'every tenant path of a policy is backed by an index');

-- (SELECT f()) becomes an init plan, run once per statement; a bare f() would run per row.
SELECT is_empty($$
  SELECT format('%s on %s', policyname, tablename) FROM pg_policies
   WHERE schemaname = 'public'
     AND (  (SELECT count(*) FROM regexp_matches(coalesce(qual, '') || ' ' || coalesce(with_check, ''), 'memtech\.\w+\(', 'g'))
         <> (SELECT count(*) FROM regexp_matches(coalesce(qual, '') || ' ' || coalesce(with_check, ''), 'SELECT \(*memtech\.\w+\(', 'g')))
$$, 'policies call the helpers as (SELECT helper()), evaluated once per statement');

SELECT * FROM finish();
ROLLBACK;
