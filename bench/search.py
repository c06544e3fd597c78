"""Part 6 of `make bench`: retrieval under isolation (sql/28_search.sql).

On a cluster of its own, from the pgvector server of tools/fetch_pg.py (16+vector): the v0
schema with document_chunks.embedding as vector(1536), the package installed as `make install`
does it (prepare, install, finish), then, generated inside the server:

  * 1,000 companies (at scale 1) of Zipf-like sizes, as the rest of the benchmark: 200,000 RAG
    chunks of 1,536 dimensions, in memoires of about 100 chunks;
  * the content library at its full scale: 1,000,000 content blocks and 100,000 past projects.

Embeddings have structure, as real ones do: 48 topics, each a random direction; a company
writes about 4 of them; a memoire is its topic's direction plus an offset of its own, a chunk
its memoire's plus noise of its own (all Gaussian, fresh for every vector). Companies share
topics, so a tenant's query near one of its topics has every other company's chunks of that
topic around it. Texts are drawn from a French building-trade vocabulary: a chunk, block or
past project uses the words of its topic, the trade's common words, and now and then any word.

Then, for the largest company, a median one (rank 50 of 1,000) and the smallest: recall@10
against the exact answer and p50/p95 latency of search_chunks, search_library and
search_hybrid, beside the application's match_document_chunks (the HNSW index under row level
security, the baseline search_chunks replaces) and the exact query; the crossover of
search_chunks' two paths over company sizes (where memtech.search_exact_limit comes from); and
the plans.
"""
import dataclasses
import math
import pathlib
import random
import re
import statistics
import subprocess
import sys
import threading
import time

import psycopg

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import pgcluster  # noqa: E402
from bench import generate  # noqa: E402
from bench.generate import Allocation, sql_array, sql_id  # noqa: E402
from bench.harness import configure, libpq_env, psql_binary  # noqa: E402

VECTOR_SERVER = "16+vector"
DIMENSIONS = 1536
TOPICS = 48
TOPICS_PER_COMPANY = 4
# Standard deviations, per dimension, of a topic's direction, a memoire's offset from it and a
# chunk's from its memoire: two chunks of a memoire are nearer than two of a topic, which are
# nearer than two of different topics.
TOPIC_SD, MEMOIRE_SD, CHUNK_SD = 1.0, 0.6, 0.8
# shared_buffers: large enough for the HNSW index and the vectors at scale 1 (their sizes are on
# the page), as on a server sized for its searches.
SERVER_SETTINGS = {
    "shared_buffers": "4GB", "work_mem": "16MB", "maintenance_work_mem": "2GB", "effective_cache_size": "8GB",
    "max_wal_size": "8GB", "checkpoint_timeout": "30min", "autovacuum": "off", "jit": "off",
    "max_parallel_maintenance_workers": "1",
}

# Six words a topic, in the order of their topics; then the words every text of the trade uses.
TOPIC_WORDS = [
    ["fondation", "semelle", "radier", "pieux", "micropieux", "longrine"],
    ["terrassement", "déblai", "remblai", "talus", "nivellement", "purge"],
    ["béton", "coffrage", "ferraillage", "décoffrage", "vibration", "cure"],
    ["maçonnerie", "parpaing", "brique", "linteau", "chaînage", "enduit"],
    ["charpente", "ferme", "chevron", "panne", "lamellé", "contreventement"],
    ["acier", "poutrelle", "soudure", "boulonnage", "portique", "galvanisation"],
    ["couverture", "tuile", "ardoise", "faîtage", "gouttière", "zinguerie"],
    ["étanchéité", "membrane", "bitume", "relevé", "acrotère", "pare-vapeur"],
    ["isolation", "laine", "polystyrène", "thermique", "doublage", "ponts"],
    ["menuiserie", "fenêtre", "vitrage", "aluminium", "volet", "store"],
    ["porte", "huisserie", "placard", "plinthe", "habillage", "quincaillerie"],
    ["plâtrerie", "cloison", "plafond", "rail", "jointoiement", "bandes"],
    ["peinture", "sous-couche", "lasure", "ponçage", "impression", "finition"],
    ["carrelage", "faïence", "chape", "ragréage", "parquet", "résine"],
    ["électricité", "tableau", "câblage", "disjoncteur", "prise", "luminaire"],
    ["réseau", "fibre", "baie", "vidéosurveillance", "interphone", "alarme"],
    ["plomberie", "canalisation", "robinetterie", "sanitaire", "évacuation", "siphon"],
    ["chauffage", "chaudière", "radiateur", "plancher", "circulateur", "régulation"],
    ["ventilation", "VMC", "gaine", "extracteur", "soufflage", "diffuseur"],
    ["climatisation", "split", "fluide", "frigorigène", "condenseur", "groupe"],
    ["photovoltaïque", "onduleur", "géothermie", "solaire", "biomasse", "autoconsommation"],
    ["voirie", "enrobé", "bordure", "caniveau", "trottoir", "chaussée"],
    ["assainissement", "regard", "collecteur", "séparateur", "bassin", "rétention"],
    ["plantation", "gazon", "arrosage", "haie", "paillage", "engazonnement"],
    ["démolition", "curage", "grignotage", "croqueur", "dépose", "gravats"],
    ["amiante", "désamiantage", "confinement", "dépollution", "plomb", "repérage"],
    ["sécurité", "prévention", "PPSPS", "harnais", "balisage", "consignation"],
    ["grue", "levage", "élingue", "nacelle", "manutention", "palonnier"],
    ["échafaudage", "garde-corps", "montage", "ancrage", "filet", "protection"],
    ["qualité", "autocontrôle", "traçabilité", "non-conformité", "audit", "PAQ"],
    ["environnement", "déchets", "tri", "recyclage", "SOGED", "nuisances"],
    ["planning", "phasage", "délais", "jalon", "ordonnancement", "cadence"],
    ["BIM", "maquette", "synthèse", "clash", "coordination", "numérique"],
    ["études", "calcul", "dimensionnement", "descente", "charges", "note"],
    ["réception", "réserves", "levée", "DOE", "garantie", "parfait"],
    ["logistique", "approvisionnement", "stockage", "livraison", "cantonnement", "base"],
    ["conducteur", "chef", "compagnon", "encadrement", "équipe", "intérim"],
    ["formation", "CACES", "habilitation", "tutorat", "apprentissage", "certification"],
    ["réhabilitation", "rénovation", "diagnostic", "renforcement", "reprise", "patrimoine"],
    ["façade", "ravalement", "bardage", "vêture", "ITE", "hydrofuge"],
    ["pont", "passerelle", "culée", "tablier", "appui", "précontrainte"],
    ["soutènement", "paroi", "tirant", "berlinoise", "palplanche", "clouage"],
    ["école", "collège", "lycée", "préau", "cantine", "gymnase"],
    ["hôpital", "EHPAD", "bloc", "stérilisation", "clinique", "soins"],
    ["logement", "résidence", "appartement", "balcon", "palier", "loggia"],
    ["entrepôt", "usine", "dallage", "quai", "racks", "process"],
    ["accessibilité", "PMR", "rampe", "ascenseur", "signalétique", "handicap"],
    ["acoustique", "isolement", "réverbération", "absorbant", "résilient", "affaiblissement"],
]
COMMON_WORDS = [
    "travaux", "chantier", "entreprise", "mise", "œuvre", "matériaux", "conformément", "prescriptions", "DTU",
    "CCTP", "normes", "moyens", "humains", "matériels", "méthodologie", "organisation", "contrôle", "personnel",
    "qualifié", "réalisation", "intervention", "ouvrage", "maître", "client", "lot", "marché", "délai", "respect",
    "exigences", "procédure", "technique", "expérience", "références", "savoir-faire", "sous-traitants",
    "fournisseurs", "site", "zone", "équipements", "suivi",
]
SUCCESS_FACTORS = ["respect des délais", "zéro accident", "chantier propre", "réserves levées sous 15 jours",
                   "satisfaction du maître d'ouvrage", "variante retenue", "économie de 8 %", "aucune réserve"]
