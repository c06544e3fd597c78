-- Checks first, changes after: before the install touches anything, compare what already
-- exists with what the package defines, and stop with every problem named at once.
--
-- memtech_expected_column is the package's column contract: every column the package
-- defines, with its type as format_type() prints it. An existing table is compatible when
-- each of these columns is either missing (it will be added) or of exactly this type;
-- other columns of the application's own are kept. The last module stores this list in
-- memtech.managed_column so that tests can hold the built schema to it.

CREATE TEMPORARY TABLE pg_temp.memtech_expected_column (
  table_name  text NOT NULL,
  column_name text NOT NULL,
  data_type   text NOT NULL,
  not_null    boolean NOT NULL,
  PRIMARY KEY (table_name, column_name)
) ON COMMIT DROP;

INSERT INTO pg_temp.memtech_expected_column (table_name, column_name, data_type, not_null) VALUES
  -- v0 tables: the key columns the package relies on, then the columns it adds
  ('memoires', 'id', 'uuid', true),
  ('memoires', 'company_id', 'uuid', true),
  ('memoires', 'uploaded_by', 'uuid', false),
  ('memoires', 'project_type', 'text', false),
  ('memoires', 'techniques_used', 'text[]', true),
  ('memoires', 'metadata', 'jsonb', true),
  ('projects', 'id', 'uuid', true),
  ('projects', 'company_id', 'uuid', true),
  ('projects', 'created_by', 'uuid', false),
  ('projects', 'client', 'text', false),
  ('projects', 'location', 'text', false),
  ('projects', 'lot', 'text', false),
  ('projects', 'project_type', 'text', false),
  ('projects', 'size', 'text', false),
  ('projects', 'deadline', 'timestamp with time zone', false),
  ('projects', 'status', 'text', true),
  ('projects', 'final_document_url', 'text', false),
  ('projects', 'metadata', 'jsonb', true),
  ('projects', 'updated_at', 'timestamp with time zone', true),
  ('sections', 'id', 'uuid', true),
  ('sections', 'project_id', 'uuid', true),
  ('sections', 'company_id', 'uuid', true),
  ('sections', 'generated_by_ai', 'boolean', true),
  ('sections', 'source_blocks', 'uuid[]', true),
  ('sections', 'quality_score', 'double precision', false),
  ('sections', 'reviewed', 'boolean', true),
  ('sections', 'reviewer_id', 'uuid', false),
  ('sections', 'reviewed_at', 'timestamp with time zone', false),
  ('sections', 'updated_at', 'timestamp with time zone', true),
  ('document_chunks', 'id', 'uuid', true),
  ('document_chunks', 'memoire_id', 'uuid', true),
  -- new tables
  ('companies', 'id', 'uuid', true),
  ('companies', 'name', 'text', true),
  ('companies', 'address', 'text', false),
  ('companies', 'city', 'text', false),
  ('companies', 'postal_code', 'text', false),
  ('companies', 'phone', 'text', false),
  ('companies', 'email', 'text', false),
  ('companies', 'logo_url', 'text', false),
  ('companies', 'certifications', 'text[]', true),
  ('companies', 'settings', 'jsonb', true),
  ('companies', 'created_at', 'timestamp with time zone', true),
  ('companies', 'updated_at', 'timestamp with time zone', true),
  ('users', 'id', 'uuid', true),
  ('users', 'company_id', 'uuid', true),
  ('users', 'email', 'text', true),
  ('users', 'password_hash', 'text', false),
  ('users', 'full_name', 'text', true),
  ('users', 'role', 'public.user_role', true),
  ('users', 'is_active', 'boolean', true),
  ('users', 'created_at', 'timestamp with time zone', true),
  ('users', 'last_login', 'timestamp with time zone', false),
  ('users', 'updated_at', 'timestamp with time zone', true),
  ('content_blocks', 'id', 'uuid', true),
  ('content_blocks', 'company_id', 'uuid', true),
  ('content_blocks', 'type', 'text', true),
  ('content_blocks', 'title', 'text', true),
  ('content_blocks', 'content', 'text', true),
  ('content_blocks', 'metadata', 'jsonb', true),
  ('content_blocks', 'tags', 'text[]', true),
  ('content_blocks', 'version', 'integer', true),
  ('content_blocks', 'is_active', 'boolean', true),
  ('content_blocks', 'created_at', 'timestamp with time zone', true),
  ('content_blocks', 'updated_at', 'timestamp with time zone', true),
  ('content_blocks', 'created_by', 'uuid', false),
  ('content_block_tags', 'company_id', 'uuid', true),
  ('content_block_tags', 'block_id', 'uuid', true),
  ('content_block_tags', 'tag', 'text', true),
  ('files', 'id', 'uuid', true),
  ('files', 'company_id', 'uuid', true),
  ('files', 'filename', 'text', true),
  ('files', 'file_type', 'text', true),
  ('files', 'storage_url', 'text', true),
  ('files', 'size_bytes', 'bigint', true),
  ('files', 'uploaded_at', 'timestamp with time zone', true),
  ('files', 'uploaded_by', 'uuid', false),
  ('files', 'metadata', 'jsonb', true),
  ('block_files', 'block_id', 'uuid', true),
  ('block_files', 'file_id', 'uuid', true),
  ('block_files', 'company_id', 'uuid', true),
  ('block_files', 'relationship', 'public.block_file_relationship', true),
  ('past_projects', 'id', 'uuid', true),
  ('past_projects', 'company_id', 'uuid', true),
  ('past_projects', 'name', 'text', true),
  ('past_projects', 'client', 'text', false),
  ('past_projects', 'year', 'integer', false),
  ('past_projects', 'project_type', 'text', false),
  ('past_projects', 'description', 'text', false),
  ('past_projects', 'techniques_used', 'text[]', true),
  ('past_projects', 'success_factors', 'text[]', true),
  ('past_projects', 'photos', 'text[]', true),
  ('past_projects', 'is_referenceable', 'boolean', true),
  ('past_projects', 'metadata', 'jsonb', true),
  ('past_projects', 'created_at', 'timestamp with time zone', true),
  ('past_projects', 'updated_at', 'timestamp with time zone', true),
  ('section_templates', 'id', 'uuid', true),
  ('section_templates', 'company_id', 'uuid', true),
  ('section_templates', 'section_type', 'public.memoire_section_type', true),
  ('section_templates', 'title', 'text', true),
  ('section_templates', 'template_content', 'text', true),
  ('section_templates', 'placeholders', 'jsonb', true),
  ('section_templates', 'usage_count', 'integer', true),
  ('section_templates', 'created_at', 'timestamp with time zone', true),
  ('section_templates', 'updated_at', 'timestamp with time zone', true),
  ('rc_analysis', 'id', 'uuid', true),
  ('rc_analysis', 'company_id', 'uuid', true),
  ('rc_analysis', 'project_id', 'uuid', true),
  ('rc_analysis', 'rc_file_url', 'text', true),
  ('rc_analysis', 'project_info', 'jsonb', true),
  ('rc_analysis', 'required_sections', 'jsonb', true),
  ('rc_analysis', 'special_requirements', 'jsonb', true),
  ('rc_analysis', 'format', 'jsonb', true),
  ('rc_analysis', 'scoring_criteria', 'jsonb', true),
  ('rc_analysis', 'analyzed_at', 'timestamp with time zone', true),
  ('rc_analysis', 'confidence_score', 'double precision', false),
  ('content_matches', 'id', 'uuid', true),
  ('content_matches', 'company_id', 'uuid', true),
  ('content_matches', 'project_id', 'uuid', true),
  ('content_matches', 'requirement_id', 'text', true),
  ('content_matches', 'matched_blocks', 'uuid[]', true),
  ('content_matches', 'confidence', 'double precision', false),
  ('content_matches', 'match_reason', 'text', false),
  ('content_matches', 'needs_generation', 'boolean', true),
  ('content_matches', 'needs_upload', 'boolean', true),
  ('content_matches', 'approved', 'boolean', true),
  ('content_matches', 'created_at', 'timestamp with time zone', true),
  ('generation_requests', 'id', 'uuid', true),
  ('generation_requests', 'company_id', 'uuid', true),
  ('generation_requests', 'project_id', 'uuid', true),
  ('generation_requests', 'section_type', 'public.memoire_section_type', true),
  ('generation_requests', 'status', 'public.generation_status', true),
  ('generation_requests', 'request_context', 'jsonb', true),
  ('generation_requests', 'generated_content', 'text', false),
  ('generation_requests', 'quality_score', 'double precision', false),
  ('generation_requests', 'model_used', 'text', false),
  ('generation_requests', 'tokens_used', 'integer', false),
  ('generation_requests', 'cost_usd', 'numeric(12,6)', false),
  ('generation_requests', 'latency_seconds', 'double precision', false),
  ('generation_requests', 'error_message', 'text', false),
  ('generation_requests', 'created_at', 'timestamp with time zone', true),
  ('generation_requests', 'completed_at', 'timestamp with time zone', false),
  ('audit_log', 'id', 'uuid', true),
  ('audit_log', 'company_id', 'uuid', false),
  ('audit_log', 'action', 'text', true),
  ('audit_log', 'user_id', 'uuid', false),
  ('audit_log', 'resource_type', 'text', true),
  ('audit_log', 'resource_id', 'uuid', false),
  ('audit_log', 'details', 'jsonb', true),
  ('audit_log', 'ip_address', 'inet', false),
  ('audit_log', 'user_agent', 'text', false),
  ('audit_log', 'timestamp', 'timestamp with time zone', true);

