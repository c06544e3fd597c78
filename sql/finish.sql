-- Optional, after the install on a large v0 database (psql only: it runs outside any
-- transaction and uses psql's \gexec). The install indexes the author and reviewer columns
-- it adds to projects, memoires and sections (for their foreign keys' ON DELETE SET NULL)
-- only on tables up to memtech.index_build_limit (64MB by default): the build scans the
-- whole table while readers of the v0 tables wait for the install's lock. On larger tables
-- it leaves them here, to CREATE INDEX CONCURRENTLY, which neither readers nor writers
-- wait for. Until then, deleting a user scans those tables.
-- The indexes are the ones the install would have built, under the same names: the
-- uninstall drops them. An index that exists and is valid is left alone; one left invalid
-- by an interrupted run is dropped and built anew. Without memtech installed, nothing.
\set ON_ERROR_STOP on
-- Only pg_catalog: objects a tenant may create in public must never be picked up here.
SET search_path = pg_catalog, pg_temp;
SELECT format($notice$DO $$ BEGIN RAISE NOTICE 'memtech: indexing %s.%s concurrently'; END $$$notice$, t, c),
       format('DROP INDEX CONCURRENTLY IF EXISTS public.%I', i),
       format('CREATE INDEX CONCURRENTLY %I ON public.%I (%I) WHERE %I IS NOT NULL', i, t, c, c)
  FROM (VALUES ('projects', 'created_by', 'projects_created_by_idx'),
               ('memoires', 'uploaded_by', 'memoires_uploaded_by_idx'),
               ('sections', 'reviewer_id', 'sections_reviewer_id_idx')) AS wanted (t, c, i)
 WHERE to_regclass('memtech.installation') IS NOT NULL
   AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                WHERE attrelid = to_regclass(format('public.%I', t)) AND attname = c AND NOT attisdropped)
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index
                    WHERE indexrelid = to_regclass(format('public.%I', i)) AND indisvalid)
\gexec

-- The search (sql/28_search.sql). On document_chunks, which the install leaves as the
-- application has it, its indexes are always built here: the full-text index of search_hybrid,
-- and the RAG path document_chunks (memoire_id) unless an index on memoire_id exists (the one
-- build/prepare.sql builds). Their comments mark them as the package's: the uninstall drops them.
SELECT format($notice$DO $$ BEGIN RAISE NOTICE 'memtech: indexing %s concurrently'; END $$$notice$, what),
       format('DROP INDEX CONCURRENTLY IF EXISTS public.%I', i),
       format('CREATE INDEX CONCURRENTLY %I ON public.document_chunks %s', i, definition),
       format('COMMENT ON INDEX public.%I IS %L', i, note)
  FROM (VALUES
         ('document_chunks.memoire_id', 'document_chunks_memoire_id_idx', '(memoire_id)',
          'memtech: built after the install (build/finish.sql) for the tenant path of a company''s RAG chunks; the uninstall drops it.'),
         ('document_chunks for the full-text search', 'document_chunks_search_idx',
          'USING gin (memtech.chunk_document(content))',
          'memtech: built after the install (build/finish.sql) for the full text of search_hybrid; the uninstall drops it.')
       ) AS wanted (what, i, definition, note)
 WHERE to_regclass('public.document_chunks') IS NOT NULL
   AND to_regprocedure('memtech.chunk_document(text)') IS NOT NULL
   -- The full text serves search_hybrid only: none where the install left it out (the v0
   -- contract: no pgvector embedding, or no text content).
   AND (i <> 'document_chunks_search_idx'
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_proc
                    WHERE pronamespace = 'public'::regnamespace AND proname = 'search_hybrid'))
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index
                    WHERE indexrelid = to_regclass(format('public.%I', i)) AND indisvalid)
   -- Any valid index led by memoire_id serves the RAG path, the application's own included.
   AND NOT (i = 'document_chunks_memoire_id_idx'
            AND EXISTS (SELECT 1 FROM pg_catalog.pg_index x
                          JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                         WHERE x.indrelid = to_regclass('public.document_chunks') AND a.attname = 'memoire_id'
                           AND x.indisvalid))
\gexec

-- The library's search documents, when the install left them (a library larger than
-- memtech.index_build_limit): made in 256 ranges of ids, each its own short transaction (a
-- tenant's write of a row being made waits for that range only), then indexed concurrently.
-- The triggers keep them from the install on; the index, built last, tells search_library
-- that the table is complete.
SELECT format($notice$DO $$ BEGIN RAISE NOTICE 'memtech: making the library''s search documents'; END $$$notice$)
 WHERE to_regclass('memtech.library_document') IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index
                    WHERE indexrelid = to_regclass('memtech.library_document_search_idx') AND indisvalid)
\gexec
SELECT format($sync$DO $$ BEGIN PERFORM set_config('client_min_messages', 'warning', true); PERFORM memtech.sync_library_documents(%L, %L); END $$$sync$,
              lpad(to_hex(n), 2, '0') || '000000-0000-0000-0000-000000000000',
              lpad(to_hex(n), 2, '0') || 'ffffff-ffff-ffff-ffff-ffffffffffff')
  FROM generate_series(0, 255) n
 WHERE to_regclass('memtech.library_document') IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index
                    WHERE indexrelid = to_regclass('memtech.library_document_search_idx') AND indisvalid)
\gexec
SELECT format($notice$DO $$ BEGIN RAISE NOTICE 'memtech: indexing memtech.library_document concurrently'; END $$$notice$),
       'DROP INDEX CONCURRENTLY IF EXISTS memtech.library_document_search_idx',
       'CREATE INDEX CONCURRENTLY library_document_search_idx ON memtech.library_document USING gin (document) '
       'WITH (fastupdate = off)',
       format('COMMENT ON INDEX memtech.library_document_search_idx IS %L',
              'The library search''s index; its existence says memtech.library_document is complete. Without a pending list (fastupdate off): each write of the library updates it at once, and a search never reads entries that are not sorted yet.')
 WHERE to_regclass('memtech.library_document') IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index
                    WHERE indexrelid = to_regclass('memtech.library_document_search_idx') AND indisvalid)
\gexec

-- A nearest-neighbour index of its own for each company with more chunks than
-- memtech.search_exact_limit (1000 unless set) and none yet (sql/29_company_chunk_index.sql),
-- largest first, each in its own transaction: writers of chunks and memoires wait only for
-- the last step of each. Run this script again as companies grow.
SELECT to_regclass('memtech.company_chunk_index') IS NOT NULL AS memtech_company_indexes \gset
\if :memtech_company_indexes
SELECT format($notice$DO $$ BEGIN RAISE NOTICE 'memtech: a nearest-neighbour index of its own for company %s (%s chunks)'; END $$$notice$, company, held),
       format('SELECT memtech.create_company_chunk_index(%L)', company)
  FROM (SELECT m.company_id AS company, count(*) AS held
          FROM public.document_chunks c JOIN public.memoires m ON m.id = c.memoire_id
         WHERE c.embedding IS NOT NULL
         GROUP BY m.company_id) x
 WHERE held > coalesce(nullif(btrim(current_setting('memtech.search_exact_limit', true)), ''), '1000')::bigint
   AND NOT EXISTS (SELECT 1 FROM memtech.company_chunk_index i WHERE i.company_id = x.company)
 ORDER BY held DESC, company
\gexec
\endif
