-- Optional, for a large v0 database, before the install (psql only: it runs outside any
-- transaction and uses psql's \if). It builds with CREATE INDEX CONCURRENTLY, which
-- neither readers nor writers wait for, the indexes the tenant paths need on v0 columns:
--   * sections (project_id), which the install would otherwise build while it holds the
--     v0 tables locked (docs/benchmarks.md, part 3, says how long);
--   * document_chunks (memoire_id), the RAG path from a company's memoires to their
--     chunks; the install builds it only on a document_chunks it created itself (an
--     application's keeps its structure as the RAG code knows it), so without this step
--     every company's RAG query reads every chunk.
-- The install finds them, takes them as its own, and the uninstall drops them. A table
-- that is missing, or already indexed on that column, is left alone. Run it again after an
-- interruption: an index left invalid by one is dropped and built anew.
\set ON_ERROR_STOP on
-- Only pg_catalog: objects a tenant may create in public must never be picked up here.
SET search_path = pg_catalog, pg_temp;
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

SELECT to_regclass('public.document_chunks') IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                        WHERE i.indrelid = to_regclass('public.document_chunks') AND a.attname = 'memoire_id'
                          AND i.indisvalid) AS memtech_index_chunks
\gset
\if :memtech_index_chunks
\echo memtech: indexing document_chunks.memoire_id concurrently
DROP INDEX CONCURRENTLY IF EXISTS public.document_chunks_memoire_id_idx;
CREATE INDEX CONCURRENTLY document_chunks_memoire_id_idx ON public.document_chunks (memoire_id);
COMMENT ON INDEX public.document_chunks_memoire_id_idx IS
  'memtech: built before the install (build/prepare.sql) for the tenant path of a company''s RAG chunks; the uninstall drops it.';
\endif
