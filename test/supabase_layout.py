"""A database laid out like Supabase's, and clients that talk to it the way PostgREST does.

Supabase gives every project the same roles and privileges, which differ from a plain
PostgreSQL in ways that matter to the package:

* the API roles anon, authenticated and service_role (BYPASSRLS) exist, and PostgREST logs in
  as authenticator (NOINHERIT, member of the three) and switches role per request;
* the database and the tables are owned by a role that is not a superuser but has BYPASSRLS
  (Supabase's `postgres`; here `supa_admin`), and the install runs as that role;
* default privileges grant ALL (TRUNCATE, REFERENCES and TRIGGER included) on every new
  table, sequence and function of public to anon, authenticated and service_role;
* an `auth` schema with auth.uid(), read from the same JWT claims memtech reads.

Roles belong to the whole cluster and are shared by every test database of a run: they are
created only when missing and never dropped.
"""
import dataclasses
import json
import pathlib
import subprocess
from typing import Any, Optional

import psycopg
from psycopg import sql

import manifest
from conftest import FIXTURES, client_env, client_tool
from helpers import V0_COLUMNS

OWNER = "supa_admin"            # Supabase's `postgres`: owns the database, NOSUPERUSER, BYPASSRLS
PLAIN_OWNER = "plain_owner"     # a login role without BYPASSRLS, which the install must refuse
AUTHENTICATOR = "authenticator"  # what PostgREST logs in as
API_ROLES = ["anon", "authenticated", "service_role"]

# name -> attributes. anon and authenticated may already exist (another test's install may
# have created them, NOLOGIN, exactly as here): they are only created when missing. The
# others are this module's own, so their attributes are also made to match.
CLUSTER_ROLES = {
    "anon": "NOLOGIN",
    "authenticated": "NOLOGIN",
    "service_role": "NOLOGIN NOSUPERUSER BYPASSRLS",
    AUTHENTICATOR: "LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS",
    OWNER: "LOGIN NOSUPERUSER BYPASSRLS CREATEROLE CREATEDB",
    PLAIN_OWNER: "LOGIN NOSUPERUSER NOBYPASSRLS",
}

V0_FIXTURES = ["v0_schema", "v0_data", "v0_app_objects"]

# The tenant tables (the manifest's), the v0 tables it extends among them.
PACKAGE_TABLES = manifest.names()
V0_TABLES = manifest.names(origin="v0")
TABLE_PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]

# What PostgREST puts in request.headers; the package must not mind it.
REQUEST_HEADERS = json.dumps({"x-forwarded-for": "203.0.113.7", "user-agent": "pytest"})

# ---------------------------------------------------------------------------------- the data
# Two tenants, A and B, with fixed ids (valid version-4 uuids).
COMPANY_A = "a0000000-0000-4000-8000-00000000000a"
COMPANY_B = "b0000000-0000-4000-8000-00000000000b"
A_ADMIN = "a1000000-0000-4000-8000-000000000001"
A_USER = "a1000000-0000-4000-8000-000000000002"
A_VIEWER = "a1000000-0000-4000-8000-000000000003"
A_INACTIVE = "a1000000-0000-4000-8000-000000000004"
B_ADMIN = "b1000000-0000-4000-8000-000000000001"
A_USERS = {A_ADMIN, A_USER, A_VIEWER, A_INACTIVE}
BLOCK_A1 = "a2000000-0000-4000-8000-000000000001"   # created_by NULL
BLOCK_A2 = "a2000000-0000-4000-8000-000000000002"   # created_by A_USER
BLOCK_B1 = "b2000000-0000-4000-8000-000000000001"
MEMOIRE_A = "a3000000-0000-4000-8000-000000000001"
MEMOIRE_B = "b3000000-0000-4000-8000-000000000001"
CHUNKS_A = ["a4000000-0000-4000-8000-000000000000", "a4000000-0000-4000-8000-000000000001",
            "a4000000-0000-4000-8000-000000000002"]
CHUNKS_B = ["b4000000-0000-4000-8000-000000000000", "b4000000-0000-4000-8000-000000000001"]
PROJECT_A = "a5000000-0000-4000-8000-000000000001"
PROJECT_B = "b5000000-0000-4000-8000-000000000001"
SECTION_A = "a6000000-0000-4000-8000-000000000001"
SECTION_B = "b6000000-0000-4000-8000-000000000001"