DO $preflight$
DECLARE
  problems text[];
BEGIN
  PERFORM pg_temp.memtech_notice('checking the existing schema against the package');
  -- An option of the install only (the uninstall builds no index): checked before any
  -- lock rather than where the install first needs it.
  PERFORM pg_temp.memtech_index_build_limit();
  SELECT array_agg(problem ORDER BY problem) INTO problems FROM (
    -- a name the package needs is taken by something that is not an ordinary table
    SELECT format('public.%I is a %s, but memtech needs a table of that name',
                  c.relname,
                  CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                    WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table'
                    WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index' ELSE 'relation' END) AS problem
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind <> 'r'
       AND c.relname IN (SELECT table_name FROM pg_temp.memtech_expected_column)
    UNION ALL
    -- a column exists with another type
    SELECT format('column public.%I.%I is %s, but memtech expects %s',
                  e.table_name, e.column_name, format_type(a.atttypid, a.atttypmod), e.data_type)
      FROM pg_temp.memtech_expected_column e
      JOIN pg_class c ON c.relname = e.table_name AND c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = e.column_name AND NOT a.attisdropped
     WHERE format_type(a.atttypid, a.atttypmod) <> e.data_type
       -- version 0.1.0 stored these as enums; modules 06 and 08 convert them to text
       AND (e.table_name, e.column_name, format_type(a.atttypid, a.atttypmod)) NOT IN
           (('content_blocks', 'type', 'public.content_block_type'), ('projects', 'status', 'public.project_status'))
    UNION ALL
    -- a type name the package needs is taken by something that is not an enum
    SELECT format('type public.%I exists and is not an enum, but memtech needs an enum of that name', t.typname)
      FROM pg_type t
     WHERE t.typnamespace = 'public'::regnamespace AND t.typtype <> 'e'
       AND t.typname IN ('user_role', 'content_block_type', 'block_file_relationship',
                         'project_status', 'generation_status', 'memoire_section_type')
       AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.reltype = t.oid AND c.relname = t.typname
                         AND c.relname IN (SELECT table_name FROM pg_temp.memtech_expected_column))
    UNION ALL
    -- the private schema exists but was not made by memtech
    SELECT 'schema memtech exists but was not created by memtech (it has no memtech.installation table)'
     WHERE EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'memtech')
       AND to_regclass('memtech.installation') IS NULL
  ) found;

  IF problems IS NOT NULL THEN
    RAISE EXCEPTION 'memtech cannot install: % existing object(s) clash with the package', cardinality(problems)
      USING DETAIL = array_to_string(problems, E'\n'),
            HINT = 'Rename or convert the objects named above (the package creates tables in public); nothing was changed.';
  END IF;
END
$preflight$;
