-- The audit trail: every insert, update and delete on the tables the manifest marks audited
-- writes one audit_log row per row inserted, changed or deleted: who (the acting user, NULL
-- for system work), where from (client address and agent), and what (the row; for an update
-- only the columns that changed, old and new; a row an update left as it was records
-- nothing). Secrets are redacted. Statement-level triggers with transition tables: a
-- statement touching many rows writes its trail in one INSERT ... SELECT.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('audit trail'); END $$;

CREATE TABLE IF NOT EXISTS memtech.secret_column (
  table_name  text NOT NULL,
  column_name text NOT NULL,
  PRIMARY KEY (table_name, column_name)
);
COMMENT ON TABLE memtech.secret_column IS
  'Columns whose values never reach the audit trail: they are written as "[redacted]". Add a row to mark another column secret.';
COMMENT ON COLUMN memtech.secret_column.table_name IS 'Table in public.';
COMMENT ON COLUMN memtech.secret_column.column_name IS 'Its secret column.';
INSERT INTO memtech.secret_column (table_name, column_name)
SELECT t.table_name, c FROM pg_temp.memtech_tenant_table t, unnest(t.secret_columns) c
ON CONFLICT DO NOTHING;

CREATE OR REPLACE FUNCTION memtech.request_origin(OUT client_ip inet, OUT user_agent text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  raw       text := nullif(current_setting('request.headers', true), '');
  proxies   text := coalesce(nullif(btrim(current_setting('memtech.trusted_proxies', true)), ''), '1');
  headers   jsonb;
  forwarded text[];
  address   text;
BEGIN
  -- PostgREST sets request.headers (JSON, names in lower case); a backend sets app.*.
  -- Each exception block is a subtransaction: entered only when there is something to parse.
  IF raw IS NOT NULL THEN
    BEGIN
      headers := raw::jsonb;
    EXCEPTION WHEN OTHERS THEN
      headers := NULL;
    END;
    IF jsonb_typeof(headers) IS DISTINCT FROM 'object' THEN
      headers := NULL;
    END IF;
  END IF;
  forwarded := string_to_array(headers ->> 'x-forwarded-for', ',');
  IF forwarded IS NULL THEN
    address := current_setting('app.client_ip', true);
  ELSE
    -- Each proxy appends the address it got the request from, after whatever the client
    -- wrote itself: of the entries, only the last memtech.trusted_proxies were written by
    -- proxies. The first of those is the client's; with fewer entries, the leftmost.
    IF proxies !~ '^[0-9]{1,3}$' THEN
      RAISE EXCEPTION 'memtech.trusted_proxies = % is not a number of proxies', proxies
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Set it to how many proxies in front of the API append to X-Forwarded-For (1 for PostgREST behind one load balancer; 0 to ignore the header).';
    END IF;
    IF proxies::int > 0 THEN
      address := btrim(forwarded[greatest(1, cardinality(forwarded) - proxies::int + 1)]);
    END IF;
  END IF;
  user_agent := left(nullif(coalesce(headers ->> 'user-agent', current_setting('app.user_agent', true)), ''), 1000);
  -- Header values come from the client: what is not one host's address (a port after it is
  -- dropped) is recorded as unknown rather than failing the user's write.
  address := nullif(btrim(address), '');
  IF address IS NOT NULL THEN
    address := coalesce(substring(address FROM '^\[([0-9A-Fa-f:.]+)\](?::[0-9]+)?$'),
                        substring(address FROM '^([0-9.]+):[0-9]+$'), address);
    BEGIN
      client_ip := address::inet;
    EXCEPTION WHEN OTHERS THEN
      client_ip := NULL;
    END;
    IF masklen(client_ip) <> (CASE family(client_ip) WHEN 4 THEN 32 ELSE 128 END) THEN
      client_ip := NULL;
    END IF;
  END IF;
END
$$;
COMMENT ON FUNCTION memtech.request_origin() IS
  'Where the request came from: the X-Forwarded-For entry that the nearest trusted proxy appended (memtech.trusted_proxies from the right, default 1: the last) and the user-agent of request.headers, else app.client_ip and app.user_agent; what is not a host address gives NULL.';

