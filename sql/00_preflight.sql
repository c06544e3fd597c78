-- Checks first, changes after: before the install touches anything, compare what already
-- exists with what the package defines, and stop with every problem named at once.
--
-- memtech_expected_column is the package's column contract: every column the package
-- defines, with its type as format_type() prints it. An existing table is compatible when
-- each of these columns is either missing (it will be added) or of exactly this type;
-- other columns of the application's own are kept. The last module stores this list in
-- memtech.managed_column so that tests can hold the built schema to it.

CREATE TEMPORARY TABLE pg_temp.memtech_expected_column (
  table_name  text NOT NULL,
  column_name text NOT NULL,
  data_type   text NOT NULL,
  not_null    boolean NOT NULL,
  PRIMARY KEY (table_name, column_name)
) ON COMMIT DROP;

-- The columns the modules add, each declared once, in its module's DDL: build.py reads them
-- off the ADD COLUMN clauses and writes them here.
INSERT INTO pg_temp.memtech_expected_column (table_name, column_name, data_type, not_null) VALUES
@COLUMN_CONTRACT@;
-- Of the application's v0 tables, the columns the package relies on: the required columns of
-- the v0 contract (pg_temp.memtech_v0_contract, from the manifest) and company_id, which
-- module 08 adds.
INSERT INTO pg_temp.memtech_expected_column (table_name, column_name, data_type, not_null)
SELECT k.table_name, k.column_name, k.data_type, true FROM pg_temp.memtech_v0_contract k WHERE k.required
UNION
SELECT m.table_name, m.company_via, 'uuid', true FROM pg_temp.memtech_tenant_table m
 WHERE m.origin = 'v0' AND m.company_via = 'company_id';

-- The other objects the modules create in public: the enums and the functions, each read by
-- build.py off the statement that creates it (a memtech_ensure_enum call, a CREATE FUNCTION).
CREATE TEMPORARY TABLE pg_temp.memtech_public_object (
  kind text NOT NULL CHECK (kind IN ('type', 'function')),
  name text NOT NULL,
  PRIMARY KEY (kind, name)
) ON COMMIT DROP;
INSERT INTO pg_temp.memtech_public_object (kind, name) VALUES
@PUBLIC_OBJECTS@;

