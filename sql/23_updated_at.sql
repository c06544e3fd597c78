-- updated_at says when a row last changed, on every table whose DDL adds it (the column
-- contract): the rows people edit. A trigger keeps it, so a client can neither forget it nor
-- set it to another time.

DO $$ BEGIN PERFORM pg_temp.memtech_notice('updated_at triggers'); END $$;

-- Not SECURITY DEFINER, yet search_path is pinned: the trigger runs with the writer's path,
-- and a writer who may create objects in a schema on it could otherwise put its own now()
-- there and choose the time.
CREATE OR REPLACE FUNCTION memtech.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION memtech.touch_updated_at() IS
  'BEFORE UPDATE trigger: sets updated_at to the transaction''s time, whatever the client sent.';
REVOKE ALL ON FUNCTION memtech.touch_updated_at() FROM PUBLIC;

DO $$
DECLARE
  t text;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
            WHERE c.relnamespace = 'public'::regnamespace AND a.attname = 'updated_at' AND NOT a.attisdropped
              AND c.relname IN (SELECT table_name FROM pg_temp.memtech_expected_column WHERE column_name = 'updated_at')
  LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE UPDATE ON public.%I
                    FOR EACH ROW EXECUTE FUNCTION memtech.touch_updated_at()', t || '_touch_updated_at', t);
    EXECUTE format('COMMENT ON TRIGGER %I ON public.%I IS %L', t || '_touch_updated_at', t,
                   'Keeps updated_at: the time of the last change.');
  END LOOP;
END
$$;
