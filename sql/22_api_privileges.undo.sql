-- Gives the v0 tables back exactly the privileges they had; the package's own tables take
-- theirs with them.
DO $undo$
DECLARE
  s record;
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('restoring the privileges of the v0 tables');
  FOR s IN SELECT * FROM memtech.legacy_table_state WHERE to_regclass('public.' || quote_ident(table_name)) IS NOT NULL LOOP
    PERFORM pg_temp.memtech_restore_acl(s.table_name, s.acl);
  END LOOP;
  IF to_regrole('authenticated') IS NOT NULL THEN
    REVOKE USAGE ON SCHEMA memtech FROM authenticated;
  END IF;
END
$undo$;
