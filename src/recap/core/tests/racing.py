"""Two requests at the same moment, made to happen in the order that hurts, on PostgreSQL.

`race(pause_in, first, second)` runs `first` in a thread of its own (its own database
connection, its own transaction) and holds it inside its transaction at the first call of
`pause_in` (a module's function, e.g. `audit`, which services call after their writes and
before their commit). Then `second` runs in another thread. Only once `second` has finished,
or is waiting on a lock `first` holds (PostgreSQL says so in `pg_stat_activity`), does `first`
go on and commit. Without a lock, `second` reads what was there before `first` and both write;
with one, `second` waits and then sees what `first` did. No sleeps: events, and the server's
own word on who waits.

SQLite serialises every writer on the whole file, so these tests need PostgreSQL (the CI runs
the suite again with `DATABASE_URL` for them): `needs_postgres` skips them on SQLite, saying
so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

#: How long anything may take before the test fails (not a wait: a guard against a hang).
PATIENCE = 60.0

needs_postgres = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="two transactions at once need PostgreSQL: SQLite lets one writer in at a time",
)


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None

    def unwrap(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


def _in_thread(fn: Callable[[], Any], outcome: Outcome, pid: list[int] | None = None) -> None:
    try:
        if pid is not None:
            connection.ensure_connection()
            pid.append(connection.connection.info.backend_pid)  # type: ignore[union-attr]
        outcome.value = fn()
    except BaseException as exc:  # handed to the test, which raises it or reads it
        outcome.error = exc
    finally:
        connection.close()


def _waiting_on_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def race(
    monkeypatch: pytest.MonkeyPatch,
    pause_in: tuple[Any, str],
    first: Callable[[], Any],
    second: Callable[[], Any],
) -> tuple[Outcome, Outcome]:
    """Run `first` up to `pause_in` (module, function name), then `second`, then let `first`
    commit once `second` is done or waits on a lock. The two outcomes, errors kept."""
    module, name = pause_in
    original = getattr(module, name)
    paused, go = threading.Event(), threading.Event()
    holder: dict[str, threading.Thread] = {}

    def hooked(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if threading.current_thread() is holder.get("first") and not paused.is_set():
            paused.set()
            assert go.wait(PATIENCE), "the second request never got going"
        return result

    monkeypatch.setattr(module, name, hooked)
    one, two = Outcome(), Outcome()
    holder["first"] = threading.Thread(target=_in_thread, args=(first, one))
    holder["first"].start()
    # The first request stops at `pause_in` (or ends early: then there is no race to run).
    while not paused.wait(0.05):
        if not holder["first"].is_alive():
            raise AssertionError(f"the first request ended before {name}: {one.error!r}")
    pid: list[int] = []
    later = threading.Thread(target=_in_thread, args=(second, two, pid))
    later.start()
    deadline = time.monotonic() + PATIENCE
    later.join(0.05)
    while later.is_alive() and not (pid and _waiting_on_lock(pid[0])):
        assert time.monotonic() < deadline, "the second request neither finished nor waited"
        later.join(0.05)
    go.set()
    holder["first"].join(PATIENCE)
    later.join(PATIENCE)
    assert not holder["first"].is_alive() and not later.is_alive(), "a request hung"
    return one, two
