-- Who is asking: the acting user comes from the JWT claims or app.user_id, and company and
-- role from users (through memtech.active_member); a company_id left out fills itself in.
BEGIN;
SELECT plan(52);

INSERT INTO companies (id, name) VALUES ('c0000000-0000-4000-8000-000000000001', 'Alpha BTP'),
                                        ('c0000000-0000-4000-8000-000000000002', 'Beta Construction');
INSERT INTO users (id, company_id, email, full_name, role, is_active) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'chef@alpha.fr', 'Chef', 'admin', true),
  ('d0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001', 'parti@alpha.fr', 'Parti', 'user', false),
  ('d0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000002', 'chef@beta.fr', 'Chef Beta', 'admin', true);
INSERT INTO projects (id, company_id, name) VALUES
  ('e0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000002', 'Médiathèque');

SELECT is(memtech.current_user_id(), NULL, 'with no claims and no app.user_id there is no acting user');

SET LOCAL request.jwt.claims = '{"sub": "d0000000-0000-4000-8000-000000000001", "role": "authenticated"}';
SELECT is(memtech.current_user_id(), 'd0000000-0000-4000-8000-000000000001', 'the JWT''s sub names the acting user');
SELECT is(memtech.current_company_id(), 'c0000000-0000-4000-8000-000000000001', 'the company is read from users');
SELECT is(memtech.current_user_role(), 'admin', 'the role is read from users');

SET LOCAL app.user_id = 'd0000000-0000-4000-8000-000000000001';
SELECT is(memtech.current_user_id(), 'd0000000-0000-4000-8000-000000000001', 'the JWT and app.user_id may name the same user');
SET LOCAL app.user_id = 'd0000000-0000-4000-8000-000000000002';
SELECT throws_ok('SELECT memtech.current_user_id()', '28000', NULL,
  'the JWT and app.user_id naming different users fail the statement');
SET LOCAL app.user_id = 'service-token';
SELECT is(memtech.current_user_id(), 'd0000000-0000-4000-8000-000000000001',
  'an app.user_id that names no user leaves the JWT''s user');
SET LOCAL request.jwt.claims = '{"sub": "service-token"}';
SET LOCAL app.user_id = 'd0000000-0000-4000-8000-000000000002';
SELECT is(memtech.current_user_id(), 'd0000000-0000-4000-8000-000000000002',
  'a JWT whose sub names no user leaves app.user_id''s user');
SET LOCAL app.user_id = '';
SET LOCAL request.jwt.claims = '[1, 2]';
SELECT is(memtech.current_user_id(), NULL, 'claims that are JSON but not an object name no user');
SET LOCAL request.jwt.claims = '{"sub": "d0000000-0000-4000-8000-000000000001"';
SELECT throws_ok('SELECT memtech.current_user_id()', '28000', 'request.jwt.claims is not a JSON object',
  'claims that are not JSON fail the statement, naming the setting');
CREATE SCHEMA hijack_type;
CREATE DOMAIN hijack_type.jsonb AS text;
SET LOCAL search_path = hijack_type, pg_catalog, public;
SELECT throws_ok('SELECT memtech.current_user_id()', '28000', 'request.jwt.claims is not a JSON object',
  'a type named jsonb first on the caller''s search_path changes nothing either');
SET LOCAL search_path = public, pg_catalog;
SET LOCAL app.user_id = 'd0000000-0000-4000-8000-000000000002';

SET LOCAL request.jwt.claims = '';
SELECT is(memtech.current_user_id(), 'd0000000-0000-4000-8000-000000000002', 'a backend without JWT names the user with app.user_id');
SELECT is(memtech.current_company_id(), NULL, 'a deactivated user has no company, so reaches no row');
SELECT is(memtech.current_user_role(), NULL, 'a deactivated user has no role, so may do nothing');

-- Functions, operators and types a caller puts first on the search_path change nothing
-- (the helpers pin theirs).
CREATE SCHEMA hijack;
CREATE FUNCTION hijack.current_setting(text, boolean) RETURNS text LANGUAGE sql
  AS $$ SELECT 'd0000000-0000-4000-8000-000000000001' $$;
