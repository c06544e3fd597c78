-- Retrieval under isolation: a company's nearest chunks (public.search_chunks), its content
-- library by French full text (public.search_library), and both together over its chunks
-- (public.search_hybrid). docs/rag.md says why each is built as it is; docs/benchmarks.md
-- (part 6) measures them.
--
-- Row level security filters after an index has chosen its rows. A tenant's
--   SELECT ... FROM document_chunks ORDER BY embedding <=> $1 LIMIT 10
-- through the application's HNSW index gets the nearest chunks of every company, then loses
-- the others' to the policy: a small company gets fewer than 10 rows, or none. And @@ is not
-- leakproof, so under row level security PostgreSQL applies it only after the policy, row by
-- row: a GIN index never serves a tenant's full-text filter. So:
--   * search_chunks runs with the caller's rights (the policies apply) and chooses its path
--     at run time from what the company holds: below memtech.search_exact_limit chunks, an
--     exact scan of the company's chunks through document_chunks (memoire_id); above it, the
--     company's own HNSW index (sql/29_company_chunk_index.sql) where it has one, else the
--     shared ANN index with pgvector's iterative scans (nearest first, the rows returned
--     sorted by their exact distance), and the exact scan again should the index come back short;
--   * search_library and search_hybrid are SECURITY DEFINER, to reach the GIN indexes, and
--     apply the company rule themselves (memtech.current_company_id(): any active member
--     of the company reads, nobody else gets a row). They are declared, with that reason, in
--     memtech.api_definer_function, which the catalog tests and the advisor test read.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('search: chunks, content library, hybrid'); END $$;

-- The three functions take names in public, the application's schema: on the first install
-- of this module (memtech.api_definer_function does not exist yet) they must be free, or
-- CREATE OR REPLACE would replace the application's own, and the uninstall drop them.
DO $$
DECLARE
  taken text := (SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY 1) FROM pg_proc p
                  WHERE p.pronamespace = 'public'::regnamespace
                    AND p.proname IN ('search_chunks', 'search_library', 'search_hybrid'));
BEGIN
  IF to_regclass('memtech.api_definer_function') IS NULL AND taken IS NOT NULL THEN
    RAISE EXCEPTION 'memtech creates public.search_chunks, public.search_library and public.search_hybrid, but the database already has %', taken
      USING HINT = 'Nothing was changed. Rename those functions of the application (or drop them), then run the install again.';
  END IF;
END
$$;

-- ------------------------------------------------------------------ SECURITY DEFINER declarations

CREATE TABLE IF NOT EXISTS memtech.api_definer_function (
  function regprocedure NOT NULL,
  reason   text NOT NULL,
  CONSTRAINT api_definer_function_pkey PRIMARY KEY (function),
  CONSTRAINT api_definer_function_reason_not_blank CHECK (btrim(reason) <> '')
);
COMMENT ON TABLE memtech.api_definer_function IS
  'The SECURITY DEFINER functions of the package that the API roles may execute, each with the reason it must bypass row level security. No API role may execute any other definer function: test/pgtap/22_api_privileges.sql and test/test_advisor.py accept exactly these, and the install warns about no function listed here.';
COMMENT ON COLUMN memtech.api_definer_function.function IS
  'The function (its signature); it must apply the company rule itself, with memtech.current_company_id().';
COMMENT ON COLUMN memtech.api_definer_function.reason IS
  'Why it must run as its owner rather than under the caller''s row level security.';
REVOKE ALL ON memtech.api_definer_function FROM PUBLIC;

-- ------------------------------------------------------------------ French text search

-- unaccent is a trusted extension: the owner of the database may create it. It goes where
-- Supabase keeps extensions (schema extensions) or else in public, never in memtech (whose
-- functions are all the package's). The install marks what it created with a comment, and
-- the uninstall drops only that.
DO $$
DECLARE
  target text := CASE WHEN to_regnamespace('extensions') IS NOT NULL THEN 'extensions' ELSE 'public' END;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent')
     OR NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent')
     OR EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgnamespace = 'memtech'::regnamespace AND cfgname = 'french') THEN
    RETURN;
  END IF;
  BEGIN
    EXECUTE format('CREATE EXTENSION unaccent SCHEMA %I', target);
    COMMENT ON EXTENSION unaccent IS
      'memtech: created by the install for the accent-insensitive French text search (memtech.french); the uninstall drops it.';
    PERFORM pg_temp.memtech_notice('created extension unaccent in schema %s for the French text search', target);
  -- Not allowed here, not installed on the server after all, or in the way of an object of
  -- that name (one PUBLIC may have created in public on PostgreSQL 14): the fallback.
  EXCEPTION WHEN insufficient_privilege OR feature_not_supported OR undefined_file OR duplicate_function
                 OR duplicate_object THEN
    PERFORM pg_temp.memtech_notice('could not create extension unaccent (%s): the French text search folds accents '
      'with memtech.fold_accents alone', SQLERRM);
  END;
END
$$;

-- Made once: a re-run leaves the configuration, and the documents stored with it, as they
-- are. With unaccent, words go through its dictionary before the stemmer: ts_headline then
-- marks a word however the query spells its accents. Without it, the text is folded before it
-- is parsed, by memtech.fold_accents.
DO $$
DECLARE
  dictionary text := (SELECT format('%I.%I', n.nspname, d.dictname)
                        FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace
                        JOIN pg_depend x ON x.classid = 'pg_ts_dict'::regclass AND x.objid = d.oid AND x.deptype = 'e'
                        JOIN pg_extension e ON e.oid = x.refobjid AND e.extname = 'unaccent'
                       WHERE d.dictname = 'unaccent');
BEGIN
  IF EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgnamespace = 'memtech'::regnamespace AND cfgname = 'french') THEN
    RETURN;
  END IF;
  CREATE TEXT SEARCH CONFIGURATION memtech.french (COPY = pg_catalog.french);
  IF dictionary IS NOT NULL THEN
    EXECUTE format('ALTER TEXT SEARCH CONFIGURATION memtech.french ALTER MAPPING FOR hword, hword_part, word '
                   'WITH %s, pg_catalog.french_stem', dictionary);
    COMMENT ON TEXT SEARCH CONFIGURATION memtech.french IS
      'French, accents removed: words go through unaccent, then the French Snowball stemmer (Béton finds beton, fondations finds fondation). The configuration of every search of the package.';
  ELSE
    COMMENT ON TEXT SEARCH CONFIGURATION memtech.french IS
      'French: the Snowball stemmer (fondations finds fondation). This server had no unaccent extension when it was made: the search functions fold accents first, with memtech.fold_accents. The configuration of every search of the package.';
  END IF;
