DO $undo$
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  DROP TRIGGER IF EXISTS content_blocks_copy_tags_insert ON public.content_blocks;
  DROP TRIGGER IF EXISTS content_blocks_copy_tags_update ON public.content_blocks;
  DROP TRIGGER IF EXISTS content_blocks_copy_tags_delete ON public.content_blocks;
  DROP TRIGGER IF EXISTS content_blocks_copy_tags_truncate ON public.content_blocks;
  DROP FUNCTION IF EXISTS memtech.copy_block_tags(), memtech.sync_block_tags();
END
$undo$;
