"""A throwaway PostgreSQL server for the store's tests: initdb into a temporary folder, start it on
127.0.0.1 and a free port, stop it and delete the folder at the end.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user that Debian's
``postgresql`` package creates (``.ci/run`` installs it). Any failure comes back as a reason to skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

START_TIMEOUT_SECONDS = 120  # a busy, shared 2-core machine can be slow to run initdb


def bin_dir() -> Path | None:
    """The folder of initdb and pg_ctl: the newest /usr/lib/postgresql/N/bin, or the PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running throwaway server; ``url`` names its test database."""

    folder: Path
    bindir: Path
    user: str | None
    port: int
    url: str

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return _run(self.user, [str(self.bindir / args[0]), *args[1:]])

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def _run(user: str | None, argv: list[str]) -> subprocess.CompletedProcess:
    if user:
        argv = ["runuser", "-u", user, "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=START_TIMEOUT_SECONDS, cwd="/")


def start() -> tuple[Server | None, str]:
    """Start a server with a fresh ``interviewer_test`` database; (server, "") or (None, why not)."""
    bindir = bin_dir()
    if bindir is None:
        return None, "no PostgreSQL server binaries (apt-get install postgresql; .ci/run does it)"
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None, "running as root and there is no 'postgres' user to run the server as"
        if not shutil.which("runuser"):
            return None, "running as root and runuser is missing"
        user = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="interviewer-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    data = folder / "data"
    try:
        init = _run(user, [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                           "-E", "UTF8", "--no-locale", "--no-sync"])
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip()[-500:]}")
        for _ in range(3):  # the free port may be taken between the check and the start
            port = free_port()
            options = (f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
            started = _run(user, [str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                                  "-l", str(folder / "server.log"), "-w", "-t", str(START_TIMEOUT_SECONDS), "start"])
            if started.returncode == 0:
                break
        else:
            log = (folder / "server.log").read_text(errors="replace")[-800:] if (folder / "server.log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()[-300:]} {log}")
        server = Server(folder, bindir, user, port, f"postgresql+psycopg2://postgres@127.0.0.1:{port}/interviewer_test")
        admin = sa.create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE interviewer_test"))
        admin.dispose()
        return server, ""
    except Exception as exc:  # any failure to start is a reason to skip, stated in full
        if (data / "postmaster.pid").exists():
            _run(user, [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)
        return None, f"could not start a throwaway PostgreSQL server: {exc}"


def fresh_database(url: str) -> str:
    """A new, empty database on the server of ``url`` (for migration tests); returns its URL."""
    name = f"interviewer_{uuid.uuid4().hex[:12]}"
    base = sa.engine.make_url(url)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a database made by :func:`fresh_database`."""
    base = sa.engine.make_url(url)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
    admin.dispose()
