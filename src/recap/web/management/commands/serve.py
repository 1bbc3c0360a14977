"""`recap serve`: the web server and the background workers, started and stopped together.

The web server is gunicorn (static files through WhiteNoise); each worker is `recap worker`.
With two or more workers, the first takes only short work, so short work never waits behind
another city's long run; the others take both. Each child runs in a process group of its own
and dies with this process (Linux's parent-death signal), so nothing outlives `recap serve`,
however it ends. On Ctrl+C or SIGTERM the workers put what they were computing back in the
queue and stop; a child still busy after `STOP_SECONDS` is killed with everything it started.
For separate hosts, `--workers 0` serves the web only and `--web-workers 0` only works.
A child that stops on its own (killed, crashed) is started again with a growing pause
(`Supervisor`): the site outlives its workers. Links in e-mails use `RECAP_SITE_URL`, by default
the address served here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from recap.core.work import work_sweep
from recap.engine.parallel import die_with_parent

STOP_SECONDS = 15


def _child_setup() -> None:
    """In each child, before it runs: die with `recap serve` (SIGTERM: stop cleanly)."""
    die_with_parent(signal.SIGTERM)


def worker_queues(index: int, count: int) -> str:
    """Worker 0 of several keeps to short work; the others, or a lone worker, take all."""
    return "short,default" if count > 1 and index == 0 else "short,long,default"


class Command(BaseCommand):
    help = "Serve ReCAP: the web server (gunicorn) and its background workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Background workers for the engine's work (0: none on this host; default "
            "$RECAP_WORKERS or 2).",
        )
        parser.add_argument(
            "--web-workers",
            type=int,
            default=None,
            help="Web server processes (0: no web server on this host; default "
            "$RECAP_WEB_WORKERS or 2).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["port"] <= 65535:
            raise CommandError("--port must be between 1 and 65535.")
        workers = _count(options["workers"], "RECAP_WORKERS")
        web = _count(options["web_workers"], "RECAP_WEB_WORKERS")
        if not (0 <= workers <= 64 and 0 <= web <= 64) or workers + web == 0:
            raise CommandError(
                "--workers and --web-workers take 0 to 64, and at least one of them more than 0."
            )
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError(
                "The database is not up to date: run `recap migrate` (or `recap demo`)."
            )
        if stale := work_sweep():
            self.stdout.write(
                f"{stale} computation(s) left unfinished by a stopped worker: marked interrupted."
            )
        connection.close()  # the children open their own
        commands = []
        bind = f"{options['host']}:{options['port']}"
        if web:
            gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable))
            if gunicorn is None:
                raise CommandError("gunicorn is not installed here: run `make install`.")
            commands.append(
                [
                    gunicorn,
                    "recap.wsgi",
                    "--bind",
                    bind,
                    "--workers",
                    str(web),
                    "--access-logfile",
                    "-",
                    "--graceful-timeout",
                    "5",
                ]
            )
        recap = os.path.join(os.path.dirname(sys.executable), "recap")
        commands += [
            [recap, "worker", "--queues", worker_queues(k, workers)] for k in range(workers)
        ]
        what = [f"the web on http://{bind}/"] if web else []
        if workers:
            what.append(f"{workers} background worker{'s' if workers > 1 else ''}")
        self.stdout.write(f"ReCAP is serving {' and '.join(what)} (Ctrl+C to stop)")
        self.stdout.flush()
        env = os.environ.copy()
        # Links in e-mails name the address this site is served on, unless one is set.
        env.setdefault("RECAP_SITE_URL", f"http://{_reachable(options['host'])}:{options['port']}")
        supervisor = Supervisor(commands, env, self.stdout)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            supervisor.run()
        except KeyboardInterrupt:
            pass
        finally:
            _stop(supervisor.processes)


class Supervisor:
    """Keeps each child running: one that stops (killed, crashed, its database gone) is
    started again after a pause that doubles with each quick failure (1 s up to
    `MAX_BACKOFF`) and starts over once it has run `STEADY` seconds. The web server outlives
    its workers, and a worker outlives the web server."""

    def __init__(self, commands: list[list[str]], env: dict[str, str], out: Any) -> None:
        self.commands, self.env, self.out = commands, env, out
        self.processes = [self._start(cmd) for cmd in commands]
        self.started = [time.monotonic()] * len(commands)
        self.failures = [0] * len(commands)
        self.restart_at: list[float | None] = [None] * len(commands)

    def _start(self, cmd: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603 - our own programs
            cmd,
            env=self.env,
            start_new_session=True,  # a group of its own: its children go with it
            preexec_fn=_child_setup,  # noqa: PLW1509 - this process has no other threads
        )

    def step(self, now: float) -> None:
        for k, proc in enumerate(self.processes):
            if self.restart_at[k] is None and (code := proc.poll()) is not None:
                ran = now - self.started[k]
                self.failures[k] = 0 if ran >= STEADY else self.failures[k] + 1
                delay = min(2.0 ** max(self.failures[k] - 1, 0), MAX_BACKOFF)
                _signal_group(proc, signal.SIGKILL)  # whatever it left behind goes too
                self.out.write(
                    f"{_name(self.commands[k])} stopped (exit {code}); "
                    f"starting it again in {delay:g} s"
                )
                self.out.flush()
                self.restart_at[k] = now + delay
            elif (due := self.restart_at[k]) is not None and now >= due:
                self.processes[k] = self._start(self.commands[k])
                self.started[k], self.restart_at[k] = now, None

    def run(self) -> None:
        while True:
            self.step(time.monotonic())
            time.sleep(0.5)


#: A child that ran this long before it stopped is restarted at once (its failures forgotten).
STEADY = 60.0
MAX_BACKOFF = 60.0


def _name(cmd: list[str]) -> str:
    return "the web server" if "recap.wsgi" in cmd else f"worker ({cmd[-1]})"


def _reachable(host: str) -> str:
    """The host in a link to this server: a wildcard bind is reached on the loopback."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - read, not bound


def _count(given: int | None, variable: str) -> int:
    if given is not None:
        return given
    raw = os.environ.get(variable, "2").strip()
    if not raw.isdigit():
        raise CommandError(f"{variable} must be a whole number (it is {raw!r}).")
    return int(raw)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for proc in processes:
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for proc in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    for proc in processes:
        # Whatever is left of each group (a busy worker and its engine processes): killed.
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
