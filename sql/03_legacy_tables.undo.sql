-- Drops the v0 tables only where the install created them (an empty database before the
-- install is an empty database after the uninstall). Their rows, if any, were counted by
-- the uninstall's guard, which refuses unless memtech.confirm_data_loss is on.
DO $undo$
DECLARE
  created text[];
  t text;
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  SELECT created_tables INTO created FROM memtech.installation;
  FOREACH t IN ARRAY ARRAY['document_chunks', 'sections', 'projects', 'memoires'] LOOP
    CONTINUE WHEN t <> ALL (created) OR to_regclass('public.' || t) IS NULL;
    PERFORM pg_temp.memtech_assert_removable(ARRAY[('public.' || t)::regclass]);
    PERFORM pg_temp.memtech_notice('dropping v0 table public.%s, which the install created', t);
    EXECUTE format('DROP TABLE public.%I', t);
  END LOOP;
END
$undo$;
