"""Roles, which the install cannot leave out of its reckoning: the application's own roles,
which forced row level security binds, and the API roles anon and authenticated, which
belong to the whole cluster and so to every database of it.

Roles are shared by every test database of the session: the application roles here are
this test's own (uniquely named, dropped afterwards), and the tests that need the API roles
to be created and dropped run on a cluster of their own.
"""
import contextlib
import re
import uuid

import psycopg
import pytest
from psycopg import sql

import pgcluster
from conftest import Database
from helpers import V0_TABLES, data_digest, load_v0, notices, scalar
from supabase_layout import A_USER, COMPANY_A, PROJECT_A, TENANT_DATA, install_as

RLS_VIOLATION = "42501"
PERMISSION_DENIED = "42501"


@pytest.fixture
def make_role(db):
    """make_role('BYPASSRLS') -> the name of a new login role of this test's own, with these
    attributes; what it owns goes back to the superuser and it is dropped afterwards."""
    made = []

    def make(attributes=""):
        name = f"app_{uuid.uuid4().hex[:10]}"
        with db.connect() as conn:
            conn.execute(f"CREATE ROLE {name} LOGIN NOSUPERUSER {attributes or 'NOBYPASSRLS'}")
        made.append(name)
        return name

    yield make
    with db.connect() as conn:
        for name in made:
            conn.execute(f"REASSIGN OWNED BY {name} TO CURRENT_USER")
            conn.execute(f"DROP OWNED BY {name}")
            conn.execute(f"DROP ROLE {name}")


def give_v0_tables_to(db, role):
    db.psql("".join(f"ALTER TABLE public.{t} OWNER TO {role};\n" for t in V0_TABLES))


def error_line(stderr):
    """The ERROR line of psql's stderr."""
    found = re.search(r"^(?:psql:[^\n]*?:\d+: )?ERROR:\s+(.*)$", stderr, re.M)
    assert found, stderr
    return found.group(1)


def error_report(stderr):
    """psql's stderr from the ERROR on: the error with its DETAIL and HINT."""
    assert "ERROR:" in stderr, stderr
    return stderr[stderr.index("ERROR:"):]


@contextlib.contextmanager
def transaction_as(db, login, role=None, user_id=None):
    """A connection logged in as `login`, inside a transaction that is rolled back at the end;
    with role, SET LOCAL ROLE to it, and with user_id, SET LOCAL app.user_id, as a backend
    acting for a user does."""
    with psycopg.connect(db.dsn, user=login) as conn:
        if role:
            conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        if user_id:
            conn.execute(sql.SQL("SET LOCAL app.user_id = {}").format(sql.Literal(user_id)))
        try:
            yield conn
        finally:
            conn.rollback()


# ------------------------------------------------------------ the application's own roles

def test_a_role_that_owns_or_uses_the_v0_tables_without_bypassing_rls_stops_the_install(db, make_role):
    owner, reader, bypasser = make_role(), make_role(), make_role("BYPASSRLS")
    load_v0(db)
    give_v0_tables_to(db, owner)
    db.psql(f"GRANT SELECT (id, name) ON public.projects TO {reader};\n"
            f"GRANT SELECT ON public.memoires TO {bypasser}, PUBLIC;")
    dump, data = db.dump(), data_digest(db)

    proc = db.install(check=False)

    assert proc.returncode != 0, proc.stderr
    error = error_line(proc.stderr)
    assert f"memtech would lock role(s) {owner}, {reader} out of the tables they own or use" in error \
        or f"memtech would lock role(s) {reader}, {owner} out of the tables they own or use" in error, error
    report = error_report(proc.stderr)
    assert bypasser not in report and "PUBLIC" not in report         # it bypasses, and PUBLIC is no role
    assert ("{}: owns public.document_chunks; owns public.memoires; owns public.projects; owns public.sections"
            .format(owner)) in proc.stderr
    assert f"{reader}: SELECT (id, name) on public.projects" in proc.stderr
    for remedy in ("ALTER ROLE <role> BYPASSRLS", "GRANT authenticated TO <role>", "SET LOCAL ROLE authenticated",
                   "SET LOCAL app.user_id", "memtech.accept_bound_roles = '"):
        assert remedy in proc.stderr, proc.stderr
    assert not any("locking" in n for n in notices(proc.stderr)), proc.stderr   # stopped before any lock
    assert db.dump() == dump
    assert data_digest(db) == data

    # Accepting one of them is not enough: the other is still named.
    proc = db.install(check=False, **{"memtech.accept_bound_roles": owner})

    assert proc.returncode != 0, proc.stderr
    assert f"memtech would lock role(s) {reader} out" in error_line(proc.stderr)
    assert f"memtech.accept_bound_roles = '{owner},{reader}'" in proc.stderr
    assert db.dump() == dump
    assert data_digest(db) == data

    # The first remedy, for a backend working across companies: BYPASSRLS. The owner is no
    # longer named, and reads every company's rows after the install.
    db.psql(f"ALTER ROLE {owner} BYPASSRLS")
    proc = db.install(**{"memtech.accept_bound_roles": reader})

    assert owner not in proc.stderr
    db.psql(TENANT_DATA)
    with transaction_as(db, owner) as conn:
        assert conn.execute("SELECT count(*) FROM public.projects").fetchone()[0] == 7   # 5 of v0, 1 of A, 1 of B


