-- sql/09_project_workflow.sql: a tender's workflow (rc_analysis, content_matches,
-- generation_requests). Each row belongs to a project, through (company_id, project_id).
BEGIN;
SELECT plan(168);

-- This module's tables: the package's tables under a project.
CREATE TEMPORARY VIEW workflow_table (t) AS
  SELECT table_name::name FROM memtech.tenant_table WHERE origin = 'package' AND company_from = 'project';

-- The columns, as the specification and the package's contract define them (written out
-- here, not read from memtech.managed_column). default_value NULL: no default.
CREATE TEMPORARY TABLE expected_column (
  ord           serial,
  table_name    name,
  column_name   name,
  data_type     text,
  not_null      boolean,
  default_value text
) ON COMMIT DROP;
INSERT INTO expected_column (table_name, column_name, data_type, not_null, default_value) VALUES
  ('rc_analysis',         'id',                   'uuid',                     true,  'gen_random_uuid()'),
  ('rc_analysis',         'company_id',           'uuid',                     true,  NULL),
  ('rc_analysis',         'project_id',           'uuid',                     true,  NULL),
  ('rc_analysis',         'rc_file_url',          'text',                     true,  NULL),
  ('rc_analysis',         'project_info',         'jsonb',                    true,  '{}'),
  ('rc_analysis',         'required_sections',    'jsonb',                    true,  '[]'),
  ('rc_analysis',         'special_requirements', 'jsonb',                    true,  '[]'),
  ('rc_analysis',         'format',               'jsonb',                    true,  '{}'),
  ('rc_analysis',         'scoring_criteria',     'jsonb',                    true,  '{}'),
  ('rc_analysis',         'analyzed_at',          'timestamp with time zone', true,  'now()'),
  ('rc_analysis',         'confidence_score',     'double precision',         false, NULL),
  ('content_matches',     'id',                   'uuid',                     true,  'gen_random_uuid()'),
  ('content_matches',     'company_id',           'uuid',                     true,  NULL),
  ('content_matches',     'project_id',           'uuid',                     true,  NULL),
  ('content_matches',     'requirement_id',       'text',                     true,  NULL),
  ('content_matches',     'matched_blocks',       'uuid[]',                   true,  '{}'),
  ('content_matches',     'confidence',           'double precision',         false, NULL),
  ('content_matches',     'match_reason',         'text',                     false, NULL),
  ('content_matches',     'needs_generation',     'boolean',                  true,  'false'),
  ('content_matches',     'needs_upload',         'boolean',                  true,  'false'),
  ('content_matches',     'approved',             'boolean',                  true,  'false'),
  ('content_matches',     'created_at',           'timestamp with time zone', true,  'now()'),
  ('generation_requests', 'id',                   'uuid',                     true,  'gen_random_uuid()'),
  ('generation_requests', 'company_id',           'uuid',                     true,  NULL),
  ('generation_requests', 'project_id',           'uuid',                     true,  NULL),
  ('generation_requests', 'section_type',         'memoire_section_type',     true,  NULL),
  ('generation_requests', 'status',               'generation_status',        true,  'pending'),
  ('generation_requests', 'request_context',      'jsonb',                    true,  '{}'),
  ('generation_requests', 'generated_content',    'text',                     false, NULL),
  ('generation_requests', 'quality_score',        'double precision',         false, NULL),
  ('generation_requests', 'model_used',           'text',                     false, NULL),
  ('generation_requests', 'tokens_used',          'integer',                  false, NULL),
  ('generation_requests', 'cost_usd',             'numeric(12,6)',            false, NULL),
  ('generation_requests', 'latency_seconds',      'double precision',         false, NULL),
  ('generation_requests', 'error_message',        'text',                     false, NULL),
  ('generation_requests', 'created_at',           'timestamp with time zone', true,  'now()'),
  ('generation_requests', 'completed_at',         'timestamp with time zone', false, NULL);

-- ---------------------------------------------------------------------------------------
-- Structure
-- ---------------------------------------------------------------------------------------
SELECT has_table('public', t, format('table %s exists', t))
  FROM workflow_table;