END
$$;

-- Folding accents: where the server encoding is UTF8 (PostgreSQL's usual), the letters are
-- decomposed (NFD) and their accents dropped; elsewhere the letters of French are mapped one
-- by one. The expression is written once, here, for memtech.fold_accents and for the
-- document functions below, which write it out in place (a call would pay for its SET clause
-- three times a document).
CREATE OR REPLACE FUNCTION pg_temp.memtech_fold_expression(expression text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN current_setting('server_encoding') = 'UTF8'
    THEN format($e$replace(replace(replace(replace(replace(
           regexp_replace(normalize(%s, NFD), '[\u0300-\u036f]', '', 'g'),
           'Œ', 'OE'), 'œ', 'oe'), 'Æ', 'AE'), 'æ', 'ae'), 'ß', 'ss')$e$, expression)
    ELSE format($e$replace(replace(replace(replace(translate(%s,
           'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝŸýÿ',
           'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYYyy'),
           'Œ', 'OE'), 'œ', 'oe'), 'Æ', 'AE'), 'æ', 'ae')$e$, expression) END
$$;

DO $$
BEGIN
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION memtech.fold_accents(input text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
      SELECT %s;
    END$f$, pg_temp.memtech_fold_expression('input'));
END
$$;
COMMENT ON FUNCTION memtech.fold_accents(text) IS
  'The text without accents, and French ligatures spelt out (é to e, œ to oe, ...); IMMUTABLE, so that an index can hold what it returns. Where memtech.french has no unaccent (the server had no unaccent extension) the search folds accents so, with this expression written out in its documents and queries.';

-- The documents and the query, written for the configuration made above: with unaccent the
-- text goes to it as it is; without it, folded first. SQL-standard bodies (BEGIN ATOMIC):
-- parsed once, their dependencies recorded.
CREATE OR REPLACE FUNCTION pg_temp.memtech_folded(expression text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_ts_config_map m JOIN pg_ts_dict d ON d.oid = m.mapdict
                            WHERE m.mapcfg = 'memtech.french'::regconfig AND d.dictname = 'unaccent')
              THEN expression ELSE pg_temp.memtech_fold_expression(expression) END
$$;

DO $$
BEGIN
  EXECUTE format($f$
CREATE OR REPLACE FUNCTION memtech.block_document(title text, tags text[], content text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT setweight(to_tsvector('memtech.french'::regconfig, %s), 'A')
      || setweight(to_tsvector('memtech.french'::regconfig, %s), 'B')
      || setweight(to_tsvector('memtech.french'::regconfig, %s), 'C');
END$f$, pg_temp.memtech_folded($e$coalesce(title, '')$e$),
        pg_temp.memtech_folded($e$coalesce(array_to_string(tags, ' '), '')$e$),
        pg_temp.memtech_folded($e$coalesce(content, '')$e$));
  EXECUTE format($f$
CREATE OR REPLACE FUNCTION memtech.reference_document(
  name text, client text, project_type text, techniques text[], description text, success_factors text[])
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT setweight(to_tsvector('memtech.french'::regconfig, %s), 'A')
      || setweight(to_tsvector('memtech.french'::regconfig, %s), 'B')
      || setweight(to_tsvector('memtech.french'::regconfig, %s), 'C');
END$f$, pg_temp.memtech_folded($e$coalesce(name, '')$e$),
        pg_temp.memtech_folded($e$concat_ws(' ', client, project_type, array_to_string(techniques, ' '))$e$),
        pg_temp.memtech_folded($e$concat_ws(' ', description, array_to_string(success_factors, ' '))$e$));
  EXECUTE format($f$
CREATE OR REPLACE FUNCTION memtech.chunk_document(content text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT to_tsvector('memtech.french'::regconfig, %s);
END$f$, pg_temp.memtech_folded($e$coalesce(content, '')$e$));
  EXECUTE format($f$
CREATE OR REPLACE FUNCTION memtech.search_query(query text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT websearch_to_tsquery('memtech.french'::regconfig, %s);
END$f$, pg_temp.memtech_folded($e$coalesce(query, '')$e$));
END
$$;
COMMENT ON FUNCTION memtech.block_document(text, text[], text) IS
  'What the library search finds in a content block: its title (weight A), tags (B) and content (C), French, accents folded.';
COMMENT ON FUNCTION memtech.reference_document(text, text, text, text[], text, text[]) IS
  'What the library search finds in a past project: its name (weight A), client, type and techniques (B), description and success factors (C), French, accents folded.';
COMMENT ON FUNCTION memtech.chunk_document(text) IS
  'What the hybrid search finds in a RAG chunk: its content, French, accents folded. The expression of the index document_chunks_search_idx (build/finish.sql), so executable by every role that writes document_chunks.';
COMMENT ON FUNCTION memtech.search_query(text) IS
  'A search box''s text as a query of the French text search: web-search syntax ("a phrase", or, -word), accents folded as the documents'' are.';

-- A company's documents and queries spell every lexeme with the company's key in front: the
-- GIN index then keeps one posting list per company and word, and a search reads its own
-- company's postings only, however common its words are in the whole library. The key is the
-- company id's last eight hex digits: two companies that share them read each other's
-- postings (and drop them: search_library checks company_id on every row), nothing more.
CREATE OR REPLACE FUNCTION memtech.company_key(company uuid) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT right(company::text, 8) || '|';
END;
COMMENT ON FUNCTION memtech.company_key(uuid) IS
  'What memtech.company_document and memtech.company_query put in front of each lexeme of a company; alone, the lexeme every document of the company holds.';

-- The text forms of tsvector and tsquery quote each lexeme ('...', a quote inside doubled):
-- the key goes inside the quotes, before positions, weights and prefix marks.
CREATE OR REPLACE FUNCTION memtech.company_document(company uuid, document tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT regexp_replace(document::text, $r$'((?:[^']|'')*)'$r$, '''' || memtech.company_key(company) || '\1''', 'g')::tsvector
      || array_to_tsvector(ARRAY[memtech.company_key(company)]);
END;
COMMENT ON FUNCTION memtech.company_document(uuid, tsvector) IS
  'A document as memtech.library_document stores it for a company: each lexeme behind memtech.company_key, positions and weights kept (ts_rank ranks it as the plain document), and the key itself as a lexeme.';

CREATE OR REPLACE FUNCTION memtech.company_query(company uuid, query tsquery) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT regexp_replace(query::text, $r$'((?:[^']|'')*)'$r$, '''' || memtech.company_key(company) || '\1''', 'g')::tsquery;
END;
COMMENT ON FUNCTION memtech.company_query(uuid, tsquery) IS
  'A query for a company''s documents in memtech.library_document: each lexeme behind memtech.company_key, the operators as they were.';

