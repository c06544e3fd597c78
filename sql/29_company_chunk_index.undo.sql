-- Takes the company indexes out: the triggers on document_chunks and memoires, the copies
-- (every company's partition with them), the functions, and their line in
-- memtech.api_definer_function (whose table 28_search.undo.sql drops next).
DO $undo$
DECLARE
  f regprocedure;
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  DROP TRIGGER IF EXISTS document_chunks_company_chunk_insert ON public.document_chunks;
  DROP TRIGGER IF EXISTS document_chunks_company_chunk_update ON public.document_chunks;
  DROP TRIGGER IF EXISTS document_chunks_company_chunk_delete ON public.document_chunks;
  DROP TRIGGER IF EXISTS document_chunks_company_chunk_truncate ON public.document_chunks;
  DROP TRIGGER IF EXISTS memoires_company_chunk_move ON public.memoires;
  IF to_regclass('memtech.company_chunk') IS NOT NULL THEN
    PERFORM pg_temp.memtech_notice('removing the company indexes of search_chunks');
  END IF;
  DROP TABLE IF EXISTS memtech.company_chunk, memtech.company_chunk_index;
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
            WHERE p.pronamespace = 'memtech'::regnamespace
              AND p.proname IN ('company_nearest_chunks', 'keep_company_chunks', 'sync_company_chunks',
                                'create_company_chunk_index', 'drop_company_chunk_index',
                                'company_chunk_partition') LOOP
    IF to_regclass('memtech.api_definer_function') IS NOT NULL THEN
      DELETE FROM memtech.api_definer_function d WHERE d.function = f;
    END IF;
    EXECUTE format('DROP FUNCTION %s', f);
  END LOOP;
END
$undo$;
