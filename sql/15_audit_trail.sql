-- The audit trail: every insert, update and delete on the tenant tables writes one
-- audit_log row per row touched, with who (the acting user, NULL for system work), where
-- from (client address and agent), and what (the row; for an update only the columns that
-- changed, old and new). Secrets are redacted. The triggers are statement-level with
-- transition tables: a statement touching many rows writes its trail in one INSERT ...
-- SELECT instead of one call per row.
-- document_chunks is left out: it is bulk RAG data cut from a memoire, rewritten whole
-- when the memoire is re-chunked; the memoire's own trail says who changed what.

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
INSERT INTO memtech.secret_column VALUES ('users', 'password_hash') ON CONFLICT DO NOTHING;

CREATE OR REPLACE FUNCTION memtech.request_origin(OUT client_ip inet, OUT user_agent text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog
AS $$
DECLARE
  headers jsonb;
  address text;
BEGIN
  -- PostgREST sets request.headers (JSON, names in lower case); a backend sets app.*.
  BEGIN
    headers := nullif(current_setting('request.headers', true), '')::jsonb;
  EXCEPTION WHEN OTHERS THEN
    headers := NULL;
  END;
  IF jsonb_typeof(headers) IS DISTINCT FROM 'object' THEN
    headers := NULL;
  END IF;
  address := coalesce(btrim(split_part(headers ->> 'x-forwarded-for', ',', 1)),
                      current_setting('app.client_ip', true));
  user_agent := left(nullif(coalesce(headers ->> 'user-agent', current_setting('app.user_agent', true)), ''), 1000);
  -- Header values come from the client: a malformed address is recorded as unknown rather
  -- than failing the user's write.
  BEGIN
    client_ip := nullif(address, '')::inet;
  EXCEPTION WHEN OTHERS THEN
    client_ip := NULL;
  END;
END
$$;
COMMENT ON FUNCTION memtech.request_origin() IS
  'Where the request came from: the first x-forwarded-for address and the user-agent of request.headers, else app.client_ip and app.user_agent; a malformed address gives NULL.';

CREATE OR REPLACE FUNCTION memtech.audit_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
AS $$
DECLARE
  actor   uuid;
  origin  record;
  secrets text[] := ARRAY(SELECT column_name FROM memtech.secret_column WHERE table_name = TG_TABLE_NAME);
  tenant  text := CASE TG_TABLE_NAME WHEN 'companies' THEN 'id' ELSE 'company_id' END;
  has_id  boolean := EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = TG_RELID AND attname = 'id'
                               AND atttypid = 'uuid'::regtype AND NOT attisdropped);
  key_match text;