CREATE FUNCTION hijack.btrim(text) RETURNS text LANGUAGE sql AS $$ SELECT 'd0000000-0000-4000-8000-000000000001' $$;
CREATE FUNCTION hijack.always(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
CREATE OPERATOR hijack.!~ (LEFTARG = text, RIGHTARG = text, FUNCTION = hijack.always);
SET LOCAL app.user_id = 'd0000000-0000-4000-8000-000000000002';
SET LOCAL search_path = hijack, pg_catalog, public;
SELECT is(memtech.current_user_id(), 'd0000000-0000-4000-8000-000000000002',
  'a caller''s search_path cannot change who the acting user is');
SET LOCAL search_path = public, pg_catalog;
-- The same for the path without claims alone.
CREATE SCHEMA hijack_app;
CREATE FUNCTION hijack_app.btrim(text) RETURNS text LANGUAGE sql AS $$ SELECT 'd0000000-0000-4000-8000-000000000001' $$;
SET LOCAL search_path = hijack_app, pg_catalog, public;
SELECT is(memtech.current_user_id(), 'd0000000-0000-4000-8000-000000000002',
  'a caller''s search_path cannot change the user named by app.user_id');
SET LOCAL search_path = public, pg_catalog;

SET LOCAL app.user_id = 'service-token';
SELECT is(memtech.current_user_id(), NULL, 'a subject that is not a uuid names no user');
SET LOCAL app.user_id = 'D0000000-0000-4000-8000-000000000001';
SELECT is(memtech.current_company_id(), 'c0000000-0000-4000-8000-000000000001', 'a user id in capitals names the same user');
SET LOCAL app.user_id = 'd0000000000040008000000000000001';
SELECT is(memtech.current_user_id(), NULL, 'only the 8-4-4-4-12 form of a uuid names a user');
SET LOCAL app.user_id = 'd0000000-0000-4000-8000-00000000000z';
SELECT throws_ok('SELECT memtech.current_company_id()', '22P02', NULL,
  'text of a uuid''s form that is not hexadecimal fails, showing the value');
SET LOCAL app.user_id = 'd0000000-0000-4000-8000-0000000000ff';
SELECT is(memtech.current_company_id(), NULL, 'an unknown user has no company');

RESET app.user_id;
INSERT INTO sections (id, project_id, title) VALUES ('f0000000-0000-4000-8000-000000000001', 'e0000000-0000-4000-8000-000000000001', 'Planning');
SELECT is((SELECT company_id FROM sections WHERE id = 'f0000000-0000-4000-8000-000000000001'),
  'c0000000-0000-4000-8000-000000000002'::uuid, 'a section written as before tenancy takes its project''s company');

-- A link written with the specification's three columns takes its block's company, and
-- the file must then be of that company too.
INSERT INTO content_blocks (id, company_id, type, title) VALUES
  ('f0000000-0000-4000-8000-0000000000b1', 'c0000000-0000-4000-8000-000000000002', 'equipment', 'Grue mobile');
INSERT INTO files (id, company_id, filename, file_type, storage_url, size_bytes) VALUES
  ('f0000000-0000-4000-8000-0000000000f1', 'c0000000-0000-4000-8000-000000000002', 'grue.pdf', 'application/pdf', 's3://beta/grue.pdf', 1),
  ('f0000000-0000-4000-8000-0000000000f2', 'c0000000-0000-4000-8000-000000000001', 'cv.pdf', 'application/pdf', 's3://alpha/cv.pdf', 1);
SELECT results_eq($$INSERT INTO block_files (block_id, file_id, relationship)
    VALUES ('f0000000-0000-4000-8000-0000000000b1', 'f0000000-0000-4000-8000-0000000000f1', 'datasheet') RETURNING company_id$$,
  $$VALUES ('c0000000-0000-4000-8000-000000000002'::uuid)$$,
  'a link written as before tenancy, without company_id, takes its block''s company');
SELECT throws_ok($$INSERT INTO block_files (block_id, file_id, relationship)
    VALUES ('f0000000-0000-4000-8000-0000000000b1', 'f0000000-0000-4000-8000-0000000000f2', 'photo')$$,
  '23503', 'insert or update on table "block_files" violates foreign key constraint "block_files_file_fkey"',
  'a link of a block to a file of another company is still refused');

-- A parent that does not exist is the foreign key error the application expects, naming
-- the column and the id, not a NOT NULL violation on company_id.
SELECT throws_ok($$INSERT INTO sections (project_id, title) VALUES ('e0000000-0000-4000-8000-0000000000ff', 'Orpheline')$$,
  '23503', 'sections.project_id names project e0000000-0000-4000-8000-0000000000ff, which does not exist',
  'a section written as before tenancy under a project that does not exist is a foreign key error naming it');
SELECT throws_ok($$INSERT INTO block_files (block_id, file_id, relationship)
    VALUES ('f0000000-0000-4000-8000-0000000000bf', 'f0000000-0000-4000-8000-0000000000f1', 'photo')$$,
  '23503', 'block_files.block_id names content block f0000000-0000-4000-8000-0000000000bf, which does not exist',
  'a link written as before tenancy to a block that does not exist is a foreign key error naming it');
-- A tenant is told the same whether the project is missing or another company's.
SET LOCAL app.user_id = 'd0000000-0000-4000-8000-000000000001';
SELECT throws_ok($$INSERT INTO sections (project_id, title) VALUES ('e0000000-0000-4000-8000-0000000000ff', 'Orpheline')$$,
  '23503', 'sections.project_id names project e0000000-0000-4000-8000-0000000000ff, which does not exist or belongs to another company',
  'a tenant''s section under a project that does not exist is a foreign key error that says no more');
SELECT throws_ok($$INSERT INTO sections (project_id, title) VALUES ('e0000000-0000-4000-8000-000000000001', 'Infiltrée')$$,
  '23503', 'sections.project_id names project e0000000-0000-4000-8000-000000000001, which does not exist or belongs to another company',
  'a tenant''s section under another company''s project is the same error');
RESET app.user_id;

INSERT INTO projects (id, name) VALUES ('e0000000-0000-4000-8000-000000000009', 'Appel d''offres écrit comme en v0');
SELECT is((SELECT company_id FROM projects WHERE id = 'e0000000-0000-4000-8000-000000000009'),
  (SELECT legacy_company_id FROM memtech.installation),
  'a project written as before tenancy, by no user, goes to the company of the rows of before');

SET LOCAL app.user_id = 'd0000000-0000-4000-8000-000000000001';
INSERT INTO content_blocks (id, type, title) VALUES ('f0000000-0000-4000-8000-000000000002', 'procedure', 'Gestion des déchets');
SELECT is((SELECT company_id FROM content_blocks WHERE id = 'f0000000-0000-4000-8000-000000000002'),
  'c0000000-0000-4000-8000-000000000001'::uuid, 'a row written without company_id takes the acting user''s company');

-- Authors, uploaders and reviewers are users of the row's own company (the foreign keys
-- alone would accept any user).
SELECT throws_ok($$INSERT INTO content_blocks (company_id, type, title, created_by) VALUES
    ('c0000000-0000-4000-8000-000000000001', 'procedure', 'Copiée', 'd0000000-0000-4000-8000-000000000003')$$,
  '23503', 'content_blocks.created_by must refer to users of the row''s own company',
  'a block written by a user of another company is refused');
