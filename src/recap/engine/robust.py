"""The price of robustness: the best package as Γ grows, what it costs and what it buys.

Contract: `price_of_robustness(problem, resources=None)` solves the problem exactly for
Γ = 0, 1, 2, … on the named resources (default: every resource some action may overrun),
and returns one point per Γ (`solved` says which needed a solve: a package that is optimal at
Γ and still fits at Γ + 1 is optimal there too, since the packages that fit only shrink as Γ
grows; each solve starts from a package guessed from the previous Γ's, see `robust_start`):
the package, its value, its worst-case use of each resource, the
probability that every budget holds (budget risk, seeded), and the actions that entered and
left since the previous Γ. It stops at the first Γ that covers every action of its package
that may overrun: from there the package is protected against all its overruns at once, and
no larger Γ changes it (the feasible packages only shrink, and this one stays feasible). Each
action that is in at some Γ gets its story (`in_at`, and `enters_at` or `leaves_at` when its
membership changes once) and its overrun ratio on each resource, which the explanations turn
into words ("it enters when Γ ≥ 2: its overrun risk is low").
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from .errors import ProblemError, Stopped
from .mip import Interrupt
from .optimize import OptimizeResult, optimize
from .parallel import result_or_stop
from .problem import Problem
from .risk import budget_risk
from .robust_start import guess


def overrunning(problem: Problem) -> list[str]:
    """The resources some action may overrun (has a `uses_high` above its `uses`)."""
    return [r for r in problem.resources if any(a.overrun(r) for a in problem.actions)]


def binding(problem: Problem, selected: Sequence[str]) -> list[str]:
    """Resources with no room in the worst case for any action left out that uses them."""
    chosen = set(selected)
    worst = problem.worst_case_usage(selected)
    out = []
    for name, limit in problem.resources.items():
        needs = [a.uses.get(name, 0.0) for a in problem.actions if a.id not in chosen]
        needs = [x for x in needs if x > 0]
        if needs and limit - worst[name] < min(needs) - 1e-9 * max(1.0, limit):
            out.append(name)
    return out


def worst_case_actions(problem: Problem, selected: Sequence[str]) -> dict[str, list[str]]:
    """Per resource with Γ > 0: the chosen actions whose overruns make its worst case."""
    chosen = [a for a in problem.actions if a.id in set(selected)]
    out = {}
    for name, gamma in problem.gamma.items():
        ranked = sorted(
            (a for a in chosen if a.overrun(name) > 0), key=lambda a: (-a.overrun(name), a.id)
        )
        out[name] = [a.id for a in ranked[:gamma]]
    return out


def _at(problem: Problem, names: list[str], gamma: int) -> Problem:
    return replace(problem, gamma={**problem.gamma, **dict.fromkeys(names, gamma)})


def _covered_until(problem: Problem, names: list[str], gamma: int, package: Sequence[str]) -> int:
    """The largest Γ' ≥ Γ up to which `package`, optimal at Γ, stays optimal: it still fits
    there (the packages that fit only shrink as Γ grows), capped at the number of its actions
    that may overrun, past which no Γ changes anything."""
    exposed = _exposed(problem, names, package)
    last = gamma
    while last < exposed and not _at(problem, names, last + 1).violations(package):
        last += 1
    return last


def _exposed(problem: Problem, names: list[str], package: Sequence[str]) -> int:
    """How many of the package's actions may overrun one of `names`."""
    chosen = set(package)
    return sum(1 for a in problem.actions if a.id in chosen and any(a.overrun(r) for r in names))


