-- Tenant isolation, command by command: for every table under row level security (found
-- in the catalog, so that a new table cannot escape) and every command, as anon, as no
-- one, as a deactivated user, as a viewer, user and admin of company A, and as an admin
-- of company B, what is allowed on company A's rows succeeds and what is not is refused.
BEGIN;
SELECT plan(1 + 16 * 4 * 7);

-- Two companies with a row in every table.
DO $setup$
DECLARE
  p text;
  co uuid;
  id_of text := '%s%s000000-0000-4000-8000-%s';
BEGIN
  FOREACH p IN ARRAY ARRAY['a', 'b'] LOOP
    co := format(id_of, p, '0', lpad('0', 12, '0'))::uuid;
    INSERT INTO companies (id, name) VALUES (co, 'Entreprise ' || upper(p));
    INSERT INTO users (id, company_id, email, full_name, role, is_active) VALUES
      (format(id_of, p, 'd', lpad('1', 12, '0'))::uuid, co, p || '.admin@example.fr', 'Admin ' || p, 'admin', true),
      (format(id_of, p, 'd', lpad('2', 12, '0'))::uuid, co, p || '.user@example.fr', 'User ' || p, 'user', true),
      (format(id_of, p, 'd', lpad('3', 12, '0'))::uuid, co, p || '.viewer@example.fr', 'Viewer ' || p, 'viewer', true),
      (format(id_of, p, 'd', lpad('4', 12, '0'))::uuid, co, p || '.gone@example.fr', 'Gone ' || p, 'user', false);
    INSERT INTO content_blocks (id, company_id, type, title, tags) VALUES
      (format(id_of, p, '1', lpad('1', 12, '0'))::uuid, co, 'equipment', 'Grue à tour ' || p, '{levage}'),
      (format(id_of, p, '1', lpad('2', 12, '0'))::uuid, co, 'person-cv', 'CV conducteur de travaux ' || p, '{}');
    INSERT INTO files (id, company_id, filename, file_type, storage_url, size_bytes) VALUES
      (format(id_of, p, '2', lpad('1', 12, '0'))::uuid, co, 'grue.pdf', 'application/pdf', 's3://files/' || p || '/grue.pdf', 1024);
    INSERT INTO block_files (block_id, file_id, company_id, relationship) VALUES
      (format(id_of, p, '1', lpad('1', 12, '0'))::uuid, format(id_of, p, '2', lpad('1', 12, '0'))::uuid, co, 'datasheet');
    INSERT INTO past_projects (id, company_id, name) VALUES
      (format(id_of, p, '3', lpad('1', 12, '0'))::uuid, co, 'Collège Jean Moulin ' || p);
    INSERT INTO section_templates (id, company_id, section_type, title, template_content) VALUES
      (format(id_of, p, '4', lpad('1', 12, '0'))::uuid, co, 'methodologie', 'Méthodologie type', 'Notre méthode {{lot}}');
    INSERT INTO projects (id, company_id, name) VALUES
      (format(id_of, p, '5', lpad('1', 12, '0'))::uuid, co, 'Groupe scolaire ' || p),
      (format(id_of, p, '5', lpad('2', 12, '0'))::uuid, co, 'Crèche ' || p);
    INSERT INTO memoires (id, company_id, title) VALUES
      (format(id_of, p, '6', lpad('1', 12, '0'))::uuid, co, 'Mémoire ' || p);
    INSERT INTO sections (id, project_id, title) VALUES
      (format(id_of, p, '7', lpad('1', 12, '0'))::uuid, format(id_of, p, '5', lpad('1', 12, '0'))::uuid, 'Méthodologie');
    INSERT INTO document_chunks (id, memoire_id, content) VALUES
      (format(id_of, p, '8', lpad('1', 12, '0'))::uuid, format(id_of, p, '6', lpad('1', 12, '0'))::uuid, 'Savoir-faire ' || p);
    INSERT INTO rc_analysis (id, project_id, rc_file_url) VALUES
      (format(id_of, p, '9', lpad('1', 12, '0'))::uuid, format(id_of, p, '5', lpad('1', 12, '0'))::uuid, 's3://rc/' || p || '.pdf');
    INSERT INTO content_matches (id, project_id, requirement_id) VALUES
      (format(id_of, p, 'a', lpad('1', 12, '0'))::uuid, format(id_of, p, '5', lpad('1', 12, '0'))::uuid, 'REQ-1');
    INSERT INTO generation_requests (id, project_id, section_type) VALUES
      (format(id_of, p, 'b', lpad('1', 12, '0'))::uuid, format(id_of, p, '5', lpad('1', 12, '0'))::uuid, 'methodologie');
    INSERT INTO audit_log (id, company_id, action, resource_type) VALUES
      (format(id_of, p, 'c', lpad('1', 12, '0'))::uuid, co, 'login', 'session');
  END LOOP;
