"""The application's own views, materialized views and SECURITY DEFINER functions over tenant
tables (sql/27_application_views.sql), on a Supabase-like database.

There the application's objects belong to the owner that bypasses row level security, and the
default privileges grant them to anon and authenticated: a view that reads as its owner, or a
materialized view, would show every company's rows to the API. The install makes each such view
security_invoker (PostgreSQL 15+) or takes the API roles' privileges on it away (PostgreSQL 14,
and every materialized view), names the functions in a WARNING, and the uninstall gives every
view back exactly what it had.
"""
import re
import threading
import time

import psycopg
import pytest

from conftest import FIXTURES
from helpers import notices, rows, scalar
from supabase_layout import (A_USER, B_ADMIN, OWNER, PLAIN_OWNER, PROJECT_A, PROJECT_B, PostgrestConnection, check,
                             insert_tenant_data, install_as, lay_out, psql_as)

PERMISSION_DENIED = "42501"
WARNING = re.compile(r"^(?:psql:[^\n]*?:\d+: )?WARNING:\s+(.*)$", re.M)

# The application's objects, made by the owner after the v0 fixtures (which hold the view
# public.project_overview over projects and sections). Supabase's default privileges grant
# everything made in public to anon, authenticated and service_role.
APP_VIEWS = """
CREATE VIEW public.overview_of_overview AS
  SELECT id, name, section_count FROM public.project_overview;
CREATE SCHEMA reporting;
GRANT USAGE ON SCHEMA reporting TO anon, authenticated, service_role;
CREATE VIEW reporting.project_names AS SELECT id, name FROM public.projects;
GRANT SELECT ON reporting.project_names TO anon, authenticated, service_role;
CREATE MATERIALIZED VIEW public.project_snapshot AS SELECT id, name FROM public.projects;
"""

# Views that show no other company's rows, and must be left as they are.
HARMLESS_VIEWS = """
CREATE VIEW public.ungranted_projects AS SELECT id, name FROM public.projects;
REVOKE ALL ON public.ungranted_projects FROM anon, authenticated;
CREATE VIEW public.settings_view AS SELECT key, value FROM public.app_settings;
"""
# ... made by the cluster's superuser: a view owned by a role that row level security binds.
BOUND_VIEW = f"""
CREATE VIEW public.bound_projects AS SELECT id, name FROM public.projects;
ALTER VIEW public.bound_projects OWNER TO {PLAIN_OWNER};
GRANT SELECT ON public.bound_projects TO anon, authenticated;
"""
INVOKER_VIEW = "CREATE VIEW public.invoker_projects WITH (security_invoker = true) AS SELECT id, name FROM public.projects;"


def server_major(db):
    return int(scalar(db, "SHOW server_version_num")) // 10000


def as_owner(db, sql):
    check(psql_as(db, OWNER, sql), f"running as {OWNER}")


def laid_out(db, app_sql=APP_VIEWS):
    """The Supabase-like database with the v0 fixtures and the application's objects."""
    lay_out(db)
    as_owner(db, app_sql)


def install(db, build_scripts):
    proc = install_as(db, OWNER, build_scripts.install)
    assert proc.returncode == 0, f"the install as {OWNER} failed:\n{proc.stderr}"
    return proc


def uninstall(db, build_scripts):
    proc = psql_as(db, OWNER, build_scripts.uninstall)
    assert proc.returncode == 0, f"the uninstall as {OWNER} failed:\n{proc.stderr}"
    return proc


def warnings(stderr):
    return WARNING.findall(stderr)


def naming(messages, label):
    """The messages that name this object ("view public.x", "materialized view public.y")."""
    pattern = re.compile(rf"(?<![\w.]){re.escape(label)}(?![\w.])")
    return [m for m in messages if pattern.search(m) and not (label.startswith("view ") and "materialized " + label in m)]


def view_state(db, names):
    """{name: (reloptions, relacl, column ACLs)} of these relations."""
    with db.connect() as conn:
        return {n: conn.execute(
            "SELECT c.reloptions, c.relacl::text[], "
            "       (SELECT array_agg(format('%%s:%%s', a.attname, a.attacl) ORDER BY a.attnum) FROM pg_attribute a "
            "         WHERE a.attrelid = c.oid AND a.attnum > 0 AND a.attacl IS NOT NULL) "
            "  FROM pg_class c WHERE c.oid = %s::regclass", [n]).fetchone() for n in names}


def project_ids(api, view, **who):
    return sorted(str(r) for r in api.request(f"SELECT id FROM {view}", **who).column)


