-- A company's own nearest-neighbour index, for the companies too large for search_chunks'
-- exact path. Through the application's HNSW index, shared by every company, a large company's
-- search walks the graph among everyone's chunks and row level security drops the others': to
-- find its exact answer it must search wide, and a wide search of the whole graph is slow
-- (docs/benchmarks.md, part 6). So the embeddings of each company above
-- memtech.search_exact_limit chunks are copied into a partition of memtech.company_chunk of its
-- own, with an HNSW index that holds its chunks only; triggers keep the copies. build/finish.sql
-- makes the partitions (memtech.create_company_chunk_index); search_chunks reads them through
-- memtech.company_nearest_chunks, and takes the shared index only for a company without one.
-- Only where search_chunks exists (pgvector's vector, see sql/28_search.sql) and the embedding
-- column says its dimensions (an HNSW index needs them).

DO $install$
DECLARE
  vector_schema text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                          WHERE e.extname = 'vector');
  embedding_type text := (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                           WHERE a.attrelid = 'public.document_chunks'::regclass AND a.attname = 'embedding'
                             AND NOT a.attisdropped AND a.atttypmod > 0);
  nearest_sql text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proname = 'search_chunks')
     OR embedding_type IS NULL THEN
    IF to_regclass('memtech.company_chunk') IS NULL AND EXISTS (
         SELECT 1 FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proname = 'search_chunks') THEN
      PERFORM pg_temp.memtech_notice('no company indexes for search_chunks: document_chunks.embedding has no '
        'dimensions (an HNSW index needs vector(n)); large companies search through the shared index');
    END IF;
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('company indexes for search_chunks');

  -- The copies, one partition per company that has an index (no default partition: the
  -- triggers copy the chunks of those companies only). Stored in line: a vector read to be
  -- compared is read from the table's page, not from its TOAST table.
  EXECUTE format($ddl$
    CREATE TABLE IF NOT EXISTS memtech.company_chunk (
      chunk_id   uuid NOT NULL,
      company_id uuid NOT NULL,
      embedding  %s NOT NULL,
      CONSTRAINT company_chunk_pkey PRIMARY KEY (chunk_id, company_id)
    ) PARTITION BY LIST (company_id)$ddl$, embedding_type);
  ALTER TABLE memtech.company_chunk ALTER COLUMN embedding SET STORAGE PLAIN;
  COMMENT ON TABLE memtech.company_chunk IS
    'Copies of the embeddings of the companies listed in memtech.company_chunk_index, one partition (and HNSW index) per company, kept by triggers on document_chunks and memoires: the nearest chunks of a large company are searched among its own. Private: no API role reads it.';
  COMMENT ON COLUMN memtech.company_chunk.chunk_id IS 'The chunk (public.document_chunks.id).';
  COMMENT ON COLUMN memtech.company_chunk.company_id IS 'The company of its memoire: the partition it lives in.';
  COMMENT ON COLUMN memtech.company_chunk.embedding IS 'A copy of document_chunks.embedding, of the same type.';
  REVOKE ALL ON memtech.company_chunk FROM PUBLIC;

  CREATE TABLE IF NOT EXISTS memtech.company_chunk_index (
    company_id uuid NOT NULL CONSTRAINT company_chunk_index_pkey PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  COMMENT ON TABLE memtech.company_chunk_index IS
    'The companies whose chunks have a partition of memtech.company_chunk, complete and indexed: search_chunks reads those through memtech.company_nearest_chunks.';
  COMMENT ON COLUMN memtech.company_chunk_index.company_id IS 'The company (public.companies.id).';
  COMMENT ON COLUMN memtech.company_chunk_index.created_at IS 'When memtech.create_company_chunk_index made the partition.';
  REVOKE ALL ON memtech.company_chunk_index FROM PUBLIC;

  nearest_sql := $fn$
CREATE OR REPLACE FUNCTION memtech.company_nearest_chunks(query_embedding @vector@.vector, match_count integer)
RETURNS TABLE (chunk_id uuid, distance double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_custom_plan
SET enable_seqscan = off SET enable_sort = off SET hnsw.iterative_scan = relaxed_order SET hnsw.ef_search = 100
AS $body$
DECLARE
  company constant uuid := memtech.current_company_id();
  width constant text := coalesce(nullif(btrim(current_setting('memtech.company_index_ef_search', true)), ''), '700');
BEGIN
  IF (CASE WHEN width ~ '^[[:space:]]*[+]?[0-9]{1,4}[[:space:]]*$' THEN width::int NOT BETWEEN 1 AND 1000 ELSE true END) THEN
    RAISE EXCEPTION 'memtech.company_index_ef_search = % is not a search width between 1 and 1000', width
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give hnsw.ef_search''s value for a company''s own index (docs/rag.md, A company''s own index): 700 (the default), more finds more and is slower; or RESET it.';
  END IF;
  IF company IS NULL OR coalesce(match_count, 0) <= 0 OR query_embedding IS NULL
     OR NOT EXISTS (SELECT 1 FROM memtech.company_chunk_index i WHERE i.company_id = company) THEN
    RETURN;
  END IF;
  -- The company's partition only (its value is known when the statement is planned), through
  -- its HNSW index; an iterative scan when more rows are asked than the search's width. No
  -- sequential scan or sort: for a partition of some thousands of chunks the planner prices
  -- reading and sorting them all below the index, and that exact scan takes several times
  -- longer.
  PERFORM set_config('hnsw.ef_search', width::int::text, true);
  RETURN QUERY
    SELECT e.chunk_id, e.embedding OPERATOR(@vector@.<=>) query_embedding
      FROM memtech.company_chunk e
     WHERE e.company_id = company
     ORDER BY e.embedding OPERATOR(@vector@.<=>) query_embedding
     LIMIT match_count;
END
$body$
$fn$;
  EXECUTE replace(nearest_sql, '@vector@', quote_ident(vector_schema));
  EXECUTE format($c$COMMENT ON FUNCTION memtech.company_nearest_chunks(%1$I.vector, integer) IS %2$L$c$, vector_schema,
    'The acting user''s company''s match_count chunks nearest to query_embedding (cosine) through its own index in memtech.company_chunk, at hnsw.ef_search memtech.company_index_ef_search (default 700); no row for a company without one, anon, or a user who is unknown or deactivated. search_chunks calls it; the rows are not sorted.');
  EXECUTE format('REVOKE ALL ON FUNCTION memtech.company_nearest_chunks(%I.vector, integer) FROM PUBLIC', vector_schema);
  EXECUTE format('GRANT EXECUTE ON FUNCTION memtech.company_nearest_chunks(%I.vector, integer) TO authenticated', vector_schema);
  INSERT INTO memtech.api_definer_function (function, reason)
  VALUES (format('memtech.company_nearest_chunks(%I.vector, integer)', vector_schema)::regprocedure,
          'Reads memtech.company_chunk, which no API role may read (it holds every indexed company''s embeddings). It keeps to memtech.current_company_id() itself, and search_chunks joins its ids to document_chunks under the caller''s row level security.')
  ON CONFLICT ON CONSTRAINT api_definer_function_pkey DO UPDATE SET reason = excluded.reason
  WHERE memtech.api_definer_function.reason IS DISTINCT FROM excluded.reason;
END
$install$;

DO $$
DECLARE
  vector_schema text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                          WHERE e.extname = 'vector');
BEGIN
  IF to_regclass('memtech.company_chunk') IS NULL THEN
    RETURN;
  END IF;

  -- SECURITY DEFINER: a tenant who writes a chunk may not write the copies; the rows it causes
  -- are the copies of the chunks it was allowed to write.
  -- pgvector's = is named with its schema: the functions search pg_catalog only.
  EXECUTE replace($create$
  CREATE OR REPLACE FUNCTION memtech.keep_company_chunks() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $fn$
  BEGIN
    IF TG_OP = 'TRUNCATE' THEN
      TRUNCATE memtech.company_chunk;
      RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM memtech.company_chunk_index) THEN
      RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'memoires' THEN
      -- A memoire moved to another company: its chunks' copies follow it.
      IF OLD.company_id IS DISTINCT FROM NEW.company_id THEN
        DELETE FROM memtech.company_chunk e USING public.document_chunks c
         WHERE c.memoire_id = NEW.id AND e.chunk_id = c.id AND e.company_id = OLD.company_id;
        INSERT INTO memtech.company_chunk (chunk_id, company_id, embedding)
        SELECT c.id, NEW.company_id, c.embedding FROM public.document_chunks c
         WHERE c.memoire_id = NEW.id AND c.embedding IS NOT NULL
           AND EXISTS (SELECT 1 FROM memtech.company_chunk_index i WHERE i.company_id = NEW.company_id)
        ON CONFLICT ON CONSTRAINT company_chunk_pkey DO UPDATE SET embedding = excluded.embedding;
      END IF;
      RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
      DELETE FROM memtech.company_chunk e WHERE e.chunk_id IN (SELECT o.id FROM old_rows o);
    ELSIF TG_OP = 'UPDATE' THEN
      -- The rows whose memoire or embedding changed (a changed id counts as one gone, one new).
      DELETE FROM memtech.company_chunk e
       USING old_rows o LEFT JOIN new_rows n ON n.id = o.id
       WHERE e.chunk_id = o.id
         AND (n.id IS NULL OR o.memoire_id IS DISTINCT FROM n.memoire_id OR (o.embedding IS NULL) <> (n.embedding IS NULL)
              OR (o.embedding OPERATOR(@vector@.=) n.embedding) IS FALSE);
      INSERT INTO memtech.company_chunk (chunk_id, company_id, embedding)
      SELECT n.id, m.company_id, n.embedding
        FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
        JOIN public.memoires m ON m.id = n.memoire_id
        JOIN memtech.company_chunk_index i ON i.company_id = m.company_id
       WHERE n.embedding IS NOT NULL
         AND (o.id IS NULL OR o.memoire_id IS DISTINCT FROM n.memoire_id OR (o.embedding IS NULL) <> (n.embedding IS NULL)
              OR (o.embedding OPERATOR(@vector@.=) n.embedding) IS FALSE)
      ON CONFLICT ON CONSTRAINT company_chunk_pkey DO UPDATE SET embedding = excluded.embedding;
    ELSE
      INSERT INTO memtech.company_chunk (chunk_id, company_id, embedding)
      SELECT n.id, m.company_id, n.embedding
        FROM new_rows n
        JOIN public.memoires m ON m.id = n.memoire_id
        JOIN memtech.company_chunk_index i ON i.company_id = m.company_id
       WHERE n.embedding IS NOT NULL
      ON CONFLICT ON CONSTRAINT company_chunk_pkey DO UPDATE SET embedding = excluded.embedding;
    END IF;
    RETURN NULL;
  END
  $fn$ $create$, '@vector@', quote_ident(vector_schema));
  COMMENT ON FUNCTION memtech.keep_company_chunks() IS
    'AFTER trigger on document_chunks and memoires: memtech.company_chunk holds a copy of the embedding of exactly the chunks of the companies in memtech.company_chunk_index.';
  REVOKE ALL ON FUNCTION memtech.keep_company_chunks() FROM PUBLIC;

  -- Per statement on document_chunks, with transition tables (an import writes its chunks in
  -- one statement); per row on memoires, for a change of company only (rare; the audit trail
  -- reads that table's transition tables already).
  CREATE OR REPLACE TRIGGER document_chunks_company_chunk_insert AFTER INSERT ON public.document_chunks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION memtech.keep_company_chunks();
  CREATE OR REPLACE TRIGGER document_chunks_company_chunk_update AFTER UPDATE ON public.document_chunks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION memtech.keep_company_chunks();
  CREATE OR REPLACE TRIGGER document_chunks_company_chunk_delete AFTER DELETE ON public.document_chunks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION memtech.keep_company_chunks();
  CREATE OR REPLACE TRIGGER document_chunks_company_chunk_truncate AFTER TRUNCATE ON public.document_chunks
    FOR EACH STATEMENT EXECUTE FUNCTION memtech.keep_company_chunks();
  CREATE OR REPLACE TRIGGER memoires_company_chunk_move AFTER UPDATE OF company_id ON public.memoires
    FOR EACH ROW EXECUTE FUNCTION memtech.keep_company_chunks();
  COMMENT ON TRIGGER document_chunks_company_chunk_insert ON public.document_chunks IS
    'New chunks of a company with its own index: their embeddings into memtech.company_chunk.';
  COMMENT ON TRIGGER document_chunks_company_chunk_update ON public.document_chunks IS
    'Chunks whose memoire or embedding changed: their copies in memtech.company_chunk follow.';
  COMMENT ON TRIGGER document_chunks_company_chunk_delete ON public.document_chunks IS
    'Deleted chunks'' copies out of memtech.company_chunk.';
  COMMENT ON TRIGGER document_chunks_company_chunk_truncate ON public.document_chunks IS
    'TRUNCATE empties memtech.company_chunk (its companies keep their partitions, empty).';
  COMMENT ON TRIGGER memoires_company_chunk_move ON public.memoires IS
    'A memoire moved to another company: its chunks'' copies in memtech.company_chunk follow it.';

  -- For loads that bypass triggers, and for memtech.create_company_chunk_index: makes the
  -- copies of a company (of every indexed company when NULL) match its chunks.
  EXECUTE replace($create$
  CREATE OR REPLACE FUNCTION memtech.sync_company_chunks(company uuid DEFAULT NULL) RETURNS bigint
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $fn$
  DECLARE
    removed bigint;
    added bigint;
  BEGIN
    DELETE FROM memtech.company_chunk e
     WHERE (company IS NULL OR e.company_id = company)
       AND NOT EXISTS (SELECT 1 FROM public.document_chunks c JOIN public.memoires m ON m.id = c.memoire_id
                        WHERE c.id = e.chunk_id AND m.company_id = e.company_id AND c.embedding OPERATOR(@vector@.=) e.embedding);
    GET DIAGNOSTICS removed = ROW_COUNT;
    INSERT INTO memtech.company_chunk (chunk_id, company_id, embedding)
    SELECT c.id, m.company_id, c.embedding
      FROM public.document_chunks c
      JOIN public.memoires m ON m.id = c.memoire_id
      JOIN memtech.company_chunk_index i ON i.company_id = m.company_id
     WHERE (company IS NULL OR m.company_id = company) AND c.embedding IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM memtech.company_chunk e WHERE e.chunk_id = c.id AND e.company_id = m.company_id)
    ON CONFLICT ON CONSTRAINT company_chunk_pkey DO UPDATE SET embedding = excluded.embedding;
    GET DIAGNOSTICS added = ROW_COUNT;
    IF removed + added > 0 THEN
      RAISE NOTICE 'memtech: company_chunk: % stale copies removed, % missing copies added', removed, added;
    END IF;
    RETURN removed + added;
  END
  $fn$ $create$, '@vector@', quote_ident(vector_schema));
  COMMENT ON FUNCTION memtech.sync_company_chunks(uuid) IS
    'Makes memtech.company_chunk match document_chunks for a company (every indexed company when NULL) after writes that bypassed the triggers; returns how many copies changed. Run it as the tables'' owner.';
  REVOKE ALL ON FUNCTION memtech.sync_company_chunks(uuid) FROM PUBLIC;

  CREATE OR REPLACE FUNCTION memtech.company_chunk_partition(company uuid) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
  AS $fn$ SELECT 'company_chunk_' || replace(company::text, '-', '') $fn$;
  COMMENT ON FUNCTION memtech.company_chunk_partition(uuid) IS
    'The name, in schema memtech, of the partition of memtech.company_chunk that holds a company''s copies.';
  REVOKE ALL ON FUNCTION memtech.company_chunk_partition(uuid) FROM PUBLIC;

  -- The company's partition is filled and indexed apart, while its chunks may still be
  -- written; then, under a short lock that holds writers of chunks and memoires back, the
  -- copies catch up with what was written meanwhile, the partition is attached and the
  -- company listed. One transaction: an error leaves nothing behind.
  CREATE OR REPLACE FUNCTION memtech.create_company_chunk_index(company uuid) RETURNS bigint
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $fn$
  DECLARE
    part constant text := memtech.company_chunk_partition(company);
    opclass constant text := (SELECT format('%I.vector_cosine_ops', n.nspname) FROM pg_extension e
                               JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector');
    copied bigint;
  BEGIN
    IF company IS NULL OR NOT EXISTS (SELECT 1 FROM public.companies c WHERE c.id = company) THEN
      RAISE EXCEPTION 'memtech.create_company_chunk_index: no company %', coalesce(company::text, 'NULL')
        USING ERRCODE = 'no_data_found', HINT = 'Give the id of a row of public.companies.';
    END IF;
    IF EXISTS (SELECT 1 FROM memtech.company_chunk_index i WHERE i.company_id = company) THEN
      RAISE NOTICE 'memtech: company % has its own chunk index already', company;
      RETURN 0;
    END IF;
    -- Left by a partition attached without being listed (not by this function).
    EXECUTE format('DROP TABLE IF EXISTS memtech.%I', part);
    EXECUTE format('CREATE TABLE memtech.%I (LIKE memtech.company_chunk INCLUDING STORAGE, '
                   'CONSTRAINT %I CHECK (company_id = %L))', part, part || '_company', company);
    EXECUTE format('INSERT INTO memtech.%I (chunk_id, company_id, embedding) '
                   'SELECT c.id, m.company_id, c.embedding FROM public.document_chunks c '
                   'JOIN public.memoires m ON m.id = c.memoire_id '
                   'WHERE m.company_id = %L AND c.embedding IS NOT NULL', part, company);
    EXECUTE format('ALTER TABLE memtech.%I ADD CONSTRAINT %I PRIMARY KEY (chunk_id, company_id)', part, part || '_pkey');
    EXECUTE format('CREATE INDEX %I ON memtech.%I USING hnsw (embedding %s)', part || '_embedding_idx', part, opclass);
    LOCK TABLE public.memoires, public.document_chunks IN SHARE MODE;
    EXECUTE format('ALTER TABLE memtech.company_chunk ATTACH PARTITION memtech.%I FOR VALUES IN (%L)', part, company);
    EXECUTE format('COMMENT ON TABLE memtech.%I IS %L', part,
                   format('The copies of the embeddings of company %s, with their HNSW index (memtech.company_chunk).', company));
    INSERT INTO memtech.company_chunk_index (company_id) VALUES (company);
    PERFORM memtech.sync_company_chunks(company);
    SELECT count(*) INTO copied FROM memtech.company_chunk e WHERE e.company_id = company;
    RETURN copied;
  END
  $fn$;
  COMMENT ON FUNCTION memtech.create_company_chunk_index(uuid) IS
    'Gives a company its own partition of memtech.company_chunk and HNSW index, which search_chunks then reads; returns the chunks copied. Writers of document_chunks and memoires wait only for the last step. build/finish.sql runs it for every company above memtech.search_exact_limit chunks. Run it as the tables'' owner.';
  REVOKE ALL ON FUNCTION memtech.create_company_chunk_index(uuid) FROM PUBLIC;

  CREATE OR REPLACE FUNCTION memtech.drop_company_chunk_index(company uuid) RETURNS boolean
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $fn$
  BEGIN
    DELETE FROM memtech.company_chunk_index i WHERE i.company_id = company;
    IF NOT FOUND THEN
      RETURN false;
    END IF;
    EXECUTE format('DROP TABLE IF EXISTS memtech.%I', memtech.company_chunk_partition(company));
    RETURN true;
  END
  $fn$;
  COMMENT ON FUNCTION memtech.drop_company_chunk_index(uuid) IS
    'Takes a company''s own chunk index away (its partition of memtech.company_chunk): search_chunks goes back to the shared index for it. Returns whether it had one.';
  REVOKE ALL ON FUNCTION memtech.drop_company_chunk_index(uuid) FROM PUBLIC;
END
$$;