BCRYPT = "$2b$12$" + "R9h/cIPz0gi.URNNX3kh2O" + "PST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"  # 22 + 31 = 53 chars

TENANT_DATA = f"""
INSERT INTO public.companies (id, name, email) VALUES
  ('{COMPANY_A}', 'Alpha Bâtiment', 'ao@alpha-batiment.fr'),
  ('{COMPANY_B}', 'Bêta Travaux', 'ao@beta-travaux.fr');
INSERT INTO public.users (id, company_id, email, full_name, role, is_active, password_hash) VALUES
  ('{A_ADMIN}', '{COMPANY_A}', 'admin@alpha-batiment.fr', 'Anne Admin', 'admin', true, '{BCRYPT}'),
  ('{A_USER}', '{COMPANY_A}', 'user@alpha-batiment.fr', 'Ugo Utilisateur', 'user', true, '{BCRYPT}'),
  ('{A_VIEWER}', '{COMPANY_A}', 'viewer@alpha-batiment.fr', 'Véra Lectrice', 'viewer', true, NULL),
  ('{A_INACTIVE}', '{COMPANY_A}', 'parti@alpha-batiment.fr', 'Paul Parti', 'user', false, '{BCRYPT}'),
  ('{B_ADMIN}', '{COMPANY_B}', 'admin@beta-travaux.fr', 'Bruno Admin', 'admin', true, '{BCRYPT}');
INSERT INTO public.content_blocks (id, company_id, type, title, content, created_by) VALUES
  ('{BLOCK_A1}', '{COMPANY_A}', 'procedure', 'Procédure qualité Alpha', 'PAQ type.', NULL),
  ('{BLOCK_A2}', '{COMPANY_A}', 'person-cv', 'CV conducteur de travaux Alpha', '15 ans.', '{A_USER}'),
  ('{BLOCK_B1}', '{COMPANY_B}', 'procedure', 'Procédure qualité Bêta', 'Secret de Bêta.', '{B_ADMIN}');
INSERT INTO public.memoires (id, company_id, title, content, uploaded_by) VALUES
  ('{MEMOIRE_A}', '{COMPANY_A}', 'Mémoire Alpha – école', 'Texte Alpha.', '{A_USER}'),
  ('{MEMOIRE_B}', '{COMPANY_B}', 'Mémoire Bêta – gymnase', 'Texte Bêta.', '{B_ADMIN}');
INSERT INTO public.document_chunks (id, memoire_id, chunk_index, content) VALUES
  ('{CHUNKS_A[0]}', '{MEMOIRE_A}', 0, 'Alpha chunk 0'),
  ('{CHUNKS_A[1]}', '{MEMOIRE_A}', 1, 'Alpha chunk 1'),
  ('{CHUNKS_A[2]}', '{MEMOIRE_A}', 2, 'Alpha chunk 2'),
  ('{CHUNKS_B[0]}', '{MEMOIRE_B}', 0, 'Bêta chunk 0 (secret)'),
  ('{CHUNKS_B[1]}', '{MEMOIRE_B}', 1, 'Bêta chunk 1 (secret)');
INSERT INTO public.projects (id, company_id, name, created_by) VALUES
  ('{PROJECT_A}', '{COMPANY_A}', 'AO Alpha – collège', '{A_USER}'),
  ('{PROJECT_B}', '{COMPANY_B}', 'AO Bêta – piscine', '{B_ADMIN}');
INSERT INTO public.sections (id, project_id, title, content) VALUES
  ('{SECTION_A}', '{PROJECT_A}', 'Méthodologie', 'Alpha'),
  ('{SECTION_B}', '{PROJECT_B}', 'Méthodologie', 'Bêta');
"""


# ---------------------------------------------------------------------------------- psql as a role

def psql_as(db, user, file_or_sql, options=None):
    """psql -X -v ON_ERROR_STOP=1 logged in as `user` (a real login: the cluster trusts local
    connections, so no password). A pathlib.Path runs as -f, text goes through stdin.
    Returns the CompletedProcess; does not raise."""
    env = client_env(db.cluster, db.name, options)
    env["PGUSER"] = user
    cmd = [client_tool(db.cluster, "psql"), "-X", "-v", "ON_ERROR_STOP=1"]
    if isinstance(file_or_sql, pathlib.PurePath):
        cmd += ["-f", str(file_or_sql)]
        stdin = None
    else:
        cmd += ["-f", "-"]
        stdin = file_or_sql
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env)


