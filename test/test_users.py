"""users as an application writes it: upserts by e-mail address, and the password hashes its
library produces.

users.email is stored in lower case (a trigger lowers what is written) and the specification's
idx_users_email is the unique index on it, so `INSERT ... ON CONFLICT (email)` works, whatever
the case the address is written in. users.password_hash accepts the text forms of the hashes
of the mainstream Python, Node and Go libraries, made here as each library formats them, and
refuses what is plainly not such a hash.
"""
import base64
import hashlib
import os
import warnings

import psycopg
import pytest

from helpers import VERSION, installed_version, load_v0, notices, rows, scalar

COMPANY = "c0000000-0000-4000-8000-0000000000e1"
OTHER_COMPANY = "c0000000-0000-4000-8000-0000000000e2"
ADMIN = "d0000000-0000-4000-8000-0000000000e1"


def company_with_admin(db):
    db.psql(f"""
        INSERT INTO public.companies (id, name) VALUES ('{COMPANY}', 'Delorme Bâtiment'), ('{OTHER_COMPANY}', 'Autre BTP');
        INSERT INTO public.users (id, company_id, email, full_name, role)
        VALUES ('{ADMIN}', '{COMPANY}', 'admin@delorme-batiment.fr', 'Admin', 'admin');
    """)


def as_user(conn, user):
    conn.execute("SET LOCAL ROLE authenticated")
    conn.execute("SELECT set_config('app.user_id', %s, true)", [user])


UPSERT = ("INSERT INTO public.users (company_id, email, full_name) VALUES (%s, %s, %s) "
          "ON CONFLICT (email) DO UPDATE SET full_name = excluded.full_name RETURNING id, email, full_name")


# ------------------------------------------------------------------------------------- e-mail

def test_upserting_a_user_by_email_finds_the_row_whatever_the_case_it_was_written_in(db):
    db.install()
    company_with_admin(db)

    with db.connect() as conn:   # a backend connected as the owner, naming no user
        first = conn.execute(UPSERT, [COMPANY, "Marie.Durand@Delorme-Batiment.fr", "Marie"]).fetchone()
        again = conn.execute(UPSERT, [COMPANY, "MARIE.DURAND@delorme-batiment.FR", "Marie Durand"]).fetchone()
        nothing = conn.execute("INSERT INTO public.users (company_id, email, full_name) "
                               "VALUES (%s, 'marie.durand@DELORME-batiment.fr', 'Marie D.') "
                               "ON CONFLICT (email) DO NOTHING RETURNING id", [COMPANY]).fetchall()

    assert first[1] == "marie.durand@delorme-batiment.fr"
    assert again == (first[0], "marie.durand@delorme-batiment.fr", "Marie Durand")
    assert nothing == []
    assert rows(db, "SELECT email, full_name FROM public.users WHERE id <> %s", [ADMIN]) == [
        ("marie.durand@delorme-batiment.fr", "Marie Durand")]


def test_an_admin_upserts_a_colleague_by_email_through_authenticated(db):
    db.install()
    company_with_admin(db)

    with db.connect() as conn:
        for name in ("Paul", "Paul Rivière"):
            with conn.transaction():
                as_user(conn, ADMIN)
                conn.execute("INSERT INTO public.users (email, full_name, role) VALUES (%s, %s, 'viewer') "
                             "ON CONFLICT (email) DO UPDATE SET full_name = excluded.full_name",
                             ["Paul@Delorme-Batiment.fr" if name == "Paul" else "paul@delorme-batiment.FR", name])

    assert rows(db, "SELECT company_id::text, email, full_name, role::text FROM public.users WHERE id <> %s", [ADMIN]) \
        == [(COMPANY, "paul@delorme-batiment.fr", "Paul Rivière", "viewer")]