def test_an_accepted_owner_is_bound_and_reads_what_acting_as_a_user_gives_it(db, make_role):
    owner = make_role()
    load_v0(db)
    give_v0_tables_to(db, owner)

    proc = db.install(**{"memtech.accept_bound_roles": owner})

    said = [n for n in notices(proc.stderr) if n.startswith(f"memtech: role {owner} ")]
    assert len(said) == 1 and "will be bound by row level security" in said[0], proc.stderr
    assert f"after GRANT authenticated TO {owner}" in said[0]
    db.psql(TENANT_DATA)
    assert scalar(db, "SELECT count(*) FROM public.projects") == 7        # 5 of the v0 data, 1 of A, 1 of B

    # Bound, as the operator accepted: on its own it reads none of its rows and writes none.
    with transaction_as(db, owner) as conn:
        assert conn.execute("SELECT count(*) FROM public.projects").fetchone()[0] == 0
        with pytest.raises(psycopg.Error) as refused:
            conn.execute("INSERT INTO public.projects (name) VALUES ('Nouveau')")
        assert refused.value.sqlstate == RLS_VIOLATION

    # The remedy the install named: it becomes authenticated, acting for a user, and reaches
    # that user's company.
    db.psql(f"GRANT authenticated TO {owner}")
    with transaction_as(db, owner, role="authenticated", user_id=A_USER) as conn:
        assert [str(r[0]) for r in conn.execute("SELECT id FROM public.projects")] == [PROJECT_A]
        made = conn.execute("INSERT INTO public.projects (name) VALUES ('Nouveau') RETURNING company_id").fetchone()[0]
        assert str(made) == COMPANY_A


def test_the_acceptance_is_asked_again_at_every_run_unless_the_database_keeps_it(db, make_role):
    owner = make_role()
    load_v0(db)
    give_v0_tables_to(db, owner)
    db.install(**{"memtech.accept_bound_roles": "*"})

    again = db.install(check=False)

    assert again.returncode != 0
    assert f"memtech would lock role(s) {owner} out" in error_line(again.stderr)
    db.psql(f"ALTER DATABASE {db.name} SET memtech.accept_bound_roles = '{owner}'")
    assert db.install().returncode == 0


def test_the_install_refuses_a_role_that_may_not_alter_the_tables_before_anything_changes(db, make_role, build_scripts):
    owner, installer = make_role(), make_role("BYPASSRLS")
    load_v0(db)
    give_v0_tables_to(db, owner)
    db.psql(f"GRANT CREATE ON DATABASE {db.name} TO {installer}; GRANT CREATE ON SCHEMA public TO {installer};")
    dump = db.dump()

    proc = install_as(db, installer, build_scripts.install, {"memtech.accept_bound_roles": owner})

    assert proc.returncode != 0
    assert (f"memtech must be run by the owner of the tables it changes; {installer} may not alter "
            f"public.document_chunks (owned by {owner})") in error_line(proc.stderr)
    assert db.dump() == dump


# ------------------------------------------------------------ the API roles, cluster-wide

@pytest.fixture(scope="module")
def own_cluster():
    """A cluster of this module's own, where the API roles may be created and dropped without
    touching the session cluster's, which every other test shares."""
    with pgcluster.throwaway() as c:
        yield c


