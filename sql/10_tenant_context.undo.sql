DO $undo$
DECLARE
  t record;
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('removing the tenant context triggers and functions');
  FOR t IN SELECT tg.tgname, tg.tgrelid::regclass AS tbl FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid
            WHERE p.pronamespace = 'memtech'::regnamespace AND NOT tg.tgisinternal
              AND tg.tgname ~ '_(fill_company_id|same_company|guard_change)$' LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
  END LOOP;
  DROP FUNCTION IF EXISTS memtech.guard_user_change(), memtech.check_same_company(), memtech.fill_company_id(),
    memtech.current_user_role(), memtech.current_company_id(), memtech.current_user_id();
END
$undo$;