def test_an_address_differing_only_by_case_is_the_same_user_and_updates_are_lowered_too(db):
    db.install()
    company_with_admin(db)

    with db.connect() as conn:
        with pytest.raises(psycopg.errors.UniqueViolation, match="idx_users_email"):
            conn.execute("INSERT INTO public.users (company_id, email, full_name) "
                         "VALUES (%s, 'ADMIN@Delorme-Batiment.fr', 'Doublon')", [OTHER_COMPANY])
        conn.execute("UPDATE public.users SET email = 'Direction@Delorme-Batiment.fr' WHERE id = %s", [ADMIN])
    assert scalar(db, "SELECT email FROM public.users WHERE id = %s", [ADMIN]) == "direction@delorme-batiment.fr"
    # One index on (email), unique: the advisor's duplicate_index has nothing to say.
    assert rows(db, "SELECT indexrelid::regclass::text, indisunique, pg_get_indexdef(indexrelid) LIKE '%%(email)' "
                    "FROM pg_index WHERE indrelid = 'public.users'::regclass AND pg_get_indexdef(indexrelid) ~ 'email' "
                    "ORDER BY 1") == [("idx_users_email", True, True)]


def test_a_load_with_triggers_off_cannot_store_an_address_with_capitals(db):
    """session_replication_role = replica skips the trigger that lowers addresses (a bulk load
    does that); a check refuses the address rather than let it miss the upserts."""
    db.install()
    company_with_admin(db)

    with db.connect() as conn, conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        with pytest.raises(psycopg.errors.CheckViolation, match="users_email_lower_case"):
            conn.execute("INSERT INTO public.users (company_id, email, full_name) "
                         "VALUES (%s, 'Admin@Delorme-Batiment.fr', 'Doublon')", [COMPANY])


def test_an_upgrade_from_0_3_0_lowers_the_stored_addresses_and_keeps_one_unique_index(db):
    load_v0(db)
    db.load_fixture("memtech_0.3.0_install")
    db.psql(f"""
        INSERT INTO public.companies (id, name) VALUES ('{COMPANY}', 'Delorme Bâtiment');
        INSERT INTO public.users (id, company_id, email, full_name, role) VALUES
          ('{ADMIN}', '{COMPANY}', 'Anne.Durand@Delorme-Batiment.FR', 'Anne Durand', 'admin'),
          ('d0000000-0000-4000-8000-0000000000e2', '{COMPANY}', 'paul@delorme-batiment.fr', 'Paul', 'user');
    """)

    proc = db.install()

    assert installed_version(db) == VERSION
    said = notices(proc.stderr)
    assert "memtech: stored the e-mail address of 1 user(s) in lower case" in said, said
    assert rows(db, "SELECT email FROM public.users ORDER BY email") == [
        ("anne.durand@delorme-batiment.fr",), ("paul@delorme-batiment.fr",)]
    assert rows(db, "SELECT indexrelid::regclass::text, indisunique FROM pg_index "
                    "WHERE indrelid = 'public.users'::regclass ORDER BY 1") == [
        ("idx_users_company", False), ("idx_users_email", True), ("users_pkey", True)]
    with db.connect() as conn:
        again = conn.execute(UPSERT, [COMPANY, "ANNE.DURAND@delorme-batiment.fr", "Anne D."]).fetchone()
    assert str(again[0]) == ADMIN and again[2] == "Anne D."


def test_addresses_that_differ_only_by_case_stop_the_install_named_and_nothing_changes(db):
    # A users table of the application's own, compatible with the package's, that never made
    # its addresses unique whatever their case.
    db.psql(f"""
        CREATE TABLE public.companies (id uuid PRIMARY KEY, name text NOT NULL);
        CREATE TABLE public.users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), company_id uuid NOT NULL,
                                   email text NOT NULL, full_name text NOT NULL);
        INSERT INTO public.companies VALUES ('{COMPANY}', 'Delorme Bâtiment');
        INSERT INTO public.users (company_id, email, full_name) VALUES
          ('{COMPANY}', 'anne@delorme-batiment.fr', 'Anne'), ('{COMPANY}', 'Anne@Delorme-Batiment.fr', 'Anne bis');
    """)
    dump = db.dump()

    proc = db.install(check=False)

    assert proc.returncode != 0
    assert "several users share an address written in different cases" in proc.stderr, proc.stderr
    assert "anne@delorme-batiment.fr (Anne@Delorme-Batiment.fr, anne@delorme-batiment.fr)" in proc.stderr
    assert "HINT:  Nothing was changed. Merge or delete the users named above" in proc.stderr
    assert db.dump() == dump
    assert installed_version(db) is None