class _Now:
    """Runs what it is handed at once, on this thread: the curve on one core."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        done: Future[Any] = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to whoever waits for it, as a pool would
            done.set_exception(exc)
        return done

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        return None


class _Proofs:
    """The curve's solves, in Γ order. Each starts from a package guessed from the one before
    (`robust_start`). With `workers` > 1 they run that many at once on threads (HiGHS lets go
    of Python while it works), while this thread guesses the next points from the guesses so
    far, as if each were optimal (it was at 25 of 27 points on generated city portfolios);
    `restart` throws away what was guessed from a guess that was not."""

    def __init__(self, problem: Problem, names: list[str], time_limit: float, workers: int):
        self.problem, self.names, self.time_limit = problem, names, time_limit
        self.depth = 1 if workers <= 1 else workers + 1
        self.pool: ThreadPoolExecutor | _Now = (
            ThreadPoolExecutor(workers, thread_name_prefix="robust-curve")
            if workers > 1
            else _Now()
        )
        self.queue: deque[tuple[int, list[str] | None, Future[OptimizeResult]]] = deque()
        self.interrupt = Interrupt()
        # The next Γ to solve and the package taken as optimal before it (None: none yet).
        self.ahead: tuple[int, list[str] | None] | None = (0, None)

    def fill(self) -> None:
        while self.ahead is not None and len(self.queue) < self.depth:
            gamma, package = self.ahead
            trial = _at(self.problem, self.names, gamma)
            # The previous optimum no longer fits: guess this Γ's optimum from it and hand it
            # to HiGHS as its first incumbent. The solve is exact all the same.
            start = (
                guess(trial, sorted(package), time_limit=self.time_limit / 4) if package else None
            )
            proof = self.pool.submit(
                optimize, trial, time_limit=self.time_limit, start=start, interrupt=self.interrupt
            )
            self.queue.append((gamma, start, proof))
            self.ahead = None  # without a guess, wait for the proof to go on
            if start is not None and self.names:
                last = _covered_until(self.problem, self.names, gamma, start)
                if last < _exposed(self.problem, self.names, start):
                    self.ahead = (last + 1, start)

    def next(
        self, should_stop: Callable[[], bool] | None
    ) -> tuple[int, list[str] | None, OptimizeResult]:
        """The next point's Γ, the guess it started from and its solve's result."""
        gamma, start, proof = self.queue.popleft()
        return gamma, start, result_or_stop(proof, should_stop)

    def restart(self, gamma: int, package: list[str]) -> None:
        """Go on from `package`, optimal before Γ, instead of the guesses."""
        self.interrupt()
        for _gamma, _start, later in self.queue:
            later.cancel()
        self.queue.clear()
        self.interrupt = Interrupt()
        self.ahead = (gamma, package)

    def close(self) -> None:
        """Stop what is still being solved and wait for it (interrupted, it ends at once): no
        thread of the curve outlives it."""
        self.interrupt()
        self.pool.shutdown(wait=True, cancel_futures=True)


def price_of_robustness(
    problem: Problem,
    *,
    resources: Sequence[str] | None = None,
    draws: int = 20_000,
    seed: int = 0,
    distribution: str = "triangular",
    time_limit: float = 10.0,
    budget_seconds: float = 60.0,
    should_stop: Callable[[], bool] | None = None,
    workers: int = 1,
    correlation: float = 0.0,
) -> dict[str, Any]:
    """`workers` > 1 solves that many points at once (see `_Proofs`); the points are the same
    as with one, each solved from the same start, as long as no guess or solve reaches its
    time limit (a guess cut short starts its proof elsewhere, and of packages of equal value
    the proof may then keep another). `correlation` is budget risk's, within reference
    classes."""
    names = list(resources) if resources is not None else overrunning(problem)
    for name in names:
        if name not in problem.resources:
            raise ProblemError("resources", f"{name!r} is not one of the resources")
    t0 = time.perf_counter()
    points: list[dict[str, Any]] = []
    previous: set[str] | None = None
    risks: dict[frozenset[str], dict[str, Any]] = {}
    complete = False
    proofs = _Proofs(problem, names, time_limit, workers)
    try:
        while True:
            if should_stop is not None and should_stop():
                raise Stopped
            if time.perf_counter() - t0 > budget_seconds:
                break
            proofs.fill()
            gamma, start, result = proofs.next(should_stop)
            if result.status == "infeasible":
                points.append({"gamma": gamma, "status": "infeasible", "reason": result.reason})
                complete = True  # a larger Γ only removes packages
                break
            chosen = frozenset(result.selected)
            if chosen not in risks:
                risks[chosen] = budget_risk(
                    _at(problem, names, gamma),
                    result.selected,
                    draws=draws,
                    seed=seed,
                    distribution=distribution,
                    correlation=correlation,
                )["all_hold"]
            last = _covered_until(problem, names, gamma, result.selected)
            points += _points(
                problem,
                names,
                gammas=(gamma, last),
                result=result,
                previous=previous,
                risk=risks[chosen],
            )
            previous = set(chosen)
            if not names or last >= _exposed(problem, names, result.selected):
                complete = True
                break
            if start is None or chosen != set(start):
                proofs.restart(last + 1, result.selected)
    finally:
        proofs.close()
    return {
        "resources": names,
        "points": points,
        "actions": _stories(problem, points, names),
        "complete": complete,
        "seconds": time.perf_counter() - t0,
    }


def _points(
    problem: Problem,
    names: list[str],
    *,
    gammas: tuple[int, int],
    result: OptimizeResult,
    previous: set[str] | None,
    risk: dict[str, Any],
) -> list[dict[str, Any]]:
    """The points Γ = first … last, where `result`'s package (solved at the first) is optimal."""
    chosen = set(result.selected)
    out = []
    for k in range(gammas[0], gammas[1] + 1):
        at = _at(problem, names, k)
        out.append(
            {
                "gamma": k,
                "status": result.status,
                "solved": k == gammas[0],
                "value": result.objective,
                "selected": result.selected,
                "entered": sorted(chosen - previous) if previous is not None else [],
                "left": sorted(previous - chosen) if previous is not None else [],
                "usage": result.usage,
                "worst_case_usage": at.worst_case_usage(result.selected),
                "worst_case_actions": worst_case_actions(at, result.selected),
                "binding": binding(at, result.selected),
                "probability": risk["probability"],
                "std_error": risk["std_error"],
            }
        )
        previous = chosen
    return out


def _stories(
    problem: Problem, points: list[dict[str, Any]], names: list[str]
) -> dict[str, dict[str, Any]]:
    solved = [p for p in points if "selected" in p]
    seen = {ident for p in solved for ident in p["selected"]}
    gammas = [p["gamma"] for p in solved]
    out: dict[str, dict[str, Any]] = {}
    for a in problem.actions:
        if a.id not in seen:
            continue
        in_at = [p["gamma"] for p in solved if a.id in p["selected"]]
        story: dict[str, Any] = {
            "in_at": in_at,
            "overrun_ratio": {
                r: a.overrun(r) / a.uses[r] for r in names if a.uses.get(r) and a.overrun(r)
            },
        }
        if in_at == gammas:
            story["always"] = True
        elif in_at == gammas[gammas.index(in_at[0]) :]:
            story["enters_at"] = in_at[0]
        elif in_at == gammas[: len(in_at)]:
            story["leaves_at"] = gammas[len(in_at)]
        out[a.id] = story
    return out