-- What an update changed, from the two versions of a row as jsonb: the fallback of the
-- generated functions once a table's columns changed under them.
CREATE OR REPLACE FUNCTION memtech.audit_diff(old jsonb, new jsonb, secrets jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(jsonb_object_agg(e.key,
           CASE WHEN secrets ? e.key
                THEN '{"old": "[redacted]", "new": "[redacted]"}'::jsonb
                ELSE jsonb_build_object('old', old -> e.key, 'new', e.value) END),
           '{}'::jsonb)
    FROM jsonb_each(new) e
   WHERE e.value IS DISTINCT FROM old -> e.key
     AND e.key <> 'updated_at'
$$;
COMMENT ON FUNCTION memtech.audit_diff(jsonb, jsonb, jsonb) IS
  'What an update changed, as {"column": {"old": ..., "new": ...}}: updated_at left out (every update changes it), the columns that are keys of secrets redacted; {} when nothing else changed, which the trail then does not record. For the updates the generated audit functions cannot compare column by column.';

-- One trigger function per audited table, generated from the table's columns, primary key
-- and secret columns. Static SQL: PL/pgSQL compiles the function once per trigger and keeps
-- the plans of its statements for the session, so a write pays for no parsing or planning
-- (without nested loops: a plan kept from single-row statements must not pair the old and
-- new rows of a bulk update one against each, which takes minutes for 100,000 rows);
-- an update compares the columns themselves instead of converting both versions of every
-- row to jsonb; and the secrets are written in, so that no write looks them up. Writing to
-- memtech.secret_column generates the functions again. If the table's columns are no
-- longer those the function was generated for (the application added, dropped or renamed
-- one), an update falls back to comparing the rows as jsonb, so that nothing goes
-- unrecorded, until the function is generated again (this function, or the install).
CREATE OR REPLACE FUNCTION memtech.generate_audit_function(tbl text) RETURNS regprocedure
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $gen$
DECLARE
  rel       regclass := to_regclass(format('public.%I', tbl));
  fn        text := format('memtech.%I', 'audit_' || tbl);
  -- How a row finds its company, from the manifest: a company is its own (id).
  tenant    text := coalesce((SELECT CASE m.company_via WHEN 'id' THEN 'id' END FROM memtech.tenant_table m
                               WHERE m.table_name = tbl), 'company_id');
  has_id    boolean;
  parts     jsonb;
  part      record;
  body      text;
  columns   text[];
  secrets   jsonb;
  pair_on   text;
  diff      text;
BEGIN
  IF rel IS NULL THEN
    RAISE EXCEPTION 'table public.% does not exist', tbl USING ERRCODE = 'undefined_table';
  END IF;
  SELECT array_agg(a.attname::text ORDER BY a.attname::text) INTO columns
    FROM pg_attribute a WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped;
  has_id := EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = rel AND a.attname = 'id'
                      AND a.atttypid = 'uuid'::regtype AND NOT a.attisdropped);
  SELECT coalesce(jsonb_object_agg(s.column_name, '[redacted]'::text), '{}') INTO secrets
    FROM memtech.secret_column s
   WHERE s.table_name = tbl AND s.column_name = ANY (columns);
  -- New row n and old row o are the same row: equal primary keys.
  SELECT string_agg(format('n.%1$I = o.%1$I', a.attname), ' AND ') INTO pair_on
    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
   WHERE i.indrelid = rel AND i.indisprimary;
  IF pair_on IS NULL THEN
    RAISE EXCEPTION 'table public.% has no primary key, so its audit trail cannot pair old and new rows', tbl
      USING HINT = 'Give the table a primary key, then run the install again.';
  END IF;
  -- Each column that changed, as {"column": {"old": ..., "new": ...}}, concatenated;
  -- updated_at left out. Types without an equality operator are compared as jsonb.
  SELECT string_agg(format('CASE WHEN %2$s THEN jsonb_build_object(%1$L, %3$s) ELSE ''{}'' END',
           a.attname,
           CASE WHEN EXISTS (SELECT 1 FROM pg_operator op
                              WHERE op.oprname = '=' AND op.oprleft = op.oprright
                                AND op.oprleft IN (a.atttypid, t.typbasetype,
                                                   CASE WHEN t.typtype = 'e' THEN 'anyenum'::regtype END,
                                                   CASE WHEN t.typcategory = 'A' THEN 'anyarray'::regtype END))
                  AND (t.typcategory <> 'A' OR EXISTS (SELECT 1 FROM pg_operator op
                        WHERE op.oprname = '=' AND op.oprleft = t.typelem AND op.oprright = t.typelem))
                THEN format('n.%1$I IS DISTINCT FROM o.%1$I', a.attname)
                ELSE format('to_jsonb(n.%1$I) IS DISTINCT FROM to_jsonb(o.%1$I)', a.attname) END,
           CASE WHEN secrets ? a.attname THEN quote_literal('{"old": "[redacted]", "new": "[redacted]"}') || '::jsonb'
                ELSE format('jsonb_build_object(''old'', o.%1$I, ''new'', n.%1$I)', a.attname) END),
           E'\n           || ' ORDER BY a.attnum)
    INTO diff
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
   WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'updated_at';

  -- The function's text: a template whose {{parts}} are filled in below, so that what it
  -- writes for a table reads as SQL (test/golden/ holds what it writes for content_blocks).
  body := $fn$