assert len(TOPIC_WORDS) == TOPICS and all(len(w) == 6 for w in TOPIC_WORDS)


class SearchLayout:
    """Sizes and ids of part 6's data set at a scale; pure Python."""

    def __init__(self, scale):
        self.scale = scale
        self.companies = max(3, round(1000 * scale))
        c = self.companies
        self.chunks = Allocation.zipf(max(20 * c, round(200_000 * scale)), c, 1)
        self.blocks = Allocation.zipf(max(c, round(1_000_000 * scale)), c, 1)
        self.references = Allocation.zipf(max(c, round(100_000 * scale)), c, 1)
        # Memoires of about 100 chunks; each company's numbered from memoire_starts[rank - 1].
        self.memoire_counts = [max(1, round(n / 100)) for n in self.chunks.counts]
        self.memoire_starts = [sum(self.memoire_counts[:i]) for i in range(c)]
        self.memoires = sum(self.memoire_counts)
        # The companies measured: the largest, a median one (rank 50 of 1,000) and the smallest.
        self.ranks = {"largest": 1, "median": max(2, round(c / 20)), "smallest": c}

    def company_id(self, rank):
        return generate.make_id("company", rank)

    def user_id(self, rank):
        return generate.make_id("user", rank)

    def topics_of(self, rank):
        """The topics a company writes about."""
        return [(rank * 11 + i * 7) % TOPICS for i in range(TOPICS_PER_COMPANY)]

    def counts(self):
        return {"companies": self.companies, "memoires": self.memoires, "document_chunks": self.chunks.n,
                "content_blocks": self.blocks.n, "past_projects": self.references.n}

    def sizes(self, rank):
        i = rank - 1
        return {"document_chunks": self.chunks.counts[i], "memoires": self.memoire_counts[i],
                "content_blocks": self.blocks.counts[i], "past_projects": self.references.counts[i]}


def _words_sql(topic_expr, n, topic_share=0.2, common_share=0.45):
    """SQL: n words drawn for a text of topic <topic_expr>: a word of its topic with probability
    topic_share, a common word of the trade (the first ones more often) with common_share, else
    any topic's word."""
    topic_words = sql_array([w for ws in TOPIC_WORDS for w in ws], "text[]")
    common = sql_array(COMMON_WORDS, "text[]")
    nc = len(COMMON_WORDS)
    return (f"(SELECT string_agg(CASE WHEN u.r < {topic_share} "
            f"THEN {topic_words}[1 + ({topic_expr}) * 6 + floor(random() * 6)::int] "
            f"WHEN u.r < {topic_share + common_share} THEN {common}[1 + floor({nc} * power(random(), 2))::int] "
            f"ELSE {topic_words}[1 + floor(random() * {6 * TOPICS})::int] END, ' ') "
            f"FROM (SELECT random() AS r FROM generate_series(1, {n}) WHERE ({topic_expr}) IS NOT NULL) u)")


def _vector_sql(sd, dims=DIMENSIONS, depends="true"):
    """SQL: a fresh vector of Gaussian values of standard deviation sd; `depends` ties the
    subquery to the outer row, so that each row gets its own."""
    return (f"(SELECT array_agg(random_normal(0, {sd}))::public.vector FROM generate_series(1, {dims}) "
            f"WHERE {depends})")


