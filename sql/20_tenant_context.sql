-- Who is asking. The acting user is the users.id named by the request's JWT
-- (request.jwt.claims ->> 'sub', set by PostgREST and Supabase for each request) or, for
-- a backend without JWTs, by the setting app.user_id (SET LOCAL in the transaction).
-- Company and role are never taken from the client; a user who is unknown or deactivated
-- has no company, and so reaches nothing. And the triggers that fill company_id and keep
-- references inside the company, on the tables of the manifest.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('tenant context: helper functions and triggers'); END $$;

-- The acting user's company and role come from memtech.active_member, a copy of the
-- (id, company_id, role) of every active user that triggers on users keep. The policies
-- need them before any row of users can be visible, and a policy cannot read users itself
-- (its own policies would recurse); a SECURITY DEFINER lookup would, but the API roles
-- would then execute a function that bypasses row level security, which the database
-- advisor of Supabase rightly flags. active_member is under row level security of its own:
-- a role reads its acting user's row and no other, so nobody can list the users of
-- another company.
CREATE TABLE IF NOT EXISTS memtech.active_member (
  user_id    uuid NOT NULL CONSTRAINT active_member_pkey PRIMARY KEY,
  company_id uuid NOT NULL,
  role       public.user_role NOT NULL
);
COMMENT ON TABLE memtech.active_member IS
  'The company and role of each active user, kept from public.users by triggers: what the policies read to know whom a statement acts for. Each role reads only its acting user''s row. A load that bypasses triggers must call memtech.sync_active_members() afterwards.';
COMMENT ON COLUMN memtech.active_member.user_id IS 'The user (public.users.id); only active users have a row.';
COMMENT ON COLUMN memtech.active_member.company_id IS 'Their company: the only tenant whose rows they reach.';
COMMENT ON COLUMN memtech.active_member.role IS 'Their role, which decides what they may write.';
ALTER TABLE memtech.active_member ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

-- Every statement of a tenant asks who is acting, through the policies (the policy of
-- active_member below, which calls this when the request carries claims, and otherwise
-- reads app.user_id with the expression from_app has here), so this is kept to one
-- PL/pgSQL call (its expressions are compiled once per session), with no regular
-- expression (one costs half as much as the lookup of the user), and the claims are parsed
-- only when a request carries them.
-- PARALLEL RESTRICTED rather than the default UNSAFE: a policy runs the helpers once per
-- statement, in an init plan of the leader, and one unsafe function anywhere in a statement
-- keeps PostgreSQL from giving any of it parallel workers, which the same query without row
-- level security may get on a large company's rows.
CREATE OR REPLACE FUNCTION memtech.current_user_id() RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- A uuid written as usual (8-4-4-4-12); anything else, e.g. a service token's subject,
  -- names no user. Of that form but not hexadecimal fails with the uuid type's own error.
  uuid_form constant text := '________-____-____-____-____________';
  app      text := btrim(current_setting('app.user_id', true));
  claims   text := nullif(current_setting('request.jwt.claims', true), '');
  subject  text;
  from_app uuid := CASE WHEN app LIKE uuid_form THEN app::uuid END;
  from_jwt uuid;
BEGIN
  IF claims IS NULL THEN
    RETURN from_app;
  END IF;
  -- No exception block around the cast: entering one starts a subtransaction, which the
  -- leader of a parallel plan may not, so every tenant query given workers would fail. What
  -- is plainly no JSON object (or array) is refused by its first and last characters; the
  -- rare text of that shape that is still not JSON fails with jsonb's own error.
  claims := btrim(claims, E' \t\r\n');
  IF NOT ((left(claims, 1) = '{' AND right(claims, 1) = '}') OR (left(claims, 1) = '[' AND right(claims, 1) = ']')) THEN
    RAISE EXCEPTION 'request.jwt.claims is not a JSON object'
      USING ERRCODE = 'invalid_authorization_specification',
            HINT = 'Set it to the JWT''s claims as JSON, e.g. {"sub": "<users.id>"}.';
  END IF;
  subject := btrim(claims::jsonb ->> 'sub');
  from_jwt := CASE WHEN subject LIKE uuid_form THEN subject::uuid END;
  IF from_jwt <> from_app THEN
    RAISE EXCEPTION 'the JWT names user % but app.user_id names user %', from_jwt, from_app
      USING ERRCODE = 'invalid_authorization_specification',
            HINT = 'Set only one of request.jwt.claims and app.user_id, or make them name the same user.';
  END IF;
  RETURN coalesce(from_jwt, from_app);
