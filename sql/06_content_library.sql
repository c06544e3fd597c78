-- The company's content library: reusable blocks (CVs, equipment, procedures, ...), the
-- files behind them, past projects to cite as references, and section templates.
-- Links between these rows carry company_id in their foreign keys, so that a row can
-- only ever point at a row of the same company.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('content library'); END $$;

CREATE TABLE IF NOT EXISTS public.content_blocks ();
-- The "squawk-ignore" lines: the table was created empty just above (or is a hand-made one the
-- preflight found compatible), so required columns and a volatile default cost nothing;
-- on a hand-made table with rows they fail and the whole install rolls back. Integer
-- columns are the specification's, far from their limit.
ALTER TABLE public.content_blocks
  -- squawk-ignore adding-field-with-default
  ADD COLUMN IF NOT EXISTS id         uuid NOT NULL DEFAULT gen_random_uuid(),
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS company_id uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS type       text NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS title      text NOT NULL,
  ADD COLUMN IF NOT EXISTS content    text NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS metadata   jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS tags       text[] NOT NULL DEFAULT '{}',
  -- squawk-ignore prefer-bigint-over-int
  ADD COLUMN IF NOT EXISTS version    integer NOT NULL DEFAULT 1,
  ADD COLUMN IF NOT EXISTS is_active  boolean NOT NULL DEFAULT true,
  ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS created_by uuid;

-- A block's tags as rows (filled by module 26 from content_blocks.tags, the one place
-- tags are written): a tenant's "blocks with these tags" is then text equality, which
-- can use an index under row level security, where tags @> '{...}' cannot.
CREATE TABLE IF NOT EXISTS public.content_block_tags ();
ALTER TABLE public.content_block_tags
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS company_id uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS block_id   uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS tag        text NOT NULL;

CREATE TABLE IF NOT EXISTS public.files ();
ALTER TABLE public.files
  -- squawk-ignore adding-field-with-default
  ADD COLUMN IF NOT EXISTS id          uuid NOT NULL DEFAULT gen_random_uuid(),
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS company_id  uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS filename    text NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS file_type   text NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS storage_url text NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS size_bytes  bigint NOT NULL,
  ADD COLUMN IF NOT EXISTS uploaded_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS uploaded_by uuid,
  ADD COLUMN IF NOT EXISTS metadata    jsonb NOT NULL DEFAULT '{}';

CREATE TABLE IF NOT EXISTS public.block_files ();
ALTER TABLE public.block_files
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS block_id     uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS file_id      uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS company_id   uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS relationship public.block_file_relationship NOT NULL;

CREATE TABLE IF NOT EXISTS public.past_projects ();
ALTER TABLE public.past_projects
  -- squawk-ignore adding-field-with-default
  ADD COLUMN IF NOT EXISTS id               uuid NOT NULL DEFAULT gen_random_uuid(),
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS company_id       uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS name             text NOT NULL,
  ADD COLUMN IF NOT EXISTS client           text,
  -- squawk-ignore prefer-bigint-over-int
  ADD COLUMN IF NOT EXISTS year             integer,
  ADD COLUMN IF NOT EXISTS project_type     text,
  ADD COLUMN IF NOT EXISTS description      text,
  ADD COLUMN IF NOT EXISTS techniques_used  text[] NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS success_factors  text[] NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS photos           text[] NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS is_referenceable boolean NOT NULL DEFAULT true,
  ADD COLUMN IF NOT EXISTS metadata         jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS created_at       timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS updated_at       timestamptz NOT NULL DEFAULT now();

CREATE TABLE IF NOT EXISTS public.section_templates ();
ALTER TABLE public.section_templates
  -- squawk-ignore adding-field-with-default
  ADD COLUMN IF NOT EXISTS id               uuid NOT NULL DEFAULT gen_random_uuid(),
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS company_id       uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS section_type     public.memoire_section_type NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS title            text NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS template_content text NOT NULL,
  ADD COLUMN IF NOT EXISTS placeholders     jsonb NOT NULL DEFAULT '{}',
  -- squawk-ignore prefer-bigint-over-int
  ADD COLUMN IF NOT EXISTS usage_count      integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS created_at       timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS updated_at       timestamptz NOT NULL DEFAULT now();

