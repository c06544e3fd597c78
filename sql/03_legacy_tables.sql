-- The v0 tables the application already has in production: memoires, projects, sections
-- and document_chunks. On a v0 database they are left as they are (the next modules add
-- columns to three of them); on an empty database they are created here exactly as v0 had
-- them, and the uninstall drops them again.

-- Before anything changes them, remember the privileges and row level security of the v0
-- tables the application already has (once: a re-run must not record its own changes).
INSERT INTO memtech.legacy_table_state (table_name, acl, row_security, force_row_security)
SELECT c.relname, c.relacl, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
   AND c.relname IN (SELECT m.table_name FROM pg_temp.memtech_tenant_table m WHERE m.origin = 'v0')
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
    created := created || 'memoires'::text;
  END IF;

  IF to_regclass('public.projects') IS NULL THEN
    CREATE TABLE public.projects (
      id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name        text NOT NULL,
      description text,
      created_at  timestamptz DEFAULT now()
    );
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
    created := created || 'document_chunks'::text;
  END IF;

  IF cardinality(created) > 0 THEN
    PERFORM pg_temp.memtech_notice('created the missing v0 table(s) %s', array_to_string(created, ', '));
    UPDATE memtech.installation
       SET created_tables = ARRAY(SELECT DISTINCT unnest(created_tables || created) ORDER BY 1);
  END IF;
END
$legacy$;

-- Document the v0 tables where the application has not: a comment is added only where
-- there is none, and remembered, so that the uninstall takes back exactly those.
-- document_chunks is documented only when the install created it: otherwise its
-- definition stays exactly the application's, comments included.
DO $$
DECLARE
  chunks_are_ours boolean := 'document_chunks' = ANY (coalesce((SELECT created_tables FROM memtech.installation), '{}'));
BEGIN
  PERFORM pg_temp.memtech_comment_if_missing('memoires', '',
    'Past mémoires techniques a company has written: the RAG corpus its new ones draw on. Predates memtech (v0).');
  PERFORM pg_temp.memtech_comment_if_missing('memoires', 'id',
    'Identifies the memoire; referenced by document_chunks.');
  PERFORM pg_temp.memtech_comment_if_missing('memoires', 'title',
    'Title as the company gave it, e.g. the tender''s name.');
  PERFORM pg_temp.memtech_comment_if_missing('memoires', 'filename',
    'Name of the uploaded file, if the memoire came from one.');
  PERFORM pg_temp.memtech_comment_if_missing('memoires', 'file_url',
    'Where the original file is stored (S3 path).');
  PERFORM pg_temp.memtech_comment_if_missing('memoires', 'content',
    'Full extracted text, chunked into document_chunks for retrieval.');
  PERFORM pg_temp.memtech_comment_if_missing('memoires', 'created_at',
    'When the memoire was added.');
  PERFORM pg_temp.memtech_comment_if_missing('projects', '',
    'A tender the company answers: from the RC analysis through matching and generation to the submitted mémoire. Predates memtech (v0).');
  PERFORM pg_temp.memtech_comment_if_missing('projects', 'id',
    'Identifies the project; referenced by sections and the workflow tables.');
  PERFORM pg_temp.memtech_comment_if_missing('projects', 'name',
    'The tender''s name as the company refers to it.');
  PERFORM pg_temp.memtech_comment_if_missing('projects', 'description',
    'Free notes on the tender.');
  PERFORM pg_temp.memtech_comment_if_missing('projects', 'created_at',
    'When the project was opened.');
  PERFORM pg_temp.memtech_comment_if_missing('sections', '',
    'The sections of a project''s mémoire, in order. Predates memtech (v0).');
  PERFORM pg_temp.memtech_comment_if_missing('sections', 'id',
    'Identifies the section.');
  PERFORM pg_temp.memtech_comment_if_missing('sections', 'project_id',
    'The project whose mémoire this section belongs to; deleting the project deletes it.');
  PERFORM pg_temp.memtech_comment_if_missing('sections', 'section_type',
    'The application''s code for the kind of section (e.g. methodologie), free text as v0 stored it; the install makes its values the labels of enum memoire_section_type, which section_templates and generation_requests use.');
  PERFORM pg_temp.memtech_comment_if_missing('sections', 'title',
    'Heading printed in the mémoire.');
  PERFORM pg_temp.memtech_comment_if_missing('sections', 'content',
    'The section''s text, written or generated then reviewed.');
  PERFORM pg_temp.memtech_comment_if_missing('sections', 'position',
    'Order of the section in the mémoire.');
  PERFORM pg_temp.memtech_comment_if_missing('sections', 'created_at',
    'When the section was added.');
  IF chunks_are_ours THEN PERFORM pg_temp.memtech_comment_if_missing('document_chunks', '',
    'Pieces of memoires with their embeddings, read by the RAG code. Predates memtech (v0); memtech never changes its structure.'); END IF;
  IF chunks_are_ours THEN PERFORM pg_temp.memtech_comment_if_missing('document_chunks', 'id',
    'Identifies the chunk.'); END IF;
  IF chunks_are_ours THEN PERFORM pg_temp.memtech_comment_if_missing('document_chunks', 'memoire_id',
    'The memoire the chunk was cut from; its company is the chunk''s company.'); END IF;
  IF chunks_are_ours THEN PERFORM pg_temp.memtech_comment_if_missing('document_chunks', 'chunk_index',
    'Position of the chunk in its memoire.'); END IF;
  IF chunks_are_ours THEN PERFORM pg_temp.memtech_comment_if_missing('document_chunks', 'content',
    'The chunk''s text, returned to the generator as context.'); END IF;
  IF chunks_are_ours THEN PERFORM pg_temp.memtech_comment_if_missing('document_chunks', 'embedding',
    'Embedding of content: vector(1536) where pgvector is installed, real[] elsewhere.'); END IF;
  IF chunks_are_ours THEN PERFORM pg_temp.memtech_comment_if_missing('document_chunks', 'metadata',
    'What the chunker recorded (page, heading, ...).'); END IF;
  IF chunks_are_ours THEN PERFORM pg_temp.memtech_comment_if_missing('document_chunks', 'created_at',
    'When the chunk was made.'); END IF;
END
$$;