-- Executable by PUBLIC: chunk_document (and fold_accents, which it may call) are the
-- expression of an index on document_chunks, which each role writing the table evaluates.
-- The others are the owner's (triggers and search functions).
REVOKE ALL ON FUNCTION memtech.block_document(text, text[], text),
  memtech.reference_document(text, text, text, text[], text, text[]), memtech.search_query(text),
  memtech.company_key(uuid), memtech.company_document(uuid, tsvector), memtech.company_query(uuid, tsquery)
  FROM PUBLIC;

-- ------------------------------------------------------------------ the library's documents

-- Ranking a hit needs its tsvector, and computing one is a few hundred times dearer than
-- reading it: a company's many hits ranked from the texts would take far too long. So the
-- documents of the rows that count (active blocks, referenceable past projects) are kept
-- here by the triggers below, each with its company's lexeme. Private: no API role reads it.
CREATE TABLE IF NOT EXISTS memtech.library_document (
  kind       text NOT NULL,
  item_id    uuid NOT NULL,
  company_id uuid NOT NULL,
  document   tsvector NOT NULL,
  CONSTRAINT library_document_pkey PRIMARY KEY (item_id, kind),
  CONSTRAINT library_document_kind_is_known CHECK (kind IN ('block', 'reference'))
);
COMMENT ON TABLE memtech.library_document IS
  'The text search documents of the content library, kept by triggers on content_blocks and past_projects: one row per active block and per referenceable past project. search_library reads them through their GIN index, whose existence says the table is complete (build/finish.sql fills it for a large library).';
COMMENT ON COLUMN memtech.library_document.kind IS 'block (content_blocks) or reference (past_projects).';
COMMENT ON COLUMN memtech.library_document.item_id IS 'The id of the block or past project.';
COMMENT ON COLUMN memtech.library_document.company_id IS 'Its company, checked again by search_library.';
COMMENT ON COLUMN memtech.library_document.document IS
  'memtech.block_document or memtech.reference_document of the row, as memtech.company_document spells it for the row''s company.';
REVOKE ALL ON memtech.library_document FROM PUBLIC;

-- SECURITY DEFINER: a tenant who writes a block may not write this table; the rows it
-- causes are exactly the documents of the rows it was allowed to write.
CREATE OR REPLACE FUNCTION memtech.keep_library_documents() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  doc_kind constant text := CASE TG_TABLE_NAME WHEN 'content_blocks' THEN 'block' ELSE 'reference' END;
BEGIN
  -- Upserts: build/finish.sql may be writing the same row's document at this moment (its
  -- range is one statement); the trigger's, made from the row as it is now, wins.
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM memtech.library_document d WHERE d.kind = doc_kind;
  ELSIF TG_OP = 'DELETE' THEN
    DELETE FROM memtech.library_document d
     WHERE d.kind = doc_kind AND d.item_id IN (SELECT o.id FROM old_rows o);
  ELSIF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'content_blocks' THEN
    -- The rows whose document changed (a row whose id changed counts as one gone, one new):
    -- the old document goes, the new one comes if the row counts.
    DELETE FROM memtech.library_document d
     USING old_rows o LEFT JOIN new_rows n ON n.id = o.id
     WHERE d.kind = 'block' AND d.item_id = o.id
       AND (n.id IS NULL OR (o.company_id, o.title, o.tags, o.content, o.is_active)
                            IS DISTINCT FROM (n.company_id, n.title, n.tags, n.content, n.is_active));
    INSERT INTO memtech.library_document (kind, item_id, company_id, document)
    SELECT 'block', n.id, n.company_id,
           memtech.company_document(n.company_id, memtech.block_document(n.title, n.tags, n.content))
      FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
     WHERE n.is_active
       AND (o.id IS NULL OR (o.company_id, o.title, o.tags, o.content, o.is_active)
                            IS DISTINCT FROM (n.company_id, n.title, n.tags, n.content, n.is_active))
    ON CONFLICT ON CONSTRAINT library_document_pkey DO UPDATE
      SET company_id = excluded.company_id, document = excluded.document;
  ELSIF TG_OP = 'UPDATE' THEN
    DELETE FROM memtech.library_document d
     USING old_rows o LEFT JOIN new_rows n ON n.id = o.id
     WHERE d.kind = 'reference' AND d.item_id = o.id
       AND (n.id IS NULL OR (o.company_id, o.name, o.client, o.project_type, o.techniques_used, o.description,
                             o.success_factors, o.is_referenceable)
                            IS DISTINCT FROM (n.company_id, n.name, n.client, n.project_type, n.techniques_used,
                                              n.description, n.success_factors, n.is_referenceable));
    INSERT INTO memtech.library_document (kind, item_id, company_id, document)
    SELECT 'reference', n.id, n.company_id,
           memtech.company_document(n.company_id, memtech.reference_document(n.name, n.client, n.project_type,
                                      n.techniques_used, n.description, n.success_factors))
      FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
     WHERE n.is_referenceable
       AND (o.id IS NULL OR (o.company_id, o.name, o.client, o.project_type, o.techniques_used, o.description,
                             o.success_factors, o.is_referenceable)
                            IS DISTINCT FROM (n.company_id, n.name, n.client, n.project_type, n.techniques_used,
                                              n.description, n.success_factors, n.is_referenceable))
    ON CONFLICT ON CONSTRAINT library_document_pkey DO UPDATE
      SET company_id = excluded.company_id, document = excluded.document;
  ELSIF TG_TABLE_NAME = 'content_blocks' THEN
    INSERT INTO memtech.library_document (kind, item_id, company_id, document)
    SELECT 'block', n.id, n.company_id,
           memtech.company_document(n.company_id, memtech.block_document(n.title, n.tags, n.content))
      FROM new_rows n WHERE n.is_active
    ON CONFLICT ON CONSTRAINT library_document_pkey DO UPDATE
      SET company_id = excluded.company_id, document = excluded.document;
  ELSE
    INSERT INTO memtech.library_document (kind, item_id, company_id, document)
    SELECT 'reference', n.id, n.company_id,
           memtech.company_document(n.company_id, memtech.reference_document(n.name, n.client, n.project_type,
                                      n.techniques_used, n.description, n.success_factors))
      FROM new_rows n WHERE n.is_referenceable
    ON CONFLICT ON CONSTRAINT library_document_pkey DO UPDATE
      SET company_id = excluded.company_id, document = excluded.document;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION memtech.keep_library_documents() IS
  'AFTER trigger on content_blocks and past_projects: memtech.library_document holds the documents of exactly the rows that count (active blocks, referenceable past projects).';
