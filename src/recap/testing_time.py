"""How long a test may wait for something that takes wall-clock time (a process to start or
stop, a worker to take a task), on this machine as it is now.

A bound a test asserts ("stopped within 10 s") is the behaviour at its ordinary speed; on a
machine busy with other work (CI beside a build, a laptop compiling) the same behaviour takes
longer without being wrong. `patience(seconds)` stretches a bound by how overloaded the
machine is (its one-minute load average over its cores, at least 1) and by
`RECAP_TEST_PATIENCE` (a factor, default 1), so a slow machine waits longer and a fast one
fails as early as ever. Pure Python: the engine's tests use it too.
"""

from __future__ import annotations

import os


def load_factor() -> float:
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available here
        return 1.0
    return max(1.0, load / (os.cpu_count() or 1))


def patience(seconds: float) -> float:
    try:
        factor = float(os.environ.get("RECAP_TEST_PATIENCE", "1"))
    except ValueError:
        factor = 1.0
    return seconds * max(1.0, factor) * load_factor()
