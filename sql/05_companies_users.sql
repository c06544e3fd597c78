-- Tenants and their people. Every other tenant table hangs off companies.id, so deleting
-- a company deletes everything it owns; users belong to exactly one company.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('companies and users'); END $$;

-- Tables are declared column by column (ADD COLUMN IF NOT EXISTS) so that the same
-- statements create them on a new database and complete a hand-made or older one.
CREATE TABLE IF NOT EXISTS public.companies ();
-- The "squawk-ignore" lines: the table was created empty just above (or is a hand-made one the
-- preflight found compatible), so required columns and a volatile default cost nothing;
-- on a hand-made table with rows they fail and the whole install rolls back. Integer
-- columns are the specification's, far from their limit.
ALTER TABLE public.companies
  -- squawk-ignore adding-field-with-default
  ADD COLUMN IF NOT EXISTS id             uuid NOT NULL DEFAULT gen_random_uuid(),
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS name           text NOT NULL,
  ADD COLUMN IF NOT EXISTS address        text,
  ADD COLUMN IF NOT EXISTS city           text,
  ADD COLUMN IF NOT EXISTS postal_code    text,
  ADD COLUMN IF NOT EXISTS phone          text,
  ADD COLUMN IF NOT EXISTS email          text,
  ADD COLUMN IF NOT EXISTS logo_url       text,
  ADD COLUMN IF NOT EXISTS certifications text[] NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS settings       jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS created_at     timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS updated_at     timestamptz NOT NULL DEFAULT now();

CREATE TABLE IF NOT EXISTS public.users ();
ALTER TABLE public.users
  -- squawk-ignore adding-field-with-default
  ADD COLUMN IF NOT EXISTS id            uuid NOT NULL DEFAULT gen_random_uuid(),
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS company_id    uuid NOT NULL,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS email         text NOT NULL,
  ADD COLUMN IF NOT EXISTS password_hash text,
  -- squawk-ignore adding-required-field
  ADD COLUMN IF NOT EXISTS full_name     text NOT NULL,
  ADD COLUMN IF NOT EXISTS role          public.user_role NOT NULL DEFAULT 'user',
  ADD COLUMN IF NOT EXISTS is_active     boolean NOT NULL DEFAULT true,
  ADD COLUMN IF NOT EXISTS created_at    timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS last_login    timestamptz,
  ADD COLUMN IF NOT EXISTS updated_at    timestamptz NOT NULL DEFAULT now();