SELECT columns_are('public', t,
                   ARRAY(SELECT column_name FROM expected_column e WHERE e.table_name = t ORDER BY ord),
                   format('%s has exactly the columns of the specification, and company_id', t))
  FROM workflow_table;

SELECT col_type_is('public', table_name, column_name, data_type,
                   format('%s.%s is %s', table_name, column_name, data_type))
  FROM expected_column ORDER BY ord;
SELECT CASE WHEN not_null
            THEN col_not_null('public', table_name, column_name, format('%s.%s is NOT NULL', table_name, column_name))
            ELSE col_is_null('public', table_name, column_name, format('%s.%s may be NULL', table_name, column_name)) END
  FROM expected_column ORDER BY ord;
SELECT CASE WHEN default_value IS NULL
            THEN col_hasnt_default('public', table_name, column_name,
                                   format('%s.%s has no default', table_name, column_name))
            ELSE col_default_is('public', table_name, column_name, default_value,
                                format('%s.%s defaults to %L', table_name, column_name, default_value)) END
  FROM expected_column ORDER BY ord;

-- Keys
SELECT col_is_pk('public', t, 'id', format('%s.id is the primary key', t))
  FROM workflow_table;
SELECT col_is_unique('public', 'rc_analysis', 'project_id', 'rc_analysis.project_id is unique: one analysis per project');
SELECT col_is_unique('public', 'content_matches', ARRAY['project_id', 'requirement_id'],
  'content_matches (project_id, requirement_id) is unique: one match per requirement of a project');
SELECT fk_ok('public', t, ARRAY['company_id', 'project_id'], 'public', 'projects', ARRAY['company_id', 'id'],
             format('%s (company_id, project_id) references a project of the same company', t))
  FROM workflow_table;

-- Every constraint, by name, with its kind and (foreign keys) its ON DELETE and ON UPDATE
-- actions: p primary key, u unique, f foreign key, c check; c cascade.
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text, confupdtype::text FROM pg_constraint
     WHERE conrelid = 'public.rc_analysis'::regclass AND contype <> 'n'$$,
  $$VALUES ('rc_analysis_pkey', 'p', ' ', ' '), ('rc_analysis_project_id_key', 'u', ' ', ' '),
           ('rc_analysis_project_fkey', 'f', 'c', 'c'), ('rc_analysis_rc_file_url_not_blank', 'c', ' ', ' '),
           ('rc_analysis_required_sections_is_array', 'c', ' ', ' '),
           ('rc_analysis_special_requirements_is_array', 'c', ' ', ' '),
           ('rc_analysis_confidence_score_between_0_and_1', 'c', ' ', ' ')$$,
  'rc_analysis has exactly its named constraints; it follows its project on update and on delete');
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text, confupdtype::text FROM pg_constraint
     WHERE conrelid = 'public.content_matches'::regclass AND contype <> 'n'$$,
  $$VALUES ('content_matches_pkey', 'p', ' ', ' '), ('content_matches_project_requirement_key', 'u', ' ', ' '),
           ('content_matches_project_fkey', 'f', 'c', 'c'), ('content_matches_requirement_id_not_blank', 'c', ' ', ' '),
           ('content_matches_confidence_between_0_and_1', 'c', ' ', ' ')$$,
  'content_matches has exactly its named constraints; it follows its project on update and on delete');
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text, confupdtype::text FROM pg_constraint
     WHERE conrelid = 'public.generation_requests'::regclass AND contype <> 'n'$$,
  $$VALUES ('generation_requests_pkey', 'p', ' ', ' '), ('generation_requests_project_fkey', 'f', 'c', 'c'),
           ('generation_requests_quality_score_between_0_and_1', 'c', ' ', ' '),
           ('generation_requests_tokens_not_negative', 'c', ' ', ' '),
           ('generation_requests_cost_not_negative', 'c', ' ', ' '),
           ('generation_requests_latency_not_negative', 'c', ' ', ' '),
           ('generation_requests_completed_has_content', 'c', ' ', ' '),
           ('generation_requests_failed_has_error', 'c', ' ', ' '),
           ('generation_requests_completed_after_created', 'c', ' ', ' ')$$,
  'generation_requests has exactly its named constraints; it follows its project on update and on delete');