def generate_data(conn, layout, log):
    """Companies, users, memoires, chunks and the library, as a superuser with triggers off.
    Returns timings (s)."""
    timings = {}

    def step(label, sql):
        t = time.perf_counter()
        conn.execute(sql)
        timings[label] = timings.get(label, 0.0) + time.perf_counter() - t
        log(f"  {label}: {timings[label]:.1f} s")

    conn.execute("SET session_replication_role = replica")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SELECT setseed(0.1536)")
    c = layout.companies
    step("companies and users", f"""
        INSERT INTO public.companies (id, name) SELECT {sql_id('company', 'i')}, 'Entreprise ' || i
          FROM generate_series(1, {c}) i;
        INSERT INTO public.users (id, company_id, email, full_name, role)
        SELECT {sql_id('user', 'i')}, {sql_id('company', 'i')}, 'u' || i || '@entreprise-' || i || '.fr',
               'Utilisateur ' || i, 'user'
          FROM generate_series(1, {c}) i;
        SELECT memtech.sync_active_members();""")
    conn.execute(f"CREATE TABLE bench_topic AS SELECT t, {_vector_sql(TOPIC_SD, depends='t >= 0')} AS direction "
                 f"FROM generate_series(0, {TOPICS - 1}) t")
    # Memoires: company r's j-th memoire writes about its topic j mod 4.
    counts, starts = sql_array(layout.memoire_counts, "int8[]"), sql_array(layout.memoire_starts, "int8[]")
    step("memoires", f"""
        CREATE TABLE bench_memoire AS
        SELECT {starts}[r] + j AS m, r, j, ((r * 11 + (j % {TOPICS_PER_COMPANY}) * 7) % {TOPICS}) AS topic
          FROM generate_series(1, {c}) r, generate_series(0, {counts}[r] - 1) j;
        ALTER TABLE bench_memoire ADD PRIMARY KEY (m);
        INSERT INTO public.memoires (id, company_id, title, project_type)
        SELECT {sql_id('smemoire', 'm')}, {sql_id('company', 'r')},
               'Mémoire technique ' || m || ' – ' || {sql_array([w[0] for w in TOPIC_WORDS], 'text[]')}[1 + topic],
               'logement collectif'
          FROM bench_memoire;
        CREATE TABLE bench_offset AS SELECT m.m, t.direction + {_vector_sql(MEMOIRE_SD, depends='m.m >= 0')} AS centre
          FROM bench_memoire m JOIN bench_topic t ON t.t = m.topic;
        ALTER TABLE bench_offset ADD PRIMARY KEY (m);""")
    a = layout.chunks
    rank = a.sql_company_rank("g")
    step("document_chunks", f"""
        INSERT INTO public.document_chunks (id, memoire_id, chunk_index, content, embedding)
        SELECT {sql_id('chunk', 'g')}, {sql_id('smemoire', 'x.m')}, x.k,
               'Extrait ' || x.k || ' : ' || {_words_sql('bm.topic', 35)},
               o.centre + {_vector_sql(CHUNK_SD, depends='g >= 0')}
          FROM generate_series(0, {a.n - 1}) g,
               LATERAL (SELECT {rank} AS r) q,
               LATERAL (SELECT {a.sql_local_index('g', 'q.r')} AS k) l,
               LATERAL (SELECT {starts}[q.r] + l.k % {counts}[q.r] AS m, l.k) x
          JOIN bench_memoire bm ON bm.m = x.m
          JOIN bench_offset o ON o.m = x.m""")
    b = layout.blocks
    types = sql_array(generate.BLOCK_TYPES, "text[]")
    tags = sql_array(generate.TAG_VOCABULARY, "text[]")
    heads = sql_array([w[0] for w in TOPIC_WORDS], "text[]")
    words = sql_array([w for ws in TOPIC_WORDS for w in ws], "text[]")
    nt = len(generate.TAG_VOCABULARY)
    step("content_blocks", f"""
        INSERT INTO public.content_blocks (id, company_id, type, title, content, tags, is_active)
        SELECT {sql_id('sblock', 'g')}, {sql_id('company', 'q.r')}, {types}[1 + g % 7],
               format('%s – %s %s', initcap({heads}[1 + q.topic]), {words}[1 + q.topic * 6 + (g / 7) % 6], g),
               {_words_sql('q.topic', 25)},
               ARRAY(SELECT DISTINCT {tags}[1 + floor({nt} * power(random(), 2))::int]
                       FROM generate_series(1, 2 + g % 3) WHERE g >= 0),
               g % 10 <> 0
          FROM generate_series(0, {b.n - 1}) g,
               LATERAL (SELECT {b.sql_company_rank('g')} AS r) r0,
               LATERAL (SELECT r0.r, ((r0.r * 11 + ({b.sql_local_index('g', 'r0.r')} % {TOPICS_PER_COMPANY}) * 7)
                                      % {TOPICS}) AS topic) q""")
    p = layout.references
    cities = sql_array(generate.CITIES, "text[]")
    kinds = sql_array(generate.PROJECT_TYPES, "text[]")
    factors = sql_array(SUCCESS_FACTORS, "text[]")
    step("past_projects", f"""
        INSERT INTO public.past_projects (id, company_id, name, client, year, project_type, description,
                                          techniques_used, success_factors, is_referenceable)
        SELECT {sql_id('sreference', 'g')}, {sql_id('company', 'q.r')},
               format('%s %s – %s', initcap({kinds}[1 + g % 8]), {cities}[1 + (g / 8) % 16], g),
               'Commune de ' || {cities}[1 + g % 16], 2010 + g % 15, {kinds}[1 + g % 8],
               {_words_sql('q.topic', 30)},
               ARRAY[{words}[1 + q.topic * 6 + g % 6], {words}[1 + q.topic * 6 + (g / 6) % 6],
                     {words}[1 + floor(random() * {6 * TOPICS})::int]],
               ARRAY[{factors}[1 + g % 8], {factors}[1 + (g / 8) % 8]],
               g % 7 <> 0
          FROM generate_series(0, {p.n - 1}) g,
               LATERAL (SELECT {p.sql_company_rank('g')} AS r) r0,
               LATERAL (SELECT r0.r, ((r0.r * 11 + ({p.sql_local_index('g', 'r0.r')} % {TOPICS_PER_COMPANY}) * 7)
                                      % {TOPICS}) AS topic) q""")
    conn.execute("RESET session_replication_role")
    return timings


# ------------------------------------------------------------------------------ the database

def vector_server():
    """(version, bindir) of the pgvector server tools/fetch_pg.py provides (fetched if missing)."""
    line = subprocess.run([sys.executable, str(ROOT / "tools" / "fetch_pg.py"), "--version", VECTOR_SERVER],
                          check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    _spec, version, bindir = line.split("\t")
    return version, pathlib.Path(bindir)


def psql(cluster, dbname, path, options=None):
    """Runs a script with psql -X -v ON_ERROR_STOP=1; returns (seconds, stderr)."""
    t = time.perf_counter()
    proc = subprocess.run([psql_binary(cluster), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(path)],
                          capture_output=True, text=True, env=libpq_env(cluster, dbname, options))
    if proc.returncode != 0:
        raise RuntimeError(f"psql -f {path} failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t, proc.stderr


def build_database(cluster, dbname, layout, log):
    """The v0 schema with pgvector, the package as `make install` applies it, the data set, the
    application's HNSW index and match_document_chunks (test/fixtures/v0_rag.sql). Returns timings."""
    timings = {}
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
        conn.execute(f'CREATE DATABASE "{dbname}"')
    with psycopg.connect(cluster.dsn(dbname), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION vector")
        conn.execute((ROOT / "test" / "fixtures" / "v0_schema.sql").read_text(encoding="utf-8"))
    timings["prepare"], _ = psql(cluster, dbname, ROOT / "build" / "prepare.sql")
    timings["install"], _ = psql(cluster, dbname, ROOT / "build" / "install.sql")
    with psycopg.connect(cluster.dsn(dbname), autocommit=True) as conn:
        timings.update(generate_data(conn, layout, log))
        # As on a database whose library predates the package: finish.sql makes the documents.
        conn.execute("DROP INDEX memtech.library_document_search_idx")
        conn.execute("TRUNCATE memtech.library_document")
        t = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '2GB'")
        conn.execute((ROOT / "test" / "fixtures" / "v0_rag.sql").read_text(encoding="utf-8"))
        timings["HNSW index"] = time.perf_counter() - t
        log(f"  HNSW index: {timings['HNSW index']:.1f} s")
    # The documents in two sessions at once (finish.sql makes them in one, range by range), then
    # finish.sql, which finds them made and builds the indexes.
    t = time.perf_counter()
    halves = [("00000000-0000-0000-0000-000000000000", "7fffffff-ffff-ffff-ffff-ffffffffffff"),
              ("80000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff")]
    errors = []

    def sync(low, high):
        try:
            with psycopg.connect(cluster.dsn(dbname), autocommit=True) as c:
                c.execute("SELECT memtech.sync_library_documents(%s, %s)", [low, high])
        except Exception as e:  # noqa: BLE001 - raised below, in the main thread
            errors.append(e)
    threads = [threading.Thread(target=sync, args=h) for h in halves]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    timings["library documents"] = time.perf_counter() - t
    log(f"  library documents: {timings['library documents']:.1f} s")
    # finish.sql twice: its indexes and documents first (no company above the limit), then, as
    # `make install` runs it, the companies' own chunk indexes too, timed apart.
    timings["finish"], _ = psql(cluster, dbname, ROOT / "build" / "finish.sql",
                                {"maintenance_work_mem": "1GB", "memtech.search_exact_limit": str(10 ** 12)})
    log(f"  finish.sql (library documents, indexes): {timings['finish']:.1f} s")
    timings["company indexes"], _ = psql(cluster, dbname, ROOT / "build" / "finish.sql",
                                         {"maintenance_work_mem": "1GB"})
    log(f"  finish.sql again (the companies' own chunk indexes): {timings['company indexes']:.1f} s")
    with psycopg.connect(cluster.dsn(dbname), autocommit=True) as conn:
        t = time.perf_counter()
        for table in ("companies", "users", "memoires", "document_chunks", "content_blocks", "past_projects",
                      "memtech.library_document", "memtech.company_chunk"):
            conn.execute(f"VACUUM (ANALYZE) {table if '.' in table else 'public.' + table}")
        timings["vacuum analyze"] = time.perf_counter() - t
    return timings


# ------------------------------------------------------------------------------ measurements

GOAL_RECALL = 0.98
GOAL_P50_MS = {"largest": 15.0, "median": 5.0, "smallest": 5.0}      # search_chunks
GOAL_LIBRARY_P50_MS = 10.0                                             # search_library, largest company
OWN_WIDTHS = (200, 400, 600, 700, 800, 1000)                                 # memtech.company_index_ef_search
WIDTHS = (100, 200, 400, 600, 800, 1000)                               # memtech.search_ef_search, largest company
COMMON = set(COMMON_WORDS)


@dataclasses.dataclass
class Timing:
    """Statement times (ms) of one method for one company, and what it returned."""
    times: list = dataclasses.field(default_factory=list)
    recalls: list = dataclasses.field(default_factory=list)
    returned: list = dataclasses.field(default_factory=list)
    note: str = ""

    def p(self, q):
        if not self.times:
            return float("nan")
        xs = sorted(self.times)
        return xs[min(len(xs) - 1, max(0, math.ceil(q * len(xs)) - 1))]

    @property
    def recall(self):
        return statistics.mean(self.recalls) if self.recalls else None


def tenant_statement(conn, user, sql, params, settings=None):
    """One tenant transaction (role authenticated, app.user_id, settings); returns (ms of the
    statement alone, rows)."""
    conn.execute("BEGIN")
    try:
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user)])
        for name, value in (settings or {}).items():
            conn.execute("SELECT set_config(%s, %s, true)", [name, str(value)])
        t = time.perf_counter()
        found = conn.execute(sql, params).fetchall()
        ms = (time.perf_counter() - t) * 1000
    finally:
        conn.execute("COMMIT")
    return ms, found