DO $$
BEGIN
  PERFORM pg_temp.memtech_ensure_constraint('public.companies', 'companies_pkey', 'PRIMARY KEY (id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.companies', 'companies_name_not_blank', $c$CHECK (btrim(name) <> '')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.companies', 'companies_email_format',
    $c$CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.companies', 'companies_settings_is_object',
    $c$CHECK (jsonb_typeof(settings) = 'object')$c$);

  PERFORM pg_temp.memtech_ensure_constraint('public.users', 'users_pkey', 'PRIMARY KEY (id)');
  PERFORM pg_temp.memtech_ensure_constraint('public.users', 'users_company_id_fkey',
    'FOREIGN KEY (company_id) REFERENCES public.companies (id) ON DELETE CASCADE');
  PERFORM pg_temp.memtech_ensure_constraint('public.users', 'users_email_format',
    $c$CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$')$c$);
  PERFORM pg_temp.memtech_ensure_constraint('public.users', 'users_full_name_not_blank', $c$CHECK (btrim(full_name) <> '')$c$);
  -- A password is stored only as a hash, in the text form of a mainstream library (the
  -- formats are listed in the column's comment below); NULL means the user cannot sign in
  -- with a password (invited, or signs in through SSO). What is plainly not such a hash, a
  -- password or a bare digest, is refused. Earlier versions accepted fewer formats: their
  -- constraint is replaced, validated against the users there (every hash it let in is
  -- still accepted).
  PERFORM pg_temp.memtech_converge_check('public.users', 'users_password_hash_is_a_hash', $c$CHECK (
       password_hash ~ '^(bcrypt(_sha256)?\$)?\$2[abxy]?\$[0-9]{2}\$[./A-Za-z0-9]{53}$'
    OR password_hash ~ '^\$bcrypt-sha256\$(v=2,t=2[ab],r=[0-9]{1,2}|2[ab],[0-9]{1,2})\$[./A-Za-z0-9]{22}\$[./A-Za-z0-9]{31}$'
    OR password_hash ~ '^(argon2)?\$argon2(id|i|d)\$(v=[0-9]+\$)?m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]{11,}={0,2}\$[A-Za-z0-9+/]{16,}={0,2}$'
    OR password_hash ~ '^\$scrypt\$ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/.]{11,}={0,2}\$[A-Za-z0-9+/.]{16,}={0,2}$'
    OR password_hash ~ '^scrypt\$[0-9]+\$[^$\s]+\$[0-9]+\$[0-9]+\$[A-Za-z0-9+/]{22,}={0,2}$'
    OR password_hash ~ '^scrypt:[0-9]+:[0-9]+:[0-9]+\$[^$\s]+\$[0-9a-f]{32,}$'
    OR password_hash ~ '^pbkdf2:sha(1|224|256|384|512)(:[0-9]+)?\$[^$\s]+\$[0-9a-f]{40,}$'
    OR password_hash ~ '^pbkdf2_sha(1|256)\$[0-9]+\$[^$\s]+\$[A-Za-z0-9+/]{27,}={0,2}$'
    OR password_hash ~ '^\$pbkdf2(-sha(1|256|512))?\$([0-9]+|i=[0-9]+(,l=[0-9]+)?)\$[A-Za-z0-9+/.]{8,}={0,2}\$[A-Za-z0-9+/.]{22,}={0,2}$'
    OR password_hash ~ '^\$6\$(rounds=[0-9]+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{86}$'
    OR password_hash ~ '^\$5\$(rounds=[0-9]+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43}$')$c$);
END
$$;

CREATE INDEX IF NOT EXISTS idx_users_company ON public.users (company_id);

-- One address, one user, whatever the letter case: the address is stored in lower case (a
-- trigger lowers what is written), so the specification's index on (email) is the unique
-- one, and INSERT ... ON CONFLICT (email) finds a user however the client wrote the
-- address. BEFORE INSERT triggers run before PostgreSQL looks for the conflicting row.
CREATE OR REPLACE FUNCTION memtech.lower_user_email() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  NEW.email := lower(NEW.email);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION memtech.lower_user_email() IS
  'BEFORE INSERT OR UPDATE OF email trigger on users: stores the address in lower case, so that the unique index on users (email) makes addresses unique whatever their case and ON CONFLICT (email) finds them.';
REVOKE ALL ON FUNCTION memtech.lower_user_email() FROM PUBLIC;
CREATE OR REPLACE TRIGGER users_lower_email BEFORE INSERT OR UPDATE OF email ON public.users
  FOR EACH ROW EXECUTE FUNCTION memtech.lower_user_email();
COMMENT ON TRIGGER users_lower_email ON public.users IS
  'Stores users.email in lower case: one address, one user, whatever the case it is written in.';

-- ==== Upgrade from 0.1.0 to 0.3.0, before the unique index below can be built ===========
-- They kept the address as written, unique through an index on lower(email): lower the
-- addresses that have capitals (that index made them unique once lowered; on a table
-- without it, addresses that differ only by case stop the install, named), make the
-- specification's index the unique one, and drop the expression index.
DO $$
DECLARE
  clashes text;
  lowered bigint;
BEGIN
  SELECT string_agg(format('%s (%s)', lower(email), array_to_string(addresses, ', ')), '; ') INTO clashes
    FROM (SELECT lower(email) AS email, array_agg(email ORDER BY email) AS addresses
            FROM public.users GROUP BY lower(email) HAVING count(*) > 1) d;
  IF clashes IS NOT NULL THEN
    RAISE EXCEPTION 'memtech cannot make users.email unique whatever its case: several users share an address written in different cases'
      USING DETAIL = clashes,
            HINT = 'Nothing was changed. Merge or delete the users named above (one address, one user), then run the install again.';
  END IF;
  UPDATE public.users SET email = lower(email) WHERE email <> lower(email);
  GET DIAGNOSTICS lowered = ROW_COUNT;
  IF lowered > 0 THEN
    PERFORM pg_temp.memtech_notice('stored the e-mail address of %s user(s) in lower case', lowered::text);
  END IF;
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('public.idx_users_email') AND NOT indisunique) THEN
    PERFORM pg_temp.memtech_notice('making idx_users_email the unique index of users (email)');
    DROP INDEX public.idx_users_email;
  END IF;
END
$$;
CREATE UNIQUE INDEX IF NOT EXISTS idx_users_email ON public.users (email);
DO $$
BEGIN
  -- The trigger does not run for a load with triggers off (session_replication_role =
  -- replica): the check keeps an address with capitals out all the same, or two users could
  -- share an address whatever its case and an upsert would miss one of them.
  PERFORM pg_temp.memtech_ensure_constraint('public.users', 'users_email_lower_case', 'CHECK (email = lower(email))');
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('public.users_email_key') AND indexprs IS NOT NULL)
     AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = to_regclass('public.users_email_key')) THEN
    PERFORM pg_temp.memtech_notice('dropping users_email_key, the unique index on lower(email) that idx_users_email replaces');
    DROP INDEX public.users_email_key;
  END IF;
