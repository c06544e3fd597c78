"""The database advisor's lints (tools/advisor.py, our own version of Supabase's) on what the
install adds.

The requirement: the advisor reports nothing about the install. A database is linted with
the application's v0 objects loaded, then again after the install; every finding of the
second run must already be in the first, but one kind: an unindexed_foreign_keys finding on
a foreign key that an existing valid index serves (led by one of its columns other than
company_id, as test (a) of test/pgtap/99_catalog.sql defines it). Those keys are listed by
advisor.unindexed_foreign_keys(), the function `make bench` measures their lookups with
(docs/benchmarks.md, part 5), with the existing indexes and with the one the advisor asks for.

One more kind is accepted, and named: the SECURITY DEFINER functions the package declares in
memtech.api_definer_function, each with the reason it must bypass row level security (the
searches that need a GIN index), which authenticated may execute (the advisor's
authenticated_security_definer_function_executable); no other.

The lints themselves are checked first, on a database built to break each rule once, next to
objects that keep it, so that "no new finding" cannot pass because a lint finds nothing.
"""
import psycopg
import pytest

import advisor
from helpers import load_v0
from supabase_layout import OWNER, check, ensure_cluster_roles, install_as, lay_out


def findings(db):
    with db.connect() as conn:
        return advisor.findings(conn)


def served_foreign_keys(db):
    """{object: serving index} of the keys the unindexed_foreign_keys lint flags that an
    existing index serves: what the benchmark measures."""
    with db.connect() as conn:
        return {fk.object: fk.serving_index for fk in advisor.unindexed_foreign_keys(conn) if fk.serving_index}


def new_findings(before, after):
    seen = {(f.lint, f.object) for f in before}
    return [f for f in after if (f.lint, f.object) not in seen]


def listing(found):
    return "\n".join(f"  {f.lint}  {f.object}  ({f.detail})" for f in found) or "  none"


# ---------------------------------------------------------------------------------- the lints

