#!/usr/bin/env python3
"""Our own database advisor: the schema lints of Supabase's advisor ("splinter") that apply to
a database without Supabase's auth and storage internals, written from what each lint checks.

    python3 tools/advisor.py "host=... dbname=..."      # one finding a line; exit 1 when any

    import advisor
    with psycopg.connect(dsn) as conn:
        for f in advisor.findings(conn):                  # Finding(lint, object, detail)
            ...
        advisor.unindexed_foreign_keys(conn)              # what that lint flags, and the index serving each

Every lint keeps the advisor's name, so that a finding here can be looked up in its
documentation. What each one checks:

  unindexed_foreign_keys    a foreign key with no valid index whose columns are exactly the
                            key's, in the same order (all of the index's columns, INCLUDE ones too)
  auth_rls_initplan         a policy of a table with row level security calling an auth value
                            (AUTH_CALL: auth.uid() and the like, current_setting(), the package's
                            memtech.current_*() helpers) outside a sub-select, so once per row
  no_primary_key            a table without a primary key
  multiple_permissive_policies  two or more permissive policies of a table for the same role and
                            command (roles that bypass row level security left out)
  policy_exists_rls_disabled    a table with policies but row level security disabled
  rls_enabled_no_policy     a table with row level security enabled and no policy
  duplicate_index           two or more indexes of a table that differ only by their name
  security_definer_view     a view anon or authenticated may read that is not security_invoker
                            (PostgreSQL 15+, where views can be)
  function_search_path_mutable  a function without search_path among its settings
  rls_disabled_in_public    a table of an API schema, readable by anon or authenticated, without
                            row level security
  sensitive_columns_exposed the same, with a column named like a password, secret, token, ...
  materialized_view_in_api  a materialized view anon or authenticated may read
  rls_policy_always_true    a permissive policy for public, anon or authenticated on a table with
                            row level security, whose USING is true for UPDATE, DELETE or ALL, or
                            whose WITH CHECK is true (or missing) for INSERT, or for UPDATE/ALL
                            with a true USING
  rls_policy_null_auth_disjunct  a permissive SELECT or ALL policy for public, anon or
                            authenticated whose USING is an OR with `<auth value> IS NULL` (or
                            `NOT (<auth value> IS NOT NULL)`) as one of its top-level terms
  anon_security_definer_function_executable           a SECURITY DEFINER function anon may run
  authenticated_security_definer_function_executable  ... that authenticated may run (one the
                            package declares in memtech.api_definer_function says so, with why)
  invalid_index             an index left invalid (a failed concurrent build), not being built

"Readable" is any column privilege (a table granted column by column is exposed all the same);
a role that does not exist reads nothing. API schemas are those of the setting
pgrst.db_schemas when it is set, else public (what PostgREST exposes on Supabase by default).
Left out everywhere, as the advisor does: system schemas, Supabase's own (EXCLUDED_SCHEMAS),
and objects that belong to an extension.

Standard library and psycopg only.
"""
import argparse
import collections
import contextlib
import dataclasses
import re
import sys
from typing import List, Optional, Sequence

Finding = collections.namedtuple("Finding", "lint object detail")

API_ROLES = ("anon", "authenticated")

# Schemas of PostgreSQL itself and of the services Supabase runs in a project's database.
EXCLUDED_SCHEMAS = (
    "pg_catalog", "information_schema", "auth", "storage", "vault", "extensions", "graphql",
    "graphql_public", "realtime", "supabase_functions", "supabase_migrations", "cron", "net",
    "pgbouncer", "pgsodium", "pgsodium_masks", "pgtle", "pgmq", "pgroonga", "repack", "tiger",
    "topology", "_timescaledb_cache", "_timescaledb_catalog", "_timescaledb_config",
    "_timescaledb_internal",
)

# A call that reads who is asking: Supabase's auth helpers, a setting (the JWT claims,
# app.user_id), and the package's own helpers, which read those.
AUTH_CALL = re.compile(r"(?<![\w.\"])(?:auth\.(?:uid|jwt|role|email)|(?:pg_catalog\.)?current_setting"
                       r"|memtech\.current_\w+)\s*\(", re.I)

