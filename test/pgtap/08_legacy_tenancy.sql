-- sql/08_legacy_tenancy.sql: the v0 tables projects, memoires and sections join the
-- tenancy and the workflow; document_chunks keeps its v0 structure. The database under
-- test holds the v0 fixture (5 projects, 25 sections, 6 memoires, 30 chunks), so this also
-- checks what the install did to rows that predate it.
BEGIN;
SELECT plan(164);

-- The columns the package adds, as the specification and the package's contract define
-- them (written out here, not read from memtech.managed_column). default_value NULL: none.
CREATE TEMPORARY TABLE expected_column (
  ord           serial,
  table_name    name,
  column_name   name,
  data_type     text,
  not_null      boolean,
  default_value text
) ON COMMIT DROP;
INSERT INTO expected_column (table_name, column_name, data_type, not_null, default_value) VALUES
  ('projects', 'company_id',         'uuid',                     true,  NULL),
  ('projects', 'created_by',         'uuid',                     false, NULL),
  ('projects', 'client',             'text',                     false, NULL),
  ('projects', 'location',           'text',                     false, NULL),
  ('projects', 'lot',                'text',                     false, NULL),
  ('projects', 'project_type',       'text',                     false, NULL),
  ('projects', 'size',               'text',                     false, NULL),
  ('projects', 'deadline',           'timestamp with time zone', false, NULL),
  ('projects', 'status',             'text',                     true,  'draft'),
  ('projects', 'final_document_url', 'text',                     false, NULL),
  ('projects', 'metadata',           'jsonb',                    true,  '{}'),
  ('projects', 'updated_at',         'timestamp with time zone', true,  'now()'),
  ('memoires', 'company_id',         'uuid',                     true,  NULL),
  ('memoires', 'uploaded_by',        'uuid',                     false, NULL),
  ('memoires', 'project_type',       'text',                     false, NULL),
  ('memoires', 'techniques_used',    'text[]',                   true,  '{}'),
  ('memoires', 'metadata',           'jsonb',                    true,  '{}'),
  ('sections', 'company_id',         'uuid',                     true,  NULL),
  ('sections', 'generated_by_ai',    'boolean',                  true,  'false'),
  ('sections', 'source_blocks',      'uuid[]',                   true,  '{}'),
  ('sections', 'quality_score',      'double precision',         false, NULL),
  ('sections', 'reviewed',           'boolean',                  true,  'false'),
  ('sections', 'reviewer_id',        'uuid',                     false, NULL),
  ('sections', 'reviewed_at',        'timestamp with time zone', false, NULL),
  ('sections', 'updated_at',         'timestamp with time zone', true,  'now()');

-- ---------------------------------------------------------------------------------------
-- Structure of projects, memoires, sections
-- ---------------------------------------------------------------------------------------
SELECT has_table('public', t, format('table %s exists', t))
  FROM (SELECT table_name::name FROM memtech.tenant_table WHERE origin = 'v0') v0 (t);
-- v0's columns are all kept, and the package adds only its own.
SELECT columns_are('public', 'projects',
  ARRAY['id', 'name', 'description', 'created_at', 'company_id', 'created_by', 'client', 'location', 'lot',
        'project_type', 'size', 'deadline', 'status', 'final_document_url', 'metadata', 'updated_at'],
  'projects has its v0 columns, the specification''s new ones and updated_at, nothing else');
SELECT columns_are('public', 'memoires',
  ARRAY['id', 'title', 'filename', 'file_url', 'content', 'created_at', 'company_id', 'uploaded_by',
        'project_type', 'techniques_used', 'metadata'],
  'memoires has its v0 columns and the specification''s new ones, nothing else');
SELECT columns_are('public', 'sections',
  ARRAY['id', 'project_id', 'section_type', 'title', 'content', 'position', 'created_at', 'company_id',
        'generated_by_ai', 'source_blocks', 'quality_score', 'reviewed', 'reviewer_id', 'reviewed_at', 'updated_at'],
  'sections has its v0 columns, the specification''s new ones and updated_at, nothing else');

SELECT has_column('public', table_name, column_name, format('%s.%s exists', table_name, column_name))
  FROM expected_column ORDER BY ord;