END
$$;
COMMENT ON FUNCTION memtech.current_user_id() IS
  'The acting user''s id: the sub of request.jwt.claims (set by PostgREST), else app.user_id (set by a backend), NULL when neither names a user in uuid form; fails when the two name different users, so a client cannot pose as someone else with one of them.';

-- Invoker functions. Where row level security binds the caller (every tenant, hence every
-- policy that calls them), the policy of active_member below shows it the acting user's row
-- and no other, so the lookup reads that row with no condition of its own: the acting user
-- is worked out once per lookup, by the policy (naming it again in a WHERE clause made it
-- three times, in every statement of a tenant).
-- That policy is the only one of active_member (the install drops any other, below).
-- Where row level security does not bind (superusers and roles with BYPASSRLS, e.g. the
-- owner's triggers), every row is visible, hence the explicit user_id.
CREATE OR REPLACE FUNCTION memtech.current_company_id() RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF row_security_active('memtech.active_member'::regclass) THEN
    RETURN (SELECT m.company_id FROM memtech.active_member m);
  END IF;
  RETURN (SELECT m.company_id FROM memtech.active_member m WHERE m.user_id = memtech.current_user_id());
END
$$;
COMMENT ON FUNCTION memtech.current_company_id() IS
  'Company of the acting user if that user exists and is active, else NULL (which matches no row). Policies call it as (SELECT memtech.current_company_id()) so it runs once per statement.';

-- The same, for the isolation policy of a table whose commands are all for one role set
-- (sql/21_row_level_security.sql): the company of the acting user if their role is one of
-- these, else NULL, so that one lookup checks both.
CREATE OR REPLACE FUNCTION memtech.current_company_id(VARIADIC roles public.user_role[]) RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF row_security_active('memtech.active_member'::regclass) THEN
    RETURN (SELECT m.company_id FROM memtech.active_member m WHERE m.role = ANY (roles));
  END IF;
  RETURN (SELECT m.company_id FROM memtech.active_member m
           WHERE m.user_id = memtech.current_user_id() AND m.role = ANY (roles));
END
$$;
COMMENT ON FUNCTION memtech.current_company_id(public.user_role[]) IS
  'Company of the acting user if that user exists, is active and has one of these roles, else NULL (which matches no row).';

CREATE OR REPLACE FUNCTION memtech.current_user_role() RETURNS public.user_role
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF row_security_active('memtech.active_member'::regclass) THEN
    RETURN (SELECT m.role FROM memtech.active_member m);
  END IF;
  RETURN (SELECT m.role FROM memtech.active_member m WHERE m.user_id = memtech.current_user_id());
END
$$;
COMMENT ON FUNCTION memtech.current_user_role() IS
  'Role of the acting user if that user exists and is active, else NULL (which allows nothing).';

-- The acting user, as memtech.current_user_id() names it. Without claims (a backend that sets
-- app.user_id) the policy reads app.user_id itself, with the function's very expression:
-- calling the function costs more than the rest of the lookup (each call of a function that
-- pins its search_path sets and restores it, and PL/pgSQL prepares its expressions again in
-- every transaction), where the policy's expression is planned with the helpers' query,
-- once per session. With claims it calls the function, which parses them and checks that
-- both name the same user. A policy is stored parsed, so that no search_path of the
-- caller changes what it calls; test/pgtap/20_tenant_context.sql checks that the two agree.
DROP POLICY IF EXISTS memtech_acting_user_only ON memtech.active_member;
CREATE POLICY memtech_acting_user_only ON memtech.active_member FOR SELECT TO PUBLIC
  USING (user_id = (SELECT CASE WHEN coalesce(current_setting('request.jwt.claims', true), '') = ''
                                THEN CASE WHEN btrim(current_setting('app.user_id', true)) LIKE '________-____-____-____-____________'
                                          THEN btrim(current_setting('app.user_id', true))::uuid END
                                ELSE memtech.current_user_id() END));
COMMENT ON POLICY memtech_acting_user_only ON memtech.active_member IS
  'A role reads the company and role of its acting user only, never who belongs to which company.';
-- Another permissive policy would show rows of other users to the helpers' lookups.
DO $$
DECLARE
  p record;
BEGIN
  FOR p IN SELECT polname FROM pg_policy
            WHERE polrelid = 'memtech.active_member'::regclass AND polname <> 'memtech_acting_user_only' LOOP
    RAISE NOTICE 'memtech: dropping policy % of memtech.active_member, which must show each role its acting user''s row only', p.polname;
    EXECUTE format('DROP POLICY %I ON memtech.active_member', p.polname);
  END LOOP;
END
$$;

-- SECURITY DEFINER: it writes active_member, which no API role may write.
CREATE OR REPLACE FUNCTION memtech.keep_active_members() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO memtech.active_member (user_id, company_id, role)
    SELECT n.id, n.company_id, n.role FROM new_rows n WHERE n.is_active;
  ELSIF TG_OP = 'UPDATE' THEN
    DELETE FROM memtech.active_member m WHERE m.user_id = OLD.id;
    IF NEW.is_active THEN
      INSERT INTO memtech.active_member (user_id, company_id, role) VALUES (NEW.id, NEW.company_id, NEW.role);
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    DELETE FROM memtech.active_member m USING old_rows o WHERE m.user_id = o.id;
  ELSE
    TRUNCATE memtech.active_member;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION memtech.keep_active_members() IS
  'AFTER trigger on users: makes memtech.active_member hold exactly the active users, with their company and role.';

-- For loads that bypass triggers (session_replication_role = replica, a restore with
-- triggers disabled), and for the install itself on users that predate the table.
CREATE OR REPLACE FUNCTION memtech.sync_active_members() RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  removed bigint;
  added bigint;
BEGIN
  DELETE FROM memtech.active_member m
   WHERE NOT EXISTS (SELECT 1 FROM public.users u
                      WHERE u.id = m.user_id AND u.is_active AND u.company_id = m.company_id AND u.role = m.role);
  GET DIAGNOSTICS removed = ROW_COUNT;
  INSERT INTO memtech.active_member (user_id, company_id, role)
  SELECT u.id, u.company_id, u.role FROM public.users u WHERE u.is_active
  ON CONFLICT (user_id) DO NOTHING;
  GET DIAGNOSTICS added = ROW_COUNT;
  IF removed + added > 0 THEN
    RAISE NOTICE 'memtech: active_member: % stale row(s) removed, % missing row(s) added', removed, added;
  END IF;
  RETURN removed + added;
END
$$;
COMMENT ON FUNCTION memtech.sync_active_members() IS
  'Makes memtech.active_member match the active users of public.users again after writes that bypassed the triggers (until then a deactivated user may keep access); returns how many rows it removed and added. Run it as the tables'' owner.';

-- Triggers run with the privileges of whoever fires them, unless SECURITY DEFINER: these
-- must see rows of the whole database to fill in or check a company, and reveal nothing
-- but "filled" or "refused".
-- A row under a parent (argument 'project': sections, rc_analysis, content_matches,
-- generation_requests; 'block': block_files) is refused here, with the foreign key's
-- SQLSTATE and constraint, when its parent is missing: left to the constraints, a backend
-- with no acting user would get a NOT NULL violation on company_id instead (its company
-- comes from the parent), and a tenant a bare foreign key error. The parent is looked up
-- once, by its key, for both (for a tenant's row, one lookup more than before, which the
-- foreign key's own check does again at the end of the statement). What
-- the error says depends on who asks, so that it never tells a tenant whether another
-- company's row exists:
--   * a tenant whose row is in its own company: "does not exist or belongs to another
--     company", the same for both;
--   * a caller whom row level security does not bind (superuser, BYPASSRLS: it sees every
--     row anyway) with no acting user: exactly "does not exist";
--   * anyone else (no acting user but bound by row level security, a deactivated user, a
--     row naming another company): nothing here; the policies refuse the row (42501)
--     whether the parent exists or not.
-- Who the caller is cannot be current_user here (the function runs as its owner): it is
-- the role the session switched to (SET ROLE, which PostgREST and backends use), else the
-- login. Under a definer function of the application that role says less than the
-- function's owner may do: the error is then the vaguer one, never the more exact.
CREATE OR REPLACE FUNCTION memtech.fill_company_id() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  parent_id      uuid;
  parent_company uuid;
  acting_company uuid;
  caller         text;
  col            text;
  parent_table   text;
  noun           text;
  fk             text;
BEGIN
  IF NEW.company_id IS NULL THEN
    NEW.company_id := memtech.current_company_id();
  END IF;
  IF TG_ARGV[0] = 'legacy' THEN
    -- A project or memoire written as before tenancy, by no user, goes to the company that
    -- received the rows of before the install, so that v0 code keeps working until it
    -- names its companies.
    IF NEW.company_id IS NULL AND memtech.current_user_id() IS NULL THEN
      SELECT i.legacy_company_id INTO NEW.company_id FROM memtech.installation i;
    END IF;
    RETURN NEW;
  ELSIF TG_ARGV[0] = 'project' THEN
    parent_id := NEW.project_id;
    SELECT p.company_id INTO parent_company FROM public.projects p WHERE p.id = parent_id;
  ELSIF TG_ARGV[0] = 'block' THEN
    parent_id := NEW.block_id;
    SELECT b.company_id INTO parent_company FROM public.content_blocks b WHERE b.id = parent_id;
  ELSE
    RETURN NEW;
  END IF;
  -- A backend writing as before tenancy names no user: the row takes its parent's company.
  IF NEW.company_id IS NULL THEN
    NEW.company_id := parent_company;
  END IF;
  -- The parent is there, in the row's company; or no parent is named (NOT NULL speaks).
  IF parent_company = NEW.company_id OR parent_id IS NULL THEN
    RETURN NEW;
  END IF;

  -- Refused: the parent is missing, or of another company than the row's.
  col := CASE TG_ARGV[0] WHEN 'project' THEN 'project_id' ELSE 'block_id' END;
  parent_table := CASE TG_ARGV[0] WHEN 'project' THEN 'projects' ELSE 'content_blocks' END;
  noun := CASE TG_ARGV[0] WHEN 'project' THEN 'project' ELSE 'content block' END;
  SELECT c.conname INTO fk FROM pg_constraint c
   WHERE c.conrelid = TG_RELID AND c.contype = 'f' AND c.confrelid = format('public.%I', parent_table)::regclass
   ORDER BY c.conname LIMIT 1;
  acting_company := memtech.current_company_id();
  IF acting_company IS NOT NULL AND NEW.company_id = acting_company THEN
    RAISE EXCEPTION '%.% names % %, which does not exist or belongs to another company',
                    TG_TABLE_NAME, col, noun, parent_id
      USING ERRCODE = 'foreign_key_violation', SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
            COLUMN = col, CONSTRAINT = coalesce(fk, ''),
            DETAIL = format('Key (company_id, %s)=(%s, %s) is not present in table "%s".',
                            col, NEW.company_id, parent_id, parent_table),
            HINT = format('Name a %s of your own company, created before the rows under it.', noun);
  END IF;
  IF acting_company IS NULL AND parent_company IS NULL AND memtech.current_user_id() IS NULL THEN
    caller := CASE current_setting('role') WHEN 'none' THEN session_user::text ELSE current_setting('role') END;
    IF EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = caller AND (r.rolsuper OR r.rolbypassrls)) THEN
      RAISE EXCEPTION '%.% names % %, which does not exist', TG_TABLE_NAME, col, noun, parent_id
        USING ERRCODE = 'foreign_key_violation', SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
              COLUMN = col, CONSTRAINT = coalesce(fk, ''),
              DETAIL = format('Key (%s)=(%s) is not present in table "%s".', col, parent_id, parent_table),
              HINT = format('Insert the %s first, or correct %s.', noun, col);
    END IF;
  END IF;
  -- Anything else is refused by the policies, or by the foreign key for a row naming a
  -- company other than its parent's, with the same error whether the parent exists or not.
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION memtech.fill_company_id() IS
  'BEFORE INSERT trigger: company_id defaults to the acting user''s company; with no acting user, for rows under a project or a content block (argument ''project'' or ''block'') to their parent''s, and for projects and memoires (argument ''legacy'') to the legacy company, so that clients and pre-tenancy code need not send it. A parent that does not exist (or, to a tenant, is not of its company) is a foreign_key_violation naming the column and the id, never a NOT NULL violation, and tells a tenant nothing of other companies'' rows.';

CREATE OR REPLACE FUNCTION memtech.check_same_company() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan
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
    -- PL/pgSQL keeps for the session, where EXECUTE parses and plans at every row (several
    -- times the lookup, which an import of blocks with authors paid for each block). A list
    -- is joined to the table rather than filtered with = ANY: the join's generic plan looks
    -- each id up by its key, where = ANY's scans
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
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
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

REVOKE ALL ON FUNCTION memtech.current_user_id(), memtech.current_company_id(), memtech.current_company_id(public.user_role[]),
  memtech.current_user_role(),
  memtech.keep_active_members(), memtech.sync_active_members(),
  memtech.fill_company_id(), memtech.check_same_company(), memtech.guard_user_change() FROM PUBLIC;

CREATE OR REPLACE TRIGGER users_keep_active_members_insert
  AFTER INSERT ON public.users REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION memtech.keep_active_members();
CREATE OR REPLACE TRIGGER users_keep_active_members_update
  AFTER UPDATE ON public.users
  FOR EACH ROW WHEN ((OLD.id, OLD.company_id, OLD.role, OLD.is_active) IS DISTINCT FROM (NEW.id, NEW.company_id, NEW.role, NEW.is_active))
  EXECUTE FUNCTION memtech.keep_active_members();
CREATE OR REPLACE TRIGGER users_keep_active_members_delete
  AFTER DELETE ON public.users REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION memtech.keep_active_members();
CREATE OR REPLACE TRIGGER users_keep_active_members_truncate
  AFTER TRUNCATE ON public.users
  FOR EACH STATEMENT EXECUTE FUNCTION memtech.keep_active_members();
COMMENT ON TRIGGER users_keep_active_members_insert ON public.users IS 'New active users into memtech.active_member.';
COMMENT ON TRIGGER users_keep_active_members_update ON public.users IS 'A change of company, role or activation follows in memtech.active_member.';
COMMENT ON TRIGGER users_keep_active_members_delete ON public.users IS 'Deleted users out of memtech.active_member.';
COMMENT ON TRIGGER users_keep_active_members_truncate ON public.users IS 'TRUNCATE empties memtech.active_member too.';

-- Users of an earlier version, or of a load that bypassed the triggers.
DO $$
BEGIN
  PERFORM memtech.sync_active_members();
END
$$;

-- company_id fills itself in, and the references no foreign key can check stay inside the
-- company, on every table of the manifest that says how.
DO $$
DECLARE
  t record;
  columns text;
BEGIN
  FOR t IN SELECT * FROM pg_temp.memtech_tenant_table WHERE company_from IS NOT NULL ORDER BY table_name LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE INSERT ON public.%I FOR EACH ROW EXECUTE FUNCTION memtech.fill_company_id(%s)',
                   t.table_name || '_fill_company_id', t.table_name,
                   CASE WHEN t.company_from <> 'acting_user' THEN quote_literal(t.company_from) ELSE '' END);
    EXECUTE format('COMMENT ON TRIGGER %I ON public.%I IS %L', t.table_name || '_fill_company_id', t.table_name,
      'Fills company_id when the client does not send it: the acting user''s company' || CASE t.company_from
        WHEN 'project' THEN ', or the project''s for a backend with no acting user; a project that does not exist is a foreign key error naming it.'
        WHEN 'block' THEN ', or the block''s for a backend with no acting user; a block that does not exist is a foreign key error naming it.'
        WHEN 'legacy' THEN ', or for a backend with no acting user the company of the rows of before the install.'
        ELSE '.' END);
  END LOOP;
  FOR t IN SELECT * FROM pg_temp.memtech_tenant_table WHERE cardinality(same_company) > 0 ORDER BY table_name LOOP
    SELECT string_agg(quote_ident(split_part(r, '=', 1)), ', ') INTO columns FROM unnest(t.same_company) r;
    EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE INSERT OR UPDATE OF company_id, %s ON public.%I
                    FOR EACH ROW EXECUTE FUNCTION memtech.check_same_company(%s)',
                   t.table_name || '_same_company', columns, t.table_name,
                   (SELECT string_agg(quote_literal(r), ', ') FROM unnest(t.same_company) r));
    EXECUTE format('COMMENT ON TRIGGER %I ON public.%I IS %L', t.table_name || '_same_company', t.table_name,
                   'Keeps references that no foreign key can check inside the row''s company.');
  END LOOP;
END
$$;

CREATE OR REPLACE TRIGGER users_guard_change
  BEFORE UPDATE ON public.users
  FOR EACH ROW EXECUTE FUNCTION memtech.guard_user_change();

COMMENT ON TRIGGER users_guard_change ON public.users IS
  'Nobody changes their own role, activation or company, and a company keeps an active admin.';

-- ==== Upgrades from earlier versions =====================================================
-- What an install of an earlier release left here that this version does differently.

-- 0.3.0 split the user id into three functions, two of them inlined SQL; pinning their
-- search_path would have kept them from being inlined anyway.
-- squawk: private helpers of the policies (schema memtech, which no API exposes), called
-- only by the package's own functions, all replaced above.
-- squawk-ignore ban-drop-function
DROP FUNCTION IF EXISTS memtech.user_id_from_claims(), memtech.uuid_or_null(text);
