-- The security audit trail: who did what to which row, from where. It outlives what it
-- records: when a user is deleted, their entries stay with user_id set to NULL; when a
-- company is deleted, its entries stay as they are (no longer readable through the API,
-- still there for the operator). company_id has no foreign key: checking and locking the
-- company's row for every entry was a large part of what the trail cost a write
-- (docs/benchmarks.md), and a company's deletion would have rewritten its whole trail.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('audit log'); END $$;

CREATE TABLE IF NOT EXISTS public.audit_log ();
-- The "squawk-ignore" lines: the table was created empty just above (or is a hand-made one the
-- preflight found compatible), so required columns and a volatile default cost nothing;
-- on a hand-made table with rows they fail and the whole install rolls back. Integer
-- columns are the specification's, far from their limit.
ALTER TABLE public.audit_log
  -- squawk-ignore adding-field-with-default
  ADD COLUMN IF NOT EXISTS id            uuid NOT NULL DEFAULT gen_random_uuid(),
  ADD COLUMN IF NOT EXISTS company_id    uuid,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS action        text NOT NULL,
  ADD COLUMN IF NOT EXISTS user_id       uuid,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS resource_type text NOT NULL,
  ADD COLUMN IF NOT EXISTS resource_id   uuid,
  ADD COLUMN IF NOT EXISTS details       jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS ip_address    inet,
  ADD COLUMN IF NOT EXISTS user_agent    text,
  ADD COLUMN IF NOT EXISTS "timestamp"   timestamptz NOT NULL DEFAULT now();

DO $$
BEGIN
  PERFORM pg_temp.memtech_ensure_constraint('public.audit_log', 'audit_log_pkey', 'PRIMARY KEY (id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.audit_log', 'audit_log_user_id_fkey',
    'FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE SET NULL');
  PERFORM pg_temp.memtech_ensure_constraint('public.audit_log', 'audit_log_action_not_blank', $c$CHECK (btrim(action) <> '')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.audit_log', 'audit_log_resource_type_not_blank',
    $c$CHECK (btrim(resource_type) <> '')$c$);
END
$$;

CREATE INDEX IF NOT EXISTS idx_audit_log_user ON public.audit_log (user_id, "timestamp");
CREATE INDEX IF NOT EXISTS idx_audit_log_resource ON public.audit_log (resource_type, resource_id);
CREATE INDEX IF NOT EXISTS audit_log_company_timestamp_idx ON public.audit_log (company_id, "timestamp");

COMMENT ON TABLE public.audit_log IS
  'Security audit trail of changes to tenant data: append-only, written by triggers only, and kept when its user or company is deleted.';
COMMENT ON COLUMN public.audit_log.id IS 'Identifies the entry.';
COMMENT ON COLUMN public.audit_log.company_id IS 'Company whose data was touched, so that its admins can read their own trail; NULL for work outside any company. No foreign key: entries keep the id of a deleted company.';
COMMENT ON COLUMN public.audit_log.action IS 'What was done (insert, update, delete, or an application event such as login).';
COMMENT ON COLUMN public.audit_log.user_id IS 'Who did it; NULL for system work, or once that user is deleted.';
COMMENT ON COLUMN public.audit_log.resource_type IS 'Kind of thing touched: the table name for data changes.';
COMMENT ON COLUMN public.audit_log.resource_id IS 'The row touched, when it has a uuid key.';
COMMENT ON COLUMN public.audit_log.details IS 'What changed: for an update the changed columns old and new, otherwise the row; secrets redacted.';
COMMENT ON COLUMN public.audit_log.ip_address IS 'Client address the request came from; NULL when unknown or malformed.';
COMMENT ON COLUMN public.audit_log.user_agent IS 'Client software the request came from.';
COMMENT ON COLUMN public.audit_log."timestamp" IS 'When it happened.';

-- ==== Upgrades from earlier versions =====================================================
-- What an install of an earlier release left here that this version does differently.

-- 0.1.0: audit_log.company_id had a foreign key, which every audited row paid for.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'public.audit_log'::regclass
                AND conname = 'audit_log_company_id_fkey') THEN
    PERFORM pg_temp.memtech_notice('dropping foreign key audit_log_company_id_fkey');
    ALTER TABLE public.audit_log DROP CONSTRAINT audit_log_company_id_fkey;
  END IF;
END
$$;
