-- Shared opening of the install and the uninstall: who may run them, one at a time, and
-- how long they may wait for a lock.
--
-- Options (custom settings under the prefix `memtech.`; give them with PGOPTIONS,
-- ALTER DATABASE ... SET, or a SET earlier in the same session):
--   memtech.lock_timeout         how long to wait for each lock before giving up (default 5s)
--   memtech.legacy_company_name  the company that receives the rows already in projects and
--                                memoires (default 'Entreprise (données existantes)')
--   memtech.confirm_data_loss    'on' lets the uninstall delete tenant data entered after the
--                                install (default off: the uninstall refuses)
--   memtech.index_build_limit    the largest v0 table on which the install indexes a column it
--                                adds (default 64MB); larger ones are left to build/finish.sql
--   memtech.accept_bound_roles   roles (comma-separated names, or '*' for all) that the operator
--                                accepts to be bound by row level security although they own or
--                                use a tenant table and do not bypass it (default none: the
--                                install stops, naming them; see 00_preflight.sql)

-- The scripts name everything outside pg_catalog with its schema, and search nothing else:
-- PUBLIC may create objects in public on PostgreSQL 14 (and wherever it was granted), and
-- a tenant's public.format(text, VARIADIC text[]) would beat pg_catalog's for an
-- unqualified call made by this superuser. pg_temp comes last, or it would be searched
-- first for types and tables (it holds only this session's own helpers below).
SET LOCAL search_path = pg_catalog, pg_temp;
-- memtech.lock_timeout's default, until the checks below apply the operator's.
SET LOCAL lock_timeout = '5s';

-- The script's progress: one NOTICE per step, through this session-local function, while
-- PostgreSQL's own "already exists, skipping" notices of a re-run stay quiet.
SET LOCAL client_min_messages = warning;
-- squawk: no statement_timeout on purpose: lock waits are bounded by lock_timeout (below),
-- and every statement must be allowed to finish for the script to apply at all; an
-- operator who must stop it cancels it, and the transaction rolls back whole.
-- squawk-ignore require-statement-timeout
CREATE OR REPLACE FUNCTION pg_temp.memtech_notice(message text, VARIADIC args text[] DEFAULT '{}')
RETURNS void LANGUAGE plpgsql SET client_min_messages = notice SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE NOTICE 'memtech: %', format(message, VARIADIC args);
END
$$;

-- The sessions with these process ids, for an error that names what stands in the way.
CREATE OR REPLACE FUNCTION pg_temp.memtech_describe_sessions(pids int[]) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(string_agg(format('pid %s (%s%s, since %s: %s)', a.pid, a.state, coalesce(', user ' || a.usename, ''),
                                    to_char(a.xact_start, 'HH24:MI:SS'), left(a.query, 80)), '; ' ORDER BY a.pid),
                  'transactions that have since ended')
    FROM pg_stat_activity a WHERE a.pid = ANY (pids) AND a.pid <> pg_backend_pid()
$$;

-- memtech.index_build_limit in bytes (see memtech_index_new_column below).
CREATE OR REPLACE FUNCTION pg_temp.memtech_index_build_limit() RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  wanted text := coalesce(nullif(current_setting('memtech.index_build_limit', true), ''), '64MB');
BEGIN
  RETURN pg_size_bytes(wanted);
EXCEPTION WHEN invalid_parameter_value THEN
  RAISE EXCEPTION 'memtech.index_build_limit = % is not a size', wanted
    USING HINT = 'Give a value such as ''64MB'', or ''0'' to leave every such index to build/finish.sql.';
END
$$;

DO $prologue$
DECLARE
  wanted text := coalesce(nullif(current_setting('memtech.lock_timeout', true), ''), '5s');
BEGIN
  IF current_setting('server_version_num')::int < 140000 THEN
    RAISE EXCEPTION 'memtech needs PostgreSQL 14 or later; this server is %', current_setting('server_version')
      USING HINT = 'Upgrade the server, then run the script again.';
  END IF;
  -- Under forced row level security an owner without BYPASSRLS sees no row: its backfills
  -- would silently match nothing and it would lock itself out of its own tables.
  IF NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    RAISE EXCEPTION 'memtech must be run by a superuser or a role with BYPASSRLS; % is neither', current_user
      USING HINT = 'Connect as the database owner that has BYPASSRLS (on Supabase: postgres) and run the script again.';
  END IF;
  BEGIN
    PERFORM set_config('lock_timeout', wanted, true);
  EXCEPTION WHEN invalid_parameter_value THEN
    RAISE EXCEPTION 'memtech.lock_timeout = % is not a duration', wanted
      USING HINT = 'Give a value such as ''5s'' or ''500ms''.';
  END;
  PERFORM pg_temp.memtech_notice('running as %s with lock_timeout %s', current_user::text, current_setting('lock_timeout'));
  -- One install or uninstall at a time: a second one waits here for the first to commit,
  -- then finds nothing left to do. Any role may take an advisory lock, so the wait is
  -- bounded like every other, and the error names who holds it.
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('memtech install'));
  EXCEPTION WHEN lock_not_available THEN
    RAISE EXCEPTION 'memtech could not start within %: another session holds the lock that lets one install or uninstall run at a time',
                    current_setting('lock_timeout')
      USING ERRCODE = 'lock_not_available',
            DETAIL = 'Held by: ' || pg_temp.memtech_describe_sessions(ARRAY(
              SELECT l.pid FROM pg_locks l
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = (
                       SELECT oid FROM pg_database WHERE datname = current_database())
                 AND l.classid::bigint = (hashtext('memtech install')::bigint >> 32) & 4294967295
                 AND l.objid::bigint = hashtext('memtech install')::bigint & 4294967295)),
            HINT = 'Nothing was changed. Wait for that session to end (an install or uninstall commits within seconds), or end it, and run the script again.';
  END;
  IF to_regnamespace('public') IS NOT NULL AND has_schema_privilege('public', 'public', 'CREATE') THEN
    PERFORM pg_temp.memtech_notice('PUBLIC may create objects in schema public, so any role, anon included, can put '
      'functions there that unqualified calls of the application resolve to; unless the application needs it, run: '
      'REVOKE CREATE ON SCHEMA public FROM PUBLIC;');
  END IF;
