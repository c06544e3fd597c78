-- Gives the application's views and materialized views back the options and privileges they
-- had before the install made them safe, exactly: entries of an ACL in their order, options
-- in theirs. Only what is still as the install left it: a view the application dropped,
-- recreated or changed since is its new decision, left as it is with a NOTICE, and never a
-- reason for the uninstall to fail.

-- Makes the ACL of a relation (col NULL) or of one of its columns exactly `wanted`, entries
-- and order. GRANT appends an entry for a new grantee, so the entries from the first one
-- that differs on are revoked and granted again in order; those before it stay as they
-- are, unless they involve a grantee revoked (its grants would go with CASCADE), in which
-- case all go, as memtech_restore_acl does for the v0 tables. Grants come back from the
-- current role, so an entry another grantor made comes back as the owner's.
CREATE OR REPLACE FUNCTION pg_temp.memtech_set_acl(target regclass, col text, wanted aclitem[])
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  owner constant oid := (SELECT relowner FROM pg_class WHERE oid = target);
  implicit constant aclitem[] := CASE WHEN col IS NULL THEN acldefault('r', owner) ELSE '{}' END;
  current constant aclitem[] := coalesce(CASE WHEN col IS NULL THEN (SELECT relacl FROM pg_class WHERE oid = target)
                                              ELSE (SELECT attacl FROM pg_attribute
                                                     WHERE attrelid = target AND attname = col AND NOT attisdropped) END,
                                         implicit);
  goal constant aclitem[] := coalesce(wanted, implicit);
  columns constant text := CASE WHEN col IS NULL THEN '' ELSE format(' (%I)', col) END;
  kept int := 0;
  reset oid[];
  who oid;
  item record;
BEGIN
  IF current = goal THEN
    RETURN;
  END IF;
  WHILE kept < least(cardinality(current), cardinality(goal)) AND current[kept + 1] = goal[kept + 1] LOOP
    kept := kept + 1;
  END LOOP;
  reset := ARRAY(SELECT DISTINCT a.grantee FROM unnest(current[kept + 1:] || goal[kept + 1:]) e, aclexplode(ARRAY[e]) a);
  IF EXISTS (SELECT 1 FROM unnest(current[:kept]) e, aclexplode(ARRAY[e]) a WHERE a.grantee = ANY (reset) OR a.grantor = ANY (reset)) THEN
    kept := 0;
    reset := ARRAY(SELECT DISTINCT a.grantee FROM unnest(current || goal) e, aclexplode(ARRAY[e]) a);
  END IF;
  FOREACH who IN ARRAY reset LOOP
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM unnest(current[kept + 1:]) e, aclexplode(ARRAY[e]) a WHERE a.grantee = who);
    EXECUTE format('REVOKE ALL%s ON %s FROM %s CASCADE', columns, target,
                   CASE who WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(who)) END);
  END LOOP;
  FOR item IN
    SELECT e.n, a.grantee,
           string_agg(a.privilege_type || columns, ', ') FILTER (WHERE NOT a.is_grantable) AS plain,
           string_agg(a.privilege_type || columns, ', ') FILTER (WHERE a.is_grantable) AS grantable
      FROM unnest(goal[kept + 1:]) WITH ORDINALITY AS e(entry, n), aclexplode(ARRAY[e.entry]) a
     GROUP BY e.n, a.grantee ORDER BY e.n
  LOOP
    IF item.plain IS NOT NULL THEN
      EXECUTE format('GRANT %s ON %s TO %s', item.plain, target,
                     CASE item.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(item.grantee)) END);
    END IF;
    IF item.grantable IS NOT NULL THEN
      EXECUTE format('GRANT %s ON %s TO %s WITH GRANT OPTION', item.grantable, target,
                     CASE item.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(item.grantee)) END);
    END IF;
  END LOOP;
END
$$;

DO $undo$
DECLARE
  v record;
  target regclass;
  label text;
  given text[];
  privileges_changed boolean;
  privileges_as_left boolean;
  c record;
