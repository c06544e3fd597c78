-- projects, memoires and sections join the tenancy and the workflow: a company_id on each
-- (sections take their project's), the specification's new columns, their constraints and
-- indexes. This is the only module that locks the application's tables, so it takes the
-- locks late, all at once, and changes only the catalog where it can: new columns get
-- constant defaults (no rewrite), and checks and foreign keys on rows that predate them
-- are added NOT VALID (no scan). document_chunks keeps its structure.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('tenancy and workflow columns of projects, memoires and sections'); END $$;

-- From here the application's tables are locked until the install commits. The application's
-- views that module 27 will make security_invoker (PostgreSQL 15+) are locked in the same
-- attempt: ALTER VIEW waits for the view's readers, and a reader that came after this lock
-- would hold the view while it waits for the v0 tables, until the install gave up.
DO $$
BEGIN
  PERFORM pg_temp.memtech_lock_tables(ARRAY['public.projects', 'public.sections', 'public.memoires',
                                            'public.document_chunks']::regclass[]
    || ARRAY(SELECT x.relation::regclass FROM pg_temp.memtech_exposed_relations() x
              WHERE x.kind = 'view' AND current_setting('server_version_num')::int >= 150000
                AND pg_has_role(x.owner_oid, 'USAGE')));
END
$$;

-- The company that owns the rows already there, made once, and only if there are any.
DO $$
DECLARE
  legacy uuid := (SELECT legacy_company_id FROM memtech.installation);
  legacy_name text := coalesce(nullif(current_setting('memtech.legacy_company_name', true), ''),
                               'Entreprise (données existantes)');
  orphans boolean := false;
  t text;
BEGIN
  IF legacy IS NOT NULL AND EXISTS (SELECT 1 FROM public.companies WHERE id = legacy) THEN
    RETURN;
  END IF;
  FOR t IN SELECT m.table_name FROM pg_temp.memtech_tenant_table m WHERE m.company_from = 'legacy' ORDER BY 1 LOOP
    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ('public.' || t)::regclass
                 AND attname = 'company_id' AND NOT attisdropped) THEN
      EXECUTE format('SELECT %L OR EXISTS (SELECT 1 FROM public.%I WHERE company_id IS NULL)', orphans, t) INTO orphans;
    ELSE
      EXECUTE format('SELECT %L OR EXISTS (SELECT 1 FROM public.%I)', orphans, t) INTO orphans;
    END IF;
  END LOOP;
  IF orphans THEN
    INSERT INTO public.companies (name) VALUES (legacy_name) RETURNING id INTO legacy;
    UPDATE memtech.installation SET legacy_company_id = legacy;
    PERFORM pg_temp.memtech_notice('created company "%s" (%s) to own the existing projects and memoires',
                                   legacy_name, legacy::text);
  END IF;
END
$$;

DO $$
DECLARE
  legacy uuid := (SELECT legacy_company_id FROM memtech.installation);
BEGIN
  PERFORM pg_temp.memtech_add_company_id('public.projects', legacy);
  PERFORM pg_temp.memtech_add_company_id('public.memoires', legacy);
  PERFORM pg_temp.memtech_add_company_id('public.sections', legacy, 'public.projects');
END
$$;

