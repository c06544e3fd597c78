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
        USING HINT = format('Nothing was changed. Create it once as a superuser (CREATE ROLE %I NOLOGIN), then run the install again.', r);
    END;
    UPDATE memtech.installation SET created_roles = created_roles || r;
    PERFORM pg_temp.memtech_notice('created role %s (NOLOGIN)', r);
  END LOOP;
END
$$;

-- A role an install created says so, for every database of the cluster to see (roles and
-- their comments are the cluster's): the uninstall of whichever database uses it last drops
-- it. An install of an earlier version, which created it without a comment, gets it now.
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY (SELECT created_roles FROM memtech.installation) LOOP
    CONTINUE WHEN to_regrole(quote_ident(r)) IS NULL
               OR shobj_description(to_regrole(quote_ident(r)), 'pg_authid') IS NOT NULL;
    BEGIN
      EXECUTE format('COMMENT ON ROLE %I IS %L', r, pg_temp.memtech_created_role_comment(r));
    EXCEPTION WHEN insufficient_privilege THEN
      -- Another role created it (PostgreSQL 16+ lets only a role's admins comment on it).
      PERFORM pg_temp.memtech_notice('leaving role %s without the comment that says a memtech install created it: %s; '
        'only the uninstall of this database will drop it', r, SQLERRM);
    END;
  END LOOP;
END
$$;

-- Roles belong to the whole cluster, and PostgreSQL lets DROP ROLE go through unless an
-- object of some database depends on the role. The package grants anon nothing, so without
-- this, nothing in a database where memtech is installed would keep an uninstall elsewhere
-- from dropping anon under it. A policy naming both roles, on a private table that holds no
-- row, is such a dependency: the catalog records it in pg_shdepend, which every database
-- sees. PostgreSQL then refuses DROP ROLE while memtech is installed here, and the uninstall
-- of another database finds this one there and keeps the roles. The policy grants nothing
-- (restrictive, false, and neither role may read the table).
CREATE TABLE IF NOT EXISTS memtech.api_roles_in_use (
  singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT api_roles_in_use_is_singleton CHECK (singleton)
);
COMMENT ON TABLE memtech.api_roles_in_use IS
  'Holds no row. Its policy memtech_api_roles_in_use names anon and authenticated, so that pg_shdepend, which every database of the cluster sees, records that this database uses them: no uninstall elsewhere drops them while memtech is installed here.';
COMMENT ON COLUMN memtech.api_roles_in_use.singleton IS
  'A key, for a table meant to stay empty: only its policy matters.';
ALTER TABLE memtech.api_roles_in_use ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policy
                  WHERE polrelid = 'memtech.api_roles_in_use'::regclass AND polname = 'memtech_api_roles_in_use'
                    AND polroles @> ARRAY[to_regrole('anon'), to_regrole('authenticated')]::oid[]) THEN
    DROP POLICY IF EXISTS memtech_api_roles_in_use ON memtech.api_roles_in_use;
    CREATE POLICY memtech_api_roles_in_use ON memtech.api_roles_in_use AS RESTRICTIVE FOR SELECT
      TO anon, authenticated USING (false);
    COMMENT ON POLICY memtech_api_roles_in_use ON memtech.api_roles_in_use IS
      'Grants nothing: it names anon and authenticated so that the catalog records, cluster-wide, that this database uses them.';
  END IF;
END
$$;
