-- The v0 tables the application already has in production: memoires, projects, sections
-- and document_chunks. On a v0 database they are left as they are, comments included
-- (the next modules add columns to three of them); on an empty database they are created
-- here exactly as v0 had them, documented, and the uninstall drops them again.

-- Before anything changes them, remember the privileges and row level security of the v0
-- tables the application already has (once: a re-run must not record its own changes).
INSERT INTO memtech.legacy_table_state (table_name, acl, row_security, force_row_security)
SELECT c.relname, c.relacl, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
   AND c.relname IN ('memoires', 'projects', 'sections', 'document_chunks')
   AND c.relname::text <> ALL (coalesce((SELECT created_tables FROM memtech.installation), '{}'))
ON CONFLICT (table_name) DO NOTHING;

DO $legacy$
DECLARE
  embedding_type text;
  created text[] := '{}';
BEGIN
  IF to_regclass('public.memoires') IS NULL THEN
    CREATE TABLE public.memoires (
      id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      title      text NOT NULL,
      filename   text,
      file_url   text,
      content    text,
      created_at timestamptz DEFAULT now()
    );
    COMMENT ON TABLE public.memoires IS
      'Past mémoires techniques a company has written: the RAG corpus its new ones draw on. Predates memtech (v0).';
    COMMENT ON COLUMN public.memoires.id IS 'Identifies the memoire; referenced by document_chunks.';
    COMMENT ON COLUMN public.memoires.title IS 'Title as the company gave it, e.g. the tender''s name.';
    COMMENT ON COLUMN public.memoires.filename IS 'Name of the uploaded file, if the memoire came from one.';
    COMMENT ON COLUMN public.memoires.file_url IS 'Where the original file is stored (S3 path).';
    COMMENT ON COLUMN public.memoires.content IS 'Full extracted text, chunked into document_chunks for retrieval.';
    COMMENT ON COLUMN public.memoires.created_at IS 'When the memoire was added.';
    created := created || 'memoires'::text;
  END IF;

  IF to_regclass('public.projects') IS NULL THEN
    CREATE TABLE public.projects (
      id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name        text NOT NULL,
      description text,
      created_at  timestamptz DEFAULT now()
    );
    COMMENT ON TABLE public.projects IS
      'A tender the company answers: from the RC analysis through matching and generation to the submitted mémoire. Predates memtech (v0).';
    COMMENT ON COLUMN public.projects.id IS 'Identifies the project; referenced by sections and the workflow tables.';
    COMMENT ON COLUMN public.projects.name IS 'The tender''s name as the company refers to it.';
    COMMENT ON COLUMN public.projects.description IS 'Free notes on the tender.';
    COMMENT ON COLUMN public.projects.created_at IS 'When the project was opened.';
    created := created || 'projects'::text;
  END IF;

  IF to_regclass('public.sections') IS NULL THEN
    CREATE TABLE public.sections (
      id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      project_id   uuid NOT NULL REFERENCES public.projects ON DELETE CASCADE,
      section_type text,
      title        text NOT NULL,
      content      text,
      position     integer,
      created_at   timestamptz DEFAULT now()
    );
    COMMENT ON TABLE public.sections IS
      'The sections of a project''s mémoire, in order. Predates memtech (v0).';
    COMMENT ON COLUMN public.sections.id IS 'Identifies the section.';
    COMMENT ON COLUMN public.sections.project_id IS 'The project whose mémoire this section belongs to; deleting the project deletes it.';
    COMMENT ON COLUMN public.sections.section_type IS 'Free-text kind of section as v0 stored it (e.g. methodologie); generation_requests use the memoire_section_type enum.';
    COMMENT ON COLUMN public.sections.title IS 'Heading printed in the mémoire.';
    COMMENT ON COLUMN public.sections.content IS 'The section''s text, written or generated then reviewed.';
    COMMENT ON COLUMN public.sections.position IS 'Order of the section in the mémoire.';
    COMMENT ON COLUMN public.sections.created_at IS 'When the section was added.';
    created := created || 'sections'::text;
  END IF;

  IF to_regclass('public.document_chunks') IS NULL THEN
    -- pgvector's type where the extension is installed (in whatever schema holds it),
    -- a plain array elsewhere: the RAG code reads the column either way.
    SELECT format('%I.vector(1536)', n.nspname) INTO embedding_type
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'vector';
    EXECUTE format($ddl$
      CREATE TABLE public.document_chunks (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        memoire_id  uuid NOT NULL REFERENCES public.memoires ON DELETE CASCADE,
        chunk_index integer,
        content     text NOT NULL,
        embedding   %s,
        metadata    jsonb,
        created_at  timestamptz DEFAULT now()
      )$ddl$, coalesce(embedding_type, 'real[]'));
    COMMENT ON TABLE public.document_chunks IS
      'Pieces of memoires with their embeddings, read by the RAG code. Predates memtech (v0); memtech never changes its structure.';
    COMMENT ON COLUMN public.document_chunks.id IS 'Identifies the chunk.';
    COMMENT ON COLUMN public.document_chunks.memoire_id IS 'The memoire the chunk was cut from; its company is the chunk''s company.';
    COMMENT ON COLUMN public.document_chunks.chunk_index IS 'Position of the chunk in its memoire.';
    COMMENT ON COLUMN public.document_chunks.content IS 'The chunk''s text, returned to the generator as context.';
    COMMENT ON COLUMN public.document_chunks.embedding IS 'Embedding of content: vector(1536) where pgvector is installed, real[] elsewhere.';
    COMMENT ON COLUMN public.document_chunks.metadata IS 'What the chunker recorded (page, heading, ...).';
    COMMENT ON COLUMN public.document_chunks.created_at IS 'When the chunk was made.';
    created := created || 'document_chunks'::text;
  END IF;

  IF cardinality(created) > 0 THEN
    PERFORM pg_temp.memtech_notice('created the missing v0 table(s) %s', array_to_string(created, ', '));
    UPDATE memtech.installation
       SET created_tables = ARRAY(SELECT DISTINCT unnest(created_tables || created) ORDER BY 1);
  END IF;
END
$legacy$;
