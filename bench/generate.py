#!/usr/bin/env python3
"""The benchmark's data set, generated inside the server (INSERT ... SELECT over
generate_series: no row goes through Python).

Two phases, because the migration is measured on the application's v0 database:

  generate_v0(conn, layout)      before the install: projects, sections, memoires and
                                 document_chunks as v0 has them (no company).
  generate_tenant(conn, layout)  after the install: companies, users, the content library,
                                 the v0 rows handed out to the companies, matches, audit trail.

At scale 1.0 (Layout(1.0)): 1,000 companies, 10,000 users, 1,000,000 content blocks, 100,000
projects, ~1,000,000 sections (5 to 15 per project), 10,000 memoires, ~1,000,000 document
chunks (50 to 150 per memoire), 500,000 content matches (5 per project) and 1,000,000 audit
log rows over the last 90 days.  Every count is proportional to the scale (0.01 is CI's tiny
scale: 10 companies).

Companies have Zipf-like sizes: company of rank i gets a share proportional to 1/i^1.1 of
every table (at scale 1 the largest holds about 18% of all rows, the smallest about 0.01%), at
least one row of each and three users (an admin, a user and a viewer).  Rows of different
companies are interleaved on disk as they would be in production (a fixed permutation of the
row numbers decides who owns which row), and ids are deterministic: Layout computes in Python
the same ids the SQL writes, e.g. layout.company_id(1) is the largest company's id.

The load runs as a superuser with session_replication_role = replica, so that no trigger fires
(audit, company checks, foreign keys): the generator writes consistent data itself.  The
secondary indexes of a table are dropped before its bulk load and built again after it, then
every table is vacuumed and analysed.

    .venv/bin/python bench/generate.py --dsn 'dbname=x' --scale 0.01 --phase v0
    (install the package)
    .venv/bin/python bench/generate.py --dsn 'dbname=x' --scale 0.01 --phase tenant
"""
import argparse
import dataclasses
import hashlib
import math
import pathlib
import sys
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
V0_SCHEMA = ROOT / "test" / "fixtures" / "v0_schema.sql"

ZIPF_EXPONENT = 1.1

# ~50 terms of the French building trade: the tags of content blocks, drawn with a skew
# (the first ones are far more frequent than the last).
TAG_VOCABULARY = [
    "gros œuvre", "béton armé", "maçonnerie", "sécurité", "qualité", "environnement", "charpente",
    "couverture", "étanchéité", "menuiserie", "plâtrerie", "isolation", "électricité", "plomberie",
    "chauffage", "ventilation", "terrassement", "VRD", "fondations", "démolition", "désamiantage",
    "peinture", "carrelage", "revêtements de sol", "façade", "ravalement", "serrurerie", "métallerie",
    "ossature bois", "préfabrication", "coffrage", "ferraillage", "levage", "échafaudage", "PPSPS",
    "SOGED", "HQE", "BIM", "planning", "réhabilitation", "logement collectif", "établissement scolaire",
    "bâtiment public", "ouvrage d'art", "voirie", "assainissement", "espaces verts", "CACES", "RGE",
    "climatisation",
]
# content_block_type labels and their cumulative shares.
BLOCK_TYPES = ["person-cv", "equipment", "procedure", "past-project-reference", "certification",
               "methodology-template", "company-profile"]
BLOCK_TYPE_CUMULATIVE = [0.30, 0.50, 0.65, 0.80, 0.88, 0.98]
PROJECT_STATUSES = ["draft", "rc_analyzing", "rc_analyzed", "matching", "matched", "generating",
                    "generated", "reviewing", "completed", "submitted"]
PROJECT_STATUS_CUMULATIVE = [0.15, 0.18, 0.25, 0.28, 0.38, 0.41, 0.48, 0.55, 0.75]
PROJECT_TYPES = ["logement collectif", "établissement scolaire", "bâtiment tertiaire", "équipement sportif",
                 "réhabilitation", "ouvrage d'art", "voirie et réseaux", "bâtiment industriel"]
CITIES = ["Lyon", "Paris", "Marseille", "Toulouse", "Nantes", "Bordeaux", "Lille", "Rennes", "Grenoble",
          "Strasbourg", "Montpellier", "Dijon", "Angers", "Tours", "Clermont-Ferrand", "Rouen"]