# One object breaking each rule (and, beside it, objects that keep it), in a schema of its own
# and in public (the API schema). Run as the superuser.
BROKEN_RULES = """
CREATE SCHEMA IF NOT EXISTS auth;
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
CREATE SCHEMA lintme;

-- foreign keys: served by an index led by parent_id; by the exact index; by nothing useful
CREATE TABLE lintme.parent (id int PRIMARY KEY, company_id int NOT NULL, UNIQUE (company_id, id));
CREATE TABLE lintme.served_child (id int PRIMARY KEY, company_id int, parent_id int,
  CONSTRAINT served_child_parent_fkey FOREIGN KEY (company_id, parent_id) REFERENCES lintme.parent (company_id, id));
CREATE INDEX served_child_parent_idx ON lintme.served_child (parent_id) WHERE parent_id IS NOT NULL;
CREATE TABLE lintme.indexed_child (id int PRIMARY KEY, company_id int, parent_id int,
  CONSTRAINT indexed_child_parent_fkey FOREIGN KEY (company_id, parent_id) REFERENCES lintme.parent (company_id, id));
CREATE INDEX indexed_child_parent_idx ON lintme.indexed_child (company_id, parent_id);
CREATE TABLE lintme.bare_child (id int PRIMARY KEY, company_id int, parent_id int,
  CONSTRAINT bare_child_parent_fkey FOREIGN KEY (company_id, parent_id) REFERENCES lintme.parent (company_id, id));
CREATE INDEX bare_child_company_idx ON lintme.bare_child (company_id);

CREATE TABLE lintme.no_pk (x int);

-- policies
CREATE TABLE lintme.guarded (id int PRIMARY KEY, owner uuid);
ALTER TABLE lintme.guarded ENABLE ROW LEVEL SECURITY;
CREATE POLICY slow_read ON lintme.guarded FOR SELECT TO authenticated USING (owner = auth.uid());
CREATE POLICY fast_update ON lintme.guarded FOR UPDATE TO authenticated USING (owner = (SELECT auth.uid()));
CREATE POLICY setting_delete ON lintme.guarded FOR DELETE TO authenticated
  USING (owner = current_setting('app.user_id', true)::uuid);

CREATE TABLE lintme.double_read (id int PRIMARY KEY);
ALTER TABLE lintme.double_read ENABLE ROW LEVEL SECURITY;
CREATE POLICY a_read ON lintme.double_read FOR SELECT TO authenticated USING (id > 0);
CREATE POLICY b_read ON lintme.double_read FOR SELECT TO authenticated USING (id < 100);
CREATE POLICY c_limit ON lintme.double_read AS RESTRICTIVE FOR SELECT TO authenticated USING (id <> 42);

CREATE TABLE lintme.policies_no_rls (id int PRIMARY KEY);
CREATE POLICY forgotten ON lintme.policies_no_rls FOR SELECT TO authenticated USING (id > 0);
CREATE TABLE lintme.rls_no_policy (id int PRIMARY KEY);
ALTER TABLE lintme.rls_no_policy ENABLE ROW LEVEL SECURITY;

CREATE TABLE lintme.permissive (id int PRIMARY KEY);
ALTER TABLE lintme.permissive ENABLE ROW LEVEL SECURITY;
CREATE POLICY anyone_update ON lintme.permissive FOR UPDATE TO authenticated USING (true);
CREATE POLICY anyone_insert ON lintme.permissive FOR INSERT TO anon WITH CHECK (true);
CREATE POLICY anyone_read ON lintme.permissive FOR SELECT TO authenticated USING (true);

CREATE TABLE lintme.leaky (id int PRIMARY KEY, owner uuid);
ALTER TABLE lintme.leaky ENABLE ROW LEVEL SECURITY;
CREATE POLICY leaky_read ON lintme.leaky FOR SELECT TO authenticated
  USING ((SELECT auth.uid()) IS NULL OR owner = (SELECT auth.uid()));
CREATE POLICY gated_read ON lintme.leaky FOR SELECT TO anon
  USING ((SELECT auth.uid()) IS NOT NULL AND (owner IS NULL OR owner = (SELECT auth.uid())));
CREATE TABLE lintme.leaky2 (id int PRIMARY KEY);
ALTER TABLE lintme.leaky2 ENABLE ROW LEVEL SECURITY;
CREATE POLICY inverted_read ON lintme.leaky2 FOR SELECT TO anon
  USING (NOT (current_setting('app.user_id', true) IS NOT NULL) OR id = 1);

-- indexes
CREATE TABLE lintme.dup (id int PRIMARY KEY, a int);
CREATE INDEX dup_a_1 ON lintme.dup (a);
CREATE INDEX dup_a_2 ON lintme.dup (a);
CREATE INDEX dup_a_partial ON lintme.dup (a) WHERE a > 0;
CREATE TABLE lintme.broken (id int PRIMARY KEY, a int);
CREATE INDEX broken_a_idx ON lintme.broken (a);
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'lintme.broken_a_idx'::regclass;  -- as a failed CONCURRENTLY leaves it

-- views
CREATE VIEW lintme.definer_view AS SELECT 1 AS x;
GRANT SELECT ON lintme.definer_view TO authenticated;
CREATE VIEW lintme.private_view AS SELECT 1 AS x;
CREATE MATERIALIZED VIEW lintme.mv AS SELECT 1 AS x;
GRANT SELECT ON lintme.mv TO anon;
CREATE MATERIALIZED VIEW lintme.mv_private AS SELECT 1 AS x;

-- functions
CREATE FUNCTION lintme.mutable() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION lintme.pinned() RETURNS int LANGUAGE sql SET search_path = pg_catalog AS 'SELECT 1';
CREATE FUNCTION lintme.definer_for_all() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS 'SELECT 1';
CREATE FUNCTION lintme.definer_for_members() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS 'SELECT 1';
REVOKE EXECUTE ON FUNCTION lintme.definer_for_members() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lintme.definer_for_members() TO authenticated;
CREATE FUNCTION lintme.definer_private() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS 'SELECT 1';
REVOKE EXECUTE ON FUNCTION lintme.definer_private() FROM PUBLIC;

-- the API schema
CREATE TABLE public.open_table (id int PRIMARY KEY, password_hash text, stripe_api_key text, passwordless boolean, note text);
GRANT SELECT ON public.open_table TO anon;
CREATE TABLE public.closed_table (id int PRIMARY KEY, secret text);
CREATE TABLE public.guarded_table (id int PRIMARY KEY, token text);
ALTER TABLE public.guarded_table ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_read ON public.guarded_table FOR SELECT TO authenticated USING (true);
GRANT SELECT ON public.guarded_table TO authenticated;
"""

