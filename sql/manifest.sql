-- The manifest: one row per tenant table, the facts every layer reads instead of keeping a
-- list of its own: the column contract's preflight, the tenant context (how company_id is
-- filled, which references stay inside the company), the policies and the privileges (who
-- may do what), the audit trail, the uninstall, and the tests. Both scripts read it here,
-- in pg_temp; the install keeps a copy in memtech.tenant_table, whose comments (\d+) say
-- what each field means, for operators and the tests. Adding a tenant table is one row here
-- and a module with its DDL: docs/architecture.md walks through it.
--
--   origin        v0 (the application's, given back by the uninstall) or package
--   company_via   how a row finds its company: id (companies), company_id, memoire_id
--   company_from  how company_id is filled when an insert leaves it out (NULL: it is not)
--   *_by          who of the company may select, insert, update, delete (NULL: nobody):
--                 members, editors (admins and users), admins, admins_or_self
--   *_columns     the only columns the API may insert or update (NULL: all)
--   same_company  column=table references a trigger keeps inside the company
CREATE TEMPORARY TABLE pg_temp.memtech_tenant_table ON COMMIT DROP AS
SELECT table_name::text, origin::text, company_via::text, company_from::text,
       select_by::text, insert_by::text, update_by::text, delete_by::text,
       insert_columns::text[], update_columns::text[], audited::boolean,
       secret_columns::text[], same_company::text[], distribution::text
  FROM (VALUES
-- table                  origin     company_via   company_from   select     insert     update            delete     audited secrets            same_company                                         distribution
  ('companies',           'package', 'id',         NULL,          'members', NULL,      'admins',         NULL,      NULL, NULL, true,  '{}',              '{}',                                                'distributed'),
  ('users',               'package', 'company_id', 'acting_user', 'members', 'admins',  'admins_or_self', NULL,
   '{id,company_id,email,full_name,role,is_active}', '{email,full_name,role,is_active}',
                                                                                                                               true,  '{password_hash}', '{}',                                                'distributed'),
  ('content_blocks',      'package', 'company_id', 'acting_user', 'members', 'editors', 'editors',        'editors', NULL, NULL, true,  '{}',              '{created_by=users}',                                'distributed'),
  ('content_block_tags',  'package', 'company_id', NULL,          'members', NULL,      NULL,             NULL,      NULL, NULL, false, '{}',              '{}',                                                'distributed'),
  ('files',               'package', 'company_id', 'acting_user', 'members', 'editors', 'editors',        'editors', NULL, NULL, true,  '{}',              '{uploaded_by=users}',                               'distributed'),
  ('block_files',         'package', 'company_id', 'block',       'members', 'editors', 'editors',        'editors', NULL, NULL, true,  '{}',              '{}',                                                'distributed'),
  ('past_projects',       'package', 'company_id', 'acting_user', 'members', 'editors', 'editors',        'editors', NULL, NULL, true,  '{}',              '{}',                                                'distributed'),
  ('section_templates',   'package', 'company_id', 'acting_user', 'members', 'editors', 'editors',        'editors', NULL, NULL, true,  '{}',              '{}',                                                'distributed'),
  ('audit_log',           'package', 'company_id', NULL,          'admins',  NULL,      NULL,             NULL,      NULL, NULL, false, '{}',              '{}',                                                'distributed'),
  ('projects',            'v0',      'company_id', 'legacy',      'members', 'editors', 'editors',        'editors', NULL, NULL, true,  '{}',              '{created_by=users}',                                'distributed'),
  ('memoires',            'v0',      'company_id', 'legacy',      'members', 'editors', 'editors',        'editors', NULL, NULL, true,  '{}',              '{uploaded_by=users}',                               'distributed'),
  ('sections',            'v0',      'company_id', 'project',     'members', 'editors', 'editors',        'editors', NULL, NULL, true,  '{}',              '{reviewer_id=users,source_blocks=content_blocks}',  'distributed'),
  ('document_chunks',     'v0',      'memoire_id', NULL,          'members', 'editors', 'editors',        'editors', NULL, NULL, false, '{}',              '{}',                                                'local'),
  ('rc_analysis',         'package', 'company_id', 'project',     'members', 'editors', 'editors',        'editors', NULL, NULL, true,  '{}',              '{}',                                                'distributed'),
  ('content_matches',     'package', 'company_id', 'project',     'members', 'editors', 'editors',        'editors', NULL, NULL, true,  '{}',              '{matched_blocks=content_blocks}',                   'distributed'),
  ('generation_requests', 'package', 'company_id', 'project',     'members', 'editors', 'editors',        'editors', NULL, NULL, true,  '{}',              '{}',                                                'distributed')
) AS m (table_name, origin, company_via, company_from, select_by, insert_by, update_by, delete_by,
        insert_columns, update_columns, audited, secret_columns, same_company, distribution);

-- The v0 contract: what the package needs of the application's own v0 tables, defined here
-- once (the README's "The v0 contract" describes it). The preflight checks it; the uninstall
-- leaves the required columns (they were the application's). why says what needs the column.
--   required  the uuid key id (the primary key), and the link to the parent whose company a
--             row takes, derived from the rows above: a v0 table without them stops the install
--   optional  a column the package only reads, and only to search: document_chunks.embedding,
--             searched by search_chunks and search_hybrid where it is pgvector's vector (any
--             dimensions; data_type 'vector' means the type of that extension, in whatever
--             schema holds it), and document_chunks.content, which they return and
--             search_hybrid's full-text index (build/finish.sql) reads (data_type 'text': text
--             or varchar). Either missing or of another type (real[] where pgvector is absent),
--             those two functions and that index are left out and the install goes on, saying so.
-- The links need no foreign key of the application's: sections gets the package's own
-- (sections_project_company_fkey, module 08); document_chunks keeps its structure, and where
-- memoire_id has no foreign key to memoires the preflight warns (a chunk whose memoire is gone
-- is invisible to every tenant, until a memoire is created with that id: it then takes it).
CREATE TEMPORARY TABLE pg_temp.memtech_v0_contract ON COMMIT DROP AS
SELECT m.table_name, k.column_name, 'uuid'::text AS data_type, true AS required, k.why
  FROM pg_temp.memtech_tenant_table m
 CROSS JOIN LATERAL (VALUES ('id', 'as its primary key'),
                            (CASE m.company_via WHEN 'memoire_id' THEN 'memoire_id' END,
                             format('to give each row of public.%I its memoire''s company', m.table_name)),
                            (CASE m.company_from WHEN 'project' THEN 'project_id' END,
                             format('to give each row of public.%I its project''s company', m.table_name))) AS k (column_name, why)
 WHERE m.origin = 'v0' AND k.column_name IS NOT NULL
UNION ALL
VALUES ('document_chunks', 'embedding', 'vector', false, 'public.search_chunks and public.search_hybrid'),
       ('document_chunks', 'content', 'text', false, 'public.search_chunks and public.search_hybrid');
