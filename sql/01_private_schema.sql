-- The package's private schema: its install record here, and later the helpers the
-- policies and triggers call (20_tenant_context onwards). The install's own machinery
-- lives in pg_temp (sql/toolkit/), not here. No API exposes this schema; PUBLIC gets no
-- privilege on it, and authenticated only USAGE and the policy helpers (22).

DO $$
BEGIN
  IF to_regnamespace('memtech') IS NULL THEN
    PERFORM pg_temp.memtech_notice('creating schema memtech');
  END IF;
END $$;
CREATE SCHEMA IF NOT EXISTS memtech;
COMMENT ON SCHEMA memtech IS
  'Private to the memtech package: install record and helper functions. Never expose it through an API.';

CREATE TABLE IF NOT EXISTS memtech.installation (
  singleton         boolean PRIMARY KEY DEFAULT true CONSTRAINT installation_is_singleton CHECK (singleton),
  version           text NOT NULL,
  installed_at      timestamptz NOT NULL DEFAULT now(),
  legacy_company_id uuid,
  created_tables    text[] NOT NULL DEFAULT '{}',
  created_indexes   text[] NOT NULL DEFAULT '{}',
  created_roles     text[] NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE memtech.installation IS
  'One row once memtech is installed: which version, and what the uninstall needs to give back exactly.';
COMMENT ON COLUMN memtech.installation.singleton IS
  'Always true: the primary key makes a second row impossible.';
COMMENT ON COLUMN memtech.installation.version IS
  'Package version installed; query it with SELECT memtech.installed_version().';
COMMENT ON COLUMN memtech.installation.installed_at IS
  'When the first install committed; a re-run leaves it alone.';
COMMENT ON COLUMN memtech.installation.legacy_company_id IS
  'The company the install created to own rows that existed before it; NULL when there were none. The uninstall does not count it as tenant data.';
COMMENT ON COLUMN memtech.installation.created_tables IS
  'v0 tables (projects, sections, ...) that the install created because they were missing; the uninstall drops only these.';
COMMENT ON COLUMN memtech.installation.created_indexes IS
  'Indexes on columns the application already had that the install created because none covered them; the uninstall drops only these.';
COMMENT ON COLUMN memtech.installation.created_roles IS
  'API roles (anon, authenticated) the install created because they were missing; the uninstall drops only these, and only when no database uses them any more.';

CREATE TABLE IF NOT EXISTS memtech.legacy_table_state (
  table_name         text PRIMARY KEY,
  acl                aclitem[],
  row_security       boolean NOT NULL,
  force_row_security boolean NOT NULL
);
COMMENT ON TABLE memtech.legacy_table_state IS
  'How the application''s v0 tables were before the first install changed their privileges and row level security, so that the uninstall gives back exactly that.';
COMMENT ON COLUMN memtech.legacy_table_state.table_name IS 'The v0 table in public.';
COMMENT ON COLUMN memtech.legacy_table_state.acl IS 'Its privileges (pg_class.relacl) before the install; NULL means the defaults.';
COMMENT ON COLUMN memtech.legacy_table_state.row_security IS 'Whether row level security was enabled.';
COMMENT ON COLUMN memtech.legacy_table_state.force_row_security IS 'Whether it was forced on the owner too.';

-- Version of the package these modules build. A database already at this version keeps
-- its row untouched, so that a re-run changes nothing.
INSERT INTO memtech.installation (version) VALUES ('@VERSION@')
ON CONFLICT (singleton) DO UPDATE SET version = excluded.version
WHERE memtech.installation.version IS DISTINCT FROM excluded.version;

CREATE TABLE IF NOT EXISTS memtech.added_comment (
  table_name  text NOT NULL,
  column_name text NOT NULL,
  description text NOT NULL,
  PRIMARY KEY (table_name, column_name)
);
COMMENT ON TABLE memtech.added_comment IS
  'Comments the install put on the application''s v0 tables where they had none; the uninstall removes those that are still as the install wrote them.';
COMMENT ON COLUMN memtech.added_comment.table_name IS 'The v0 table.';
COMMENT ON COLUMN memtech.added_comment.column_name IS 'Its column, or '''' for the table itself.';
COMMENT ON COLUMN memtech.added_comment.description IS 'The comment as the install wrote it.';

CREATE TABLE IF NOT EXISTS memtech.managed_column (
  table_name  text NOT NULL,
  column_name text NOT NULL,
  data_type   text NOT NULL,
  not_null    boolean NOT NULL,
  PRIMARY KEY (table_name, column_name)
);
COMMENT ON TABLE memtech.managed_column IS
  'The column contract the preflight checks existing tables against, kept so that tests can hold the built schema to it.';
COMMENT ON COLUMN memtech.managed_column.table_name IS 'Table in public.';
COMMENT ON COLUMN memtech.managed_column.column_name IS 'Column the package defines on that table.';
COMMENT ON COLUMN memtech.managed_column.data_type IS 'Its type as format_type() prints it with search_path pg_catalog, pg_temp (types outside pg_catalog schema-qualified).';
COMMENT ON COLUMN memtech.managed_column.not_null IS 'Whether the package makes it NOT NULL.';

-- The manifest (sql/manifest.sql), kept: the scripts read their own copy in pg_temp, and
-- this one is for operators and the tests.
CREATE TABLE IF NOT EXISTS memtech.tenant_table (
  table_name     text NOT NULL CONSTRAINT tenant_table_pkey PRIMARY KEY,
  origin         text NOT NULL CONSTRAINT tenant_table_origin_is_known CHECK (origin IN ('v0', 'package')),
  company_via    text NOT NULL CONSTRAINT tenant_table_company_via_is_known
                   CHECK (company_via IN ('id', 'company_id', 'memoire_id')),
  company_from   text CONSTRAINT tenant_table_company_from_is_known
                   CHECK (company_from IN ('acting_user', 'legacy', 'project', 'block')),
  select_by      text CONSTRAINT tenant_table_select_by_is_known CHECK (select_by IN ('members', 'editors', 'admins', 'admins_or_self')),
  insert_by      text CONSTRAINT tenant_table_insert_by_is_known CHECK (insert_by IN ('members', 'editors', 'admins', 'admins_or_self')),
  update_by      text CONSTRAINT tenant_table_update_by_is_known CHECK (update_by IN ('members', 'editors', 'admins', 'admins_or_self')),
  delete_by      text CONSTRAINT tenant_table_delete_by_is_known CHECK (delete_by IN ('members', 'editors', 'admins', 'admins_or_self')),
  insert_columns text[],
  update_columns text[],
  audited        boolean NOT NULL,
  secret_columns text[] NOT NULL,
  same_company   text[] NOT NULL,
  distribution   text NOT NULL CONSTRAINT tenant_table_distribution_is_known
                   CHECK (distribution IN ('distributed', 'reference', 'local'))
);
COMMENT ON TABLE memtech.tenant_table IS
  'The manifest (sql/manifest.sql): each table in public whose rows belong to a company, and the facts every layer of the package reads about it. See docs/architecture.md.';
COMMENT ON COLUMN memtech.tenant_table.table_name IS 'The table, in public.';
COMMENT ON COLUMN memtech.tenant_table.origin IS 'v0: the application had it before the package, and gets it back from the uninstall; package: the package made it.';
COMMENT ON COLUMN memtech.tenant_table.company_via IS 'How a row finds its company, which the isolation policy compares with the acting user''s: id (the row is the company), company_id, or memoire_id (through its memoire: a table that keeps its v0 structure).';
COMMENT ON COLUMN memtech.tenant_table.company_from IS 'Where company_id comes from when an insert leaves it out: the acting user''s company (acting_user), or with no acting user the company of the rows of before the install (legacy), the project''s (project), the block''s (block). NULL: only the package writes company_id, or there is none.';
COMMENT ON COLUMN memtech.tenant_table.select_by IS 'Who of a company may read its rows through the API: members (any active user), editors (admins and users), admins, admins_or_self (admins, and each user its own row); NULL: nobody. The policies and the grants of authenticated follow.';
COMMENT ON COLUMN memtech.tenant_table.insert_by IS 'Who of a company may insert, as select_by.';
COMMENT ON COLUMN memtech.tenant_table.update_by IS 'Who of a company may update, as select_by.';
COMMENT ON COLUMN memtech.tenant_table.delete_by IS 'Who of a company may delete, as select_by.';
COMMENT ON COLUMN memtech.tenant_table.insert_columns IS 'The only columns the API may give on insert; NULL: every column.';
COMMENT ON COLUMN memtech.tenant_table.update_columns IS 'The only columns the API may change; NULL: every column.';
COMMENT ON COLUMN memtech.tenant_table.audited IS 'Whether each insert, update and delete writes audit_log. Not document_chunks (bulk RAG data: its memoire''s trail says who changed it), content_block_tags (a copy of content_blocks.tags) nor audit_log itself.';
COMMENT ON COLUMN memtech.tenant_table.secret_columns IS 'Columns never granted to the API roles and redacted in the trail; memtech.secret_column starts from these.';
COMMENT ON COLUMN memtech.tenant_table.same_company IS 'References that no foreign key keeps inside the company, as column=table (a user id, a list of block ids): a trigger refuses ids of other companies'' rows.';
COMMENT ON COLUMN memtech.tenant_table.distribution IS 'How the table would spread over a Citus cluster: distributed by its company, reference (copied to every node), or local.';

WITH manifest AS (SELECT * FROM pg_temp.memtech_tenant_table),
upserted AS (
  INSERT INTO memtech.tenant_table AS t SELECT * FROM manifest
  ON CONFLICT (table_name) DO UPDATE
    SET (origin, company_via, company_from, select_by, insert_by, update_by, delete_by, insert_columns,
         update_columns, audited, secret_columns, same_company, distribution)
      = (excluded.origin, excluded.company_via, excluded.company_from, excluded.select_by, excluded.insert_by,
         excluded.update_by, excluded.delete_by, excluded.insert_columns, excluded.update_columns, excluded.audited,
         excluded.secret_columns, excluded.same_company, excluded.distribution)
    WHERE row(t.*) IS DISTINCT FROM row(excluded.*)
)
DELETE FROM memtech.tenant_table t WHERE t.table_name NOT IN (SELECT m.table_name FROM manifest m);

CREATE OR REPLACE FUNCTION memtech.installed_version() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT version FROM memtech.installation $$;
COMMENT ON FUNCTION memtech.installed_version() IS
  'The memtech version installed in this database, or NULL.';

REVOKE ALL ON FUNCTION memtech.installed_version() FROM PUBLIC;