def make_queries(conn, layout, rank, n, seed):
    """n query vectors near the company's topics (fresh offsets, as a new text of the topic would
    be), stored in bench_query for the tenant to read; and for each, the words of a chunk and a
    block of the company: hybrid text (the words of the company's chunk nearest to the query
    that are not common words: the query a user writes about that content), a specific library
    query (two words of one of its blocks) and a broad one (one word of its trade)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        topic = layout.topics_of(rank)[i % TOPICS_PER_COMPANY]
        conn.execute("SELECT setseed(%s)", [rng.random()])
        conn.execute(f"INSERT INTO bench_query (rank, n, v) SELECT %s, %s, direction + {_vector_sql(MEMOIRE_SD)} "
                     f"+ {_vector_sql(CHUNK_SD)} FROM bench_topic WHERE t = %s", [rank, i, topic])
        nearest = conn.execute(
            "SELECT c.content FROM public.document_chunks c JOIN public.memoires m ON m.id = c.memoire_id "
            "WHERE m.company_id = %s ORDER BY (c.embedding <=> (SELECT v FROM bench_query WHERE rank = %s AND n = %s)) + 0 "
            "LIMIT 1", [layout.company_id(rank), rank, i]).fetchone()[0]
        words = [w for w in nearest.split(" : ", 1)[-1].split() if w not in COMMON]
        hybrid = " ".join(dict.fromkeys(rng.sample(words, min(3, len(words)))))
        block = conn.execute(
            "SELECT content FROM public.content_blocks WHERE company_id = %s AND is_active "
            "ORDER BY md5(id::text || %s) LIMIT 1", [layout.company_id(rank), str(i)]).fetchone()[0]
        bwords = list(dict.fromkeys(w for w in block.split() if w not in COMMON))
        specific = " ".join(rng.sample(bwords, min(2, len(bwords))))
        broad = TOPIC_WORDS[topic][rng.randrange(6)]
        out.append({"n": i, "topic": topic, "hybrid": hybrid, "specific": specific, "broad": broad})
    return out


VECTOR = "(SELECT v FROM bench_query WHERE rank = %(rank)s AND n = %(n)s)"
EXACT_SQL = ("SELECT s.id FROM (SELECT c.id, c.embedding <=> " + VECTOR + " AS d FROM public.document_chunks c "
             "WHERE c.memoire_id IN (SELECT m.id FROM public.memoires m) AND c.embedding IS NOT NULL OFFSET 0) s "
             "ORDER BY s.d, s.id LIMIT %(k)s")
LIBRARY_EXACT_SQL = """
    (SELECT 'block' AS kind, b.id, ts_rank(memtech.block_document(b.title, b.tags, b.content), q.q) AS rank
       FROM public.content_blocks b, (SELECT memtech.search_query(%(text)s) AS q) q
      WHERE b.company_id = %(company)s AND b.is_active AND memtech.block_document(b.title, b.tags, b.content) @@ q.q
      ORDER BY 3 DESC, 2 LIMIT %(k)s)
    UNION ALL
    (SELECT 'reference', p.id, ts_rank(memtech.reference_document(p.name, p.client, p.project_type, p.techniques_used,
                                                                   p.description, p.success_factors), q.q)
       FROM public.past_projects p, (SELECT memtech.search_query(%(text)s) AS q) q
      WHERE p.company_id = %(company)s AND p.is_referenceable
        AND memtech.reference_document(p.name, p.client, p.project_type, p.techniques_used, p.description,
                                       p.success_factors) @@ q.q
      ORDER BY 3 DESC, 2 LIMIT %(k)s)
    ORDER BY 3 DESC, 1, 2 LIMIT %(k)s"""
# What a tenant writes without the package: full text under row level security, which parses
# every row of the company, since @@ is applied after the policy.
LIBRARY_TENANT_SQL = """
    SELECT b.id FROM public.content_blocks b, websearch_to_tsquery('french', %(text)s) q
     WHERE b.is_active AND to_tsvector('french', b.title || ' ' || array_to_string(b.tags, ' ') || ' ' || b.content) @@ q
     ORDER BY ts_rank(to_tsvector('french', b.title || ' ' || array_to_string(b.tags, ' ') || ' ' || b.content), q) DESC
     LIMIT %(k)s"""


def reads(dsn, user, sql, params, settings=None):
    """What one call as `user` read: {table: (sequential scans, index scans, rows fetched)}. A
    session of its own: pg_stat_xact_* also counts what earlier transactions of a session did
    that was not reported yet."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return _reads(conn, user, sql, params, settings)


