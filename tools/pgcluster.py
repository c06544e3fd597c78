#!/usr/bin/env python3
"""Manage a local PostgreSQL cluster for development and tests (standard library only).

    python3 tools/pgcluster.py ensure DIR [--port P]   init if missing, start if stopped; prints PGHOST=... lines
    python3 tools/pgcluster.py stop DIR                stop it (fast mode)
    python3 tools/pgcluster.py env DIR                 print `export PGHOST=...` lines for the shell
    python3 tools/pgcluster.py status DIR              say whether it runs, and where
    python3 tools/pgcluster.py remove DIR              stop it and delete its data

The cluster trusts every local connection (user postgres, no password) and listens on a unix
socket plus 127.0.0.1.  PostgreSQL refuses to run as root: when called as root, initdb,
pg_ctl and the server run as the `postgres` OS user, which then owns the data directory.
When that user cannot reach DIR (a checkout under /root, mode 0700), `ensure` puts the cluster
under its home folder instead and makes DIR a symbolic link to it; every command follows it.

From Python, `with throwaway() as cluster:` gives a started scratch cluster under /tmp
(fsync off) that is stopped and deleted afterwards.

The server programs come from $PG_BINDIR, else /usr/lib/postgresql/15/bin: `make test-all`
points it at each major in turn (tools/fetch_pg.py).
"""
import argparse
import contextlib
import hashlib
import os
import pathlib
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile

DEFAULT_BINDIR = "/usr/lib/postgresql/15/bin"
DEFAULT_PORT = 54329
SUPERUSER = "postgres"
SERVER_USER = "postgres"   # OS user the server runs as when we are root
SOCKET_PATH_MAX = 107      # sizeof(sockaddr_un.sun_path) - 1 on Linux


class ClusterError(RuntimeError):
    pass


def _is_root():
    return os.geteuid() == 0


def _server_user():
    """The passwd entry of the postgres OS user (only needed when running as root)."""
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise ClusterError(f"running as root, but there is no `{SERVER_USER}` OS user to run PostgreSQL as: "
                           "install the postgresql-15 package (tools/bootstrap.sh) or run as a normal user")


def _chown_to_server(path):
    if _is_root():
        user = _server_user()
        os.chown(path, user.pw_uid, user.pw_gid)


def _conninfo_value(value):
    """Quote a value for a libpq key=value connection string."""
    value = str(value)
    if value and not any(c in value for c in " '\\"):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def relocated_datadir(datadir):
    """Where the data directory DIR goes when the server's OS user cannot reach DIR's folder: a
    folder of its own under that user's home, named after DIR, so that the same DIR always
    finds the same cluster."""
    requested = pathlib.Path(datadir).absolute()
    digest = hashlib.sha1(str(requested).encode()).hexdigest()[:12]
    return pathlib.Path(_server_user().pw_dir) / "memtech" / f"{requested.parent.name}-{digest}"


def place_datadir(datadir):
    """The data directory to use for DIR: DIR itself, or, as root when the server's OS user
    cannot reach DIR's folder, a reachable one that DIR then links to (said in one line)."""
    requested = pathlib.Path(datadir).absolute()
    if not _is_root() or requested.is_symlink() or requested.exists():
        return requested
    existing = next(p for p in requested.parents if p.exists())
    if _reachable_by_server(existing):
        return requested
    target = relocated_datadir(requested)
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in [target, *target.parents]:
        if folder == pathlib.Path(_server_user().pw_dir):
            break
        _chown_to_server(folder)
    requested.parent.mkdir(parents=True, exist_ok=True)
    requested.symlink_to(target, target_is_directory=True)
    print(f"pgcluster: the `{SERVER_USER}` OS user cannot reach {existing}, so the cluster lives in {target} "
          f"({requested} links to it)", file=sys.stderr)
    return requested


def _reachable_by_server(path):
    """Whether the server's OS user can traverse path and its parents (root only)."""
    return subprocess.run(["runuser", "-u", SERVER_USER, "--", "test", "-x", str(path)], cwd="/").returncode == 0