SELECT col_type_is('public', table_name, column_name, data_type,
                   format('%s.%s is %s', table_name, column_name, data_type))
  FROM expected_column ORDER BY ord;
SELECT CASE WHEN not_null
            THEN col_not_null('public', table_name, column_name, format('%s.%s is NOT NULL', table_name, column_name))
            ELSE col_is_null('public', table_name, column_name, format('%s.%s may be NULL', table_name, column_name)) END
  FROM expected_column ORDER BY ord;
-- company_id has no default: the legacy company's was only for the rows already there.
SELECT CASE WHEN default_value IS NULL
            THEN col_hasnt_default('public', table_name, column_name,
                                   format('%s.%s has no default', table_name, column_name))
            ELSE col_default_is('public', table_name, column_name, default_value,
                                format('%s.%s defaults to %L', table_name, column_name, default_value)) END
  FROM expected_column ORDER BY ord;

-- Keys
SELECT fk_ok('public', 'projects', 'company_id', 'public', 'companies', 'id',
  'projects.company_id references companies.id');
SELECT fk_ok('public', 'projects', 'created_by', 'public', 'users', 'id',
  'projects.created_by references users.id');
SELECT col_is_unique('public', 'projects', ARRAY['company_id', 'id'],
  'projects (company_id, id) is unique, for the same-company foreign keys');
SELECT fk_ok('public', 'memoires', 'company_id', 'public', 'companies', 'id',
  'memoires.company_id references companies.id');
SELECT fk_ok('public', 'memoires', 'uploaded_by', 'public', 'users', 'id',
  'memoires.uploaded_by references users.id');
SELECT fk_ok('public', 'sections', ARRAY['company_id', 'project_id'], 'public', 'projects', ARRAY['company_id', 'id'],
  'sections (company_id, project_id) references a project of the same company');
SELECT fk_ok('public', 'sections', 'reviewer_id', 'public', 'users', 'id',
  'sections.reviewer_id references users.id');
SELECT fk_ok('public', 'sections', 'project_id', 'public', 'projects', 'id',
  'sections keeps v0''s foreign key project_id -> projects.id');

-- Every constraint, by name, with its kind and (foreign keys) its ON DELETE action:
-- p primary key, u unique, f foreign key, c check; c cascade, n set null.
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.projects'::regclass AND contype <> 'n'$$,
  $$VALUES ('projects_pkey', 'p', ' '), ('projects_company_id_fkey', 'f', 'c'), ('projects_company_id_id_key', 'u', ' '),
           ('projects_created_by_fkey', 'f', 'n'), ('projects_metadata_is_object', 'c', ' '),
           ('projects_status_is_a_project_status', 'c', ' ')$$,
  'projects has v0''s primary key and the package''s named constraints; company cascades, author is set null');
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.memoires'::regclass AND contype <> 'n'$$,
  $$VALUES ('memoires_pkey', 'p', ' '), ('memoires_company_id_fkey', 'f', 'c'), ('memoires_uploaded_by_fkey', 'f', 'n'),
           ('memoires_metadata_is_object', 'c', ' ')$$,
  'memoires has v0''s primary key and the package''s named constraints; company cascades, uploader is set null');
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.sections'::regclass AND contype <> 'n'$$,
  $$VALUES ('sections_pkey', 'p', ' '), ('sections_project_id_fkey', 'f', 'c'), ('sections_project_company_fkey', 'f', 'c'),
           ('sections_reviewer_id_fkey', 'f', 'n'), ('sections_quality_score_between_0_and_1', 'c', ' ')$$,
  'sections has v0''s keys and the package''s named constraints; project cascades, reviewer is set null');
SELECT is(
  (SELECT confupdtype::text FROM pg_constraint
    WHERE conrelid = 'public.sections'::regclass AND conname = 'sections_project_company_fkey'),
  'c', 'sections_project_company_fkey cascades updates: a section follows its project to another company');

-- Indexes
SELECT indexes_are('public', 'projects',
  ARRAY['projects_pkey', 'projects_company_id_id_key', 'idx_projects_company_status', 'projects_created_by_idx'],
  'projects has exactly the indexes projects_pkey, projects_company_id_id_key, idx_projects_company_status, projects_created_by_idx');