def _reads(conn, user, sql, params, settings):
    conn.execute("BEGIN")
    try:
        conn.execute("SET LOCAL ROLE authenticated")
        conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user)])
        for name, value in (settings or {}).items():
            conn.execute("SELECT set_config(%s, %s, true)", [name, str(value)])
        conn.execute(sql, params).fetchall()
        conn.execute("RESET ROLE")
        found = {r[0]: (r[1], r[2], r[3]) for r in conn.execute(
            "SELECT CASE WHEN schemaname = 'public' THEN relname ELSE schemaname || '.' || relname END, seq_scan, "
            "idx_scan, coalesce(idx_tup_fetch, 0) + seq_tup_read FROM pg_stat_xact_user_tables "
            "WHERE relname IN ('document_chunks', 'library_document', 'content_blocks', 'past_projects') "
            "AND (seq_scan > 0 OR idx_scan > 0)")}
    finally:
        conn.execute("ROLLBACK")
    return found


def measure(cluster, dbname, layout, log, queries_per_company, runs):
    out = {"companies": {}, "crossover": [], "reads": {}}
    dsn = cluster.dsn(dbname)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.prepare_threshold = None
        conn.execute("CREATE TABLE bench_query (rank int, n int, v public.vector, PRIMARY KEY (rank, n))")
        conn.execute("GRANT SELECT ON bench_query TO authenticated")
        out["total_chunks"] = conn.execute("SELECT count(*) FROM public.document_chunks").fetchone()[0]
        out["sizes"] = conn.execute(
            "SELECT r::text, pg_size_pretty(pg_relation_size(r)) FROM unnest(ARRAY['public.document_chunks', "
            "'memtech.library_document', 'memtech.library_document_search_idx', "
            "'public.document_chunks_embedding_idx']::regclass[]) r").fetchall()
        out["own_indexes"] = conn.execute(
            "SELECT count(DISTINCT i.inhrelid), (SELECT count(*) FROM memtech.company_chunk), "
            "pg_size_pretty(sum(pg_table_size(i.inhrelid))), "
            "pg_size_pretty(sum(pg_indexes_size(i.inhrelid))) "
            "FROM pg_inherits i WHERE i.inhparent = 'memtech.company_chunk'::regclass").fetchone()
        indexed = {r[0] for r in conn.execute("SELECT company_id FROM memtech.company_chunk_index")}
        source = conn.execute("SELECT prosrc FROM pg_proc WHERE proname = 'search_chunks'").fetchone()[0]
        out["default_limit"] = int(re.search(r"'memtech\.search_exact_limit', true\)\), ''\), '(\d+)'", source).group(1))
        out["versions"] = conn.execute(
            "SELECT current_setting('server_version'), (SELECT extversion FROM pg_extension WHERE extname = 'vector'), "
            "EXISTS (SELECT 1 FROM pg_ts_config_map m JOIN pg_ts_dict d ON d.oid = m.mapdict "
            "WHERE m.mapcfg = 'memtech.french'::regconfig AND d.dictname = 'unaccent')").fetchone()
        # An alternative measured beside the package's: an index on the expression, ranking from
        # the texts (what the library would cost without memtech.library_document).
        t = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("CREATE INDEX bench_blocks_expression ON public.content_blocks USING gin "
                     "(memtech.block_document(title, tags, content)) WHERE is_active")
        conn.execute("CREATE INDEX bench_references_expression ON public.past_projects USING gin "
                     "(memtech.reference_document(name, client, project_type, techniques_used, description, "
                     "success_factors)) WHERE is_referenceable")
        conn.execute("ANALYZE public.content_blocks, public.past_projects")
        out["expression_index_s"] = time.perf_counter() - t
        log(f"  expression indexes (the alternative): {out['expression_index_s']:.1f} s")

        for label, rank in layout.ranks.items():
            user, company = layout.user_id(rank), layout.company_id(rank)
            queries = make_queries(conn, layout, rank, queries_per_company, seed=rank)
            res = {k: Timing() for k in ("match_document_chunks", "exact", "search_chunks", "search_hybrid",
                                         "library_specific", "library_broad", "library_expression",
                                         "library_tenant")}
            res["sizes"] = layout.sizes(rank)
            res["queries"] = queries
            for q in queries:
                p = {"rank": rank, "n": q["n"], "k": 10, "text": q["hybrid"], "company": company}
                truth = [r[0] for r in conn.execute(
                    "SELECT c.id FROM public.document_chunks c JOIN public.memoires m ON m.id = c.memoire_id "
                    "WHERE m.company_id = %(company)s AND c.embedding IS NOT NULL "
                    "ORDER BY (c.embedding <=> " + VECTOR + ") + 0, c.id LIMIT 60", p)]
                top = set(truth[:10])
                for key, sql in (("match_document_chunks", "SELECT id FROM public.match_document_chunks(" + VECTOR + ", 10)"),
                                 ("search_chunks", "SELECT id FROM public.search_chunks(" + VECTOR + ", 10)"),
                                 ("exact", EXACT_SQL)):
                    # One run not timed: the method before this one may have pushed this one's
                    # pages out of the cache (match_document_chunks reads every chunk).
                    tenant_statement(conn, user, sql, p)
                    for _ in range(runs):
                        ms, got = tenant_statement(conn, user, sql, p)
                        res[key].times.append(ms)
                    res[key].returned.append(len(got))
                    res[key].recalls.append(len(top & {r[0] for r in got}) / max(1, min(10, len(truth))))
                # Hybrid: Supabase's fusion of the exact vector list and the exact text list.
                text_list = [r[0] for r in conn.execute(
                    "SELECT c.id FROM public.document_chunks c JOIN public.memoires m ON m.id = c.memoire_id, "
                    "memtech.search_query(%(text)s) q WHERE m.company_id = %(company)s "
                    "AND memtech.chunk_document(c.content) @@ q "
                    "ORDER BY ts_rank_cd(memtech.chunk_document(c.content), q) DESC, c.id LIMIT 20", p)]
                score = {}
                for ranked in (truth[:20], text_list):
                    for i, c in enumerate(ranked, start=1):
                        score[c] = score.get(c, 0) + 1 / (50 + i)
                fused = set(sorted(score, key=lambda c: (-score[c], str(c)))[:10])
                hybrid_sql = "SELECT id FROM public.search_hybrid(%(text)s, " + VECTOR + ", 10)"
                tenant_statement(conn, user, hybrid_sql, p)
                for _ in range(runs):
                    ms, got = tenant_statement(conn, user, hybrid_sql, p)
                    res["search_hybrid"].times.append(ms)
                res["search_hybrid"].returned.append(len(got))
                res["search_hybrid"].recalls.append(len(fused & {r[0] for r in got}) / max(1, min(10, len(score))))
                res["search_hybrid"].note = "text list " + str(len(text_list))
                for key, text in (("library_specific", q["specific"]), ("library_broad", q["broad"])):
                    lp = {"text": text, "company": company, "k": 10}
                    expected = [(r[0], r[1]) for r in conn.execute(LIBRARY_EXACT_SQL, lp)]
                    library_sql = "SELECT kind, id FROM public.search_library(%(text)s, 10)"
                    tenant_statement(conn, user, library_sql, lp)
                    for _ in range(runs):
                        ms, got = tenant_statement(conn, user, library_sql, lp)
                        res[key].times.append(ms)
                    res[key].returned.append(len(got))
                    res[key].recalls.append(len(set(expected) & {(r[0], r[1]) for r in got}) / max(1, len(expected)))
                    if key == "library_specific":
                        for _ in range(runs):
                            t = time.perf_counter()
                            conn.execute(LIBRARY_EXACT_SQL, lp).fetchall()
                            res["library_expression"].times.append((time.perf_counter() - t) * 1000)
            # Without the package: a tenant's own full-text query, once a query (it parses every
            # row of the company), and no more than a few for a large company.
            for q in queries[:3 if res["sizes"]["content_blocks"] > 20000 else len(queries)]:
                ms, got = tenant_statement(conn, user, LIBRARY_TENANT_SQL, {"text": q["specific"], "k": 10})
                res["library_tenant"].times.append(ms)
                res["library_tenant"].returned.append(len(got))
            # What one call reads, and through which scans.
            p0 = {"rank": rank, "n": 0, "text": queries[0]["hybrid"]}
            out["reads"][label] = {
                "search_chunks": reads(dsn, user, "SELECT * FROM public.search_chunks(" + VECTOR + ", 10)", p0),
                "match_document_chunks": reads(dsn, user, "SELECT * FROM public.match_document_chunks(" + VECTOR + ", 10)", p0),
                "search_hybrid": reads(dsn, user, "SELECT * FROM public.search_hybrid(%(text)s, " + VECTOR + ", 10)", p0),
                "search_library": reads(dsn, user, "SELECT * FROM public.search_library(%(text)s, 10)",
                                        {"text": queries[0]["specific"]}),
            }
            out["companies"][label] = {"rank": rank, **res}
            log(f"  {label} (rank {rank}, {res['sizes']['document_chunks']:,} chunks): " + ", ".join(
                f"{k} {res[k].p(0.5):.2f} ms" + (f" r={res[k].recall:.2f}" if res[k].recall is not None else "")
                for k in res if isinstance(res[k], Timing) and res[k].times))

        # The two paths of search_chunks by company size: where memtech.search_exact_limit comes from.
        sizes = sorted({r for r in (1, 2, 3, 5, 8, 13, 20, 30, 50, 80, 130, 200, 300, 500, 800, 1000)
                        if r <= layout.companies} | {layout.companies})
        for rank in sizes:
            user = layout.user_id(rank)
            queries = [q for q in make_queries(conn, layout, rank, 5, seed=1000 + rank)] if rank not in \
                layout.ranks.values() else None
            ns = range(5) if queries is not None else range(min(5, queries_per_company))
            row = {"rank": rank, "chunks": layout.chunks.counts[rank - 1]}
            paths = [("exact", 10 ** 9, {}), ("index", 0, {"memtech.search_company_index": "off"})]
            if layout.company_id(rank) in indexed:
                paths.append(("own", 0, {}))
            for path, limit, extra in paths:
                times, recalls = [], []
                for n in ns:
                    p = {"rank": rank, "n": n, "company": layout.company_id(rank)}
                    truth = {r[0] for r in conn.execute(
                        "SELECT c.id FROM public.document_chunks c JOIN public.memoires m ON m.id = c.memoire_id "
                        "WHERE m.company_id = %(company)s AND c.embedding IS NOT NULL "
                        "ORDER BY (c.embedding <=> " + VECTOR + ") + 0, c.id LIMIT 10", p)}
                    path_sql = "SELECT id FROM public.search_chunks(" + VECTOR + ", 10)"
                    tenant_statement(conn, user, path_sql, p, {"memtech.search_exact_limit": limit, **extra})
                    for _ in range(runs):
                        ms, got = tenant_statement(conn, user, path_sql, p, {"memtech.search_exact_limit": limit, **extra})
                        times.append(ms)
                    recalls.append(len(truth & {r[0] for r in got}) / max(1, len(truth)))
                row[path] = statistics.median(times)
                row[path + "_recall"] = statistics.mean(recalls)
            out["crossover"].append(row)
            log(f"  crossover: rank {rank} ({row['chunks']:,} chunks): exact {row['exact']:.2f} ms, "
                f"index {row['index']:.2f} ms (recall {row['index_recall']:.2f})"
                + (f", own index {row['own']:.2f} ms (recall {row['own_recall']:.2f})" if "own" in row else ""))

        # The width of the index's search (memtech.search_ef_search) for the largest company: what
        # a narrower first search saves and what it misses, on the same queries as above.
        rank = layout.ranks["largest"]
        user = layout.user_id(rank)
        truths = [{r[0] for r in conn.execute(
            "SELECT c.id FROM public.document_chunks c JOIN public.memoires m ON m.id = c.memoire_id "
            "WHERE m.company_id = %(company)s AND c.embedding IS NOT NULL "
            "ORDER BY (c.embedding <=> " + VECTOR + ") + 0, c.id LIMIT 10",
            {"rank": rank, "n": n, "company": layout.company_id(rank)})} for n in range(queries_per_company)]
        out["widths"] = _widths(conn, user, rank, truths, WIDTHS, runs, log, "width",
                                {"memtech.search_company_index": "off"}, "memtech.search_ef_search")
        # The same queries through the company's own index, at each of its widths.
        out["own_widths"] = _widths(conn, user, rank, truths, OWN_WIDTHS, runs, log, "own index, width",
                                    {}, "memtech.company_index_ef_search")
    return out


