"""Work spread over processes that never outlive their caller, and that stop when asked.

Contract: `map_chunks(fn, chunks, workers=..., should_stop=..., on_result=...)` returns
`[fn(c) for c in chunks]`, in the chunks' order, computed on `workers` processes (or in this one
when `workers` is 1). `on_result(k, result)` is told as each chunk finishes. `should_stop()` is
asked before each chunk and, while processes work, at least every `POLL` seconds; when it says
yes, the processes are killed at once and `Stopped` is raised. `result_or_stop(future,
should_stop)` waits likewise for work on a thread.

The processes cannot outlive the one that made them: the kernel kills each of them when its
parent dies, however it dies (Linux's parent-death signal; elsewhere they end when the pool's
pipes close, after their current chunk). They also take the default action on SIGTERM, since a
handler their parent installed (a worker's graceful shutdown, say) must not run in them, and
they ignore Ctrl+C, which is for the parent to act on.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
import sys
import time
import typing
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from multiprocessing.connection import Connection, wait
from typing import Any, NoReturn, TypeVar

from .errors import Stopped

C = TypeVar("C")
R = TypeVar("R")
POLL = 0.2
PR_SET_PDEATHSIG = 1


def result_or_stop(future: Future[R], should_stop: Callable[[], bool] | None) -> R:
    """`future.result()` for work on a thread, asking `should_stop()` at least every POLL
    seconds while it waits: yes raises `Stopped` (the caller stops the work: an `Interrupt`
    ends HiGHS's runs at once)."""
    while True:
        try:
            return future.result(timeout=POLL)
        except TimeoutError:
            if should_stop is not None and should_stop():
                raise Stopped from None


def cores() -> int:
    """The cores this process may run on (its affinity, which a container's CPU set narrows),
    not the host's count."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask the kernel to send `sig` to this process when its parent dies (Linux only)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)


def _start_child(parent: int) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _serve(conn: Connection, parent: int) -> None:
    """A child's loop: a chunk in, its result (or its exception) out, until told to end."""
    _start_child(parent)
    while True:
        try:
            fn, k, chunk = conn.recv()
        except EOFError:  # the parent is gone
            return
        try:
            reply = (k, True, fn(chunk))
        except Exception as exc:  # sent to the parent, which raises it
            reply = (k, False, _travelling(exc, k))
        try:
            conn.send(reply)
        except Exception as exc:  # a result that does not pickle
            conn.send((k, False, RuntimeError(f"chunk {k}: {exc!r}")))


def _travelling(exc: Exception, k: int) -> Exception:
    """The exception itself if the parent can rebuild it, else its words: one that pickles but
    cannot be unpickled would make the parent's receive fail and hide the real error."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes, just made
    except Exception:
        return RuntimeError(f"chunk {k}: {exc!r}")
    return exc


def map_chunks(
    fn: Callable[[C], R],
    chunks: Sequence[C],
    *,
    workers: int = 1,
    should_stop: Callable[[], bool] | None = None,
    on_result: Callable[[int, R], None] | None = None,
) -> list[R]:
    """`fn` must be a module-level function (it is sent to the processes by name)."""
    results: list[Any] = [None] * len(chunks)
    stop = should_stop or (lambda: False)
    if workers <= 1 or len(chunks) <= 1:
        for k, chunk in enumerate(chunks):
            if stop():
                raise Stopped
            results[k] = fn(chunk)
            if on_result is not None:
                on_result(k, results[k])
        return results
    if stop():
        raise Stopped
    _on_processes(fn, chunks, workers, stop=stop, on_result=on_result, results=results)
    return results


def _on_processes(
    fn: Callable[[C], R],
    chunks: Sequence[C],
    workers: int,
    *,
    stop: Callable[[], bool],
    on_result: Callable[[int, R], None] | None,
    results: list[Any],
) -> None:
    # Each process has a pipe of its own and no lock is shared: a process killed at any moment
    # (by a stop, or by a signal sent to the whole group) cannot leave the others, or this
    # one, waiting on a lock it held, as a killed member of a multiprocessing.Pool can.
    context = multiprocessing.get_context("fork")
    processes: list[Any] = []
    busy: dict[Connection, int] = {}
    todo = list(enumerate(chunks))[::-1]
    try:
        for _ in range(min(workers, len(chunks))):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, os.getpid()), daemon=True)
            process.start()
            theirs.close()
            processes.append((process, ours))
            k, chunk = todo.pop()
            busy[ours] = k
            _send(ours, (fn, k, chunk), stop)
        while busy:
            if stop():
                raise Stopped
            for ready in wait(list(busy), timeout=POLL):
                conn = typing.cast(Connection, ready)
                try:
                    k, ok, value = conn.recv()
                except EOFError:
                    _lost(stop, busy[conn])
                del busy[conn]
                if not ok:
                    raise value
                results[k] = value
                if on_result is not None:
                    on_result(k, value)
                if todo:
                    k, chunk = todo.pop()
                    busy[conn] = k
                    _send(conn, (fn, k, chunk), stop)
    finally:
        # Finished, failed or stopped: no process is left behind, busy or idle.
        for process, _conn in processes:
            if process.is_alive():
                process.kill()
        for process, conn in processes:
            process.join()
            conn.close()


def _send(conn: Connection, job: tuple[Any, int, Any], stop: Callable[[], bool]) -> None:
    """A chunk to a process; one that died meanwhile (killed with its group) is `_lost`."""
    try:
        conn.send(job)
    except (BrokenPipeError, ConnectionResetError):
        _lost(stop, job[1])


def _lost(stop: Callable[[], bool], k: int) -> NoReturn:
    """A process ended without answering: killed along with its group as this one is asked to
    stop (whose own handler may run a moment after), or by something else."""
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        if stop():
            raise Stopped
        time.sleep(POLL / 4)
    raise RuntimeError(f"the engine process working on chunk {k} ended without a result")
