-- A guided tour of memtech, run by `make demo` on a database holding the v0 sample, the
-- package and the development seed. psql script (it uses \echo), read it along.
\set QUIET on
\pset footer off
\echo
\echo '== 1. The same query, two companies, different rows ====================================='
\echo 'Jean-Marc Perrin (user at Bâtiments Rhône-Alpes Construction) asks for the CVs of the library:'
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL app.user_id = '5eed0002-0001-4000-8000-000000000002';
SELECT title FROM content_blocks WHERE type = 'person-cv' ORDER BY title;
COMMIT;
\echo 'The same query by Yann Kerbrat, viewer at Menuiseries Durand & Fils:'
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL app.user_id = '5eed0002-0002-4000-8000-000000000004';
SELECT title FROM content_blocks WHERE type = 'person-cv' ORDER BY title;
COMMIT;
\echo 'Row level security filters by the company of the acting user, read from users: no WHERE needed.'
\echo
\echo '== 2. A viewer may read, not write ====================================================='
\echo 'Yann Kerbrat tries to add a block (expect: new row violates row-level security policy):'
\set ON_ERROR_STOP off
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL app.user_id = '5eed0002-0002-4000-8000-000000000004';
INSERT INTO content_blocks (type, title) VALUES ('procedure', 'Tentative d''écriture');
ROLLBACK;
\set ON_ERROR_STOP on
\echo
\echo '== 3. An edit bumps the version and leaves an audit row =================================='
\echo 'Jean-Marc Perrin, from 203.0.113.7 with a browser, rewrites the company profile:'
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL app.user_id = '5eed0002-0001-4000-8000-000000000002';
SET LOCAL request.headers = '{"x-forwarded-for": "203.0.113.7", "user-agent": "Mozilla/5.0 (démo)"}';
SELECT title, version AS version_before FROM content_blocks WHERE id = '5eed0003-0001-4000-8000-000000000001';
UPDATE content_blocks SET content = content || E'\nCertifiée Qualibat 2112 depuis 2015.'
 WHERE id = '5eed0003-0001-4000-8000-000000000001';
SELECT title, version AS version_after FROM content_blocks WHERE id = '5eed0003-0001-4000-8000-000000000001';
COMMIT;
\echo 'What the company admin (Claire Vasseur) reads in the audit log:'
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL app.user_id = '5eed0002-0001-4000-8000-000000000001';
SELECT l."timestamp"::timestamp(0) AS "when", u.full_name AS who, l.ip_address AS "from", l.user_agent AS agent,
       l.action, (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(l.details) k) AS "what changed",
       l.details -> 'version' AS version
  FROM audit_log l JOIN users u ON u.id = l.user_id
 WHERE l.resource_id = '5eed0003-0001-4000-8000-000000000001' AND l.action = 'update'
 ORDER BY l."timestamp" DESC LIMIT 1;
COMMIT;
\echo
\echo '== 4. Try more =========================================================================='
\echo 'make psql PSQL_ARGS=-dmemtech_demo   opens psql on this database; then for example:'
\echo '  BEGIN; SET LOCAL ROLE authenticated;'
\echo '  SET LOCAL app.user_id = ''5eed0002-0003-4000-8000-000000000001'';  -- admin of Énergie Bâtiment Sud'
\echo '  SELECT name, status FROM projects;  SELECT action, resource_type FROM audit_log LIMIT 5;'
\echo '  ROLLBACK;'
\echo '\\d+ content_blocks shows every column with the comment that says why it is there.'
