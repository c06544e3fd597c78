-- The application's own views, materialized views and SECURITY DEFINER functions over the
-- tenant tables. Row level security binds the role that reads a table, and that is not
-- always the caller: a view reads its tables as its owner unless it is security_invoker, a
-- materialized view serves the rows its owner read at the last refresh, and a SECURITY
-- DEFINER function runs as its owner. On Supabase all three belong to postgres, which
-- bypasses row level security, and the default privileges grant them to anon and
-- authenticated: each would show every company's rows to the API.
--
-- So such a view is made security_invoker (PostgreSQL 15+), and where that cannot be done
-- (PostgreSQL 14, and materialized views, whose stored rows no policy filters) the API
-- roles lose their privileges on it. What each had before is recorded, for the uninstall.
-- Functions are only named in a WARNING: what they filter is the application's logic.
-- The views are found by pg_temp.memtech_exposed_relations() (00_preflight.sql), which module 08
-- also asks, to lock them together with the v0 tables.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('the application''s views and functions over tenant tables'); END $$;

CREATE TABLE IF NOT EXISTS memtech.secured_view (
  schema_name    text NOT NULL,
  view_name      text NOT NULL,
  kind           text NOT NULL CONSTRAINT secured_view_kind_is_known CHECK (kind IN ('view', 'materialized view')),
  options_before text[],
  options_after  text[],
  acl_before     aclitem[],
  acl_after      aclitem[],
  CONSTRAINT secured_view_pkey PRIMARY KEY (schema_name, view_name)
);
COMMENT ON TABLE memtech.secured_view IS
  'Views and materialized views of the application that the install changed because they showed every company''s rows to the API roles, with what they had before, so that the uninstall gives that back.';
COMMENT ON COLUMN memtech.secured_view.schema_name IS
  'Schema of the view. Views are found again by name: one dropped or recreated since is the application''s new object, and the uninstall leaves it alone.';
COMMENT ON COLUMN memtech.secured_view.view_name IS 'Name of the view in that schema.';
COMMENT ON COLUMN memtech.secured_view.kind IS
  'view or materialized view: the uninstall gives back nothing to a relation of another kind that took the name since.';
COMMENT ON COLUMN memtech.secured_view.options_before IS
  'Its options (pg_class.reloptions) before the install last changed it, in their order; NULL means none.';
COMMENT ON COLUMN memtech.secured_view.options_after IS
  'Its options as the install left them (security_invoker on PostgreSQL 15+); the uninstall restores options_before only while they are still these.';
COMMENT ON COLUMN memtech.secured_view.acl_before IS
  'Its privileges (pg_class.relacl) before the install last changed it, entries in their order; NULL means the defaults.';
COMMENT ON COLUMN memtech.secured_view.acl_after IS
  'Its privileges as the install left them; the uninstall restores acl_before only while they are still these.';

-- Revoking a privilege on a relation also revokes it on every column, so column grants of
-- the API roles change with it and must come back too.
CREATE TABLE IF NOT EXISTS memtech.secured_view_column (
  schema_name text NOT NULL,
  view_name   text NOT NULL,
  column_name text NOT NULL,
  acl_before  aclitem[],
  acl_after   aclitem[],
  CONSTRAINT secured_view_column_pkey PRIMARY KEY (schema_name, view_name, column_name),
  CONSTRAINT secured_view_column_view_fkey FOREIGN KEY (schema_name, view_name)
    REFERENCES memtech.secured_view ON DELETE CASCADE
);
COMMENT ON TABLE memtech.secured_view_column IS
  'Column privileges of a view in memtech.secured_view that the install changed, with what they were, so that the uninstall gives them back.';
COMMENT ON COLUMN memtech.secured_view_column.schema_name IS 'Schema of the view.';
COMMENT ON COLUMN memtech.secured_view_column.view_name IS 'The view.';
COMMENT ON COLUMN memtech.secured_view_column.column_name IS 'Its column whose privileges changed.';
COMMENT ON COLUMN memtech.secured_view_column.acl_before IS
  'The column''s privileges (pg_attribute.attacl) before the install, entries in their order; NULL means none.';
COMMENT ON COLUMN memtech.secured_view_column.acl_after IS
  'The column''s privileges as the install left them; restored from acl_before only while still these.';