LOTS = ["Lot 01 – Terrassement", "Lot 02 – Gros œuvre", "Lot 03 – Charpente", "Lot 04 – Couverture",
        "Lot 05 – Menuiseries extérieures", "Lot 06 – Plâtrerie", "Lot 07 – Électricité",
        "Lot 08 – Plomberie CVC", "Lot 09 – Peinture", "Lot 10 – VRD"]
SECTION_TYPES = ["presentation", "moyens-humains", "moyens-materiels", "methodologie",
                 "organisation-chantier", "planning", "qualite", "securite", "environnement",
                 "references", "sous-traitance", "variantes"]
FIRST_NAMES = ["Marie", "Jean", "Sophie", "Pierre", "Camille", "Luc", "Claire", "Thomas", "Julie", "Nicolas",
               "Élodie", "François", "Inès", "Mathieu", "Léa", "Karim"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Durand", "Lefèvre", "Moreau", "Laurent", "Simon", "Michel",
              "Garcia", "Roux", "Fournier", "Girard", "Bonnet", "Mercier", "N'Diaye"]
TRADES = ["BTP", "Construction", "Bâtiment", "Travaux", "Génie Civil", "Rénovation", "Charpente", "Maçonnerie"]

# Multipliers of the row permutations: row g of a table of n rows sits at position
# (g * M) mod n of the company-ordered list, i.e. companies' rows are interleaved.
TAGSETS = 16384

PERMUTATION_MULTIPLIERS = [2654435761, 2246822519, 3266489917, 668265263, 374761393]


def _multiplier(n):
    for m in PERMUTATION_MULTIPLIERS:
        if math.gcd(m, n) == 1:
            return m
    raise ValueError(f"no permutation multiplier coprime with {n}")


def make_id(kind, n):
    """The deterministic uuid of row n of a kind; the SQL twin is sql_id()."""
    return uuid.UUID(hashlib.md5(f"{kind}{n}".encode()).hexdigest()[:20] + format(n, "012x"))


def sql_id(kind, expr):
    """SQL expression of make_id(kind, <expr>): md5-random leading digits (ids spread over the
    whole key space like gen_random_uuid()'s), the row number in the last twelve."""
    return f"(left(md5('{kind}' || ({expr})::bigint::text), 20) || lpad(to_hex(({expr})::bigint), 12, '0'))::uuid"


def sql_row_number(expr):
    """The row number a make_id()/sql_id() uuid carries."""
    return f"('x' || right(replace(({expr})::text, '-', ''), 12))::bit(48)::bigint"


def sql_array(values, cast):
    if cast in ("text[]",):
        body = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
        return f"(ARRAY[{body}]::{cast})"
    return "('{" + ",".join(str(v) for v in values) + "}'::" + cast + ")"


@dataclasses.dataclass
class Allocation:
    """How the n rows of a table are shared among the companies: company of rank i (1-based)
    owns positions starts[i-1] .. starts[i-1] + counts[i-1] - 1; row g sits at position
    (g * multiplier) mod n."""
    n: int
    starts: list
    counts: list
    multiplier: int

    @classmethod
    def zipf(cls, n, companies, minimum):
        weights = [1 / (i ** ZIPF_EXPONENT) for i in range(1, companies + 1)]
        rest = n - companies * minimum
        if rest < 0:
            raise ValueError(f"{n} rows cannot give {minimum} to each of {companies} companies")
        total, cumulative, previous = sum(weights), 0.0, 0
        starts, counts = [], []
        for i, w in enumerate(weights):
            cumulative += w
            end = n if i == companies - 1 else minimum * (i + 1) + math.floor(rest * cumulative / total)
            starts.append(previous)
            counts.append(end - previous)
            previous = end
        return cls(n, starts, counts, _multiplier(n))

    def sql_company_rank(self, row_expr):
        """SQL: rank of the company owning row number <row_expr>."""
        return (f"width_bucket((({row_expr})::bigint * {self.multiplier}) % {self.n}, "
                f"{sql_array(self.starts, 'int8[]')})")

    def sql_local_index(self, row_expr, rank_expr):
        """SQL: index of row <row_expr> among its company's rows (0-based)."""
        return (f"((({row_expr})::bigint * {self.multiplier}) % {self.n} - "
                f"({sql_array(self.starts, 'int8[]')})[{rank_expr}])")

    def sql_row_of(self, rank_expr, local_expr):
        """SQL: row number of the company's <local_expr>-th row (inverse of the permutation)."""
        inverse = pow(self.multiplier, -1, self.n) if self.n > 1 else 0
        return (f"(((({sql_array(self.starts, 'int8[]')})[{rank_expr}] + ({local_expr}))::bigint * {inverse}) "
                f"% {self.n})")

    def sql_count(self, rank_expr):
        return f"({sql_array(self.counts, 'int8[]')})[{rank_expr}]"

    def rank_of(self, row):
        position = (row * self.multiplier) % self.n
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= position:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1


