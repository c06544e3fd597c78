-- Drops the API roles the install created, once nothing refers to them. Roles belong to
-- the whole cluster: while another database still uses one (memtech installed there too,
-- or grants of its own), it stays, and a NOTICE says so.
DO $undo$
DECLARE
  r text;
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  FOREACH r IN ARRAY (SELECT created_roles FROM memtech.installation) LOOP
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r);
    BEGIN
      EXECUTE format('DROP ROLE %I', r);
      PERFORM pg_temp.memtech_notice('dropped role %s, which the install created', r);
    EXCEPTION WHEN dependent_objects_still_exist THEN
      PERFORM pg_temp.memtech_notice('keeping role %s, which the install created: it is still in use (%s)', r, SQLERRM);
    END;
  END LOOP;
END
$undo$;