def refused(api, query, **who):
    with pytest.raises(psycopg.Error) as caught:
        api.request(query, **who)
    assert caught.value.sqlstate == PERMISSION_DENIED, caught.value
    return caught.value


@pytest.fixture
def api(db):
    conn = None

    def connect():
        nonlocal conn
        conn = PostgrestConnection(db)
        return conn
    yield connect
    if conn is not None:
        conn.close()


# ---------------------------------------------------------------------------------- the views

@pytest.mark.parametrize("view", ["public.project_overview", "public.overview_of_overview", "reporting.project_names"],
                         ids=["the_fixture_view", "a_view_over_a_view", "a_view_in_another_schema"])
def test_anon_gets_nothing_and_a_user_only_their_company_through_the_applications_views(db, build_scripts, api, view):
    laid_out(db)
    install(db, build_scripts)
    insert_tenant_data(db)
    api = api()

    refused(api, f"SELECT * FROM {view}", role="anon")
    if server_major(db) >= 15:
        # Read as the caller: row level security applies to the user.
        assert project_ids(api, view, sub=A_USER) == [PROJECT_A]
        assert project_ids(api, view, sub=B_ADMIN) == [PROJECT_B]
        assert scalar(db, "SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [view]) == [
            "security_invoker=true"]
    else:
        # PostgreSQL 14 cannot make a view read as its caller: the API roles lose it.
        err = refused(api, f"SELECT * FROM {view}", sub=A_USER)
        assert "permission denied for view" in str(err)
    # The server side keeps it, and sees every company there.
    assert {PROJECT_A, PROJECT_B} <= set(project_ids(api, view, role="service_role"))


def test_a_view_created_or_replaced_after_the_install_shows_every_company_until_the_install_runs_again(
        db, build_scripts, api):
    laid_out(db)
    install(db, build_scripts)
    insert_tenant_data(db)
    leaking = ["public.latest_projects"]
    as_owner(db, "CREATE VIEW public.latest_projects AS SELECT id, name, company_id FROM public.projects;")
    if server_major(db) >= 15:
        # As the application's migration does it: CREATE OR REPLACE VIEW drops the options.
        as_owner(db, re.search(r"CREATE OR REPLACE VIEW public.project_overview AS.*?;",
                               (FIXTURES / "v0_app_objects.sql").read_text(encoding="utf-8"), re.S).group(0))
        leaking.append("public.project_overview")
    api = api()
    # The leak the module closes: through a view that reads as its BYPASSRLS owner, the
    # tables' row level security binds nobody.
    for view in leaking:
        assert {PROJECT_A, PROJECT_B} <= set(project_ids(api, view, role="anon")), view
        assert {PROJECT_A, PROJECT_B} <= set(project_ids(api, view, sub=A_USER)), view

    proc = install(db, build_scripts)

    for view in leaking:
        assert len(naming(notices(proc.stderr), f"view {view}")) == 1, proc.stderr
        refused(api, f"SELECT * FROM {view}", role="anon")
        if server_major(db) >= 15:
            assert project_ids(api, view, sub=A_USER) == [PROJECT_A]
        else:
            refused(api, f"SELECT * FROM {view}", sub=A_USER)


def test_a_materialized_view_over_a_tenant_table_is_closed_to_the_api_roles(db, build_scripts, api):
    laid_out(db)
    proc = install(db, build_scripts)
    insert_tenant_data(db)
    as_owner(db, "REFRESH MATERIALIZED VIEW public.project_snapshot;")
    api = api()

    said = naming(notices(proc.stderr), "materialized view public.project_snapshot")
    assert len(said) == 1 and "revoked the privileges of anon, authenticated" in said[0], proc.stderr
    for who in (dict(role="anon"), dict(sub=A_USER), dict(sub=B_ADMIN)):
        refused(api, "SELECT * FROM project_snapshot", **who)
    # It holds every company's rows, which only the server side may read.
    assert {PROJECT_A, PROJECT_B} <= set(project_ids(api, "project_snapshot", role="service_role"))


def test_a_materialized_view_readable_by_public_loses_publics_privileges_too(db, build_scripts, api):
    laid_out(db, APP_VIEWS + """
        REVOKE ALL ON public.project_snapshot FROM anon, authenticated;
        GRANT SELECT ON public.project_snapshot TO PUBLIC;""")
    proc = install(db, build_scripts)
    insert_tenant_data(db)
    as_owner(db, "REFRESH MATERIALIZED VIEW public.project_snapshot;")

    said = naming(notices(proc.stderr), "materialized view public.project_snapshot")
    assert len(said) == 1 and "revoked the privileges of PUBLIC" in said[0], proc.stderr
    refused(api(), "SELECT * FROM project_snapshot", role="anon")
    assert not warnings(proc.stderr), proc.stderr


