-- The uninstall's own helpers (after toolkit/common.sql and the manifest): how it recognises
-- an install, gives privileges back and drops what the package made, in pg_temp, never an
-- object of the application's.

-- The uninstall acts only where memtech is installed: on any other database, tables named
-- like the package's belong to someone else. Every undo module starts by asking this.
CREATE OR REPLACE FUNCTION pg_temp.memtech_installed() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT to_regclass('memtech.installation') IS NOT NULL $$;

-- Called by the uninstall before it drops tables, types or columns: fails, naming them,
-- when objects of the application depend on what would go.
CREATE OR REPLACE FUNCTION pg_temp.memtech_assert_removable(
  tables regclass[], types regtype[] DEFAULT '{}', columns text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  found text[];
BEGIN
  -- Whatever still depends on what is about to go, once the package's own objects are
  -- gone, belongs to the application. PostgreSQL would drop its indexes and constraints
  -- silently with a column, and refuse for a view with a hint to use CASCADE: either way
  -- the application would lose something, so stop first and say what.
  WITH removed(classid, objid, subids) AS (
    SELECT 'pg_class'::regclass, t::oid,
           (SELECT array_agg(attnum) FROM pg_attribute WHERE attrelid = t AND attname = ANY (columns))
      FROM unnest(tables) t
    UNION ALL
    SELECT 'pg_type'::regclass, reltype, NULL FROM pg_class WHERE oid = ANY (tables) AND columns IS NULL
    UNION ALL
    SELECT 'pg_type'::regclass, ty::oid, NULL FROM unnest(types) ty
    UNION ALL
    SELECT 'pg_type'::regclass, typarray, NULL FROM pg_type WHERE oid = ANY (types::oid[]) AND typarray <> 0
  ), dependent AS (
    SELECT d.classid, d.objid, d.objsubid,
           CASE d.classid
             WHEN 'pg_constraint'::regclass THEN (SELECT conrelid FROM pg_constraint WHERE oid = d.objid)
             WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = d.objid)
             WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = d.objid)
             WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = d.objid)
             WHEN 'pg_attrdef'::regclass THEN (SELECT adrelid FROM pg_attrdef WHERE oid = d.objid)
             WHEN 'pg_class'::regclass THEN coalesce((SELECT indrelid FROM pg_index WHERE indexrelid = d.objid), d.objid)
           END AS owner
      FROM pg_depend d
      JOIN removed r ON d.refclassid = r.classid AND d.refobjid = r.objid
     WHERE d.deptype IN ('n', 'a')
       AND (r.subids IS NULL OR d.refobjsubid = ANY (r.subids))
  )
  SELECT array_agg(DISTINCT pg_describe_object(classid, objid, objsubid)) INTO found
    FROM dependent
   WHERE classid <> 'pg_attrdef'::regclass            -- a removed column's own default
     AND NOT (classid = 'pg_constraint'::regclass      -- and its NOT NULL (a constraint from 18 on)
              AND (SELECT contype FROM pg_constraint WHERE oid = objid) = 'n')
     AND NOT (columns IS NULL AND owner = ANY (tables::oid[]));  -- parts of a removed table
  IF found IS NOT NULL THEN
    RAISE EXCEPTION 'memtech cannot remove %: the application''s % depend(s) on it',
                    concat_ws(' and ',
                      CASE WHEN columns IS NOT NULL THEN format('column(s) %s of %s', array_to_string(columns, ', '), tables[1])
                           WHEN cardinality(tables) > 0 THEN 'table(s) ' || array_to_string(tables, ', ') END,
                      CASE WHEN cardinality(types) > 0 THEN 'type(s) ' || array_to_string(types, ', ') END),
                    array_to_string(found, ', ')
      USING ERRCODE = 'dependent_objects_still_exist',
            HINT = 'The uninstall never drops objects it did not create. Drop or change the objects named, then run the uninstall again; nothing was changed.';
  END IF;
END
$$;