END
$$;

COMMENT ON TABLE public.companies IS
  'A construction company using the platform: the tenant. Everything it owns references it and is deleted with it.';
COMMENT ON COLUMN public.companies.id IS 'Identifies the tenant; every tenant row carries it as company_id.';
COMMENT ON COLUMN public.companies.name IS 'Trade name printed on the company''s mémoires.';
COMMENT ON COLUMN public.companies.address IS 'Postal address, for the mémoire''s cover and presentation.';
COMMENT ON COLUMN public.companies.city IS 'City of the address.';
COMMENT ON COLUMN public.companies.postal_code IS 'Postal code of the address, kept as text (leading zeros, foreign codes).';
COMMENT ON COLUMN public.companies.phone IS 'Switchboard number for the tender contact.';
COMMENT ON COLUMN public.companies.email IS 'Contact address for tenders.';
COMMENT ON COLUMN public.companies.logo_url IS 'Logo for generated documents (S3 path); none yet when NULL.';
COMMENT ON COLUMN public.companies.certifications IS 'Certifications the company holds (Qualibat, ISO 9001, MASE, ...), cited in every mémoire.';
COMMENT ON COLUMN public.companies.settings IS 'Per-company preferences of the application (a JSON object).';
COMMENT ON COLUMN public.companies.created_at IS 'When the company joined.';
COMMENT ON COLUMN public.companies.updated_at IS 'When the profile or settings last changed (kept by a trigger).';

COMMENT ON TABLE public.users IS
  'A person who works in one company''s space, with the role that decides what they may do there.';
COMMENT ON COLUMN public.users.id IS 'Identifies the user; the sub claim of their JWT (or app.user_id) names it.';
COMMENT ON COLUMN public.users.company_id IS 'The company the user belongs to: the only tenant whose rows they reach.';
COMMENT ON COLUMN public.users.email IS 'Sign-in address, stored in lower case (a trigger lowers what is written, as lower() does in the database''s collation; a check refuses capitals where triggers are off), so unique whatever its case: INSERT ... ON CONFLICT (email) finds a user however the address is written.';
COMMENT ON COLUMN public.users.password_hash IS 'Hash of the password, never the password; NULL for users who cannot sign in with one. Accepted, in the text form their libraries write: bcrypt ($2a$, $2b$, $2y$: Node bcrypt and bcryptjs, Go x/crypto/bcrypt, Python bcrypt and passlib; Django bcrypt$ and bcrypt_sha256$; passlib $bcrypt-sha256$), argon2 (PHC $argon2id$, $argon2i$, $argon2d$: argon2-cffi, passlib, node argon2, Go argon2id; Django argon2$argon2id$), scrypt (PHC and passlib $scrypt$ln=..., Django scrypt$, werkzeug scrypt:N:r:p$), PBKDF2 (Django pbkdf2_sha256$ and pbkdf2_sha1$, passlib $pbkdf2-sha256$, $pbkdf2-sha512$, $pbkdf2$, PHC $pbkdf2-sha256$i=..., werkzeug pbkdf2:sha256:N$), sha512-crypt $6$ and sha256-crypt $5$. Refused: anything else, plain passwords and bare digests (md5, sha1, unsalted hex) included.';
COMMENT ON COLUMN public.users.full_name IS 'Name shown to colleagues and in the audit trail.';
COMMENT ON COLUMN public.users.role IS 'admin, user or viewer: see type user_role.';
COMMENT ON COLUMN public.users.is_active IS 'False for a deactivated user, who keeps their history but reaches nothing.';
COMMENT ON COLUMN public.users.created_at IS 'When the user was invited.';
COMMENT ON COLUMN public.users.last_login IS 'Last successful sign-in; NULL if never.';
COMMENT ON COLUMN public.users.updated_at IS 'When the user''s row last changed (kept by a trigger).';