END
$setup$;

-- How to reach company A's rows, and how to write one more, table by table. A row of A
-- is written with company_id given explicitly, so that B's admin tries to write into A.
CREATE TEMPORARY TABLE probe (table_name text PRIMARY KEY, kind text, of_a text, insert_a text, touch text);
INSERT INTO probe VALUES
  ('companies', 'company', $$id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO companies (name) VALUES ('Intrus')$$, 'name = name'),
  ('users', 'users', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO users (company_id, email, full_name, role) VALUES ('a0000000-0000-4000-8000-000000000000', 'new@example.fr', 'Nouveau', 'viewer')$$,
     'full_name = full_name'),
  ('audit_log', 'audit', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO audit_log (company_id, action, resource_type) VALUES ('a0000000-0000-4000-8000-000000000000', 'forged', 'session')$$,
     'action = action'),
  ('content_blocks', 'working', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO content_blocks (company_id, type, title) VALUES ('a0000000-0000-4000-8000-000000000000', 'procedure', 'PPSPS')$$,
     'title = title'),
  ('content_block_tags', 'derived', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO content_block_tags (company_id, block_id, tag) VALUES ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000002', 'forged')$$,
     'tag = tag'),
  ('files', 'working', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO files (company_id, filename, file_type, storage_url, size_bytes) VALUES ('a0000000-0000-4000-8000-000000000000', 'x.pdf', 'application/pdf', 's3://x.pdf', 1)$$,
     'filename = filename'),
  ('block_files', 'working', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO block_files (company_id, block_id, file_id, relationship) VALUES ('a0000000-0000-4000-8000-000000000000', 'a1000000-0000-4000-8000-000000000002', 'a2000000-0000-4000-8000-000000000001', 'photo')$$,
     'relationship = relationship'),
  ('past_projects', 'working', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO past_projects (company_id, name) VALUES ('a0000000-0000-4000-8000-000000000000', 'Gymnase')$$,
     'name = name'),
  ('section_templates', 'working', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO section_templates (company_id, section_type, title, template_content) VALUES ('a0000000-0000-4000-8000-000000000000', 'planning', 'Planning', '{{delai}}')$$,
     'title = title'),
  ('projects', 'working', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO projects (company_id, name) VALUES ('a0000000-0000-4000-8000-000000000000', 'Piscine')$$,
     'name = name'),
  ('memoires', 'working', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO memoires (company_id, title) VALUES ('a0000000-0000-4000-8000-000000000000', 'Mémoire 2')$$,
     'title = title'),
  ('sections', 'working', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO sections (company_id, project_id, title) VALUES ('a0000000-0000-4000-8000-000000000000', 'a5000000-0000-4000-8000-000000000001', 'Planning')$$,
     'title = title'),
  ('document_chunks', 'working', $$memoire_id = 'a6000000-0000-4000-8000-000000000001'$$,
     $$INSERT INTO document_chunks (memoire_id, content) VALUES ('a6000000-0000-4000-8000-000000000001', 'Nouveau passage')$$,
     'content = content'),
  ('rc_analysis', 'working', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO rc_analysis (company_id, project_id, rc_file_url) VALUES ('a0000000-0000-4000-8000-000000000000', 'a5000000-0000-4000-8000-000000000002', 's3://rc2.pdf')$$,
     'rc_file_url = rc_file_url'),
  ('content_matches', 'working', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO content_matches (company_id, project_id, requirement_id) VALUES ('a0000000-0000-4000-8000-000000000000', 'a5000000-0000-4000-8000-000000000001', 'REQ-2')$$,
     'requirement_id = requirement_id'),
  ('generation_requests', 'working', $$company_id = 'a0000000-0000-4000-8000-000000000000'$$,
     $$INSERT INTO generation_requests (company_id, project_id, section_type) VALUES ('a0000000-0000-4000-8000-000000000000', 'a5000000-0000-4000-8000-000000000001', 'planning')$$,
     'model_used = model_used');

SELECT is_empty($$
  SELECT c.relname FROM pg_class c
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relrowsecurity
     AND c.relname NOT IN (SELECT table_name FROM probe)
$$, 'every table under row level security is probed below');

-- Who asks: the role they speak as and the user they name.
CREATE TEMPORARY TABLE actor (name text PRIMARY KEY, role_name text, user_id text);
INSERT INTO actor VALUES
  ('anon', 'anon', NULL),
  ('no one', 'authenticated', NULL),
  ('a deactivated user of A', 'authenticated', 'ad000000-0000-4000-8000-000000000004'),
  ('a viewer of A', 'authenticated', 'ad000000-0000-4000-8000-000000000003'),
  ('a user of A', 'authenticated', 'ad000000-0000-4000-8000-000000000002'),
  ('an admin of A', 'authenticated', 'ad000000-0000-4000-8000-000000000001'),
  ('an admin of B', 'authenticated', 'bd000000-0000-4000-8000-000000000001');

