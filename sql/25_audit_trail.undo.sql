DO $undo$
DECLARE
  generated text[];
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('removing the audit triggers');
  -- The trigger functions the install generated, one per audited table.
  generated := ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                      WHERE p.pronamespace = 'memtech'::regnamespace AND p.proname LIKE 'audit\_%'
                        AND p.prorettype = 'trigger'::regtype);
  PERFORM pg_temp.memtech_drop_triggers(generated || ARRAY['memtech.keep_audit_log()'],
    '(_audit_(insert|update|delete)|^audit_log_append_only|^audit_log_no_truncate)$');
  EXECUTE 'DROP FUNCTION ' || array_to_string(generated || ARRAY['memtech.keep_audit_log()',
    'memtech.audit_diff(jsonb, jsonb, jsonb)', 'memtech.request_origin()'], ', ');
  DROP TABLE memtech.secret_column;
  DROP FUNCTION memtech.regenerate_audit_functions(), memtech.generate_audit_function(text);
END
$undo$;
