-- Drops the API roles a memtech install created, once nothing uses them. Roles belong to the
-- whole cluster, so this database's uninstall must not take them from another database:
-- DROP ROLE would go through wherever no object depends on the role, silently removing
-- what is not an object (memberships, settings). A role is kept, and a NOTICE says why,
-- while any of these holds:
--   * another database depends on it (pg_shdepend, shared by all databases, says which):
--     memtech installed there (its policy memtech_api_roles_in_use names both roles), or
--     objects of its own owned by, granted to or with a policy for the role;
--   * a shared object depends on it (a database it owns, privileges on a database);
--   * an object of this database still depends on it, once the package's own are gone;
--   * it has members (PostgREST's authenticator is made a member of anon and authenticated)
--     or is a member of another role: DROP ROLE would revoke those memberships. The role
--     running the uninstall is left out: PostgreSQL 16+ makes a role's creator, when not a
--     superuser, a member of it, and that membership goes with the role;
--   * it has settings of its own (ALTER ROLE ... SET), which DROP ROLE would discard.
-- The roles a memtech install created are those this install recorded, and those whose
-- comment says a memtech install created them, whichever database that was: the last
-- uninstall drops them, even when the database that created them was uninstalled first.

CREATE OR REPLACE FUNCTION pg_temp.memtech_role_still_used(role_oid oid) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT array_remove(ARRAY[
    (SELECT 'database(s) ' || string_agg(format('%s (%s)', u.datname, u.kinds), ', ' ORDER BY u.datname)
            || ' of this cluster depend on it (memtech is installed there, or objects there are owned by, granted to or have a policy for it)'
       FROM (SELECT d.datname,
                    string_agg(DISTINCT CASE s.deptype WHEN 'o' THEN 'owned objects' WHEN 'r' THEN 'policies'
                                                       ELSE 'privileges' END, ', ') AS kinds
               FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
              WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = role_oid
                AND d.datname <> current_database()
              GROUP BY d.datname) u),
    (SELECT 'objects of the cluster depend on it: '
            || string_agg(DISTINCT pg_describe_object(s.classid, s.objid, s.objsubid), ', ')
       FROM pg_shdepend s
      WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = role_oid AND s.dbid = 0 AND s.deptype <> 'p'),
    (SELECT 'objects of this database depend on it: '
            || string_agg(DISTINCT pg_describe_object(s.classid, s.objid, s.objsubid), ', ')
       FROM pg_shdepend s
      WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = role_oid
        AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())),
    (SELECT 'it has members, whose membership dropping it would revoke: '
            || string_agg(m.member::regrole::text, ', ' ORDER BY m.member::regrole::text)
       FROM pg_auth_members m
      WHERE m.roleid = role_oid AND m.member <> (SELECT oid FROM pg_roles WHERE rolname = current_user)),
    (SELECT 'it is a member of ' || string_agg(format('%s (granted by %s)', m.roleid::regrole, m.grantor::regrole), ', '
                                               ORDER BY m.roleid::regrole::text)
            || ', which dropping it would revoke'
       FROM pg_auth_members m WHERE m.member = role_oid),
    (SELECT 'it has settings of its own (ALTER ROLE ... SET), which dropping it would discard'
      WHERE EXISTS (SELECT 1 FROM pg_db_role_setting WHERE setrole = role_oid))
  ], NULL)
$$;

DO $undo$
DECLARE
  r text;
  role_oid oid;
  reasons text[];
BEGIN
  IF NOT pg_temp.memtech_installed() THEN
    RETURN;
  END IF;
  -- This database's own use of the roles goes first: from here only others count.
  DROP TABLE IF EXISTS memtech.api_roles_in_use;
  FOR r IN
    SELECT DISTINCT x.name FROM (
      SELECT unnest(created_roles) FROM memtech.installation
      UNION ALL
      SELECT a.rolname::text FROM pg_roles a
       WHERE a.rolname IN ('anon', 'authenticated')
         AND shobj_description(a.oid, 'pg_authid') = pg_temp.memtech_created_role_comment(a.rolname)
    ) x (name)
    ORDER BY 1
  LOOP
    role_oid := to_regrole(quote_ident(r));
    CONTINUE WHEN role_oid IS NULL;
    reasons := pg_temp.memtech_role_still_used(role_oid);
    IF cardinality(reasons) > 0 THEN
      PERFORM pg_temp.memtech_notice('keeping role %s, which a memtech install created: %s', r,
                                     array_to_string(reasons, '; '));
      CONTINUE;
    END IF;
    BEGIN
      EXECUTE format('DROP ROLE %I', r);
      PERFORM pg_temp.memtech_notice('dropped role %s, which a memtech install created: no database of the cluster uses it any more', r);
    EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
      PERFORM pg_temp.memtech_notice('keeping role %s, which a memtech install created: %s', r, SQLERRM);
    END;
  END LOOP;
END
$undo$;