CREATE OR REPLACE FUNCTION {{function}}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET enable_nestloop = off
AS $body$
DECLARE
  same_columns boolean;
  touched      bigint;
  written      bigint;
BEGIN
  -- Each statement starts from ctx, what its entries share: the actor (only if that user
  -- exists: a stale app.user_id must not fail the write) and where the request came from.
  -- Part of the statement rather than a query of its own, which would cost about as much as
  -- the entry of a single row. Read as sub-selects, run once, not joined: with
  -- enable_nestloop off, a join to a one-row ctx can only be a nested loop priced at its
  -- "disabled" cost, high enough for jit = on to compile every audited statement.

  IF TG_OP = 'INSERT' THEN
    -- The company of a new row exists: its foreign key was checked before this trigger.
    WITH ctx AS MATERIALIZED ({{context}})
    INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, details, ip_address, user_agent)
    SELECT n.{{company_column}}, 'insert', (SELECT actor FROM ctx), TG_TABLE_NAME, {{new_id}}, to_jsonb(n){{redacted_secrets}},
           (SELECT client_ip FROM ctx), (SELECT user_agent FROM ctx)
      FROM new_rows n;
    RETURN NULL;
  END IF;

  IF TG_OP = 'DELETE' THEN
    -- A row deleted with its company (ON DELETE CASCADE) keeps its trail, with the company's id.
    WITH ctx AS MATERIALIZED ({{context}})
    INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, details, ip_address, user_agent)
    SELECT o.{{company_column}}, 'delete', (SELECT actor FROM ctx), TG_TABLE_NAME, {{old_id}},
           to_jsonb(o){{redacted_secrets}}, (SELECT client_ip FROM ctx), (SELECT user_agent FROM ctx)
      FROM old_rows o;
    RETURN NULL;
  END IF;

  -- An update: the old and new versions of a row are paired by primary key, and only the
  -- columns that changed are written, old and new. Whether the table still has the
  -- columns this function was written for is read from the first new row rather than
  -- from the catalog, which would cost more than the entry of a single-row update: the
  -- same keys, no more (jsonb minus them is empty) and no fewer (?&), with no sort of the keys.
  SELECT (SELECT f.j - {{columns}}::text[] = '{}'::jsonb AND f.j ?& {{columns}}::text[]
            FROM (SELECT to_jsonb(n) AS j FROM new_rows n LIMIT 1) f),
         (SELECT count(*) FROM new_rows)
    INTO same_columns, touched;
  -- A row the statement left as it was (updated_at aside) records nothing: its details
  -- would be empty. The details are computed once, below the OFFSET 0 that keeps the
  -- planner from copying their expression into the filter.
  IF same_columns THEN
    WITH ctx AS MATERIALIZED ({{context}})
    INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, details, ip_address, user_agent)
    SELECT d.company_id, 'update', (SELECT actor FROM ctx), TG_TABLE_NAME, d.resource_id, d.details,
           (SELECT client_ip FROM ctx), (SELECT user_agent FROM ctx)
      FROM (SELECT n.{{company_column}} AS company_id, {{new_id}} AS resource_id,
                   '{}'::jsonb
                   || {{changes}} AS details
              FROM new_rows n JOIN old_rows o ON {{same_row}} OFFSET 0) d
     WHERE d.details <> '{}'::jsonb;
  ELSE
    WITH ctx AS MATERIALIZED ({{context}})
    INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, details, ip_address, user_agent)
    SELECT d.company_id, 'update', (SELECT actor FROM ctx), TG_TABLE_NAME, d.resource_id, d.details,
           (SELECT client_ip FROM ctx), (SELECT user_agent FROM ctx)
      FROM (SELECT (p.nj ->> {{company_key}})::uuid AS company_id, {{paired_id}} AS resource_id,
                   memtech.audit_diff(p.oj, p.nj, {{secrets}}) AS details
              FROM (SELECT to_jsonb(n) AS nj, to_jsonb(o) AS oj FROM new_rows n JOIN old_rows o ON {{same_row}} OFFSET 0) p
            OFFSET 0) d
     WHERE d.details <> '{}'::jsonb;
  END IF;
  GET DIAGNOSTICS written = ROW_COUNT;
  IF written < touched THEN
    -- Rows were left unchanged, or the update changed keys: the rows left unpaired (as many
    -- old as new) are paired in key order, exact for the usual single-row update.
    WITH ctx AS MATERIALIZED ({{context}})
    INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, details, ip_address, user_agent)
    SELECT d.company_id, 'update', (SELECT actor FROM ctx), TG_TABLE_NAME, d.resource_id, d.details,
           (SELECT client_ip FROM ctx), (SELECT user_agent FROM ctx)
      FROM (SELECT (p.nj ->> {{company_key}})::uuid AS company_id, {{paired_id}} AS resource_id,
                   memtech.audit_diff(p.oj, p.nj, {{secrets}}) AS details
              FROM (SELECT nu.j AS nj, ou.j AS oj
                      FROM (SELECT to_jsonb(n) AS j, row_number() OVER (ORDER BY to_jsonb(n)::text) AS k FROM new_rows n
                             WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE {{same_row}})) nu
                      JOIN (SELECT to_jsonb(o) AS j, row_number() OVER (ORDER BY to_jsonb(o)::text) AS k FROM old_rows o
                             WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE {{same_row}})) ou USING (k)
                    OFFSET 0) p
            OFFSET 0) d
     WHERE d.details <> '{}'::jsonb;
  END IF;
  RETURN NULL;
