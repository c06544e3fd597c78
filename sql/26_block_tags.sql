-- content_block_tags follows content_blocks.tags: the application writes a block's tags
-- as an array, as the specification has them, and reads "blocks with these tags" from the
-- rows of content_block_tags, where the filter is text equality on an index led by
-- company_id.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('block tags'); END $$;

-- SECURITY DEFINER: clients may only read content_block_tags; the rows they cause are
-- exactly the tags of the blocks they were allowed to write.
-- plan_cache_mode: the per-row delete filters on the old tags (= ANY of an array), which
-- PostgreSQL would otherwise plan again at every row, each custom plan priced below the
-- generic one; its generic plan is the same scan of the key.
CREATE OR REPLACE FUNCTION memtech.copy_block_tags() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  -- Rows are (company_id, tag, block_id), the key itself: each row removed is found by its
  -- key, and there is no other index to keep.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO public.content_block_tags (company_id, tag, block_id)
    SELECT n.company_id, t.tag, n.id FROM new_rows n CROSS JOIN LATERAL unnest(n.tags) AS t(tag)
     WHERE t.tag IS NOT NULL
    ON CONFLICT DO NOTHING;
  ELSIF TG_OP = 'UPDATE' THEN
    -- Row level, fired only for a block whose tags, company or id changed (the trigger's
    -- WHEN): the tags it lost go, the ones it gained come. array_position, not = ANY: a
    -- NULL in the array would make = ANY unknown instead of false.
    DELETE FROM public.content_block_tags t
     WHERE t.company_id = OLD.company_id AND t.tag = ANY (OLD.tags) AND t.block_id = OLD.id
       AND NOT (t.company_id = NEW.company_id AND t.block_id = NEW.id AND array_position(NEW.tags, t.tag) IS NOT NULL);
    INSERT INTO public.content_block_tags (company_id, tag, block_id)
    SELECT NEW.company_id, t.tag, NEW.id FROM unnest(NEW.tags) AS t(tag)
     WHERE t.tag IS NOT NULL
       AND NOT (NEW.company_id = OLD.company_id AND NEW.id = OLD.id AND array_position(OLD.tags, t.tag) IS NOT NULL)
    ON CONFLICT DO NOTHING;
  ELSIF TG_OP = 'DELETE' THEN
    DELETE FROM public.content_block_tags t
     USING (SELECT o.company_id, u.tag, o.id FROM old_rows o CROSS JOIN LATERAL unnest(o.tags) AS u(tag)) gone
     WHERE t.company_id = gone.company_id AND t.tag = gone.tag AND t.block_id = gone.id;
  ELSE
    TRUNCATE public.content_block_tags;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION memtech.copy_block_tags() IS
  'AFTER trigger on content_blocks: makes content_block_tags hold exactly the tags of the blocks a statement inserted, updated, deleted or truncated.';
REVOKE ALL ON FUNCTION memtech.copy_block_tags() FROM PUBLIC;

-- Inserts and deletes per statement, with transition tables: an import or a cascade writes
-- its tags in one statement. Updates per row, only where the tags, company or id changed
-- (the WHEN is checked in C, before any function call): most updates (a title, the
-- content, the active flag) then cost nothing here. No column list (UPDATE OF tags): it
-- would miss tags changed by another BEFORE trigger rather than by the SET list.
CREATE OR REPLACE TRIGGER content_blocks_copy_tags_insert
  AFTER INSERT ON public.content_blocks REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION memtech.copy_block_tags();
CREATE OR REPLACE TRIGGER content_blocks_copy_tags_update
  AFTER UPDATE ON public.content_blocks
  FOR EACH ROW WHEN ((OLD.tags, OLD.company_id, OLD.id) IS DISTINCT FROM (NEW.tags, NEW.company_id, NEW.id))
  EXECUTE FUNCTION memtech.copy_block_tags();
CREATE OR REPLACE TRIGGER content_blocks_copy_tags_delete
  AFTER DELETE ON public.content_blocks REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION memtech.copy_block_tags();
CREATE OR REPLACE TRIGGER content_blocks_copy_tags_truncate
  AFTER TRUNCATE ON public.content_blocks
  FOR EACH STATEMENT EXECUTE FUNCTION memtech.copy_block_tags();
COMMENT ON TRIGGER content_blocks_copy_tags_insert ON public.content_blocks IS 'New blocks'' tags into content_block_tags.';
COMMENT ON TRIGGER content_blocks_copy_tags_update ON public.content_blocks IS 'A block''s changed tags (or company, or id) follow in content_block_tags.';
COMMENT ON TRIGGER content_blocks_copy_tags_delete ON public.content_blocks IS 'Deleted blocks'' tags out of content_block_tags.';
COMMENT ON TRIGGER content_blocks_copy_tags_truncate ON public.content_blocks IS 'TRUNCATE empties content_block_tags too.';

-- For loads that bypass triggers (session_replication_role = replica, a restore with
-- triggers disabled), and for the install itself on blocks that predate the table. The
-- triggers rely on the table matching the blocks: a stale row they do not know of stays
-- until this runs.
CREATE OR REPLACE FUNCTION memtech.sync_block_tags() RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  removed bigint;
  added bigint;
BEGIN
  DELETE FROM public.content_block_tags t
   WHERE NOT EXISTS (SELECT 1 FROM public.content_blocks b
                      WHERE b.id = t.block_id AND b.company_id = t.company_id AND t.tag = ANY (b.tags));
  GET DIAGNOSTICS removed = ROW_COUNT;
  INSERT INTO public.content_block_tags (company_id, tag, block_id)
  SELECT b.company_id, t.tag, b.id FROM public.content_blocks b CROSS JOIN LATERAL unnest(b.tags) AS t(tag)
   WHERE t.tag IS NOT NULL
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS added = ROW_COUNT;
  RAISE NOTICE 'memtech: content_block_tags: % stale row(s) removed, % missing row(s) added', removed, added;
  RETURN removed + added;
END
$$;
COMMENT ON FUNCTION memtech.sync_block_tags() IS
  'Makes content_block_tags match content_blocks.tags again after writes that bypassed the triggers; returns how many rows it removed and added. Run it as the tables'' owner.';
REVOKE ALL ON FUNCTION memtech.sync_block_tags() FROM PUBLIC;

-- ==== Upgrades from earlier versions =====================================================
-- What an install of an earlier release left here that this version does differently.

-- 0.1.0 had no content_block_tags: the blocks it holds have tags and no rows here yet.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.content_block_tags)
     AND EXISTS (SELECT 1 FROM public.content_blocks WHERE cardinality(tags) > 0) THEN
    PERFORM pg_temp.memtech_notice('copying the tags of existing content blocks');
    PERFORM memtech.sync_block_tags();
  END IF;
END
$$;