BEGIN
  -- The actor only if that user exists: a stale app.user_id must not fail the write.
  SELECT u.id INTO actor FROM public.users u WHERE u.id = memtech.current_user_id();
  SELECT * INTO origin FROM memtech.request_origin();
  IF TG_OP IN ('INSERT', 'DELETE') THEN
    EXECUTE format($q$
      INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, details, ip_address, user_agent)
      SELECT c.id, %L, $1, %L, %s,
             r.j || coalesce((SELECT jsonb_object_agg(s, '[redacted]'::text) FROM unnest($2) s WHERE r.j ? s), '{}'),
             $3, $4
        FROM (SELECT to_jsonb(t) AS j FROM %I t) r
        LEFT JOIN public.companies c ON c.id = (r.j ->> %L)::uuid$q$,
      lower(TG_OP), TG_TABLE_NAME, CASE WHEN has_id THEN '(r.j ->> ''id'')::uuid' ELSE 'NULL' END,
      CASE TG_OP WHEN 'INSERT' THEN 'new_rows' ELSE 'old_rows' END, tenant)
    USING actor, secrets, origin.client_ip, origin.user_agent;
  ELSE
    -- Old and new versions of a row are paired by primary key.
    SELECT string_agg(format('n.j -> %1$L = o.j -> %1$L', a.attname), ' AND ') INTO key_match
      FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE i.indrelid = TG_RELID AND i.indisprimary;
    -- An update that changed a key leaves rows unpaired (as many old as new): those are
    -- paired in key order, exact for the usual single-row update.
    EXECUTE format($q$
      WITH n AS (SELECT to_jsonb(t) AS j FROM new_rows t),
           o AS (SELECT to_jsonb(t) AS j FROM old_rows t),
           pair AS (
             SELECT n.j AS nj, o.j AS oj FROM n JOIN o ON %1$s
             UNION ALL
             SELECT n_left.j, o_left.j
               FROM (SELECT n.j, row_number() OVER (ORDER BY n.j::text) AS k FROM n
                      WHERE NOT EXISTS (SELECT 1 FROM o WHERE %1$s)) n_left
               JOIN (SELECT o.j, row_number() OVER (ORDER BY o.j::text) AS k FROM o
                      WHERE NOT EXISTS (SELECT 1 FROM n WHERE %1$s)) o_left USING (k))
      INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, details, ip_address, user_agent)
      SELECT c.id, 'update', $1, %2$L, %3$s,
             (SELECT coalesce(jsonb_object_agg(e.key,
                       CASE WHEN e.key = ANY ($2) THEN '{"old": "[redacted]", "new": "[redacted]"}'::jsonb
                            ELSE jsonb_build_object('old', p.oj -> e.key, 'new', e.value) END), '{}')
                FROM jsonb_each(p.nj) e
               WHERE e.value IS DISTINCT FROM p.oj -> e.key AND e.key <> 'updated_at'),
             $3, $4
        FROM pair p
        LEFT JOIN public.companies c ON c.id = (p.nj ->> %4$L)::uuid$q$,
      key_match, TG_TABLE_NAME, CASE WHEN has_id THEN '(p.nj ->> ''id'')::uuid' ELSE 'NULL' END, tenant)
    USING actor, secrets, origin.client_ip, origin.user_agent;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION memtech.audit_changes() IS
  'AFTER ... FOR EACH STATEMENT trigger: writes one audit_log row per row the statement touched, from the transition tables, with secrets redacted. SECURITY DEFINER because no API role may write audit_log.';

CREATE OR REPLACE FUNCTION memtech.keep_audit_log() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog
AS $$
BEGIN
  -- The one change allowed: a deleted user's or company's id becomes NULL (foreign keys).
  IF TG_OP = 'UPDATE'
     AND (to_jsonb(NEW) - 'user_id' - 'company_id') = (to_jsonb(OLD) - 'user_id' - 'company_id')
     AND (NEW.user_id IS NULL OR NEW.user_id = OLD.user_id)
     AND (NEW.company_id IS NULL OR NEW.company_id = OLD.company_id) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', lower(TG_OP)
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'The trail is written by triggers and kept; an operator who must purge it disables trigger audit_log_append_only first.';
END
$$;
COMMENT ON FUNCTION memtech.keep_audit_log() IS
  'Refuses every update, delete and truncate of audit_log, except the foreign keys setting a deleted user''s or company''s id to NULL.';
REVOKE ALL ON FUNCTION memtech.request_origin(), memtech.audit_changes(), memtech.keep_audit_log() FROM PUBLIC;

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
BEGIN
  FOREACH t IN ARRAY ARRAY['companies', 'users', 'content_blocks', 'files', 'block_files', 'past_projects',
                           'section_templates', 'projects', 'memoires', 'sections', 'rc_analysis',
                           'content_matches', 'generation_requests'] LOOP
    FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete'] LOOP
      EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER %s ON public.%I REFERENCING %s
                      FOR EACH STATEMENT EXECUTE FUNCTION memtech.audit_changes()',
                     t || '_audit_' || op, upper(op), t,
                     CASE op WHEN 'insert' THEN 'NEW TABLE AS new_rows'
                             WHEN 'delete' THEN 'OLD TABLE AS old_rows'
                             ELSE 'OLD TABLE AS old_rows NEW TABLE AS new_rows' END);
      EXECUTE format('COMMENT ON TRIGGER %I ON public.%I IS %L', t || '_audit_' || op, t,
                     format('Writes the audit trail of each %s, once per statement.', op));
    END LOOP;
  END LOOP;
END
$$;
