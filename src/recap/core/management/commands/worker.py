"""`recap worker`: a background worker on the database queue, with a heartbeat and a stop that
does not wait for long work to finish.

It is django-tasks-db's worker with three additions: it registers itself and beats a heart
(core.work), so that work it held is failed by the sweep should it die; SIGTERM (or Ctrl+C)
asks the task it is running to stop within a second, which puts that work back in the queue;
and it sweeps once as it starts, and queues the weekly reminder digest if none is queued.
"""

from __future__ import annotations

import logging
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from recap.core import work

QUEUES = ("short", "long", "default")


log = logging.getLogger(__name__)
#: Seconds between attempts to reach a database that went away: doubling up to the last.
RECONNECT_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


class RecapWorker(Worker):
    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        work.context().stopping.set()  # the running task stops and goes back to the queue
        super().shutdown(signum, frame)

    def run_task(self, db_task_result: Any) -> None:
        try:
            super().run_task(db_task_result)
        except DatabaseError:
            # The connection died during the task, and then again while its failure was being
            # written on it: drop it, and let `run` release the work on a fresh one.
            work.connection_reset()
            raise

    def run(self) -> None:
        """django-tasks-db's loop, which survives its database going away (a restart, a
        failover, a killed backend): the connection is dropped, what this worker held is
        released on a fresh one (failed as interrupted, its task put back in the queue), and
        the loop goes on, trying again after 1, 2, 4 … 30 seconds while the database is away."""
        failures = 0
        while self.running:
            try:
                super().run()
                return
            except DatabaseError:
                work.connection_reset()
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                log.exception("worker %s lost its database; again in %s s", self.worker_id, delay)
                failures += 1
                if work.context().stopping.wait(delay):
                    return
                try:
                    released = work.work_release(self.worker_id)
                except DatabaseError:
                    work.connection_reset()
                    continue  # still away: wait longer
                failures = 0
                log.warning(
                    "worker %s is back; %s piece(s) of work released", self.worker_id, released
                )


class Command(BaseCommand):
    help = (
        "Run a background worker: the engine's runs and robustness jobs, from the database "
        "queue. `recap serve` starts these; run more, on any host, to take more work."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queues",
            default=",".join(QUEUES),
            help="Queues to take work from, in any order (default: %(default)s). Work for up "
            "to a few hundred candidates goes to 'short', larger work to 'long'.",
        )
        parser.add_argument("--batch", action="store_true", help="Do what is queued, then stop.")
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between polls.")
        parser.add_argument("--max-tasks", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        queues = [q.strip() for q in options["queues"].split(",") if q.strip()]
        unknown = sorted(set(queues) - set(QUEUES))
        if unknown or not queues:
            raise CommandError(
                f"--queues: {', '.join(unknown) or 'none given'}; choose from {', '.join(QUEUES)}.",
                returncode=2,
            )
        if options["interval"] < 0 or (options["max_tasks"] or 1) < 1:
            raise CommandError("--interval must be >= 0 and --max-tasks >= 1.", returncode=2)
        worker_id = get_random_string(32)
        heartbeat = work.worker_begin(worker_id, queues)
        worker = RecapWorker(
            queue_names=queues,
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        try:
            work.work_sweep()
            work.scheduled_ensure()  # what must always wait in the queue (the weekly digest)
            worker.configure_signals()
            worker.run()
        finally:
            work.worker_end(heartbeat)
