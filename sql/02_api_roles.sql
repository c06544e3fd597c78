-- The roles the API speaks as: anon (no signed-in user) and authenticated (a signed-in
-- user, whose company and role come from the users table). Supabase and PostgREST already
-- have them; elsewhere the install creates them, without LOGIN: a backend or PostgREST's
-- authenticator role switches to them with SET LOCAL ROLE inside a transaction.

DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    CONTINUE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r);
    BEGIN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'memtech needs the role % and % may not create it', r, current_user
        USING HINT = format('Create it once as a superuser (CREATE ROLE %I NOLOGIN), then run the install again; nothing was changed.', r);
    END;
    UPDATE memtech.installation SET created_roles = created_roles || r;
    PERFORM pg_temp.memtech_notice('created role %s (NOLOGIN)', r);
  END LOOP;
END
$$;