REVOKE ALL ON FUNCTION memtech.keep_library_documents() FROM PUBLIC;

-- Per statement, with transition tables: an import writes its documents in one statement, and
-- an update compares old and new rows in one query, the document's columns only (the audit
-- trail captures both tables of every update already). No WHEN clause on columns: it would
-- forbid ALTER COLUMN ... TYPE on them.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES ('content_blocks'), ('past_projects')) AS x (tbl) LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER INSERT ON public.%I REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION memtech.keep_library_documents()', t.tbl || '_library_document_insert', t.tbl);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER UPDATE ON public.%I '
                   'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION memtech.keep_library_documents()',
                   t.tbl || '_library_document_update', t.tbl);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER DELETE ON public.%I REFERENCING OLD TABLE AS old_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION memtech.keep_library_documents()', t.tbl || '_library_document_delete', t.tbl);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER TRUNCATE ON public.%I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION memtech.keep_library_documents()', t.tbl || '_library_document_truncate', t.tbl);
    EXECUTE format('COMMENT ON TRIGGER %I ON public.%I IS %L', t.tbl || '_library_document_insert', t.tbl,
                   'New rows'' search documents into memtech.library_document.');
    EXECUTE format('COMMENT ON TRIGGER %I ON public.%I IS %L', t.tbl || '_library_document_update', t.tbl,
                   'Rows whose searched columns (or activation, company, id) changed: their documents follow in memtech.library_document.');
    EXECUTE format('COMMENT ON TRIGGER %I ON public.%I IS %L', t.tbl || '_library_document_delete', t.tbl,
                   'Deleted rows'' search documents out of memtech.library_document.');
    EXECUTE format('COMMENT ON TRIGGER %I ON public.%I IS %L', t.tbl || '_library_document_truncate', t.tbl,
                   'TRUNCATE takes the table''s search documents out of memtech.library_document.');
  END LOOP;
END
$$;

