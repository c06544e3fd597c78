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
