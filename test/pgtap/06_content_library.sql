-- sql/06_content_library.sql: the company's content library (content_blocks, files,
-- block_files, past_projects, section_templates).
BEGIN;
SELECT plan(236);

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
  ('content_blocks',    'id',               'uuid',                     true,  'gen_random_uuid()'),
  ('content_blocks',    'company_id',       'uuid',                     true,  NULL),
  ('content_blocks',    'type',             'text',                     true,  NULL),
  ('content_blocks',    'title',            'text',                     true,  NULL),
  ('content_blocks',    'content',          'text',                     true,  ''),
  ('content_blocks',    'metadata',         'jsonb',                    true,  '{}'),
  ('content_blocks',    'tags',             'text[]',                   true,  '{}'),
  ('content_blocks',    'version',          'integer',                  true,  '1'),
  ('content_blocks',    'is_active',        'boolean',                  true,  'true'),
  ('content_blocks',    'created_at',       'timestamp with time zone', true,  'now()'),
  ('content_blocks',    'updated_at',       'timestamp with time zone', true,  'now()'),
  ('content_blocks',    'created_by',       'uuid',                     false, NULL),
  ('content_block_tags', 'company_id',      'uuid',                     true,  NULL),
  ('content_block_tags', 'block_id',        'uuid',                     true,  NULL),
  ('content_block_tags', 'tag',             'text',                     true,  NULL),
  ('files',             'id',               'uuid',                     true,  'gen_random_uuid()'),
  ('files',             'company_id',       'uuid',                     true,  NULL),
  ('files',             'filename',         'text',                     true,  NULL),
  ('files',             'file_type',        'text',                     true,  NULL),
  ('files',             'storage_url',      'text',                     true,  NULL),
  ('files',             'size_bytes',       'bigint',                   true,  NULL),
  ('files',             'uploaded_at',      'timestamp with time zone', true,  'now()'),
  ('files',             'uploaded_by',      'uuid',                     false, NULL),
  ('files',             'metadata',         'jsonb',                    true,  '{}'),
  ('block_files',       'block_id',         'uuid',                     true,  NULL),
  ('block_files',       'file_id',          'uuid',                     true,  NULL),
  ('block_files',       'company_id',       'uuid',                     true,  NULL),
  ('block_files',       'relationship',     'block_file_relationship',  true,  NULL),
  ('past_projects',     'id',               'uuid',                     true,  'gen_random_uuid()'),
  ('past_projects',     'company_id',       'uuid',                     true,  NULL),
  ('past_projects',     'name',             'text',                     true,  NULL),
  ('past_projects',     'client',           'text',                     false, NULL),
  ('past_projects',     'year',             'integer',                  false, NULL),
  ('past_projects',     'project_type',     'text',                     false, NULL),
  ('past_projects',     'description',      'text',                     false, NULL),
  ('past_projects',     'techniques_used',  'text[]',                   true,  '{}'),
  ('past_projects',     'success_factors',  'text[]',                   true,  '{}'),
  ('past_projects',     'photos',           'text[]',                   true,  '{}'),
  ('past_projects',     'is_referenceable', 'boolean',                  true,  'true'),
  ('past_projects',     'metadata',         'jsonb',                    true,  '{}'),
  ('past_projects',     'created_at',       'timestamp with time zone', true,  'now()'),
  ('past_projects',     'updated_at',       'timestamp with time zone', true,  'now()'),
  ('section_templates', 'id',               'uuid',                     true,  'gen_random_uuid()'),
  ('section_templates', 'company_id',       'uuid',                     true,  NULL),
  ('section_templates', 'section_type',     'memoire_section_type',     true,  NULL),
  ('section_templates', 'title',            'text',                     true,  NULL),
  ('section_templates', 'template_content', 'text',                     true,  NULL),
  ('section_templates', 'placeholders',     'jsonb',                    true,  '{}'),
  ('section_templates', 'usage_count',      'integer',                  true,  '0'),
  ('section_templates', 'created_at',       'timestamp with time zone', true,  'now()'),
  ('section_templates', 'updated_at',       'timestamp with time zone', true,  'now()');