# Column names that hold secrets or personal identifiers. A column matches when these words
# appear, in this order, among the words of its name (password_hash, stripe_api_key, ...).
SENSITIVE_WORDS = [
    "password", "passwd", "pwd", "passphrase", "secret", "token", "jwt", "api key", "apikey",
    "private key", "auth key", "auth code", "session key", "otp", "two factor", "2fa",
    "recovery code", "backup code", "verification code", "ssn", "social security", "tax id",
    "national id", "passport", "driver license", "drivers license", "credit card", "card number",
    "cvv", "cvc", "iban", "bank account", "account number", "routing number", "swift code",
    "medical record", "health record", "health insurance", "ssh key", "pgp key", "gpg key",
    "license key", "activation key",
]

PLAIN_TRUE = {"true", "(true)", "1=1", "(1=1)"}

# Where the package declares the SECURITY DEFINER functions the API may execute, with why
# (sql/28_search.sql): the finding stays (Supabase's advisor reports them too), with the reason.
DECLARATION = "memtech.api_definer_function"


@dataclasses.dataclass(frozen=True)
class ForeignKey:
    """A foreign key the unindexed_foreign_keys lint flags."""
    table: str                  # schema-qualified, as format('%I.%I') writes it
    name: str
    columns: tuple              # the referencing columns, in the key's order
    referenced_table: str
    referenced_columns: tuple
    on_delete: str              # NO ACTION, RESTRICT, CASCADE, SET NULL, SET DEFAULT
    on_update: str
    serving_index: Optional[str]  # a valid index led by one of its columns other than company_id, or None

    @property
    def object(self):
        return f"{self.table}.{_ident(self.name)}"

    def exact_index_sql(self, index_name):
        """CREATE INDEX of the index the advisor asks for: the key's columns, in its order."""
        return f"CREATE INDEX {_ident(index_name)} ON {self.table} ({', '.join(_ident(c) for c in self.columns)})"


def _ident(name):
    """An identifier as format('%I') writes it (quoted only when it must be)."""
    return name if re.fullmatch(r"[a-z_][a-z0-9_$]*", name) else '"' + name.replace('"', '""') + '"'


# ------------------------------------------------------------------------------ catalog reading

@contextlib.contextmanager
def _catalog_session(conn):
    """A transaction (a savepoint inside the caller's) in which search_path is pg_catalog only,
    so that deparsed expressions and regclass/regprocedure texts name every schema."""
    with conn.transaction():
        old = conn.execute("SELECT current_setting('search_path')").fetchone()[0]
        conn.execute("SELECT set_config('search_path', 'pg_catalog', true)")
        yield
        conn.execute("SELECT set_config('search_path', %s, true)", [old])


def _not_excluded(nsp="n"):
    return (f"{nsp}.nspname <> ALL (%(excluded)s::name[]) "
            f"AND {nsp}.nspname !~ '^pg_(toast|temp_|toast_temp_)'")


def _not_extension_member(classid, objid):
    return (f"NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{classid}'::regclass "
            f"AND e.objid = {objid} AND e.deptype = 'e')")


class _Catalog:
    def __init__(self, conn, api_schemas=None):
        self.conn = conn
        self.roles = [r for r in API_ROLES
                      if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [r]).fetchone()]
        if api_schemas is None:
            setting = conn.execute("SELECT current_setting('pgrst.db_schemas', true)").fetchone()[0]
            api_schemas = [s.strip() for s in (setting or "").split(",") if s.strip()] or ["public"]
        self.params = {"excluded": list(EXCLUDED_SCHEMAS), "api": list(api_schemas)}
        self.version = conn.info.server_version

    def rows(self, sql, extra=None):
        return self.conn.execute(sql, {**self.params, **(extra or {})}).fetchall()

    def readable(self, oid):
        """SQL: anon or authenticated may read some column of relation `oid`."""
        tests = [f"has_any_column_privilege('{r}', {oid}, 'SELECT')" for r in self.roles]
        return "(" + (" OR ".join(tests) or "false") + ")"


# ------------------------------------------------------------------------------ the lints