-- Whether anon or authenticated can act as this role: it is one of them, or granted to one (a
-- tenant connected as authenticated holds its rights, or may SET ROLE to it).
CREATE OR REPLACE FUNCTION pg_temp.memtech_api_can_act_as(role_oid oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT EXISTS (SELECT 1 FROM pg_roles api
                  WHERE api.rolname IN ('anon', 'authenticated') AND pg_has_role(api.oid, role_oid, 'MEMBER'))
$$;

-- Who owns the names the install takes in public. Where a tenant may create there (PUBLIC may,
-- on PostgreSQL 14), it can create public.companies or the enum user_role before an install (or
-- an upgrade that adds one), which would take it over: the tenant, still its owner, could then
-- turn row level security off or add a trigger that runs as whoever writes the table. The owner
-- check below passes every owner for a superuser, so: an object under a name the package takes
-- (a tenant table, of any kind; an enum or function of the package) stops the install when its
-- owner is a role a tenant can act as: anon, authenticated, or a role granted to either. Not
-- their members (authenticator, a backend granted authenticated): a tenant cannot become them,
-- and one that owns a tenant table is bound by row level security, so the roles check names it.
DO $owners$
DECLARE
  taken record;
  first record;
  listed text[] := '{}';
BEGIN
  PERFORM pg_temp.memtech_notice('checking who owns the names the package takes in public');
  FOR taken IN
    -- kind as ALTER and DROP spell it, for the hint
    SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
             WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'c' THEN 'type'
             ELSE 'table' END AS kind,
           format('public.%I', c.relname) AS name, pg_get_userbyid(c.relowner) AS owner
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace
       AND c.relname IN (SELECT m.table_name FROM pg_temp.memtech_tenant_table m)
       AND pg_temp.memtech_api_can_act_as(c.relowner)
    UNION ALL
    SELECT 'type', format('public.%I', t.typname), pg_get_userbyid(t.typowner)
      FROM pg_type t
     WHERE t.typnamespace = 'public'::regnamespace
       AND t.typname IN (SELECT o.name FROM pg_temp.memtech_public_object o WHERE o.kind = 'type')
       AND pg_temp.memtech_api_can_act_as(t.typowner)
    UNION ALL
    SELECT 'function', p.oid::regprocedure::text, pg_get_userbyid(p.proowner)
      FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace
       AND p.proname IN (SELECT o.name FROM pg_temp.memtech_public_object o WHERE o.kind = 'function')
       AND pg_temp.memtech_api_can_act_as(p.proowner)
     ORDER BY 2
  LOOP
    first := coalesce(first, taken);
    listed := listed || format('%s %s (owned by %s)', taken.kind, taken.name, taken.owner);
  END LOOP;
  IF cardinality(listed) > 0 THEN
    RAISE EXCEPTION 'memtech cannot take over % object(s) in public owned by a role that anon or authenticated can act as: a tenant could alter them after the install (turn off row level security, add triggers that run as other users)',
                    cardinality(listed)
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = array_to_string(listed, E'\n'),
            HINT = format('Nothing was changed. For each object: if it is the application''s, give it to the owner of '
                          'the application''s tables (ALTER %1$s %2$s OWNER TO %3$I); if not, a tenant made it: drop it '
                          '(DROP %1$s %2$s) and keep tenants from creating in public (REVOKE CREATE ON SCHEMA public '
                          'FROM PUBLIC, and from anon and authenticated if granted). Then run the install again.',
                          upper(first.kind), first.name, current_user);
  END IF;
END
$owners$;

-- Whether public.<table_name>.<column_name> is there with the type the v0 contract gives it.
-- Module 28 asks it too, before it makes the functions that search document_chunks.embedding.
CREATE OR REPLACE FUNCTION pg_temp.memtech_v0_fits(table_name text, column_name text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT EXISTS (
    SELECT 1 FROM pg_temp.memtech_v0_contract k
      JOIN pg_class c ON c.relname = k.table_name AND c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = k.column_name AND NOT a.attisdropped
     WHERE k.table_name = memtech_v0_fits.table_name AND k.column_name = memtech_v0_fits.column_name
       AND a.atttypid = ANY (CASE k.data_type
             WHEN 'vector' THEN ARRAY(SELECT to_regtype(format('%I.vector', n.nspname))
                                        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                                       WHERE e.extname = 'vector')
             WHEN 'text' THEN ARRAY['text'::regtype, 'character varying'::regtype]
             ELSE ARRAY[to_regtype(k.data_type)] END))
$$;

DO $preflight$
DECLARE
  clashes text[];
  v0_problems text[];
  optional record;
  vector_type text := (SELECT format('%I.vector', n.nspname) FROM pg_extension e
                         JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector');
BEGIN
  PERFORM pg_temp.memtech_notice('checking the existing schema against the package');
  -- An option of the install only (the uninstall builds no index): checked before any
  -- lock rather than where the install first needs it.
  PERFORM pg_temp.memtech_index_build_limit();
  SELECT array_agg(problem ORDER BY problem) FILTER (WHERE NOT v0),
         array_agg(problem ORDER BY problem) FILTER (WHERE v0)
    INTO clashes, v0_problems FROM (
    -- a name the package needs is taken by something that is not an ordinary table
    SELECT false AS v0,
           format('public.%I is a %s, but memtech needs a table of that name',
                  c.relname,
                  CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                    WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table'
                    WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index' ELSE 'relation' END) AS problem
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind <> 'r'
       AND c.relname IN (SELECT m.table_name FROM pg_temp.memtech_tenant_table m)
    UNION ALL
    -- a column exists with another type (a required column of the v0 contract, or one the
    -- package defines)
    SELECT (e.table_name, e.column_name) IN (SELECT k.table_name, k.column_name FROM pg_temp.memtech_v0_contract k),
           format('column public.%I.%I is %s, but memtech expects %s',
                  e.table_name, e.column_name, format_type(a.atttypid, a.atttypmod), e.data_type)
      FROM pg_temp.memtech_expected_column e
      JOIN pg_class c ON c.relname = e.table_name AND c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = e.column_name AND NOT a.attisdropped
     WHERE format_type(a.atttypid, a.atttypmod) <> e.data_type
       -- version 0.1.0 stored these as enums; modules 06 and 08 convert them to text
       AND (e.table_name, e.column_name, format_type(a.atttypid, a.atttypmod)) NOT IN
           (('content_blocks', 'type', 'public.content_block_type'), ('projects', 'status', 'public.project_status'))
    UNION ALL
    -- The v0 contract: of the application's tables, memtech needs only their uuid keys and
    -- the two links it derives a row's company from (types are checked above). Every other
    -- column is the application's, there or not; a table that is missing is created.
    SELECT true,
           format('public.%I has no column %I, which memtech needs %s: add it (uuid), or rename the column that holds it',
                  need.table_name, need.column_name, need.why)
      FROM pg_temp.memtech_v0_contract need
      JOIN pg_class c ON c.relname = need.table_name AND c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
     WHERE need.required
       AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = need.column_name
                          AND NOT a.attisdropped)
    UNION ALL
    SELECT true,
           format('public.%I has %s, but memtech needs its primary key on (id): %s',
                  c.relname,
                  coalesce('its primary key on (' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n)
                                                         FROM unnest(pk.conkey) WITH ORDINALITY k(attnum, n)
                                                         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum) || ')',
                           'no primary key'),
                  CASE WHEN pk.oid IS NULL THEN format('add it (ALTER TABLE public.%I ADD PRIMARY KEY (id))', c.relname)
                       ELSE 'make id the primary key' END)
      FROM pg_class c
      LEFT JOIN pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
       AND c.relname IN (SELECT m.table_name FROM pg_temp.memtech_tenant_table m WHERE m.origin = 'v0')
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'id' AND NOT a.attisdropped)
       AND pk.conkey IS DISTINCT FROM ARRAY[(SELECT a.attnum FROM pg_attribute a
                                              WHERE a.attrelid = c.oid AND a.attname = 'id' AND NOT a.attisdropped)]
    UNION ALL
    -- a type name the package needs is taken by something that is not an enum
    SELECT false, format('type public.%I exists and is not an enum, but memtech needs an enum of that name', t.typname)
      FROM pg_type t
     WHERE t.typnamespace = 'public'::regnamespace AND t.typtype <> 'e'
       AND t.typname IN (SELECT o.name FROM pg_temp.memtech_public_object o WHERE o.kind = 'type')
       AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.reltype = t.oid AND c.relname = t.typname
                         AND c.relname IN (SELECT m.table_name FROM pg_temp.memtech_tenant_table m))
    UNION ALL
    -- the private schema exists but was not made by memtech
    SELECT false, 'schema memtech exists but was not created by memtech (it has no memtech.installation table)'
     WHERE EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'memtech')
       AND to_regclass('memtech.installation') IS NULL
  ) found;

  -- The optional columns of the contract (document_chunks.embedding and content), missing or
  -- of a type the package cannot use: a NOTICE, and the install goes on without search_chunks
  -- and search_hybrid. Not a stop: the package never writes these columns nor needs them for
  -- isolation, the application's own search keeps working, and the fix (a new type) rewrites
  -- what is often the largest table under an exclusive lock; the operator may choose it later,
  -- and a re-run then adds the two functions.
  FOR optional IN
    SELECT k.table_name, k.column_name, k.data_type, k.why, format_type(a.atttypid, a.atttypmod) AS found
      FROM pg_temp.memtech_v0_contract k
      JOIN pg_class c ON c.relname = k.table_name AND c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
      LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = k.column_name AND NOT a.attisdropped
     WHERE NOT k.required AND NOT pg_temp.memtech_v0_fits(k.table_name, k.column_name)
     ORDER BY 1, 2
  LOOP
    IF optional.found IS NULL THEN
      PERFORM pg_temp.memtech_notice('public.%s has no column %s: the install leaves out %s, which read it',
        quote_ident(optional.table_name), quote_ident(optional.column_name), optional.why);
    ELSIF optional.data_type = 'vector' THEN
      PERFORM pg_temp.memtech_notice('public.%s.%s is %s, not pgvector''s vector: '
        'the install leaves out %s, which search it (nothing else of the package reads it). '
        'To have them: %sALTER TABLE public.%s ALTER COLUMN %s TYPE %s(<dimensions>) USING %s::%s(<dimensions>) '
        '(it rewrites the table), then run the install again',
        quote_ident(optional.table_name), quote_ident(optional.column_name), optional.found, optional.why,
        CASE WHEN vector_type IS NULL THEN 'CREATE EXTENSION vector, ' ELSE '' END,
        quote_ident(optional.table_name), quote_ident(optional.column_name), coalesce(vector_type, 'vector'),
        quote_ident(optional.column_name), coalesce(vector_type, 'vector'));
    ELSE
      PERFORM pg_temp.memtech_notice('public.%s.%s is %s, not %s: the install leaves out %s, which read it. '
        'To have them: ALTER TABLE public.%s ALTER COLUMN %s TYPE %s, then run the install again',
        quote_ident(optional.table_name), quote_ident(optional.column_name), optional.found, optional.data_type,
        optional.why, quote_ident(optional.table_name), quote_ident(optional.column_name), optional.data_type);
    END IF;
  END LOOP;

  -- The links need no foreign key of the application's (the manifest says why), but chunks
  -- left by a deleted memoire are taken by a memoire later created with its id, whatever its
  -- company: say so where document_chunks.memoire_id has no foreign key to memoires (id).
  IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
              WHERE c.relname = 'document_chunks' AND c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
                AND a.attname = 'memoire_id' AND NOT a.attisdropped)
     AND NOT EXISTS (
       SELECT 1 FROM pg_constraint f
         JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = f.conkey[1] AND a.attname = 'memoire_id'
         JOIN pg_attribute b ON b.attrelid = f.confrelid AND b.attnum = f.confkey[1] AND b.attname = 'id'
        WHERE f.contype = 'f' AND f.conrelid = to_regclass('public.document_chunks')
          AND f.confrelid = to_regclass('public.memoires') AND cardinality(f.conkey) = 1) THEN
    RAISE WARNING 'memtech: public.document_chunks.memoire_id has no foreign key to public.memoires (id): a chunk whose memoire is deleted stays, invisible to every company, until a memoire is created with that id, by any company, which then reads it'
      USING HINT = 'Give it one, which also deletes a memoire''s chunks with it: ALTER TABLE public.document_chunks ADD FOREIGN KEY '
                   '(memoire_id) REFERENCES public.memoires (id) ON DELETE CASCADE NOT VALID; the chunks already there '
                   'whose memoire is gone are left (delete them, then VALIDATE CONSTRAINT).';
  END IF;

  -- Every problem named at once: those of the v0 contract first, under their own message.
  IF v0_problems IS NOT NULL THEN
    RAISE EXCEPTION 'memtech cannot install: % problem(s) with what it needs of the v0 tables, their keys and links',
                    cardinality(v0_problems)
      USING DETAIL = array_to_string(v0_problems, E'\n')
                     || coalesce(format(E'\nAnd %s existing object(s) clash with the package:\n', cardinality(clashes))
                                 || array_to_string(clashes, E'\n'), ''),
            HINT = 'Nothing was changed. Of the application''s tables projects, sections, memoires and document_chunks, '
                   'memtech needs only a primary key id (uuid), sections.project_id and document_chunks.memoire_id (uuid); '
                   'every other column is the application''s. Give them what is named above'
                   || CASE WHEN clashes IS NOT NULL THEN ', rename or convert the objects that clash' ELSE '' END
                   || ', then run the install again.';
  END IF;
  IF clashes IS NOT NULL THEN
    RAISE EXCEPTION 'memtech cannot install: % existing object(s) clash with the package', cardinality(clashes)
      USING DETAIL = array_to_string(clashes, E'\n'),
            HINT = 'Nothing was changed. Rename or convert the objects named above (the package creates tables in public), '
                   'then run the install again.';
  END IF;