-- For loads that bypass triggers (session_replication_role = replica, a restore with
-- triggers disabled), for the install on a library that predates the table, and for
-- build/finish.sql, which fills a large one range by range (each statement short: a
-- tenant's write of a row being filled waits for it). Rows of items whose ids lie in
-- [low, high]: missing documents are added, those of rows that no longer count removed;
-- with recompute, every document is made again and replaced where it differs (after
-- writes that changed searched columns with the triggers off).
CREATE OR REPLACE FUNCTION memtech.sync_library_documents(
  low uuid DEFAULT '00000000-0000-0000-0000-000000000000', high uuid DEFAULT 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  recompute boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  removed bigint;
  added bigint;
  references_added bigint;
  replaced bigint := 0;
BEGIN
  DELETE FROM memtech.library_document d
   WHERE d.item_id BETWEEN low AND high
     AND NOT CASE d.kind
       WHEN 'block' THEN EXISTS (SELECT 1 FROM public.content_blocks b
                                  WHERE b.id = d.item_id AND b.company_id = d.company_id AND b.is_active)
       ELSE EXISTS (SELECT 1 FROM public.past_projects p
                     WHERE p.id = d.item_id AND p.company_id = d.company_id AND p.is_referenceable) END;
  GET DIAGNOSTICS removed = ROW_COUNT;
  IF recompute THEN
    WITH made AS (
      SELECT 'block' AS kind, b.id,
             memtech.company_document(b.company_id, memtech.block_document(b.title, b.tags, b.content)) AS document
        FROM public.content_blocks b WHERE b.id BETWEEN low AND high AND b.is_active
      UNION ALL
      SELECT 'reference', p.id,
             memtech.company_document(p.company_id, memtech.reference_document(p.name, p.client, p.project_type,
                                      p.techniques_used, p.description, p.success_factors))
        FROM public.past_projects p WHERE p.id BETWEEN low AND high AND p.is_referenceable)
    UPDATE memtech.library_document d SET document = m.document
      FROM made m WHERE d.kind = m.kind AND d.item_id = m.id AND d.document IS DISTINCT FROM m.document;
    GET DIAGNOSTICS replaced = ROW_COUNT;
  END IF;
  -- FOR KEY SHARE: a row deleted meanwhile is not given a document after its delete trigger
  -- has run (the delete waits, or the row is skipped); one the triggers wrote meanwhile is
  -- newer than what this statement read, and kept.
  INSERT INTO memtech.library_document (kind, item_id, company_id, document)
  SELECT 'block', b.id, b.company_id,
         memtech.company_document(b.company_id, memtech.block_document(b.title, b.tags, b.content))
    FROM public.content_blocks b
   WHERE b.id BETWEEN low AND high AND b.is_active
     AND NOT EXISTS (SELECT 1 FROM memtech.library_document d WHERE d.item_id = b.id AND d.kind = 'block')
     FOR KEY SHARE OF b
  ON CONFLICT ON CONSTRAINT library_document_pkey DO NOTHING;
  GET DIAGNOSTICS added = ROW_COUNT;
  INSERT INTO memtech.library_document (kind, item_id, company_id, document)
  SELECT 'reference', p.id, p.company_id,
         memtech.company_document(p.company_id, memtech.reference_document(p.name, p.client, p.project_type,
                                  p.techniques_used, p.description, p.success_factors))
    FROM public.past_projects p
   WHERE p.id BETWEEN low AND high AND p.is_referenceable
     AND NOT EXISTS (SELECT 1 FROM memtech.library_document d WHERE d.item_id = p.id AND d.kind = 'reference')
     FOR KEY SHARE OF p
  ON CONFLICT ON CONSTRAINT library_document_pkey DO NOTHING;
  GET DIAGNOSTICS references_added = ROW_COUNT;
  added := added + references_added;
  IF removed + added + replaced > 0 THEN
    RAISE NOTICE 'memtech: library_document: % stale row(s) removed, % missing row(s) added, % replaced',
                 removed, added, replaced;
  END IF;
  RETURN removed + added + replaced;
END
$$;
COMMENT ON FUNCTION memtech.sync_library_documents(uuid, uuid, boolean) IS
  'Makes memtech.library_document match the library (rows whose ids lie between low and high) after writes that bypassed the triggers: adds missing documents, removes those of rows that no longer count, and with recompute makes every document again; returns how many rows changed. Run it as the tables'' owner.';
REVOKE ALL ON FUNCTION memtech.sync_library_documents(uuid, uuid, boolean) FROM PUBLIC;

-- The library's own tables are the package's: their documents are made here and indexed,
-- unless the library is larger than memtech.index_build_limit (an upgrade of a large one):
-- build/finish.sql then fills the table range by range and builds the index concurrently.
-- Until the index exists, search_library reads the company's rows themselves (right, slower).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('memtech.library_document_search_idx') AND indisvalid) THEN
    RETURN;
  END IF;
  IF pg_relation_size('public.content_blocks') + pg_relation_size('public.past_projects') > pg_temp.memtech_index_build_limit() THEN
    PERFORM pg_temp.memtech_notice('leaving the documents and index of the library search to build/finish.sql: '
      'content_blocks and past_projects hold %s, more than memtech.index_build_limit (%s); until it runs, '
      'search_library reads each company''s rows',
      pg_size_pretty(pg_relation_size('public.content_blocks') + pg_relation_size('public.past_projects')),
      pg_size_pretty(pg_temp.memtech_index_build_limit()));
    RETURN;
  END IF;
  PERFORM memtech.sync_library_documents();
  -- Left invalid by an interrupted build/finish.sql.
  DROP INDEX IF EXISTS memtech.library_document_search_idx;
  CREATE INDEX library_document_search_idx ON memtech.library_document USING gin (document) WITH (fastupdate = off);
  COMMENT ON INDEX memtech.library_document_search_idx IS
    'The library search''s index; its existence says memtech.library_document is complete. Without a pending list (fastupdate off): each write of the library updates it at once, and a search never reads entries that are not sorted yet.';
END
$$;

-- ------------------------------------------------------------------ search_library

-- SECURITY DEFINER: under row level security @@ is applied after the policy, to every row of
-- the company, and the GIN index is never used. As the owner the function reaches the index
-- and keeps to the acting user's company itself: the company's key on every lexeme of the
-- query, and company_id checked again on every row. plan_cache_mode: each call is planned for
-- its company and words.
CREATE OR REPLACE FUNCTION public.search_library(query text, match_count integer DEFAULT 20)
RETURNS TABLE (kind text, id uuid, title text, snippet text, rank real)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_custom_plan
AS $fn$
DECLARE
  company constant uuid := memtech.current_company_id();
  wanted constant integer := greatest(coalesce(match_count, 0), 0);
  q constant tsquery := memtech.search_query(query);
  -- Without unaccent the text keeps its accents when ts_headline parses it: mark the words
  -- as the query spells them too.
  marked constant tsquery := memtech.search_query(query) || websearch_to_tsquery('memtech.french'::regconfig, coalesce(query, ''));
  indexed constant boolean := EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                                       WHERE i.indexrelid = to_regclass('memtech.library_document_search_idx')
                                         AND i.indisvalid);
  own_words tsquery;
  found_by tsquery;
BEGIN
  IF company IS NULL OR wanted = 0 OR numnode(q) = 0 THEN
    RETURN;
  END IF;
  -- Ranked by the company's spelling of the query, which ranks its documents as the plain
  -- query ranks the plain ones. A query with nothing the index can look up (only words to
  -- leave out) asks for the company's own lexeme besides.
  own_words := memtech.company_query(company, q);
  found_by := CASE WHEN querytree(own_words) = 'T'
                   THEN own_words && quote_literal(memtech.company_key(company))::tsquery
                   ELSE own_words END;
  RETURN QUERY
  WITH hits AS (
    -- The stored documents, through their GIN index: the company's postings of the words.
    (SELECT d.kind, d.item_id AS id, ts_rank(d.document, own_words) AS rank
       FROM memtech.library_document d
      WHERE indexed AND d.document @@ found_by AND d.company_id = company
      ORDER BY 3 DESC, 1, 2
      LIMIT wanted)
    UNION ALL
    -- Until build/finish.sql has filled and indexed them: the company's rows themselves.
    (SELECT 'block'::text, b.id, ts_rank(memtech.block_document(b.title, b.tags, b.content), q)
       FROM public.content_blocks b
      WHERE NOT indexed AND b.company_id = company AND b.is_active
        AND memtech.block_document(b.title, b.tags, b.content) @@ q
      ORDER BY 3 DESC, 2
      LIMIT wanted)
    UNION ALL
    (SELECT 'reference'::text, p.id,
            ts_rank(memtech.reference_document(p.name, p.client, p.project_type, p.techniques_used, p.description,
                                               p.success_factors), q)
       FROM public.past_projects p
      WHERE NOT indexed AND p.company_id = company AND p.is_referenceable
        AND memtech.reference_document(p.name, p.client, p.project_type, p.techniques_used, p.description,
                                       p.success_factors) @@ q
      ORDER BY 3 DESC, 2
      LIMIT wanted)
  ), best AS (
    SELECT h.kind, h.id, h.rank FROM hits h ORDER BY h.rank DESC, h.kind, h.id LIMIT wanted
  )
  -- Snippets for the rows returned only: ts_headline parses the whole text.
  -- Typed as the function returns them, whatever types the application gives its columns.
  SELECT t.kind, t.id, coalesce(b.title, p.name)::text,
         ts_headline('memtech.french'::regconfig,
                     CASE t.kind WHEN 'block' THEN b.content::text
                                 ELSE concat_ws(E'\n', p.description, array_to_string(p.techniques_used, ', '),
                                                array_to_string(p.success_factors, ', ')) END,
                     marked, 'MaxFragments=2, MinWords=6, MaxWords=20, FragmentDelimiter=" … "'),
         t.rank
    FROM best t
    LEFT JOIN public.content_blocks b ON t.kind = 'block' AND b.id = t.id
    LEFT JOIN public.past_projects p ON t.kind = 'reference' AND p.id = t.id
   WHERE coalesce(b.company_id, p.company_id) = company
   ORDER BY t.rank DESC, t.kind, t.id;
END
$fn$;
COMMENT ON FUNCTION public.search_library(text, integer) IS
  'French full-text search of the acting user''s company''s library: active content blocks (title, tags, content) and referenceable past projects (name, client, type, techniques, description, success factors), best first. Accents and word endings do not matter (Béton finds beton, fondations finds fondation); web-search syntax ("a phrase", or, -word). Returns what each hit is (block or reference), its id, its title, a snippet with the words found, and its rank (ts_rank; title before tags before text). SECURITY DEFINER to use the GIN index of memtech.library_document (see memtech.api_definer_function); nothing for anon or a user who is unknown or deactivated.';

-- ------------------------------------------------------------------ search_chunks and search_hybrid

-- Only where document_chunks.embedding is pgvector's vector and content text, as the v0 contract has them
-- (pg_temp.memtech_v0_fits, whose preflight NOTICE gives the fix): with real[] (no pgvector)
-- they do not exist, and an earlier install's are dropped. The type and operator are named
-- with the schema the extension lives in (public, or extensions on Supabase).
DO $install$
DECLARE
  vector_schema text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                          WHERE e.extname = 'vector');
  vector_version int[] := (SELECT string_to_array(split_part(e.extversion, '-', 1), '.')::int[]
                            FROM pg_extension e WHERE e.extname = 'vector');
  embedding_type oid := (SELECT a.atttypid FROM pg_attribute a
                          WHERE a.attrelid = 'public.document_chunks'::regclass AND a.attname = 'embedding'
                            AND NOT a.attisdropped);
  iterative boolean;
  dropped regprocedure;
  chunks_sql text;
  hybrid_sql text;
