-- Takes the search out: its indexes on document_chunks (build/finish.sql's), the library's
-- documents and their triggers, the functions, the text search configuration, the unaccent
-- extension when the install created it, and memtech.api_definer_function. The v0 tables are locked already
-- (99_finish.undo.sql), so dropping an index on document_chunks waits for nobody.
DO $undo$
DECLARE
  f regprocedure;
  i regclass;
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('removing the search functions and indexes');
  -- Indexes first: they hold the document functions. On document_chunks only the ones
  -- build/finish.sql made (its comment says so): an index of the application's of the same
  -- name stays.
  FOR i IN SELECT c.oid::regclass FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'i'
              AND c.relname IN ('document_chunks_search_idx', 'document_chunks_memoire_id_idx')
              AND obj_description(c.oid, 'pg_class') LIKE 'memtech:%'
            ORDER BY c.relname LOOP
    EXECUTE format('DROP INDEX %s', i);
  END LOOP;
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
            WHERE p.pronamespace = 'public'::regnamespace AND p.proname IN ('search_hybrid', 'search_chunks', 'search_library')
            ORDER BY p.proname DESC LOOP
    EXECUTE format('DROP FUNCTION %s', f);
  END LOOP;
  DROP TRIGGER IF EXISTS content_blocks_library_document_insert ON public.content_blocks;
  DROP TRIGGER IF EXISTS content_blocks_library_document_update ON public.content_blocks;
  DROP TRIGGER IF EXISTS content_blocks_library_document_delete ON public.content_blocks;
  DROP TRIGGER IF EXISTS content_blocks_library_document_truncate ON public.content_blocks;
  DROP TRIGGER IF EXISTS past_projects_library_document_insert ON public.past_projects;
  DROP TRIGGER IF EXISTS past_projects_library_document_update ON public.past_projects;
  DROP TRIGGER IF EXISTS past_projects_library_document_delete ON public.past_projects;
  DROP TRIGGER IF EXISTS past_projects_library_document_truncate ON public.past_projects;
  DROP FUNCTION IF EXISTS memtech.keep_library_documents(), memtech.sync_library_documents(uuid, uuid, boolean);
  DROP TABLE IF EXISTS memtech.library_document;
  DROP FUNCTION IF EXISTS memtech.company_key(uuid), memtech.company_document(uuid, tsvector),
    memtech.company_query(uuid, tsquery), memtech.search_query(text), memtech.chunk_document(text),
    memtech.reference_document(text, text, text, text[], text, text[]), memtech.block_document(text, text[], text),
    memtech.fold_accents(text);
  DROP TEXT SEARCH CONFIGURATION IF EXISTS memtech.french;
  -- unaccent, when the install created it; one the application uses since stays.
  IF obj_description((SELECT oid FROM pg_extension WHERE extname = 'unaccent'), 'pg_extension') LIKE 'memtech:%' THEN
    BEGIN
      DROP EXTENSION unaccent;
    EXCEPTION WHEN dependent_objects_still_exist THEN
      PERFORM pg_temp.memtech_notice('leaving extension unaccent, which the install created: objects of the '
        'application use it now (%s)', SQLERRM);
    END;
  END IF;
  DROP TABLE IF EXISTS memtech.api_definer_function;
END
$undo$;