SELECT lives_ok($$INSERT INTO content_blocks (company_id, type, title, created_by) VALUES
    ('c0000000-0000-4000-8000-000000000001', 'procedure', 'Rédigée', 'd0000000-0000-4000-8000-000000000001')$$,
  'a block written by a user of its own company is accepted');
SELECT throws_ok($$UPDATE content_blocks SET created_by = 'd0000000-0000-4000-8000-000000000003'
    WHERE id = 'f0000000-0000-4000-8000-000000000002'$$,
  '23503', 'content_blocks.created_by must refer to users of the row''s own company',
  'a block cannot be given an author of another company');
SELECT throws_ok($$INSERT INTO files (company_id, filename, file_type, storage_url, size_bytes, uploaded_by) VALUES
    ('c0000000-0000-4000-8000-000000000001', 'cv.pdf', 'cv', 's3://alpha/cv.pdf', 1, 'd0000000-0000-4000-8000-000000000003')$$,
  '23503', 'files.uploaded_by must refer to users of the row''s own company',
  'a file uploaded by a user of another company is refused');
SELECT throws_ok($$INSERT INTO projects (company_id, name, created_by) VALUES
    ('c0000000-0000-4000-8000-000000000001', 'Gymnase', 'd0000000-0000-4000-8000-000000000003')$$,
  '23503', 'projects.created_by must refer to users of the row''s own company',
  'a project created by a user of another company is refused');
SELECT throws_ok($$INSERT INTO memoires (company_id, title, uploaded_by) VALUES
    ('c0000000-0000-4000-8000-000000000001', 'Mémoire 2024', 'd0000000-0000-4000-8000-000000000003')$$,
  '23503', 'memoires.uploaded_by must refer to users of the row''s own company',
  'a memoire uploaded by a user of another company is refused');

-- The policies read company and role from memtech.active_member, which follows users.
RESET app.user_id;
CREATE TEMPORARY VIEW active_users AS
  SELECT id AS user_id, company_id, role FROM public.users WHERE is_active;
SELECT set_eq('SELECT * FROM memtech.active_member', 'SELECT * FROM active_users',
  'active_member holds exactly the active users, with their company and role');
