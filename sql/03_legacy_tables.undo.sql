-- Drops the v0 tables only where the install created them (an empty database before the
-- install is an empty database after the uninstall). Their rows, if any, were counted by
-- the uninstall's guard, which refuses unless memtech.confirm_data_loss is on.
DO $undo$
DECLARE
  created text[];
  t text;
  c record;
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  SELECT created_tables INTO created FROM memtech.installation;
  -- Comments the install added to tables that stay: back to none, unless changed since.
  PERFORM pg_temp.memtech_notice('removing the comments the install added to the v0 tables');
  FOR c IN SELECT a.* FROM memtech.added_comment a
            WHERE a.table_name <> ALL (created) AND to_regclass('public.' || quote_ident(a.table_name)) IS NOT NULL LOOP
    IF c.column_name = '' THEN
      IF obj_description(('public.' || quote_ident(c.table_name))::regclass, 'pg_class') = c.description THEN
        EXECUTE format('COMMENT ON TABLE public.%I IS NULL', c.table_name);
      END IF;
    ELSIF col_description(('public.' || quote_ident(c.table_name))::regclass,
                          (SELECT attnum FROM pg_attribute WHERE attrelid = ('public.' || quote_ident(c.table_name))::regclass
                              AND attname = c.column_name)) = c.description THEN
      EXECUTE format('COMMENT ON COLUMN public.%I.%I IS NULL', c.table_name, c.column_name);
    END IF;
  END LOOP;
  -- Together: their foreign keys between them need no order.
  PERFORM pg_temp.memtech_drop_tables(ARRAY(
    SELECT format('public.%I', m.table_name) FROM pg_temp.memtech_tenant_table m
     WHERE m.origin = 'v0' AND m.table_name = ANY (created)));
END
$undo$;