-- What each kind of table allows: 'all' of A's rows, 'self' (one row: the actor's own),
-- or nothing.
CREATE TEMPORARY TABLE allowed (kind text, command text, actor text, scope text);
INSERT INTO allowed
SELECT 'working', c, a, 'all' FROM unnest(ARRAY['a viewer of A', 'a user of A', 'an admin of A']) a, unnest(ARRAY['select']) c
UNION ALL SELECT 'working', c, a, 'all' FROM unnest(ARRAY['a user of A', 'an admin of A']) a, unnest(ARRAY['insert', 'update', 'delete']) c
UNION ALL SELECT 'company', 'select', a, 'all' FROM unnest(ARRAY['a viewer of A', 'a user of A', 'an admin of A']) a
UNION ALL SELECT 'company', 'update', 'an admin of A', 'all'
UNION ALL SELECT 'users', 'select', a, 'all' FROM unnest(ARRAY['a viewer of A', 'a user of A', 'an admin of A']) a
UNION ALL SELECT 'users', 'insert', 'an admin of A', 'all'
UNION ALL SELECT 'users', 'update', 'an admin of A', 'all'
UNION ALL SELECT 'users', 'update', a, 'self' FROM unnest(ARRAY['a viewer of A', 'a user of A']) a
UNION ALL SELECT 'audit', 'select', 'an admin of A', 'all'
-- Block tags follow content_blocks.tags: members read them, nobody writes them directly.
UNION ALL SELECT 'derived', 'select', a, 'all' FROM unnest(ARRAY['a viewer of A', 'a user of A', 'an admin of A']) a;

-- Runs one statement as an actor and undoes it: 'rows N' or 'error SQLSTATE'.
CREATE FUNCTION pg_temp.attempt(who text, statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  a actor;
  n bigint;
  outcome text;
BEGIN
  SELECT * INTO a FROM actor WHERE name = who;
  BEGIN
    PERFORM set_config('role', a.role_name, true);
    PERFORM set_config('app.user_id', coalesce(a.user_id, ''), true);
    IF statement ~* '^select' THEN
      EXECUTE statement INTO n;
    ELSE
      EXECUTE statement;
      GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    outcome := 'rows ' || n;
    RAISE EXCEPTION 'undo' USING ERRCODE = 'P0099';
  EXCEPTION WHEN OTHERS THEN
    IF SQLSTATE <> 'P0099' THEN
      outcome := 'error ' || SQLSTATE;
    END IF;
  END;
  RETURN outcome;
END
$$;

CREATE FUNCTION pg_temp.matrix() RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  p probe;
  who text;
  cmd text;
  statement text;
  rows_of_a bigint;
  scope text;
  got text;
BEGIN
  FOR p IN SELECT * FROM probe ORDER BY table_name LOOP
    EXECUTE format('SELECT count(*) FROM public.%I WHERE %s', p.table_name, p.of_a) INTO rows_of_a;
    FOREACH cmd IN ARRAY ARRAY['select', 'insert', 'update', 'delete'] LOOP
      statement := CASE cmd
        WHEN 'select' THEN format('SELECT count(*) FROM public.%I WHERE %s', p.table_name, p.of_a)
        WHEN 'insert' THEN p.insert_a
        WHEN 'update' THEN format('UPDATE public.%I SET %s WHERE %s', p.table_name, p.touch, p.of_a)
        ELSE format('DELETE FROM public.%I WHERE %s', p.table_name, p.of_a) END;
      FOR who IN SELECT name FROM actor ORDER BY name LOOP
        scope := (SELECT al.scope FROM allowed al WHERE al.kind = p.kind AND al.command = cmd AND al.actor = who);
        got := pg_temp.attempt(who, statement);
        IF scope IS NULL THEN
          RETURN NEXT ok(got LIKE 'error %' OR got = 'rows 0',
                         format('%s: %s may not %s company A''s rows (got %s)', p.table_name, who, cmd, got));
        ELSE
          RETURN NEXT is(got, 'rows ' || CASE WHEN cmd = 'insert' OR scope = 'self' THEN 1 ELSE rows_of_a END,
                         format('%s: %s may %s company A''s rows', p.table_name, who, cmd));
        END IF;
      END LOOP;
    END LOOP;
  END LOOP;
END
$$;

SELECT * FROM pg_temp.matrix();

SELECT * FROM finish();
ROLLBACK;
