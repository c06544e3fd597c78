-- A tender's workflow after the RC is read: the analysis of the RC, the matches of its
-- requirements to the content library, and the AI generation requests. Each row belongs
-- to a project, carries the project's company_id (filled in when not given, see
-- 20_tenant_context) and points at the project through (company_id, project_id), so it can never sit
-- under another company's project and follows its project if that ever moves.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('project workflow: rc_analysis, content_matches, generation_requests'); END $$;

CREATE TABLE IF NOT EXISTS public.rc_analysis ();
-- The "squawk-ignore" lines: the table was created empty just above (or is a hand-made one the
-- preflight found compatible), so required columns and a volatile default cost nothing;
-- on a hand-made table with rows they fail and the whole install rolls back. Integer
-- columns are the specification's, far from their limit.
ALTER TABLE public.rc_analysis
  -- squawk-ignore adding-field-with-default
  ADD COLUMN IF NOT EXISTS id                   uuid NOT NULL DEFAULT gen_random_uuid(),
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS company_id           uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS project_id           uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS rc_file_url          text NOT NULL,
  ADD COLUMN IF NOT EXISTS project_info         jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS required_sections    jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN IF NOT EXISTS special_requirements jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN IF NOT EXISTS format               jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS scoring_criteria     jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS analyzed_at          timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS confidence_score     double precision;

CREATE TABLE IF NOT EXISTS public.content_matches ();
ALTER TABLE public.content_matches
  -- squawk-ignore adding-field-with-default
  ADD COLUMN IF NOT EXISTS id               uuid NOT NULL DEFAULT gen_random_uuid(),
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS company_id       uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS project_id       uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS requirement_id   text NOT NULL,
  ADD COLUMN IF NOT EXISTS matched_blocks   uuid[] NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS confidence       double precision,
  ADD COLUMN IF NOT EXISTS match_reason     text,
  ADD COLUMN IF NOT EXISTS needs_generation boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS needs_upload     boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS approved         boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS created_at       timestamptz NOT NULL DEFAULT now();

CREATE TABLE IF NOT EXISTS public.generation_requests ();
ALTER TABLE public.generation_requests
  -- squawk-ignore adding-field-with-default
  ADD COLUMN IF NOT EXISTS id                uuid NOT NULL DEFAULT gen_random_uuid(),
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS company_id        uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS project_id        uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS section_type      public.memoire_section_type NOT NULL,
  ADD COLUMN IF NOT EXISTS status            public.generation_status NOT NULL DEFAULT 'pending',
  ADD COLUMN IF NOT EXISTS request_context   jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS generated_content text,
  ADD COLUMN IF NOT EXISTS quality_score     double precision,
  ADD COLUMN IF NOT EXISTS model_used        text,
  -- squawk-ignore prefer-bigint-over-int
  ADD COLUMN IF NOT EXISTS tokens_used       integer,
  ADD COLUMN IF NOT EXISTS cost_usd          numeric(12,6),
  ADD COLUMN IF NOT EXISTS latency_seconds   double precision,
  ADD COLUMN IF NOT EXISTS error_message     text,
  ADD COLUMN IF NOT EXISTS created_at        timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS completed_at      timestamptz;