class Cluster:
    """One PostgreSQL cluster: a data directory, a port and a unix socket directory.

    port may be None for a cluster that is already running (it is read from postmaster.pid).
    socket_dir defaults to the data directory itself, or to a short per-datadir directory
    under /tmp when the socket path would exceed the 107-byte unix socket limit.
    """

    def __init__(self, datadir, port=None, bindir=None, socket_dir=None):
        # A link made by place_datadir() is followed: the server is given the real folder.
        self.datadir = pathlib.Path(datadir).resolve()
        self.bindir = pathlib.Path(bindir or os.environ.get("PG_BINDIR") or DEFAULT_BINDIR)
        pid = self._pidfile()
        self.port = int(port) if port else (int(pid[3]) if pid else None)
        if socket_dir:
            self.socket_dir = pathlib.Path(socket_dir)
        elif pid and pid[4].strip():
            self.socket_dir = pathlib.Path(pid[4])
        else:
            self.socket_dir = self._default_socket_dir()
        self.logfile = self.datadir / "server.log"

    # -- helpers ------------------------------------------------------------------------

    def _default_socket_dir(self):
        name = f".s.PGSQL.{self.port or 65535}"
        if len(os.fsencode(str(self.datadir / name))) <= SOCKET_PATH_MAX:
            return self.datadir
        digest = hashlib.sha1(str(self.datadir).encode()).hexdigest()[:12]
        return pathlib.Path(tempfile.gettempdir()) / f"pgsock-{digest}"

    def _pidfile(self):
        """Lines of postmaster.pid (port is [3], socket dir [4]) or None when absent."""
        try:
            lines = (self.datadir / "postmaster.pid").read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None
        return lines if len(lines) >= 5 else None

    def _bin(self, name):
        path = self.bindir / name
        if not path.exists():
            raise ClusterError(f"{path} not found: install PostgreSQL 15 (tools/bootstrap.sh) "
                               "or point PG_BINDIR at the folder holding initdb and pg_ctl "
                               "(tools/fetch_pg.py MAJOR prints one for PostgreSQL 14 to 18)")
        return str(path)

    def _run(self, args, check=True, **kw):
        """Run a server-side program, as the postgres OS user when we are root."""
        if _is_root():
            _server_user()
            args = ["runuser", "-u", SERVER_USER, "--"] + args
            # runuser keeps our cwd; the postgres user may not be allowed into it (e.g. /root),
            # which makes initdb/pg_ctl warn or fail, so run from /.
            kw.setdefault("cwd", "/")
        # Captured, so that `ensure` prints only its env lines; shown in full on failure.
        proc = subprocess.run(args, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
        if check and proc.returncode != 0:
            raise ClusterError(f"`{shlex.join(args)}` failed with exit code {proc.returncode}:\n"
                               + proc.stdout.strip() + self._log_tail())
        return proc

    def _log_tail(self, lines=20):
        try:
            text = self.logfile.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return f"\n--- last lines of {self.logfile} ---\n" + "\n".join(text)

    def _check_reachable(self, path):
        """As root, make sure the postgres OS user can traverse path and all its parents."""
        if not _is_root():
            return
        if not _reachable_by_server(path):
            raise ClusterError(
                f"the `{SERVER_USER}` OS user cannot reach {path} (needed for {self.datadir}): "
                f"it or one of its parent folders is not "
                f"traversable by others (e.g. /root is mode 0700). PostgreSQL refuses to run as root, so "
                f"it runs as `{SERVER_USER}`: put the data directory elsewhere (e.g. under /tmp or /srv) "
                f"or run `chmod o+x` on the blocking parent folder")

    # -- lifecycle ------------------------------------------------------------------------

    def initialized(self):
        return (self.datadir / "PG_VERSION").exists()

    def init(self, sync=True):
        """initdb with trust auth, UTF8 and the C.UTF-8 locale (C where that locale is missing)."""
        if self.initialized():
            return
        existing = next(p for p in self.datadir.parents if p.exists())
        self._check_reachable(existing)  # before creating anything the server could not use
        self.datadir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _chown_to_server(self.datadir)
        args = [self._bin("initdb"), "-D", str(self.datadir), "-U", SUPERUSER, "--auth=trust",
                "-E", "UTF8", "--locale=" + _pick_locale()]
        if not sync:
            args.append("--no-sync")
        self._run(args)

    def running(self):
        if not self.initialized():
            return False
        # pg_ctl status: 0 running, 3 not running, 4 no usable data directory
        return self._run([self._bin("pg_ctl"), "-D", str(self.datadir), "status"],
                         check=False).returncode == 0

    def start(self, fsync=True):
        """Start the server (no-op when running). fsync=False is only for throwaway clusters."""
        if self.running():
            return
        if not self.initialized():
            raise ClusterError(f"{self.datadir} holds no cluster: call init() first "
                               f"(CLI: python3 tools/pgcluster.py ensure {self.datadir})")
        if not self.port:
            raise ClusterError(f"no port given to start the cluster in {self.datadir}")
        self.socket_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.socket_dir != self.datadir:
            _chown_to_server(self.socket_dir)
        self._check_reachable(self.socket_dir)
        opts = ["-p", str(self.port), "-k", str(self.socket_dir), "-c", "listen_addresses=127.0.0.1"]
        if not fsync:
            # Durability is worthless for a cluster deleted after the run; this speeds DDL up a lot.
            opts += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
            # JIT compiles an expensive query's expressions (hundreds of milliseconds) so that a
            # long run pays less; the suite runs each query once or a few times, so it only slows
            # it down: test_audit.py took 221 s with it, 73 s without, on Debian's PostgreSQL 15
            # (the only server of the matrix built with LLVM).
            opts += ["-c", "jit=off"]
        # pg_ctl hands -o to /bin/sh, hence the shell quoting.
        self._run([self._bin("pg_ctl"), "-D", str(self.datadir), "-l", str(self.logfile), "-w", "-t", "60",
                   "-o", shlex.join(opts), "start"])

    def stop(self):
        if self.running():
            self._run([self._bin("pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop"])

    # -- connecting -----------------------------------------------------------------------

    def env(self):
        """libpq environment variables that point at this cluster's postgres database."""
        return {"PGHOST": str(self.socket_dir), "PGPORT": str(self.port),
                "PGUSER": SUPERUSER, "PGDATABASE": "postgres"}

    def dsn(self, dbname="postgres"):
        """A libpq/psycopg connection string for dbname on this cluster."""
        return " ".join(f"{k}={_conninfo_value(v)}" for k, v in
                        (("host", self.socket_dir), ("port", self.port), ("user", SUPERUSER), ("dbname", dbname)))


def _pick_locale():
    """C.UTF-8 when the C library has it (glibc >= 2.35 always does), else plain C."""
    import locale
    old = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
        return "C.UTF-8"
    except locale.Error:
        return "C"
    finally:
        locale.setlocale(locale.LC_CTYPE, old)


@contextlib.contextmanager
def throwaway(**kw):
    """A started scratch cluster in a fresh folder under /tmp on a free port, removed afterwards.

    Keyword arguments go to Cluster (e.g. bindir=...).
    """
    base = pathlib.Path(tempfile.mkdtemp(prefix="pgtmp-", dir="/tmp"))  # short: socket path limit
    try:
        _chown_to_server(base)  # mkdtemp makes it 0700: the server user must own it to get in
        cluster = Cluster(base / "data", port=kw.pop("port", None) or free_port(), socket_dir=base, **kw)
        cluster.init(sync=False)
        cluster.start(fsync=False)
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _main(argv=None):
    parser = argparse.ArgumentParser(prog="pgcluster.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ensure = sub.add_parser("ensure", help="init if missing, start if stopped, print PGHOST=... lines")
    ensure.add_argument("datadir")
    ensure.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    for name, text in (("stop", "stop the cluster"), ("env", "print export lines for the shell"),
                       ("status", "say whether the cluster runs"), ("remove", "stop the cluster and delete its data")):
        sub.add_parser(name, help=text).add_argument("datadir")
    args = parser.parse_args(argv)

    if args.command == "ensure":
        args.datadir = place_datadir(args.datadir)
        cluster = Cluster(args.datadir)  # reads port and socket from postmaster.pid if running
        if cluster.running():
            if cluster.port != args.port:
                print(f"pgcluster: note: {cluster.datadir} already runs on port {cluster.port}, "
                      f"not {args.port}", file=sys.stderr)
        else:
            cluster = Cluster(args.datadir, port=args.port)
            cluster.init()
            cluster.start()
        for key, value in cluster.env().items():
            print(f"{key}={shlex.quote(value)}")
        return 0

    cluster = Cluster(args.datadir)
    if args.command == "stop":
        cluster.stop()
        return 0
    if args.command == "remove":
        if cluster.initialized():
            cluster.stop()
        shutil.rmtree(cluster.datadir, ignore_errors=True)
        link = pathlib.Path(args.datadir)
        if link.is_symlink():
            link.unlink()
        return 0
    running = cluster.running()
    if args.command == "status":
        if running:
            print(f"running: {cluster.datadir} on port {cluster.port}, socket in {cluster.socket_dir}")
        else:
            print(f"stopped: {cluster.datadir}" + ("" if cluster.initialized() else " (no cluster there)"))
        return 0 if running else 3
    if not running:
        print(f"pgcluster: the cluster in {cluster.datadir} is not running: "
              f"start it with `python3 tools/pgcluster.py ensure {args.datadir}`", file=sys.stderr)
        return 1
    for key, value in cluster.env().items():
        print(f"export {key}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(_main())
    except ClusterError as exc:
        sys.exit(f"pgcluster: {exc}")