BEGIN
  IF NOT (pg_temp.memtech_v0_fits('document_chunks', 'embedding') AND pg_temp.memtech_v0_fits('document_chunks', 'content')) THEN
    -- An earlier install's, made while the column was a vector.
    DELETE FROM memtech.api_definer_function d
     WHERE d.function IN (SELECT p.oid FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
                                                        AND p.proname IN ('search_chunks', 'search_hybrid'));
    FOR dropped IN SELECT p.oid::regprocedure FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
                                                          AND p.proname IN ('search_chunks', 'search_hybrid') LOOP
      EXECUTE format('DROP FUNCTION %s', dropped);
    END LOOP;
    PERFORM pg_temp.memtech_notice('not creating search_chunks and search_hybrid: they need document_chunks.embedding '
      'of pgvector''s vector (it is %s) and document_chunks.content of text (it is %s)',
      coalesce(format_type(embedding_type, NULL), 'missing'),
      coalesce((SELECT format_type(a.atttypid, NULL) FROM pg_attribute a
                 WHERE a.attrelid = 'public.document_chunks'::regclass AND a.attname = 'content' AND NOT a.attisdropped),
               'missing'));
    RETURN;
  END IF;
  -- Iterative index scans (hnsw.iterative_scan) came with pgvector 0.8: before it, the
  -- index's first candidates are all a filtered scan gets, so search_chunks stays exact.
  iterative := vector_version >= ARRAY[0, 8];
  IF NOT iterative THEN
    PERFORM pg_temp.memtech_notice('pgvector %s has no iterative index scans (0.8+): search_chunks reads every '
      'chunk of the company, whatever its size', array_to_string(vector_version, '.'));
  END IF;
  -- The settings of the SET clauses below must be known when the function is created:
  -- using the type loads the library that defines them.
  EXECUTE format('SELECT %L::%I.vector', '[1]', vector_schema);

  chunks_sql := $fn$
CREATE OR REPLACE FUNCTION public.search_chunks(query_embedding @vector@.vector, match_count integer DEFAULT 10)
RETURNS TABLE (id uuid, memoire_id uuid, content text, similarity double precision)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
@ann_settings@
AS $body$
DECLARE
  company constant uuid := memtech.current_company_id();
  wanted constant integer := greatest(coalesce(match_count, 0), 0);
  setting constant text := coalesce(nullif(btrim(current_setting('memtech.search_exact_limit', true)), ''), '1000');
  width constant text := coalesce(nullif(btrim(current_setting('memtech.search_ef_search', true)), ''), '1000');
  exact_limit bigint;
  memoires uuid[];
  held bigint;
  budget integer;
  found uuid[];
  distances double precision[];