-- Non-volatile defaults only: PostgreSQL evaluates them once and records the value in the
-- catalog instead of rewriting rows (updated_at of existing rows is the install's time).
ALTER TABLE public.projects
  ADD COLUMN IF NOT EXISTS created_by         uuid,
  ADD COLUMN IF NOT EXISTS client             text,
  ADD COLUMN IF NOT EXISTS location           text,
  ADD COLUMN IF NOT EXISTS lot                text,
  ADD COLUMN IF NOT EXISTS project_type       text,
  ADD COLUMN IF NOT EXISTS size               text,
  ADD COLUMN IF NOT EXISTS deadline           timestamptz,
  ADD COLUMN IF NOT EXISTS status             text NOT NULL DEFAULT 'draft',
  ADD COLUMN IF NOT EXISTS final_document_url text,
  ADD COLUMN IF NOT EXISTS metadata           jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS updated_at         timestamptz NOT NULL DEFAULT now();

ALTER TABLE public.memoires
  ADD COLUMN IF NOT EXISTS uploaded_by     uuid,
  ADD COLUMN IF NOT EXISTS project_type    text,
  ADD COLUMN IF NOT EXISTS techniques_used text[] NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS metadata        jsonb NOT NULL DEFAULT '{}';

ALTER TABLE public.sections
  ADD COLUMN IF NOT EXISTS generated_by_ai boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS source_blocks   uuid[] NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS quality_score   double precision,
  ADD COLUMN IF NOT EXISTS reviewed        boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS reviewer_id     uuid,
  ADD COLUMN IF NOT EXISTS reviewed_at     timestamptz,
  ADD COLUMN IF NOT EXISTS updated_at      timestamptz NOT NULL DEFAULT now();

DO $$
BEGIN
  PERFORM pg_temp.memtech_ensure_constraint('public.projects', 'projects_company_id_fkey',
    'FOREIGN KEY (company_id) REFERENCES public.companies (id) ON DELETE CASCADE', true);
  -- (company_id, id) is what the same-company foreign keys of the workflow tables point at.
  PERFORM pg_temp.memtech_ensure_constraint('public.projects', 'projects_company_id_id_key', 'UNIQUE (company_id, id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.projects', 'projects_created_by_fkey',
    'FOREIGN KEY (created_by) REFERENCES public.users (id) ON DELETE SET NULL', true);
  PERFORM pg_temp.memtech_enum_as_text('public.projects', 'status', 'public.project_status', true);
  PERFORM pg_temp.memtech_ensure_constraint('public.projects', 'projects_metadata_is_object',
    $c$CHECK (jsonb_typeof(metadata) = 'object')$c$, true);

  PERFORM pg_temp.memtech_ensure_constraint('public.memoires', 'memoires_company_id_fkey',
    'FOREIGN KEY (company_id) REFERENCES public.companies (id) ON DELETE CASCADE', true);
  PERFORM pg_temp.memtech_ensure_constraint('public.memoires', 'memoires_uploaded_by_fkey',
    'FOREIGN KEY (uploaded_by) REFERENCES public.users (id) ON DELETE SET NULL', true);
  PERFORM pg_temp.memtech_ensure_constraint('public.memoires', 'memoires_metadata_is_object',
    $c$CHECK (jsonb_typeof(metadata) = 'object')$c$, true);

  -- A section's company is its project's: it follows the project, and cannot differ.
  PERFORM pg_temp.memtech_ensure_constraint('public.sections', 'sections_project_company_fkey',
    'FOREIGN KEY (company_id, project_id) REFERENCES public.projects (company_id, id) ON UPDATE CASCADE ON DELETE CASCADE', true);
  PERFORM pg_temp.memtech_ensure_constraint('public.sections', 'sections_reviewer_id_fkey',
    'FOREIGN KEY (reviewer_id) REFERENCES public.users (id) ON DELETE SET NULL', true);
  PERFORM pg_temp.memtech_ensure_constraint('public.sections', 'sections_quality_score_between_0_and_1',
    'CHECK (quality_score BETWEEN 0 AND 1)', true);
END
$$;

-- squawk: CREATE INDEX CONCURRENTLY cannot run inside the install's one transaction, which
-- is what makes it all-or-nothing; the tables are already locked by memtech_lock_tables
-- above, so a plain build costs no extra lock. But readers of the v0 tables wait for as long
-- as the lock is held, so the builds are kept small (docs/benchmarks.md, part 3).
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX IF NOT EXISTS idx_projects_company_status ON public.projects (company_id, status);
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX IF NOT EXISTS memoires_company_id_idx ON public.memoires (company_id);
-- The indexes on the new author and reviewer columns serve the foreign keys' ON DELETE SET
-- NULL; on a large table they are left to build/finish.sql (see memtech_index_new_column).
DO $$
BEGIN
  PERFORM pg_temp.memtech_index_new_column('public.projects', 'projects_created_by_idx', 'created_by');
  PERFORM pg_temp.memtech_index_new_column('public.memoires', 'memoires_uploaded_by_idx', 'uploaded_by');
  PERFORM pg_temp.memtech_index_new_column('public.sections', 'sections_reviewer_id_idx', 'reviewer_id');
END
$$;
-- Sections have no index led by company_id: the application reaches them through their
-- project, and the index on project_id below gives a project's sections in one short
-- range, whatever the company's size; it also serves the composite foreign key. An index
-- on company_id would not only cost a build over every v0 section under the lock: the
-- planner, which takes every company for an average one, combines it with project_id's
-- and then reads all of a large company's sections (docs/benchmarks.md, part 4).
-- sections.project_id is the application's own column: index it only if nothing does yet,
-- and remember it, so that the uninstall never drops an index of the application's.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = 'public.sections'::regclass AND indisvalid
                   AND indkey[0] = (SELECT attnum FROM pg_attribute
                                     WHERE attrelid = 'public.sections'::regclass AND attname = 'project_id')) THEN
    PERFORM pg_temp.memtech_notice('indexing sections.project_id (build/prepare.sql does it without locking)');
    -- An index of that name left invalid by an interrupted prepare goes.
    IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('public.sections_project_id_idx') AND NOT indisvalid) THEN
      DROP INDEX public.sections_project_id_idx;
    END IF;
    CREATE INDEX sections_project_id_idx ON public.sections (project_id);
    UPDATE memtech.installation SET created_indexes = created_indexes || 'public.sections_project_id_idx'::text;
  END IF;
