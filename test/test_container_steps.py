"""What the Docker image runs is what the suite runs: tools/prove.sh (the image's
/usr/share/memtech/prove.sh) passes against a server, and the Dockerfile uses the files the
suite builds and tests."""
import os
import pathlib
import subprocess

from conftest import client_env

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_prove_sh_runs_every_pgtap_file_and_passes(cluster, build_scripts):
    env = client_env(cluster, "postgres")
    env["PATH"] = f"{cluster.bindir}{os.pathsep}{env['PATH']}"
    proc = subprocess.run([str(ROOT / "tools" / "prove.sh")], env=env, capture_output=True, text=True, cwd="/")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Result: PASS" in proc.stdout
    for test_file in (ROOT / "test" / "pgtap").glob("*.sql"):
        assert test_file.name in proc.stdout


def test_the_dockerfile_installs_the_built_script_at_first_start_and_ships_the_tests():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "RUN python3 build.py" in dockerfile
    assert "/src/build/install.sql /docker-entrypoint-initdb.d/50-" in dockerfile
    # make install runs build/finish.sql after the install: the image too, in that order.
    assert "/src/build/finish.sql /docker-entrypoint-initdb.d/60-" in dockerfile
    assert "COPY tools/prove.sh /usr/share/memtech/prove.sh" in dockerfile
    assert "COPY test/pgtap /usr/share/memtech/test/pgtap" in dockerfile
