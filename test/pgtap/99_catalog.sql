-- Catalog-wide checks: each query lists what breaks a rule across every table, column,
-- type, function and constraint there is, so that an object added later cannot escape.
-- The application's own objects (test/fixtures/v0_app_objects.sql) are not loaded here:
-- every table in public is the package's or v0's, and objects of extensions (pgTAP
-- itself lives in public) are left out.
BEGIN;
SELECT plan(18);

SET LOCAL search_path = pg_catalog, public;
-- The contract names types as format_type() prints them under the install's search_path
-- (pg_catalog, pg_temp): types outside pg_catalog schema-qualified.
CREATE FUNCTION pg_temp.contract_type(oid, integer) RETURNS text LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS 'SELECT format_type($1, $2)';

-- The tables the package adds, from the manifest.
CREATE TEMPORARY VIEW new_table AS SELECT table_name::name FROM memtech.tenant_table WHERE origin = 'package';

-- Relations and types that belong to an extension (deptype 'e').
CREATE TEMPORARY VIEW extension_member AS
  SELECT classid, objid FROM pg_depend WHERE deptype = 'e';

SELECT tables_are('public',
  ARRAY(SELECT table_name::name FROM memtech.tenant_table),
  'public holds the tables of the manifest, new and v0, nothing else');
SELECT is(memtech.installed_version(), (SELECT version FROM memtech.installation), 'memtech.installed_version() says the version installed');

-- ---------------------------------------------------------------------------------------
-- (a) Every foreign key is served by an index
-- ---------------------------------------------------------------------------------------
-- An index serves a foreign key when its first column is one of the key's columns other
-- than company_id (every tenant table has an index led by company_id, so that one says
-- nothing about the key), or company_id itself when the key is only company_id. Only
-- valid indexes count, whole or leaving out the rows where that column is NULL (which no
-- foreign key looks up).
-- Left out: the v0 foreign key (memoire_id) of a document_chunks the application brought.
-- The package must not change that table's structure (the specification keeps it as the
-- RAG code knows it), so it adds no index there; a document_chunks the install created is
-- the package's, and indexed like the rest. Any other foreign key is still checked.
SELECT is_empty(
  $$SELECT format('%s %s (%s) has no index led by %s', c.conrelid::regclass, c.conname,
                  (SELECT string_agg(attname, ', ') FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = ANY (c.conkey)),
                  (SELECT string_agg(attname, ' or ') FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = ANY (k.leading)))
      FROM pg_constraint c
      JOIN pg_class r ON r.oid = c.conrelid
      CROSS JOIN LATERAL (
        SELECT CASE WHEN c.conkey = ARRAY[company.attnum] THEN c.conkey
                    ELSE array_remove(c.conkey, company.attnum) END AS leading
          FROM (SELECT (SELECT attnum FROM pg_attribute
                         WHERE attrelid = c.conrelid AND attname = 'company_id' AND NOT attisdropped) AS attnum) company
      ) k
     WHERE c.contype = 'f'
       AND r.relnamespace IN ('public'::regnamespace, 'memtech'::regnamespace)
       AND NOT (c.conrelid = 'public.document_chunks'::regclass AND c.conname = 'document_chunks_memoire_id_fkey'
                AND 'document_chunks' <> ALL (coalesce((SELECT created_tables FROM memtech.installation), '{}')))
       AND NOT EXISTS (SELECT 1 FROM pg_index i
                        WHERE i.indrelid = c.conrelid AND i.indisvalid AND i.indkey[0] = ANY (k.leading)
                          AND (i.indpred IS NULL
                               OR pg_get_expr(i.indpred, i.indrelid)
                                  = format('(%I IS NOT NULL)', (SELECT attname FROM pg_attribute
                                                                 WHERE attrelid = i.indrelid AND attnum = i.indkey[0]))))$$,
  'every foreign key is served by an index led by one of its columns (the v0 key of the application''s document_chunks excepted)');