class Layout:
    """Sizes, ownership and ids of the data set at a scale; pure Python, no database."""

    def __init__(self, scale):
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale
        s = scale
        self.companies = max(3, round(1000 * s))
        c = self.companies
        self.users = Allocation.zipf(max(3 * c, round(10_000 * s)), c, 3)
        self.blocks = Allocation.zipf(max(c, round(1_000_000 * s)), c, 1)
        self.projects = Allocation.zipf(max(c, round(100_000 * s)), c, 1)
        self.memoires = Allocation.zipf(max(c, round(10_000 * s)), c, 1)
        self.audit = Allocation.zipf(max(c, round(1_000_000 * s)), c, 1)
        self.matches_per_project = 5

    # Sections: 5 to 15 per project (10 on average); chunks: 50 to 150 per memoire.
    @staticmethod
    def sections_of(project):
        return 5 + project % 11

    @staticmethod
    def chunks_of(memoire):
        return 50 + (memoire * 37) % 101

    def counts(self):
        return {
            "companies": self.companies,
            "users": self.users.n,
            "content_blocks": self.blocks.n,
            "projects": self.projects.n,
            "sections": sum(self.sections_of(j) for j in range(self.projects.n)),
            "memoires": self.memoires.n,
            "document_chunks": sum(self.chunks_of(m) for m in range(self.memoires.n)),
            "content_matches": self.projects.n * self.matches_per_project,
            "audit_log": self.audit.n,
        }

    # ids
    def company_id(self, rank):
        return make_id("company", rank)

    def user_id(self, rank, k=0):
        """k-th user of the company: 0 is an admin, 1 a user, 2 a viewer (always active)."""
        return make_id("user", self.users.starts[rank - 1] + k)

    def project_id(self, j):
        return make_id("project", j)

    def projects_of(self, rank):
        """Row numbers of the company's projects."""
        a = self.projects
        inverse = pow(a.multiplier, -1, a.n) if a.n > 1 else 0
        return [((a.starts[rank - 1] + k) * inverse) % a.n for k in range(a.counts[rank - 1])]

    def company_sizes(self, rank):
        i = rank - 1
        return {"users": self.users.counts[i], "content_blocks": self.blocks.counts[i],
                "projects": self.projects.counts[i], "memoires": self.memoires.counts[i],
                "audit_log": self.audit.counts[i]}


# --------------------------------------------------------------------------------------- SQL

def _exec(conn, sql, timings, label):
    start = time.perf_counter()
    conn.execute(sql)
    timings[label] = timings.get(label, 0.0) + time.perf_counter() - start


def _secondary_indexes(conn, table):
    """Indexes of a table that back no constraint: (name, definition)."""
    return conn.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
        "WHERE indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
        [table]).fetchall()


class _IndexesRebuilt:
    """Drop a table's secondary indexes for a bulk load, build them again afterwards."""

    def __init__(self, conn, table, timings, vacuum_full=False):
        self.conn, self.table, self.timings, self.vacuum_full = conn, table, timings, vacuum_full

    def __enter__(self):
        self.indexes = _secondary_indexes(self.conn, self.table)
        for name, _ in self.indexes:
            self.conn.execute(f"DROP INDEX {name}")
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            if self.vacuum_full:
                # An UPDATE of every row left a dead version of each: compact the table as a
                # live one would be (this also rebuilds the indexes that back constraints).
                _exec(self.conn, f"VACUUM FULL {self.table}", self.timings, f"vacuum full {self.table}")
            start = time.perf_counter()
            for _, definition in self.indexes:
                self.conn.execute(definition)
            label = f"index {self.table}"
            self.timings[label] = self.timings.get(label, 0.0) + time.perf_counter() - start