-- Indexes
SELECT indexes_are('public', 'rc_analysis', ARRAY['rc_analysis_pkey', 'rc_analysis_project_id_key', 'rc_analysis_company_project_idx'],
  'rc_analysis has exactly the indexes rc_analysis_pkey, rc_analysis_project_id_key, rc_analysis_company_project_idx');
SELECT indexes_are('public', 'content_matches',
  ARRAY['content_matches_pkey', 'content_matches_project_requirement_key', 'content_matches_company_project_idx'],
  'content_matches has exactly the indexes content_matches_pkey, content_matches_project_requirement_key, content_matches_company_project_idx');
SELECT indexes_are('public', 'generation_requests',
  ARRAY['generation_requests_pkey', 'generation_requests_project_id_idx', 'generation_requests_company_project_idx'],
  'generation_requests has exactly the indexes generation_requests_pkey, generation_requests_project_id_idx, generation_requests_company_project_idx');
SELECT has_index('public', 'rc_analysis', 'rc_analysis_project_id_key', ARRAY['project_id'],
  'rc_analysis_project_id_key is on rc_analysis (project_id)');
SELECT index_is_unique('public', 'rc_analysis', 'rc_analysis_project_id_key', 'rc_analysis_project_id_key is unique');
SELECT has_index('public', 'rc_analysis', 'rc_analysis_company_project_idx', ARRAY['company_id', 'project_id'],
  'rc_analysis_company_project_idx is on rc_analysis (company_id, project_id)');
SELECT has_index('public', 'content_matches', 'content_matches_project_requirement_key', ARRAY['project_id', 'requirement_id'],
  'content_matches_project_requirement_key is on content_matches (project_id, requirement_id)');
SELECT index_is_unique('public', 'content_matches', 'content_matches_project_requirement_key',
  'content_matches_project_requirement_key is unique');
SELECT has_index('public', 'content_matches', 'content_matches_company_project_idx', ARRAY['company_id', 'project_id'],
  'content_matches_company_project_idx is on content_matches (company_id, project_id)');
SELECT has_index('public', 'generation_requests', 'generation_requests_project_id_idx', ARRAY['project_id'],
  'generation_requests_project_id_idx is on generation_requests (project_id)');
SELECT has_index('public', 'generation_requests', 'generation_requests_company_project_idx', ARRAY['company_id', 'project_id'],
  'generation_requests_company_project_idx is on generation_requests (company_id, project_id)');
SELECT is_empty(
  $$SELECT i.indexrelid::regclass::text
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
     WHERE i.indrelid IN ('public.rc_analysis'::regclass, 'public.content_matches'::regclass,
                          'public.generation_requests'::regclass)
       AND (a.amname <> 'btree' OR i.indpred IS NOT NULL)$$,
  'every index of the workflow tables is a plain btree index');

-- ---------------------------------------------------------------------------------------
-- Behaviour
-- ---------------------------------------------------------------------------------------
INSERT INTO public.companies (id, name) VALUES
  ('c0000000-0000-4000-8000-000000000001', 'Delorme Bâtiment'),
  ('c0000000-0000-4000-8000-000000000002', 'Maçonnerie Rivière'),
  ('c0000000-0000-4000-8000-000000000003', 'Entreprise radiée');
