-- The package's private schema: its install record here, and later the helpers the
-- policies and triggers call (10_tenant_context onwards). The install's own machinery
-- lives in pg_temp (prologue.sql), not here. No API exposes this schema; PUBLIC gets no
-- privilege on it, and authenticated only USAGE and the three policy helpers (12).

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

CREATE OR REPLACE FUNCTION memtech.installed_version() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT version FROM memtech.installation $$;
COMMENT ON FUNCTION memtech.installed_version() IS
  'The memtech version installed in this database, or NULL.';

REVOKE ALL ON FUNCTION memtech.installed_version() FROM PUBLIC;