END
$prologue$;

-- Helpers of the install and the uninstall. They live in pg_temp: they exist for this
-- session only, so the package leaves no machinery behind, and the uninstall has them
-- even when memtech is already gone.

-- The uninstall acts only where memtech is installed: on any other database, tables named
-- like the package's belong to someone else. Every undo module starts by asking this.
CREATE OR REPLACE FUNCTION pg_temp.memtech_installed() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT to_regclass('memtech.installation') IS NOT NULL $$;

-- Adds a named constraint unless the table has one of that name, so that re-runs and hand-
-- made schemas converge. With not_valid_when_rows, a check or foreign key on a table that
-- holds rows is added NOT VALID: those rows predate the columns it checks, and validating
-- would scan the table under an exclusive lock.
CREATE OR REPLACE FUNCTION pg_temp.memtech_ensure_constraint(
  target regclass, constraint_name text, definition text, not_valid_when_rows boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  suffix text := '';
BEGIN
  IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = target AND conname = constraint_name) THEN
    RETURN;
  END IF;
  IF not_valid_when_rows AND definition !~* '^\s*(primary key|unique)' THEN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', target) INTO STRICT not_valid_when_rows;
    IF not_valid_when_rows THEN
      suffix := ' NOT VALID';
    END IF;
  END IF;
  PERFORM pg_temp.memtech_notice('adding constraint %s on %s', constraint_name, target::text || suffix);
  EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s%s', target, constraint_name, definition, suffix);
END
$$;

-- Gives a check constraint exactly this definition: added where it is missing, replaced
-- where an earlier version wrote it otherwise (PostgreSQL's own text of both is compared,
-- the wanted one read from a copy added and rolled back at once). The replacement is
-- validated against the rows there, unless the old one was NOT VALID: a definition that
-- only accepts more (users_password_hash_is_a_hash from 0.4.0 on) cannot fail on them.
CREATE OR REPLACE FUNCTION pg_temp.memtech_converge_check(target regclass, constraint_name text, definition text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  existing text;
  validated boolean;
  wanted text;
BEGIN
  SELECT pg_get_constraintdef(oid), convalidated INTO existing, validated
    FROM pg_constraint WHERE conrelid = target AND conname = constraint_name;
  IF existing IS NULL THEN
    PERFORM pg_temp.memtech_ensure_constraint(target, constraint_name, definition);
    RETURN;
  END IF;
  BEGIN
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT memtech_probe %s NOT VALID', target, definition);
    SELECT pg_get_constraintdef(oid) INTO wanted FROM pg_constraint WHERE conrelid = target AND conname = 'memtech_probe';
    RAISE SQLSTATE 'MTPRB';
  EXCEPTION WHEN SQLSTATE 'MTPRB' THEN
    NULL;  -- the copy is gone; wanted keeps its text
  END;
  IF regexp_replace(existing, ' NOT VALID$', '') = regexp_replace(wanted, ' NOT VALID$', '') THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('replacing constraint %s on %s with this version''s definition%s',
    constraint_name, target::text, CASE WHEN validated THEN ' (validated against the rows there)' ELSE ' (NOT VALID, as it was)' END);
  EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I %s%s', target, constraint_name, constraint_name,
                 definition, CASE WHEN validated THEN '' ELSE ' NOT VALID' END);
