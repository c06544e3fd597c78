-- Gives projects, memoires and sections back as v0 had them, rows intact. The package's
-- own constraints and indexes go first; whatever still depends on the columns
-- after that belongs to the application and stops the uninstall.
DO $undo$
DECLARE
  created text;
  created_tables text[];
  t text;
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  SELECT i.created_tables INTO created_tables FROM memtech.installation i;
  PERFORM pg_temp.memtech_notice('removing tenancy and workflow columns from projects, memoires and sections');

  DROP INDEX IF EXISTS public.idx_projects_company_status, public.projects_created_by_idx,
    public.memoires_company_id_idx, public.memoires_uploaded_by_idx, public.sections_reviewer_id_idx;
  FOREACH created IN ARRAY (SELECT created_indexes FROM memtech.installation) LOOP
    EXECUTE format('DROP INDEX IF EXISTS %s', created);
  END LOOP;
  ALTER TABLE public.sections
    DROP CONSTRAINT IF EXISTS sections_project_company_fkey,
    DROP CONSTRAINT IF EXISTS sections_reviewer_id_fkey,
    DROP CONSTRAINT IF EXISTS sections_quality_score_between_0_and_1;
  ALTER TABLE public.memoires
    DROP CONSTRAINT IF EXISTS memoires_company_id_fkey,
    DROP CONSTRAINT IF EXISTS memoires_uploaded_by_fkey,
    DROP CONSTRAINT IF EXISTS memoires_metadata_is_object;
  ALTER TABLE public.projects
    DROP CONSTRAINT IF EXISTS projects_company_id_fkey,
    DROP CONSTRAINT IF EXISTS projects_company_id_id_key,
    DROP CONSTRAINT IF EXISTS projects_created_by_fkey,
    DROP CONSTRAINT IF EXISTS projects_status_is_a_project_status,
    DROP CONSTRAINT IF EXISTS projects_metadata_is_object;

  -- The columns the install added: those of the contract it kept, but the keys and links the
  -- application's tables had (the required columns of pg_temp.memtech_v0_contract).
  FOR t IN SELECT m.table_name FROM pg_temp.memtech_tenant_table m
            WHERE m.origin = 'v0' AND m.table_name <> ALL (created_tables) ORDER BY 1 LOOP
    PERFORM pg_temp.memtech_drop_columns(format('public.%I', t), ARRAY(
      SELECT c.column_name FROM memtech.managed_column c
       WHERE c.table_name = t
         AND c.column_name NOT IN (SELECT k.column_name FROM pg_temp.memtech_v0_contract k WHERE k.table_name = t AND k.required)
       ORDER BY c.column_name));
  END LOOP;
END
$undo$;