END
$preflight$;

-- What already exists of the application's views over the tenant tables (the tables of the
-- contract above): module 27 makes them safe, module 08 locks those it will alter together
-- with the v0 tables.
-- Whether anon or authenticated may read or write a relation by their own privileges: their
-- grants, PUBLIC's, and those of roles they belong to (has_*_privilege sees all three).
CREATE OR REPLACE FUNCTION pg_temp.memtech_api_privileged(target oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT EXISTS (SELECT 1 FROM pg_roles api
                  WHERE api.rolname IN ('anon', 'authenticated')
                    AND (has_table_privilege(api.oid, target, 'SELECT, INSERT, UPDATE, DELETE')
                         OR has_any_column_privilege(api.oid, target, 'SELECT, INSERT, UPDATE')))
$$;

-- The application's views and materialized views that show every company's rows of a tenant
-- table to anon or authenticated, as the catalog stands now:
--   * a view that reads as its owner (not security_invoker), owned by a superuser or a role
--     with BYPASSRLS, and any materialized view, that depends on a tenant table, directly or
--     through other views;
--   * that an API role reaches: by its own privileges, or through views that read as their
--     owner (a view owned by a role bound by row level security is safe itself, but it reads
--     what lies beneath with its owner's privileges, not the caller's).
-- through names the views an API role enters by when it reaches the relation beneath them.
CREATE OR REPLACE FUNCTION pg_temp.memtech_exposed_relations()
RETURNS TABLE (relation oid, kind text, name text, label text, owner_oid oid, owner_name text, tenant_tables text,
               direct boolean, through text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  WITH RECURSIVE tenant_table AS (
    -- Every table of the column contract is a tenant table, or becomes one in this install.
    SELECT c.oid FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
       AND c.relname IN (SELECT m.table_name FROM pg_temp.memtech_tenant_table m)
  ), application_relation AS (
    SELECT c.oid, c.relkind, c.relowner, format('%I.%I', n.nspname, c.relname) AS name,
           c.relkind = 'v' AND NOT coalesce((SELECT o.option_value::boolean FROM pg_options_to_table(c.reloptions) o
                                              WHERE o.option_name = 'security_invoker'), false) AS reads_as_owner,
           (SELECT r.rolsuper OR r.rolbypassrls FROM pg_roles r WHERE r.oid = c.relowner) AS owner_bypasses
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('v', 'm')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'memtech')
       AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
       AND NOT EXISTS (SELECT 1 FROM pg_depend e
                        WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
  ), reads AS (
    -- A view's rules (its query, and any rule of its own) depend on what they read.
    SELECT DISTINCT r.ev_class AS reader, d.refobjid AS relation
      FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
     WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class
  ), over_tenant (oid, tenant_table) AS (
    SELECT oid, oid FROM tenant_table
    UNION
    SELECT a.oid, o.tenant_table
      FROM over_tenant o JOIN reads ON reads.relation = o.oid JOIN application_relation a ON a.oid = reads.reader
  ), unsafe AS (
    SELECT a.oid FROM application_relation a
     WHERE (a.relkind = 'm' OR (a.reads_as_owner AND a.owner_bypasses))
       AND a.oid IN (SELECT o.oid FROM over_tenant o)
  ), reached (oid, entry) AS (
    SELECT a.oid, NULL::oid FROM application_relation a WHERE pg_temp.memtech_api_privileged(a.oid)
    UNION
    -- Beneath a view that reads as its owner; not beneath an unsafe one, which is made safe
    -- (or named) itself and then shields what it reads.
    SELECT b.oid, coalesce(r.entry, r.oid)
      FROM reached r
      JOIN application_relation v ON v.oid = r.oid AND v.reads_as_owner
      JOIN reads ON reads.reader = v.oid
      JOIN application_relation b ON b.oid = reads.relation
     WHERE v.oid NOT IN (SELECT u.oid FROM unsafe u)
  )
  SELECT a.oid,
         CASE a.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END,
         a.name,
         CASE a.relkind WHEN 'v' THEN 'view ' ELSE 'materialized view ' END || a.name,
         a.relowner, pg_get_userbyid(a.relowner)::text,
         (SELECT string_agg(DISTINCT format('public.%I', t.relname), ', ')
            FROM over_tenant o JOIN pg_class t ON t.oid = o.tenant_table WHERE o.oid = a.oid),
         bool_or(r.entry IS NULL),
         string_agg(DISTINCT 'view ' || e.name, ', ')
    FROM unsafe u
    JOIN application_relation a ON a.oid = u.oid
    JOIN reached r ON r.oid = u.oid
    LEFT JOIN application_relation e ON e.oid = r.entry
   GROUP BY a.oid, a.relkind, a.name, a.relowner
   ORDER BY a.name
$$;

-- Roles, before anything changes: row level security is forced on every tenant table (the
-- tables of the contract above), which binds their owner too. So:
--   * the role running the install must be able to alter each of them (own it, or have its
--     owner's privileges): otherwise the install would fail half way, at the first ALTER;
--   * any other role that owns one or holds privileges on one, and does not bypass row
--     level security, reads no row of it after the install and writes none (the policies
--     let in only authenticated, acting as a user). On plain PostgreSQL that is usually the
--     application itself, connected as the owner of its tables: it would lose every row,
--     silently. The install names each such role, with the two remedies, and stops, unless
--     memtech.accept_bound_roles lists it (or is '*'): the operator has chosen to bind it.
-- Left out: the API roles anon and authenticated (bound by design; a re-run finds the
-- package's own grants to authenticated; a table they own stopped the install above),
-- PUBLIC (not a role), and roles that bypass row level security by their own attributes,
-- SUPERUSER or BYPASSRLS (the role running the install is one). Only a role's own
-- attributes count, as PostgreSQL decides: they are never inherited, so a member of a
-- BYPASSRLS role is bound unless it has BYPASSRLS itself. And only a role's own ownership and
-- grants (table or column) are looked at: a role that reaches the tables through a role it
-- belongs to is not named, that role is.
DO $roles$
DECLARE
  accepted text[] := ARRAY(SELECT btrim(a) FROM regexp_split_to_table(
                             coalesce(current_setting('memtech.accept_bound_roles', true), ''), ',') a
                            WHERE btrim(a) <> '');
  not_owned text[];
  bound record;
  refused text[] := '{}';
  refused_detail text[] := '{}';
BEGIN
  SELECT array_agg(format('%s (owned by %s)', c.oid::regclass, pg_get_userbyid(c.relowner)) ORDER BY c.relname)
    INTO not_owned
    FROM pg_class c
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
     AND c.relname IN (SELECT m.table_name FROM pg_temp.memtech_tenant_table m)
     AND NOT pg_has_role(c.relowner, 'USAGE');
  IF not_owned IS NOT NULL THEN
    RAISE EXCEPTION 'memtech must be run by the owner of the tables it changes; % may not alter %', current_user,
                    array_to_string(not_owned, ', ')
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Nothing was changed. Run the install as that owner (it needs BYPASSRLS) or as a superuser.';
  END IF;

  PERFORM pg_temp.memtech_notice('checking which roles own or use the tenant tables');
  FOR bound IN
    WITH tenant_table AS (
      SELECT c.oid, c.relowner, c.relacl FROM pg_class c
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
         AND c.relname IN (SELECT m.table_name FROM pg_temp.memtech_tenant_table m)
    ), use (role_oid, table_name, what) AS (
      SELECT t.relowner, t.oid::regclass::text, 'owns ' || t.oid::regclass::text FROM tenant_table t
      UNION ALL
      SELECT a.grantee, t.oid::regclass::text,
             string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) || ' on ' || t.oid::regclass::text
        FROM tenant_table t, aclexplode(t.relacl) a
       WHERE a.grantee <> 0 AND a.grantee <> t.relowner
       GROUP BY a.grantee, t.oid
      UNION ALL
      SELECT x.grantee, t.oid::regclass::text,
             format('%s (%s) on %s', x.privilege_type, string_agg(quote_ident(col.attname), ', ' ORDER BY col.attnum),
                    t.oid::regclass)
        FROM tenant_table t
        JOIN pg_attribute col ON col.attrelid = t.oid AND col.attnum > 0 AND NOT col.attisdropped
        CROSS JOIN LATERAL aclexplode(col.attacl) x
       WHERE x.grantee <> 0 AND x.grantee <> t.relowner
       GROUP BY x.grantee, t.oid, x.privilege_type
    )
    SELECT r.rolname::text AS role_name,
           string_agg(u.what, '; ' ORDER BY u.table_name, u.what) AS uses,
           coalesce(pg_has_role(r.oid, to_regrole('authenticated'), 'MEMBER'), false) AS member_of_authenticated
      FROM use u JOIN pg_roles r ON r.oid = u.role_oid
     WHERE r.rolname NOT IN ('anon', 'authenticated') AND NOT r.rolsuper AND NOT r.rolbypassrls
     GROUP BY r.oid, r.rolname
     ORDER BY r.rolname
  LOOP
    IF '*' = ANY (accepted) OR bound.role_name = ANY (accepted) THEN
      PERFORM pg_temp.memtech_notice('role %s (%s) will be bound by row level security, as '
        'memtech.accept_bound_roles allows: it will read and write no row of these tables unless it acts as a user '
        '(SET LOCAL ROLE authenticated and SET LOCAL app.user_id in each transaction%s)',
        bound.role_name, bound.uses,
        CASE WHEN bound.member_of_authenticated THEN '' ELSE format(', after GRANT authenticated TO %I', bound.role_name) END);
    ELSE
      refused := refused || bound.role_name;
      refused_detail := refused_detail || format('%s: %s%s', bound.role_name, bound.uses,
        CASE WHEN bound.member_of_authenticated THEN ' (already a member of authenticated)' ELSE '' END);
    END IF;
  END LOOP;
  IF cardinality(refused) > 0 THEN
    RAISE EXCEPTION 'memtech would lock role(s) % out of the tables they own or use: row level security, forced by the install, binds every role that is neither superuser nor BYPASSRLS',
                    array_to_string(refused, ', ')
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'After the install each would read no row of these tables and write none:' || E'\n'
                     || array_to_string(refused_detail, E'\n'),
            HINT = format('Nothing was changed. Give each role one of two remedies. For backend and job work across companies: '
                          'ALTER ROLE <role> BYPASSRLS. To act as a user: GRANT authenticated TO <role>, then in each transaction '
                          'SET LOCAL ROLE authenticated and SET LOCAL app.user_id = ''<users.id>''. A role that stays bound must be '
                          'accepted: run the install with memtech.accept_bound_roles = %L (or ''*'').',
                          array_to_string(accepted || refused, ','));
  END IF;
END
$roles$;

-- Where memtech is installed already (a re-run, an upgrade), the application is using the
-- package's tables and its private ones: lock everything this install may change, those, the
-- v0 tables and the views it will make security_invoker, now, at once, in short attempts.
-- Taken one by one as each module reached them, the locks could deadlock with the
-- application's statements (a tenant's statement on projects reads memtech.active_member),
-- and a wait would not say who is in the way. On a first install only the v0 tables (and the
-- application's views) are in use: module 08 locks them late, all at once.
DO $$
BEGIN
  IF to_regclass('memtech.installation') IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_lock_tables(ARRAY(
    SELECT c.oid::regclass FROM pg_class c
     WHERE c.relkind IN ('r', 'p')
       AND (c.relnamespace = 'memtech'::regnamespace
            OR (c.relnamespace = 'public'::regnamespace
                AND c.relname IN (SELECT m.table_name FROM pg_temp.memtech_tenant_table m)))
    UNION
    SELECT x.relation::regclass FROM pg_temp.memtech_exposed_relations() x
     WHERE x.kind = 'view' AND current_setting('server_version_num')::int >= 150000
       AND pg_has_role(x.owner_oid, 'USAGE')));
END
$$;
