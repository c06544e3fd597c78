-- The opening of both scripts, the install and the uninstall: who may run them, one at a
-- time, how long they may wait for a lock, and the helpers both use. The helpers live in
-- pg_temp: they exist for this session only, so the package leaves no machinery behind,
-- and the uninstall has them even when memtech is already gone. Those of one script only
-- are in toolkit/install.sql and toolkit/uninstall.sql.
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

DO $prologue$
DECLARE
  wanted text := coalesce(nullif(current_setting('memtech.lock_timeout', true), ''), '5s');
BEGIN
  IF current_setting('server_version_num')::int < 140000 THEN
    RAISE EXCEPTION 'memtech needs PostgreSQL 14 or later; this server is %', current_setting('server_version')
      USING HINT = 'Nothing was changed. Upgrade the server, then run the script again.';
  END IF;
  -- Under forced row level security an owner without BYPASSRLS sees no row: its backfills
  -- would silently match nothing and it would lock itself out of its own tables.
  IF NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    RAISE EXCEPTION 'memtech must be run by a superuser or a role with BYPASSRLS; % is neither', current_user
      USING HINT = 'Nothing was changed. Connect as the database owner that has BYPASSRLS (on Supabase: postgres) and run the script again.';
  END IF;
  BEGIN
    PERFORM set_config('lock_timeout', wanted, true);
  EXCEPTION WHEN invalid_parameter_value THEN
    RAISE EXCEPTION 'memtech.lock_timeout = % is not a duration', wanted
      USING HINT = 'Nothing was changed. Give a value such as ''5s'' or ''500ms''.';
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