SELECT indexes_are('public', 'memoires', ARRAY['memoires_pkey', 'memoires_company_id_idx', 'memoires_uploaded_by_idx'],
  'memoires has exactly the indexes memoires_pkey, memoires_company_id_idx, memoires_uploaded_by_idx');
SELECT indexes_are('public', 'sections',
  ARRAY['sections_pkey', 'sections_project_id_idx', 'sections_reviewer_id_idx'],
  'sections has exactly the indexes sections_pkey, sections_project_id_idx, sections_reviewer_id_idx: none led by company_id');
SELECT has_index('public', 'projects', 'idx_projects_company_status', ARRAY['company_id', 'status'],
  'idx_projects_company_status is on projects (company_id, status)');
SELECT has_index('public', 'projects', 'projects_company_id_id_key', ARRAY['company_id', 'id'],
  'projects_company_id_id_key is on projects (company_id, id)');
SELECT has_index('public', 'projects', 'projects_created_by_idx', ARRAY['created_by'],
  'projects_created_by_idx is on projects (created_by)');
SELECT has_index('public', 'memoires', 'memoires_company_id_idx', ARRAY['company_id'],
  'memoires_company_id_idx is on memoires (company_id)');
SELECT has_index('public', 'memoires', 'memoires_uploaded_by_idx', ARRAY['uploaded_by'],
  'memoires_uploaded_by_idx is on memoires (uploaded_by)');
SELECT has_index('public', 'sections', 'sections_project_id_idx', ARRAY['project_id'],
  'sections_project_id_idx is on sections (project_id): v0 had no index there');
SELECT has_index('public', 'sections', 'sections_reviewer_id_idx', ARRAY['reviewer_id'],
  'sections_reviewer_id_idx is on sections (reviewer_id)');
SELECT is_empty(
  $$SELECT i.indexrelid::regclass::text
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
     WHERE i.indrelid IN ('public.projects'::regclass, 'public.memoires'::regclass, 'public.sections'::regclass)
       AND (a.amname <> 'btree'
            OR (i.indpred IS NOT NULL) <> (c.relname IN ('projects_created_by_idx', 'memoires_uploaded_by_idx',
                                                         'sections_reviewer_id_idx')))$$,
  'every index of projects, memoires and sections is a btree index; those on the author and reviewer columns only');
SELECT is(ARRAY(SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i
                 WHERE i.indexrelid IN ('public.projects_created_by_idx'::regclass, 'public.memoires_uploaded_by_idx'::regclass,
                                        'public.sections_reviewer_id_idx'::regclass) ORDER BY i.indexrelid::regclass::text),
  ARRAY['(uploaded_by IS NOT NULL)', '(created_by IS NOT NULL)', '(reviewer_id IS NOT NULL)'],
  'the indexes on the author and reviewer columns leave out NULL: built under the install''s lock, they are a scan without a sort');

-- ---------------------------------------------------------------------------------------
-- document_chunks keeps its v0 structure
-- ---------------------------------------------------------------------------------------
SELECT columns_are('public', 'document_chunks',
  ARRAY['id', 'memoire_id', 'chunk_index', 'content', 'embedding', 'metadata', 'created_at'],
  'document_chunks has exactly its v0 columns');
SELECT results_eq(
  $$SELECT attname::text COLLATE "default", format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
     WHERE attrelid = 'public.document_chunks'::regclass AND attnum > 0 AND NOT attisdropped
       AND attname <> 'embedding' ORDER BY attnum$$,
  $$VALUES ('id', 'uuid', true), ('memoire_id', 'uuid', true), ('chunk_index', 'integer', false),
           ('content', 'text', true), ('metadata', 'jsonb', false), ('created_at', 'timestamp with time zone', false)$$,
  'document_chunks'' columns keep their v0 order, types and nullability');
SELECT ok(
  (SELECT format_type(atttypid, atttypmod) ~ '^(real\[\]|([a-z_]+\.)?vector\(1536\))$' FROM pg_attribute
    WHERE attrelid = 'public.document_chunks'::regclass AND attname = 'embedding'),
  'document_chunks.embedding keeps its v0 type (real[], or vector(1536) with pgvector)');