BEGIN
  -- Checked by its text, not by catching the cast's error: an exception block would start a
  -- subtransaction in every call.
  IF setting ~ '^[[:space:]]*[+]?[0-9]{1,18}[[:space:]]*$' THEN
    exact_limit := setting::bigint;
  END IF;
  IF exact_limit IS NULL THEN
    RAISE EXCEPTION 'memtech.search_exact_limit = % is not a number of chunks', setting
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give a whole number of chunks (docs/rag.md), e.g. ALTER DATABASE ... SET memtech.search_exact_limit = 1000, or RESET it.';
  END IF;
  IF (CASE WHEN width ~ '^[[:space:]]*[+]?[0-9]{1,4}[[:space:]]*$' THEN width::int NOT BETWEEN 1 AND 1000 ELSE true END) THEN
    RAISE EXCEPTION 'memtech.search_ef_search = % is not a search width between 1 and 1000', width
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give hnsw.ef_search''s value for the index''s path (docs/rag.md, Recall): 1000 (the default) finds the most, less is faster; or RESET it.';
  END IF;
  IF company IS NULL OR wanted = 0 OR query_embedding IS NULL THEN
    RETURN;
  END IF;
  memoires := ARRAY(SELECT m.id FROM public.memoires m WHERE m.company_id = company);

  -- The index path is for a company with more chunks than the exact scan reads quickly
  -- (counted no further), and needs an index on embedding that orders by <=> (HNSW or
  -- IVFFlat, cosine): the catalog is read for a large company only.
  IF @ann@ THEN
    SELECT count(*) INTO held
      FROM (SELECT 1 FROM public.document_chunks c WHERE c.memoire_id = ANY (memoires) LIMIT exact_limit + 1) x;
  END IF;
  -- A company with its own index (sql/29_company_chunk_index.sql) is searched among its own
  -- chunks; short (its copies not all there), the shared index below.
  IF held > exact_limit AND to_regprocedure('memtech.company_nearest_chunks(@vector@.vector, integer)') IS NOT NULL
     AND coalesce(current_setting('memtech.search_company_index', true), '') <> 'off' THEN
    SELECT coalesce(array_agg(n.chunk_id), '{}'), coalesce(array_agg(n.distance), '{}') INTO found, distances
      FROM memtech.company_nearest_chunks(query_embedding, wanted) n;
  END IF;
  IF held > exact_limit AND cardinality(found) IS DISTINCT FROM wanted AND EXISTS (
       SELECT 1 FROM pg_catalog.pg_index i
         JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
         JOIN pg_catalog.pg_opclass o ON o.oid = i.indclass[0]
         JOIN pg_catalog.pg_amop p ON p.amopfamily = o.opcfamily AND p.amoppurpose = 'o'
        WHERE i.indrelid = 'public.document_chunks'::regclass AND i.indisvalid AND i.indpred IS NULL
          AND a.attname = 'embedding'
          AND p.amopopr = '@vector@.<=>(@vector@.vector,@vector@.vector)'::regoperator) THEN
    -- Nearest first through the index, keeping the company's chunks only; the iterative
    -- scan goes on past ef_search until enough are found. ef_search at pgvector's maximum
    -- unless memtech.search_ef_search says less: a wider first search is what finds more of
    -- the exact answer, for a large company most of all (whose own chunks crowd the query's
    -- neighbourhood), and costs little more to a smaller one, whose scan goes on past it
    -- anyway. Relaxed order: each batch of the
    -- scan comes nearest first, so LIMIT takes the best of the first batch and stops; a
    -- company that needs further batches gets their rows as found (strict order would drop
    -- those nearer than the last row handed over, and with them part of the answer of a
    -- small company). The rows are sorted by their exact distance below.
    -- The index is the only way the planner is left: "IS TRUE" keeps the filter off
    -- document_chunks (memoire_id) (the exact scan the company is too large for), and
    -- sequential scans are off for this statement (the planner does not count the reading
    -- of each vector out of line, and would sort every company's chunks).
    budget := greatest(wanted * 10, 100);
    PERFORM set_config('enable_seqscan', 'off', true);
    PERFORM set_config('hnsw.ef_search', width::int::text, true);
    PERFORM set_config('hnsw.max_scan_tuples',
      greatest(20000, ceil(4.0 * budget * greatest((SELECT c.reltuples FROM pg_catalog.pg_class c
                                                     WHERE c.oid = 'public.document_chunks'::regclass), 1)
                           / greatest(exact_limit, 1)))::bigint::text, true);
    SELECT coalesce(array_agg(s.id), '{}'), coalesce(array_agg(s.distance), '{}') INTO found, distances
      FROM (SELECT c.id, c.embedding OPERATOR(@vector@.<=>) query_embedding AS distance
              FROM public.document_chunks c
             WHERE (c.memoire_id = ANY (memoires)) IS TRUE
             ORDER BY c.embedding OPERATOR(@vector@.<=>) query_embedding
             LIMIT wanted) s
     WHERE s.distance IS NOT NULL;
    PERFORM set_config('enable_seqscan', 'on', true);
  END IF;
  -- Either index's rows, sorted by their distance. Short (the company's copies not all there,
  -- or the scan gave up at hnsw.max_scan_tuples): the exact scan below.
  IF cardinality(found) = wanted THEN
    RETURN QUERY
      SELECT c.id, c.memoire_id, c.content::text, 1 - f.distance
        FROM unnest(found, distances) AS f (chunk_id, distance)
        JOIN public.document_chunks c ON c.id = f.chunk_id
       ORDER BY f.distance, f.chunk_id;
    RETURN;
  END IF;

  -- Exact: every chunk of the company, through document_chunks (memoire_id). OFFSET 0 keeps
  -- the ANN index out of this plan (it would order, approximately, the whole table). The
  -- sort keeps the best rows as read (a long content stays out of line until returned).
  RETURN QUERY
    SELECT s.id, s.memoire_id, s.content::text, 1 - s.distance
      FROM (SELECT c.id, c.memoire_id, c.content, c.embedding OPERATOR(@vector@.<=>) query_embedding AS distance
              FROM public.document_chunks c
             WHERE c.memoire_id = ANY (memoires) AND c.embedding IS NOT NULL
            OFFSET 0) s
     ORDER BY s.distance, s.id
     LIMIT wanted;
END
$body$
$fn$;

  hybrid_sql := $fn$