def _session(conn):
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET work_mem = '256MB'")
    conn.execute("SELECT setseed(0.42)")


def _text_pool(words, n):
    return sql_array(words[:n] if n else words, "text[]")


def create_v0_schema(conn):
    """The v0 tables as the application has them (test/fixtures/v0_schema.sql)."""
    conn.execute(V0_SCHEMA.read_text(encoding="utf-8"))


def generate_v0(conn, layout, vacuum=True, memoire_share=1.0):
    """Fill the v0 tables (created if missing) of an empty v0 database; returns timings (s).

    conn: a superuser psycopg connection in autocommit mode.  memoire_share < 1 loads only that
    share of the memoires (and so of the chunks); add_v0_memoires() adds the others later.
    """
    timings = {}
    create_v0_schema(conn)
    _session(conn)
    np_ = layout.projects.n
    kinds = sql_array(PROJECT_TYPES, "text[]")
    cities = sql_array(CITIES, "text[]")
    section_types = sql_array(SECTION_TYPES, "text[]")
    with _IndexesRebuilt(conn, "public.projects", timings):
        _exec(conn, f"""
            INSERT INTO public.projects (id, name, description, created_at)
            SELECT {sql_id('project', 'j')},
                   format('%s – %s (%s logements)', initcap({kinds}[1 + j % 8]), {cities}[1 + (j / 8) % 16], 10 + j % 90),
                   CASE WHEN j % 9 = 0 THEN NULL
                        ELSE 'Consultation ' || j || ' : ' || repeat('travaux tous corps d''état, ', 1 + j % 4) END,
                   timestamptz '2022-01-01' + (now() - timestamptz '2022-01-01') * (j::float8 / {np_})
              FROM generate_series(0, {np_ - 1}) j""", timings, "v0 projects")
    with _IndexesRebuilt(conn, "public.sections", timings):
        _exec(conn, f"""
            INSERT INTO public.sections (id, project_id, section_type, title, content, position, created_at)
            SELECT gen_random_uuid(), {sql_id('project', 'j')},
                   CASE WHEN k = 15 THEN NULL ELSE {section_types}[1 + (j + k) % 12] END,
                   'Section ' || k || ' – ' || {section_types}[1 + (j + k) % 12],
                   CASE WHEN (j + k) % 23 = 0 THEN NULL ELSE
                   'Notre entreprise mettra en œuvre les moyens adaptés au chantier ' || j
                   || ' : ' || repeat('organisation, moyens humains et matériels, contrôle qualité ; ', 1 + (j + k) % 5)
                   || md5(j::text || '/' || k) END,
                   k,
                   timestamptz '2022-01-01' + (now() - timestamptz '2022-01-01') * (j::float8 / {np_}) + k * interval '1 minute'
              FROM generate_series(0, {np_ - 1}) j, generate_series(1, 5 + j % 11) k""", timings, "v0 sections")
    _v0_memoires(conn, layout, 0, round(layout.memoires.n * memoire_share), timings)
    conn.execute("RESET session_replication_role")
    if vacuum:
        for t in ("projects", "sections", "memoires", "document_chunks"):
            _exec(conn, f"VACUUM (ANALYZE) public.{t}", timings, "v0 vacuum analyze")
    return timings


def add_v0_memoires(conn, layout, start, vacuum=True):
    """The v0 memoires from number start on, with their chunks (after generate_v0(memoire_share))."""
    timings = {}
    _session(conn)
    _v0_memoires(conn, layout, start, layout.memoires.n, timings)
    conn.execute("RESET session_replication_role")
    if vacuum:
        for t in ("memoires", "document_chunks"):
            _exec(conn, f"VACUUM (ANALYZE) public.{t}", timings, "v0 vacuum analyze")
    return timings