-- ---------------------------------------------------------------------------------------
-- Structure
-- ---------------------------------------------------------------------------------------
SELECT has_table('public', t, format('table %s exists', t))
  FROM (SELECT DISTINCT table_name FROM expected_column) e (t);
SELECT columns_are('public', t,
                   ARRAY(SELECT column_name FROM expected_column e WHERE e.table_name = t ORDER BY ord),
                   format('%s has exactly the columns of the specification', t))
  FROM (SELECT DISTINCT table_name FROM expected_column) e (t);

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
SELECT col_is_pk('public', 'content_blocks', 'id', 'content_blocks.id is the primary key');
SELECT col_is_pk('public', 'content_block_tags', ARRAY['company_id', 'tag', 'block_id'],
  'content_block_tags'' primary key is (company_id, tag, block_id): a tenant''s tag is one range of it');
SELECT col_is_pk('public', 'files', 'id', 'files.id is the primary key');
SELECT col_is_pk('public', 'block_files', ARRAY['block_id', 'file_id'], 'block_files'' primary key is (block_id, file_id)');
SELECT col_is_pk('public', 'past_projects', 'id', 'past_projects.id is the primary key');
SELECT col_is_pk('public', 'section_templates', 'id', 'section_templates.id is the primary key');
SELECT col_is_unique('public', 'content_blocks', ARRAY['company_id', 'id'],
  'content_blocks (company_id, id) is unique, for the same-company foreign keys');
SELECT col_is_unique('public', 'files', ARRAY['company_id', 'id'],
  'files (company_id, id) is unique, for the same-company foreign keys');

SELECT fk_ok('public', 'content_blocks', 'company_id', 'public', 'companies', 'id',
  'content_blocks.company_id references companies.id');
SELECT fk_ok('public', 'content_blocks', 'created_by', 'public', 'users', 'id',
  'content_blocks.created_by references users.id');
SELECT fk_ok('public', 'files', 'company_id', 'public', 'companies', 'id',
  'files.company_id references companies.id');
SELECT fk_ok('public', 'files', 'uploaded_by', 'public', 'users', 'id',
  'files.uploaded_by references users.id');
SELECT fk_ok('public', 'block_files', ARRAY['company_id', 'block_id'], 'public', 'content_blocks', ARRAY['company_id', 'id'],
  'block_files (company_id, block_id) references a content block of the same company');
SELECT fk_ok('public', 'block_files', ARRAY['company_id', 'file_id'], 'public', 'files', ARRAY['company_id', 'id'],
  'block_files (company_id, file_id) references a file of the same company');
SELECT fk_ok('public', 'past_projects', 'company_id', 'public', 'companies', 'id',
  'past_projects.company_id references companies.id');
SELECT fk_ok('public', 'section_templates', 'company_id', 'public', 'companies', 'id',
  'section_templates.company_id references companies.id');

