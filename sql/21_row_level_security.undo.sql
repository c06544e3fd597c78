-- Removes the package's policies and gives the v0 tables back the row level security
-- they had (the application may have enabled it itself). Policies of the application's
-- own are left alone.
DO $undo$
DECLARE
  p record;
  s record;
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('removing row level security policies');
  FOR p IN SELECT policyname, tablename FROM pg_policies
            WHERE schemaname = 'public' AND policyname LIKE 'memtech\_%' LOOP
    EXECUTE format('DROP POLICY %I ON public.%I', p.policyname, p.tablename);
  END LOOP;
  FOR s IN SELECT * FROM memtech.legacy_table_state WHERE to_regclass('public.' || quote_ident(table_name)) IS NOT NULL LOOP
    EXECUTE format('ALTER TABLE public.%I %s ROW LEVEL SECURITY, %s ROW LEVEL SECURITY', s.table_name,
                   CASE WHEN s.row_security THEN 'ENABLE' ELSE 'DISABLE' END,
                   CASE WHEN s.force_row_security THEN 'FORCE' ELSE 'NO FORCE' END);
  END LOOP;
END
$undo$;
