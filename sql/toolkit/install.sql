-- The install's own helpers (after toolkit/common.sql and the manifest): how it creates and
-- converges constraints, enums, indexes, comments, policies and grants, in pg_temp.

-- memtech.index_build_limit in bytes (see memtech_index_new_column below).
CREATE OR REPLACE FUNCTION pg_temp.memtech_index_build_limit() RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  wanted text := coalesce(nullif(current_setting('memtech.index_build_limit', true), ''), '64MB');
BEGIN
  RETURN pg_size_bytes(wanted);
EXCEPTION WHEN invalid_parameter_value THEN
  RAISE EXCEPTION 'memtech.index_build_limit = % is not a size', wanted
    USING HINT = 'Nothing was changed. Give a value such as ''64MB'', or ''0'' to leave every such index to build/finish.sql.';
END
$$;

-- Adds a named constraint unless the table has one of that name, so that re-runs and hand-
-- made schemas converge. With not_valid_when_rows, a check or foreign key on a table that
-- holds rows is added NOT VALID: those rows predate the columns it checks, and validating
-- would scan the table under an exclusive lock.
CREATE OR REPLACE FUNCTION pg_temp.memtech_ensure_constraint(
  target regclass, constraint_name text, definition text, not_valid_when_rows boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  suffix text := '';
BEGIN
  IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = target AND conname = constraint_name) THEN
    RETURN;
  END IF;
  IF not_valid_when_rows AND definition !~* '^\s*(primary key|unique)' THEN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', target) INTO STRICT not_valid_when_rows;
    IF not_valid_when_rows THEN
      suffix := ' NOT VALID';
    END IF;
  END IF;
  PERFORM pg_temp.memtech_notice('adding constraint %s on %s', constraint_name, target::text || suffix);
  EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s%s', target, constraint_name, definition, suffix);
END
$$;

-- Gives a check constraint exactly this definition: added where it is missing, replaced
-- where an earlier version wrote it otherwise (PostgreSQL's own text of both is compared,
-- the wanted one read from a copy added and rolled back at once). The replacement is
-- validated against the rows there, unless the old one was NOT VALID: a definition that
-- only accepts more (users_password_hash_is_a_hash from 0.4.0 on) cannot fail on them.
CREATE OR REPLACE FUNCTION pg_temp.memtech_converge_check(target regclass, constraint_name text, definition text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  existing text;
  validated boolean;
  wanted text;
BEGIN
  SELECT pg_get_constraintdef(oid), convalidated INTO existing, validated
    FROM pg_constraint WHERE conrelid = target AND conname = constraint_name;
  IF existing IS NULL THEN
    PERFORM pg_temp.memtech_ensure_constraint(target, constraint_name, definition);
    RETURN;
  END IF;
  BEGIN
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT memtech_probe %s NOT VALID', target, definition);
    SELECT pg_get_constraintdef(oid) INTO wanted FROM pg_constraint WHERE conrelid = target AND conname = 'memtech_probe';
    RAISE SQLSTATE 'MTPRB';
  EXCEPTION WHEN SQLSTATE 'MTPRB' THEN
    NULL;  -- the copy is gone; wanted keeps its text
  END;
  IF regexp_replace(existing, ' NOT VALID$', '') = regexp_replace(wanted, ' NOT VALID$', '') THEN
    RETURN;
  END IF;
  PERFORM pg_temp.memtech_notice('replacing constraint %s on %s with this version''s definition%s',
    constraint_name, target::text, CASE WHEN validated THEN ' (validated against the rows there)' ELSE ' (NOT VALID, as it was)' END);
  EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I %s%s', target, constraint_name, constraint_name,
                 definition, CASE WHEN validated THEN '' ELSE ' NOT VALID' END);
END
$$;

