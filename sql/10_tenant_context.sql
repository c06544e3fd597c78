-- Who is asking. The acting user is the users.id named by the request's JWT
-- (request.jwt.claims ->> 'sub', set by PostgREST and Supabase for each request) or, for
-- a backend without JWTs, by the setting app.user_id (SET LOCAL in the transaction).
-- Company and role are always read from users, never taken from the client; a user who
-- is unknown or deactivated has no company, and so reaches nothing.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('tenant context: helper functions and triggers'); END $$;

-- Every statement of a tenant asks who is acting, through the policies, so the answer is
-- built to cost as little as the lookup allows (docs/benchmarks.md measured the pieces):
-- the user id is an expression that PostgreSQL inlines into the one query of
-- current_company_id(), planned once per session. SQL functions with SQL-standard bodies: their names are bound
-- when they are created, so no search_path a caller sets changes what they call. No
-- regular expression or character-by-character check: a regex costs half as much as the
-- lookup of the user itself. PARALLEL RESTRICTED rather than the default UNSAFE: a policy
-- runs them once per statement, in an init plan of the leader, and one unsafe function
-- anywhere in a statement keeps PostgreSQL from giving any of it parallel workers, which
-- the same query without row level security may get on a large company's rows.

CREATE OR REPLACE FUNCTION memtech.uuid_or_null(candidate text) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN candidate LIKE '________-____-____-____-____________' THEN candidate::uuid END;
COMMENT ON FUNCTION memtech.uuid_or_null(text) IS
  'The text as a uuid when it has a uuid''s 8-4-4-4-12 form, else NULL: a subject that is not a uuid (e.g. a service token''s) names no user of ours. Text of that form that is not hexadecimal fails with the uuid type''s own error, which shows it.';

-- PL/pgSQL for the JSON: a malformed claim gets an error that names it, and the claims are
-- parsed once. Only a request that carries claims pays for it.
CREATE OR REPLACE FUNCTION memtech.user_id_from_claims() RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog
AS $$
DECLARE
  subject  text;
  from_jwt uuid;
  from_app uuid := memtech.uuid_or_null(btrim(current_setting('app.user_id', true)));
BEGIN
  BEGIN
    subject := nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub';
  EXCEPTION WHEN invalid_text_representation OR invalid_parameter_value THEN
    RAISE EXCEPTION 'request.jwt.claims is not a JSON object'
      USING ERRCODE = 'invalid_authorization_specification',
            HINT = 'Set it to the JWT''s claims as JSON, e.g. {"sub": "<users.id>"}.';
  END;
  from_jwt := memtech.uuid_or_null(btrim(subject));
  IF from_jwt <> from_app THEN
    RAISE EXCEPTION 'the JWT names user % but app.user_id names user %', from_jwt, from_app
      USING ERRCODE = 'invalid_authorization_specification',
            HINT = 'Set only one of request.jwt.claims and app.user_id, or make them name the same user.';
  END IF;
  RETURN coalesce(from_jwt, from_app);
END
$$;
COMMENT ON FUNCTION memtech.user_id_from_claims() IS
  'The acting user''s id when request.jwt.claims is set: its sub, or app.user_id when the JWT names no user of ours; fails when the two name different users, so a client cannot pose as someone else with one of them.';

-- No SET search_path (it would keep PostgreSQL from inlining the function): the body is
-- bound at creation, which pins it as well.
CREATE OR REPLACE FUNCTION memtech.current_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL RESTRICTED
RETURN CASE WHEN nullif(current_setting('request.jwt.claims', true), '') IS NULL
            THEN memtech.uuid_or_null(btrim(current_setting('app.user_id', true)))
            ELSE memtech.user_id_from_claims() END;
COMMENT ON FUNCTION memtech.current_user_id() IS
  'The acting user''s id from the JWT claims or app.user_id, NULL when none. Inlined into the statements that call it: a backend that sets app.user_id pays no function call.';

-- SECURITY DEFINER: users is itself under row level security, and the policies of every
-- table need the company before any row can be visible.
-- PL/pgSQL rather than SQL: a SECURITY DEFINER SQL function is planned at every call, a
-- PL/pgSQL one keeps its plan for the session (with memtech.current_user_id() inlined in
-- it), and every statement of a tenant pays this.
CREATE OR REPLACE FUNCTION memtech.current_company_id() RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER SET search_path = pg_catalog
AS $$
BEGIN
  RETURN (SELECT u.company_id FROM public.users u WHERE u.id = memtech.current_user_id() AND u.is_active);
END
$$;
COMMENT ON FUNCTION memtech.current_company_id() IS
  'Company of the acting user if that user exists and is active, else NULL (which matches no row). Policies call it as (SELECT memtech.current_company_id()) so it runs once per statement.';

CREATE OR REPLACE FUNCTION memtech.current_user_role() RETURNS public.user_role
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER SET search_path = pg_catalog
AS $$
BEGIN
  RETURN (SELECT u.role FROM public.users u WHERE u.id = memtech.current_user_id() AND u.is_active);
