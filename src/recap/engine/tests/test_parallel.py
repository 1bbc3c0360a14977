"""Processes the engine starts: results in order, a stop that is prompt, and none left behind,
even when their parent is killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from recap.engine.errors import Stopped
from recap.engine.parallel import map_chunks
from recap.testing_time import patience


def square(x: int) -> int:
    return x * x


def spin(seconds: float) -> float:
    """Busy for `seconds` of CPU, the way a long solve is (no sleeping, no signals checked)."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return seconds


def _children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if p.is_running()]


def test_results_come_back_in_order_on_any_number_of_processes() -> None:
    seen: list[int] = []
    one = map_chunks(square, list(range(9)), workers=1)
    two = map_chunks(square, list(range(9)), workers=2, on_result=lambda k, r: seen.append(k))
    assert one == two == [k * k for k in range(9)]
    assert sorted(seen) == list(range(9))
    assert _children() == []


def test_a_stop_kills_busy_processes_at_once() -> None:
    asked = {"n": 0}

    def stop_after_a_moment() -> bool:
        asked["n"] += 1
        return asked["n"] > 3  # about 0.6 s in

    started = time.monotonic()
    with pytest.raises(Stopped):
        map_chunks(spin, [30.0, 30.0, 30.0], workers=2, should_stop=stop_after_a_moment)
    assert time.monotonic() - started < patience(5)  # not the 30 s each chunk would take
    assert _children() == []


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def die_on_two(x: int) -> int:
    """A process that ends without answering, as one killed from outside does."""
    if x == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return spin(0.2) and x


def test_an_exception_in_a_process_reaches_the_caller_and_stops_the_rest() -> None:
    with pytest.raises(ValueError, match="three"):
        map_chunks(fail_on_three, [1, 2, 3, 4, 5], workers=2)
    assert _children() == []


def test_a_process_killed_from_outside_is_an_error_unless_a_stop_was_asked() -> None:
    """Killed alone: an error naming the chunk, at once. Killed with its group as the caller is
    stopped (a worker's SIGTERM reaches its processes too): Stopped, without hanging on the
    others, busy or idle, however the deaths and the stop interleave."""
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="chunk 2 ended without a result"):
        map_chunks(die_on_two, [0, 1, 2, 3], workers=2)
    with pytest.raises(Stopped):
        map_chunks(die_on_two, [0, 1, 2, 3], workers=2, should_stop=_dead_child_seen)
    assert time.monotonic() - started < patience(10)
    assert _children() == []


def _dead_child_seen() -> bool:
    return any(p.status() == psutil.STATUS_ZOMBIE for p in psutil.Process().children())


def test_a_stop_before_any_work_in_this_process() -> None:
    with pytest.raises(Stopped):
        map_chunks(square, [1, 2], workers=1, should_stop=lambda: True)


PARENT = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    sys.path.insert(0, {src!r})
    from recap.engine.parallel import map_chunks
    from recap.engine.tests.test_parallel import spin
    # A parent with its own SIGTERM handler, as a background worker has.
    signal.signal(signal.SIGTERM, lambda *a: print("parent handler", flush=True))

    def report():
        # Once both processes are up (however busy the machine), never on a guess of time.
        import psutil
        while len(children := psutil.Process().children()) < 2:
            time.sleep(0.05)
        print(" ".join(str(p.pid) for p in children), flush=True)

    threading.Thread(target=report, daemon=True).start()
    map_chunks(spin, [60.0, 60.0], workers=2)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")
def test_processes_die_with_their_parent_even_when_it_is_killed_outright() -> None:
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT.format(src=src)], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    pids = [int(p) for p in parent.stdout.readline().split()]
    assert len(pids) == 2
    children = [psutil.Process(p) for p in pids]
    assert all(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    gone, alive = psutil.wait_procs(children, timeout=patience(5))
    assert alive == [], [c.pid for c in alive]
    assert len(gone) == 2


def raise_problem(x: int) -> int:
    from recap.engine.errors import ProblemError

    raise ProblemError(f"actions[{x}]", "bad")


def test_an_engine_error_in_a_process_reaches_the_caller_whole() -> None:
    """ProblemError takes two arguments: it must be rebuilt as itself, path and message."""
    from recap.engine.errors import ProblemError

    with pytest.raises(ProblemError) as raised:
        map_chunks(raise_problem, [1, 2], workers=2)
    assert raised.value.path in ("actions[1]", "actions[2]") and raised.value.message == "bad"
    assert _children() == []


def test_a_wait_for_work_on_a_thread_stops_when_asked_and_returns_what_ends() -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from recap.engine.parallel import result_or_stop

    release = threading.Event()
    asked: list[int] = []

    def stop_on_second_ask() -> bool:
        asked.append(1)
        return len(asked) >= 2

    with ThreadPoolExecutor(1) as pool:
        blocked = pool.submit(release.wait, 10)
        with pytest.raises(Stopped):
            result_or_stop(blocked, stop_on_second_ask)
        assert len(asked) == 2 and not blocked.done()  # asked while it waited; work goes on
        release.set()
        assert result_or_stop(blocked, None) is True
        assert result_or_stop(pool.submit(lambda: 42), lambda: True) == 42  # done: no stop
