DO $undo$
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('removing the audit triggers');
  PERFORM pg_temp.memtech_drop_triggers(ARRAY['memtech.audit_changes()', 'memtech.keep_audit_log()'],
    '(_audit_(insert|update|delete)|^audit_log_append_only|^audit_log_no_truncate)$');
  DROP FUNCTION memtech.keep_audit_log(), memtech.audit_changes(), memtech.request_origin();
  DROP TABLE memtech.secret_column;
END
$undo$;