END
$$;
COMMENT ON FUNCTION memtech.current_user_role() IS
  'Role of the acting user if that user exists and is active, else NULL (which allows nothing).';

-- Triggers run with the privileges of whoever fires them, unless SECURITY DEFINER: these
-- must see rows of the whole database to fill in or check a company, and reveal nothing
-- but "filled" or "refused".
CREATE OR REPLACE FUNCTION memtech.fill_company_id() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
AS $$
BEGIN
  IF NEW.company_id IS NULL THEN
    NEW.company_id := memtech.current_company_id();
  END IF;
  -- A backend writing as before tenancy names no user: a row under a project takes the
  -- project's company.
  IF NEW.company_id IS NULL AND TG_ARGV[0] = 'project' THEN
    SELECT p.company_id INTO NEW.company_id FROM public.projects p WHERE p.id = NEW.project_id;
  END IF;
  -- A project or memoire written that way goes to the company that received the rows of
  -- before the install, so that v0 code keeps working until it names its companies.
  IF NEW.company_id IS NULL AND TG_ARGV[0] = 'legacy' AND memtech.current_user_id() IS NULL THEN
    SELECT i.legacy_company_id INTO NEW.company_id FROM memtech.installation i;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION memtech.fill_company_id() IS
  'BEFORE INSERT trigger: company_id defaults to the acting user''s company; with no acting user, for rows under a project (argument ''project'') to the project''s, and for projects and memoires (argument ''legacy'') to the legacy company, so that clients and pre-tenancy code need not send it.';

CREATE OR REPLACE FUNCTION memtech.check_same_company() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  arg     text;
  col     text;
  target  text;
  new_row jsonb := to_jsonb(NEW);
  value   jsonb;
  ids     uuid[];
  found   int;