def _widths(conn, user, rank, truths, widths, runs, log, label, settings, setting):
    """[(width, Timing)]: the company's queries through an index's path at each width (the
    setting named), after one run not timed; truths[n] is query n's exact answer."""
    out = []
    for width in widths:
        t = Timing()
        settings = {**settings, setting: width, "memtech.search_exact_limit": 0}
        for n, truth in enumerate(truths):
            p = {"rank": rank, "n": n}
            sql = "SELECT id FROM public.search_chunks(" + VECTOR + ", 10)"
            tenant_statement(conn, user, sql, p, settings)
            for _ in range(runs):
                ms, got = tenant_statement(conn, user, sql, p, settings)
                t.times.append(ms)
            t.recalls.append(len(truth & {r[0] for r in got}) / max(1, len(truth)))
        out.append((width, t))
        log(f"  {label} {width}: p50 {t.p(0.5):.2f} ms, recall {t.recall:.3f}")
    return out


# ------------------------------------------------------------------------------ the part

def crossover(rows):
    """The company size (chunks) where the index's path becomes as fast as the exact one:
    interpolated on log(size) between the last size the exact path wins and the first the index
    wins from there on; None when one path wins everywhere."""
    rows = sorted(rows, key=lambda r: r["chunks"])
    for i in range(len(rows) - 1, 0, -1):
        a, b = rows[i - 1], rows[i]
        if a["exact"] <= a["index"] and all(r["index"] < r["exact"] for r in rows[i:]):
            da, db = a["index"] - a["exact"], b["index"] - b["exact"]
            f = da / (da - db) if da != db else 0.5
            return round(math.exp(math.log(a["chunks"]) + f * (math.log(b["chunks"]) - math.log(a["chunks"]))))
    return None


