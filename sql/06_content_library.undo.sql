DO $undo$
BEGIN
  PERFORM pg_temp.memtech_drop_tables(ARRAY['public.content_block_tags', 'public.block_files', 'public.files', 'public.content_blocks', 'public.past_projects', 'public.section_templates']);
END
$undo$;