def _foreign_keys(cat):
    rows = cat.rows(f"""
        SELECT format('%%I.%%I', n.nspname, r.relname), k.conname,
               ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, i)
                       JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.i),
               format('%%I.%%I', fn.nspname, f.relname),
               ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(attnum, i)
                       JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum ORDER BY u.i),
               k.confdeltype, k.confupdtype,
               (SELECT x.indexrelid::regclass::text
                  FROM pg_index x
                  JOIN pg_attribute lead ON lead.attrelid = x.indrelid AND lead.attnum = x.indkey[0]
                 WHERE x.indrelid = k.conrelid AND x.indisvalid
                   AND x.indkey[0] = ANY (CASE WHEN k.conkey = ARRAY[company.attnum] THEN k.conkey
                                               ELSE array_remove(k.conkey, company.attnum) END)
                   AND (x.indpred IS NULL
                        OR pg_get_expr(x.indpred, x.indrelid) = format('(%%I IS NOT NULL)', lead.attname))
                 ORDER BY x.indnkeyatts, 1 LIMIT 1)
          FROM pg_constraint k
          JOIN pg_class r ON r.oid = k.conrelid
          JOIN pg_namespace n ON n.oid = r.relnamespace
          JOIN pg_class f ON f.oid = k.confrelid
          JOIN pg_namespace fn ON fn.oid = f.relnamespace
          LEFT JOIN pg_attribute company ON company.attrelid = k.conrelid AND company.attname = 'company_id'
                                        AND NOT company.attisdropped
         WHERE k.contype = 'f' AND {_not_excluded()} AND {_not_extension_member('pg_class', 'r.oid')}
           AND NOT EXISTS (SELECT 1 FROM pg_index x
                            WHERE x.indrelid = k.conrelid AND x.indisvalid
                              AND string_to_array(x.indkey::text, ' ')::int2[] = k.conkey)
         ORDER BY 1, 2""")
    action = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
    return [ForeignKey(t, name, tuple(cols), ft, tuple(fcols), action[d], action[u], idx)
            for t, name, cols, ft, fcols, d, u, idx in rows]


def lint_unindexed_foreign_keys(cat):
    for fk in _foreign_keys(cat):
        served = f"; served by {fk.serving_index}" if fk.serving_index else ""
        yield Finding("unindexed_foreign_keys", fk.object,
                      f"no index on exactly ({', '.join(fk.columns)}) for the key to {fk.referenced_table}{served}")


def _policies(cat):
    """(table, policy, permissive, roles (names; 'public' for all), command, using, with check,
    rls enabled) of every policy of a table outside the excluded schemas."""
    return cat.rows(f"""
        SELECT format('%%I.%%I', n.nspname, c.relname), p.polname, p.polpermissive,
               ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END FROM unnest(p.polroles) r ORDER BY 1),
               CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                             WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
               pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), c.relrowsecurity
          FROM pg_policy p
          JOIN pg_class c ON c.oid = p.polrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE {_not_excluded()} AND {_not_extension_member('pg_class', 'c.oid')}
         ORDER BY 1, 2""")