@pytest.fixture
def cluster_dbs(own_cluster, build_scripts):
    """make(tag) -> a new Database on own_cluster. Afterwards the databases are dropped, and
    with them every role the test left, the API roles included: the next test starts from a
    cluster without them."""
    made, roles_before = [], None
    with psycopg.connect(own_cluster.dsn("postgres"), autocommit=True) as conn:
        roles_before = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles")}
        assert not {"anon", "authenticated"} & roles_before, "a previous test left the API roles behind"

    def make(tag):
        name = f"{tag}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(own_cluster.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return Database(own_cluster, name, lambda: build_scripts)

    yield make
    with psycopg.connect(own_cluster.dsn("postgres"), autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for (role,) in conn.execute("SELECT rolname FROM pg_roles").fetchall():
            if role not in roles_before:
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def api_roles(db):
    with db.connect() as conn:
        return [r[0] for r in conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname IN ('anon', 'authenticated') ORDER BY 1")]


def role_notices(proc):
    return [n for n in notices(proc.stderr) if re.match(r"memtech: (keeping|dropped) role ", n)]


def test_uninstalling_one_database_keeps_the_api_roles_another_database_uses(cluster_dbs):
    first, second = cluster_dbs("first"), cluster_dbs("second")
    load_v0(first)
    first.install()
    assert scalar(first, "SELECT created_roles FROM memtech.installation") == ["anon", "authenticated"]
    load_v0(second)
    second.install()
    assert scalar(second, "SELECT created_roles FROM memtech.installation") == []
    second.psql(TENANT_DATA)

    proc = first.uninstall()

    said = role_notices(proc)
    assert len(said) == 2, proc.stderr
    for role, line in zip(["anon", "authenticated"], said):
        assert line.startswith(f"memtech: keeping role {role}, which a memtech install created: "
                               f"database(s) {second.name} ("), said
        assert "policies" in line and "of this cluster depend on it (memtech is installed there" in line, said
    assert api_roles(first) == ["anon", "authenticated"]
    # The other database goes on working through both roles, as PostgREST would use them.
    with transaction_as(second, "postgres", role="anon") as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == "anon"
        with pytest.raises(psycopg.Error) as refused:
            conn.execute("SELECT count(*) FROM public.projects")       # anon is granted nothing, as before
        assert refused.value.sqlstate == PERMISSION_DENIED
    with transaction_as(second, "postgres", role="authenticated", user_id=A_USER) as conn:
        assert [str(r[0]) for r in conn.execute("SELECT id FROM public.projects")] == [PROJECT_A]

    # The last uninstall of the cluster drops them, although another database created them.
    proc = second.uninstall(**{"memtech.confirm_data_loss": "on"})

    assert role_notices(proc) == [
        f"memtech: dropped role {role}, which a memtech install created: no database of the cluster uses it any more"
        for role in ("anon", "authenticated")], proc.stderr
    assert api_roles(second) == []


def test_the_last_uninstall_drops_the_roles_it_created_when_nothing_else_uses_them(cluster_dbs):
    only = cluster_dbs("only")
    load_v0(only)
    only.install()

    proc = only.uninstall()

    assert [n.split(",")[0] for n in role_notices(proc)] == [
        "memtech: dropped role anon", "memtech: dropped role authenticated"], proc.stderr
    assert api_roles(only) == []


def test_the_uninstall_keeps_a_role_with_members_or_objects_elsewhere_and_says_why(cluster_dbs):
    installed, elsewhere = cluster_dbs("installed"), cluster_dbs("elsewhere")
    load_v0(installed)
    installed.install()
    authenticator = f"authenticator_{uuid.uuid4().hex[:6]}"
    with installed.connect() as conn:
        # PostgREST's login role, made a member of anon; and another database's own grant to
        # authenticated (no memtech there).
        conn.execute(f"CREATE ROLE {authenticator} LOGIN NOINHERIT")
        conn.execute(f"GRANT anon TO {authenticator}")
    elsewhere.psql("CREATE TABLE public.notes (id int PRIMARY KEY); GRANT SELECT ON public.notes TO authenticated;")

    proc = installed.uninstall()

    anon, authenticated = role_notices(proc)
    assert anon == (f"memtech: keeping role anon, which a memtech install created: it has members, whose membership "
                    f"dropping it would revoke: {authenticator}"), proc.stderr
    assert authenticated.startswith(f"memtech: keeping role authenticated, which a memtech install created: "
                                    f"database(s) {elsewhere.name} (privileges) of this cluster depend on it"), proc.stderr
    assert api_roles(installed) == ["anon", "authenticated"]
    with psycopg.connect(installed.dsn, user=authenticator) as conn:
        conn.execute("SET LOCAL ROLE anon")
    with transaction_as(elsewhere, "postgres", role="authenticated") as conn:
        assert conn.execute("SELECT count(*) FROM public.notes").fetchone()[0] == 0