DO $$
BEGIN
  PERFORM pg_temp.memtech_ensure_constraint('public.rc_analysis', 'rc_analysis_pkey', 'PRIMARY KEY (id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.rc_analysis', 'rc_analysis_project_id_key', 'UNIQUE (project_id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.rc_analysis', 'rc_analysis_project_fkey',
    'FOREIGN KEY (company_id, project_id) REFERENCES public.projects (company_id, id) ON UPDATE CASCADE ON DELETE CASCADE');
  PERFORM pg_temp.memtech_ensure_constraint('public.rc_analysis', 'rc_analysis_rc_file_url_not_blank',
    $c$CHECK (btrim(rc_file_url) <> '')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.rc_analysis', 'rc_analysis_required_sections_is_array',
    $c$CHECK (jsonb_typeof(required_sections) = 'array')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.rc_analysis', 'rc_analysis_special_requirements_is_array',
    $c$CHECK (jsonb_typeof(special_requirements) = 'array')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.rc_analysis', 'rc_analysis_confidence_score_between_0_and_1',
    'CHECK (confidence_score BETWEEN 0 AND 1)');

  PERFORM pg_temp.memtech_ensure_constraint('public.content_matches', 'content_matches_pkey', 'PRIMARY KEY (id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.content_matches', 'content_matches_project_requirement_key',
    'UNIQUE (project_id, requirement_id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.content_matches', 'content_matches_project_fkey',
    'FOREIGN KEY (company_id, project_id) REFERENCES public.projects (company_id, id) ON UPDATE CASCADE ON DELETE CASCADE');
  PERFORM pg_temp.memtech_ensure_constraint('public.content_matches', 'content_matches_requirement_id_not_blank',
    $c$CHECK (btrim(requirement_id) <> '')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.content_matches', 'content_matches_confidence_between_0_and_1',
    'CHECK (confidence BETWEEN 0 AND 1)');

  PERFORM pg_temp.memtech_ensure_constraint('public.generation_requests', 'generation_requests_pkey', 'PRIMARY KEY (id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.generation_requests', 'generation_requests_project_fkey',
    'FOREIGN KEY (company_id, project_id) REFERENCES public.projects (company_id, id) ON UPDATE CASCADE ON DELETE CASCADE');
  PERFORM pg_temp.memtech_ensure_constraint('public.generation_requests', 'generation_requests_quality_score_between_0_and_1',
    'CHECK (quality_score BETWEEN 0 AND 1)');
  PERFORM pg_temp.memtech_ensure_constraint('public.generation_requests', 'generation_requests_tokens_not_negative',
    'CHECK (tokens_used >= 0)');
  PERFORM pg_temp.memtech_ensure_constraint('public.generation_requests', 'generation_requests_cost_not_negative',
    'CHECK (cost_usd >= 0)');
  PERFORM pg_temp.memtech_ensure_constraint('public.generation_requests', 'generation_requests_latency_not_negative',
    'CHECK (latency_seconds >= 0)');
  PERFORM pg_temp.memtech_ensure_constraint('public.generation_requests', 'generation_requests_completed_has_content',
    $c$CHECK (status <> 'completed' OR generated_content IS NOT NULL)$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.generation_requests', 'generation_requests_failed_has_error',
    $c$CHECK (status <> 'failed' OR error_message IS NOT NULL)$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.generation_requests', 'generation_requests_completed_after_created',
    'CHECK (completed_at >= created_at)');
END
$$;

-- Foreign keys are led by project_id (rc_analysis's unique key and content_matches's
-- (project_id, requirement_id) key already are). Row level security's tenant path is
-- (company_id, project_id): a tenant's "this project's rows" is one index range, however
-- big the company.
CREATE INDEX IF NOT EXISTS generation_requests_project_id_idx ON public.generation_requests (project_id);
CREATE INDEX IF NOT EXISTS rc_analysis_company_project_idx ON public.rc_analysis (company_id, project_id);
CREATE INDEX IF NOT EXISTS content_matches_company_project_idx ON public.content_matches (company_id, project_id);
CREATE INDEX IF NOT EXISTS generation_requests_company_project_idx ON public.generation_requests (company_id, project_id);

COMMENT ON TABLE public.rc_analysis IS
  'What the parser read in a project''s RC (règlement de consultation): one analysis per project.';