# ------------------------------------------------------------------------------ password hashes

PASSWORD = "Grue à tour 2025!".encode()


def ab64(raw):
    """passlib's adapted base64: no padding, '.' for '+'."""
    return base64.b64encode(raw).decode().rstrip("=").replace("+", ".")


def b64(raw, pad=True):
    text = base64.b64encode(raw).decode()
    return text if pad else text.rstrip("=")


def made_hashes():
    """{library: hash}, each made here with hashlib as that library formats it."""
    salt = "QkO8Lr2fXw9vYp3sTz6dN1"                     # Django's salts: 22 letters and digits
    raw_salt = os.urandom(16)
    out = {
        "Django pbkdf2_sha256": "pbkdf2_sha256$870000${}${}".format(
            salt, b64(hashlib.pbkdf2_hmac("sha256", PASSWORD, salt.encode(), 870000))),
        "Django pbkdf2_sha1": "pbkdf2_sha1$870000${}${}".format(
            salt, b64(hashlib.pbkdf2_hmac("sha1", PASSWORD, salt.encode(), 870000))),
        "Django scrypt": "scrypt$16384${}$8$1${}".format(
            salt, b64(hashlib.scrypt(PASSWORD, salt=salt.encode(), n=16384, r=8, p=1, dklen=64))),
        "passlib pbkdf2_sha256": "$pbkdf2-sha256$29000${}${}".format(
            ab64(raw_salt), ab64(hashlib.pbkdf2_hmac("sha256", PASSWORD, raw_salt, 29000))),
        "passlib pbkdf2_sha512": "$pbkdf2-sha512$25000${}${}".format(
            ab64(raw_salt), ab64(hashlib.pbkdf2_hmac("sha512", PASSWORD, raw_salt, 25000))),
        "passlib pbkdf2 (sha1)": "$pbkdf2$131000${}${}".format(
            ab64(raw_salt), ab64(hashlib.pbkdf2_hmac("sha1", PASSWORD, raw_salt, 131000))),
        "PHC pbkdf2 (node @phc/pbkdf2)": "$pbkdf2-sha512$i=25000,l=64${}${}".format(
            b64(raw_salt, pad=False), b64(hashlib.pbkdf2_hmac("sha512", PASSWORD, raw_salt, 25000), pad=False)),
        "passlib scrypt": "$scrypt$ln=14,r=8,p=1${}${}".format(
            b64(raw_salt, pad=False), b64(hashlib.scrypt(PASSWORD, salt=raw_salt, n=2 ** 14, r=8, p=1, dklen=32),
                                          pad=False)),
        "werkzeug scrypt": "scrypt:32768:8:1${}${}".format(
            "aQ3xZ9kLm2Pq7Rt1", hashlib.scrypt(PASSWORD, salt=b"aQ3xZ9kLm2Pq7Rt1", n=32768, r=8, p=1,
                                               maxmem=132 * 1024 * 1024, dklen=64).hex()),
        "werkzeug pbkdf2": "pbkdf2:sha256:600000${}${}".format(
            "aQ3xZ9kLm2Pq7Rt1", hashlib.pbkdf2_hmac("sha256", PASSWORD, b"aQ3xZ9kLm2Pq7Rt1", 600000).hex()),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt  # noqa: PLC0415 - removed in Python 3.13; the fixed strings below cover it then
        except ImportError:
            crypt = None
    if crypt is not None and getattr(crypt, "METHOD_SHA512", None) in crypt.methods:
        out["sha512-crypt (crypt module)"] = crypt.crypt(PASSWORD.decode(), crypt.mksalt(crypt.METHOD_SHA512))
        out["sha512-crypt rounds (crypt module)"] = crypt.crypt(PASSWORD.decode(),
                                                                crypt.mksalt(crypt.METHOD_SHA512, rounds=10000))
        out["sha256-crypt (crypt module)"] = crypt.crypt(PASSWORD.decode(), crypt.mksalt(crypt.METHOD_SHA256))
    return out


# Known-good hashes, as their libraries wrote them: bcrypt and argon2, which hashlib cannot make
# (each bcrypt one checked against its password with the system's crypt(3)), and a sha512-crypt
# one for a Python without the crypt module.
BCRYPT = "$2b$12$u8oBkzDg/vdB0X/ht79EIOh5byHgdCRQLFOkVSGxoGAGPju8iB2Dm"     # 'demo-memtech' (seed/dev_seed.sql)
ARGON2ID = "$argon2id$v=19$m=65536,t=3,p=4$MIIRqgvgQbgj220jfp0MPA$YfwJSVjtjSU0zzV/P3S9nnQ/USre2wvJMjfCIjrTQbg"
FIXED_HASHES = {
    "bcrypt $2b$ (Python bcrypt, node bcrypt)": BCRYPT,
    "bcrypt $2a$ (Go x/crypto/bcrypt, bcryptjs)": "$2a$10$W8kq3Lr1Zt9Xc0Vb7Nm2PegfqgWOVAbNt/7DmosCLKWMOROJcIV7S",
    "bcrypt $2y$ (PHP's example, passlib)": "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a",
    "Django bcrypt_sha256": "bcrypt_sha256$" + BCRYPT,      # Django writes its algorithm, '$', then bcrypt's text
    "Django bcrypt": "bcrypt$" + BCRYPT,
    "passlib bcrypt_sha256 (its documentation's example)":
        "$bcrypt-sha256$v=2,t=2b,r=12$n79VH.0Q2TMWmt3Oqt9uku$Kq4Noyk3094Y2QlB8NdRT8SvGiI4ft2",
    "argon2id PHC (argon2-cffi, node argon2, Go argon2id)": ARGON2ID,
    "argon2i PHC (passlib's documentation's example)":
        "$argon2i$v=19$m=512,t=2,p=2$aI2R0hpDyLm3ltLa+1/rvQ$LqPKjd6n8yniKtAithoR7A",
    "Django argon2": "argon2" + ARGON2ID,                   # Django: 'argon2', then argon2-cffi's text
    "sha512-crypt": "$6$rounds=656000$CjPRvzbu4VQCdD7k$vNoQ422OfW8z56RpaiqZtexVrn8k6MU6oZGzezY0E8vyb9W.t5YbhH/"
                    "p9w/eVlCHdblASNPvZLMpBcJaONJbP.",
}

NOT_HASHES = {
    "a password": "hunter2",
    "a passphrase": "correct horse battery staple",
    "an empty string": "",
    "a bare sha256 digest": hashlib.sha256(PASSWORD).hexdigest(),
    "Django's unsalted md5": "unsalted_md5$" + hashlib.md5(PASSWORD).hexdigest(),
    "Django's md5": "md5$QkO8Lr2fXw9v$" + hashlib.md5(b"QkO8Lr2fXw9v" + PASSWORD).hexdigest(),
    "a truncated bcrypt hash": "$2b$12$eoD.LSYJkcmC0yt0lTqpXerqANo7Qam.Yy7Wi1a9Nju03UbFrs8j",
    "a pbkdf2 hash without its digest": "pbkdf2_sha256$870000$QkO8Lr2fXw9vYp3sTz6dN1$",
    "a werkzeug hash cut short": "pbkdf2:sha256:600000$aQ3xZ9kLm2Pq7Rt1$0a1b2c",
    "an argon2 prefix and a password": "$argon2id$hunter2",
    "a hash with a space": "$6$salt$ " + "a" * 85,
}


def set_hash(conn, value):
    conn.execute("UPDATE public.users SET password_hash = %s WHERE id = %s", [value, ADMIN])


def test_the_hash_formats_of_mainstream_libraries_are_accepted(db):
    db.install()
    company_with_admin(db)
    hashes = {**made_hashes(), **FIXED_HASHES}
    assert len(hashes) >= 20

    refused = {}
    with db.connect() as conn:
        for library, value in hashes.items():
            try:
                set_hash(conn, value)
            except psycopg.errors.CheckViolation:
                refused[library] = value
        # A backend that creates users with their hash, as the owner.
        conn.execute("INSERT INTO public.users (company_id, email, full_name, password_hash) "
                     "VALUES (%s, 'nouveau@delorme-batiment.fr', 'Nouveau', %s)",
                     [COMPANY, hashes["Django pbkdf2_sha256"]])
    assert refused == {}, f"refused: {refused}"


def test_what_is_plainly_not_a_hash_is_refused(db):
    db.install()
    company_with_admin(db)

    accepted = {}
    with db.connect() as conn:
        for what, value in NOT_HASHES.items():
            try:
                with conn.transaction():
                    set_hash(conn, value)
                accepted[what] = value
            except psycopg.errors.CheckViolation as e:
                assert "users_password_hash_is_a_hash" in str(e)
    assert accepted == {}, f"accepted: {accepted}"


def test_the_column_comment_lists_the_accepted_formats(db):
    db.install()
    comment = scalar(db, "SELECT col_description('public.users'::regclass, "
                         "(SELECT attnum FROM pg_attribute WHERE attrelid = 'public.users'::regclass "
                         "AND attname = 'password_hash'))")
    for fmt in ("$2b$", "$argon2id$", "argon2$argon2id$", "bcrypt_sha256$", "pbkdf2_sha256$", "$pbkdf2-sha256$",
                "$scrypt$", "scrypt$", "scrypt:", "pbkdf2:sha256", "$6$"):
        assert fmt in comment, f"the comment of users.password_hash does not name {fmt}"


def test_an_upgrade_from_0_3_0_replaces_the_hash_check_and_keeps_the_hashes_there(db):
    load_v0(db)
    db.load_fixture("memtech_0.3.0_install")
    db.psql(f"""
        INSERT INTO public.companies (id, name) VALUES ('{COMPANY}', 'Delorme Bâtiment');
        INSERT INTO public.users (id, company_id, email, full_name, role, password_hash) VALUES
          ('{ADMIN}', '{COMPANY}', 'anne@delorme-batiment.fr', 'Anne', 'admin', '{FIXED_HASHES["bcrypt $2a$ (Go x/crypto/bcrypt, bcryptjs)"]}');
    """)
    with db.connect() as conn, pytest.raises(psycopg.errors.CheckViolation):
        set_hash(conn, made_hashes()["Django pbkdf2_sha256"])      # 0.3.0 refuses Django's default

    proc = db.install()

    assert "memtech: replacing constraint users_password_hash_is_a_hash on public.users with this version's " \
           "definition (validated against the rows there)" in notices(proc.stderr)
    assert scalar(db, "SELECT convalidated FROM pg_constraint WHERE conname = 'users_password_hash_is_a_hash'") is True
    assert scalar(db, "SELECT password_hash FROM public.users WHERE id = %s", [ADMIN]) == \
        FIXED_HASHES["bcrypt $2a$ (Go x/crypto/bcrypt, bcryptjs)"]
    with db.connect() as conn:
        set_hash(conn, made_hashes()["Django pbkdf2_sha256"])
    again = db.install()
    assert not any("replacing constraint" in n for n in notices(again.stderr))
