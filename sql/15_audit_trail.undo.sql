DO $undo$
DECLARE
  t record;
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('removing the audit triggers');
  FOR t IN SELECT tgname, tgrelid::regclass AS tbl FROM pg_trigger
            WHERE tgfoid IN ('memtech.audit_changes()'::regprocedure, 'memtech.keep_audit_log()'::regprocedure)
              AND tgname ~ '(_audit_(insert|update|delete)|^audit_log_append_only|^audit_log_no_truncate)$' LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
  END LOOP;
  DROP FUNCTION memtech.keep_audit_log(), memtech.audit_changes(), memtech.request_origin();
  DROP TABLE memtech.secret_column;
END
$undo$;
