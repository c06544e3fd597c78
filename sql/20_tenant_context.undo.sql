DO $undo$
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('removing the tenant context triggers and functions');
  PERFORM pg_temp.memtech_drop_triggers(ARRAY['memtech.fill_company_id()', 'memtech.check_same_company()',
    'memtech.guard_user_change()', 'memtech.keep_active_members()'],
    '_(fill_company_id|same_company|guard_change|keep_active_members_(insert|update|delete|truncate))$');
  DROP FUNCTION IF EXISTS memtech.guard_user_change(), memtech.check_same_company(), memtech.fill_company_id(),
    memtech.keep_active_members(), memtech.sync_active_members(), memtech.current_user_role(), memtech.current_company_id(),
    memtech.current_company_id(public.user_role[]);
  DROP TABLE IF EXISTS memtech.active_member;
  -- and those an install of 0.3.0 made, which 0.4.0 folded into current_user_id().
  DROP FUNCTION IF EXISTS memtech.current_user_id(), memtech.user_id_from_claims(), memtech.uuid_or_null(text);
END
$undo$;