def growth(res, layout):
    """search_chunks at 1,000,000 chunks, extrapolated from this run (the same 1,000 companies and
    shares, each company five times larger): the exact path's cost per chunk, measured, times the
    company's chunks; the index's path at the same share of the table, measured (its work is a
    first search of ef_search entries, then about match_count / share entries, whatever the
    table's size, plus a graph descent that grows with its logarithm)."""
    rows = sorted(res["crossover"], key=lambda r: r["chunks"])
    per_chunk = statistics.median(r["exact"] / r["chunks"] for r in rows if r["chunks"] >= 200) \
        if any(r["chunks"] >= 200 for r in rows) else rows[-1]["exact"] / rows[-1]["chunks"]
    total, factor = res["total_chunks"], 1_000_000 / res["total_chunks"]
    out = []
    for label, rank in layout.ranks.items():
        n = layout.chunks.counts[rank - 1]
        index = next((r["index"] for r in rows if r["rank"] == rank), None)
        out.append({"label": label, "chunks": round(n * factor), "exact": per_chunk * n * factor, "index": index})
    # The index's cost as a function of the share, fitted on this run: a + b / share.
    pts = [(r["chunks"] / total, r["index"]) for r in rows]
    if len(pts) >= 2:
        xs, ys = [1 / s for s, _ in pts], [t for _, t in pts]
        mx, my = statistics.mean(xs), statistics.mean(ys)
        b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (sum((x - mx) ** 2 for x in xs) or 1)
        a = my - b * mx
        # crossover at 1,000,000: per_chunk * n = a + b * N / n
        n_star = None
        for n in range(100, 200_001, 50):
            if per_chunk * n >= a + b * 1_000_000 / n:
                n_star = n
                break
    else:
        a = b = n_star = None
    # A company's own index: its cost as a function of the company's size, fitted on this run
    # (a + b ln chunks: an HNSW search's descent grows with the logarithm of what it holds).
    own = [(math.log(r["chunks"]), r["own"]) for r in rows if "own" in r]
    own_fit = None
    if len(own) >= 2:
        mx, my = statistics.mean(x for x, _ in own), statistics.mean(y for _, y in own)
        ob = sum((x - mx) * (y - my) for x, y in own) / (sum((x - mx) ** 2 for x, _ in own) or 1)
        own_fit = (my - ob * mx, ob)
        for r in out:
            if r["chunks"] > res["default_limit"]:
                r["own"] = own_fit[0] + own_fit[1] * math.log(r["chunks"])
    return {"per_chunk_ms": per_chunk, "rows": out, "fit": (a, b), "crossover_1m": n_star, "factor": factor,
            "own_fit": own_fit}


def run(scale, log, missed):
    """Part 6 on a cluster of its own; returns what the report needs."""
    layout = SearchLayout(scale)
    version, bindir = vector_server()
    log(f"part 6 on PostgreSQL {version} with pgvector ({bindir}), scale {scale:g}: {layout.counts()}")
    started = time.perf_counter()
    with pgcluster.throwaway(bindir=bindir) as cluster:
        configure(cluster, SERVER_SETTINGS)
        timings = build_database(cluster, "bench_search", layout, log)
        queries = 20 if scale >= 0.5 else 8
        runs = 3
        res = measure(cluster, "bench_search", layout, log, queries, runs)
    res.update({"layout": layout, "timings": timings, "queries": queries, "runs": runs,
                "seconds": time.perf_counter() - started, "growth": None})
    res["crossover_chunks"] = crossover(res["crossover"])
    res["growth"] = growth(res, layout)
    for label, c in res["companies"].items():
        for key in ("search_chunks", "search_hybrid", "library_specific", "library_broad"):
            t = c[key]
            if t.recall is not None and t.recall < GOAL_RECALL:
                missed(f"search: {key} recall@10 {t.recall:.3f} for the {label} company (goal {GOAL_RECALL})")
        p50 = c["search_chunks"].p(0.5)
        if p50 > GOAL_P50_MS[label]:
            missed(f"search: search_chunks p50 {p50:.2f} ms for the {label} company (goal {GOAL_P50_MS[label]:g} ms)")
    lib = res["companies"]["largest"]["library_specific"].p(0.5)
    if lib > GOAL_LIBRARY_P50_MS:
        missed(f"search: search_library p50 {lib:.2f} ms for the largest company (goal {GOAL_LIBRARY_P50_MS:g} ms)")
    reads = res["reads"]["largest"]["search_library"]
    if reads.get("memtech.library_document", (1, 0, 0))[0] or not reads.get("memtech.library_document", (0, 0, 0))[1]:
        missed("search: search_library did not read memtech.library_document through its index for the largest company")
    return res


def _ms(x):
    return "—" if x is None or x != x else (f"{x:.2f}" if x < 100 else f"{x:,.0f}")