BEGIN
  IF NOT pg_temp.memtech_installed() OR to_regclass('memtech.secured_view') IS NULL THEN
    RETURN;   -- not installed, or installed by a version that changed no view
  END IF;
  FOR v IN SELECT * FROM memtech.secured_view ORDER BY schema_name, view_name LOOP
    target := to_regclass(format('%I.%I', v.schema_name, v.view_name));
    label := format('%s %I.%I', v.kind, v.schema_name, v.view_name);
    IF target IS NULL OR (SELECT relkind FROM pg_class WHERE oid = target) <> ALL (ARRAY(
         SELECT k.relkind FROM (VALUES ('view', 'v'::"char"), ('materialized view', 'm')) k(kind, relkind) WHERE k.kind = v.kind)) THEN
      PERFORM pg_temp.memtech_notice('leaving %s as it is: it was dropped since the install changed it', label);
      CONTINUE;
    END IF;
    IF NOT pg_has_role((SELECT relowner FROM pg_class WHERE oid = target), 'USAGE') THEN
      PERFORM pg_temp.memtech_notice('cannot give %s back its options %s and privileges %s: it belongs to %s, which %s '
        'cannot act for; as %s, set them again by hand', label, coalesce(v.options_before::text, '(none)'),
        coalesce(v.acl_before::text, '(the defaults)'), pg_get_userbyid((SELECT relowner FROM pg_class WHERE oid = target)),
        current_user, pg_get_userbyid((SELECT relowner FROM pg_class WHERE oid = target)));
      CONTINUE;
    END IF;
    given := '{}';

    IF v.options_before IS DISTINCT FROM v.options_after THEN
      IF (SELECT reloptions FROM pg_class WHERE oid = target) IS NOT DISTINCT FROM v.options_after THEN
        PERFORM pg_temp.memtech_set_view_options(target, v.options_before);
        given := given || 'options'::text;
      ELSE
        PERFORM pg_temp.memtech_notice('leaving the options of %s as they are: they changed since the install '
          'made it security_invoker (before the install: %s)', label, coalesce(v.options_before::text, 'none'));
      END IF;
    END IF;

    privileges_changed := v.acl_before IS DISTINCT FROM v.acl_after
      OR EXISTS (SELECT 1 FROM memtech.secured_view_column s WHERE (s.schema_name, s.view_name) = (v.schema_name, v.view_name));
    IF privileges_changed THEN
      privileges_as_left := (SELECT relacl FROM pg_class WHERE oid = target) IS NOT DISTINCT FROM v.acl_after
        AND NOT EXISTS (SELECT 1 FROM memtech.secured_view_column s
                          LEFT JOIN pg_attribute a ON a.attrelid = target AND a.attname = s.column_name AND NOT a.attisdropped
                         WHERE (s.schema_name, s.view_name) = (v.schema_name, v.view_name)
                           AND (a.attname IS NULL OR coalesce(a.attacl, '{}') <> coalesce(s.acl_after, '{}')));
      IF privileges_as_left THEN
        -- The relation first: revoking there takes the grantee's column privileges too.
        PERFORM pg_temp.memtech_set_acl(target, NULL, v.acl_before);
        FOR c IN SELECT * FROM memtech.secured_view_column s
                  WHERE (s.schema_name, s.view_name) = (v.schema_name, v.view_name) ORDER BY s.column_name LOOP
          PERFORM pg_temp.memtech_set_acl(target, c.column_name, c.acl_before);
        END LOOP;
        given := given || 'privileges'::text;
      ELSE
        PERFORM pg_temp.memtech_notice('leaving the privileges of %s as they are: they changed since the install '
          'revoked those of the API roles (before the install: %s)', label, coalesce(v.acl_before::text, 'the defaults'));
      END IF;
    END IF;

    IF cardinality(given) > 0 THEN
      PERFORM pg_temp.memtech_notice('giving %s back its %s as before the install', label, array_to_string(given, ' and '));
    END IF;
  END LOOP;
  DROP TABLE memtech.secured_view_column, memtech.secured_view;
END
$undo$;