def _v0_memoires(conn, layout, lo, hi, timings):
    if hi <= lo:
        return
    nm = layout.memoires.n
    kinds = sql_array(PROJECT_TYPES, "text[]")
    section_types = sql_array(SECTION_TYPES, "text[]")
    with _IndexesRebuilt(conn, "public.memoires", timings):
        _exec(conn, f"""
            INSERT INTO public.memoires (id, title, filename, file_url, content, created_at)
            SELECT {sql_id('memoire', 'm')},
                   'Mémoire technique – ' || {kinds}[1 + m % 8] || ' ' || m,
                   CASE WHEN m % 13 = 0 THEN NULL ELSE 'memoire_' || m || '.pdf' END,
                   CASE WHEN m % 13 = 0 THEN NULL ELSE 's3://memoires/' || m || '.pdf' END,
                   repeat('Texte intégral extrait du mémoire. ', 30) || m,
                   timestamptz '2021-01-01' + (now() - timestamptz '2021-01-01') * (m::float8 / {nm})
              FROM generate_series({lo}, {hi - 1}) m""", timings, "v0 memoires")
    with _IndexesRebuilt(conn, "public.document_chunks", timings):
        _exec(conn, f"""
            INSERT INTO public.document_chunks (id, memoire_id, chunk_index, content, embedding, metadata, created_at)
            SELECT gen_random_uuid(), {sql_id('memoire', 'm')}, c,
                   'Extrait ' || c || ' du mémoire ' || m || ' : '
                   || repeat('les travaux seront réalisés conformément au CCTP et aux DTU en vigueur, ', 4 + c % 5)
                   || md5(m::text || '/' || c),
                   NULL,
                   jsonb_build_object('page', 1 + c / 3, 'heading', {section_types}[1 + c % 12]),
                   timestamptz '2021-01-01' + (now() - timestamptz '2021-01-01') * (m::float8 / {nm})
              FROM generate_series({lo}, {hi - 1}) m, generate_series(0, 49 + (m * 37) % 101) c""",
              timings, "v0 document_chunks")


