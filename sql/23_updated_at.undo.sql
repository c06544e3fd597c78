DO $undo$
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_drop_triggers(ARRAY['memtech.touch_updated_at()'], '_touch_updated_at$');
  DROP FUNCTION memtech.touch_updated_at();
END
$undo$;