def check(proc, what):
    if proc.returncode != 0:
        raise AssertionError(f"{what} failed (exit {proc.returncode}):\n--- stderr ---\n{proc.stderr}"
                             f"--- stdout (end) ---\n{proc.stdout[-2000:]}")
    return proc


# ---------------------------------------------------------------------------------- the layout

def ensure_cluster_roles(cluster):
    """Creates the Supabase roles that are missing (as the cluster's superuser)."""
    with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
        for name, attributes in CLUSTER_ROLES.items():
            exists = conn.execute("SELECT true FROM pg_roles WHERE rolname = %s", [name]).fetchone()
            if not exists:
                try:
                    conn.execute(sql.SQL("CREATE ROLE {} " + attributes).format(sql.Identifier(name)))
                except psycopg.errors.DuplicateObject:
                    pass  # created meanwhile by another session
            if name not in ("anon", "authenticated"):
                conn.execute(sql.SQL("ALTER ROLE {} " + attributes).format(sql.Identifier(name)))
        for api_role in API_ROLES:
            member = conn.execute(
                "SELECT true FROM pg_auth_members WHERE roleid = %s::regrole AND member = %s::regrole",
                [api_role, AUTHENTICATOR]).fetchone()
            if not member:
                conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(api_role),
                                                               sql.Identifier(AUTHENTICATOR)))


def lay_out(db, v0=True):
    """Turns the fresh test database into a Supabase-like one: owned by supa_admin, public
    usable by the API roles with Supabase's default privileges, an auth schema with auth.uid(),
    and (v0=True) the v0 fixtures loaded by supa_admin, who therefore owns the v0 tables."""
    ensure_cluster_roles(db.cluster)
    with db.connect() as conn:  # the cluster's superuser, as Supabase's platform sets projects up
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(db.name), sql.Identifier(OWNER)))
        conn.execute("GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role")
        for kind in ("TABLES", "SEQUENCES", "FUNCTIONS"):
            conn.execute(f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA public "
                         f"GRANT ALL ON {kind} TO anon, authenticated, service_role")
        conn.execute("CREATE SCHEMA auth")
        conn.execute("GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role")
        conn.execute("""
            CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
            AS $$ SELECT (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid $$""")
        conn.execute("GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated, service_role")
    if v0:
        for name in V0_FIXTURES:
            check(psql_as(db, OWNER, FIXTURES / f"{name}.sql"), f"loading {name}.sql as {OWNER}")


def install_as(db, user, install_path, options=None):
    return psql_as(db, user, pathlib.Path(install_path), options)


def insert_tenant_data(db):
    """Companies A and B with their users, blocks, memoires, chunks, projects and sections,
    inserted by the superuser (which row level security does not restrict)."""
    with db.connect() as conn:
        conn.execute(TENANT_DATA)


# ---------------------------------------------------------------------------------- catalog looks

def relacl(conn, table):
    return conn.execute("SELECT relacl::text[] FROM pg_class WHERE oid = %s::regclass",
                        [f"public.{table}"]).fetchone()[0]


def privileges_of(conn, role, table):
    """The table privileges `role` holds on public.<table>, as has_table_privilege sees them,
    plus 'column <privilege>' for any column-level privilege."""
    held = [p for p in TABLE_PRIVILEGES
            if conn.execute("SELECT has_table_privilege(%s, %s, %s)", [role, f"public.{table}", p]).fetchone()[0]]
    held += [f"column {p}" for p in ("SELECT", "INSERT", "UPDATE", "REFERENCES")
             if conn.execute("SELECT has_any_column_privilege(%s, %s, %s)",
                             [role, f"public.{table}", p]).fetchone()[0]]
    return held


def v0_rows_digest(conn, ids_by_table=None):
    """{table: (count, md5 of the v0 columns row by row)}; with ids_by_table, only those rows."""
    columns = V0_COLUMNS
    out = {}
    for table, cols in columns.items():
        collist = ", ".join(f'"{c}"' for c in cols)
        where = "WHERE id = ANY (%s)" if ids_by_table else ""
        params = [ids_by_table[table]] if ids_by_table else None
        out[table] = conn.execute(
            f"SELECT count(*), md5(coalesce(string_agg(ROW({collist})::text, E'\\n' ORDER BY id), '')) "
            f"FROM public.{table} {where}", params).fetchone()
    return out


