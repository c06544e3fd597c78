"""Every function the package creates pins its search path (issue 18), in every schema.

Threat: a function whose search_path leaves pg_temp out searches the caller's temporary schema
FIRST for types and relations, so a tenant's `pg_temp.uuid` domain with a CHECK calling its own
code runs that code inside the function, as its owner when it is a security definer. A trigger
or an invoker function is no safer: a definer function that calls it, or an owner's job, runs it
with the tenant's shadows in place. So each one, whatever its schema (memtech, public, ...) and
whoever generated it (the audit functions are written at install time), pins `pg_catalog,
pg_temp` or the empty path.

The test takes the catalog as it is before the install (the application's own functions, the
extensions'), applies what `make install` applies, and checks every function that appeared; it
names the searches and audit functions it must have seen, so that it cannot pass on an empty set.
"""
import pytest

from helpers import create_pgvector_or_skip, load_v0

PINNED = ("search_path=pg_catalog, pg_temp", 'search_path=""')

# Every function outside the system schemas and the extensions, named with its schema whatever
# the search path, with its pinned settings. Temporary schemas are left out: the scripts'
# helpers there die with the script's session.
FUNCTIONS = """
SELECT p.oid::regprocedure::text, coalesce(p.proconfig, '{}')
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast%'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e')
"""


def functions(db):
    """{signature: its settings (proconfig)} of every function FUNCTIONS finds."""
    with db.connect() as conn:
        conn.execute("SET search_path = pg_catalog")    # every signature fully qualified
        return {name: config for name, config in conn.execute(FUNCTIONS).fetchall()}


def unpinned(found):
    return sorted(f"{name} (settings: {config or 'none'})" for name, config in found.items()
                  if not any(setting in config for setting in PINNED))


@pytest.fixture(params=["v0", "v0 with pgvector"])
def installed(request, db, build_scripts):
    """(db, functions before the install, functions the install created): the v0 database (with
    pgvector and the application's search where asked) after prepare, install and finish."""
    if request.param == "v0 with pgvector":
        create_pgvector_or_skip(db)
    load_v0(db)
    if request.param == "v0 with pgvector":
        db.load_fixture("v0_rag")
    before = functions(db)
    db.psql(build_scripts.prepare)
    db.install()
    db.psql(build_scripts.finish)
    created = {name: config for name, config in functions(db).items() if name not in before}
    return db, request.param, before, created


def test_every_function_the_install_creates_pins_pg_catalog_then_pg_temp(installed):
    db, case, before, created = installed
    expected = {"public.search_library(text,integer)", "memtech.audit_users()", "memtech.audit_content_blocks()",
                "memtech.guard_user_change()", "memtech.check_same_company()", "memtech.request_origin()"}
    if case == "v0 with pgvector":
        expected |= {"public.search_chunks(public.vector,integer)",
                     "public.search_hybrid(text,public.vector,integer)"}
    assert expected <= created.keys(), f"the check did not see {sorted(expected - created.keys())}"
    assert "public.chunk_count(uuid)" in before        # the application's, not the package's to pin
    assert unpinned(created) == [], "functions of the package that do not pin search_path to " \
                                    "pg_catalog, pg_temp (or to nothing):\n" + "\n".join(unpinned(created))


def test_the_audit_functions_generated_again_still_pin_their_search_path(installed):
    db, _, _, created = installed
    with db.connect() as conn:
        audited = [r[0] for r in conn.execute(
            "SELECT format('memtech.audit_%s()', table_name) FROM memtech.tenant_table WHERE audited ORDER BY 1")]
        # A write to memtech.secret_column writes every audit function again.
        conn.execute("INSERT INTO memtech.secret_column (table_name, column_name) VALUES ('companies', 'name')")
        conn.execute("DELETE FROM memtech.secret_column WHERE (table_name, column_name) = ('companies', 'name')")
    assert audited and set(audited) <= created.keys()
    again = {name: config for name, config in functions(db).items() if name in audited}
    assert sorted(again) == sorted(audited)
    assert unpinned(again) == [], "\n".join(unpinned(again))


def test_the_uninstall_leaves_no_function_the_install_created(installed):
    db, _, before, created = installed
    db.uninstall(**{"memtech.confirm_data_loss": "on"})
    after = functions(db)
    assert sorted(created.keys() & after.keys()) == []
    assert after == before