def blocks(res):
    """Part 6's tables for docs/benchmarks.md (bench/report.py places them between markers)."""
    layout = res["layout"]
    pg, vector, unaccent = res["versions"]
    b = {}
    b["search-setup"] = (
        f"- server: {VECTOR_SERVER} (PostgreSQL {pg}, pgvector {vector}); settings "
        + ", ".join(f"`{k}={v}`" for k, v in SERVER_SETTINGS.items()) + "\n"
        f"- data: {layout.companies:,} companies, {res['total_chunks']:,} RAG chunks of {DIMENSIONS:,} dimensions in "
        f"{layout.memoires:,} memoires, {layout.blocks.n:,} content blocks, {layout.references.n:,} past projects; "
        f"{TOPICS} topics, {TOPICS_PER_COMPANY} a company; standard deviations per dimension {TOPIC_SD:g} (topic), "
        f"{MEMOIRE_SD:g} (memoire), {CHUNK_SD:g} (chunk)\n"
        f"- text search configuration: " + ("with unaccent" if unaccent else "without unaccent (this server has "
                                             "none: `memtech.fold_accents` folds accents)") + "\n"
        f"- {res['queries']} queries a company, each run {res['runs']} times after one run not timed\n"
        "- build (s): " + ", ".join(f"{k} {v:.0f}" for k, v in res["timings"].items() if v >= 0.5) + "\n"
        + ("- sizes: " + ", ".join(f"{k} {v}" for k, v in res["sizes"]) + "\n" if res.get("sizes") else ""))
    labels = {
        "match_document_chunks": "`match_document_chunks(q, 10)` as shipped (HNSW under row level security)",
        "exact": "exact query, through `document_chunks (memoire_id)`",
        "search_chunks": "`search_chunks(q, 10)`",
        "search_hybrid": "`search_hybrid(text, q, 10)`",
        "library_specific": "`search_library(text, 10)`, specific",
        "library_broad": "`search_library(text, 10)`, broad",
        "library_expression": "alternative: GIN on the expression, ranked from the texts (owner, specific)",
        "library_tenant": "without the package: the tenant's own full-text query under row level security (specific)",
    }
    rows = []
    for label, c in res["companies"].items():
        s = c["sizes"]
        for key, title in labels.items():
            t = c[key]
            if not t.times:
                continue
            goal, met = "", ""
            if key == "search_chunks":
                goal = f"recall ≥ {GOAL_RECALL}, p50 ≤ {GOAL_P50_MS[label]:g} ms"
                met = "yes" if (t.recall or 0) >= GOAL_RECALL and t.p(0.5) <= GOAL_P50_MS[label] else "**no**"
            elif key in ("search_hybrid", "library_broad") or (key == "library_specific" and label != "largest"):
                goal = f"recall ≥ {GOAL_RECALL}"
                met = "yes" if (t.recall or 0) >= GOAL_RECALL else "**no**"
            elif key == "library_specific":
                goal = f"recall ≥ {GOAL_RECALL}, p50 ≤ {GOAL_LIBRARY_P50_MS:g} ms"
                met = "yes" if (t.recall or 0) >= GOAL_RECALL and t.p(0.5) <= GOAL_LIBRARY_P50_MS else "**no**"
            rows.append(f"| {label} (rank {c['rank']}) | {s['document_chunks']:,} | {s['content_blocks']:,} | {title} | "
                        f"{'—' if t.recall is None else f'{t.recall:.3f}'} | "
                        f"{'—' if not t.returned else f'{statistics.mean(t.returned):.1f}'} | "
                        f"{_ms(t.p(0.5))} | {_ms(t.p(0.95))} | {goal} | {met} |")
    b["search"] = "\n".join(["| company | chunks | blocks | method | recall@10 | rows | p50 ms | p95 ms | goal | met |",
                             "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |"] + rows) + "\n"
    keys = ("search_chunks", "match_document_chunks", "search_hybrid", "search_library")
    rows = [f"| {label} | " + " | ".join("; ".join(f"{t}: {a}/{b_}/{n:,}" for t, (a, b_, n) in sorted(r[k].items()))
                                         or "—" for k in keys) + " |" for label, r in res["reads"].items()]
    b["search-reads"] = "\n".join(["| company | " + " | ".join(f"`{k}`" for k in keys) + " |",
                                   "| --- | --- | --- | --- | --- |"] + rows) + "\n"
    rows = [f"| {r['rank']} | {r['chunks']:,} | {100 * r['chunks'] / res['total_chunks']:.2f}% | {_ms(r['exact'])} | "
            f"{_ms(r['index'])} | {r['index_recall']:.3f} | "
            + (f"{_ms(r['own'])} | {r['own_recall']:.3f} |" if "own" in r else "— | — |")
            + f" {'exact' if r['exact'] <= r['index'] else 'index'} |"
            for r in sorted(res["crossover"], key=lambda r: r["chunks"])]
    x = res["crossover_chunks"]
    b["search-paths"] = "\n".join(
        ["| rank | chunks | share | exact ms | shared index ms | shared index recall@10 | own index ms | "
         "own index recall@10 | faster: exact or shared |",
         "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"] + rows) + "\n\n" + (
        f"Crossover in this run: about {x:,} chunks ({100 * x / res['total_chunks']:.2f}% of the table)."
        if x else "Crossover in this run: none (one path wins at every size).") + (
        f" The default limit (`memtech.search_exact_limit`) is {res['default_limit']:,} chunks.\n")
    if res.get("widths"):
        rows = [f"| {w:,} | {t.recall:.3f} | {_ms(t.p(0.5))} | {_ms(t.p(0.95))} | "
                + ("yes" if t.recall >= GOAL_RECALL and t.p(0.5) <= GOAL_P50_MS["largest"] else "no") + " |"
                for w, t in res["widths"]]
        b["search-widths"] = "\n".join(
            [f"| `memtech.search_ef_search` | recall@10 | p50 ms | p95 ms | recall ≥ {GOAL_RECALL} and p50 ≤ "
             f"{GOAL_P50_MS['largest']:g} ms |", "| ---: | ---: | ---: | ---: | --- |"] + rows) + "\n"
    if res.get("own_widths"):
        n, copied, table, indexes = res["own_indexes"]
        rows = [f"| {w:,} | {t.recall:.3f} | {_ms(t.p(0.5))} | {_ms(t.p(0.95))} | "
                + ("yes" if t.recall >= GOAL_RECALL and t.p(0.5) <= GOAL_P50_MS["largest"] else "no") + " |"
                for w, t in res["own_widths"]]
        b["search-own"] = (
            f"{n:,} compan{'y' if n == 1 else 'ies'} above the limit got their own index from `build/finish.sql`: {copied:,} chunks copied "
            f"({100 * copied / res['total_chunks']:.0f}% of the table), {table} of copies and {indexes} of indexes "
            f"(the application's HNSW index: {dict(res['sizes']).get('document_chunks_embedding_idx', '—')}), "
            f"built in {res['timings'].get('company indexes', 0):.0f} s (the application's index: "
            f"{res['timings']['HNSW index']:.0f} s).\n\n"
            + "\n".join([f"| `memtech.company_index_ef_search` | recall@10 | p50 ms | p95 ms | recall ≥ {GOAL_RECALL} "
                         f"and p50 ≤ {GOAL_P50_MS['largest']:g} ms |", "| ---: | ---: | ---: | ---: | --- |"] + rows)
            + "\n")
    g = res["growth"]
    fit = f"{g['fit'][0]:.2f} + {g['fit'][1]:.4f} / share" if g["fit"][0] is not None else "—"
    rows = [f"| {r['label']} | {r['chunks']:,} | {_ms(r['exact'])} | {_ms(r['index'])} | "
            f"{_ms(r['own']) if 'own' in r else '— (exact path)'} |" for r in g["rows"]]
    own_fit = (f"; own index ms ≈ {g['own_fit'][0]:.2f} + {g['own_fit'][1]:.2f} ln(chunks)"
               if g.get("own_fit") else "")
    b["search-growth"] = (
        f"Each company {g['factor']:.0f} times larger; the exact path at {g['per_chunk_ms'] * 1000:.1f} µs a chunk "
        f"(the median over the sizes above); shared index ms ≈ {fit}{own_fit}.\n\n"
        + "\n".join(["| company | chunks at 1,000,000 | exact path ms | shared index ms (same share, measured here) | "
                      "own index ms (fit) |", "| --- | ---: | ---: | ---: | ---: |"] + rows) + "\n\n"
        + (f"Crossover at 1,000,000 chunks: near {g['crossover_1m']:,} chunks.\n" if g["crossover_1m"]
           else "Crossover at 1,000,000 chunks: not placed by this run.\n"))
    return b
