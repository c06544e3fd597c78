DO $undo$
BEGIN
  PERFORM pg_temp.memtech_drop_tables(ARRAY['public.users', 'public.companies']);
END
$undo$;