CREATE OR REPLACE FUNCTION public.search_hybrid(query text, query_embedding @vector@.vector, match_count integer DEFAULT 10)
RETURNS TABLE (id uuid, memoire_id uuid, content text, similarity double precision, text_rank real, score double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_custom_plan
AS $body$
DECLARE
  company constant uuid := memtech.current_company_id();
  -- As Supabase's hybrid search: at most 30 rows, each list twice as long, k = 50.
  wanted constant integer := least(greatest(coalesce(match_count, 0), 0), 30);
  listed constant integer := least(greatest(coalesce(match_count, 0), 0), 30) * 2;
  rrf_k constant integer := 50;
  q constant tsquery := memtech.search_query(query);
  memoires uuid[];
BEGIN
  IF company IS NULL OR wanted = 0 THEN
    RETURN;
  END IF;
  memoires := ARRAY(SELECT m.id FROM public.memoires m WHERE m.company_id = company);
  RETURN QUERY
  WITH semantic AS (
    SELECT s.id, s.position AS rank_ix
      FROM public.search_chunks(query_embedding, listed) WITH ORDINALITY AS s (id, memoire_id, content, similarity, position)
  ), full_text AS (
    SELECT t.id, row_number() OVER (ORDER BY t.rank DESC, t.id) AS rank_ix
      FROM (SELECT c.id, ts_rank_cd(memtech.chunk_document(c.content), q) AS rank
              FROM public.document_chunks c
             WHERE numnode(q) > 0 AND c.memoire_id = ANY (memoires) AND memtech.chunk_document(c.content) @@ q
             ORDER BY 2 DESC, 1
             LIMIT listed) t
  ), fused AS (
    SELECT coalesce(t.id, s.id) AS id,
           (coalesce(1.0 / (rrf_k + t.rank_ix), 0.0) + coalesce(1.0 / (rrf_k + s.rank_ix), 0.0))::double precision AS score
      FROM full_text t FULL JOIN semantic s ON s.id = t.id
     ORDER BY 2 DESC, 1
     LIMIT wanted
  )
  SELECT c.id, c.memoire_id, c.content::text,
         1 - (c.embedding OPERATOR(@vector@.<=>) query_embedding),
         CASE WHEN numnode(q) > 0 THEN ts_rank_cd(memtech.chunk_document(c.content), q) END,
         f.score
    FROM fused f JOIN public.document_chunks c ON c.id = f.id AND c.memoire_id = ANY (memoires)
   ORDER BY f.score DESC, f.id;
END
$body$
$fn$;

  EXECUTE replace(replace(replace(chunks_sql, '@vector@', quote_ident(vector_schema)),
                          '@ann_settings@', CASE WHEN iterative THEN
                            'SET hnsw.iterative_scan = relaxed_order SET hnsw.ef_search = 100 '
                            'SET hnsw.max_scan_tuples = 20000 SET hnsw.scan_mem_multiplier = 4 '
                            'SET ivfflat.iterative_scan = relaxed_order '
                            'SET enable_seqscan = on' ELSE '' END),
                  '@ann@', iterative::text);
  EXECUTE replace(hybrid_sql, '@vector@', quote_ident(vector_schema));
  EXECUTE format($c$COMMENT ON FUNCTION public.search_chunks(%1$I.vector, integer) IS %2$L$c$, vector_schema,
    'The acting user''s company''s chunks nearest to query_embedding (cosine), most similar first: the rows an exact search over that company''s chunks returns, whatever the other companies hold. Below memtech.search_exact_limit chunks it reads the company''s chunks (document_chunks (memoire_id)); above, the company''s own HNSW index where build/finish.sql made one (memtech.company_chunk_index; memtech.search_company_index = off skips it), else the application''s ANN index on embedding with iterative scans (pgvector 0.8+), at hnsw.ef_search memtech.search_ef_search (default 1000), rows sorted by the distances the scan computed. Runs with the caller''s rights; nothing for anon or a user who is unknown or deactivated. Point the application''s match_document_chunks at it (docs/rag.md).');
  EXECUTE format($c$COMMENT ON FUNCTION public.search_hybrid(text, %1$I.vector, integer) IS %2$L$c$, vector_schema,
    'The acting user''s company''s chunks found by the French full text of query or near query_embedding, fused by reciprocal rank fusion as Supabase''s hybrid search does (each list 2 x match_count long, k = 50, match_count at most 30); both lists exact. SECURITY DEFINER to use the GIN index on document_chunks (see memtech.api_definer_function); nothing for anon or a user who is unknown or deactivated.');
  EXECUTE format('REVOKE ALL ON FUNCTION public.search_chunks(%1$I.vector, integer), '
                 'public.search_hybrid(text, %1$I.vector, integer) FROM PUBLIC, anon', vector_schema);
  EXECUTE format('GRANT EXECUTE ON FUNCTION public.search_chunks(%1$I.vector, integer), '
                 'public.search_hybrid(text, %1$I.vector, integer) TO authenticated', vector_schema);
  INSERT INTO memtech.api_definer_function (function, reason)
  VALUES (format('public.search_hybrid(text, %I.vector, integer)', vector_schema)::regprocedure,
          'Full text over document_chunks: @@ is not leakproof, so under row level security it is applied after the policy, to every chunk of the company, and the GIN index document_chunks_search_idx is never used. It keeps to memtech.current_company_id() itself.')
  ON CONFLICT ON CONSTRAINT api_definer_function_pkey DO UPDATE SET reason = excluded.reason
  WHERE memtech.api_definer_function.reason IS DISTINCT FROM excluded.reason;
END
$install$;

REVOKE ALL ON FUNCTION public.search_library(text, integer) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.search_library(text, integer) TO authenticated;
INSERT INTO memtech.api_definer_function (function, reason)
VALUES ('public.search_library(text, integer)'::regprocedure,
        'Full text over content_blocks and past_projects: @@ is not leakproof, so under row level security it is applied after the policy, to every row of the company, and the GIN indexes content_blocks_search_idx and past_projects_search_idx are never used. It keeps to memtech.current_company_id() itself.')
ON CONFLICT ON CONSTRAINT api_definer_function_pkey DO UPDATE SET reason = excluded.reason
WHERE memtech.api_definer_function.reason IS DISTINCT FROM excluded.reason;

-- ------------------------------------------------------------------ what the operator must know

-- An ANN index on document_chunks hands a tenant's search the nearest chunks of every
-- company; row level security then takes the others' away, and the search comes back short.
DO $$
DECLARE
  x record;
BEGIN
  FOR x IN SELECT c.relname, am.amname FROM pg_index i
             JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
            WHERE i.indrelid = 'public.document_chunks'::regclass AND am.amname IN ('hnsw', 'ivfflat')
            ORDER BY c.relname LOOP
    RAISE WARNING 'memtech: a tenant''s nearest-neighbour search through %.% (%) misses rows: the index returns the nearest chunks of every company, and row level security then removes the other companies'', so a company gets fewer rows than it asked for, or none',
                  'public', quote_ident(x.relname), x.amname
      USING HINT = 'Search with public.search_chunks(query_embedding, match_count), which returns the company''s own nearest chunks; docs/rag.md shows the one-line change that points match_document_chunks at it.';
  END LOOP;
  IF NOT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('public.document_chunks_search_idx') AND indisvalid) THEN
    PERFORM pg_temp.memtech_notice('build/finish.sql builds the full-text index on document_chunks (concurrently); '
      'until it runs, search_hybrid reads the company''s chunks');
  END IF;
END
$$;
