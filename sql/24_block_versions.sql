-- content_blocks.version: 1 when a block is created, then one more each time a change to
-- what a mémoire would quote (title, content, metadata, tags, active flag) is saved. An
-- update that changes none of these leaves it alone, and a version sent by the client is
-- ignored, so the number always counts real changes.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('content block versions'); END $$;

-- search_path pinned although not SECURITY DEFINER: unpinned, a writer with its own + or =
-- operator ahead of pg_catalog on its path would choose the version (see touch_updated_at).
CREATE OR REPLACE FUNCTION memtech.count_block_version() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.version := 1;
  ELSIF (NEW.title, NEW.content, NEW.metadata, NEW.tags, NEW.is_active)
        IS DISTINCT FROM (OLD.title, OLD.content, OLD.metadata, OLD.tags, OLD.is_active) THEN
    NEW.version := OLD.version + 1;
  ELSE
    NEW.version := OLD.version;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION memtech.count_block_version() IS
  'BEFORE INSERT OR UPDATE trigger on content_blocks: version is 1 at creation and grows by exactly 1 with each saved change to the quoted content; clients cannot set it.';
REVOKE ALL ON FUNCTION memtech.count_block_version() FROM PUBLIC;

CREATE OR REPLACE TRIGGER content_blocks_count_version
  BEFORE INSERT OR UPDATE ON public.content_blocks
  FOR EACH ROW EXECUTE FUNCTION memtech.count_block_version();
COMMENT ON TRIGGER content_blocks_count_version ON public.content_blocks IS
  'Counts versions of the block''s content; a client''s version is ignored.';