def test_views_that_show_no_other_companys_rows_are_left_alone_without_a_notice(db, build_scripts):
    harmless = ["public.ungranted_projects", "public.settings_view", "public.bound_projects"]
    laid_out(db, APP_VIEWS + HARMLESS_VIEWS)
    with db.connect() as conn:
        conn.execute(BOUND_VIEW)
        if server_major(db) >= 15:
            conn.execute(f"SET ROLE {OWNER}")
            conn.execute(INVOKER_VIEW)
            harmless.append("public.invoker_projects")
    before = view_state(db, harmless)

    proc = install(db, build_scripts)

    assert view_state(db, harmless) == before
    for name in harmless:
        assert naming(notices(proc.stderr), f"view {name}") == [], proc.stderr
    assert not warnings(proc.stderr), proc.stderr
    assert scalar(db, "SELECT count(*) FROM memtech.secured_view WHERE format('%%I.%%I', schema_name, view_name) "
                      "= ANY (%s)", [harmless]) == 0


def test_one_notice_per_object_made_safe_and_none_when_the_install_runs_again(db, build_scripts):
    laid_out(db)
    made_safe = ["view public.project_overview", "view public.overview_of_overview", "view reporting.project_names",
                 "materialized view public.project_snapshot"]

    first = install(db, build_scripts)
    said = notices(first.stderr)
    assert {label: len(naming(said, label)) for label in made_safe} == {label: 1 for label in made_safe}, first.stderr
    state = view_state(db, ["public.project_overview", "public.overview_of_overview", "reporting.project_names",
                            "public.project_snapshot"])
    record = scalar(db, "SELECT array_agg(s::text ORDER BY schema_name, view_name) FROM memtech.secured_view s")
    assert len(record) == 4

    again = install(db, build_scripts)

    said = notices(again.stderr)
    assert {label: naming(said, label) for label in made_safe} == {label: [] for label in made_safe}, again.stderr
    assert not warnings(again.stderr), again.stderr
    assert view_state(db, list(state)) == state
    assert scalar(db, "SELECT array_agg(s::text ORDER BY schema_name, view_name) FROM memtech.secured_view s") == record


def test_what_the_install_cannot_make_safe_is_named_in_a_warning(db, build_scripts, api):
    laid_out(db, APP_VIEWS + f"""
        -- A view owned by a role bound by row level security reads the materialized view
        -- with its owner's privileges, whatever the API roles hold on it.
        CREATE VIEW public.snapshot_for_everyone AS SELECT id, name FROM public.project_snapshot;
        GRANT SELECT ON public.project_snapshot TO {PLAIN_OWNER};""")
    with db.connect() as conn:
        conn.execute(f"ALTER VIEW public.snapshot_for_everyone OWNER TO {PLAIN_OWNER}")
        # The cluster's superuser owns this one: the install, run by supa_admin, cannot change it.
        conn.execute("CREATE VIEW public.superuser_projects AS SELECT id, name FROM public.projects")
        conn.execute("GRANT SELECT ON public.superuser_projects TO anon, authenticated")
    before = view_state(db, ["public.superuser_projects"])

    proc = install(db, build_scripts)

    said = warnings(proc.stderr)
    superuser_view = naming(said, "view public.superuser_projects")
    assert len(superuser_view) == 1 and f"running as {OWNER}, cannot change it" in superuser_view[0], proc.stderr
    assert view_state(db, ["public.superuser_projects"]) == before
    snapshot = naming(said, "materialized view public.project_snapshot")
    assert len(snapshot) == 1 and "through view public.snapshot_for_everyone" in snapshot[0], proc.stderr
    assert "ALTER VIEW public.superuser_projects SET (security_invoker = true)" in proc.stderr
    # ... and rightly so: anon still reads every company's rows there.
    insert_tenant_data(db)
    as_owner(db, "REFRESH MATERIALIZED VIEW public.project_snapshot;")
    assert {PROJECT_A, PROJECT_B} <= set(project_ids(api(), "snapshot_for_everyone", role="anon"))