INSERT INTO public.projects (id, company_id, name) VALUES
  ('70000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'Collège Jean Moulin'),
  ('70000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-000000000001', 'Crèche des Lilas'),
  ('70000000-0000-4000-8000-000000000012', 'c0000000-0000-4000-8000-000000000001', 'Piscine'),
  ('70000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000002', 'Mairie annexe'),
  ('70000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'Gymnase');
INSERT INTO public.rc_analysis (id, project_id, company_id, rc_file_url) VALUES
  ('73000000-0000-4000-8000-000000000011', '70000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-000000000001', 's3://rc/creche.pdf'),
  ('73000000-0000-4000-8000-000000000012', '70000000-0000-4000-8000-000000000012', 'c0000000-0000-4000-8000-000000000001', 's3://rc/piscine.pdf'),
  ('73000000-0000-4000-8000-000000000003', '70000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 's3://rc/gymnase.pdf');
INSERT INTO public.content_matches (id, project_id, company_id, requirement_id) VALUES
  ('74000000-0000-4000-8000-000000000011', '70000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-000000000001', 'REQ-1'),
  ('74000000-0000-4000-8000-000000000012', '70000000-0000-4000-8000-000000000012', 'c0000000-0000-4000-8000-000000000001', 'REQ-1'),
  ('74000000-0000-4000-8000-000000000003', '70000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'REQ-1');
INSERT INTO public.generation_requests (id, project_id, company_id, section_type) VALUES
  ('75000000-0000-4000-8000-000000000001', '70000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'methodologie'),
  ('75000000-0000-4000-8000-000000000011', '70000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-000000000001', 'planning'),
  ('75000000-0000-4000-8000-000000000012', '70000000-0000-4000-8000-000000000012', 'c0000000-0000-4000-8000-000000000001', 'qualite'),
  ('75000000-0000-4000-8000-000000000003', '70000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'presentation');

-- rc_analysis
SELECT results_eq(
  $$INSERT INTO public.rc_analysis (project_id, rc_file_url) VALUES ('70000000-0000-4000-8000-000000000001', 's3://rc/college.pdf')
    RETURNING company_id, required_sections, special_requirements, project_info$$,
  $$VALUES ('c0000000-0000-4000-8000-000000000001'::uuid, '[]'::jsonb, '[]'::jsonb, '{}'::jsonb)$$,
  'an RC analysis inserted without company_id takes its project''s company; its lists start empty');
SELECT throws_ok(
  $$INSERT INTO public.rc_analysis (project_id, rc_file_url) VALUES ('70000000-0000-4000-8000-000000000001', 's3://rc/college-v2.pdf')$$,
  '23505', 'duplicate key value violates unique constraint "rc_analysis_project_id_key"',
  'a project has at most one RC analysis');
SELECT throws_ok(
  $$INSERT INTO public.rc_analysis (project_id, company_id, rc_file_url)
    VALUES ('70000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001', 's3://rc/mairie.pdf')$$,
  '23503', 'insert or update on table "rc_analysis" violates foreign key constraint "rc_analysis_project_fkey"',
  'an RC analysis naming another company than its project''s is refused');
SELECT throws_ok(
  $$UPDATE public.rc_analysis SET rc_file_url = ' ' WHERE id = '73000000-0000-4000-8000-000000000011'$$,
  '23514', 'new row for relation "rc_analysis" violates check constraint "rc_analysis_rc_file_url_not_blank"',
  'rc_analysis.rc_file_url cannot be blank');
SELECT throws_ok(
  $$UPDATE public.rc_analysis SET required_sections = '{"1": "méthodologie"}' WHERE id = '73000000-0000-4000-8000-000000000011'$$,
  '23514', 'new row for relation "rc_analysis" violates check constraint "rc_analysis_required_sections_is_array"',
  'rc_analysis.required_sections must be a JSON array');
SELECT throws_ok(
  $$UPDATE public.rc_analysis SET special_requirements = '"visite obligatoire"' WHERE id = '73000000-0000-4000-8000-000000000011'$$,
  '23514', 'new row for relation "rc_analysis" violates check constraint "rc_analysis_special_requirements_is_array"',
  'rc_analysis.special_requirements must be a JSON array');
SELECT throws_ok(
  $$UPDATE public.rc_analysis SET confidence_score = 1.5 WHERE id = '73000000-0000-4000-8000-000000000011'$$,
  '23514', 'new row for relation "rc_analysis" violates check constraint "rc_analysis_confidence_score_between_0_and_1"',
  'rc_analysis.confidence_score 1.5 is refused');

-- content_matches
SELECT results_eq(
  $$INSERT INTO public.content_matches (project_id, requirement_id) VALUES ('70000000-0000-4000-8000-000000000001', 'REQ-1')
    RETURNING company_id, matched_blocks, needs_generation, needs_upload, approved$$,
  $$VALUES ('c0000000-0000-4000-8000-000000000001'::uuid, '{}'::uuid[], false, false, false)$$,
  'a match inserted without company_id takes its project''s company, unapproved and with nothing missing');
SELECT throws_ok(
  $$INSERT INTO public.content_matches (project_id, requirement_id) VALUES ('70000000-0000-4000-8000-000000000001', 'REQ-1')$$,
  '23505', 'duplicate key value violates unique constraint "content_matches_project_requirement_key"',
  'a requirement of a project is matched at most once');
SELECT lives_ok(
  $$INSERT INTO public.content_matches (project_id, requirement_id) VALUES ('70000000-0000-4000-8000-000000000001', 'REQ-2')$$,
  'another requirement of the same project can be matched');
SELECT throws_ok(
  $$INSERT INTO public.content_matches (project_id, company_id, requirement_id)
    VALUES ('70000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001', 'REQ-9')$$,
  '23503', 'insert or update on table "content_matches" violates foreign key constraint "content_matches_project_fkey"',
  'a match naming another company than its project''s is refused');
SELECT throws_ok(
  $$UPDATE public.content_matches SET requirement_id = '' WHERE id = '74000000-0000-4000-8000-000000000011'$$,
  '23514', 'new row for relation "content_matches" violates check constraint "content_matches_requirement_id_not_blank"',
  'content_matches.requirement_id cannot be blank');
SELECT throws_ok(
  $$UPDATE public.content_matches SET confidence = 1.5 WHERE id = '74000000-0000-4000-8000-000000000011'$$,
  '23514', 'new row for relation "content_matches" violates check constraint "content_matches_confidence_between_0_and_1"',
  'content_matches.confidence 1.5 is refused');

-- generation_requests
SELECT results_eq(
  $$INSERT INTO public.generation_requests (project_id, section_type) VALUES ('70000000-0000-4000-8000-000000000001', 'moyens_humains')
    RETURNING company_id, status, request_context, generated_content IS NULL, completed_at IS NULL$$,
  $$VALUES ('c0000000-0000-4000-8000-000000000001'::uuid, 'pending'::generation_status, '{}'::jsonb, true, true)$$,
  'a generation request inserted without company_id takes its project''s company and starts pending');
SELECT throws_ok(
  $$INSERT INTO public.generation_requests (project_id, company_id, section_type)
    VALUES ('70000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001', 'qualite')$$,
  '23503', 'insert or update on table "generation_requests" violates foreign key constraint "generation_requests_project_fkey"',
  'a generation request naming another company than its project''s is refused');
SELECT throws_ok(
  $$UPDATE public.generation_requests SET status = 'completed', completed_at = now()
     WHERE id = '75000000-0000-4000-8000-000000000001'$$,
  '23514', 'new row for relation "generation_requests" violates check constraint "generation_requests_completed_has_content"',
  'a generation request cannot be completed without content');
SELECT throws_ok(
  $$UPDATE public.generation_requests SET status = 'failed', completed_at = now()
     WHERE id = '75000000-0000-4000-8000-000000000001'$$,
  '23514', 'new row for relation "generation_requests" violates check constraint "generation_requests_failed_has_error"',
  'a generation request cannot fail without an error message');
SELECT throws_ok(
  $$UPDATE public.generation_requests SET completed_at = created_at - interval '1 second'
     WHERE id = '75000000-0000-4000-8000-000000000001'$$,
  '23514', 'new row for relation "generation_requests" violates check constraint "generation_requests_completed_after_created"',
  'a generation request cannot complete before it was created');
SELECT throws_ok(
  $$UPDATE public.generation_requests SET tokens_used = -1 WHERE id = '75000000-0000-4000-8000-000000000001'$$,
  '23514', 'new row for relation "generation_requests" violates check constraint "generation_requests_tokens_not_negative"',
  'generation_requests.tokens_used cannot be negative');
SELECT throws_ok(
  $$UPDATE public.generation_requests SET cost_usd = -0.000001 WHERE id = '75000000-0000-4000-8000-000000000001'$$,
  '23514', 'new row for relation "generation_requests" violates check constraint "generation_requests_cost_not_negative"',
  'generation_requests.cost_usd cannot be negative');
SELECT throws_ok(
  $$UPDATE public.generation_requests SET latency_seconds = -0.5 WHERE id = '75000000-0000-4000-8000-000000000001'$$,
  '23514', 'new row for relation "generation_requests" violates check constraint "generation_requests_latency_not_negative"',
  'generation_requests.latency_seconds cannot be negative');
SELECT throws_ok(
  $$UPDATE public.generation_requests SET quality_score = 1.5 WHERE id = '75000000-0000-4000-8000-000000000001'$$,
  '23514', 'new row for relation "generation_requests" violates check constraint "generation_requests_quality_score_between_0_and_1"',
  'generation_requests.quality_score 1.5 is refused');
SELECT results_eq(
  $$UPDATE public.generation_requests
       SET status = 'completed', generated_content = 'Notre méthodologie…', completed_at = now(),
           quality_score = 0.92, model_used = 'claude', tokens_used = 4210, cost_usd = 0.063150, latency_seconds = 12.4
     WHERE id = '75000000-0000-4000-8000-000000000001'
    RETURNING status, cost_usd$$,
  $$VALUES ('completed'::generation_status, 0.063150::numeric(12,6))$$,
  'a completed request with content, scores and costs is accepted; cost keeps six decimals');
SELECT lives_ok(
  $$UPDATE public.generation_requests SET status = 'failed', error_message = 'rate limited', completed_at = now()
     WHERE id = '75000000-0000-4000-8000-000000000011'$$,
  'a failed request with an error message is accepted');

-- A project that changes company takes its workflow rows along.
UPDATE public.projects SET company_id = 'c0000000-0000-4000-8000-000000000002'
 WHERE id = '70000000-0000-4000-8000-000000000012';
SELECT results_eq(
  $$SELECT (SELECT company_id FROM public.rc_analysis WHERE id = '73000000-0000-4000-8000-000000000012'),
           (SELECT company_id FROM public.content_matches WHERE id = '74000000-0000-4000-8000-000000000012'),
           (SELECT company_id FROM public.generation_requests WHERE id = '75000000-0000-4000-8000-000000000012')$$,
  $$VALUES ('c0000000-0000-4000-8000-000000000002'::uuid, 'c0000000-0000-4000-8000-000000000002'::uuid,
            'c0000000-0000-4000-8000-000000000002'::uuid)$$,
  'a project moved to another company takes its RC analysis, matches and generation requests along');

-- Deleting a project deletes its workflow rows.
DELETE FROM public.projects WHERE id = '70000000-0000-4000-8000-000000000011';
SELECT is_empty(
  $$SELECT 'rc_analysis' FROM public.rc_analysis WHERE project_id = '70000000-0000-4000-8000-000000000011'
    UNION ALL SELECT 'content_matches' FROM public.content_matches WHERE project_id = '70000000-0000-4000-8000-000000000011'
    UNION ALL SELECT 'generation_requests' FROM public.generation_requests WHERE project_id = '70000000-0000-4000-8000-000000000011'$$,
  'deleting a project deletes its RC analysis, matches and generation requests');

-- Deleting a company deletes the workflow rows of its projects, and no one else's.
DELETE FROM public.companies WHERE id = 'c0000000-0000-4000-8000-000000000003';
SELECT is_empty(
  $$SELECT 'rc_analysis' FROM public.rc_analysis WHERE company_id = 'c0000000-0000-4000-8000-000000000003'
    UNION ALL SELECT 'content_matches' FROM public.content_matches WHERE company_id = 'c0000000-0000-4000-8000-000000000003'
    UNION ALL SELECT 'generation_requests' FROM public.generation_requests WHERE company_id = 'c0000000-0000-4000-8000-000000000003'$$,
  'deleting a company deletes the RC analyses, matches and generation requests of its projects');
SELECT results_eq(
  $$SELECT (SELECT count(*) FROM public.rc_analysis)::int, (SELECT count(*) FROM public.content_matches)::int,
           (SELECT count(*) FROM public.generation_requests)::int$$,
  $$VALUES (2, 3, 3)$$,
  'deleting a company keeps the other companies'' workflow rows');

SELECT * FROM finish();
ROLLBACK;