SELECT indexes_are('public', 'document_chunks', ARRAY['document_chunks_pkey'],
  'document_chunks has no index but its v0 primary key');
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.document_chunks'::regclass AND contype <> 'n'$$,
  $$VALUES ('document_chunks_pkey', 'p', ' '), ('document_chunks_memoire_id_fkey', 'f', 'c')$$,
  'document_chunks has no constraint but its v0 ones');
SELECT is_empty(
  $$SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.document_chunks'::regclass AND NOT tgisinternal$$,
  'document_chunks has no trigger');

-- ---------------------------------------------------------------------------------------
-- The rows that predate the install
-- ---------------------------------------------------------------------------------------
SELECT results_eq(
  $$SELECT c.name FROM public.companies c JOIN memtech.installation i ON i.legacy_company_id = c.id$$,
  $$VALUES ('Entreprise (données existantes)'::text)$$,
  'the install created one legacy company for the rows already there, and recorded it');
SELECT results_eq(
  $$SELECT (SELECT count(*) FROM public.projects)::int, (SELECT count(*) FROM public.sections)::int,
           (SELECT count(*) FROM public.memoires)::int, (SELECT count(*) FROM public.document_chunks)::int$$,
  $$VALUES (5, 25, 6, 30)$$,
  'every v0 row is still there: 5 projects, 25 sections, 6 memoires, 30 chunks');
SELECT is_empty(
  $$SELECT 'projects ' || id FROM public.projects
     WHERE company_id IS DISTINCT FROM (SELECT legacy_company_id FROM memtech.installation)
    UNION ALL
    SELECT 'memoires ' || id FROM public.memoires
     WHERE company_id IS DISTINCT FROM (SELECT legacy_company_id FROM memtech.installation)$$,
  'every v0 project and memoire belongs to the legacy company');
SELECT is_empty(
  $$SELECT s.id FROM public.sections s JOIN public.projects p ON p.id = s.project_id
     WHERE s.company_id IS DISTINCT FROM p.company_id$$,
  'every v0 section belongs to its project''s company');
SELECT is_empty(
  $$SELECT id FROM public.projects WHERE status <> 'draft' OR metadata <> '{}'$$,
  'every v0 project starts as a draft, with empty metadata');
SELECT is_empty(
  $$SELECT id FROM public.sections WHERE generated_by_ai OR reviewed OR source_blocks <> '{}'$$,
  'no v0 section is marked as generated or reviewed');

-- ---------------------------------------------------------------------------------------
-- Behaviour
-- ---------------------------------------------------------------------------------------
INSERT INTO public.companies (id, name) VALUES
  ('c0000000-0000-4000-8000-000000000001', 'Delorme Bâtiment'),
  ('c0000000-0000-4000-8000-000000000002', 'Maçonnerie Rivière'),
  ('c0000000-0000-4000-8000-000000000003', 'Entreprise radiée');