-- Indexes a column the install adds to a v0 table (for the foreign key's ON DELETE SET
-- NULL), leaving out NULL: every row that predates the column. Even so the build scans the
-- whole table while the v0 tables are locked: on a table
-- larger than memtech.index_build_limit it is left to build/finish.sql, which builds it
-- with CREATE INDEX CONCURRENTLY after the commit, blocking nobody.
CREATE OR REPLACE FUNCTION pg_temp.memtech_index_new_column(target regclass, index_name text, col text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  existing regclass := to_regclass(format('%I.%I', (SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = target),
                                           index_name));
BEGIN
  IF existing IS NOT NULL AND (SELECT indisvalid FROM pg_index WHERE indexrelid = existing) THEN
    RETURN;
  END IF;
  IF pg_relation_size(target) > pg_temp.memtech_index_build_limit() THEN
    PERFORM pg_temp.memtech_notice('leaving the index on %s (%s) to build/finish.sql: the table holds %s, more than '
      'memtech.index_build_limit (%s); until it runs, deleting a user scans the table',
      target::text, col, pg_size_pretty(pg_relation_size(target)), pg_size_pretty(pg_temp.memtech_index_build_limit()));
    RETURN;
  END IF;
  IF existing IS NOT NULL THEN
    -- Left invalid by an interrupted build/finish.sql.
    EXECUTE format('DROP INDEX %s', existing);
  END IF;
  EXECUTE format('CREATE INDEX %I ON %s (%I) WHERE %I IS NOT NULL', index_name, target, col, col);
END
$$;

-- Creates an enum in public with exactly these labels, or completes an earlier one that
-- has some of them in the same order; refuses any other type of that name. An open
-- vocabulary (open: memoire_section_type, whose labels come from the data) keeps whatever
-- labels the enum has beyond these, the operator's ALTER TYPE ... ADD VALUE included, and
-- adds the missing ones at its end: a label cannot be removed while rows may use it.
CREATE OR REPLACE FUNCTION pg_temp.memtech_ensure_enum(type_name text, labels text[], open boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  existing text[];
  i int;
BEGIN
  IF to_regtype('public.' || quote_ident(type_name)) IS NULL THEN
    PERFORM pg_temp.memtech_notice('creating enum public.%s', type_name);
    EXECUTE format('CREATE TYPE public.%I AS ENUM (%s)', type_name,
                   (SELECT string_agg(quote_literal(l), ', ') FROM unnest(labels) l));
    RETURN;
  END IF;
  SELECT array_agg(enumlabel::text ORDER BY enumsortorder) INTO existing
    FROM pg_enum WHERE enumtypid = to_regtype('public.' || quote_ident(type_name));
  IF open THEN
    FOR i IN 1 .. coalesce(cardinality(labels), 0) LOOP
      CONTINUE WHEN labels[i] = ANY (coalesce(existing, '{}'));
      PERFORM pg_temp.memtech_notice('adding label %s to enum public.%s', labels[i], type_name);
      EXECUTE format('ALTER TYPE public.%I ADD VALUE %L', type_name, labels[i]);
      existing := existing || labels[i];
    END LOOP;
    RETURN;
  END IF;
  -- Compatible when the existing labels are some of ours, in our order (an earlier
  -- version's enum): the missing ones are added in place. Anything else is refused.
  IF existing IS NULL OR NOT existing <@ labels
     OR existing <> ARRAY(SELECT l FROM unnest(labels) WITH ORDINALITY u(l, n) WHERE l = ANY (existing) ORDER BY n) THEN
    RAISE EXCEPTION 'type public.% has labels %, but memtech expects %', type_name, existing, labels
      USING HINT = 'Nothing was changed. Rename that type (memtech needs the name), then run the install again.';
  END IF;
  FOR i IN 1 .. cardinality(labels) LOOP
    CONTINUE WHEN labels[i] = ANY (existing);
    PERFORM pg_temp.memtech_notice('adding label %s to enum public.%s', labels[i], type_name);
    IF i = 1 THEN
      EXECUTE format('ALTER TYPE public.%I ADD VALUE %L BEFORE %L', type_name, labels[i], existing[1]);
    ELSE
      EXECUTE format('ALTER TYPE public.%I ADD VALUE %L AFTER %L', type_name, labels[i], labels[i - 1]);
    END IF;
    existing := existing || labels[i];
  END LOOP;
END
$$;

-- A column the application filters on holds an enum's labels as text, checked against the
-- enum: text equality is leakproof, so under row level security a tenant's filter on it
-- can use an index (enum equality is not, and is applied only after the policy has let
-- the rows through). The enum stays the list of labels and their order. A column of an
-- earlier version that holds the enum itself is converted (a rewrite of the table).
CREATE OR REPLACE FUNCTION pg_temp.memtech_enum_as_text(
  target regclass, col text, enum_type regtype, not_valid_when_rows boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  default_value text;
BEGIN
  IF (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = target AND a.attname = col AND NOT a.attisdropped)
     = enum_type THEN
    PERFORM pg_temp.memtech_notice('converting %s.%s from enum %s to text (rewrites the table)',
      target::text, col, enum_type::text);
    -- A default keeps its value, as text (ALTER TYPE alone would keep the enum's cast in it).
    SELECT pg_get_expr(d.adbin, d.adrelid) INTO default_value
      FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
     WHERE d.adrelid = target AND a.attname = col;
    IF default_value IS NOT NULL THEN
      EXECUTE format('SELECT (%s)::text', default_value) INTO default_value;
    END IF;
    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I DROP DEFAULT, ALTER COLUMN %I TYPE text USING %I::text%s',
                   target, col, col, col,
                   CASE WHEN default_value IS NOT NULL THEN format(', ALTER COLUMN %I SET DEFAULT %L', col, default_value) ELSE '' END);
  END IF;
  PERFORM pg_temp.memtech_ensure_constraint(target, format('%s_%s_is_a_%s', (SELECT relname FROM pg_class WHERE oid = target), col,
      (SELECT typname FROM pg_type WHERE oid = enum_type)),
    format('CHECK (%I::%s IS NOT NULL)', col, enum_type), not_valid_when_rows);
END
$$;

-- Comments a table (column '') or column of the application's where it has none, and
-- remembers it in memtech.added_comment so that the uninstall removes exactly those. A
-- column the table does not have is the application's choice (memtech needs only the
-- columns its preflight checks): it is left uncommented. A comment an earlier install wrote,
-- unchanged since, is brought up to this version's wording; any other is the application's.
CREATE OR REPLACE FUNCTION pg_temp.memtech_comment_if_missing(tbl text, col text, description text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  target regclass := ('public.' || quote_ident(tbl))::regclass;
  attnum int := (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = target AND a.attname = col AND NOT a.attisdropped);
  current text;
BEGIN
  IF col <> '' AND attnum IS NULL THEN
    RETURN;
  END IF;
  current := CASE WHEN col = '' THEN obj_description(target, 'pg_class') ELSE col_description(target, attnum) END;
  IF current IS NOT NULL AND (current = description OR NOT EXISTS (
       SELECT 1 FROM memtech.added_comment a WHERE a.table_name = tbl AND a.column_name = col AND a.description = current)) THEN
    RETURN;
  END IF;
  IF col = '' THEN
    EXECUTE format('COMMENT ON TABLE %s IS %L', target, description);
  ELSE
    EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, col, description);
  END IF;
  INSERT INTO memtech.added_comment VALUES (tbl, col, description)
  ON CONFLICT (table_name, column_name) DO UPDATE SET description = excluded.description;
END
$$;

-- (Re)creates the policy memtech_<purpose> on a table: USING the expression for the
-- commands that read rows, WITH CHECK it for those that write them. The prefix marks the
-- package's policies, so that the uninstall never drops one of the application's.
CREATE OR REPLACE FUNCTION pg_temp.memtech_policy(
  tbl text, purpose text, command text, grantee text, restrictive boolean, expr text, description text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  name text := 'memtech_' || purpose;
BEGIN
  EXECUTE format('DROP POLICY IF EXISTS %I ON public.%I', name, tbl);
  EXECUTE format('CREATE POLICY %I ON public.%I AS %s FOR %s TO %s %s %s', name, tbl,
                 CASE WHEN restrictive THEN 'RESTRICTIVE' ELSE 'PERMISSIVE' END, command, grantee,
                 CASE WHEN command <> 'INSERT' THEN format('USING (%s)', expr) ELSE '' END,
                 CASE WHEN command IN ('INSERT', 'UPDATE', 'ALL') THEN format('WITH CHECK (%s)', expr) ELSE '' END);
  EXECUTE format('COMMENT ON POLICY %I ON public.%I IS %L', name, tbl, description);
END
$$;
-- Makes a role hold exactly these privileges on a table: grants only what is missing and
-- revokes only what is extra, so that a re-run leaves the ACL (and a schema dump) alone.
CREATE OR REPLACE FUNCTION pg_temp.memtech_grant_exactly(tbl text, to_role text, privileges text[])
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  target regclass := ('public.' || quote_ident(tbl))::regclass;
  held text[];
  missing text[];
  extra text[];
BEGIN
  SELECT coalesce(array_agg(a.privilege_type), '{}') INTO held
    FROM pg_class c, aclexplode(c.relacl) a
   WHERE c.oid = target AND a.grantee = CASE to_role WHEN 'PUBLIC' THEN 0 ELSE to_role::regrole::oid END;
  missing := ARRAY(SELECT unnest(privileges) EXCEPT SELECT unnest(held));
  extra := ARRAY(SELECT unnest(held) EXCEPT SELECT unnest(privileges));
  IF cardinality(extra) > 0 THEN
    EXECUTE format('REVOKE %s ON %s FROM %s', array_to_string(extra, ', '), target,
                   CASE to_role WHEN 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(to_role) END);
  END IF;
  IF cardinality(missing) > 0 THEN
    EXECUTE format('GRANT %s ON %s TO %I', array_to_string(missing, ', '), target, to_role);
  END IF;
END
$$;

-- The same for one privilege on columns: exactly these columns of the table.
CREATE OR REPLACE FUNCTION pg_temp.memtech_grant_columns_exactly(tbl text, to_role text, privilege text, columns text[])
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  target regclass := ('public.' || quote_ident(tbl))::regclass;
  col record;
BEGIN
  FOR col IN
    SELECT a.attname,
           a.attname = ANY (columns) AS wanted,
           EXISTS (SELECT 1 FROM aclexplode(a.attacl) x
                    WHERE x.grantee = to_role::regrole::oid AND x.privilege_type = privilege) AS held
      FROM pg_attribute a
     WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped
  LOOP
    IF col.wanted AND NOT col.held THEN
      EXECUTE format('GRANT %s (%I) ON %s TO %I', privilege, col.attname, target, to_role);
    ELSIF col.held AND NOT col.wanted THEN
      EXECUTE format('REVOKE %s (%I) ON %s FROM %I', privilege, col.attname, target, to_role);
    END IF;
  END LOOP;
END
$$;

-- Gives a v0 table its NOT NULL company_id without losing a row: a catalog-only change
-- when all its rows go to the legacy company, a backfill (from the parent project for a
-- child) otherwise.
CREATE OR REPLACE FUNCTION pg_temp.memtech_add_company_id(target regclass, legacy uuid, parent regclass DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  has_column boolean;
  is_not_null boolean;
  fast boolean;
BEGIN
  SELECT true, attnotnull INTO has_column, is_not_null
    FROM pg_attribute WHERE attrelid = target AND attname = 'company_id' AND NOT attisdropped;
  IF is_not_null THEN
    RETURN;
  END IF;
  -- Fast path: a new column whose every existing row belongs to the legacy company is a
  -- constant default, stored once in the catalog. It holds for a child table only when
  -- every parent row is the legacy company's.
  fast := NOT coalesce(has_column, false);
  IF fast AND parent IS NOT NULL THEN
    EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %s WHERE company_id IS DISTINCT FROM %L)', parent, legacy)
      INTO fast;
  END IF;
  IF fast THEN
    PERFORM pg_temp.memtech_notice('adding %s.company_id, existing rows to the legacy company', target::text);
    IF legacy IS NULL THEN
      EXECUTE format('ALTER TABLE %s ADD COLUMN company_id uuid NOT NULL', target);
    ELSE
      EXECUTE format('ALTER TABLE %s ADD COLUMN company_id uuid NOT NULL DEFAULT %L', target, legacy);
      EXECUTE format('ALTER TABLE %s ALTER COLUMN company_id DROP DEFAULT', target);
    END IF;
    RETURN;
  END IF;
  -- Slow path, for a database that already had some of it: fill the gaps, then require it.
  PERFORM pg_temp.memtech_notice('backfilling %s.company_id (this rewrites the rows that lack it)', target::text);
  EXECUTE format('ALTER TABLE %s ADD COLUMN IF NOT EXISTS company_id uuid', target);
  IF parent IS NULL THEN
    EXECUTE format('UPDATE %s SET company_id = %L WHERE company_id IS NULL', target, legacy);
  ELSE
    EXECUTE format('UPDATE %s child SET company_id = parent.company_id FROM %s parent
                     WHERE parent.id = child.project_id AND child.company_id IS NULL', target, parent);
  END IF;
  EXECUTE format('ALTER TABLE %s ALTER COLUMN company_id SET NOT NULL', target);
END
$$;
