DO $undo$
BEGIN
  PERFORM pg_temp.memtech_drop_tables(ARRAY['public.generation_requests', 'public.content_matches',
                                            'public.rc_analysis']);
END
$undo$;