BEGIN
  -- Each argument is column=table: the column holds the id (or an array of ids) of rows
  -- of that table, which must all belong to the row's own company.
  FOREACH arg IN ARRAY TG_ARGV LOOP
    col := split_part(arg, '=', 1);
    target := split_part(arg, '=', 2);
    value := new_row -> col;
    CONTINUE WHEN value IS NULL OR value = 'null'::jsonb
               OR (TG_OP = 'UPDATE' AND value = to_jsonb(OLD) -> col AND NEW.company_id = OLD.company_id);
    IF jsonb_typeof(value) = 'array' THEN
      ids := ARRAY(SELECT DISTINCT jsonb_array_elements_text(value)::uuid);
    ELSE
      ids := ARRAY[(value #>> '{}')::uuid];
    END IF;
    -- The references the schema has (one user: an author, a reviewer; a list of blocks: a
    -- section's sources, a match's blocks) are looked up by static queries, whose plans
    -- PL/pgSQL keeps for the session, where EXECUTE parses and plans at every row (about
    -- 0.1 ms, several times the lookup: an import of blocks with authors paid that for
    -- each block, docs/benchmarks.md). A list is joined to the table rather than filtered
    -- with = ANY: the join's generic plan looks each id up by its key, where = ANY's scans
    -- the company's whole index. Generic plans only (plan_cache_mode): PostgreSQL would
    -- otherwise plan the list's query at every row, each custom plan, which knows the
    -- list, priced below the generic one.
    IF target = 'users' AND cardinality(ids) = 1 THEN
      SELECT count(*) INTO found FROM public.users t WHERE t.id = ids[1] AND t.company_id = NEW.company_id;
    ELSIF target = 'content_blocks' THEN
      SELECT count(*) INTO found
        FROM unnest(ids) AS x(id) JOIN public.content_blocks t ON t.id = x.id
       WHERE t.company_id = NEW.company_id;
    ELSE
      EXECUTE format('SELECT count(*) FROM public.%I WHERE id = ANY ($1) AND company_id = $2', target)
        INTO found USING ids, NEW.company_id;
    END IF;
    IF found < cardinality(ids) THEN
      RAISE EXCEPTION '%.% must refer to % of the row''s own company', TG_TABLE_NAME, col, target
        USING ERRCODE = 'foreign_key_violation',
              DETAIL = format('%s of the %s given are not %s of company %s.', cardinality(ids) - found,
                              cardinality(ids), target, NEW.company_id),
              HINT = 'Refer only to rows of your own company.';
    END IF;
  END LOOP;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION memtech.check_same_company() IS
  'BEFORE INSERT OR UPDATE trigger for references a foreign key cannot keep inside one company (nullable user references, uuid arrays): refuses ids of other companies'' rows, and of rows that do not exist.';

-- SECURITY DEFINER so that it runs for any role that may update users (a backend role
-- need not be granted the helpers), and sees every admin of the company.
CREATE OR REPLACE FUNCTION memtech.guard_user_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
AS $$
DECLARE
  actor uuid := memtech.current_user_id();
BEGIN
  -- Rules for people acting through the API; a backend with no acting user is trusted.
  IF actor IS NULL THEN
    RETURN NEW;
  END IF;
  IF NEW.id = actor AND (NEW.role, NEW.is_active, NEW.company_id) IS DISTINCT FROM (OLD.role, OLD.is_active, OLD.company_id) THEN
    RAISE EXCEPTION 'users may not change their own role, activation or company'
      USING ERRCODE = 'insufficient_privilege', HINT = 'Ask another admin of your company.';
  END IF;
  IF OLD.role = 'admin' AND OLD.is_active AND NOT (NEW.role = 'admin' AND NEW.is_active) THEN
    -- Two admins demoting each other at once must not both succeed: changes to a
    -- company's admins take turns on the company's row, and each then sees the other's.
    PERFORM 1 FROM public.companies c WHERE c.id = OLD.company_id FOR NO KEY UPDATE;
    IF NOT EXISTS (SELECT 1 FROM public.users u
                    WHERE u.company_id = OLD.company_id AND u.id <> OLD.id AND u.role = 'admin' AND u.is_active) THEN
      RAISE EXCEPTION 'user % is the last active admin of the company and must stay one', OLD.id
        USING ERRCODE = 'check_violation', HINT = 'Make another user admin first.';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION memtech.guard_user_change() IS
  'BEFORE UPDATE trigger on users: nobody changes their own role, activation or company, and a company keeps at least one active admin.';

REVOKE ALL ON FUNCTION memtech.uuid_or_null(text), memtech.user_id_from_claims(), memtech.current_user_id(),
  memtech.current_company_id(), memtech.current_user_role(),
  memtech.fill_company_id(), memtech.check_same_company(), memtech.guard_user_change() FROM PUBLIC;

-- company_id fills itself in on every tenant table.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'content_blocks', 'files', 'block_files', 'past_projects',
                           'section_templates'] LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE INSERT ON public.%I
                    FOR EACH ROW EXECUTE FUNCTION memtech.fill_company_id()', t || '_fill_company_id', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['projects', 'memoires'] LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE INSERT ON public.%I
                    FOR EACH ROW EXECUTE FUNCTION memtech.fill_company_id(''legacy'')', t || '_fill_company_id', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['sections', 'rc_analysis', 'content_matches', 'generation_requests'] LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE INSERT ON public.%I
                    FOR EACH ROW EXECUTE FUNCTION memtech.fill_company_id(''project'')', t || '_fill_company_id', t);
  END LOOP;
END
$$;

CREATE OR REPLACE TRIGGER content_blocks_same_company
  BEFORE INSERT OR UPDATE OF company_id, created_by ON public.content_blocks
  FOR EACH ROW EXECUTE FUNCTION memtech.check_same_company('created_by=users');
CREATE OR REPLACE TRIGGER files_same_company
  BEFORE INSERT OR UPDATE OF company_id, uploaded_by ON public.files
  FOR EACH ROW EXECUTE FUNCTION memtech.check_same_company('uploaded_by=users');
CREATE OR REPLACE TRIGGER projects_same_company
  BEFORE INSERT OR UPDATE OF company_id, created_by ON public.projects
  FOR EACH ROW EXECUTE FUNCTION memtech.check_same_company('created_by=users');
CREATE OR REPLACE TRIGGER memoires_same_company
  BEFORE INSERT OR UPDATE OF company_id, uploaded_by ON public.memoires
  FOR EACH ROW EXECUTE FUNCTION memtech.check_same_company('uploaded_by=users');
CREATE OR REPLACE TRIGGER sections_same_company
  BEFORE INSERT OR UPDATE OF company_id, reviewer_id, source_blocks ON public.sections
  FOR EACH ROW EXECUTE FUNCTION memtech.check_same_company('reviewer_id=users', 'source_blocks=content_blocks');
CREATE OR REPLACE TRIGGER content_matches_same_company
  BEFORE INSERT OR UPDATE OF company_id, matched_blocks ON public.content_matches
  FOR EACH ROW EXECUTE FUNCTION memtech.check_same_company('matched_blocks=content_blocks');
CREATE OR REPLACE TRIGGER users_guard_change
  BEFORE UPDATE ON public.users
  FOR EACH ROW EXECUTE FUNCTION memtech.guard_user_change();

-- Triggers are named <table>_<purpose>; their comments say why.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT tgname, tgrelid::regclass AS tbl FROM pg_trigger
            WHERE tgname ~ '_(fill_company_id|same_company)$' AND tgrelid::regclass::text IN
                  ('users', 'content_blocks', 'files', 'block_files', 'past_projects', 'section_templates',
                   'projects', 'memoires', 'sections', 'rc_analysis', 'content_matches', 'generation_requests')
  LOOP
    EXECUTE format('COMMENT ON TRIGGER %I ON %s IS %L', t.tgname, t.tbl,
      CASE WHEN t.tgname LIKE '%fill_company_id'
           THEN 'Fills company_id when the client does not send it: the acting user''s company (or the project''s, for a backend with no acting user).'
           ELSE 'Keeps references that no foreign key can check inside the row''s company.' END);
  END LOOP;
END
$$;
COMMENT ON TRIGGER users_guard_change ON public.users IS
  'Nobody changes their own role, activation or company, and a company keeps an active admin.';