def _scan(text):
    """Positions of `text` outside string literals and quoted identifiers, each with the
    stack of open parentheses there: yields (index, stack), stack a list of booleans (True:
    the parenthesis opens a sub-select)."""
    stack, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            j = i + 1
            while j < n:
                if text[j] == ch:
                    if j + 1 < n and text[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
            continue
        yield i, stack
        if ch == "(":
            stack.append(bool(re.match(r"\s*SELECT\b", text[i + 1:], re.I)))
        elif ch == ")" and stack:
            stack.pop()
        i += 1


def unwrapped_auth_calls(expr):
    """The auth calls (AUTH_CALL) of a deparsed expression that no sub-select encloses."""
    if not expr:
        return []
    found = []
    for i, stack in _scan(expr):
        m = AUTH_CALL.match(expr, i)
        if m and not any(stack):
            found.append(m.group(0).rstrip("( "))
    return found


def lint_auth_rls_initplan(cat):
    for table, policy, _perm, _roles, _cmd, qual, check, rls in _policies(cat):
        if not rls:
            continue
        calls = sorted(set(unwrapped_auth_calls(qual) + unwrapped_auth_calls(check)))
        if calls:
            yield Finding("auth_rls_initplan", f"{table}.{_ident(policy)}",
                          f"calls {', '.join(c + '()' for c in calls)} once per row: write (SELECT ...) around it")


def lint_multiple_permissive_policies(cat):
    rows = cat.rows(f"""
        SELECT format('%%I.%%I', n.nspname, c.relname), r.rolname, cmd, array_agg(p.polname::text ORDER BY p.polname)
          FROM pg_policy p
          JOIN pg_class c ON c.oid = p.polrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_roles r ON r.oid = ANY (p.polroles) OR p.polroles = '{{0}}'::oid[]
         CROSS JOIN LATERAL unnest(CASE p.polcmd WHEN 'r' THEN '{{SELECT}}'::text[] WHEN 'a' THEN '{{INSERT}}'
                                             WHEN 'w' THEN '{{UPDATE}}' WHEN 'd' THEN '{{DELETE}}'
                                             ELSE '{{SELECT,INSERT,UPDATE,DELETE}}' END) cmd
         WHERE p.polpermissive AND c.relkind IN ('r', 'p') AND {_not_excluded()}
           AND {_not_extension_member('pg_class', 'c.oid')}
           AND NOT r.rolbypassrls AND r.rolname !~ '^pg_' AND r.rolname !~ '^supabase.*admin$'
         GROUP BY 1, 2, 3 HAVING count(*) > 1
         ORDER BY 1, 2, 3""")
    for table, role, cmd, policies in rows:
        yield Finding("multiple_permissive_policies", f"{table} {role} {cmd}",
                      f"permissive policies {', '.join(policies)} all apply")


def _tables(cat, where):
    return cat.rows(f"""
        SELECT format('%%I.%%I', n.nspname, c.relname), c.oid
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND {_not_excluded()} AND {_not_extension_member('pg_class', 'c.oid')}
           AND ({where})
         ORDER BY 1""")


def lint_no_primary_key(cat):
    for table, _ in _tables(cat, "NOT EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = c.oid AND x.indisprimary)"):
        yield Finding("no_primary_key", table, "no primary key")


def lint_policy_exists_rls_disabled(cat):
    for table, _ in _tables(cat, "NOT c.relrowsecurity AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)"):
        yield Finding("policy_exists_rls_disabled", table, "has policies, but row level security is disabled")


def lint_rls_enabled_no_policy(cat):
    for table, _ in _tables(cat, "c.relrowsecurity AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)"):
        yield Finding("rls_enabled_no_policy", table, "row level security is enabled, but no policy exists")


def lint_rls_disabled_in_public(cat):
    for table, _ in _tables(cat, f"NOT c.relrowsecurity AND n.nspname = ANY (%(api)s::name[]) AND {cat.readable('c.oid')}"):
        yield Finding("rls_disabled_in_public", table, "readable through the API, without row level security")


def sensitive_column(name):
    """The word of SENSITIVE_WORDS a column name contains, or None."""
    words = re.split(r"[_\-\s]+", name.lower())
    for phrase in SENSITIVE_WORDS:
        p = phrase.split()
        if any(words[i:i + len(p)] == p for i in range(len(words) - len(p) + 1)):
            return phrase
    return None


def lint_sensitive_columns_exposed(cat):
    for table, oid in _tables(cat, f"NOT c.relrowsecurity AND n.nspname = ANY (%(api)s::name[]) AND {cat.readable('c.oid')}"):
        columns = [r[0] for r in cat.rows("SELECT attname FROM pg_attribute WHERE attrelid = %(oid)s AND attnum > 0 "
                                          "AND NOT attisdropped ORDER BY attnum", {"oid": oid})]
        sensitive = [c for c in columns if sensitive_column(c)]
        if sensitive:
            yield Finding("sensitive_columns_exposed", table,
                          f"readable through the API, without row level security, with {', '.join(sensitive)}")


def lint_duplicate_index(cat):
    rows = cat.rows(f"""
        SELECT format('%%I.%%I', n.nspname, c.relname), array_agg(format('%%I', ic.relname) ORDER BY ic.relname)
          FROM pg_index x
          JOIN pg_class ic ON ic.oid = x.indexrelid
          JOIN pg_class c ON c.oid = x.indrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'm') AND {_not_excluded()} AND {_not_extension_member('pg_class', 'c.oid')}
         GROUP BY 1, replace(pg_get_indexdef(x.indexrelid), ' INDEX ' || quote_ident(ic.relname) || ' ON ', ' INDEX ON ')
        HAVING count(*) > 1
         ORDER BY 1, 2""")
    for table, indexes in rows:
        yield Finding("duplicate_index", f"{table} ({', '.join(indexes)})", "identical indexes: keep one")


def lint_security_definer_view(cat):
    if cat.version < 150000:  # views have no security_invoker before PostgreSQL 15
        return
    rows = cat.rows(f"""
        SELECT format('%%I.%%I', n.nspname, c.relname)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'v' AND {_not_excluded()} AND {_not_extension_member('pg_class', 'c.oid')}
           AND {cat.readable('c.oid')}
           AND NOT EXISTS (SELECT 1 FROM unnest(c.reloptions) o
                            WHERE lower(o) ~ '^security_invoker=(true|on|yes|1|t|y)$')
         ORDER BY 1""")
    for (view,) in rows:
        yield Finding("security_definer_view", view,
                      "readable by the API roles, and runs with its owner's rights (not security_invoker)")


def lint_materialized_view_in_api(cat):
    rows = cat.rows(f"""
        SELECT format('%%I.%%I', n.nspname, c.relname)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'm' AND {_not_excluded()} AND {_not_extension_member('pg_class', 'c.oid')}
           AND {cat.readable('c.oid')}
         ORDER BY 1""")
    for (view,) in rows:
        yield Finding("materialized_view_in_api", view, "readable by the API roles, which row level security cannot filter")


def _functions(cat, where):
    return cat.rows(f"""
        SELECT format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE {_not_excluded()} AND {_not_extension_member('pg_proc', 'p.oid')} AND ({where})
         ORDER BY 1""")


def lint_function_search_path_mutable(cat):
    for (fn,) in _functions(cat, "NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) s WHERE s LIKE 'search_path=%%')"):
        yield Finding("function_search_path_mutable", fn, "no search_path among its settings")


def lint_security_definer_executable(cat):
    declared = _declared_definers(cat)
    for role in cat.roles:
        for (fn,) in _functions(cat, f"p.prosecdef AND has_function_privilege('{role}', p.oid, 'EXECUTE')"):
            reason = f"; declared in {DECLARATION}: {declared[fn]}" if fn in declared else ""
            yield Finding(f"{role}_security_definer_function_executable", fn,
                          f"SECURITY DEFINER, and {role} may execute it{reason}")


def _declared_definers(cat):
    """{function, as the lints name it: reason} of memtech.api_definer_function, the package's
    declaration of the SECURITY DEFINER functions the API may execute ({} without it)."""
    if not cat.rows("SELECT to_regclass(%(table)s) IS NOT NULL", {"table": DECLARATION})[0][0]:
        return {}
    return dict(cat.rows(f"""
        SELECT format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), d.reason
          FROM {DECLARATION} d JOIN pg_proc p ON p.oid = d.function JOIN pg_namespace n ON n.oid = p.pronamespace"""))


def declared_definer_functions(conn):
    """{function: reason} of the SECURITY DEFINER functions memtech declares the API may execute
    (memtech.api_definer_function), named as the findings name them: the findings
    authenticated_security_definer_function_executable that the package accepts, and only those."""
    with _catalog_session(conn):
        return _declared_definers(_Catalog(conn))


def lint_invalid_index(cat):
    rows = cat.rows(f"""
        SELECT format('%%I.%%I', n.nspname, ic.relname), format('%%I.%%I', n.nspname, c.relname)
          FROM pg_index x
          JOIN pg_class ic ON ic.oid = x.indexrelid
          JOIN pg_class c ON c.oid = x.indrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE NOT x.indisvalid AND x.indisready AND {_not_excluded()}
           AND {_not_extension_member('pg_class', 'ic.oid')}
           AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index b WHERE b.index_relid = x.indexrelid)
         ORDER BY 1""")
    for index, table in rows:
        yield Finding("invalid_index", index, f"invalid index of {table}, which no query uses")


def _normalized(expr):
    return re.sub(r"\s+", "", (expr or "").lower())


def _applies_to_api(roles):
    return "public" in roles or any(r in API_ROLES for r in roles)


def lint_rls_policy_always_true(cat):
    for table, policy, permissive, roles, cmd, qual, check, rls in _policies(cat):
        if not (rls and permissive and _applies_to_api(roles)):
            continue
        true_using = cmd in ("UPDATE", "DELETE", "ALL") and (qual is None or _normalized(qual) in PLAIN_TRUE)
        true_check = (_normalized(check) in PLAIN_TRUE
                      or (check is None and cmd == "INSERT")
                      or (check is None and cmd in ("UPDATE", "ALL") and _normalized(qual) in PLAIN_TRUE))
        if true_using or true_check:
            what = " and ".join(w for w, on in (("USING", true_using), ("WITH CHECK", true_check)) if on)
            yield Finding("rls_policy_always_true", f"{table}.{_ident(policy)}",
                          f"{cmd} for {', '.join(roles)}: {what} always true")


def _strip_parens(expr):
    """expr without the parentheses that enclose all of it."""
    expr = expr.strip()
    while expr.startswith("(") and expr.endswith(")"):
        depth_zero_inside = False
        for i, stack in _scan(expr):
            if 0 < i < len(expr) - 1 and not stack:
                depth_zero_inside = True
                break
        if depth_zero_inside:
            break
        expr = expr[1:-1].strip()
    return expr


def top_level_terms(expr, keyword):
    """The terms of a deparsed expression joined by `keyword` (OR, AND) at its top level."""
    expr = _strip_parens(expr)
    cuts, pattern = [], re.compile(rf"\s{keyword}\s", re.I)
    for i, stack in _scan(expr):
        if not stack and expr[i].isspace():
            m = pattern.match(expr, i)
            if m:
                cuts.append((m.start(), m.end()))
    terms, start = [], 0
    for a, b in cuts:
        terms.append(expr[start:a])
        start = b
    terms.append(expr[start:])
    return [_strip_parens(t) for t in terms]


_AUTH_VALUE = (r"(?:\(\s*SELECT\s+)?\(?\s*(?:auth\.(?:uid|jwt|role|email)\(\)|memtech\.current_\w+\(\)"
               r"|(?:pg_catalog\.)?current_setting\('(?:[^']|'')*'(?:::text)?,\s*true\))\s*\)?"
               r"(?:::[\w. \"]+?)?(?:\s+AS\s+\w+)?\s*\)?")
_NULL_TEST = re.compile(rf"^(?:{_AUTH_VALUE}\s+IS\s+NULL|NOT\s+\(?\s*{_AUTH_VALUE}\s+IS\s+NOT\s+NULL\s*\)?)$", re.I)


def null_auth_disjunct(expr):
    """The top-level OR term of expr that tests an auth value for NULL, or None."""
    if not expr:
        return None
    terms = top_level_terms(expr, "OR")
    if len(terms) < 2:
        return None
    return next((t for t in terms if _NULL_TEST.match(t)), None)


def lint_rls_policy_null_auth_disjunct(cat):
    for table, policy, permissive, roles, cmd, qual, _check, rls in _policies(cat):
        if not (rls and permissive and cmd in ("SELECT", "ALL") and _applies_to_api(roles)):
            continue
        term = null_auth_disjunct(qual)
        if term:
            yield Finding("rls_policy_null_auth_disjunct", f"{table}.{_ident(policy)}",
                          f"{cmd} for {', '.join(roles)}: `{term}` makes it true for every row of a session without it")


LINTS = [
    lint_unindexed_foreign_keys, lint_auth_rls_initplan, lint_no_primary_key, lint_multiple_permissive_policies,
    lint_policy_exists_rls_disabled, lint_rls_enabled_no_policy, lint_duplicate_index, lint_security_definer_view,
    lint_function_search_path_mutable, lint_rls_disabled_in_public, lint_sensitive_columns_exposed,
    lint_materialized_view_in_api, lint_rls_policy_always_true, lint_rls_policy_null_auth_disjunct,
    lint_security_definer_executable, lint_invalid_index,
]


# ------------------------------------------------------------------------------ entry points

def findings(conn, api_schemas: Optional[Sequence[str]] = None) -> List[Finding]:
    """Every finding of every lint on the database of `conn` (a psycopg connection of a role
    that sees the whole catalog), sorted by lint and object."""
    with _catalog_session(conn):
        cat = _Catalog(conn, api_schemas)
        out = [f for lint in LINTS for f in lint(cat)]
    return sorted(out)


def unindexed_foreign_keys(conn) -> List[ForeignKey]:
    """The foreign keys the unindexed_foreign_keys lint flags, each with the index that serves
    it (a valid index led by one of its columns other than company_id, whole or without the
    rows where that column is NULL), or None."""
    with _catalog_session(conn):
        return _foreign_keys(_Catalog(conn))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dsn", help="libpq connection string or URI")
    parser.add_argument("--api-schemas", help="comma-separated schemas the API exposes (default: "
                                              "pgrst.db_schemas, else public)")
    args = parser.parse_args(argv)
    import psycopg  # here, so that the module imports without it for its pure functions
    schemas = [s.strip() for s in args.api_schemas.split(",")] if args.api_schemas else None
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        found = findings(conn, schemas)
    for f in found:
        print(f"{f.lint}\t{f.object}\t{f.detail}")
    print(f"{len(found)} finding(s)", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
