-- content_block_tags holds exactly the tags of content_blocks, whatever wrote them.
BEGIN;
SELECT plan(16);

INSERT INTO companies (id, name) VALUES
  ('c0000000-0000-4000-8000-000000000016', 'Étiquettes BTP'),
  ('c0000000-0000-4000-8000-000000000116', 'Autre BTP');
INSERT INTO users (id, company_id, email, full_name, role) VALUES
  ('d0000000-0000-4000-8000-000000000016', 'c0000000-0000-4000-8000-000000000016', 'redac@etiquettes.fr', 'Rédactrice', 'user');

CREATE FUNCTION pg_temp.tags_of(block uuid) RETURNS text
LANGUAGE sql AS $$
  SELECT coalesce(string_agg(company_id::text || ':' || tag, ',' ORDER BY tag), '')
    FROM public.content_block_tags WHERE block_id = block
$$;

INSERT INTO content_blocks (id, company_id, type, title, tags) VALUES
  ('b0000000-0000-4000-8000-000000000016', 'c0000000-0000-4000-8000-000000000016', 'equipment', 'Grue', '{levage,grue,levage,NULL}'),
  ('b0000000-0000-4000-8000-000000000116', 'c0000000-0000-4000-8000-000000000016', 'procedure', 'PPSPS', '{}');
SELECT is(pg_temp.tags_of('b0000000-0000-4000-8000-000000000016'),
  'c0000000-0000-4000-8000-000000000016:grue,c0000000-0000-4000-8000-000000000016:levage',
  'a new block''s tags are rows, each once, NULL left out, with the block''s company');
SELECT is(pg_temp.tags_of('b0000000-0000-4000-8000-000000000116'), '', 'a block without tags has no rows');

UPDATE content_blocks SET tags = '{grue,a-tour}' WHERE id = 'b0000000-0000-4000-8000-000000000016';
SELECT is(pg_temp.tags_of('b0000000-0000-4000-8000-000000000016'),
  'c0000000-0000-4000-8000-000000000016:a-tour,c0000000-0000-4000-8000-000000000016:grue',
  'changing a block''s tags replaces its rows: the removed tag goes, the new one comes');

UPDATE content_blocks SET tags = '{grue,NULL}' WHERE id = 'b0000000-0000-4000-8000-000000000016';
SELECT is(pg_temp.tags_of('b0000000-0000-4000-8000-000000000016'), 'c0000000-0000-4000-8000-000000000016:grue',
  'a tag removed goes even when the new array holds a NULL');
UPDATE content_blocks SET tags = '{grue,a-tour}' WHERE id = 'b0000000-0000-4000-8000-000000000016';

CREATE TEMPORARY TABLE before_untagged_update AS SELECT ctid AS row_address, * FROM content_block_tags;
UPDATE content_blocks SET title = 'Grue à tour' WHERE id = 'b0000000-0000-4000-8000-000000000016';
SELECT set_eq('SELECT ctid AS row_address, * FROM content_block_tags', 'SELECT * FROM before_untagged_update',
  'an update that leaves the tags alone does not touch their rows');

-- Tags changed by another BEFORE trigger, not by the SET list, follow too.
CREATE FUNCTION pg_temp.mark_reviewed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.tags := NEW.tags || 'relu'::text; RETURN NEW; END $$;
CREATE TRIGGER test_mark_reviewed BEFORE UPDATE ON content_blocks FOR EACH ROW EXECUTE FUNCTION pg_temp.mark_reviewed();
UPDATE content_blocks SET title = 'Grue à tour (relue)' WHERE id = 'b0000000-0000-4000-8000-000000000016';
DROP TRIGGER test_mark_reviewed ON content_blocks;
SELECT is(pg_temp.tags_of('b0000000-0000-4000-8000-000000000016'),
  'c0000000-0000-4000-8000-000000000016:a-tour,c0000000-0000-4000-8000-000000000016:grue,c0000000-0000-4000-8000-000000000016:relu',
  'a tag added by another BEFORE trigger, with tags absent from the SET list, is copied too');
UPDATE content_blocks SET tags = '{grue,a-tour}' WHERE id = 'b0000000-0000-4000-8000-000000000016';

UPDATE content_blocks SET company_id = 'c0000000-0000-4000-8000-000000000116', created_by = NULL
 WHERE id = 'b0000000-0000-4000-8000-000000000016';
SELECT is(pg_temp.tags_of('b0000000-0000-4000-8000-000000000016'),
  'c0000000-0000-4000-8000-000000000116:a-tour,c0000000-0000-4000-8000-000000000116:grue',
  'a block moved to another company takes its tags along');

