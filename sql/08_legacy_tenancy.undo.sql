-- Gives projects, memoires and sections back as v0 had them, rows intact. The package's
-- own constraints and indexes go first; whatever still depends on the columns
-- after that belongs to the application and stops the uninstall.
DO $undo$
DECLARE
  created text;
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('removing tenancy and workflow columns from projects, memoires and sections');

  DROP INDEX IF EXISTS public.idx_projects_company_status, public.projects_created_by_idx,
    public.memoires_company_id_idx, public.memoires_uploaded_by_idx, public.sections_reviewer_id_idx,
    public.sections_company_project_idx;
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

  PERFORM pg_temp.memtech_drop_columns('public.sections', ARRAY['company_id', 'generated_by_ai',
    'source_blocks', 'quality_score', 'reviewed', 'reviewer_id', 'reviewed_at', 'updated_at']);
  PERFORM pg_temp.memtech_drop_columns('public.memoires', ARRAY['company_id', 'uploaded_by',
    'project_type', 'techniques_used', 'metadata']);
  PERFORM pg_temp.memtech_drop_columns('public.projects', ARRAY['company_id', 'created_by', 'client',
    'location', 'lot', 'project_type', 'size', 'deadline', 'status', 'final_document_url', 'metadata',
    'updated_at']);

END
$undo$;
