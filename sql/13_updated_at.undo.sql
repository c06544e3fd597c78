DO $undo$
DECLARE
  t record;
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  FOR t IN SELECT tgname, tgrelid::regclass AS tbl FROM pg_trigger
            WHERE tgfoid = 'memtech.touch_updated_at()'::regprocedure AND tgname LIKE '%\_touch\_updated\_at' LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
  END LOOP;
  DROP FUNCTION memtech.touch_updated_at();
END
$undo$;
