-- First step of the uninstall: refuse to destroy tenant data unless the operator says so.
-- Rows the install made itself (the legacy company) do not count; rows entered since in
-- the package's tables, or in v0 tables the install created, do.
DO $undo$
DECLARE
  legacy uuid;
  created text[];
  t text;
  n bigint;
  found text[] := '{}';
  total bigint := 0;
  views regclass[] := '{}';
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    PERFORM pg_temp.memtech_notice('not installed in this database: nothing to uninstall');
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('uninstalling version %s', memtech.installed_version());
  SELECT legacy_company_id, created_tables INTO legacy, created FROM memtech.installation;
  FOR t IN SELECT m.table_name FROM pg_temp.memtech_tenant_table m
            WHERE m.origin = 'package' OR m.table_name = ANY (created) ORDER BY 1 LOOP
    CONTINUE WHEN to_regclass('public.' || quote_ident(t)) IS NULL;
    IF t = 'companies' THEN
      SELECT count(*) INTO n FROM public.companies WHERE id IS DISTINCT FROM legacy;
    ELSE
      EXECUTE format('SELECT count(*) FROM public.%I', t) INTO n;
    END IF;
    IF n > 0 THEN
      found := found || format('%s: %s', t, n);
      total := total + n;
    END IF;
  END LOOP;
  IF total > 0 THEN
    IF coalesce(current_setting('memtech.confirm_data_loss', true), '') IN ('on', 'true', 'yes', '1') THEN
      PERFORM pg_temp.memtech_notice('deleting %s rows of tenant data, as memtech.confirm_data_loss allows (%s)',
                                     total::text, array_to_string(found, ', '));
    ELSE
      RAISE EXCEPTION 'memtech uninstall would delete % rows of tenant data entered since the install', total
        USING DETAIL = array_to_string(found, ', '),
              HINT = 'Back them up, then run the uninstall with memtech.confirm_data_loss=on (for example PGOPTIONS=''-c memtech.confirm_data_loss=on''); nothing was changed.';
    END IF;
  END IF;
  -- Views the install made safe (installs older than 0.4.0 made none).
  IF to_regclass('memtech.secured_view') IS NOT NULL THEN
    EXECUTE $q$SELECT ARRAY(SELECT to_regclass(format('%I.%I', v.schema_name, v.view_name)) FROM memtech.secured_view v
                             WHERE v.kind = 'view' AND to_regclass(format('%I.%I', v.schema_name, v.view_name)) IS NOT NULL)$q$
      INTO views;
  END IF;
  -- Every later step changes the application's tables, the package's (which the application
  -- uses), its private ones and the views the install made security_invoker: lock them all
  -- now, at once, so that no later statement waits for a lock (nor in an order that could
  -- deadlock with the application), and whoever is in the way is named.
  PERFORM pg_temp.memtech_lock_tables(ARRAY(
    SELECT to_regclass(format('public.%I', m.table_name)) FROM pg_temp.memtech_tenant_table m
     WHERE m.origin = 'v0' AND to_regclass(format('public.%I', m.table_name)) IS NOT NULL
    UNION
    SELECT p.polrelid::regclass FROM pg_policy p WHERE p.polname = 'memtech_tenant_isolation'
    UNION
    SELECT c.oid::regclass FROM pg_class c WHERE c.relnamespace = 'memtech'::regnamespace AND c.relkind = 'r')
    || views);
END
$undo$;