def test_a_reader_holding_a_view_makes_the_install_give_up_in_time_naming_it_and_change_nothing(db, build_scripts):
    """Changing a view's options locks it; the install locks the views it will change together
    with the v0 tables. A reader holding a view (here waiting for another table of it) keeps the
    install from its locks: it gives up after memtech.lock_timeout, naming the reader, and
    changes nothing."""
    if server_major(db) < 15:
        pytest.skip("on PostgreSQL 14 the install only revokes privileges, which locks no view")
    # The reader locks app_settings after the view and before projects: a blocker holding
    # app_settings keeps it waiting with the view held, and the v0 tables free.
    laid_out(db, APP_VIEWS + "CREATE VIEW public.settings_and_projects AS "
                             "SELECT s.key, p.id FROM public.app_settings s, public.projects p;")
    dump_before = db.dump()
    with db.connect() as blocker, db.connect() as reader:
        reader_pid = reader.info.backend_pid
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE public.app_settings IN ACCESS EXCLUSIVE MODE")
        reading = threading.Thread(target=reader.execute, args=["SELECT count(*) FROM public.settings_and_projects"])
        reading.start()
        try:
            for _ in range(100):
                if scalar(db, "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s",
                          [reader_pid]):
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the reader never waited for app_settings")
            started = time.monotonic()
            proc = psql_as(db, OWNER, build_scripts.install, {"memtech.lock_timeout": "1s"})
            took = time.monotonic() - started
        finally:
            blocker.execute("ROLLBACK")
            reading.join()

    assert proc.returncode != 0, proc.stderr
    assert re.search(r"memtech could not lock [^\n]*public\.settings_and_projects", proc.stderr), proc.stderr
    assert f"pid {reader_pid} " in proc.stderr, proc.stderr
    assert "deadlock" not in proc.stderr
    assert took < 30, took
    assert db.dump() == dump_before


def test_the_views_readers_during_the_install_neither_fail_it_nor_fail(db, build_scripts):
    """Readers of a view over the v0 tables keep coming while the install runs. Had the install
    altered the view after locking the v0 tables, a reader arriving in between would hold the
    view while waiting for the tables, and the install would give up; it locks both at once."""
    if server_major(db) < 15:
        pytest.skip("on PostgreSQL 14 the install only revokes privileges, which locks no view")
    laid_out(db)
    stop, errors, reads = threading.Event(), [], [0]

    def read():
        with psycopg.connect(db.dsn, user=OWNER, autocommit=True) as conn:
            while not stop.is_set():
                try:
                    conn.execute("SELECT count(*) FROM public.project_overview")
                    reads[0] += 1
                except psycopg.Error as e:
                    errors.append(str(e))

    readers = [threading.Thread(target=read) for _ in range(2)]
    for r in readers:
        r.start()
    try:
        time.sleep(0.3)
        proc = psql_as(db, OWNER, build_scripts.install, {"memtech.lock_timeout": "3s"})
    finally:
        stop.set()
        for r in readers:
            r.join(30)
    assert proc.returncode == 0, proc.stderr
    assert errors == [] and reads[0] > 20, (errors[:3], reads)
    assert view_state(db, ["public.project_overview"])["public.project_overview"][0] == ["security_invoker=true"]


# ---------------------------------------------------------------------------------- functions

APP_FUNCTIONS = """
CREATE FUNCTION public.all_project_names() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER
AS $$ SELECT name FROM public.projects $$;
CREATE FUNCTION public.section_total() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER
BEGIN ATOMIC SELECT count(*) FROM public.sections; END;
CREATE FUNCTION public.overview_rows() RETURNS bigint LANGUAGE plpgsql STABLE SECURITY DEFINER
AS $$ BEGIN RETURN (SELECT count(*) FROM project_overview); END $$;
-- Left out: run as the caller; not executable by the API roles; reading no tenant table
-- (auth.users is not public.users).
CREATE FUNCTION public.my_project_names() RETURNS SETOF text LANGUAGE sql STABLE
AS $$ SELECT name FROM public.projects $$;
CREATE FUNCTION public.internal_project_names() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER
AS $$ SELECT name FROM public.projects $$;
REVOKE EXECUTE ON FUNCTION public.internal_project_names() FROM PUBLIC, anon, authenticated;
CREATE FUNCTION public.setting(k text) RETURNS jsonb LANGUAGE sql STABLE SECURITY DEFINER
AS $$ SELECT value FROM public.app_settings WHERE key = k $$;
CREATE FUNCTION public.auth_user_count() RETURNS bigint LANGUAGE plpgsql STABLE SECURITY DEFINER
AS $$ BEGIN RETURN (SELECT count(*) FROM auth.users); END $$;
"""


