"""Real processes for the tests that start them: the `recap` command, its workers and its server,
each on an installation of its own (test_backup.py, test_workers.py).

An installation is what a deployment has: a directory (`RECAP_VAR_DIR`: the SQLite file, the
uploaded files, the secret key) and a database, read and written only through `recap`
commands, as an operator would, with the development settings. On SQLite its database is a file
in its directory; when the suite runs on PostgreSQL (`DATABASE_URL`), it is a fresh database
made on the same server for it and dropped after it. The suite's own database is only where
those are made and dropped from, and where a test cuts connections from outside.

Every wait goes by `patience()` (recap.testing_time): a bound stretched on a busy machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import psutil

from recap.testing_time import patience

__all__ = [
    "ON_POSTGRES",
    "RECAP",
    "Installation",
    "descendants",
    "free_port",
    "fresh_databases",
    "http_ok",
    "patience",
    "server_admin",
    "stop_tree",
    "wait_for",
]

T = TypeVar("T")

#: The `recap` command of the Python running the tests.
RECAP = str(Path(sys.executable).parent / "recap")
#: The PostgreSQL server the suite runs on (its `DATABASE_URL`), or "" on SQLite.
SERVER = (
    os.environ.get("DATABASE_URL", "")
    if os.environ.get("DATABASE_URL", "").startswith("postgres")
    else ""
)
ON_POSTGRES = bool(SERVER)
#: The longest one `recap` command may take before the test gives up on it.
COMMAND_TIMEOUT = 600
#: How much of a process's error output a failure message quotes.
TAIL = 3000


class Installation:
    """One installation, read and written through `recap` commands only. The processes it
    starts in the background are stopped, with every process they started, on `stop_all()`
    (or on leaving it as a context manager)."""

    def __init__(self, root: Path, database_url: str = "") -> None:
        self.root = root
        self.env = {
            k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "RECAP_VAR_DIR"}
        } | {"RECAP_VAR_DIR": str(root), "DJANGO_SETTINGS_MODULE": "recap.settings.dev"}
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.started: list[subprocess.Popen[bytes]] = []
        self._logs: dict[subprocess.Popen[bytes], Path] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_all()

    @property
    def database(self) -> str:
        """The name of its PostgreSQL database ("" on SQLite)."""
        url = self.env.get("DATABASE_URL", "")
        return url.rsplit("/", 1)[1] if url else ""

    def run(
        self, *args: str, check: bool = True, timeout: float = COMMAND_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        """`recap *args` to its end; unless `check` is false, it must succeed."""
        done = subprocess.run(
            [RECAP, *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
        if check:
            assert done.returncode == 0, done.stderr[-TAIL:]
        return done

    def shell(self, code: str) -> Any:
        """What `code`, run by `recap shell`, prints as JSON on its last line."""
        return json.loads(self.run("shell", "-c", code).stdout.strip().splitlines()[-1])

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """`recap *args` in the background: its output is dropped, its errors kept in a file
        beside the installation (`errors()` reads them)."""
        logs = self.root.with_name(f"{self.root.name}-logs")
        logs.mkdir(parents=True, exist_ok=True)
        log = logs / f"{len(self._logs) + 1}-{args[0]}.txt"
        with log.open("wb") as errors:
            proc = subprocess.Popen(
                [RECAP, *args], env=self.env, stdout=subprocess.DEVNULL, stderr=errors
            )
        self.started.append(proc)
        self._logs[proc] = log
        return proc

    def errors(self, proc: subprocess.Popen[bytes], tail: int = TAIL) -> str:
        """The end of what a process it started wrote to its error output."""
        return self._logs[proc].read_text(errors="replace")[-tail:]

    def errors_of_all(self, tail: int = 800) -> str:
        """The end of the error output of each process it started that wrote any, to say in a
        failure message what its workers were saying."""
        return "\n".join(
            f"[{self._logs[proc].stem}, exit {proc.poll()}] {text}"
            for proc in self.started
            if (text := self.errors(proc, tail).strip())
        )

    def stop_all(self) -> None:
        for proc in self.started:
            stop_tree(proc)
        self.started.clear()


def descendants(pid: int) -> list[psutil.Process]:
    """Every process under `pid` (none once it is gone)."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def stop_tree(proc: subprocess.Popen[bytes]) -> None:
    """Kills a process still running and every process under it, at once, and reaps it."""
    if proc.poll() is None:
        for child in descendants(proc.pid):
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        proc.kill()
        proc.wait()


def wait_for(
    what: Callable[[], T],
    timeout: float,
    message: str | Callable[[], str],
    *,
    interval: float = 0.2,
) -> T:
    """What `what()` answers once it answers something true, asked every `interval` seconds;
    the test fails with `message` if it has not within `patience(timeout)` seconds."""
    deadline = time.monotonic() + patience(timeout)
    while not (found := what()):
        assert time.monotonic() < deadline, message() if callable(message) else message
        time.sleep(interval)
    return found


@contextlib.contextmanager
def server_admin() -> Iterator[Any]:
    """An autocommit connection to the suite's own PostgreSQL database, to make and drop
    databases and to act on a server's sessions from outside."""
    import psycopg

    assert ON_POSTGRES, "a database server is needed: the suite runs on SQLite"
    with psycopg.connect(SERVER, autocommit=True) as admin:
        yield admin


@contextlib.contextmanager
def fresh_databases(prefix: str) -> Iterator[Callable[[], str]]:
    """`new()` gives an installation's database: on PostgreSQL, the URL of a database made for
    it on the suite's server (named `prefix_…`, dropped at the end); on SQLite, "" (its own
    file)."""
    made: list[str] = []

    def new() -> str:
        if not ON_POSTGRES:
            return ""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with server_admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return SERVER.rsplit("/", 1)[0] + "/" + name

    try:
        yield new
    finally:
        if made:
            with server_admin() as admin:
                for name in made:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_ok(port: int) -> bool:
    """Whether a server on `port` answers its home page with a 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False