-- Every constraint, by name, with its kind and (foreign keys) its ON DELETE action:
-- p primary key, u unique, f foreign key, c check; c cascade, n set null.
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.content_blocks'::regclass AND contype <> 'n'$$,
  $$VALUES ('content_blocks_pkey', 'p', ' '), ('content_blocks_company_id_id_key', 'u', ' '),
           ('content_blocks_company_id_fkey', 'f', 'c'), ('content_blocks_created_by_fkey', 'f', 'n'),
           ('content_blocks_title_not_blank', 'c', ' '), ('content_blocks_metadata_is_object', 'c', ' '),
           ('content_blocks_version_positive', 'c', ' '), ('content_blocks_type_is_a_content_block_type', 'c', ' ')$$,
  'content_blocks has exactly its named constraints; company cascades, author is set null');
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.content_block_tags'::regclass AND contype <> 'n'$$,
  $$VALUES ('content_block_tags_pkey', 'p', ' ')$$,
  'content_block_tags has only its primary key: its rows follow content_blocks through triggers, not a foreign key');
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.files'::regclass AND contype <> 'n'$$,
  $$VALUES ('files_pkey', 'p', ' '), ('files_company_id_id_key', 'u', ' '),
           ('files_company_id_fkey', 'f', 'c'), ('files_uploaded_by_fkey', 'f', 'n'),
           ('files_filename_not_blank', 'c', ' '), ('files_storage_url_not_blank', 'c', ' '),
           ('files_size_not_negative', 'c', ' '), ('files_metadata_is_object', 'c', ' ')$$,
  'files has exactly its named constraints; company cascades, uploader is set null');
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.block_files'::regclass AND contype <> 'n'$$,
  $$VALUES ('block_files_pkey', 'p', ' '), ('block_files_block_fkey', 'f', 'c'), ('block_files_file_fkey', 'f', 'c')$$,
  'block_files has exactly its named constraints; both sides cascade');
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.past_projects'::regclass AND contype <> 'n'$$,
  $$VALUES ('past_projects_pkey', 'p', ' '), ('past_projects_company_id_fkey', 'f', 'c'),
           ('past_projects_name_not_blank', 'c', ' '), ('past_projects_year_plausible', 'c', ' '),
           ('past_projects_metadata_is_object', 'c', ' ')$$,
  'past_projects has exactly its named constraints; company cascades');
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.section_templates'::regclass AND contype <> 'n'$$,
  $$VALUES ('section_templates_pkey', 'p', ' '), ('section_templates_company_id_fkey', 'f', 'c'),
           ('section_templates_title_not_blank', 'c', ' '), ('section_templates_usage_count_not_negative', 'c', ' ')$$,
  'section_templates has exactly its named constraints; company cascades');

-- Indexes: the specification's, then one under each foreign key not led by another.
SELECT indexes_are('public', 'content_blocks',
  ARRAY['content_blocks_pkey', 'content_blocks_company_id_id_key', 'idx_content_blocks_company', 'idx_content_blocks_type',
        'idx_content_blocks_tags', 'idx_content_blocks_active', 'content_blocks_created_by_idx', 'content_blocks_company_type_idx'],
  'content_blocks has exactly its eight indexes');
SELECT indexes_are('public', 'content_block_tags', ARRAY['content_block_tags_pkey'],
  'content_block_tags has only its primary key as index: every write of the triggers is one more index entry');
SELECT has_index('public', 'content_blocks', 'content_blocks_company_type_idx', ARRAY['company_id', 'type'],
  'content_blocks_company_type_idx is on content_blocks (company_id, type): a tenant''s blocks of a type in one range');
SELECT indexes_are('public', 'files', ARRAY['files_pkey', 'files_company_id_id_key', 'files_uploaded_by_idx'],
  'files has exactly the indexes files_pkey, files_company_id_id_key, files_uploaded_by_idx');
SELECT indexes_are('public', 'block_files', ARRAY['block_files_pkey', 'block_files_file_id_idx', 'block_files_company_id_idx'],
  'block_files has exactly the indexes block_files_pkey, block_files_file_id_idx, block_files_company_id_idx');
SELECT indexes_are('public', 'past_projects', ARRAY['past_projects_pkey', 'idx_past_projects_company', 'idx_past_projects_type'],
  'past_projects has exactly the indexes past_projects_pkey, idx_past_projects_company, idx_past_projects_type');
SELECT indexes_are('public', 'section_templates', ARRAY['section_templates_pkey', 'section_templates_company_id_idx'],
  'section_templates has exactly the indexes section_templates_pkey, section_templates_company_id_idx');

SELECT has_index('public', 'content_blocks', 'idx_content_blocks_company', ARRAY['company_id'],
  'idx_content_blocks_company is on content_blocks (company_id)');
