DO $undo$
BEGIN
  PERFORM pg_temp.memtech_drop_tables(ARRAY['public.audit_log']);
END
$undo$;
