-- Optional, for a large v0 database, before the install (psql only: it runs outside any
-- transaction and uses psql's \if). It builds the one index the install needs on a v0
-- column, sections (project_id), with CREATE INDEX CONCURRENTLY: neither readers nor
-- writers wait for it, whereas the install would build it while it holds the v0 tables
-- locked (about 0.7 s per million sections, see docs/benchmarks.md). The install finds the
-- index, takes it as its own, and the uninstall drops it. On a database without v0 tables,
-- or whose sections are already indexed on project_id, it does nothing. Run it again
-- after an interruption: an index left invalid by one is dropped and built anew.
\set ON_ERROR_STOP on
SELECT to_regclass('public.sections') IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                        WHERE i.indrelid = to_regclass('public.sections') AND a.attname = 'project_id'
                          AND i.indisvalid) AS memtech_index_sections
\gset
\if :memtech_index_sections
\echo memtech: indexing sections.project_id concurrently
DROP INDEX CONCURRENTLY IF EXISTS public.sections_project_id_idx;
CREATE INDEX CONCURRENTLY sections_project_id_idx ON public.sections (project_id);
COMMENT ON INDEX public.sections_project_id_idx IS
  'memtech: built before the install (build/prepare.sql) for the tenant path of a project''s sections; the uninstall drops it.';
\endif
