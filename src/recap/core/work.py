"""Background work: which worker does it, when it must stop, and what a dead worker left.

- A worker (`recap worker`; `recap serve` starts some) registers itself (`WorkerProcess`) and
  beats a heart every `HEARTBEAT` seconds from a thread of its own. It is alive while its beat
  is fresher than `STALE` seconds and, on this host, while its process exists.
- Rows of work (a run of the engine, a robustness job) record who claimed them (`claimer_id`):
  a registered worker, or a process (`pid:<host>:<pid>`) that computes inline.
  Apps register those models with `held_work_register`, so this module never imports them.
- `work_sweep()` fails what dead workers held: their runs and jobs as interrupted (cancelled,
  if someone had asked them to stop), the queue's own task rows as failed, each of those put
  back in the queue once so that work claimed in the instant before a crash is not lost (the
  tasks only ever take work still queued, so a copy of a finished one does nothing). Every
  worker sweeps now and then and `recap serve` at start; on several hosts each may do so.
- Work that should always be queued (the weekly reminder digest) is registered by its app with
  `scheduled_register`; each worker queues what is missing as it starts (`scheduled_ensure`).
- `work_cancel(model, pk)` drops queued work at once and asks running work to stop.
- `stop_check(cancelled)` gives the engine its `should_stop()`: yes once this worker is
  shutting down (SIGTERM), or when `cancelled()` (asked at most twice a second) says so.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, models
from django.utils import timezone

from .models import WorkerProcess, WorkFailure, WorkStatus

log = logging.getLogger(__name__)
HEARTBEAT = 5.0
STALE = timedelta(seconds=60)
FORGET = timedelta(days=1)
SWEEP_EVERY = 6  # heartbeats


@dataclass
class Context:
    """This process's part in background work: its worker id (empty outside a worker, as when
    a test or the demo computes inline) and whether it has been asked to stop."""

    worker_id: str = ""
    stopping: threading.Event = field(default_factory=threading.Event)


_context = Context()
_held: list[type[models.Model]] = []
_scheduled: list[Callable[[], Any]] = []


def context() -> Context:
    return _context


def held_work_register(model: type[models.Model]) -> None:
    """A model whose rows a worker claims: fields `status` (WorkStatus), `failure`, `error`,
    `worker_id` and `cancel_requested`."""
    if model not in _held:
        _held.append(model)


def scheduled_register(ensure: Callable[[], Any]) -> None:
    """Work that should always be waiting in the queue (a weekly digest): `ensure()` queues it
    unless it already is. Every worker calls each as it starts (`scheduled_ensure`); apps
    register theirs when ready, so this module never imports them."""
    if ensure not in _scheduled:
        _scheduled.append(ensure)


def scheduled_ensure() -> None:
    for ensure in _scheduled:
        ensure()


def host_name() -> str:
    return str(getattr(settings, "RECAP_HOST_NAME", "") or socket.gethostname())[:255]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def live_worker_ids() -> set[str]:
    fresh = WorkerProcess.objects.filter(
        stopped_at__isnull=True, heartbeat_at__gte=timezone.now() - STALE
    )
    here = host_name()
    return {
        w.worker_id
        for w in fresh.only("worker_id", "host", "pid")
        if w.host != here or _pid_alive(w.pid)
    }


def claimer_id() -> str:
    """Who is claiming work: this worker's id, or, for work computed outside a registered
    worker (inline, as the demo and the tests do, or by a bare `db_worker`), this process as
    `pid:<host>:<pid>`, which the sweep can check on this host."""
    return _context.worker_id or f"pid:{host_name()}:{os.getpid()}"[:64]


def _claimer_dead(claimer: str, alive: set[str], registered: set[str]) -> bool:
    if claimer in alive:
        return False
    if claimer in registered or not claimer:
        return True  # a worker whose heart stopped, or work from before claims were recorded
    if claimer.startswith("pid:"):
        _tag, host, pid = claimer.rsplit(":", 2) if claimer.count(":") >= 2 else ("", "", "")
        # A process on another host cannot be checked from here: it is left alone.
        return host == host_name() and pid.isdigit() and not _pid_alive(int(pid))
    return False


def stop_check(cancelled: Callable[[], bool], every: float = 0.5) -> Callable[[], bool]:
    last = {"at": -every, "answer": False}

    def should_stop() -> bool:
        if _context.stopping.is_set():
            return True
        now = time.monotonic()
        if now - last["at"] >= every:
            last["at"], last["answer"] = now, cancelled()
        return bool(last["answer"])

    return should_stop


def work_cancel(model: type[models.Model], pk: int) -> str | None:
    """Cancel a piece of held work: 'cancelled' at once if it was still queued, 'stopping' if
    it is being computed (its worker stops it within a second or so), None if it had already
    finished. Each step is one conditional update, so a worker claiming it meanwhile cannot
    slip between them."""
    rows = model._default_manager.filter(pk=pk)
    if rows.filter(status=WorkStatus.QUEUED).update(status=WorkStatus.CANCELLED):
        return "cancelled"
    if rows.filter(status=WorkStatus.RUNNING).update(cancel_requested=True):
        return "stopping"
    return None


def work_cancel_requested(model: type[models.Model], pk: int) -> bool:
    return model._default_manager.filter(pk=pk, cancel_requested=True).exists()


def work_stopped(model: type[models.Model], pk: int, *, again: dict[str, Any]) -> str:
    """Held work whose engine stopped when asked: cancelled if someone asked for that;
    otherwise its worker is shutting down, and it goes back to the queue for the caller to
    queue again. Either way it loses what it had done (`again`: the fields of a fresh start).
    Returns 'cancelled', 'queued', or 'gone' (failed by the sweep meanwhile: left as it is)."""
    rows = model._default_manager.filter(pk=pk, status=WorkStatus.RUNNING)
    if rows.filter(cancel_requested=True).update(
        status=WorkStatus.CANCELLED, worker_id="", **again
    ):
        return "cancelled"
    if rows.update(status=WorkStatus.QUEUED, worker_id="", **again):
        return "queued"
    return "gone"


def work_failed(model: type[models.Model], pk: int, exc: BaseException) -> None:
    """Held work whose computation raised: failed with the error's words (for its editors),
    unless something else (a cancel, the sweep) settled it meanwhile."""
    model._default_manager.filter(pk=pk, status=WorkStatus.RUNNING).update(
        status=WorkStatus.FAILED,
        failure=WorkFailure.ERROR,
        error=f"{type(exc).__name__}: {exc}"[:500],
    )


def work_sweep() -> int:
    """Fail (or cancel) what dead workers held; returns how many rows of work it touched."""
    from django_tasks_db.models import DBTaskResult

    alive = live_worker_ids()
    registered = set(WorkerProcess.objects.values_list("worker_id", flat=True))
    touched = 0
    for model in _held:
        held = model._default_manager.filter(status=WorkStatus.RUNNING).exclude(worker_id__in=alive)
        dead = [
            pk
            for pk, claimer in held.values_list("pk", "worker_id")
            if _claimer_dead(claimer, alive, registered)
        ]
        touched += _interrupt(model._default_manager.filter(pk__in=dead))
    for task in DBTaskResult.objects.filter(status="RUNNING"):
        # Only a registered worker's task rows: a bare `db_worker` elsewhere cannot be checked.
        claimer = task.worker_ids[-1] if task.worker_ids else ""
        if claimer in alive or (claimer and claimer not in registered):
            continue
        _fail_and_requeue(task, "The worker running this task stopped (no heartbeat).")
    WorkerProcess.objects.filter(heartbeat_at__lt=timezone.now() - FORGET).delete()
    return touched


def work_release(worker_id: str) -> int:
    """What a live worker still holds after it lost its database in the middle of a task: the
    sweep's treatment, for this one worker (whose heart still beats, so the sweep would leave
    it). Its work is failed as interrupted (or cancelled, if asked), its task rows failed and
    put back in the queue once. Returns how many rows of work it touched."""
    from django_tasks_db.models import DBTaskResult

    touched = sum(_interrupt(model._default_manager.filter(worker_id=worker_id)) for model in _held)
    for task in DBTaskResult.objects.filter(status="RUNNING"):
        if task.worker_ids and task.worker_ids[-1] == worker_id:
            _fail_and_requeue(task, "The worker lost its database connection during this task.")
    return touched


def _interrupt(rows: models.QuerySet[Any]) -> int:
    running = rows.filter(status=WorkStatus.RUNNING)
    touched = running.filter(cancel_requested=True).update(
        status=WorkStatus.CANCELLED, worker_id=""
    )
    return touched + running.update(
        status=WorkStatus.FAILED, failure=WorkFailure.INTERRUPTED, error="", worker_id=""
    )


def _fail_and_requeue(task: Any, why: str) -> None:
    from django_tasks_db.models import DBTaskResult

    updated = DBTaskResult.objects.filter(pk=task.pk, status="RUNNING").update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path="recap.core.work.WorkerLost",
        traceback=why,
    )
    if updated:
        _requeue(task)


def connection_reset() -> None:
    """Forget this thread's database connection, dead or alive, so that the next query opens a
    fresh one (closing a connection the server already cut may itself raise)."""
    try:
        connection.close()
    except Exception:  # the server is gone: nothing to close properly
        log.warning("closing a lost database connection failed", exc_info=True)
        connection.connection = None


def _requeue(task: Any) -> None:
    """The same task once more: a no-op if its work was claimed, the work if it was not."""
    try:
        again = task.task
    except Exception:  # a task whose code is gone: nothing to put back
        log.warning("could not re-queue task %s (%s)", task.pk, task.task_path)
        return
    again.enqueue(*task.args_kwargs["args"], **task.args_kwargs["kwargs"])


class Heartbeat(threading.Thread):
    """Keeps a worker's row fresh, and sweeps every `SWEEP_EVERY` beats."""

    def __init__(self, worker: WorkerProcess) -> None:
        super().__init__(name="recap-heartbeat", daemon=True)
        self.worker = worker
        self.done = threading.Event()

    def run(self) -> None:
        beats = 0
        try:
            while not self.done.wait(HEARTBEAT):
                try:
                    close_old_connections()
                    WorkerProcess.objects.filter(pk=self.worker.pk).update(
                        heartbeat_at=timezone.now()
                    )
                    beats += 1
                    if beats % SWEEP_EVERY == 0:
                        work_sweep()
                except Exception:  # a busy or lost database: try again at the next beat
                    log.exception("heartbeat of %s failed", self.worker.worker_id)
        finally:
            connection.close()


def worker_begin(worker_id: str, queues: Iterable[str]) -> Heartbeat:
    """Register this process as a worker and start its heartbeat."""
    _context.worker_id = worker_id
    _context.stopping.clear()
    worker = WorkerProcess.objects.create(
        worker_id=worker_id,
        host=host_name(),
        pid=os.getpid(),
        queues=",".join(queues)[:200],
        heartbeat_at=timezone.now(),
    )
    heartbeat = Heartbeat(worker)
    heartbeat.start()
    return heartbeat


def worker_end(heartbeat: Heartbeat) -> None:
    heartbeat.done.set()
    heartbeat.join(timeout=HEARTBEAT * 2)
    WorkerProcess.objects.filter(pk=heartbeat.worker.pk).update(stopped_at=timezone.now())
    _context.worker_id = ""