def generate_tenant(conn, layout, vacuum=True):
    """Fill the installed package's tables and give the v0 rows (generate_v0) to the
    companies; returns timings (s).  conn: superuser, autocommit."""
    timings = {}
    _session(conn)
    c = layout.companies
    users, blocks, projects, memoires, audit = (layout.users, layout.blocks, layout.projects,
                                                layout.memoires, layout.audit)
    cities = sql_array(CITIES, "text[]")
    trades = sql_array(TRADES, "text[]")
    first, last = sql_array(FIRST_NAMES, "text[]"), sql_array(LAST_NAMES, "text[]")
    vocabulary = sql_array(TAG_VOCABULARY, "text[]")
    kinds = sql_array(PROJECT_TYPES, "text[]")
    v = len(TAG_VOCABULARY)

    def user_of(rank_expr, k_expr):
        return sql_id("user", f"{sql_array(users.starts, 'int8[]')}[{rank_expr}] + ({k_expr}) % {users.sql_count(rank_expr)}")

    _exec(conn, f"""
        INSERT INTO public.companies (id, name, address, city, postal_code, phone, email, certifications, settings,
                                      created_at, updated_at)
        SELECT {sql_id('company', 'i')},
               format('%s %s %s', {last}[1 + i % 16], {trades}[1 + i % 8], i),
               (1 + i % 120) || ' rue des Artisans', {cities}[1 + i % 16], lpad(((i * 7919) % 95000 + 1000)::text, 5, '0'),
               '+33 4 ' || lpad((i % 100)::text, 2, '0') || ' 00 00 00',
               'contact@entreprise-' || i || '.fr',
               CASE WHEN i % 3 = 0 THEN ARRAY['Qualibat', 'ISO 9001'] WHEN i % 3 = 1 THEN ARRAY['MASE'] ELSE '{{}}' END,
               '{{}}', now() - interval '3 years', now() - interval '1 day'
          FROM generate_series(1, {c}) i""", timings, "companies")
    _exec(conn, f"""
        INSERT INTO public.users (id, company_id, email, password_hash, full_name, role, is_active, created_at,
                                  last_login, updated_at)
        SELECT {sql_id('user', 'n')}, {sql_id('company', 'i')},
               'utilisateur' || n || '@entreprise-' || i || '.fr', NULL,
               {first}[1 + n % 16] || ' ' || {last}[1 + (n / 16) % 16],
               (CASE WHEN k = 0 THEN 'admin' WHEN k = 1 THEN 'user' WHEN k = 2 THEN 'viewer'
                     WHEN n % 10 = 0 THEN 'admin' WHEN n % 10 < 3 THEN 'viewer' ELSE 'user' END)::public.user_role,
               k < 3 OR n % 20 <> 0,
               now() - interval '2 years', now() - (n % 30) * interval '1 day', now() - interval '1 day'
          FROM generate_series(1, {c}) i,
               generate_series(0, {users.sql_count('i')} - 1) k,
               LATERAL (SELECT {sql_array(users.starts, 'int8[]')}[i] + k AS n) x""", timings, "users")
    # The triggers are off: fill the acting users' copy as the package's own function does.
    _exec(conn, "SELECT memtech.sync_active_members()", timings, "active_member")

    # Tag sets: 2 to 5 distinct tags each, drawn with a skew (tag i about as frequent as
    # sqrt(i + 1) - sqrt(i)); blocks take them from this pool, which is much cheaper than
    # drawing 1,000,000 sets and gives the same frequencies.
    _exec(conn, "DROP TABLE IF EXISTS pg_temp.bench_tagsets", timings, "tag sets")
    _exec(conn, f"""
        CREATE TEMPORARY TABLE bench_tagsets AS
        SELECT i, ARRAY(SELECT DISTINCT {vocabulary}[1 + floor({v} * power(random(), 2))::int]
                          FROM generate_series(1, 2 + i % 4)) AS tags
          FROM generate_series(0, {TAGSETS - 1}) i""", timings, "tag sets")
    conn.execute("ANALYZE pg_temp.bench_tagsets")

    # The content library.  Row g is the company's k-th block.
    types = sql_array(BLOCK_TYPES, "text[]")
    with _IndexesRebuilt(conn, "public.content_blocks", timings):
        _exec(conn, f"""
            INSERT INTO public.content_blocks (id, company_id, type, title, content, metadata, tags, version, is_active,
                                               created_at, updated_at, created_by)
            SELECT {sql_id('block', 'g')}, {sql_id('company', 'r.ci')},
                   ({types}[1 + width_bucket(random(), {sql_array(BLOCK_TYPE_CUMULATIVE, 'float8[]')})]),
                   format('Fiche %s – %s', r.k, {vocabulary}[1 + g % {v}]),
                   'Description détaillée pour le mémoire technique : '
                   || repeat('moyens, méthodes et références de l''entreprise ; ', 2 + g % 5) || md5(g::text),
                   jsonb_build_object('source', 'bench', 'rank', r.k),
                   ts.tags,
                   1 + (g % 7) / 5,
                   random() < 0.9,
                   now() - interval '3 years' * (1 - g::float8 / {blocks.n}),
                   now() - interval '3 years' * (1 - g::float8 / {blocks.n}) * random(),
                   {user_of('r.ci', 'r.k')}
              FROM generate_series(0, {blocks.n - 1}) g
                   JOIN pg_temp.bench_tagsets ts ON ts.i = (g::bigint * 40503) % {TAGSETS},
                   LATERAL (SELECT {blocks.sql_company_rank('g')} AS ci) q,
                   LATERAL (SELECT q.ci, {blocks.sql_local_index('g', 'q.ci')} AS k) r""",
              timings, "content_blocks")
    # The triggers are off while loading (session_replication_role): copy the tags as
    # memtech.sync_block_tags() would, in key order.
    with _IndexesRebuilt(conn, "public.content_block_tags", timings):
        _exec(conn, """
            INSERT INTO public.content_block_tags (company_id, block_id, tag)
            SELECT DISTINCT b.company_id, b.id, t.tag
              FROM public.content_blocks b CROSS JOIN LATERAL unnest(b.tags) AS t(tag)
             ORDER BY 1, 3, 2""", timings, "content_block_tags")
    # Files: one for every fourth block of a company (its main file), and one more per company
    # that a fifth of its blocks show too (a certificate or a logo shared by many sheets), so
    # that the links' foreign keys have both few and many rows a lookup finds.
    with _IndexesRebuilt(conn, "public.files", timings):
        _exec(conn, f"""
            INSERT INTO public.files (id, company_id, filename, file_type, storage_url, size_bytes, uploaded_at,
                                      uploaded_by)
            SELECT {sql_id('file', 'g')}, {sql_id('company', 'q.ci')},
                   format('piece-%s.pdf', g), 'application/pdf', format('s3://memtech/files/%s.pdf', g),
                   20000 + g % 5000000, now() - interval '3 years' * (1 - g::float8 / {blocks.n}),
                   {user_of('q.ci', 'g')}
              FROM generate_series(0, {blocks.n - 1}) g,
                   LATERAL (SELECT {blocks.sql_company_rank('g')} AS ci) q
             WHERE {blocks.sql_local_index('g', 'q.ci')} % 4 = 0""", timings, "files")
    with _IndexesRebuilt(conn, "public.block_files", timings):
        _exec(conn, f"""
            INSERT INTO public.block_files (block_id, file_id, company_id, relationship)
            SELECT {sql_id('block', 'g')}, {sql_id('file', blocks.sql_row_of('r.ci', 'r.k - r.k % 4'))}, {sql_id('company', 'r.ci')}, 'main-file'::public.block_file_relationship
              FROM generate_series(0, {blocks.n - 1}) g,
                   LATERAL (SELECT {blocks.sql_company_rank('g')} AS ci) q,
                   LATERAL (SELECT q.ci, {blocks.sql_local_index('g', 'q.ci')} AS k) r
            UNION ALL
            SELECT {sql_id('block', 'g')}, {sql_id('file', blocks.sql_row_of('r.ci', '0'))}, {sql_id('company', 'r.ci')},
                   'certificate'::public.block_file_relationship
              FROM generate_series(0, {blocks.n - 1}) g,
                   LATERAL (SELECT {blocks.sql_company_rank('g')} AS ci) q,
                   LATERAL (SELECT q.ci, {blocks.sql_local_index('g', 'q.ci')} AS k) r
             WHERE r.k % 5 = 1 AND r.k >= 4
             ORDER BY 1, 2""", timings, "block_files")

    # v0 projects, sections and memoires go to the companies.
    project_rank = projects.sql_company_rank(sql_row_number("id"))
    statuses = sql_array(PROJECT_STATUSES, "text[]")
    lots = sql_array(LOTS, "text[]")
    with _IndexesRebuilt(conn, "public.projects", timings, vacuum_full=True):
        _exec(conn, f"""
            UPDATE public.projects
               SET company_id = {sql_id('company', project_rank)},
                   created_by = {user_of(project_rank, sql_row_number('id'))},
                   client = 'Commune de ' || {cities}[1 + {sql_row_number('id')} % 16],
                   location = {cities}[1 + ({sql_row_number('id')} / 8) % 16],
                   lot = {lots}[1 + {sql_row_number('id')} % 10],
                   project_type = {kinds}[1 + {sql_row_number('id')} % 8],
                   size = (500 + {sql_row_number('id')} % 20000) || ' m²',
                   deadline = created_at + interval '45 days',
                   status = ({statuses}[1 + width_bucket(random(), {sql_array(PROJECT_STATUS_CUMULATIVE, 'float8[]')})]),
                   metadata = jsonb_build_object('budget_eur', 100000 + {sql_row_number('id')} % 5000000),
                   updated_at = created_at + interval '10 days'""", timings, "projects (v0 rows to companies)")
    with _IndexesRebuilt(conn, "public.sections", timings, vacuum_full=True):
        _exec(conn, f"""
            UPDATE public.sections s
               SET company_id = p.company_id,
                   generated_by_ai = random() < 0.4,
                   quality_score = CASE WHEN random() < 0.5 THEN round(random()::numeric, 2) END,
                   reviewed = random() < 0.5,
                   updated_at = s.created_at + interval '1 day'
              FROM public.projects p WHERE p.id = s.project_id""", timings, "sections (v0 rows to companies)")
    memoire_rank = memoires.sql_company_rank(sql_row_number("id"))
    with _IndexesRebuilt(conn, "public.memoires", timings, vacuum_full=True):
        _exec(conn, f"""
            UPDATE public.memoires
               SET company_id = {sql_id('company', memoire_rank)},
                   uploaded_by = {user_of(memoire_rank, sql_row_number('id'))},
                   project_type = {kinds}[1 + {sql_row_number('id')} % 8],
                   techniques_used = ARRAY[{vocabulary}[1 + {sql_row_number('id')} % {v}], 'béton armé'],
                   metadata = jsonb_build_object('score', 12 + {sql_row_number('id')} % 8)""",
              timings, "memoires (v0 rows to companies)")
    with _IndexesRebuilt(conn, "public.content_matches", timings):
        _exec(conn, f"""
            INSERT INTO public.content_matches (id, company_id, project_id, requirement_id, matched_blocks, confidence,
                                                match_reason, needs_generation, needs_upload, approved, created_at)
            SELECT gen_random_uuid(), {sql_id('company', 'q.ci')}, {sql_id('project', 'j')},
                   'EXIG-' || lpad(r::text, 2, '0'),
                   ARRAY(SELECT {sql_id('block', blocks.sql_row_of('q.ci', f'floor(random() * {blocks.sql_count("q.ci")})::bigint'))}
                           FROM generate_series(1, (j + r) % 4)),
                   round(random()::numeric, 2),
                   'Correspondance sur les mots-clés du RC',
                   (j + r) % 4 = 0, (j + r) % 9 = 0, random() < 0.5,
                   timestamptz '2022-01-01' + (now() - timestamptz '2022-01-01') * (j::float8 / {projects.n}) + interval '3 days'
              FROM generate_series(0, {projects.n - 1}) j,
                   LATERAL (SELECT {projects.sql_company_rank('j')} AS ci) q,
                   generate_series(1, {layout.matches_per_project}) r""", timings, "content_matches")

    actions = sql_array(["insert", "update", "update", "update", "delete", "login"], "text[]")
    resources = sql_array(["content_blocks", "projects", "sections", "content_matches", "users", "memoires",
                           "files", "generation_requests"], "text[]")
    with _IndexesRebuilt(conn, "public.audit_log", timings):
        _exec(conn, f"""
            INSERT INTO public.audit_log (id, company_id, action, user_id, resource_type, resource_id, details,
                                          ip_address, user_agent, "timestamp")
            SELECT gen_random_uuid(), {sql_id('company', 'q.ci')}, {actions}[1 + g % 6],
                   {user_of('q.ci', 'g / 7')},
                   {resources}[1 + (g / 3) % 8], gen_random_uuid(),
                   ('{{"title": {{"old": "Fiche", "new": "Fiche (v2)"}}, "version": {{"old": 1, "new": 2}}}}')::jsonb,
                   inet '10.0.0.1' + (g % 16000000),
                   'Mozilla/5.0 (memtech web)',
                   now() - interval '90 days' * (1 - (g + 0.5) / {audit.n})
              FROM generate_series(0, {audit.n - 1}) g,
                   LATERAL (SELECT {audit.sql_company_rank('g')} AS ci) q""", timings, "audit_log")
    conn.execute("RESET session_replication_role")
    if vacuum:
        for t in ("companies", "users", "content_blocks", "content_block_tags", "files", "block_files", "projects",
                  "sections", "memoires", "document_chunks", "content_matches", "audit_log"):
            _exec(conn, f"VACUUM (ANALYZE) public.{t}", timings, "vacuum analyze")
    return timings


def table_counts(conn):
    tables = ["companies", "users", "content_blocks", "files", "block_files", "projects", "sections", "memoires",
              "document_chunks", "content_matches", "audit_log"]
    return {t: conn.execute(f"SELECT count(*) FROM public.{t}").fetchone()[0] for t in tables}


def _main(argv=None):
    import psycopg

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", required=True, help="libpq connection string of a superuser")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--phase", choices=["v0", "tenant"], required=True)
    args = parser.parse_args(argv)
    layout = Layout(args.scale)
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        fn = generate_v0 if args.phase == "v0" else generate_tenant
        timings = fn(conn, layout)
    for label, seconds in timings.items():
        print(f"{label:45s} {seconds:8.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
