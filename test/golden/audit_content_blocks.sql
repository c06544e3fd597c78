-- memtech.audit_content_blocks(), as memtech.generate_audit_function('content_blocks') writes it.
-- Generated: test/test_golden.py compares it with what the install writes.
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
    WITH ctx AS MATERIALIZED (SELECT (SELECT u.id FROM public.users u WHERE u.id = memtech.current_user_id()) AS actor, o.client_ip, o.user_agent FROM memtech.request_origin() o)
    INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, details, ip_address, user_agent)
    SELECT n.company_id, 'insert', (SELECT actor FROM ctx), TG_TABLE_NAME, n.id, to_jsonb(n),
           (SELECT client_ip FROM ctx), (SELECT user_agent FROM ctx)
      FROM new_rows n;
    RETURN NULL;
  END IF;

  IF TG_OP = 'DELETE' THEN
    -- A row deleted with its company (ON DELETE CASCADE) keeps its trail, with the company's id.
    WITH ctx AS MATERIALIZED (SELECT (SELECT u.id FROM public.users u WHERE u.id = memtech.current_user_id()) AS actor, o.client_ip, o.user_agent FROM memtech.request_origin() o)
    INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, details, ip_address, user_agent)
    SELECT o.company_id, 'delete', (SELECT actor FROM ctx), TG_TABLE_NAME, o.id,
           to_jsonb(o), (SELECT client_ip FROM ctx), (SELECT user_agent FROM ctx)
      FROM old_rows o;
    RETURN NULL;
  END IF;

  -- An update: the old and new versions of a row are paired by primary key, and only the
  -- columns that changed are written, old and new. Whether the table still has the
  -- columns this function was written for is read from the first new row rather than
  -- from the catalog, which would cost more than the entry of a single-row update: the
  -- same keys, no more (jsonb minus them is empty) and no fewer (?&), with no sort of the keys.
  SELECT (SELECT f.j - '{company_id,content,created_at,created_by,id,is_active,metadata,tags,title,type,updated_at,version}'::text[] = '{}'::jsonb AND f.j ?& '{company_id,content,created_at,created_by,id,is_active,metadata,tags,title,type,updated_at,version}'::text[]
            FROM (SELECT to_jsonb(n) AS j FROM new_rows n LIMIT 1) f),
         (SELECT count(*) FROM new_rows)
    INTO same_columns, touched;
  -- A row the statement left as it was (updated_at aside) records nothing: its details
  -- would be empty. The details are computed once, below the OFFSET 0 that keeps the
  -- planner from copying their expression into the filter.
  IF same_columns THEN
    WITH ctx AS MATERIALIZED (SELECT (SELECT u.id FROM public.users u WHERE u.id = memtech.current_user_id()) AS actor, o.client_ip, o.user_agent FROM memtech.request_origin() o)
    INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, details, ip_address, user_agent)
    SELECT d.company_id, 'update', (SELECT actor FROM ctx), TG_TABLE_NAME, d.resource_id, d.details,
           (SELECT client_ip FROM ctx), (SELECT user_agent FROM ctx)
      FROM (SELECT n.company_id AS company_id, n.id AS resource_id,
                   '{}'::jsonb
                   || CASE WHEN n.id IS DISTINCT FROM o.id THEN jsonb_build_object('id', jsonb_build_object('old', o.id, 'new', n.id)) ELSE '{}' END
           || CASE WHEN n.company_id IS DISTINCT FROM o.company_id THEN jsonb_build_object('company_id', jsonb_build_object('old', o.company_id, 'new', n.company_id)) ELSE '{}' END
           || CASE WHEN n.type IS DISTINCT FROM o.type THEN jsonb_build_object('type', jsonb_build_object('old', o.type, 'new', n.type)) ELSE '{}' END
           || CASE WHEN n.title IS DISTINCT FROM o.title THEN jsonb_build_object('title', jsonb_build_object('old', o.title, 'new', n.title)) ELSE '{}' END
           || CASE WHEN n.content IS DISTINCT FROM o.content THEN jsonb_build_object('content', jsonb_build_object('old', o.content, 'new', n.content)) ELSE '{}' END
           || CASE WHEN n.metadata IS DISTINCT FROM o.metadata THEN jsonb_build_object('metadata', jsonb_build_object('old', o.metadata, 'new', n.metadata)) ELSE '{}' END
           || CASE WHEN n.tags IS DISTINCT FROM o.tags THEN jsonb_build_object('tags', jsonb_build_object('old', o.tags, 'new', n.tags)) ELSE '{}' END
           || CASE WHEN n.version IS DISTINCT FROM o.version THEN jsonb_build_object('version', jsonb_build_object('old', o.version, 'new', n.version)) ELSE '{}' END
           || CASE WHEN n.is_active IS DISTINCT FROM o.is_active THEN jsonb_build_object('is_active', jsonb_build_object('old', o.is_active, 'new', n.is_active)) ELSE '{}' END
           || CASE WHEN n.created_at IS DISTINCT FROM o.created_at THEN jsonb_build_object('created_at', jsonb_build_object('old', o.created_at, 'new', n.created_at)) ELSE '{}' END
           || CASE WHEN n.created_by IS DISTINCT FROM o.created_by THEN jsonb_build_object('created_by', jsonb_build_object('old', o.created_by, 'new', n.created_by)) ELSE '{}' END AS details
              FROM new_rows n JOIN old_rows o ON n.id = o.id OFFSET 0) d
     WHERE d.details <> '{}'::jsonb;
  ELSE
    WITH ctx AS MATERIALIZED (SELECT (SELECT u.id FROM public.users u WHERE u.id = memtech.current_user_id()) AS actor, o.client_ip, o.user_agent FROM memtech.request_origin() o)
    INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, details, ip_address, user_agent)
    SELECT d.company_id, 'update', (SELECT actor FROM ctx), TG_TABLE_NAME, d.resource_id, d.details,
           (SELECT client_ip FROM ctx), (SELECT user_agent FROM ctx)
      FROM (SELECT (p.nj ->> 'company_id')::uuid AS company_id, (p.nj ->> 'id')::uuid AS resource_id,
                   memtech.audit_diff(p.oj, p.nj, '{}') AS details
              FROM (SELECT to_jsonb(n) AS nj, to_jsonb(o) AS oj FROM new_rows n JOIN old_rows o ON n.id = o.id OFFSET 0) p
            OFFSET 0) d
     WHERE d.details <> '{}'::jsonb;
  END IF;
  GET DIAGNOSTICS written = ROW_COUNT;
  IF written < touched THEN
    -- Rows were left unchanged, or the update changed keys: the rows left unpaired (as many
    -- old as new) are paired in key order, exact for the usual single-row update.
    WITH ctx AS MATERIALIZED (SELECT (SELECT u.id FROM public.users u WHERE u.id = memtech.current_user_id()) AS actor, o.client_ip, o.user_agent FROM memtech.request_origin() o)
    INSERT INTO public.audit_log (company_id, action, user_id, resource_type, resource_id, details, ip_address, user_agent)
    SELECT d.company_id, 'update', (SELECT actor FROM ctx), TG_TABLE_NAME, d.resource_id, d.details,
           (SELECT client_ip FROM ctx), (SELECT user_agent FROM ctx)
      FROM (SELECT (p.nj ->> 'company_id')::uuid AS company_id, (p.nj ->> 'id')::uuid AS resource_id,
                   memtech.audit_diff(p.oj, p.nj, '{}') AS details
              FROM (SELECT nu.j AS nj, ou.j AS oj
                      FROM (SELECT to_jsonb(n) AS j, row_number() OVER (ORDER BY to_jsonb(n)::text) AS k FROM new_rows n
                             WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE n.id = o.id)) nu
                      JOIN (SELECT to_jsonb(o) AS j, row_number() OVER (ORDER BY to_jsonb(o)::text) AS k FROM old_rows o
                             WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id)) ou USING (k)
                    OFFSET 0) p
            OFFSET 0) d
     WHERE d.details <> '{}'::jsonb;
  END IF;
  RETURN NULL;
END
