-- Last step of the uninstall: the private schema goes. No CASCADE: if an object of the
-- application uses a memtech function, DROP fails and names it.
DO $undo$
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('dropping schema memtech');
  DROP FUNCTION IF EXISTS memtech.installed_version();
  DROP TABLE IF EXISTS memtech.tenant_table;
  DROP TABLE memtech.managed_column, memtech.legacy_table_state, memtech.added_comment, memtech.installation;
  DROP SCHEMA memtech;
END
$undo$;