-- The entries of a relation's and its columns' ACLs that grant something to anon,
-- authenticated or PUBLIC, one name per entry: comparing the lists before and after a
-- REVOKE says who lost what (a REVOKE leaves the grants other grantors made).
CREATE OR REPLACE FUNCTION pg_temp.memtech_api_grantees(target oid) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(array_agg(CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END
                            ORDER BY a.grantee), '{}')
    FROM (SELECT c.relacl AS acl FROM pg_class c WHERE c.oid = target
          UNION ALL
          SELECT t.attacl FROM pg_attribute t WHERE t.attrelid = target AND t.attnum > 0 AND NOT t.attisdropped) e,
         aclexplode(e.acl) a
   WHERE a.grantee = 0 OR pg_get_userbyid(a.grantee) IN ('anon', 'authenticated')
$$;

-- Makes one exposed relation safe and records what it had; returns the NOTICE to give, or
-- NULL when a REVOKE took nothing away (the final check names it then). Options and
-- privileges are read just before the change: a re-run that finds a view the application
-- recreated since records the new view's.
CREATE OR REPLACE FUNCTION pg_temp.memtech_secure_relation(
  relation oid, kind text, label text, owner_name text, tenant_tables text, direct boolean, through text)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  target constant regclass := relation;
  rel_schema constant text := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                WHERE c.oid = relation);
  rel_name constant text := (SELECT c.relname FROM pg_class c WHERE c.oid = relation);
  options_before constant text[] := (SELECT c.reloptions FROM pg_class c WHERE c.oid = relation);
  acl_before constant aclitem[] := (SELECT c.relacl FROM pg_class c WHERE c.oid = relation);
  columns_before constant jsonb := (SELECT coalesce(jsonb_object_agg(t.attname, t.attacl::text[]), '{}')
                                      FROM pg_attribute t
                                     WHERE t.attrelid = relation AND t.attnum > 0 AND NOT t.attisdropped
                                       AND t.attacl IS NOT NULL);
  held_before constant text[] := pg_temp.memtech_api_grantees(relation);
  held_after text[];
  revoked text;
  col text;
  message text;
  via constant text := CASE WHEN direct THEN '' ELSE format(' (through %s)', through) END;
BEGIN
  IF kind = 'view' AND current_setting('server_version_num')::int >= 150000 THEN
    PERFORM pg_temp.memtech_set_view_options(target,
      ARRAY(SELECT o FROM unnest(options_before) o WHERE o NOT LIKE 'security\_invoker=%') || 'security_invoker=true'::text);
    message := format('made %s security_invoker: it read %s with the privileges of its owner %s, who bypasses row '
      'level security, so anon and authenticated could read every company''s rows through it%s. It now reads them '
      'with the privileges and '
      'policies of whoever queries it. Create views over these tables WITH (security_invoker = true): '
      'CREATE OR REPLACE VIEW without it makes the view read as its owner again',
      label, tenant_tables, owner_name, via);
  ELSE
    -- Their own grants first; PUBLIC's only when those alone were not enough. A REVOKE on
    -- the relation takes their column grants too; one on a column leaves the relation's ACL
    -- as it is (a relation-wide REVOKE would write out a default ACL that was implicit).
    IF EXISTS (SELECT 1 FROM pg_class c, aclexplode(c.relacl) a
                WHERE c.oid = relation AND pg_get_userbyid(a.grantee) IN ('anon', 'authenticated')) THEN
      EXECUTE format('REVOKE ALL ON %s FROM anon, authenticated CASCADE', target);
    END IF;
    FOR col IN SELECT t.attname FROM pg_attribute t, aclexplode(t.attacl) a
                WHERE t.attrelid = relation AND t.attnum > 0 AND NOT t.attisdropped
                  AND pg_get_userbyid(a.grantee) IN ('anon', 'authenticated') GROUP BY t.attname LOOP
      EXECUTE format('REVOKE ALL (%I) ON %s FROM anon, authenticated CASCADE', col, target);
    END LOOP;
    IF pg_temp.memtech_api_privileged(relation) THEN
      IF EXISTS (SELECT 1 FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = relation AND a.grantee = 0) THEN
        EXECUTE format('REVOKE ALL ON %s FROM PUBLIC CASCADE', target);
      END IF;
      FOR col IN SELECT t.attname FROM pg_attribute t, aclexplode(t.attacl) a
                  WHERE t.attrelid = relation AND t.attnum > 0 AND NOT t.attisdropped AND a.grantee = 0
                  GROUP BY t.attname LOOP
        EXECUTE format('REVOKE ALL (%I) ON %s FROM PUBLIC CASCADE', col, target);
      END LOOP;
    END IF;
    held_after := pg_temp.memtech_api_grantees(relation);
    SELECT string_agg(d.g, ', ' ORDER BY d.g) INTO revoked
      FROM (SELECT DISTINCT g FROM unnest(held_before) g) d
     WHERE (SELECT count(*) FROM unnest(held_before) b WHERE b = d.g)
         > (SELECT count(*) FROM unnest(held_after) a WHERE a = d.g);
    IF revoked IS NULL THEN
      RETURN NULL;
    END IF;
    IF kind = 'view' THEN
      message := format('revoked the privileges of %s on %s: it reads %s with the privileges of its owner %s, who '
        'bypasses row level security, so it showed every company''s rows to the API%s, and PostgreSQL 14 cannot make '
        'a view read with its caller''s. Query the tables themselves instead, or, on PostgreSQL 15+, recreate it '
        'WITH (security_invoker = true) and grant it again', revoked, label, tenant_tables, owner_name, via);
    ELSE
      message := format('revoked the privileges of %s on %s: it stores every company''s rows of %s, which row '
        'level security cannot filter. Serve them through a function that filters by memtech.current_company_id(), '
        'or query the tables themselves', revoked, label, tenant_tables);
    END IF;
  END IF;

  INSERT INTO memtech.secured_view (schema_name, view_name, kind, options_before, options_after, acl_before, acl_after)
  SELECT rel_schema, rel_name, kind, options_before, c.reloptions, acl_before, c.relacl
    FROM pg_class c WHERE c.oid = relation
  ON CONFLICT ON CONSTRAINT secured_view_pkey DO UPDATE
    SET kind = excluded.kind, options_before = excluded.options_before, options_after = excluded.options_after,
        acl_before = excluded.acl_before, acl_after = excluded.acl_after;
  DELETE FROM memtech.secured_view_column s WHERE s.schema_name = rel_schema AND s.view_name = rel_name;
  INSERT INTO memtech.secured_view_column (schema_name, view_name, column_name, acl_before, acl_after)
  SELECT rel_schema, rel_name, t.attname, b.acl, t.attacl
    FROM pg_attribute t,
         LATERAL (SELECT nullif(ARRAY(SELECT jsonb_array_elements_text(columns_before -> t.attname::text))::aclitem[],
                                '{}') AS acl) b
   WHERE t.attrelid = relation AND t.attnum > 0 AND NOT t.attisdropped
     AND coalesce(t.attacl, '{}') <> coalesce(b.acl, '{}');
  RETURN message;
