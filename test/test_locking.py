"""The install on a live database: it waits a bounded time for its locks, never holds the
application's readers up for long, and two installs at once end as one."""
import threading
import time

import psycopg
import pytest

from helpers import VERSION, data_digest, installed_version, load_v0, make_db, rows, scalar  # noqa: F401

LOCKED = ["public.projects", "public.sections", "public.memoires", "public.document_chunks"]

HOLDERS = {
    # an application transaction that read a row and stays open (idle in transaction)
    "open_select": "SELECT * FROM public.projects LIMIT 1",
    "lock_access_share": "LOCK TABLE public.projects IN ACCESS SHARE MODE",
}


def hold(db, how):
    """Another session's open transaction holding ACCESS SHARE on projects; returns the connection."""
    conn = db.connect(autocommit=False)
    conn.execute(HOLDERS[how])
    return conn


def wait_until_queued(db, timeout=10):
    """Wait until a psql session on db (the install or uninstall) queues for a lock on projects,
    that is, is in its lock loop; returns its pid."""
    deadline = time.monotonic() + timeout
    with db.connect() as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
                "WHERE a.datname = %s AND a.application_name = 'psql' AND NOT l.granted "
                "AND l.relation = 'public.projects'::regclass", [db.name]).fetchone()
            if row:
                return row[0]
            time.sleep(0.005)
    pytest.fail("the script never queued for a lock on projects")