COMMENT ON COLUMN public.rc_analysis.id IS 'Identifies the analysis.';
COMMENT ON COLUMN public.rc_analysis.company_id IS 'The project''s company (filled from the project when not given).';
COMMENT ON COLUMN public.rc_analysis.project_id IS 'The project whose RC this is; one analysis per project, deleted with it.';
COMMENT ON COLUMN public.rc_analysis.rc_file_url IS 'The RC document analysed (S3 path).';
COMMENT ON COLUMN public.rc_analysis.project_info IS 'Facts about the tender the RC gives (buyer, lots, dates, ...).';
COMMENT ON COLUMN public.rc_analysis.required_sections IS 'JSON array of the sections the mémoire must contain.';
COMMENT ON COLUMN public.rc_analysis.special_requirements IS 'JSON array of the requirements beyond the usual (visits, samples, variants, ...).';
COMMENT ON COLUMN public.rc_analysis.format IS 'Layout the RC imposes (pages, fonts, file format, ...).';
COMMENT ON COLUMN public.rc_analysis.scoring_criteria IS 'How offers are scored (criteria and weights), to weigh the sections.';
COMMENT ON COLUMN public.rc_analysis.analyzed_at IS 'When the analysis ran.';
COMMENT ON COLUMN public.rc_analysis.confidence_score IS 'Parser''s confidence between 0 and 1; low values call for a human check.';

COMMENT ON TABLE public.content_matches IS
  'For each requirement of a project''s RC, the library blocks that answer it, or what is missing.';
COMMENT ON COLUMN public.content_matches.id IS 'Identifies the match.';
COMMENT ON COLUMN public.content_matches.company_id IS 'The project''s company (filled from the project when not given).';
COMMENT ON COLUMN public.content_matches.project_id IS 'The project; deleting it deletes its matches.';
COMMENT ON COLUMN public.content_matches.requirement_id IS 'The requirement''s identifier within the RC analysis; one match per requirement and project.';
COMMENT ON COLUMN public.content_matches.matched_blocks IS 'Content blocks of the same company that answer the requirement, best first.';
COMMENT ON COLUMN public.content_matches.confidence IS 'Matcher''s confidence between 0 and 1.';
COMMENT ON COLUMN public.content_matches.match_reason IS 'Why these blocks were chosen, shown to the reviewer.';
COMMENT ON COLUMN public.content_matches.needs_generation IS 'True when the library falls short and the section must be generated.';
COMMENT ON COLUMN public.content_matches.needs_upload IS 'True when a document (certificate, CV, ...) is missing and must be uploaded.';
COMMENT ON COLUMN public.content_matches.approved IS 'True once a person has accepted the match.';
COMMENT ON COLUMN public.content_matches.created_at IS 'When the match was made.';

COMMENT ON TABLE public.generation_requests IS
  'Each call to the AI generator for a section of a project''s mémoire, with its outcome and cost.';
COMMENT ON COLUMN public.generation_requests.id IS 'Identifies the request.';
COMMENT ON COLUMN public.generation_requests.company_id IS 'The project''s company (filled from the project when not given).';
COMMENT ON COLUMN public.generation_requests.project_id IS 'The project; deleting it deletes its requests.';
COMMENT ON COLUMN public.generation_requests.section_type IS 'The kind of section asked for: a label of enum memoire_section_type, the application''s codes of sections.section_type (e.g. methodologie).';
COMMENT ON COLUMN public.generation_requests.status IS 'pending, in_progress, completed (with content) or failed (with an error message).';
COMMENT ON COLUMN public.generation_requests.request_context IS 'What the generator was given (requirements, blocks, template, ...).';
COMMENT ON COLUMN public.generation_requests.generated_content IS 'The text produced; required once completed.';
COMMENT ON COLUMN public.generation_requests.quality_score IS 'Evaluated quality between 0 and 1.';
COMMENT ON COLUMN public.generation_requests.model_used IS 'Model that answered, to compare models.';
COMMENT ON COLUMN public.generation_requests.tokens_used IS 'Tokens consumed, not negative.';
COMMENT ON COLUMN public.generation_requests.cost_usd IS 'What the call cost, in US dollars.';
COMMENT ON COLUMN public.generation_requests.latency_seconds IS 'How long the call took.';
COMMENT ON COLUMN public.generation_requests.error_message IS 'Why it failed; required once failed.';
COMMENT ON COLUMN public.generation_requests.created_at IS 'When it was requested.';
COMMENT ON COLUMN public.generation_requests.completed_at IS 'When it completed or failed; never before created_at.';
