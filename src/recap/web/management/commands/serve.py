from __future__ import annotations

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


class Command(BaseCommand):
    help = "Serve ReCAP with gunicorn (static files through WhiteNoise) and the background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError(
                "The database is not up to date: run `recap migrate` (or `recap demo`)."
            )
        if not 1 <= options["port"] <= 65535:
            raise CommandError("--port must be between 1 and 65535.")
        from recap.planning.services import interrupted_work_fail

        if stale := interrupted_work_fail():
            self.stdout.write(
                f"{stale} computation(s) left unfinished by a stopped worker: failed."
            )
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable))
        if gunicorn is None:
            raise CommandError("gunicorn is not installed in this environment: run `make install`.")
        bind = f"{options['host']}:{options['port']}"
        recap = os.path.join(os.path.dirname(sys.executable), "recap")
        web = [
            gunicorn,
            "recap.wsgi",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "5",
        ]
        worker = [recap, "db_worker", "--queue-name", "default"]
        self.stdout.write(
            f"ReCAP is serving on http://{bind}/ with a background worker (Ctrl+C to stop)"
        )
        self.stdout.flush()
        processes = [subprocess.Popen(cmd) for cmd in (web, worker)]  # noqa: S603 - our own programs

        def stop(*_: object) -> None:
            for proc in processes:
                if proc.poll() is None:
                    proc.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            # When either stops, stop the other: the site never runs without its worker.
            while all(proc.poll() is None for proc in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for proc in processes:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    # A worker still busy after 15 s is stopped hard: its unfinished run is
                    # then marked failed at the next start, and can be started again.
                    proc.kill()
                    proc.wait()