EXPECTED = {
    ("unindexed_foreign_keys", "lintme.served_child.served_child_parent_fkey"),
    ("unindexed_foreign_keys", "lintme.bare_child.bare_child_parent_fkey"),
    ("no_primary_key", "lintme.no_pk"),
    ("auth_rls_initplan", "lintme.guarded.slow_read"),
    ("auth_rls_initplan", "lintme.guarded.setting_delete"),
    ("auth_rls_initplan", "lintme.leaky2.inverted_read"),
    ("multiple_permissive_policies", "lintme.double_read authenticated SELECT"),
    ("policy_exists_rls_disabled", "lintme.policies_no_rls"),
    ("rls_enabled_no_policy", "lintme.rls_no_policy"),
    ("rls_policy_always_true", "lintme.permissive.anyone_update"),
    ("rls_policy_always_true", "lintme.permissive.anyone_insert"),
    ("rls_policy_null_auth_disjunct", "lintme.leaky.leaky_read"),
    ("rls_policy_null_auth_disjunct", "lintme.leaky2.inverted_read"),
    ("duplicate_index", "lintme.dup (dup_a_1, dup_a_2)"),
    ("invalid_index", "lintme.broken_a_idx"),
    ("materialized_view_in_api", "lintme.mv"),
    ("function_search_path_mutable", "lintme.mutable()"),
    ("anon_security_definer_function_executable", "lintme.definer_for_all()"),
    ("authenticated_security_definer_function_executable", "lintme.definer_for_all()"),
    ("authenticated_security_definer_function_executable", "lintme.definer_for_members()"),
    ("rls_disabled_in_public", "public.open_table"),
    ("sensitive_columns_exposed", "public.open_table"),
}


def test_each_lint_finds_the_object_that_breaks_its_rule_and_nothing_else(db):
    ensure_cluster_roles(db.cluster)
    db.psql(BROKEN_RULES)
    with db.connect() as conn:
        server = conn.info.server_version
        if server >= 150000:
            conn.execute("CREATE VIEW lintme.invoker_view WITH (security_invoker = on) AS SELECT 1 AS x")
            conn.execute("GRANT SELECT ON lintme.invoker_view TO authenticated")
        # An extension's functions set no search_path: they belong to it, and are left out.
        if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").fetchone():
            conn.execute("CREATE EXTENSION pg_trgm SCHEMA lintme")
        found = advisor.findings(conn)
        fks = {fk.object: fk for fk in advisor.unindexed_foreign_keys(conn)}

    expected = set(EXPECTED)
    if server >= 150000:  # before 15 a view cannot be security_invoker, and the lint is off
        expected.add(("security_definer_view", "lintme.definer_view"))
    got = {(f.lint, f.object) for f in found}
    assert got == expected, (f"missing: {sorted(expected - got)}\nunexpected: {sorted(got - expected)}\n"
                             f"all:\n{listing(found)}")
    details = {(f.lint, f.object): f.detail for f in found}
    assert details[("sensitive_columns_exposed", "public.open_table")].endswith("with password_hash, stripe_api_key")
    assert details[("auth_rls_initplan", "lintme.guarded.setting_delete")].startswith("calls current_setting()")
    # The lint flags both composite keys; only the one with an index led by parent_id is served
    # (company_id's index says nothing about the key).
    assert fks["lintme.served_child.served_child_parent_fkey"].serving_index == "lintme.served_child_parent_idx"
    assert fks["lintme.served_child.served_child_parent_fkey"].columns == ("company_id", "parent_id")
    assert fks["lintme.bare_child.bare_child_parent_fkey"].serving_index is None
    assert fks["lintme.served_child.served_child_parent_fkey"].exact_index_sql("x") == (
        "CREATE INDEX x ON lintme.served_child (company_id, parent_id)")