-- Gives a table back the ACL it had: when it differs, every grantee (the owner too) loses
-- its privileges and the original entries are granted again in their original order, so
-- that the ACL is exactly as before, entries and order.
CREATE OR REPLACE FUNCTION pg_temp.memtech_restore_acl(tbl text, original aclitem[])
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  target regclass := ('public.' || quote_ident(tbl))::regclass;
  owner oid := (SELECT relowner FROM pg_class WHERE oid = target);
  wanted aclitem[] := coalesce(original, acldefault('r', (SELECT relowner FROM pg_class WHERE oid = target)));
  current aclitem[] := (SELECT relacl FROM pg_class WHERE oid = target);
  who oid;
  item record;
BEGIN
  IF coalesce(current, acldefault('r', owner)) = wanted THEN
    RETURN;
  END IF;
  FOR who IN SELECT DISTINCT a.grantee FROM aclexplode(current) a LOOP
    EXECUTE format('REVOKE ALL ON %s FROM %s CASCADE', target,
                   CASE who WHEN 0 THEN 'PUBLIC' ELSE quote_ident(who::regrole::text) END);
  END LOOP;
  FOR item IN
    SELECT n, a.grantee,
           string_agg(a.privilege_type, ', ') FILTER (WHERE NOT a.is_grantable) AS plain,
           string_agg(a.privilege_type, ', ') FILTER (WHERE a.is_grantable) AS grantable
      FROM unnest(wanted) WITH ORDINALITY AS e(entry, n), aclexplode(ARRAY[e.entry]) a
     GROUP BY n, a.grantee ORDER BY n
  LOOP
    IF item.plain IS NOT NULL THEN
      EXECUTE format('GRANT %s ON %s TO %s', item.plain, target,
                     CASE item.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(item.grantee::regrole::text) END);
    END IF;
    IF item.grantable IS NOT NULL THEN
      EXECUTE format('GRANT %s ON %s TO %s WITH GRANT OPTION', item.grantable, target,
                     CASE item.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(item.grantee::regrole::text) END);
    END IF;
  END LOOP;
END
$$;

-- The uninstall's way to drop the package's triggers: those that call one of its trigger
-- functions and bear one of its names (a trigger of the application's calling a memtech
-- function stays, and then stops the DROP FUNCTION that follows, named).
CREATE OR REPLACE FUNCTION pg_temp.memtech_drop_triggers(functions text[], name_pattern text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT tgname, tgrelid::regclass AS tbl FROM pg_trigger
            WHERE tgfoid IN (SELECT to_regprocedure(f) FROM unnest(functions) f) AND tgname ~ name_pattern LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.tbl);
  END LOOP;
END
$$;

-- The uninstall's way to drop the package's tables: together (their foreign keys between
-- them need no CASCADE), and only once nothing of the application's depends on them.
CREATE OR REPLACE FUNCTION pg_temp.memtech_drop_tables(names text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  tables regclass[] := ARRAY(SELECT to_regclass(n) FROM unnest(names) n WHERE to_regclass(n) IS NOT NULL);
BEGIN
  IF NOT pg_temp.memtech_installed() OR cardinality(tables) = 0 THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_assert_removable(tables);
  PERFORM pg_temp.memtech_notice('dropping %s', array_to_string(tables, ', '));
  EXECUTE 'DROP TABLE ' || array_to_string(tables, ', ');
END
$$;

-- The uninstall's way to take columns off an application table: only once nothing of the
-- application's depends on them.
CREATE OR REPLACE FUNCTION pg_temp.memtech_drop_columns(target text, columns text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT pg_temp.memtech_installed() OR to_regclass(target) IS NULL OR cardinality(columns) = 0 THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_assert_removable(ARRAY[to_regclass(target)], '{}', columns);
  EXECUTE format('ALTER TABLE %s %s', to_regclass(target),
                 (SELECT string_agg(format('DROP COLUMN IF EXISTS %I', c), ', ') FROM unnest(columns) c));
END
$$;