DO $$
BEGIN
  PERFORM pg_temp.memtech_ensure_constraint('public.content_blocks', 'content_blocks_pkey', 'PRIMARY KEY (id)');
  -- (company_id, id) is what the same-company foreign keys of block_files point at.
  PERFORM pg_temp.memtech_ensure_constraint('public.content_blocks', 'content_blocks_company_id_id_key', 'UNIQUE (company_id, id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.content_blocks', 'content_blocks_company_id_fkey',
    'FOREIGN KEY (company_id) REFERENCES public.companies (id) ON DELETE CASCADE');
  PERFORM pg_temp.memtech_ensure_constraint('public.content_blocks', 'content_blocks_created_by_fkey',
    'FOREIGN KEY (created_by) REFERENCES public.users (id) ON DELETE SET NULL');
  PERFORM pg_temp.memtech_enum_as_text('public.content_blocks', 'type', 'public.content_block_type');
  PERFORM pg_temp.memtech_ensure_constraint('public.content_blocks', 'content_blocks_title_not_blank', $c$CHECK (btrim(title) <> '')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.content_blocks', 'content_blocks_metadata_is_object',
    $c$CHECK (jsonb_typeof(metadata) = 'object')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.content_blocks', 'content_blocks_version_positive', 'CHECK (version >= 1)');

  -- Led by (company_id, tag): a tenant's tag filter is one range of this index; the
  -- triggers of module 26 find each row they remove by the whole key.
  PERFORM pg_temp.memtech_ensure_constraint('public.content_block_tags', 'content_block_tags_pkey',
    'PRIMARY KEY (company_id, tag, block_id)');

  PERFORM pg_temp.memtech_ensure_constraint('public.files', 'files_pkey', 'PRIMARY KEY (id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.files', 'files_company_id_id_key', 'UNIQUE (company_id, id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.files', 'files_company_id_fkey',
    'FOREIGN KEY (company_id) REFERENCES public.companies (id) ON DELETE CASCADE');
  PERFORM pg_temp.memtech_ensure_constraint('public.files', 'files_uploaded_by_fkey',
    'FOREIGN KEY (uploaded_by) REFERENCES public.users (id) ON DELETE SET NULL');
  PERFORM pg_temp.memtech_ensure_constraint('public.files', 'files_filename_not_blank', $c$CHECK (btrim(filename) <> '')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.files', 'files_storage_url_not_blank', $c$CHECK (btrim(storage_url) <> '')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.files', 'files_size_not_negative', 'CHECK (size_bytes >= 0)');
  PERFORM pg_temp.memtech_ensure_constraint('public.files', 'files_metadata_is_object', $c$CHECK (jsonb_typeof(metadata) = 'object')$c$);

  PERFORM pg_temp.memtech_ensure_constraint('public.block_files', 'block_files_pkey', 'PRIMARY KEY (block_id, file_id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.block_files', 'block_files_block_fkey',
    'FOREIGN KEY (company_id, block_id) REFERENCES public.content_blocks (company_id, id) ON DELETE CASCADE');
  PERFORM pg_temp.memtech_ensure_constraint('public.block_files', 'block_files_file_fkey',
    'FOREIGN KEY (company_id, file_id) REFERENCES public.files (company_id, id) ON DELETE CASCADE');

  PERFORM pg_temp.memtech_ensure_constraint('public.past_projects', 'past_projects_pkey', 'PRIMARY KEY (id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.past_projects', 'past_projects_company_id_fkey',
    'FOREIGN KEY (company_id) REFERENCES public.companies (id) ON DELETE CASCADE');
  PERFORM pg_temp.memtech_ensure_constraint('public.past_projects', 'past_projects_name_not_blank', $c$CHECK (btrim(name) <> '')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.past_projects', 'past_projects_year_plausible', 'CHECK (year BETWEEN 1900 AND 2100)');
  PERFORM pg_temp.memtech_ensure_constraint('public.past_projects', 'past_projects_metadata_is_object',
    $c$CHECK (jsonb_typeof(metadata) = 'object')$c$);

  PERFORM pg_temp.memtech_ensure_constraint('public.section_templates', 'section_templates_pkey', 'PRIMARY KEY (id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.section_templates', 'section_templates_company_id_fkey',
    'FOREIGN KEY (company_id) REFERENCES public.companies (id) ON DELETE CASCADE');
  PERFORM pg_temp.memtech_ensure_constraint('public.section_templates', 'section_templates_title_not_blank', $c$CHECK (btrim(title) <> '')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.section_templates', 'section_templates_usage_count_not_negative', 'CHECK (usage_count >= 0)');
END
$$;

-- The specification's indexes, then one under every foreign key not already led by one,
-- and one on each company_id for row level security.
CREATE INDEX IF NOT EXISTS idx_content_blocks_company ON public.content_blocks (company_id);
CREATE INDEX IF NOT EXISTS idx_content_blocks_type ON public.content_blocks (type);
CREATE INDEX IF NOT EXISTS idx_content_blocks_tags ON public.content_blocks USING gin (tags);
-- Type within the company: under row level security the planner takes every company for
-- an average one, and this serves a tenant's "blocks of a type" in one range whatever the
-- company's size.
CREATE INDEX IF NOT EXISTS content_blocks_company_type_idx ON public.content_blocks (company_id, type);
CREATE INDEX IF NOT EXISTS idx_content_blocks_active ON public.content_blocks (is_active) WHERE is_active = true;
CREATE INDEX IF NOT EXISTS idx_past_projects_company ON public.past_projects (company_id);
CREATE INDEX IF NOT EXISTS idx_past_projects_type ON public.past_projects (project_type);
CREATE INDEX IF NOT EXISTS content_blocks_created_by_idx ON public.content_blocks (created_by);
CREATE INDEX IF NOT EXISTS files_uploaded_by_idx ON public.files (uploaded_by);
CREATE INDEX IF NOT EXISTS block_files_file_id_idx ON public.block_files (file_id);
CREATE INDEX IF NOT EXISTS block_files_company_id_idx ON public.block_files (company_id);
CREATE INDEX IF NOT EXISTS section_templates_company_id_idx ON public.section_templates (company_id);

COMMENT ON TABLE public.content_blocks IS
  'Reusable know-how of a company (CVs, equipment, procedures, certifications, ...), matched to a tender''s requirements and quoted in its mémoires.';
COMMENT ON COLUMN public.content_blocks.id IS 'Identifies the block; content_matches and sections cite it.';
COMMENT ON COLUMN public.content_blocks.company_id IS 'The owning company: the block is invisible to every other.';
COMMENT ON COLUMN public.content_blocks.type IS 'Kind of content (a label of enum content_block_type, checked); decides what metadata holds. Text rather than the enum so that a tenant''s filter by type can use an index under row level security (text = is leakproof, enum = is not).';
COMMENT ON COLUMN public.content_blocks.title IS 'Name of the block in the library (e.g. a person''s name for a CV).';
COMMENT ON COLUMN public.content_blocks.content IS 'The text quoted or adapted in mémoires; empty when the block is only its files.';
COMMENT ON COLUMN public.content_blocks.metadata IS 'Fields proper to the type (a CV''s years of experience, a machine''s capacity, ...), as a JSON object.';
COMMENT ON COLUMN public.content_blocks.tags IS 'Free keywords used to match blocks to requirements.';
COMMENT ON COLUMN public.content_blocks.version IS 'Starts at 1; grows with each saved change to the content, so a mémoire can say which version it quoted.';
COMMENT ON COLUMN public.content_blocks.is_active IS 'False for a retired block: kept for the mémoires that quoted it, no longer proposed.';
COMMENT ON COLUMN public.content_blocks.created_at IS 'When the block was created.';
COMMENT ON COLUMN public.content_blocks.updated_at IS 'When the block was last changed (kept by a trigger).';
COMMENT ON COLUMN public.content_blocks.created_by IS 'Author; NULL once that user is deleted.';

COMMENT ON TABLE public.content_block_tags IS
  'One row per tag of a content block, kept by triggers from content_blocks.tags (write tags there; clients only read this). Filter blocks by tag here: text equality can use an index under row level security, array containment on content_blocks.tags cannot, and a tenant''s tags @> filter reads every block of its company. A load that bypasses triggers must call memtech.sync_block_tags() afterwards.';
COMMENT ON COLUMN public.content_block_tags.company_id IS 'The block''s company: first in the key, so that a tenant''s lookups stay in its company''s part of the index.';
COMMENT ON COLUMN public.content_block_tags.block_id IS 'The content block (content_blocks.id).';
COMMENT ON COLUMN public.content_block_tags.tag IS 'One of its tags, as written in content_blocks.tags.';

COMMENT ON TABLE public.files IS
  'Metadata of a file a company uploaded (the bytes are in object storage).';
COMMENT ON COLUMN public.files.id IS 'Identifies the file.';
COMMENT ON COLUMN public.files.company_id IS 'The owning company.';
COMMENT ON COLUMN public.files.filename IS 'Name as uploaded, shown to users.';
COMMENT ON COLUMN public.files.file_type IS 'MIME type or extension, to decide how to preview and parse it.';
COMMENT ON COLUMN public.files.storage_url IS 'Where the bytes are (S3 path).';
COMMENT ON COLUMN public.files.size_bytes IS 'Size of the stored object in bytes.';
COMMENT ON COLUMN public.files.uploaded_at IS 'When it was uploaded.';
COMMENT ON COLUMN public.files.uploaded_by IS 'Who uploaded it; NULL once that user is deleted.';
COMMENT ON COLUMN public.files.metadata IS 'What extraction found (pages, dimensions, expiry of a certificate, ...), as a JSON object.';

COMMENT ON TABLE public.block_files IS
  'Which files illustrate or prove which content blocks; deleting either side removes the link.';
COMMENT ON COLUMN public.block_files.block_id IS 'The content block.';
COMMENT ON COLUMN public.block_files.file_id IS 'The file attached to it.';
COMMENT ON COLUMN public.block_files.company_id IS 'Company of both the block and the file: part of both foreign keys, so a link can never cross companies.';
COMMENT ON COLUMN public.block_files.relationship IS 'What the file is to the block: see type block_file_relationship.';

COMMENT ON TABLE public.past_projects IS
  'Works the company completed, cited as references in mémoires.';
COMMENT ON COLUMN public.past_projects.id IS 'Identifies the reference.';
COMMENT ON COLUMN public.past_projects.company_id IS 'The owning company.';
COMMENT ON COLUMN public.past_projects.name IS 'Name of the works (e.g. Réhabilitation du groupe scolaire Jules Ferry).';
COMMENT ON COLUMN public.past_projects.client IS 'Maître d''ouvrage.';
COMMENT ON COLUMN public.past_projects.year IS 'Year of completion.';
COMMENT ON COLUMN public.past_projects.project_type IS 'Kind of works, to find references similar to a tender.';
COMMENT ON COLUMN public.past_projects.description IS 'What was done, as it may be quoted.';
COMMENT ON COLUMN public.past_projects.techniques_used IS 'Techniques the works used, matched against a tender''s.';
COMMENT ON COLUMN public.past_projects.success_factors IS 'What made the works a success, to argue with.';
COMMENT ON COLUMN public.past_projects.photos IS 'Photo locations (S3 paths).';
COMMENT ON COLUMN public.past_projects.is_referenceable IS 'False when the client did not agree to be cited.';
COMMENT ON COLUMN public.past_projects.metadata IS 'Further facts (amount, duration, surface, ...), as a JSON object.';
COMMENT ON COLUMN public.past_projects.created_at IS 'When it was entered.';
COMMENT ON COLUMN public.past_projects.updated_at IS 'When it was last changed (kept by a trigger).';

COMMENT ON TABLE public.section_templates IS
  'A company''s model text for a kind of section, with placeholders the generator fills per tender.';
COMMENT ON COLUMN public.section_templates.id IS 'Identifies the template.';
COMMENT ON COLUMN public.section_templates.company_id IS 'The owning company.';
COMMENT ON COLUMN public.section_templates.section_type IS 'The kind of section it writes: a label of enum memoire_section_type, the application''s codes of sections.section_type (e.g. methodologie).';
COMMENT ON COLUMN public.section_templates.title IS 'Name of the template.';
COMMENT ON COLUMN public.section_templates.template_content IS 'Model text with {{placeholders}}.';
COMMENT ON COLUMN public.section_templates.placeholders IS 'What each placeholder means and where its value comes from.';
COMMENT ON COLUMN public.section_templates.usage_count IS 'How many sections were written from it, to rank templates.';
COMMENT ON COLUMN public.section_templates.created_at IS 'When it was created.';
COMMENT ON COLUMN public.section_templates.updated_at IS 'When it was last changed (kept by a trigger).';