END
$body$
$fn$;
  parts := jsonb_build_object(
    'function', fn,
    'company_column', quote_ident(tenant),                        -- the row's company
    'company_key', quote_literal(tenant),                         -- the same, as a key of the row as jsonb
    'new_id', CASE WHEN has_id THEN 'n.id' ELSE 'NULL::uuid' END,  -- resource_id of a new row
    'old_id', CASE WHEN has_id THEN 'o.id' ELSE 'NULL::uuid' END,  -- of an old row
    'paired_id', CASE WHEN has_id THEN '(p.nj ->> ''id'')::uuid' ELSE 'NULL::uuid' END,
    'columns', quote_literal(columns::text),                      -- the columns it was written for
    'changes', diff,                                              -- each changed column, old and new
    'same_row', pair_on,                                          -- an old and a new row are one row
    'context', 'SELECT (SELECT u.id FROM public.users u WHERE u.id = memtech.current_user_id()) AS actor, '
               'o.client_ip, o.user_agent FROM memtech.request_origin() o',
    'redacted_secrets', CASE WHEN secrets = '{}' THEN '' ELSE format(' || %L::jsonb', secrets) END,
    'secrets', quote_literal(secrets::text));
  FOR part IN SELECT * FROM jsonb_each_text(parts) LOOP
    body := replace(body, '{{' || part.key || '}}', part.value);
  END LOOP;
  IF body ~ '\{\{\w+\}\}' THEN
    RAISE EXCEPTION 'memtech.generate_audit_function: the template names a part it is not given: %',
                    substring(body FROM '\{\{\w+\}\}');
  END IF;
  EXECUTE body;
  EXECUTE format('COMMENT ON FUNCTION %s() IS %L', fn, format(
    'AFTER ... FOR EACH STATEMENT trigger of %s, generated by memtech.generate_audit_function from its columns: '
    'writes one audit_log row per row the statement inserted, changed or deleted (none for a row an update left as it was, updated_at aside), from the transition tables, secrets redacted. '
    'SECURITY DEFINER because no API role may write audit_log.', tbl));
  EXECUTE format('REVOKE ALL ON FUNCTION %s() FROM PUBLIC', fn);
  RETURN format('%s()', fn)::regprocedure;