SELECT has_index('public', 'content_blocks', 'idx_content_blocks_type', ARRAY['type'],
  'idx_content_blocks_type is on content_blocks (type)');
SELECT has_index('public', 'content_blocks', 'idx_content_blocks_tags', ARRAY['tags'],
  'idx_content_blocks_tags is on content_blocks (tags)');
SELECT index_is_type('public', 'content_blocks', 'idx_content_blocks_tags', 'gin',
  'idx_content_blocks_tags is a GIN index, to search tags');
SELECT has_index('public', 'content_blocks', 'idx_content_blocks_active', ARRAY['is_active'],
  'idx_content_blocks_active is on content_blocks (is_active)');
SELECT is((SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = 'public.idx_content_blocks_active'::regclass),
  '(is_active = true)',
  'idx_content_blocks_active is partial: WHERE is_active = true');
SELECT has_index('public', 'content_blocks', 'content_blocks_created_by_idx', ARRAY['created_by'],
  'content_blocks_created_by_idx is on content_blocks (created_by)');
SELECT has_index('public', 'files', 'files_uploaded_by_idx', ARRAY['uploaded_by'],
  'files_uploaded_by_idx is on files (uploaded_by)');
SELECT has_index('public', 'block_files', 'block_files_file_id_idx', ARRAY['file_id'],
  'block_files_file_id_idx is on block_files (file_id)');
SELECT has_index('public', 'block_files', 'block_files_company_id_idx', ARRAY['company_id'],
  'block_files_company_id_idx is on block_files (company_id)');
SELECT has_index('public', 'past_projects', 'idx_past_projects_company', ARRAY['company_id'],
  'idx_past_projects_company is on past_projects (company_id)');
SELECT has_index('public', 'past_projects', 'idx_past_projects_type', ARRAY['project_type'],
  'idx_past_projects_type is on past_projects (project_type)');
SELECT has_index('public', 'section_templates', 'section_templates_company_id_idx', ARRAY['company_id'],
  'section_templates_company_id_idx is on section_templates (company_id)');
