DO $undo$
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  DROP TRIGGER IF EXISTS content_blocks_count_version ON public.content_blocks;
  DROP FUNCTION IF EXISTS memtech.count_block_version();
END
$undo$;