def test_policy_expressions_are_read_as_postgresql_writes_them():
    # Calls in a sub-select run once per statement; elsewhere once per row.
    assert advisor.unwrapped_auth_calls("(owner = auth.uid())") == ["auth.uid"]
    assert advisor.unwrapped_auth_calls("(owner = ( SELECT auth.uid() AS uid))") == []
    assert advisor.unwrapped_auth_calls(
        "(company_id = ( SELECT (current_setting('x'::text, true))::uuid AS current_setting))") == []
    assert advisor.unwrapped_auth_calls("((name = 'auth.uid()'::text) AND (id = memtech.current_user_id()))") == [
        "memtech.current_user_id"]
    # A NULL test of an auth value as a top-level OR term, not under an AND.
    assert advisor.null_auth_disjunct("((auth.uid() IS NULL) OR (owner = auth.uid()))") == "auth.uid() IS NULL"
    assert advisor.null_auth_disjunct("((( SELECT auth.uid() AS uid) IS NULL) OR (id > 0))") is not None
    assert advisor.null_auth_disjunct("((( SELECT auth.uid() AS uid) IS NOT NULL) AND ((owner IS NULL) OR (id > 0)))") is None
    assert advisor.null_auth_disjunct("((owner IS NULL) OR (id > 0))") is None
    assert advisor.null_auth_disjunct(
        "((NOT (current_setting('app.user_id'::text, true) IS NOT NULL)) OR (id = 1))") is not None
    # Column names: whole words, in order.
    assert advisor.sensitive_column("password_hash") == "password"
    assert advisor.sensitive_column("stripe_api_key") == "api key"
    assert advisor.sensitive_column("passwordless") is None
    assert advisor.sensitive_column("key") is None


# ---------------------------------------------------------------------------------- the install

def _supabase_like(db, build_scripts):
    lay_out(db)  # supa_admin owns the database and loads the v0 fixtures and the application's objects
    before = findings(db)
    check(install_as(db, OWNER, build_scripts.install), f"the install as {OWNER}")
    return before


def _plain_roles(db):
    # No Supabase layout: the roles are only anon and authenticated, made before the first run
    # (as the install would make them) so that both runs ask what the same roles may read.
    with psycopg.connect(db.cluster.dsn("postgres"), autocommit=True) as conn:
        for role in advisor.API_ROLES:
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                try:
                    conn.execute(f"CREATE ROLE {role} NOLOGIN")
                except psycopg.errors.DuplicateObject:
                    pass  # made meanwhile by another test


def _plain(db, build_scripts):
    _plain_roles(db)
    load_v0(db)
    before = findings(db)
    db.install()
    return before


def _empty(db, build_scripts):
    # No v0 tables: the install creates them, document_chunks included, and indexes them as its own.
    _plain_roles(db)
    before = findings(db)
    db.install()
    return before


@pytest.mark.parametrize("prepare", [_supabase_like, _plain, _empty],
                         ids=["supabase_like_database_installed_by_its_owner", "plain_database_installed_by_a_superuser",
                              "empty_database_installed_by_a_superuser"])
def test_the_install_adds_no_advisor_finding_but_foreign_keys_an_existing_index_serves(db, build_scripts, prepare):
    before = prepare(db, build_scripts)
    after = findings(db)
    served = served_foreign_keys(db)

    with db.connect() as conn:
        declared = advisor.declared_definer_functions(conn)

    new = new_findings(before, after)
    unexplained = [f for f in new if not (f.lint == "unindexed_foreign_keys" and f.object in served)
                   and not (f.lint == "authenticated_security_definer_function_executable" and f.object in declared)]
    assert unexplained == [], (
        f"the install adds these advisor findings:\n{listing(unexplained)}\n"
        f"(foreign keys the lint flags that an existing index serves, measured by the benchmark: "
        f"{', '.join(f'{k} by {v}' for k, v in sorted(served.items())) or 'none'}; SECURITY DEFINER functions "
        f"declared in memtech.api_definer_function: {', '.join(sorted(declared)) or 'none'})\n"
        f"findings before the install:\n{listing(before)}")
    # Every key the benchmark measures is one the install added (none was flagged before):
    # the exemption above covers exactly those.
    assert sorted(served) == sorted(f.object for f in new if f.lint == "unindexed_foreign_keys")
    # Likewise every declared function: authenticated may execute each (the finding names its
    # reason), and the searches are the ones declared.
    flagged = {f.object: f.detail for f in new if f.lint == "authenticated_security_definer_function_executable"}
    assert sorted(flagged) == sorted(declared)
    assert all(detail.endswith(declared[fn]) for fn, detail in flagged.items())
    assert "public.search_library(query text, match_count integer)" in declared