def run_in_thread(fn, *args, **kwargs):
    result = {}

    def target():
        start = time.monotonic()
        try:
            result["value"] = fn(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001 - reported by the test
            result["error"] = e
        result["elapsed"] = time.monotonic() - start

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, result


# --------------------------------------------------------------------------- fail fast

@pytest.mark.parametrize("how", list(HOLDERS))
def test_install_facing_a_long_transaction_fails_fast_and_changes_nothing(db, how):
    load_v0(db)
    dump, data = db.dump(), data_digest(db)
    holder = hold(db, how)
    try:
        blocker = holder.info.backend_pid
        start = time.monotonic()
        proc = db.install(check=False, **{"memtech.lock_timeout": "1s"})
        elapsed = time.monotonic() - start

        assert proc.returncode != 0, f"the install went through a lock held by pid {blocker}:\n{proc.stderr}"
        assert elapsed < 10, f"the install took {elapsed:.1f}s to give up with lock_timeout=1s"
        assert elapsed >= 1, f"the install gave up after {elapsed:.2f}s, before its 1s lock_timeout"
        assert "ERROR:" in proc.stderr
        assert "public.projects" in proc.stderr, proc.stderr
        assert f"pid {blocker}" in proc.stderr, f"the blocking pid {blocker} is not named:\n{proc.stderr}"
        # Still holding its lock, the application sees its database as it was.
        assert holder.execute("SELECT count(*) FROM public.projects").fetchone()[0] == 5
    finally:
        holder.rollback()
        holder.close()
    assert db.dump() == dump
    assert data_digest(db) == data
    assert installed_version(db) is None

    # Once the other transaction has ended, the install goes through.
    db.install(**{"memtech.lock_timeout": "1s"})
    assert installed_version(db) == VERSION


def test_uninstall_facing_a_long_transaction_fails_fast_and_changes_nothing(db):
    load_v0(db)
    db.install()
    dump, data = db.dump(), data_digest(db)
    holder = hold(db, "open_select")
    try:
        blocker = holder.info.backend_pid
        start = time.monotonic()
        proc = db.uninstall(check=False, **{"memtech.lock_timeout": "1s"})
        elapsed = time.monotonic() - start

        assert proc.returncode != 0, proc.stderr
        assert elapsed < 10
        assert "public.projects" in proc.stderr and f"pid {blocker}" in proc.stderr, proc.stderr
    finally:
        holder.rollback()
        holder.close()
    assert db.dump() == dump
    assert data_digest(db) == data

    db.uninstall(**{"memtech.lock_timeout": "1s"})
    assert installed_version(db) is None


# --------------------------------------------------------------------------- readers go on

@pytest.mark.parametrize("operation", ["install", "uninstall"])
def test_readers_are_not_queued_behind_a_waiting_install(db, operation):
    """While the script waits for its locks, `SELECT count(*) FROM projects` from the
    application still answers within 1s: the script never sits in the lock queue long."""
    load_v0(db)
    if operation == "uninstall":
        db.install()
    holder = hold(db, "open_select")
    try:
        thread, result = run_in_thread(getattr(db, operation), check=False, **{"memtech.lock_timeout": "3s"})
        wait_until_queued(db)

        durations, failures = [], []
        with db.connect() as reader:
            reader.execute("SET statement_timeout = '1s'")
            while thread.is_alive():
                start = time.monotonic()
                try:
                    assert reader.execute("SELECT count(*) FROM public.projects").fetchone()[0] == 5
                except psycopg.errors.QueryCanceled as e:
                    failures.append(str(e))
                durations.append(time.monotonic() - start)
                time.sleep(0.02)
        thread.join(30)
    finally:
        holder.rollback()
        holder.close()

    assert "error" not in result, result
    proc = result["value"]
    assert failures == [], (f"{len(failures)} of {len(durations)} reads of projects waited more than 1s "
                            f"behind the {operation}: {failures[:3]}")
    assert len(durations) >= 5, f"only {len(durations)} reads while the {operation} waited"
    # It gave up (the holder never let go), after about its lock_timeout, and changed nothing.
    assert proc.returncode != 0 and "public.projects" in proc.stderr, proc.stderr
    assert result["elapsed"] < 15
    assert installed_version(db) == (None if operation == "install" else VERSION)
    print(f"{len(durations)} reads, longest {max(durations) * 1000:.0f} ms")


@pytest.mark.parametrize("operation", ["install", "uninstall"])
def test_anyone_holding_the_install_lock_makes_it_fail_fast_naming_them(db, operation):
    # pg_advisory_lock is PUBLIC: even anon can take the lock that lets one install run at a
    # time. The script waits for it no longer than memtech.lock_timeout, then names who holds it.
    load_v0(db)
    db.install()
    if operation == "install":
        db.uninstall()
    dump, data = db.dump(), data_digest(db)
    with db.connect() as squatter:
        squatter.execute("SET ROLE anon")
        squatter.execute("SELECT pg_advisory_lock(hashtext('memtech install'))")
        start = time.monotonic()
        proc = getattr(db, operation)(check=False, **{"memtech.lock_timeout": "1s"})
        elapsed = time.monotonic() - start
        pid = squatter.info.backend_pid
    assert proc.returncode != 0, proc.stderr
    assert 1 <= elapsed < 10, elapsed
    assert "another session holds the lock that lets one install or uninstall run at a time" in proc.stderr
    assert f"pid {pid} " in proc.stderr, proc.stderr
    assert db.dump() == dump and data_digest(db) == data


TENANT_SETUP = """
    INSERT INTO public.companies (id, name) VALUES ('c0000000-0000-4000-8000-0000000000f1', 'Foxtrot BTP');
    INSERT INTO public.users (id, company_id, email, full_name, role) VALUES
      ('d0000000-0000-4000-8000-0000000000f1', 'c0000000-0000-4000-8000-0000000000f1', 'f@foxtrot.fr', 'F', 'user');
    INSERT INTO public.content_blocks (company_id, type, title) VALUES
      ('c0000000-0000-4000-8000-0000000000f1', 'equipment', 'Grue');
"""


def tenant_transaction(db):
    """A tenant's open transaction that has read its content blocks (as PostgREST's do until they
    commit); returns the connection."""
    conn = db.connect(autocommit=False)
    conn.execute("SET LOCAL ROLE authenticated")
    conn.execute("SET LOCAL app.user_id = 'd0000000-0000-4000-8000-0000000000f1'")
    assert conn.execute("SELECT count(*) FROM public.content_blocks").fetchone()[0] == 1
    return conn


@pytest.mark.parametrize("operation", ["install", "uninstall"])
def test_a_tenant_transaction_in_the_way_of_a_rerun_or_uninstall_is_named(db, operation):
    # Installed and in use: a re-run (an upgrade) or the uninstall changes the package's tables,
    # which the tenant's transaction holds. It gives up after memtech.lock_timeout naming it,
    # rather than failing on PostgreSQL's anonymous lock timeout in the middle of a module.
    load_v0(db)
    db.install()
    db.psql(TENANT_SETUP)
    dump, data = db.dump(), data_digest(db)
    holder = tenant_transaction(db)
    try:
        options = {"memtech.lock_timeout": "1s", "memtech.confirm_data_loss": "on"}
        proc = getattr(db, operation)(check=False, **options)
        pid = holder.info.backend_pid
    finally:
        holder.rollback()
        holder.close()
    assert proc.returncode != 0, proc.stderr
    assert "memtech could not lock" in proc.stderr and f"pid {pid} " in proc.stderr, proc.stderr
    assert db.dump() == dump and data_digest(db) == data


def test_a_rerun_under_tenant_load_completes_and_the_load_only_waits(db):
    """Tenants keep reading and writing (each statement also reads memtech.active_member) while
    the install runs again: it takes every lock at once, so neither side deadlocks or fails."""
    load_v0(db)
    db.install()
    db.psql(TENANT_SETUP)
    stop, errors, done = threading.Event(), [], [0]
    statements = ["SELECT count(*) FROM public.projects",
                  "UPDATE public.content_blocks SET content = content || '.'",
                  "SELECT count(*) FROM public.users",
                  "INSERT INTO public.memoires (title) VALUES ('M')"]

    def work(k):
        with db.connect() as conn:
            i = 0
            while not stop.is_set():
                try:
                    with conn.transaction():
                        conn.execute("SET LOCAL ROLE authenticated")
                        conn.execute("SET LOCAL app.user_id = 'd0000000-0000-4000-8000-0000000000f1'")
                        conn.execute(statements[(i + k) % len(statements)])
                        conn.execute(statements[(i + k + 1) % len(statements)])
                    done[0] += 1
                except psycopg.Error as e:
                    errors.append(str(e))
                i += 1

    workers = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for w in workers:
        w.start()
    try:
        time.sleep(0.3)
        # Generous: each attempt needs a moment when no transaction of the load holds a table,
        # which a machine busy with other work makes rarer (10s once ran out on a loaded one).
        proc = db.install(check=False, **{"memtech.lock_timeout": "60s"})
        time.sleep(0.3)
    finally:
        stop.set()
        for w in workers:
            w.join(30)
    assert proc.returncode == 0, proc.stderr
    assert errors == [] and done[0] > 20, (errors[:3], done)


# --------------------------------------------------------------------------- concurrent installs

def test_two_installs_at_the_same_moment(db, make_db, build_scripts):
    load_v0(db)
    script = build_scripts.install.read_text(encoding="utf-8")
    barrier = threading.Barrier(2)

    def install_once():
        with db.connect(autocommit=True) as conn:
            barrier.wait(10)
            conn.execute(script)

    runs = [run_in_thread(install_once) for _ in range(2)]
    for thread, _ in runs:
        thread.join(60)
    for _, result in runs:
        assert "error" not in result, f"one of the two installs failed: {result['error']!r}"

    reference = make_db("single_install")
    load_v0(reference)
    reference.install()
    assert db.dump() == reference.dump()
    assert installed_version(db) == VERSION
    companies = rows(db, "SELECT id FROM public.companies")
    assert len(companies) == 1, companies
    assert companies[0][0] == scalar(db, "SELECT legacy_company_id FROM memtech.installation")
    assert data_digest(db).keys() == data_digest(reference).keys()


def test_two_installs_at_the_same_moment_with_psql(db):
    """The same with psql (psql -f build/install.sql) from two terminals."""
    load_v0(db)
    barrier = threading.Barrier(2)

    def install_once():
        barrier.wait(10)
        return db.install(check=False)

    runs = [run_in_thread(install_once) for _ in range(2)]
    for thread, _ in runs:
        thread.join(60)
    for _, result in runs:
        assert "error" not in result, result
        assert result["value"].returncode == 0, result["value"].stderr
    assert installed_version(db) == VERSION
    assert scalar(db, "SELECT count(*) FROM public.companies") == 1


# ------------------------------------------------------------------------ install under load

V0_STATEMENTS = [
    # what the v0 application does all day, written before tenancy: none names a company
    "SELECT p.name, count(s.id) FROM public.projects p LEFT JOIN public.sections s ON s.project_id = p.id "
    "GROUP BY p.name",
    "SELECT c.content FROM public.document_chunks c JOIN public.memoires m ON m.id = c.memoire_id "
    "WHERE m.id = '10000000-0000-4000-a000-000000000001' ORDER BY c.chunk_index",
    "INSERT INTO public.sections (project_id, title, position) "
    "VALUES ('20000000-0000-4000-a000-000000000001', 'Annexe', 99)",
    "INSERT INTO public.document_chunks (memoire_id, chunk_index, content) "
    "VALUES ('10000000-0000-4000-a000-000000000001', 99, 'Passage ajouté')",
    "UPDATE public.projects SET description = coalesce(description, '') WHERE id = '20000000-0000-4000-a000-000000000002'",
    "INSERT INTO public.projects (name) VALUES ('Nouvel appel d''offres')",
    "INSERT INTO public.memoires (title) VALUES ('Nouveau mémoire')",
]


def test_an_install_under_steady_read_and_write_load_leaves_the_load_unharmed(db):
    """Two workers keep reading and writing the v0 tables as the v0 application does; the
    install completes, and none of their statements fails, before, during or after it:
    they only wait, briefly, for its locks."""
    import threading
    load_v0(db)
    stop = threading.Event()
    errors, waits, counts = [], [], [0, 0]

    def work(k):
        with db.connect() as conn:
            conn.execute("SET statement_timeout = '10s'")
            i = 0
            while not stop.is_set():
                statement = V0_STATEMENTS[(i + k) % len(V0_STATEMENTS)]
                start = time.monotonic()
                try:
                    conn.execute(statement)
                    counts[k] += 1
                except psycopg.Error as e:
                    errors.append(f"{statement[:60]}: {e}")
                waits.append(time.monotonic() - start)
                i += 1
                time.sleep(0.005)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for w in workers:
        w.start()
    try:
        time.sleep(0.5)
        proc = db.install(check=False, **{"memtech.lock_timeout": "10s"})
        time.sleep(0.5)
    finally:
        stop.set()
        for w in workers:
            w.join(30)
    assert proc.returncode == 0, proc.stderr
    assert errors == [], f"{len(errors)} statements of the load failed: {errors[:3]}"
    assert sum(counts) > 50, counts
    assert max(waits) < 5, f"a statement of the load waited {max(waits):.1f}s"
    # What the load wrote during and after the install belongs to a company like the rest.
    assert scalar(db, "SELECT count(*) FROM public.projects WHERE company_id IS NULL") == 0
    assert scalar(db, "SELECT count(DISTINCT company_id) FROM public.sections") == 1
