-- The enum types go once no table uses them. A column or function of the application's
-- own that uses one stops the uninstall, named.
DO $undo$
DECLARE
  types regtype[] := ARRAY(SELECT to_regtype(t) FROM unnest(ARRAY['public.memoire_section_type',
    'public.generation_status', 'public.project_status', 'public.block_file_relationship',
    'public.content_block_type', 'public.user_role']) t WHERE to_regtype(t) IS NOT NULL);
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_assert_removable('{}', types);
  PERFORM pg_temp.memtech_notice('dropping the enum types');
  EXECUTE 'DROP TYPE IF EXISTS ' || array_to_string(types, ', ');
END
$undo$;
