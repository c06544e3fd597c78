"""`make demo`'s guided tour shows what it says on the v0 sample, the package and the seed."""
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_the_tour_shows_isolation_a_refused_write_and_an_audited_version_bump(db):
    db.load_fixture("v0_schema")
    db.load_fixture("v0_data")
    db.install()
    db.psql(ROOT / "seed" / "dev_seed.sql")
    out = db.psql(ROOT / "demo" / "tour.sql")
    text = out.stdout + out.stderr
    first, second = text.split("The same query by Yann Kerbrat")[0], text.split("The same query by Yann Kerbrat")[1]
    # 1. two companies, different rows
    assert "Nadia Rahmani" in first and "Nadia Rahmani" not in second.split("== 2.")[0]
    assert "Antoine Durand" in second.split("== 2.")[0] and "Antoine Durand" not in first
    # 2. the viewer's write is refused
    assert 'new row violates row-level security policy for table "content_blocks"' in text
    # 3. the version moves by one and the admin reads who, from where, what
    assert "version_before" in text and "version_after" in text
    assert "Jean-Marc Perrin | 203.0.113.7 | Mozilla/5.0 (démo) | update | content, version" in text
    with db.connect() as conn:
        assert conn.execute("SELECT version FROM content_blocks WHERE id = '5eed0003-0001-4000-8000-000000000001'"
                            ).fetchone()[0] == 2