def test_security_definer_functions_reading_tenant_tables_are_named_in_a_warning_and_left_alone(db, build_scripts):
    laid_out(db, APP_FUNCTIONS)
    # The application's functions: those in public before the install (which adds its searches
    # there, and unaccent where it creates the extension).
    functions = "SELECT array_agg((p.oid::regprocedure, p.prosecdef, p.proacl)::text ORDER BY p.proname) " \
                "FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.oid = ANY (%s::oid[])"
    application = [r[0] for r in rows(db, "SELECT oid FROM pg_proc WHERE pronamespace = 'public'::regnamespace")]
    before = scalar(db, functions, [application])

    proc = install(db, build_scripts)

    said = warnings(proc.stderr)
    named = sorted(m.group(1) for m in (re.search(r"function (public\.\w+)\(", w) for w in said) if m)
    assert named == ["public.all_project_names", "public.overview_rows", "public.section_total"], proc.stderr
    for w in said:
        assert f"owned by {OWNER}" in w and "memtech cannot know which company's rows" in w, w
    assert "public.projects" in naming(said, "function public.all_project_names()")[0]
    assert "public.sections" in naming(said, "function public.section_total()")[0]
    assert "REVOKE EXECUTE ON FUNCTION public.all_project_names() FROM anon, authenticated, PUBLIC" in proc.stderr
    assert scalar(db, functions, [application]) == before


# ---------------------------------------------------------------------------------- the uninstall

OPTIONED_VIEWS = """
CREATE VIEW public.barrier_projects WITH (security_barrier = true) AS SELECT id, name FROM public.projects;
-- Readable by PUBLIC, and by the API roles through column grants only (one with grant
-- option): the install revokes all three, and every entry must come back in its place.
CREATE MATERIALIZED VIEW public.named_snapshot AS SELECT id, name FROM public.projects;
REVOKE ALL ON public.named_snapshot FROM anon, authenticated, service_role;
GRANT SELECT ON public.named_snapshot TO PUBLIC, service_role;
GRANT SELECT (name) ON public.named_snapshot TO authenticated;
GRANT SELECT (id, name) ON public.named_snapshot TO anon WITH GRANT OPTION;
"""
# security_invoker set to false before another option: SET appends, so giving back the order
# takes more than setting it to false again.
EXPLICIT_DEFINER_VIEW = """
CREATE VIEW public.explicit_definer WITH (security_invoker = false, security_barrier = true)
  AS SELECT id, name FROM public.projects;
"""


def test_the_uninstall_gives_every_view_back_its_options_and_privileges(db, build_scripts):
    app = APP_VIEWS + OPTIONED_VIEWS
    laid_out(db, app)
    if server_major(db) >= 15:
        as_owner(db, EXPLICIT_DEFINER_VIEW)
    changed = ["public.project_overview", "public.overview_of_overview", "reporting.project_names",
               "public.project_snapshot", "public.barrier_projects", "public.named_snapshot"]
    if server_major(db) >= 15:
        changed.append("public.explicit_definer")
    before = view_state(db, changed)
    dump_before = db.dump()

    install(db, build_scripts)
    after_install = view_state(db, changed)
    assert all(after_install[n] != before[n] for n in changed), after_install

    proc = uninstall(db, build_scripts)

    assert view_state(db, changed) == before
    assert db.dump() == dump_before
    # One notice gives the view back (a role kept because objects depend on it may list the view
    # too, when an earlier test left that role in the cluster).
    given_back = [m for m in naming(notices(proc.stderr), "view public.project_overview") if "keeping role" not in m]
    assert len(given_back) == 1, proc.stderr


def test_the_uninstall_leaves_a_view_the_application_changed_since_and_still_completes(db, build_scripts):
    laid_out(db)
    install(db, build_scripts)
    # The application drops one view and recreates another (its default privileges grant it
    # again, and it reads as its owner again).
    as_owner(db, """
        DROP VIEW reporting.project_names;
        DROP VIEW public.overview_of_overview;
        CREATE VIEW public.overview_of_overview AS SELECT id, name FROM public.project_overview;""")
    recreated = view_state(db, ["public.overview_of_overview"])

    proc = uninstall(db, build_scripts)

    said = notices(proc.stderr)
    dropped = naming(said, "view reporting.project_names")
    assert len(dropped) == 1 and "leaving" in dropped[0] and "dropped" in dropped[0], proc.stderr
    changed = naming(said, "view public.overview_of_overview")
    assert len(changed) == 1 and "leaving" in changed[0] and "changed since" in changed[0], proc.stderr
    assert view_state(db, ["public.overview_of_overview"]) == recreated
    assert scalar(db, "SELECT to_regnamespace('memtech') IS NULL")
    # The views the application left as they were are given back.
    assert scalar(db, "SELECT reloptions FROM pg_class WHERE oid = 'public.project_overview'::regclass") is None