UPDATE users SET is_active = false WHERE id = 'd0000000-0000-4000-8000-000000000003';
UPDATE users SET is_active = true, role = 'viewer' WHERE id = 'd0000000-0000-4000-8000-000000000002';
UPDATE users SET role = 'user', company_id = 'c0000000-0000-4000-8000-000000000002'
 WHERE id = 'd0000000-0000-4000-8000-000000000002';
SELECT set_eq('SELECT * FROM memtech.active_member', 'SELECT * FROM active_users',
  'deactivation, reactivation, a new role and a move to another company follow in active_member');
DELETE FROM users WHERE id = 'd0000000-0000-4000-8000-000000000002';
SELECT set_eq('SELECT * FROM memtech.active_member', 'SELECT * FROM active_users',
  'a deleted user leaves active_member');

SET LOCAL session_replication_role = replica;
INSERT INTO users (id, company_id, email, full_name, role) VALUES
  ('d0000000-0000-4000-8000-000000000004', 'c0000000-0000-4000-8000-000000000002', 'import@beta.fr', 'Import', 'user');
UPDATE users SET is_active = false WHERE id = 'd0000000-0000-4000-8000-000000000001';
RESET session_replication_role;
SELECT is(memtech.sync_active_members(), 2::bigint, 'after a load that bypassed the triggers, the sync removes and adds what differs');
SELECT set_eq('SELECT * FROM memtech.active_member', 'SELECT * FROM active_users',
  'and active_member holds exactly the active users again');
UPDATE users SET is_active = true WHERE id = 'd0000000-0000-4000-8000-000000000001';

SET LOCAL ROLE authenticated;
SET LOCAL app.user_id = 'd0000000-0000-4000-8000-000000000001';
SELECT results_eq('SELECT user_id FROM memtech.active_member',
  $$VALUES ('d0000000-0000-4000-8000-000000000001'::uuid)$$,
  'a tenant reads its own row of active_member, never who belongs to another company');
SELECT is(memtech.current_company_id(), 'c0000000-0000-4000-8000-000000000001'::uuid,
  'bound by row level security, the company is read from the acting user''s row');
-- Without claims, the policy of active_member reads app.user_id with its own copy of
-- current_user_id()'s expression: both must name the same user, whatever app.user_id holds.
SET LOCAL app.user_id = 'D0000000-0000-4000-8000-000000000001';
SELECT is((SELECT m.user_id FROM memtech.active_member m), memtech.current_user_id(),
  'the policy of active_member and current_user_id() agree on an id in capitals');
SET LOCAL app.user_id = '  d0000000-0000-4000-8000-000000000001 ';
SELECT is((SELECT m.user_id FROM memtech.active_member m), memtech.current_user_id(),
  'and on an id between spaces');
SET LOCAL app.user_id = 'd0000000000040008000000000000001';
SELECT is((SELECT m.user_id FROM memtech.active_member m), memtech.current_user_id(),
  'and on an id without hyphens, which names nobody');
SET LOCAL app.user_id = 'service-token';
SELECT is((SELECT m.user_id FROM memtech.active_member m), memtech.current_user_id(),
  'and on a subject that is no uuid');
SET LOCAL app.user_id = '';
SELECT is((SELECT m.user_id FROM memtech.active_member m), memtech.current_user_id(),
  'and on an empty app.user_id');
SET LOCAL app.user_id = 'd0000000-0000-4000-8000-00000000000z';
SELECT throws_ok('SELECT m.user_id FROM memtech.active_member m', '22P02', NULL,
  'and an id of the uuid form that is not hexadecimal fails the statement, as current_user_id() does');
SET LOCAL app.user_id = 'd0000000-0000-4000-8000-000000000001';
SET LOCAL request.jwt.claims = '{"sub": "d0000000-0000-4000-8000-000000000003"}';
SELECT throws_ok('SELECT m.user_id FROM memtech.active_member m', '28000', NULL,
  'with claims naming another user than app.user_id, the policy fails the statement too');
SET LOCAL request.jwt.claims = '';
RESET ROLE;
SELECT is((SELECT string_agg(polname::text, ', ') FROM pg_policy WHERE polrelid = 'memtech.active_member'::regclass),
  'memtech_acting_user_only',
  'active_member has one policy, the acting user''s row, which the helpers'' lookups rely on');
SET LOCAL ROLE authenticated;
SELECT throws_ok($$INSERT INTO memtech.active_member VALUES ('d0000000-0000-4000-8000-000000000009',
    'c0000000-0000-4000-8000-000000000002', 'admin')$$, '42501', NULL, 'a tenant cannot write itself into a company');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