SELECT is_empty(
  $$SELECT i.indexrelid::regclass::text
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
     WHERE i.indrelid IN ('public.content_blocks'::regclass, 'public.content_block_tags'::regclass, 'public.files'::regclass, 'public.block_files'::regclass,
                          'public.past_projects'::regclass, 'public.section_templates'::regclass)
       AND i.indexrelid <> 'public.idx_content_blocks_tags'::regclass
       AND (a.amname <> 'btree' OR (i.indpred IS NOT NULL AND i.indexrelid <> 'public.idx_content_blocks_active'::regclass))$$,
  'every other index of the content library is a plain btree index');

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
INSERT INTO public.content_blocks (id, company_id, type, title, content, created_by) VALUES
  ('b0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'person-cv', 'Luc Girard, conducteur de travaux', 'CV…', 'a0000000-0000-4000-8000-000000000011'),
  ('b0000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-000000000001', 'equipment', 'Grue à tour MDT 219', 'Grue…', 'a0000000-0000-4000-8000-000000000001'),
  ('b0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000002', 'procedure', 'Mode opératoire maçonnerie', '…', NULL),
  ('b0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'certification', 'Qualibat 2113', '…', 'a0000000-0000-4000-8000-000000000003');
INSERT INTO public.files (id, company_id, filename, file_type, storage_url, size_bytes, uploaded_by) VALUES
  ('f0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'CV Luc Girard.pdf', 'application/pdf', 's3://lib/c1/cv-luc-girard.pdf', 182344, 'a0000000-0000-4000-8000-000000000011'),
  ('f0000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-000000000001', 'grue.jpg', 'image/jpeg', 's3://lib/c1/grue.jpg', 523001, 'a0000000-0000-4000-8000-000000000001'),
  ('f0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000002', 'mode-op.pdf', 'application/pdf', 's3://lib/c2/mode-op.pdf', 90210, NULL),
  ('f0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'qualibat.pdf', 'application/pdf', 's3://lib/c3/qualibat.pdf', 40000, NULL);
INSERT INTO public.block_files (block_id, file_id, company_id, relationship) VALUES
  ('b0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'main-file'),
  ('b0000000-0000-4000-8000-000000000011', 'f0000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-000000000001', 'photo'),
  ('b0000000-0000-4000-8000-000000000003', 'f0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'certificate');
INSERT INTO public.past_projects (id, company_id, name, year) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'Groupe scolaire Jules Ferry', 2023),
  ('d0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'Gymnase municipal', 2019);
INSERT INTO public.section_templates (id, company_id, section_type, title, template_content) VALUES
  ('e0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'methodologie', 'Méthodologie type', 'Pour {{projet}}…'),
  ('e0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'qualite', 'PAQ type', '…');

-- content_blocks
SELECT results_eq(
  $$INSERT INTO public.content_blocks (company_id, type, title)
    VALUES ('c0000000-0000-4000-8000-000000000001', 'company-profile', 'Présentation')
    RETURNING content, metadata, tags, version, is_active, created_by IS NULL$$,
  $$VALUES ('', '{}'::jsonb, '{}'::text[], 1, true, true)$$,
  'a new content block is active, at version 1, with empty content, metadata and tags');
SELECT throws_ok(
  $$INSERT INTO public.content_blocks (company_id, type, title) VALUES ('c0000000-0000-4000-8000-000000000001', 'equipment', '  ')$$,
  '23514', 'new row for relation "content_blocks" violates check constraint "content_blocks_title_not_blank"',
  'a content block needs a title that is not blank');
SELECT throws_ok(
  $$INSERT INTO public.content_blocks (company_id, type, title, metadata)
    VALUES ('c0000000-0000-4000-8000-000000000001', 'equipment', 'Nacelle', '["capacité"]')$$,
  '23514', 'new row for relation "content_blocks" violates check constraint "content_blocks_metadata_is_object"',
  'content_blocks.metadata must be a JSON object');
-- A trigger (sql/24_block_versions.sql) overwrites the version a client sends; the check
-- stands behind it even where triggers do not fire (replication, a disabled trigger).
SET LOCAL session_replication_role = replica;
SELECT throws_ok(
  $$UPDATE public.content_blocks SET version = 0 WHERE id = 'b0000000-0000-4000-8000-000000000001'$$,
  '23514', 'new row for relation "content_blocks" violates check constraint "content_blocks_version_positive"',
  'content_blocks.version starts at 1: 0 is refused, even with triggers off');
SET LOCAL session_replication_role = origin;
SELECT throws_ok(
  $$INSERT INTO public.content_blocks (company_id, type, title) VALUES ('c0000000-0000-4000-8000-000000000001', 'brochure', 'Plaquette')$$,
  '22P02', 'invalid input value for enum content_block_type: "brochure"',
  'a content block type outside the seven kinds is refused');

-- files
SELECT throws_ok(
  $$INSERT INTO public.files (company_id, filename, file_type, storage_url, size_bytes)
    VALUES ('c0000000-0000-4000-8000-000000000001', '', 'application/pdf', 's3://lib/c1/x.pdf', 1)$$,
  '23514', 'new row for relation "files" violates check constraint "files_filename_not_blank"',
  'a file needs a filename that is not blank');
SELECT throws_ok(
  $$INSERT INTO public.files (company_id, filename, file_type, storage_url, size_bytes)
    VALUES ('c0000000-0000-4000-8000-000000000001', 'x.pdf', 'application/pdf', ' ', 1)$$,
  '23514', 'new row for relation "files" violates check constraint "files_storage_url_not_blank"',
  'a file needs a storage URL that is not blank');
SELECT throws_ok(
  $$INSERT INTO public.files (company_id, filename, file_type, storage_url, size_bytes)
    VALUES ('c0000000-0000-4000-8000-000000000001', 'x.pdf', 'application/pdf', 's3://lib/c1/x.pdf', -1)$$,
  '23514', 'new row for relation "files" violates check constraint "files_size_not_negative"',
  'files.size_bytes cannot be negative');
SELECT throws_ok(
  $$INSERT INTO public.files (company_id, filename, file_type, storage_url, size_bytes, metadata)
    VALUES ('c0000000-0000-4000-8000-000000000001', 'x.pdf', 'application/pdf', 's3://lib/c1/x.pdf', 1, '"pages: 3"')$$,
  '23514', 'new row for relation "files" violates check constraint "files_metadata_is_object"',
  'files.metadata must be a JSON object');
SELECT lives_ok(
  $$INSERT INTO public.files (company_id, filename, file_type, storage_url, size_bytes)
    VALUES ('c0000000-0000-4000-8000-000000000001', 'vide.txt', 'text/plain', 's3://lib/c1/vide.txt', 0)$$,
  'an empty file (0 bytes) is accepted');

-- block_files
SELECT throws_ok(
  $$INSERT INTO public.block_files (block_id, file_id, company_id, relationship)
    VALUES ('b0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001', 'photo')$$,
  '23503', 'insert or update on table "block_files" violates foreign key constraint "block_files_file_fkey"',
  'a block cannot be linked to a file of another company');
SELECT throws_ok(
  $$INSERT INTO public.block_files (block_id, file_id, company_id, relationship)
    VALUES ('b0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000002', 'photo')$$,
  '23503', 'insert or update on table "block_files" violates foreign key constraint "block_files_block_fkey"',
  'a file cannot be linked to a block of another company, whatever company_id the link claims');
SELECT throws_ok(
  $$INSERT INTO public.block_files (block_id, file_id, company_id, relationship)
    VALUES ('b0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'photo')$$,
  '23505', 'duplicate key value violates unique constraint "block_files_pkey"',
  'a file is linked to a block at most once');
SELECT throws_ok(
  $$INSERT INTO public.block_files (block_id, file_id, company_id, relationship)
    VALUES ('b0000000-0000-4000-8000-000000000011', 'f0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'thumbnail')$$,
  '22P02', 'invalid input value for enum block_file_relationship: "thumbnail"',
  'a relationship outside main-file, photo, certificate, datasheet is refused');

-- past_projects
SELECT throws_ok(
  $$INSERT INTO public.past_projects (company_id, name, year) VALUES ('c0000000-0000-4000-8000-000000000001', 'Pont Morand', 1850)$$,
  '23514', 'new row for relation "past_projects" violates check constraint "past_projects_year_plausible"',
  'past_projects.year 1850 is refused');
SELECT lives_ok(
  $$INSERT INTO public.past_projects (company_id, name, year) VALUES ('c0000000-0000-4000-8000-000000000001', 'Sans date', NULL)$$,
  'past_projects.year may be unknown (NULL)');
SELECT throws_ok(
  $$INSERT INTO public.past_projects (company_id, name) VALUES ('c0000000-0000-4000-8000-000000000001', '')$$,
  '23514', 'new row for relation "past_projects" violates check constraint "past_projects_name_not_blank"',
  'a past project needs a name that is not blank');
SELECT throws_ok(
  $$INSERT INTO public.past_projects (company_id, name, metadata) VALUES ('c0000000-0000-4000-8000-000000000001', 'Halle', '12')$$,
  '23514', 'new row for relation "past_projects" violates check constraint "past_projects_metadata_is_object"',
  'past_projects.metadata must be a JSON object');

-- section_templates
SELECT throws_ok(
  $$INSERT INTO public.section_templates (company_id, section_type, title, template_content)
    VALUES ('c0000000-0000-4000-8000-000000000001', 'planning', ' ', '…')$$,
  '23514', 'new row for relation "section_templates" violates check constraint "section_templates_title_not_blank"',
  'a section template needs a title that is not blank');
SELECT throws_ok(
  $$UPDATE public.section_templates SET usage_count = -1 WHERE id = 'e0000000-0000-4000-8000-000000000001'$$,
  '23514', 'new row for relation "section_templates" violates check constraint "section_templates_usage_count_not_negative"',
  'section_templates.usage_count cannot be negative');
SELECT throws_ok(
  $$INSERT INTO public.section_templates (company_id, section_type, title, template_content)
    VALUES ('c0000000-0000-4000-8000-000000000001', 'preface', 'Préface', '…')$$,
  '22P02', 'invalid input value for enum memoire_section_type: "preface"',
  'a section type outside memoire_section_type is refused');

-- Deleting a block or a file deletes its links, not the other side.
DELETE FROM public.content_blocks WHERE id = 'b0000000-0000-4000-8000-000000000011';
SELECT is_empty(
  $$SELECT 1 FROM public.block_files WHERE block_id = 'b0000000-0000-4000-8000-000000000011'$$,
  'deleting a content block deletes its links to files');
SELECT isnt_empty(
  $$SELECT 1 FROM public.files WHERE id = 'f0000000-0000-4000-8000-000000000011'$$,
  'deleting a content block keeps the files it was linked to');

-- Deleting a user keeps what they made, without its author.
DELETE FROM public.users WHERE id = 'a0000000-0000-4000-8000-000000000011';
SELECT results_eq(
  $$SELECT id, created_by FROM public.content_blocks WHERE id = 'b0000000-0000-4000-8000-000000000001'$$,
  $$VALUES ('b0000000-0000-4000-8000-000000000001'::uuid, NULL::uuid)$$,
  'deleting a user keeps their content blocks, with created_by set to NULL');
SELECT results_eq(
  $$SELECT id, uploaded_by FROM public.files WHERE id = 'f0000000-0000-4000-8000-000000000001'$$,
  $$VALUES ('f0000000-0000-4000-8000-000000000001'::uuid, NULL::uuid)$$,
  'deleting a user keeps their files, with uploaded_by set to NULL');

-- Deleting a file deletes its links.
DELETE FROM public.files WHERE id = 'f0000000-0000-4000-8000-000000000001';
SELECT is_empty(
  $$SELECT 1 FROM public.block_files WHERE file_id = 'f0000000-0000-4000-8000-000000000001'$$,
  'deleting a file deletes its links to content blocks');

-- Deleting a company deletes its whole library, and only its own.
DELETE FROM public.companies WHERE id = 'c0000000-0000-4000-8000-000000000003';
SELECT is_empty(
  $$SELECT 'content_blocks' FROM public.content_blocks WHERE company_id = 'c0000000-0000-4000-8000-000000000003'
    UNION ALL SELECT 'files' FROM public.files WHERE company_id = 'c0000000-0000-4000-8000-000000000003'
    UNION ALL SELECT 'block_files' FROM public.block_files WHERE company_id = 'c0000000-0000-4000-8000-000000000003'
    UNION ALL SELECT 'past_projects' FROM public.past_projects WHERE company_id = 'c0000000-0000-4000-8000-000000000003'
    UNION ALL SELECT 'section_templates' FROM public.section_templates WHERE company_id = 'c0000000-0000-4000-8000-000000000003'$$,
  'deleting a company deletes its content blocks, files, links, past projects and section templates');
SELECT results_eq(
  $$SELECT (SELECT count(*) FROM public.content_blocks WHERE company_id <> 'c0000000-0000-4000-8000-000000000003')::int,
           (SELECT count(*) FROM public.files WHERE company_id <> 'c0000000-0000-4000-8000-000000000003')::int,
           (SELECT count(*) FROM public.past_projects WHERE company_id <> 'c0000000-0000-4000-8000-000000000003')::int,
           (SELECT count(*) FROM public.section_templates WHERE company_id <> 'c0000000-0000-4000-8000-000000000003')::int$$,
  $$VALUES (3, 3, 2, 1)$$,
  'deleting a company keeps the other companies'' library');

SELECT * FROM finish();
ROLLBACK;