END
$gen$;
COMMENT ON FUNCTION memtech.generate_audit_function(text) IS
  'Writes (again) memtech.audit_<table>(), the audit trigger function of public.<table>, for the table''s current columns and secrets. Run it after altering an audited table; the install and every change to memtech.secret_column run it too.';

CREATE OR REPLACE FUNCTION memtech.regenerate_audit_functions() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  tbl text;
BEGIN
  -- The audited tables: those whose insert trigger runs their generated function.
  FOR tbl IN SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
              WHERE c.relnamespace = 'public'::regnamespace AND t.tgname = c.relname || '_audit_insert'
                AND t.tgfoid = to_regprocedure(format('memtech.%I()', 'audit_' || c.relname)) LOOP
    PERFORM memtech.generate_audit_function(tbl);
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION memtech.regenerate_audit_functions() IS
  'AFTER ... FOR EACH STATEMENT trigger of memtech.secret_column: the generated audit functions have the secrets written in, so a change of them generates the functions again.';

CREATE OR REPLACE FUNCTION memtech.keep_audit_log() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- The one change allowed: a deleted user's id becomes NULL (its foreign key).
  IF TG_OP = 'UPDATE'
     AND (to_jsonb(NEW) - 'user_id') = (to_jsonb(OLD) - 'user_id')
     AND (NEW.user_id IS NULL OR NEW.user_id = OLD.user_id) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', lower(TG_OP)
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'The trail is written by triggers and kept; an operator who must purge it disables trigger audit_log_append_only first.';
END
$$;
COMMENT ON FUNCTION memtech.keep_audit_log() IS
  'Refuses every update, delete and truncate of audit_log, except the foreign key setting a deleted user''s id to NULL.';
REVOKE ALL ON FUNCTION memtech.request_origin(), memtech.audit_diff(jsonb, jsonb, jsonb), memtech.keep_audit_log(),
  memtech.generate_audit_function(text), memtech.regenerate_audit_functions() FROM PUBLIC;

CREATE OR REPLACE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE ON public.audit_log
  FOR EACH ROW EXECUTE FUNCTION memtech.keep_audit_log();
COMMENT ON TRIGGER audit_log_append_only ON public.audit_log IS
  'The trail is append-only, even for the owner.';
CREATE OR REPLACE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON public.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION memtech.keep_audit_log();
COMMENT ON TRIGGER audit_log_no_truncate ON public.audit_log IS
  'The trail is append-only, even for the owner.';

DO $$
DECLARE
  t text;
  op text;
  fn regprocedure;
BEGIN
  FOR t IN SELECT m.table_name FROM pg_temp.memtech_tenant_table m WHERE m.audited ORDER BY m.table_name LOOP
    fn := memtech.generate_audit_function(t);
    FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete'] LOOP
      EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER %s ON public.%I REFERENCING %s
                      FOR EACH STATEMENT EXECUTE FUNCTION %s',
                     t || '_audit_' || op, upper(op), t,
                     CASE op WHEN 'insert' THEN 'NEW TABLE AS new_rows'
                             WHEN 'delete' THEN 'OLD TABLE AS old_rows'
                             ELSE 'OLD TABLE AS old_rows NEW TABLE AS new_rows' END, fn);
      EXECUTE format('COMMENT ON TRIGGER %I ON public.%I IS %L', t || '_audit_' || op, t,
                     format('Writes the audit trail of each %s, once per statement.', op));
    END LOOP;
  END LOOP;
END
$$;

CREATE OR REPLACE TRIGGER secret_column_regenerate_audit
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON memtech.secret_column
  FOR EACH STATEMENT EXECUTE FUNCTION memtech.regenerate_audit_functions();
COMMENT ON TRIGGER secret_column_regenerate_audit ON memtech.secret_column IS
  'The audit functions have the secrets written in: a change of them writes the functions again.';