-- ---------------------------------------------------------------------------------------
-- (b) Everything is documented
-- ---------------------------------------------------------------------------------------
SELECT is_empty(
  $$SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
       AND (c.oid, 'pg_class'::regclass) NOT IN (SELECT objid, classid FROM extension_member)
       AND obj_description(c.oid, 'pg_class') IS NULL
       -- document_chunks is the application's, left exactly as it was, comments included
       AND NOT (c.relname = 'document_chunks'
                AND 'document_chunks' <> ALL (coalesce((SELECT created_tables FROM memtech.installation), '{}')))$$,
  'every table in public has a comment (document_chunks: when the install created it)');
SELECT is_empty(
  $$SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'memtech'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
       AND obj_description(c.oid, 'pg_class') IS NULL$$,
  'every table and view of the private schema memtech has a comment');
SELECT is_empty(
  $$SELECT format('%I.%I', n.table_name, a.attname) FROM new_table n
      JOIN pg_attribute a ON a.attrelid = ('public.' || quote_ident(n.table_name))::regclass
     WHERE a.attnum > 0 AND NOT a.attisdropped
       AND col_description(a.attrelid, a.attnum) IS NULL$$,
  'every column of the twelve new tables has a comment');
SELECT is_empty(
  $$SELECT format('%I.%I', m.table_name, m.column_name) FROM memtech.managed_column m
      JOIN pg_attribute a ON a.attrelid = to_regclass('public.' || quote_ident(m.table_name))
                         AND a.attname = m.column_name AND NOT a.attisdropped
     WHERE col_description(a.attrelid, a.attnum) IS NULL
       AND NOT (m.table_name = 'document_chunks'
                AND 'document_chunks' <> ALL (coalesce((SELECT created_tables FROM memtech.installation), '{}')))$$,
  'every column listed in memtech.managed_column has a comment (document_chunks: when the install created it)');
SELECT is_empty(
  $$SELECT format('%I.%I', c.relname, a.attname) FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid
     WHERE c.relnamespace = 'memtech'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
       AND a.attnum > 0 AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL$$,
  'every column of the private schema memtech has a comment');
-- Types of their own: enums, domains, composite and range types, not the row and array
-- types PostgreSQL makes for every table and type.
SELECT is_empty(
  $$SELECT t.oid::regtype::text FROM pg_type t
      LEFT JOIN pg_class c ON c.oid = t.typrelid
     WHERE t.typnamespace IN ('public'::regnamespace, 'memtech'::regnamespace)
       AND (c.oid IS NULL OR c.relkind = 'c')
       AND NOT EXISTS (SELECT 1 FROM pg_type a WHERE a.typarray = t.oid)
       AND t.typtype <> 'm'
       AND (t.oid, 'pg_type'::regclass) NOT IN (SELECT objid, classid FROM extension_member)
       AND obj_description(t.oid, 'pg_type') IS NULL$$,
  'every type in public and memtech has a comment');
SELECT is_empty(
  $$SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace = 'memtech'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL$$,
  'every function in schema memtech has a comment');
SELECT is_empty(
  $$SELECT format('%s on %s', t.tgname, t.tgrelid::regclass) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal AND c.relnamespace IN ('public'::regnamespace, 'memtech'::regnamespace)
       AND obj_description(t.oid, 'pg_trigger') IS NULL$$,
  'every trigger on a table of public or memtech has a comment');