END
$$;

-- A document_chunks the install created (module 03, on a database without one) is the
-- package's to index: the RAG path from a company's memoires to their chunks, and the
-- cascade from memoires, look chunks up by memoire_id. It goes with the table. One the
-- application brought keeps its structure and indexes exactly (build/prepare.sql builds
-- this index there, concurrently, for whoever wants it).
DO $$
BEGIN
  IF 'document_chunks' = ANY (coalesce((SELECT created_tables FROM memtech.installation), '{}'))
     AND NOT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = 'public.document_chunks'::regclass AND indisvalid
                       AND indkey[0] = (SELECT attnum FROM pg_attribute
                                         WHERE attrelid = 'public.document_chunks'::regclass AND attname = 'memoire_id')) THEN
    PERFORM pg_temp.memtech_notice('indexing document_chunks.memoire_id, the table the install created');
    IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('public.document_chunks_memoire_id_idx') AND NOT indisvalid) THEN
      DROP INDEX public.document_chunks_memoire_id_idx;
    END IF;
    CREATE INDEX document_chunks_memoire_id_idx ON public.document_chunks (memoire_id);
  END IF;
END
$$;

-- The indexes build/prepare.sql built (concurrently, before the install) are the package's:
-- the uninstall drops them with the rest.
UPDATE memtech.installation i
   SET created_indexes = i.created_indexes || ARRAY(
         SELECT format('public.%I', c.relname) FROM pg_class c
          WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'i'
            AND obj_description(c.oid, 'pg_class') LIKE 'memtech: built before the install%'
            AND NOT format('public.%I', c.relname) = ANY (i.created_indexes)
          ORDER BY c.relname);

COMMENT ON COLUMN public.projects.company_id IS 'The company answering the tender: the project and everything under it are invisible to every other.';
COMMENT ON COLUMN public.projects.created_by IS 'Who opened the project; NULL once that user is deleted.';
COMMENT ON COLUMN public.projects.client IS 'Maître d''ouvrage (the buyer who issued the tender).';
COMMENT ON COLUMN public.projects.location IS 'Where the works are.';
COMMENT ON COLUMN public.projects.lot IS 'Lot(s) of the tender the company answers (e.g. Lot 02 – Gros œuvre).';
COMMENT ON COLUMN public.projects.project_type IS 'Kind of works, to find similar references and templates.';
COMMENT ON COLUMN public.projects.size IS 'Size of the works as the RC states it (surface, amount, ...), free text.';
COMMENT ON COLUMN public.projects.deadline IS 'When the offer must be submitted.';
COMMENT ON COLUMN public.projects.status IS 'Where the project stands in the workflow (a label of enum project_status, checked); v0 projects start as draft. Text so that a tenant''s filter by status can use an index under row level security; sort in workflow order with ORDER BY status::project_status.';
COMMENT ON COLUMN public.projects.final_document_url IS 'The submitted mémoire (S3 path), once there is one.';
COMMENT ON COLUMN public.projects.metadata IS 'Further facts about the tender, as a JSON object.';
COMMENT ON COLUMN public.projects.updated_at IS 'When the project last changed (kept by a trigger); the install''s time for projects that predate it.';
COMMENT ON COLUMN public.memoires.company_id IS 'The company whose know-how the memoire holds: its chunks are retrieved for that company only.';
COMMENT ON COLUMN public.memoires.uploaded_by IS 'Who added it; NULL once that user is deleted.';
COMMENT ON COLUMN public.memoires.project_type IS 'Kind of works the memoire answered, to retrieve similar ones.';
COMMENT ON COLUMN public.memoires.techniques_used IS 'Techniques the memoire describes, for retrieval.';
COMMENT ON COLUMN public.memoires.metadata IS 'Further facts (tender, outcome, score obtained, ...), as a JSON object.';
COMMENT ON COLUMN public.sections.company_id IS 'Always the project''s company (filled from it on insert when not given, follows it on change): lets row level security check a section without a join.';
COMMENT ON COLUMN public.sections.generated_by_ai IS 'True when the text came from the generator rather than a person.';
COMMENT ON COLUMN public.sections.source_blocks IS 'Content blocks the section was written from, for traceability.';
COMMENT ON COLUMN public.sections.quality_score IS 'Generator''s or reviewer''s score between 0 and 1; NULL if not scored.';
COMMENT ON COLUMN public.sections.reviewed IS 'True once a person has checked the section.';
COMMENT ON COLUMN public.sections.reviewer_id IS 'Who reviewed it; NULL if nobody has, or once that user is deleted.';
COMMENT ON COLUMN public.sections.reviewed_at IS 'When it was reviewed.';
COMMENT ON COLUMN public.sections.updated_at IS 'When the section last changed (kept by a trigger); the install''s time for sections that predate it.';