def v0_ids(conn):
    return {t: [r[0] for r in conn.execute(f"SELECT id FROM public.{t} ORDER BY id")] for t in V0_TABLES}


# ---------------------------------------------------------------------------------- PostgREST

@dataclasses.dataclass
class Result:
    rows: list
    rowcount: int

    @property
    def column(self):
        """The first column of every row."""
        return [r[0] for r in self.rows]

    @property
    def value(self):
        return self.rows[0][0]


class PostgrestConnection:
    """One connection of PostgREST's pool: logged in as authenticator, and every request a
    transaction of its own that switches role and sets the JWT claims locally:

        BEGIN;
        SET LOCAL ROLE authenticated;
        SELECT set_config('request.jwt.claims', '{"sub": "...", "role": "authenticated"}', true),
               set_config('request.headers', '{...}', true);
        <statement>;
        COMMIT;   -- or ROLLBACK on error

    request(...) does all of it; begin()/execute()/commit() split it for concurrent tests.
    """

    def __init__(self, db, user=AUTHENTICATOR):
        self.conn = psycopg.connect(db.dsn, user=user, autocommit=True)

    def close(self):
        self.conn.close()

    def begin(self, role="authenticated", sub=None, *, claims=None, jwt=True, app_user_id=None):
        """Opens a request as `role`. sub: the JWT's subject (a users.id); claims: the whole
        claims object instead; jwt=False: no request.jwt.claims at all (a backend without JWT);
        app_user_id: SET LOCAL app.user_id, as such a backend names its user."""
        self.conn.execute("BEGIN")
        try:
            self.conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            if jwt:
                if claims is None:
                    claims = {"role": role}
                    if sub is not None:
                        claims = {"sub": str(sub), "role": role}
                self.conn.execute("SELECT set_config('request.jwt.claims', %s, true), "
                                  "set_config('request.headers', %s, true)",
                                  [json.dumps(claims), REQUEST_HEADERS])
            if app_user_id is not None:
                self.conn.execute(sql.SQL("SET LOCAL app.user_id = {}").format(sql.Literal(str(app_user_id))))
        except BaseException:
            self.rollback()
            raise

    def execute(self, query, params=None) -> Result:
        cur = self.conn.execute(query, params)
        rows = cur.fetchall() if cur.description else []
        return Result(rows, cur.rowcount)

    def commit(self):
        self.conn.execute("COMMIT")

    def rollback(self):
        if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.conn.execute("ROLLBACK")

    def request(self, query, params=None, *, commit=True, **who) -> Result:
        """One API request: its own transaction, committed (or rolled back when commit=False
        or on error, which is raised)."""
        self.begin(**who)
        try:
            result = self.execute(query, params)
        except BaseException:
            self.rollback()
            raise
        if commit:
            self.commit()
        else:
            self.rollback()
        return result


@dataclasses.dataclass
class SupabaseDb:
    """A Supabase-like test database (see lay_out) with the package installed."""
    db: Any
    install_path: pathlib.Path
    dump_before: str                     # pg_dump -s before the install
    acl_before: dict                     # {v0 table: relacl} before the install
    v0_before: dict                      # v0_rows_digest before the install
    v0_ids_before: dict                  # ids of the v0 rows before the install
    install_proc: Optional[subprocess.CompletedProcess] = None
    _api: Optional[PostgrestConnection] = None

    @property
    def api(self) -> PostgrestConnection:
        """A PostgREST-like pooled connection (made on first use, reused by every request)."""
        if self._api is None:
            self._api = PostgrestConnection(self.db)
        return self._api

    def superuser(self):
        return self.db.connect()

    def scalar(self, query, params=None):
        with self.db.connect() as conn:
            row = conn.execute(query, params).fetchone()
            return None if row is None else row[0]

    def column(self, query, params=None):
        with self.db.connect() as conn:
            return [r[0] for r in conn.execute(query, params)]

    def close(self):
        if self._api is not None:
            self._api.close()