UPDATE content_blocks SET id = 'b0000000-0000-4000-8000-000000000216' WHERE id = 'b0000000-0000-4000-8000-000000000016';
SELECT is(pg_temp.tags_of('b0000000-0000-4000-8000-000000000016') || '|' || pg_temp.tags_of('b0000000-0000-4000-8000-000000000216'),
  '|c0000000-0000-4000-8000-000000000116:a-tour,c0000000-0000-4000-8000-000000000116:grue',
  'a block given a new id keeps its tags under the new id');

DELETE FROM content_blocks WHERE id = 'b0000000-0000-4000-8000-000000000216';
SELECT is(pg_temp.tags_of('b0000000-0000-4000-8000-000000000216'), '', 'a deleted block''s tags go with it');

-- A tenant writes blocks; the tags follow although the tenant may not write them itself.
SET LOCAL ROLE authenticated;
SELECT set_config('app.user_id', 'd0000000-0000-4000-8000-000000000016', true);
INSERT INTO content_blocks (id, type, title, tags) VALUES
  ('b0000000-0000-4000-8000-000000000316', 'certification', 'Qualibat', '{qualibat,rge}');
SELECT is((SELECT string_agg(tag, ',' ORDER BY tag) FROM content_block_tags WHERE block_id = 'b0000000-0000-4000-8000-000000000316'),
  'qualibat,rge', 'a tenant''s new block has its tags, readable by the tenant');
SELECT throws_ok(
  $$INSERT INTO content_block_tags (company_id, block_id, tag) VALUES ('c0000000-0000-4000-8000-000000000016', 'b0000000-0000-4000-8000-000000000316', 'faux')$$,
  '42501', NULL, 'a tenant cannot write tags directly: they come from content_blocks.tags');
RESET ROLE;

-- Writes that bypass triggers leave the table behind until memtech.sync_block_tags().
SET LOCAL session_replication_role = replica;
INSERT INTO content_blocks (id, company_id, type, title, tags) VALUES
  ('b0000000-0000-4000-8000-000000000416', 'c0000000-0000-4000-8000-000000000016', 'equipment', 'Nacelle', '{levage}');
UPDATE content_blocks SET tags = '{qualibat}' WHERE id = 'b0000000-0000-4000-8000-000000000316';
SET LOCAL session_replication_role = origin;
SELECT is(memtech.sync_block_tags(), 2::bigint,
  'memtech.sync_block_tags() removes the stale row and adds the missing one, and says how many');
SELECT is(pg_temp.tags_of('b0000000-0000-4000-8000-000000000416') || '|' || pg_temp.tags_of('b0000000-0000-4000-8000-000000000316'),
  'c0000000-0000-4000-8000-000000000016:levage|c0000000-0000-4000-8000-000000000016:qualibat',
  'after memtech.sync_block_tags() the rows match the blocks again');

-- The README's way to find a company's blocks with all of some tags gives what tags @> gives.
INSERT INTO content_blocks (id, company_id, type, title, tags) VALUES
  ('b0000000-0000-4000-8000-000000000516', 'c0000000-0000-4000-8000-000000000016', 'equipment', 'Grue mobile', '{grue,levage}'),
  ('b0000000-0000-4000-8000-000000000616', 'c0000000-0000-4000-8000-000000000016', 'equipment', 'Palan', '{levage}'),
  ('b0000000-0000-4000-8000-000000000716', 'c0000000-0000-4000-8000-000000000016', 'equipment', 'Grue à tour', '{nacelle,grue,levage}'),
  ('b0000000-0000-4000-8000-000000000816', 'c0000000-0000-4000-8000-000000000016', 'person-cv', 'Grutier', '{grue,levage}'),
  ('b0000000-0000-4000-8000-000000000916', 'c0000000-0000-4000-8000-000000000116', 'equipment', 'Grue d''un autre', '{grue,levage}');
SET LOCAL ROLE authenticated;
SELECT set_config('app.user_id', 'd0000000-0000-4000-8000-000000000016', true);
SELECT results_eq(
  $$SELECT id FROM content_blocks
     WHERE is_active AND type = 'equipment'
       AND id IN (SELECT block_id FROM content_block_tags WHERE tag = ANY ('{grue,levage}')
                  GROUP BY block_id HAVING count(*) = 2)
     ORDER BY id$$,
  $$SELECT id FROM content_blocks WHERE is_active AND type = 'equipment' AND tags @> '{grue,levage}' ORDER BY id$$,
  'a tenant''s blocks of a type with all of some tags, found through content_block_tags as the README shows, are those tags @> finds');
SELECT is((SELECT count(*) FROM content_blocks WHERE tags @> '{grue,levage}' AND type = 'equipment'), 2::bigint,
  '(and they are the two of its own company)');
RESET ROLE;

TRUNCATE content_blocks CASCADE;
SELECT is_empty('SELECT * FROM content_block_tags', 'TRUNCATE of content_blocks empties content_block_tags too');

SELECT * FROM finish();
ROLLBACK;