END
$$;

-- Indexes a column the install adds to a v0 table (for the foreign key's ON DELETE SET
-- NULL), leaving out NULL: every row that predates the column. Even so the build scans the
-- whole table while the v0 tables are locked, 0.2 s for a million sections: on a table
-- larger than memtech.index_build_limit it is left to build/finish.sql, which builds it
-- with CREATE INDEX CONCURRENTLY after the commit, blocking nobody.
CREATE OR REPLACE FUNCTION pg_temp.memtech_index_new_column(target regclass, index_name text, col text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  existing regclass := to_regclass(format('%I.%I', (SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = target),
                                           index_name));
BEGIN
  IF existing IS NOT NULL AND (SELECT indisvalid FROM pg_index WHERE indexrelid = existing) THEN
    RETURN;
  END IF;
  IF pg_relation_size(target) > pg_temp.memtech_index_build_limit() THEN
    PERFORM pg_temp.memtech_notice('leaving the index on %s (%s) to build/finish.sql: the table holds %s, more than '
      'memtech.index_build_limit (%s); until it runs, deleting a user scans the table',
      target::text, col, pg_size_pretty(pg_relation_size(target)), pg_size_pretty(pg_temp.memtech_index_build_limit()));
    RETURN;
  END IF;
  IF existing IS NOT NULL THEN
    -- Left invalid by an interrupted build/finish.sql.
    EXECUTE format('DROP INDEX %s', existing);
  END IF;
  EXECUTE format('CREATE INDEX %I ON %s (%I) WHERE %I IS NOT NULL', index_name, target, col, col);
END
$$;

-- Creates an enum in public with exactly these labels, or completes an earlier one that
-- has some of them in the same order; refuses any other type of that name. An open
-- vocabulary (open: memoire_section_type, whose labels come from the data) keeps whatever
-- labels the enum has beyond these, the operator's ALTER TYPE ... ADD VALUE included, and
-- adds the missing ones at its end: a label cannot be removed while rows may use it.
CREATE OR REPLACE FUNCTION pg_temp.memtech_ensure_enum(type_name text, labels text[], open boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  existing text[];
  i int;
BEGIN
  IF to_regtype('public.' || quote_ident(type_name)) IS NULL THEN
    PERFORM pg_temp.memtech_notice('creating enum public.%s', type_name);
    EXECUTE format('CREATE TYPE public.%I AS ENUM (%s)', type_name,
                   (SELECT string_agg(quote_literal(l), ', ') FROM unnest(labels) l));
    RETURN;
  END IF;
  SELECT array_agg(enumlabel::text ORDER BY enumsortorder) INTO existing
    FROM pg_enum WHERE enumtypid = to_regtype('public.' || quote_ident(type_name));
  IF open THEN
    FOR i IN 1 .. coalesce(cardinality(labels), 0) LOOP
      CONTINUE WHEN labels[i] = ANY (coalesce(existing, '{}'));
      PERFORM pg_temp.memtech_notice('adding label %s to enum public.%s', labels[i], type_name);
      EXECUTE format('ALTER TYPE public.%I ADD VALUE %L', type_name, labels[i]);
      existing := existing || labels[i];
    END LOOP;
    RETURN;
  END IF;
  -- Compatible when the existing labels are some of ours, in our order (an earlier
  -- version's enum): the missing ones are added in place. Anything else is refused.
  IF existing IS NULL OR NOT existing <@ labels
     OR existing <> ARRAY(SELECT l FROM unnest(labels) WITH ORDINALITY u(l, n) WHERE l = ANY (existing) ORDER BY n) THEN
    RAISE EXCEPTION 'type public.% has labels %, but memtech expects %', type_name, existing, labels
      USING HINT = 'Rename that type (memtech needs the name), then run the install again; nothing was changed.';
  END IF;
  FOR i IN 1 .. cardinality(labels) LOOP
    CONTINUE WHEN labels[i] = ANY (existing);
    PERFORM pg_temp.memtech_notice('adding label %s to enum public.%s', labels[i], type_name);
    IF i = 1 THEN
      EXECUTE format('ALTER TYPE public.%I ADD VALUE %L BEFORE %L', type_name, labels[i], existing[1]);
    ELSE
      EXECUTE format('ALTER TYPE public.%I ADD VALUE %L AFTER %L', type_name, labels[i], labels[i - 1]);
    END IF;
    existing := existing || labels[i];
  END LOOP;
END
$$;

-- A column the application filters on holds an enum's labels as text, checked against the
-- enum: text equality is leakproof, so under row level security a tenant's filter on it
-- can use an index (enum equality is not, and is applied only after the policy has let
-- the rows through). The enum stays the list of labels and their order. A column of an
-- earlier version that holds the enum itself is converted (a rewrite of the table).
CREATE OR REPLACE FUNCTION pg_temp.memtech_enum_as_text(
  target regclass, col text, enum_type regtype, not_valid_when_rows boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  default_value text;
BEGIN
  IF (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = target AND a.attname = col AND NOT a.attisdropped)
     = enum_type THEN
    PERFORM pg_temp.memtech_notice('converting %s.%s from enum %s to text (rewrites the table)',
      target::text, col, enum_type::text);
    -- A default keeps its value, as text (ALTER TYPE alone would keep the enum's cast in it).
    SELECT pg_get_expr(d.adbin, d.adrelid) INTO default_value
      FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
     WHERE d.adrelid = target AND a.attname = col;
    IF default_value IS NOT NULL THEN
      EXECUTE format('SELECT (%s)::text', default_value) INTO default_value;
    END IF;
    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I DROP DEFAULT, ALTER COLUMN %I TYPE text USING %I::text%s',
                   target, col, col, col,
                   CASE WHEN default_value IS NOT NULL THEN format(', ALTER COLUMN %I SET DEFAULT %L', col, default_value) ELSE '' END);
  END IF;
  PERFORM pg_temp.memtech_ensure_constraint(target, format('%s_%s_is_a_%s', (SELECT relname FROM pg_class WHERE oid = target), col,
      (SELECT typname FROM pg_type WHERE oid = enum_type)),
    format('CHECK (%I::%s IS NOT NULL)', col, enum_type), not_valid_when_rows);
END
$$;

-- Runs statements that lock the given relations ACCESS EXCLUSIVE, in short attempts retried
-- until memtech.lock_timeout, so that the script never deadlocks with the application nor
-- blocks its readers for long. Each attempt waits briefly; on failure the subtransaction
-- gives back whatever it got, so the script never holds one relation while it waits for
-- another (no deadlock with a query that uses two of them) and never stays long at the head
-- of a lock queue, where every new reader would wait behind it.
CREATE OR REPLACE FUNCTION pg_temp.memtech_in_short_attempts(statements text[], relations regclass[], what text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  saved    text := current_setting('lock_timeout');
  budget   interval := CASE WHEN saved IN ('0', '0ms') THEN NULL ELSE saved::interval END;
  deadline timestamptz := clock_timestamp() + budget;
  attempts int := 0;
  statement text;
BEGIN
  LOOP
    attempts := attempts + 1;
    BEGIN
      PERFORM set_config('lock_timeout', '200ms', true);
      FOREACH statement IN ARRAY statements LOOP
        EXECUTE statement;
      END LOOP;
      PERFORM set_config('lock_timeout', saved, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM set_config('lock_timeout', saved, true);
    END;
    IF clock_timestamp() >= deadline THEN
      RAISE EXCEPTION 'memtech could not % within % (% attempts): other transactions hold a lock on %', what, budget,
                      attempts, array_to_string(relations, ', ')
        USING ERRCODE = 'lock_not_available',
              DETAIL = 'Held by: ' || pg_temp.memtech_describe_sessions(ARRAY(
                SELECT l.pid FROM pg_locks l WHERE l.granted AND l.relation = ANY (relations))),
              HINT = 'Nothing was changed. Wait for or end those transactions, or raise memtech.lock_timeout, and run the script again.';
    END IF;
    PERFORM pg_sleep(0.05 + random() * 0.1);
  END LOOP;
END
$$;

-- Takes ACCESS EXCLUSIVE on the given application tables all at once, in one statement and
-- a fixed order.
CREATE OR REPLACE FUNCTION pg_temp.memtech_lock_tables(tables regclass[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pg_temp.memtech_notice('locking %s (waiting at most %s)', array_to_string(tables, ', '),
    CASE WHEN current_setting('lock_timeout') IN ('0', '0ms') THEN 'forever'
         ELSE current_setting('lock_timeout')::interval::text END);
  PERFORM pg_temp.memtech_in_short_attempts(
    ARRAY[format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE',
                 (SELECT string_agg(t::text, ', ' ORDER BY t::text) FROM unnest(tables) t))],
    tables, 'lock ' || array_to_string(tables, ', '));
END
$$;

-- Called by the uninstall before it drops tables, types or columns: fails, naming them,
-- when objects of the application depend on what would go.
CREATE OR REPLACE FUNCTION pg_temp.memtech_assert_removable(
  tables regclass[], types regtype[] DEFAULT '{}', columns text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  found text[];
BEGIN
  -- Whatever still depends on what is about to go, once the package's own objects are
  -- gone, belongs to the application. PostgreSQL would drop its indexes and constraints
  -- silently with a column, and refuse for a view with a hint to use CASCADE: either way
  -- the application would lose something, so stop first and say what.
  WITH removed(classid, objid, subids) AS (
    SELECT 'pg_class'::regclass, t::oid,
           (SELECT array_agg(attnum) FROM pg_attribute WHERE attrelid = t AND attname = ANY (columns))
      FROM unnest(tables) t
    UNION ALL
    SELECT 'pg_type'::regclass, reltype, NULL FROM pg_class WHERE oid = ANY (tables) AND columns IS NULL
    UNION ALL
    SELECT 'pg_type'::regclass, ty::oid, NULL FROM unnest(types) ty
    UNION ALL
    SELECT 'pg_type'::regclass, typarray, NULL FROM pg_type WHERE oid = ANY (types::oid[]) AND typarray <> 0
  ), dependent AS (
    SELECT d.classid, d.objid, d.objsubid,
           CASE d.classid
             WHEN 'pg_constraint'::regclass THEN (SELECT conrelid FROM pg_constraint WHERE oid = d.objid)
             WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = d.objid)
             WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = d.objid)
             WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = d.objid)
             WHEN 'pg_attrdef'::regclass THEN (SELECT adrelid FROM pg_attrdef WHERE oid = d.objid)
             WHEN 'pg_class'::regclass THEN coalesce((SELECT indrelid FROM pg_index WHERE indexrelid = d.objid), d.objid)
           END AS owner
      FROM pg_depend d
      JOIN removed r ON d.refclassid = r.classid AND d.refobjid = r.objid
     WHERE d.deptype IN ('n', 'a')
       AND (r.subids IS NULL OR d.refobjsubid = ANY (r.subids))
  )
  SELECT array_agg(DISTINCT pg_describe_object(classid, objid, objsubid)) INTO found
    FROM dependent
   WHERE classid <> 'pg_attrdef'::regclass            -- a removed column's own default
     AND NOT (classid = 'pg_constraint'::regclass      -- and its NOT NULL (a constraint from 18 on)
              AND (SELECT contype FROM pg_constraint WHERE oid = objid) = 'n')
     AND NOT (columns IS NULL AND owner = ANY (tables::oid[]));  -- parts of a removed table
  IF found IS NOT NULL THEN
    RAISE EXCEPTION 'memtech cannot remove %: the application''s % depend(s) on it',
                    concat_ws(' and ',
                      CASE WHEN columns IS NOT NULL THEN format('column(s) %s of %s', array_to_string(columns, ', '), tables[1])
                           WHEN cardinality(tables) > 0 THEN 'table(s) ' || array_to_string(tables, ', ') END,
                      CASE WHEN cardinality(types) > 0 THEN 'type(s) ' || array_to_string(types, ', ') END),
                    array_to_string(found, ', ')
      USING ERRCODE = 'dependent_objects_still_exist',
            HINT = 'The uninstall never drops objects it did not create. Drop or change the objects named, then run the uninstall again; nothing was changed.';
  END IF;
END
$$;

-- Comments a table (column '') or column of the application's where it has none, and
-- remembers it in memtech.added_comment so that the uninstall removes exactly those. A
-- column the table does not have is the application's choice (memtech needs only the
-- columns its preflight checks): it is left uncommented. A comment an earlier install wrote,
-- unchanged since, is brought up to this version's wording; any other is the application's.
CREATE OR REPLACE FUNCTION pg_temp.memtech_comment_if_missing(tbl text, col text, description text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  target regclass := ('public.' || quote_ident(tbl))::regclass;
  attnum int := (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = target AND a.attname = col AND NOT a.attisdropped);
  current text;
BEGIN
  IF col <> '' AND attnum IS NULL THEN
    RETURN;
  END IF;
  current := CASE WHEN col = '' THEN obj_description(target, 'pg_class') ELSE col_description(target, attnum) END;
  IF current IS NOT NULL AND (current = description OR NOT EXISTS (
       SELECT 1 FROM memtech.added_comment a WHERE a.table_name = tbl AND a.column_name = col AND a.description = current)) THEN
    RETURN;
  END IF;
  IF col = '' THEN
    EXECUTE format('COMMENT ON TABLE %s IS %L', target, description);
  ELSE
    EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, col, description);
  END IF;
  INSERT INTO memtech.added_comment VALUES (tbl, col, description)
  ON CONFLICT (table_name, column_name) DO UPDATE SET description = excluded.description;
END
$$;

-- (Re)creates the policy memtech_<purpose> on a table: USING the expression for the
-- commands that read rows, WITH CHECK it for those that write them. The prefix marks the
-- package's policies, so that the uninstall never drops one of the application's.
CREATE OR REPLACE FUNCTION pg_temp.memtech_policy(
  tbl text, purpose text, command text, grantee text, restrictive boolean, expr text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  name text := 'memtech_' || purpose;
BEGIN
  EXECUTE format('DROP POLICY IF EXISTS %I ON public.%I', name, tbl);
  EXECUTE format('CREATE POLICY %I ON public.%I AS %s FOR %s TO %s %s %s', name, tbl,
                 CASE WHEN restrictive THEN 'RESTRICTIVE' ELSE 'PERMISSIVE' END, command, grantee,
                 CASE WHEN command <> 'INSERT' THEN format('USING (%s)', expr) ELSE '' END,
                 CASE WHEN command IN ('INSERT', 'UPDATE', 'ALL') THEN format('WITH CHECK (%s)', expr) ELSE '' END);
  EXECUTE format('COMMENT ON POLICY %I ON public.%I IS %L', name, tbl,
    CASE WHEN purpose = 'tenant_isolation'
         THEN 'Restrictive: every command stays inside the acting user''s company, whatever other policies allow.'
         ELSE format('Who may %s within the company: %s.', lower(command),
                     CASE WHEN purpose LIKE 'members%' THEN 'any active member'
                          WHEN purpose LIKE 'editors%' THEN 'admins and users'
                          WHEN purpose LIKE 'admins_or_self%' THEN 'admins, and each user for their own profile'
                          ELSE 'admins' END) END);
END
$$;

-- Makes a role hold exactly these privileges on a table: grants only what is missing and
-- revokes only what is extra, so that a re-run leaves the ACL (and a schema dump) alone.
CREATE OR REPLACE FUNCTION pg_temp.memtech_grant_exactly(tbl text, to_role text, privileges text[])
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  target regclass := ('public.' || quote_ident(tbl))::regclass;
  held text[];
  missing text[];
  extra text[];
BEGIN
  SELECT coalesce(array_agg(a.privilege_type), '{}') INTO held
    FROM pg_class c, aclexplode(c.relacl) a
   WHERE c.oid = target AND a.grantee = CASE to_role WHEN 'PUBLIC' THEN 0 ELSE to_role::regrole::oid END;
  missing := ARRAY(SELECT unnest(privileges) EXCEPT SELECT unnest(held));
  extra := ARRAY(SELECT unnest(held) EXCEPT SELECT unnest(privileges));
  IF cardinality(extra) > 0 THEN
    EXECUTE format('REVOKE %s ON %s FROM %s', array_to_string(extra, ', '), target,
                   CASE to_role WHEN 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(to_role) END);
  END IF;
  IF cardinality(missing) > 0 THEN
    EXECUTE format('GRANT %s ON %s TO %I', array_to_string(missing, ', '), target, to_role);
  END IF;
END
$$;

-- The same for one privilege on columns: exactly these columns of the table.
CREATE OR REPLACE FUNCTION pg_temp.memtech_grant_columns_exactly(tbl text, to_role text, privilege text, columns text[])
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  target regclass := ('public.' || quote_ident(tbl))::regclass;
  col record;
BEGIN
  FOR col IN
    SELECT a.attname,
           a.attname = ANY (columns) AS wanted,
           EXISTS (SELECT 1 FROM aclexplode(a.attacl) x
                    WHERE x.grantee = to_role::regrole::oid AND x.privilege_type = privilege) AS held
      FROM pg_attribute a
     WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped
  LOOP
    IF col.wanted AND NOT col.held THEN
      EXECUTE format('GRANT %s (%I) ON %s TO %I', privilege, col.attname, target, to_role);
    ELSIF col.held AND NOT col.wanted THEN
      EXECUTE format('REVOKE %s (%I) ON %s FROM %I', privilege, col.attname, target, to_role);
    END IF;
  END LOOP;
END
$$;

-- Gives a table back the ACL it had: when it differs, every grantee (the owner too) loses
-- its privileges and the original entries are granted again in their original order, so
-- that the ACL is exactly as before, entries and order.
CREATE OR REPLACE FUNCTION pg_temp.memtech_restore_acl(tbl text, original aclitem[])
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  target regclass := ('public.' || quote_ident(tbl))::regclass;
  owner oid := (SELECT relowner FROM pg_class WHERE oid = target);
  wanted aclitem[] := coalesce(original, acldefault('r', (SELECT relowner FROM pg_class WHERE oid = target)));
  current aclitem[] := (SELECT relacl FROM pg_class WHERE oid = target);
  who oid;
  item record;
BEGIN
  IF coalesce(current, acldefault('r', owner)) = wanted THEN
    RETURN;
  END IF;
  FOR who IN SELECT DISTINCT a.grantee FROM aclexplode(current) a LOOP
    EXECUTE format('REVOKE ALL ON %s FROM %s CASCADE', target,
                   CASE who WHEN 0 THEN 'PUBLIC' ELSE quote_ident(who::regrole::text) END);
  END LOOP;
  FOR item IN
    SELECT n, a.grantee,
           string_agg(a.privilege_type, ', ') FILTER (WHERE NOT a.is_grantable) AS plain,
           string_agg(a.privilege_type, ', ') FILTER (WHERE a.is_grantable) AS grantable
      FROM unnest(wanted) WITH ORDINALITY AS e(entry, n), aclexplode(ARRAY[e.entry]) a
     GROUP BY n, a.grantee ORDER BY n
  LOOP
    IF item.plain IS NOT NULL THEN
      EXECUTE format('GRANT %s ON %s TO %s', item.plain, target,
                     CASE item.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(item.grantee::regrole::text) END);
    END IF;
    IF item.grantable IS NOT NULL THEN
      EXECUTE format('GRANT %s ON %s TO %s WITH GRANT OPTION', item.grantable, target,
                     CASE item.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(item.grantee::regrole::text) END);
    END IF;
  END LOOP;
END
$$;

-- The uninstall's way to drop the package's triggers: those that call one of its trigger
-- functions and bear one of its names (a trigger of the application's calling a memtech
-- function stays, and then stops the DROP FUNCTION that follows, named).
CREATE OR REPLACE FUNCTION pg_temp.memtech_drop_triggers(functions text[], name_pattern text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT tgname, tgrelid::regclass AS tbl FROM pg_trigger
            WHERE tgfoid IN (SELECT to_regprocedure(f) FROM unnest(functions) f) AND tgname ~ name_pattern LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
  END LOOP;
END
$$;

-- The uninstall's way to drop the package's tables: together (their foreign keys between
-- them need no CASCADE), and only once nothing of the application's depends on them.
CREATE OR REPLACE FUNCTION pg_temp.memtech_drop_tables(names text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  tables regclass[] := ARRAY(SELECT to_regclass(n) FROM unnest(names) n WHERE to_regclass(n) IS NOT NULL);
BEGIN
  IF NOT pg_temp.memtech_installed() OR cardinality(tables) = 0 THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_assert_removable(tables);
  PERFORM pg_temp.memtech_notice('dropping %s', array_to_string(tables, ', '));
  EXECUTE 'DROP TABLE ' || array_to_string(tables, ', ');
END
$$;

-- The uninstall's way to take columns off an application table: only once nothing of the
-- application's depends on them.
CREATE OR REPLACE FUNCTION pg_temp.memtech_drop_columns(target text, columns text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT pg_temp.memtech_installed() OR to_regclass(target) IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_assert_removable(ARRAY[to_regclass(target)], '{}', columns);
  EXECUTE format('ALTER TABLE %s %s', to_regclass(target),
                 (SELECT string_agg(format('DROP COLUMN IF EXISTS %I', c), ', ') FROM unnest(columns) c));
END
$$;

-- Gives a v0 table its NOT NULL company_id without losing a row: a catalog-only change
-- when all its rows go to the legacy company, a backfill (from the parent project for a
-- child) otherwise.
CREATE OR REPLACE FUNCTION pg_temp.memtech_add_company_id(target regclass, legacy uuid, parent regclass DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  has_column boolean;
  is_not_null boolean;
  fast boolean;
BEGIN
  SELECT true, attnotnull INTO has_column, is_not_null
    FROM pg_attribute WHERE attrelid = target AND attname = 'company_id' AND NOT attisdropped;
  IF is_not_null THEN
    RETURN;
  END IF;
  -- Fast path: a new column whose every existing row belongs to the legacy company is a
  -- constant default, stored once in the catalog. It holds for a child table only when
  -- every parent row is the legacy company's.
  fast := NOT coalesce(has_column, false);
  IF fast AND parent IS NOT NULL THEN
    EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %s WHERE company_id IS DISTINCT FROM %L)', parent, legacy)
      INTO fast;
  END IF;
  IF fast THEN
    PERFORM pg_temp.memtech_notice('adding %s.company_id, existing rows to the legacy company', target::text);
    IF legacy IS NULL THEN
      EXECUTE format('ALTER TABLE %s ADD COLUMN company_id uuid NOT NULL', target);
    ELSE
      EXECUTE format('ALTER TABLE %s ADD COLUMN company_id uuid NOT NULL DEFAULT %L', target, legacy);
      EXECUTE format('ALTER TABLE %s ALTER COLUMN company_id DROP DEFAULT', target);
    END IF;
    RETURN;
  END IF;
  -- Slow path, for a database that already had some of it: fill the gaps, then require it.
  PERFORM pg_temp.memtech_notice('backfilling %s.company_id (this rewrites the rows that lack it)', target::text);
  EXECUTE format('ALTER TABLE %s ADD COLUMN IF NOT EXISTS company_id uuid', target);
  IF parent IS NULL THEN
    EXECUTE format('UPDATE %s SET company_id = %L WHERE company_id IS NULL', target, legacy);
  ELSE
    EXECUTE format('UPDATE %s child SET company_id = parent.company_id FROM %s parent
                     WHERE parent.id = child.project_id AND child.company_id IS NULL', target, parent);
  END IF;
  EXECUTE format('ALTER TABLE %s ALTER COLUMN company_id SET NOT NULL', target);
END
$$;

-- Gives a view exactly these options (pg_class.reloptions, entries in this order; NULL for
-- none): ALTER VIEW ... SET appends what it sets, so an exact order takes a RESET of them
-- all first. ALTER VIEW locks the view while the script already holds the v0 tables, and a
-- reader of the view holds it while waiting for them: so it locks in short attempts.
CREATE OR REPLACE FUNCTION pg_temp.memtech_set_view_options(target regclass, wanted text[])
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  current text[] := (SELECT reloptions FROM pg_class WHERE oid = target);
BEGIN
  IF current IS NOT DISTINCT FROM wanted THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_in_short_attempts(array_remove(ARRAY[
    CASE WHEN current IS NOT NULL THEN
      format('ALTER VIEW %s RESET (%s)', target,
             (SELECT string_agg(quote_ident(split_part(o, '=', 1)), ', ') FROM unnest(current) o)) END,
    CASE WHEN wanted IS NOT NULL THEN
      format('ALTER VIEW %s SET (%s)', target,
             (SELECT string_agg(format('%I = %L', split_part(o, '=', 1), substr(o, strpos(o, '=') + 1)), ', ' ORDER BY n)
                FROM unnest(wanted) WITH ORDINALITY AS u(o, n))) END], NULL),
    ARRAY[target], format('lock view %s to change its options', target));
END
$$;

-- The comment an install puts on an API role it creates. Roles belong to the whole cluster,
-- and the comment (like the role) is visible from every database: the uninstall of any of
-- them, the last to use the role, recognises by it a role a memtech install created and
-- drops it, whichever database created it. Once someone changes the comment, only the
-- database whose install created the role (memtech.installation.created_roles) counts it
-- as the package's.
CREATE OR REPLACE FUNCTION pg_temp.memtech_created_role_comment(role_name text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT format('API role of PostgREST and Supabase (%s), created by a memtech install because the cluster had none. '
                'The uninstall of the last database that uses it drops it, once nothing else depends on it.',
                CASE role_name WHEN 'anon' THEN 'requests without a signed-in user'
                               ELSE 'requests of a signed-in user, whose company and role memtech reads from public.users' END)
$$;
