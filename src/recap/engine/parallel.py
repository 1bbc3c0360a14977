"""Work spread over processes that never outlive their caller, and that stop when asked.

Contract: `map_chunks(fn, chunks, workers=..., should_stop=..., on_result=...)` returns
`[fn(c) for c in chunks]`, in the chunks' order, computed on `workers` processes (or in this one
when `workers` is 1). `on_result(k, result)` is told as each chunk finishes. `should_stop()` is
asked before each chunk and, while processes work, at least every `POLL` seconds; when it says
yes, the processes are killed at once and `Stopped` is raised.

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
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import Stopped

C = TypeVar("C")
R = TypeVar("R")
POLL = 0.2
PR_SET_PDEATHSIG = 1


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


def _indexed(job: tuple[Callable[[Any], Any], int, Any]) -> tuple[int, Any]:
    fn, k, chunk = job
    return k, fn(chunk)


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
    context = multiprocessing.get_context("fork")
    pool = context.Pool(min(workers, len(chunks)), _start_child, (os.getpid(),))
    try:
        pending = pool.imap_unordered(_indexed, [(fn, k, c) for k, c in enumerate(chunks)])
        for _ in range(len(chunks)):
            while True:
                if stop():
                    raise Stopped
                try:
                    k, result = pending.next(timeout=POLL)
                except multiprocessing.TimeoutError:
                    continue
                break
            results[k] = result
            if on_result is not None:
                on_result(k, result)
    finally:
        # Finished, failed or stopped: no process is left behind, busy or idle.
        pool.terminate()
        pool.join()
    return results
