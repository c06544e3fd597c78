DO $undo$
BEGIN
  PERFORM pg_temp.memtech_drop_tables(ARRAY['public.users', 'public.companies']);
  IF pg_temp.memtech_installed() THEN
    DROP FUNCTION IF EXISTS memtech.lower_user_email();
  END IF;
END
$undo$;