INSERT INTO public.users (id, company_id, email, full_name, role) VALUES
  ('a0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'marie@delorme.fr', 'Marie Durand', 'admin'),
  ('a0000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-000000000001', 'luc@delorme.fr', 'Luc Girard', 'user'),
  ('a0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000002', 'paul@riviere.fr', 'Paul Rivière', 'admin'),
  ('a0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'jean@radiee.fr', 'Jean Martin', 'admin');
INSERT INTO public.projects (id, company_id, name, created_by) VALUES
  ('70000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'Collège Jean Moulin', 'a0000000-0000-4000-8000-000000000011'),
  ('70000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-000000000001', 'Crèche des Lilas', NULL),
  ('70000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000002', 'Mairie annexe', NULL),
  ('70000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'Gymnase', NULL);
INSERT INTO public.sections (id, project_id, company_id, title, reviewer_id) VALUES
  ('71000000-0000-4000-8000-000000000001', '70000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'Méthodologie', 'a0000000-0000-4000-8000-000000000011'),
  ('71000000-0000-4000-8000-000000000011', '70000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-000000000001', 'Planning', NULL),
  ('71000000-0000-4000-8000-000000000003', '70000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'Références', NULL);
INSERT INTO public.memoires (id, company_id, title, uploaded_by) VALUES
  ('72000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'MT Collège 2022', 'a0000000-0000-4000-8000-000000000011'),
  ('72000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'MT Gymnase 2019', NULL);
INSERT INTO public.document_chunks (memoire_id, chunk_index, content) VALUES
  ('72000000-0000-4000-8000-000000000003', 0, 'Présentation'),
  ('72000000-0000-4000-8000-000000000003', 1, 'Méthodologie');

-- projects
SELECT results_eq(
  $$INSERT INTO public.projects (company_id, name) VALUES ('c0000000-0000-4000-8000-000000000002', 'Halle des sports')
    RETURNING status, metadata, created_by IS NULL$$,
  $$VALUES ('draft'::text, '{}'::jsonb, true)$$,
  'a new project starts as a draft with empty metadata');
-- (Written by no user at all, it would go to the legacy company: see 20_tenant_context.)
SET LOCAL app.user_id = 'ffffffff-0000-4000-8000-000000000000';
SELECT throws_ok(
  $$INSERT INTO public.projects (name) VALUES ('Sans entreprise')$$,
  '23502', 'null value in column "company_id" of relation "projects" violates not-null constraint',
  'a project needs a company');
RESET app.user_id;
SELECT throws_ok(
  $$INSERT INTO public.projects (company_id, name) VALUES ('c0000000-0000-4000-8000-0000000000ff', 'Fantôme')$$,
  '23503', 'insert or update on table "projects" violates foreign key constraint "projects_company_id_fkey"',
  'a project''s company must exist');
SELECT throws_ok(
  $$INSERT INTO public.projects (company_id, name, metadata) VALUES ('c0000000-0000-4000-8000-000000000001', 'Liste', '[1, 2]')$$,
  '23514', 'new row for relation "projects" violates check constraint "projects_metadata_is_object"',
  'projects.metadata must be a JSON object');
SELECT throws_ok(
  $$UPDATE public.projects SET status = 'archived' WHERE id = '70000000-0000-4000-8000-000000000001'$$,
  '22P02', 'invalid input value for enum project_status: "archived"',
  'a project status outside the workflow is refused');

-- memoires
SET LOCAL app.user_id = 'ffffffff-0000-4000-8000-000000000000';
SELECT throws_ok(
  $$INSERT INTO public.memoires (title) VALUES ('Sans entreprise')$$,
  '23502', 'null value in column "company_id" of relation "memoires" violates not-null constraint',
  'a memoire needs a company');
RESET app.user_id;
SELECT throws_ok(
  $$INSERT INTO public.memoires (company_id, title, metadata) VALUES ('c0000000-0000-4000-8000-000000000001', 'MT', 'null')$$,
  '23514', 'new row for relation "memoires" violates check constraint "memoires_metadata_is_object"',
  'memoires.metadata must be a JSON object');
SELECT results_eq(
  $$INSERT INTO public.memoires (company_id, title) VALUES ('c0000000-0000-4000-8000-000000000001', 'MT Crèche 2021')
    RETURNING techniques_used, metadata$$,
  $$VALUES ('{}'::text[], '{}'::jsonb)$$,
  'a new memoire has no techniques and empty metadata');

-- sections
SELECT results_eq(
  $$INSERT INTO public.sections (project_id, title) VALUES ('70000000-0000-4000-8000-000000000001', 'Moyens humains')
    RETURNING company_id, generated_by_ai, reviewed, source_blocks$$,
  $$VALUES ('c0000000-0000-4000-8000-000000000001'::uuid, false, false, '{}'::uuid[])$$,
  'a section inserted without company_id takes its project''s company');
SELECT throws_ok(
  $$INSERT INTO public.sections (project_id, company_id, title)
    VALUES ('70000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000002', 'Intrusion')$$,
  '23503', 'insert or update on table "sections" violates foreign key constraint "sections_project_company_fkey"',
  'a section under a project of another company than the one it names is refused');
SELECT throws_ok(
  $$UPDATE public.sections SET project_id = '70000000-0000-4000-8000-000000000002'
     WHERE id = '71000000-0000-4000-8000-000000000011'$$,
  '23503', 'insert or update on table "sections" violates foreign key constraint "sections_project_company_fkey"',
  'a section cannot be moved under a project of another company');
SELECT throws_ok(
  $$UPDATE public.sections SET quality_score = 1.5 WHERE id = '71000000-0000-4000-8000-000000000001'$$,
  '23514', 'new row for relation "sections" violates check constraint "sections_quality_score_between_0_and_1"',
  'sections.quality_score 1.5 is refused');
SELECT throws_ok(
  $$UPDATE public.sections SET quality_score = -0.1 WHERE id = '71000000-0000-4000-8000-000000000001'$$,
  '23514', 'new row for relation "sections" violates check constraint "sections_quality_score_between_0_and_1"',
  'sections.quality_score below 0 is refused');
SELECT lives_ok(
  $$UPDATE public.sections SET quality_score = 0.85, reviewed = true, reviewed_at = now()
     WHERE id = '71000000-0000-4000-8000-000000000001'$$,
  'sections.quality_score 0.85 is accepted');

-- A project that changes company takes its sections along.
UPDATE public.projects SET company_id = 'c0000000-0000-4000-8000-000000000002'
 WHERE id = '70000000-0000-4000-8000-000000000011';
SELECT results_eq(
  $$SELECT company_id FROM public.sections WHERE id = '71000000-0000-4000-8000-000000000011'$$,
  $$VALUES ('c0000000-0000-4000-8000-000000000002'::uuid)$$,
  'a project moved to another company takes its sections along');

-- Deleting a user keeps what they made or reviewed, without their name on it.
DELETE FROM public.users WHERE id = 'a0000000-0000-4000-8000-000000000011';
SELECT results_eq(
  $$SELECT id, created_by FROM public.projects WHERE id = '70000000-0000-4000-8000-000000000001'$$,
  $$VALUES ('70000000-0000-4000-8000-000000000001'::uuid, NULL::uuid)$$,
  'deleting a user keeps their projects, with created_by set to NULL');
SELECT results_eq(
  $$SELECT id, uploaded_by FROM public.memoires WHERE id = '72000000-0000-4000-8000-000000000001'$$,
  $$VALUES ('72000000-0000-4000-8000-000000000001'::uuid, NULL::uuid)$$,
  'deleting a user keeps their memoires, with uploaded_by set to NULL');
SELECT results_eq(
  $$SELECT id, reviewer_id, reviewed FROM public.sections WHERE id = '71000000-0000-4000-8000-000000000001'$$,
  $$VALUES ('71000000-0000-4000-8000-000000000001'::uuid, NULL::uuid, true)$$,
  'deleting a user keeps the sections they reviewed, with reviewer_id set to NULL');

-- Deleting a project deletes its sections.
DELETE FROM public.projects WHERE id = '70000000-0000-4000-8000-000000000001';
SELECT is_empty(
  $$SELECT id FROM public.sections WHERE project_id = '70000000-0000-4000-8000-000000000001'$$,
  'deleting a project deletes its sections');

-- Deleting a company deletes its projects, their sections, its memoires and their chunks.
DELETE FROM public.companies WHERE id = 'c0000000-0000-4000-8000-000000000003';
SELECT is_empty(
  $$SELECT 'projects' FROM public.projects WHERE company_id = 'c0000000-0000-4000-8000-000000000003'
    UNION ALL SELECT 'sections' FROM public.sections WHERE company_id = 'c0000000-0000-4000-8000-000000000003'
    UNION ALL SELECT 'memoires' FROM public.memoires WHERE company_id = 'c0000000-0000-4000-8000-000000000003'
    UNION ALL SELECT 'document_chunks' FROM public.document_chunks WHERE memoire_id = '72000000-0000-4000-8000-000000000003'$$,
  'deleting a company deletes its projects, sections, memoires and their chunks');
SELECT results_eq(
  $$SELECT (SELECT count(*) FROM public.projects)::int, (SELECT count(*) FROM public.sections)::int,
           (SELECT count(*) FROM public.memoires)::int, (SELECT count(*) FROM public.document_chunks)::int$$,
  $$VALUES (5 + 3, 25 + 1, 6 + 2, 30)$$,
  'deleting a company keeps the other companies'' projects, sections, memoires and chunks');

SELECT * FROM finish();
ROLLBACK;
