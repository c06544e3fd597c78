-- content_blocks.version counts the saved changes to what a mémoire quotes.
BEGIN;
SELECT plan(7);

INSERT INTO companies (id, name) VALUES ('c0000000-0000-4000-8000-000000000014', 'Versions BTP');
INSERT INTO content_blocks (id, company_id, type, title, version)
VALUES ('b0000000-0000-4000-8000-000000000014', 'c0000000-0000-4000-8000-000000000014', 'procedure', 'PPSPS', 7);
SELECT is((SELECT version FROM content_blocks WHERE id = 'b0000000-0000-4000-8000-000000000014'), 1,
  'a new block starts at version 1, whatever the client sent');

UPDATE content_blocks SET content = 'Plan particulier de sécurité' WHERE id = 'b0000000-0000-4000-8000-000000000014';
SELECT is((SELECT version FROM content_blocks WHERE id = 'b0000000-0000-4000-8000-000000000014'), 2,
  'a change to the content adds exactly 1');

UPDATE content_blocks SET tags = '{securite}', metadata = '{"revision": "B"}' WHERE id = 'b0000000-0000-4000-8000-000000000014';
SELECT is((SELECT version FROM content_blocks WHERE id = 'b0000000-0000-4000-8000-000000000014'), 3,
  'one update changing several quoted fields adds exactly 1');

UPDATE content_blocks SET title = title, created_by = NULL WHERE id = 'b0000000-0000-4000-8000-000000000014';
SELECT is((SELECT version FROM content_blocks WHERE id = 'b0000000-0000-4000-8000-000000000014'), 3,
  'an update changing none of title, content, metadata, tags, is_active leaves it alone');

UPDATE content_blocks SET version = 42 WHERE id = 'b0000000-0000-4000-8000-000000000014';
SELECT is((SELECT version FROM content_blocks WHERE id = 'b0000000-0000-4000-8000-000000000014'), 3,
  'a version sent by the client is ignored');

UPDATE content_blocks SET is_active = false WHERE id = 'b0000000-0000-4000-8000-000000000014';
SELECT is((SELECT version FROM content_blocks WHERE id = 'b0000000-0000-4000-8000-000000000014'), 4,
  'retiring a block is a change too');

-- A writer whose search_path puts a schema of its own before pg_catalog, with its own +.
CREATE SCHEMA counter;
CREATE FUNCTION counter.add_nothing(integer, integer) RETURNS integer LANGUAGE sql RETURN $1;
CREATE OPERATOR counter.+ (LEFTARG = integer, RIGHTARG = integer, FUNCTION = counter.add_nothing);
SET LOCAL search_path = counter, pg_catalog, public;
UPDATE content_blocks SET content = 'Plan particulier de sécurité et de protection de la santé'
 WHERE id = 'b0000000-0000-4000-8000-000000000014';
RESET search_path;
SELECT is((SELECT version FROM content_blocks WHERE id = 'b0000000-0000-4000-8000-000000000014'), 5,
  'a writer''s search_path cannot keep a change from counting');

SELECT * FROM finish();
ROLLBACK;