END
$$;

DO $$
DECLARE
  x record;
  message text;
  reasons text[];
BEGIN
  FOR x IN SELECT * FROM pg_temp.memtech_exposed_relations() LOOP
    -- One the install cannot change is named below, with what its owner can do.
    CONTINUE WHEN NOT pg_has_role(x.owner_oid, 'USAGE');
    message := pg_temp.memtech_secure_relation(x.relation, x.kind, x.label, x.owner_name, x.tenant_tables,
                                                x.direct, x.through);
    IF message IS NOT NULL THEN
      PERFORM pg_temp.memtech_notice('%s', message);
    END IF;
  END LOOP;

  -- What is still exposed: owned by a role the install cannot act for, reached through a
  -- view that reads as an owner bound by row level security, or reachable by grants a REVOKE
  -- of the owner does not take back (another grantor's, or membership of another role).
  FOR x IN SELECT * FROM pg_temp.memtech_exposed_relations() LOOP
    reasons := '{}';
    IF NOT pg_has_role(x.owner_oid, 'USAGE') THEN
      reasons := reasons || format('memtech, running as %s, cannot change it: it belongs to %s', current_user, x.owner_name);
    ELSE
      IF x.direct THEN
        reasons := reasons || 'anon or authenticated still hold privileges on it, granted by another role than its owner or through membership of another role'::text;
      END IF;
      IF x.through IS NOT NULL THEN
        reasons := reasons || format('anon or authenticated reach it through %s, which reads it with its owner''s privileges, not theirs', x.through);
      END IF;
    END IF;
    RAISE WARNING 'memtech: % still shows every company''s rows of % to the API: %', x.label, x.tenant_tables,
                  array_to_string(reasons, '; ')
      USING HINT = CASE
        WHEN NOT pg_has_role(x.owner_oid, 'USAGE') AND x.kind = 'view' THEN
          format('As %s, run ALTER VIEW %s SET (security_invoker = true) on PostgreSQL 15+, or REVOKE ALL ON %s FROM anon, authenticated, PUBLIC; then run the install again.',
                 x.owner_name, x.name, x.name)
        WHEN NOT pg_has_role(x.owner_oid, 'USAGE') THEN
          format('As %s, run REVOKE ALL ON %s FROM anon, authenticated, PUBLIC; then run the install again.',
                 x.owner_name, x.name)
        WHEN NOT x.direct THEN
          format('Make %s security_invoker (PostgreSQL 15+), or revoke the API roles'' privileges there; then run the install again.', x.through)
        ELSE
          format('Revoke those privileges (\dp %s lists them); then run the install again.', x.name) END;
  END LOOP;
END
$$;

-- SECURITY DEFINER functions run as their owner: one owned by a role that bypasses row level
-- security and reads a tenant table returns or changes whatever its own code selects, for any
-- caller. Only the application knows whether it filters by company, so it is named, not
-- changed. A body in a string is not parsed until it runs: a table named in it as a whole word
-- (unqualified, or qualified by its schema) counts as read. The package's own, declared in
-- memtech.api_definer_function (module 18, so not yet on a first install), are left out.
CREATE OR REPLACE FUNCTION pg_temp.memtech_declared_api_definers() RETURNS oid[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  declared oid[] := '{}';
BEGIN
  IF to_regclass('memtech.api_definer_function') IS NOT NULL THEN
    EXECUTE 'SELECT coalesce(array_agg(d.function::oid), ''{}'') FROM memtech.api_definer_function d' INTO declared;
  END IF;
  RETURN declared;
END
$$;

DO $$
DECLARE
  f record;
BEGIN
  FOR f IN
    WITH RECURSIVE tenant_table AS (
      SELECT DISTINCT p.polrelid AS oid
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
       WHERE p.polname = 'memtech_tenant_isolation' AND c.relnamespace = 'public'::regnamespace
    ), over_tenant (oid) AS (
      -- The tenant tables, and the views and materialized views over them: a SECURITY
      -- DEFINER function that reads one reads as its owner whatever the view's options.
      SELECT oid FROM tenant_table
      UNION
      SELECT r.ev_class FROM over_tenant o
        JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = o.oid AND d.classid = 'pg_rewrite'::regclass
        JOIN pg_rewrite r ON r.oid = d.objid
        JOIN pg_class v ON v.oid = r.ev_class AND v.relkind IN ('v', 'm')
    ), readable AS (
      SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS name,
             -- unqualified (not after a dot), or qualified by its own schema
             '(^|[^[:alnum:]_.$"])"?' || regexp_replace(c.relname, '([^[:alnum:]_])', '\\\1', 'g') || '\M|\m'
               || regexp_replace(n.nspname, '([^[:alnum:]_])', '\\\1', 'g') || '"?\s*\.\s*"?'
               || regexp_replace(c.relname, '([^[:alnum:]_])', '\\\1', 'g') || '\M' AS pattern
        FROM over_tenant o JOIN pg_class c ON c.oid = o.oid JOIN pg_namespace n ON n.oid = c.relnamespace
    )
    SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS signature,
           CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END AS kind,
           pg_get_userbyid(p.proowner) AS owner_name,
           string_agg(DISTINCT r.name, ', ') AS reads
      FROM pg_proc p
      JOIN pg_namespace n ON n.oid = p.pronamespace
      JOIN pg_roles o ON o.oid = p.proowner AND (o.rolsuper OR o.rolbypassrls)
      JOIN readable r ON CASE WHEN p.prosqlbody IS NOT NULL
                              THEN EXISTS (SELECT 1 FROM pg_depend d
                                            WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                              AND d.refclassid = 'pg_class'::regclass AND d.refobjid = r.oid)
                              ELSE p.prosrc ~* r.pattern END
     WHERE p.prosecdef
       AND p.oid <> ALL (pg_temp.memtech_declared_api_definers())
       AND p.prokind IN ('f', 'p')
       AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)   -- not callable as such
       AND p.prolang NOT IN (SELECT l.oid FROM pg_language l WHERE l.lanname IN ('internal', 'c'))
       AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'memtech')
       AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
       AND NOT EXISTS (SELECT 1 FROM pg_depend e
                        WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
       AND EXISTS (SELECT 1 FROM pg_roles api WHERE api.rolname IN ('anon', 'authenticated')
                     AND has_function_privilege(api.oid, p.oid, 'EXECUTE'))
     GROUP BY n.nspname, p.proname, p.oid, p.prokind, p.proowner
     ORDER BY 1
  LOOP
    RAISE WARNING 'memtech: % % is SECURITY DEFINER, owned by %, who bypasses row level security; it reads % and anon or authenticated may execute it: memtech cannot know which company''s rows it returns or changes',
                  f.kind, f.signature, f.owner_name, f.reads
      USING HINT = format('Make it SECURITY INVOKER, or filter by memtech.current_company_id() in it, or REVOKE EXECUTE ON %s %s FROM anon, authenticated, PUBLIC.',
                          upper(f.kind), f.signature);
  END LOOP;
END
$$;