-- ---------------------------------------------------------------------------------------
-- (c) The catalog agrees with the column contract, memtech.managed_column
-- ---------------------------------------------------------------------------------------
SELECT isnt_empty($$SELECT 1 FROM memtech.managed_column$$, 'memtech.managed_column holds the column contract');
SELECT is_empty(
  $$SELECT format('%I.%I: the contract says %s%s, the catalog has %s', m.table_name, m.column_name,
                  m.data_type, CASE WHEN m.not_null THEN ' NOT NULL' ELSE '' END,
                  CASE WHEN a.attname IS NULL THEN 'no such column'
                       ELSE pg_temp.contract_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END END)
      FROM memtech.managed_column m
      LEFT JOIN pg_attribute a ON a.attrelid = to_regclass('public.' || quote_ident(m.table_name))
                              AND a.attname = m.column_name AND a.attnum > 0 AND NOT a.attisdropped
     WHERE a.attname IS NULL
        OR pg_temp.contract_type(a.atttypid, a.atttypmod) <> m.data_type
        OR a.attnotnull <> m.not_null$$,
  'every column of memtech.managed_column exists with the type and nullability it lists');
SELECT is_empty(
  $$SELECT format('%I.%I', n.table_name, a.attname) FROM new_table n
      JOIN pg_attribute a ON a.attrelid = ('public.' || quote_ident(n.table_name))::regclass
     WHERE a.attnum > 0 AND NOT a.attisdropped
       AND NOT EXISTS (SELECT 1 FROM memtech.managed_column m
                        WHERE m.table_name = n.table_name AND m.column_name = a.attname)$$,
  'every column of the twelve new tables is listed in memtech.managed_column');

-- ---------------------------------------------------------------------------------------
-- (e) Constraints have names the package chose
-- ---------------------------------------------------------------------------------------
-- PostgreSQL names an unnamed check <table>[_<column>]_check, and numbers a name that is
-- taken (_pkey1, _fkey1, _key1, _check1). The package names each check for what it
-- requires, and names every constraint itself. v0's own constraints (memoires_pkey,
-- projects_pkey, sections_pkey, sections_project_id_fkey, document_chunks_pkey,
-- document_chunks_memoire_id_fkey) are the application's and left out.
SELECT is_empty(
  $$SELECT format('%s: %s', c.conrelid::regclass, c.conname) FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
     WHERE r.relnamespace = 'public'::regnamespace
       AND (r.relname, c.conname) NOT IN (VALUES ('memoires', 'memoires_pkey'), ('projects', 'projects_pkey'),
             ('sections', 'sections_pkey'), ('sections', 'sections_project_id_fkey'),
             ('document_chunks', 'document_chunks_pkey'), ('document_chunks', 'document_chunks_memoire_id_fkey'))
       AND ((c.contype = 'c' AND c.conname ~ '_check[0-9]*$')
            OR c.conname ~ '_(pkey|fkey|key|check|excl)[0-9]+$')$$,
  'no constraint of the package''s tables in public has a name PostgreSQL made up');
SELECT is_empty(
  $$SELECT format('%s: %s', c.conrelid::regclass, c.conname) FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
     WHERE r.relnamespace = 'memtech'::regnamespace
       AND ((c.contype = 'c' AND c.conname ~ '_check[0-9]*$')
            OR c.conname ~ '_(pkey|fkey|key|check|excl)[0-9]+$')$$,
  'no constraint of the private tables in memtech has a name PostgreSQL made up');
SELECT is_empty(
  $$SELECT format('%s: %s', c.conrelid::regclass, c.conname) FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
     WHERE r.relnamespace IN ('public'::regnamespace, 'memtech'::regnamespace)
       AND c.conname !~ ('^' || r.relname || '_')$$,
  'every constraint is named after its table (<table>_...)');

-- ---------------------------------------------------------------------------------------
-- Keys
-- ---------------------------------------------------------------------------------------
SELECT is_empty(
  $$SELECT c.oid::regclass::text FROM pg_class c
     WHERE c.relnamespace IN ('public'::regnamespace, 'memtech'::regnamespace) AND c.relkind IN ('r', 'p')
       AND (c.oid, 'pg_class'::regclass) NOT IN (SELECT objid, classid FROM extension_member)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')$$,
  'every table has a primary key');

SELECT * FROM finish();
ROLLBACK;
