"""A prioritisation run as a pure function of its stored input: the engine only, no Django.

Contract: `compute_run(input)` returns the package (`optimize`), the ranking by value, every
action's explanation, the efficient frontier for each phase budget and, with two or more
stakeholders, the rank acceptability over their weightings. Same input, same result.
`progress(stage, done, total)` is told before each step: stage "optimise", "explain" (one
step per action), "frontier" (one step per budget level), "rank", "robust" (the price of
robustness) or "futures". `should_stop()` is asked
between steps and while processes work: yes stops the run with the engine's `Stopped`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, TypeVar

import numpy as np

from recap.engine import explain, frontier, optimize, parse_problem
from recap.engine.errors import Stopped
from recap.engine.mip import Interrupt
from recap.engine.optimize import best_per_future
from recap.engine.parallel import cores, result_or_stop
from recap.engine.problem import Problem
from recap.engine.risk import budget_risk
from recap.engine.robust import overrunning, price_of_robustness
from recap.engine.robustness import rank_acceptability
from recap.engine.value import weighted_value

FRONTIER_RESOURCES = ("capex_short", "capex_medium")
FRONTIER_STEPS = 9
#: Budget risk's draws and seed: the same package always reads the same figures. 20,000
#: draws put the sampling error of a probability under 0.004.
RISK_DRAWS = 20_000
RISK_SEED = 1
Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    """No one is listening."""


def problem_valued(
    data: dict[str, Any],
    values: dict[str, float],
    lock_in: list[str] | tuple[str, ...] = (),
    lock_out: list[str] | tuple[str, ...] = (),
) -> dict[str, Any]:
    """A run's problem (engine JSON) with each action's value, and extra actions locked in or
    out by hand on top of the session's own locks."""
    problem = dict(data["problem"])
    problem["actions"] = [a | {"value": values[a["id"]]} for a in problem["actions"]]
    if lock_in or lock_out:
        problem["must_include"] = sorted(set(problem.get("must_include", [])) | set(lock_in))
        problem["must_exclude"] = sorted(set(problem.get("must_exclude", [])) | set(lock_out))
    return problem


def stakeholder_blends(people: dict[str, list[float]], samples: int) -> list[list[float]]:
    """`samples` random blends of the stakeholders' own weightings (each normalised to sum 1),
    uniform over every mix of them and seeded: weightings anywhere within their spread."""
    own = np.array([list(w) for w in people.values()], dtype=float)
    own /= own.sum(axis=1, keepdims=True)
    blends = np.random.default_rng(1).dirichlet(np.ones(len(own)), size=samples) @ own
    rounded: list[list[float]] = blends.round(6).tolist()
    return rounded


def run_values(data: dict[str, Any]) -> dict[str, float]:
    """Each candidate's value under the run's weights (engine.value.weighted_value)."""
    return {
        code: weighted_value(scores, data["weights"]) for code, scores in data["scores"].items()
    }


_T = TypeVar("_T")


def _go_on() -> bool:
    return False


def compute_run(
    data: dict[str, Any],
    progress: Progress = _quiet,
    should_stop: Callable[[], bool] = _go_on,
    partial: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """The engine on a stored input: package, ranking, frontier, robustness, explanations.

    In that order: everything a results page needs to show the package comes first, and is
    handed to `partial` before the explanations (one exact re-optimisation per action) are
    computed. Runs in the background, so it is given time to finish: explanations for every
    action, however many, rather than a cut-off that would depend on the machine's speed and
    make the stored result irreproducible. What is stored is what the pages read: the rank
    acceptability over every rank of every action (a million numbers at 1,000 candidates) is
    summed up as each action's share of first places and its mean rank."""
    weights = data["weights"]
    values = run_values(data)
    problem_json = dict(data["problem"])
    # The values optimised here are the very ones every re-optimisation (explanations,
    # package versions, robustness) uses: one formula, unrounded.
    problem_json["actions"] = [a | {"value": values[a["id"]]} for a in problem_json["actions"]]
    problem = parse_problem(problem_json)
    progress("optimise", 0, 1)
    package = optimize(problem, time_limit=30).to_json()
    fronts: dict[str, Any] = {}
    if problem.actions and package["status"] != "infeasible":
        for k, name in enumerate(FRONTIER_RESOURCES):
            offset = k * FRONTIER_STEPS

            def step_done(step: int, steps: int, offset: int = offset) -> None:
                progress("frontier", offset + step, len(FRONTIER_RESOURCES) * steps)

            fronts[name] = frontier(
                problem,
                name,
                steps=FRONTIER_STEPS,
                time_limit=5,
                budget_seconds=600,
                progress=step_done,
                should_stop=should_stop,
            )
    ranking = sorted(values, key=lambda code: (-values[code], code))
    result: dict[str, Any] = {
        "values": values,
        "ranking": ranking,
        "package": package,
        "explanations": {},
        "frontiers": fronts,
    }
    people = data.get("stakeholders") or {}
    if len(people) >= 2 and len(ranking) >= 2:
        if should_stop():
            raise Stopped
        progress("rank", 0, 1)
        ranks = rank_acceptability(
            {
                "method": "weighted_sum",
                "normalization": "none",
                "alternatives": list(data["scores"]),
                "criteria": [
                    {"id": c, "weight": w} for c, w in zip(data["criteria"], weights, strict=True)
                ],
                "matrix": [data["scores"][code] for code in data["scores"]],
                "weight_samples": list(people.values()),
                "samples": 2000,
                "seed": 1,
            }
        )
        result["rank_robustness"] = {
            "samples": ranks["samples"],
            "first_rank_acceptability": ranks["first_rank_acceptability"],
            "mean_rank": ranks["mean_rank"],
        }
    if package["status"] != "infeasible" and problem.actions:
        result["budget_risk"] = package_risk(problem, package["selected"], data)
    if partial is not None:
        partial(result)
    if problem.actions:
        explained = explain(
            problem,
            time_limit=10,
            budget_seconds=3600,
            progress=lambda done, total: progress("explain", done, total),
            workers=min(2, cores()),
            should_stop=should_stop,
        )
        result["explanations"] = {
            code: _stored(entry) for code, entry in explained.get("actions", {}).items()
        }
    budgets = [r for r in overrunning(problem) if r in FRONTIER_RESOURCES]
    if budgets and package["status"] != "infeasible":
        progress("robust", 0, 1)
        result["robust_curve"] = price_of_robustness(
            problem,
            resources=budgets,
            draws=RISK_DRAWS,
            seed=RISK_SEED,
            distribution=risk_distribution(data),
            correlation=risk_correlation(data),
            time_limit=10,
            budget_seconds=600,
            should_stop=should_stop,
            workers=min(2, cores()),
        )
        result["robust_curve"].pop("seconds", None)
    if data.get("futures") and package["status"] != "infeasible":
        progress("futures", 0, 1)
        result["futures"] = futures_analysis(
            data,
            problem_json,
            package["selected"],
            proven=package["status"] == "optimal",
            should_stop=should_stop,
        )
    return result


def _watched(work: Callable[[], _T], interrupt: Interrupt, should_stop: Callable[[], bool]) -> _T:
    """`work()`, on a thread, asking `should_stop()` while it runs: yes raises `Stopped`.
    Whatever ends the wait (a stop, or `should_stop` failing), the work's solves are
    interrupted, so the pool's exit waits for solves that end at once, not for their time
    limits."""
    if should_stop():
        raise Stopped
    with ThreadPoolExecutor(1) as pool:
        done = pool.submit(work)
        try:
            return result_or_stop(done, should_stop)
        except BaseException:
            interrupt()
            raise


def futures_analysis(
    data: dict[str, Any],
    problem_json: dict[str, Any],
    selected: list[str],
    *,
    proven: bool = False,
    should_stop: Callable[[], bool] = _go_on,
) -> dict[str, Any]:
    """The run's package against the session's futures: each candidate valued in each future
    (the run's weights), then the package with the best worst case and the one with the least
    maximum regret, exactly, and the regret table of every package considered × every future.
    `proven`: `selected` is the optimum of `problem_json` (the run's), so today's best is not
    solved again. `should_stop()` is asked while the solves work: yes interrupts them and
    raises `Stopped`."""
    names = ["today", *(f["code"] for f in data["futures"])]
    per_future = {"today": run_values(data)}
    for f in data["futures"]:
        per_future[f["code"]] = {
            code: weighted_value(scores, data["weights"])
            for code, scores in data["future_scores"][f["code"]].items()
        }
    base = dict(problem_json)
    base["actions"] = [
        a | {"values": {name: per_future[name][a["id"]] for name in names}}
        for a in problem_json["actions"]
    ]
    problem = parse_problem(base | {"futures": {"names": names, "objective": "max_min"}})
    # Each future's best, found once for both objectives (today's is the run's own package
    # when it is proven); then both objectives side by side (HiGHS lets go of Python as it
    # works).
    workers = min(2, cores())
    interrupt = Interrupt()
    objectives = ("max_min", "min_max_regret")

    def solve_all() -> dict[str, dict[str, Any]]:
        bests = best_per_future(
            problem,
            time_limit=30,
            workers=workers,
            nominal=selected if proven else None,
            interrupt=interrupt,
        )

        def solve(objective: str) -> dict[str, Any]:
            spec = replace(problem, future_objective=objective)
            return optimize(spec, time_limit=30, bests=bests, interrupt=interrupt).to_json()

        with ThreadPoolExecutor(workers) as pool:
            return dict(zip(objectives, pool.map(solve, objectives), strict=True))

    chosen = _watched(solve_all, interrupt, should_stop)
    best = chosen["min_max_regret"].get("futures", {}).get("best", {})
    packages = [("run", None, selected)]
    packages += [(kind, None, r["selected"]) for kind, r in chosen.items() if r["selected"]]
    # Each future's best package (the engine's table names it once, with its other roles).
    for row in chosen["min_max_regret"].get("futures", {}).get("table", []):
        roles = [{"kind": row["kind"], "future": row["future"]}, *row["also"]]
        packages += [
            ("best_in", role["future"], row["selected"])
            for role in roles
            if role["kind"] == "best_in"
        ]
    table: list[dict[str, Any]] = []
    for kind, future, package in packages:
        same = next((r for r in table if set(r["selected"]) == set(package)), None)
        if same is not None:
            same["also"].append({"kind": kind, "future": future})
            continue
        values = problem.future_values_of(package)
        regret = {f: best.get(f, values[f]) - values[f] for f in names}
        table.append(
            {
                "kind": kind,
                "future": future,
                "also": [],
                "selected": sorted(package),
                "values": values,
                "regret": regret,
                "min_value": min(values.values()),
                "max_regret": max(regret.values()),
            }
        )
    return {
        "names": names,
        "labels": {f["code"]: f["name"] for f in data["futures"]},
        "best": best,
        "packages": {
            objective: {
                "status": r["status"],
                "objective": r["objective"],
                "selected": r["selected"],
            }
            for objective, r in chosen.items()
        },
        "table": table,
    }


def risk_correlation(data: dict[str, Any]) -> float:
    """How strongly overruns within a reference class move together in a run's budget risk."""
    return float((data.get("risk") or {}).get("correlation", 0.0))


def risk_distribution(data: dict[str, Any]) -> str:
    """The shape of a run's cost ranges in budget risk: triangular unless the session chose."""
    return str((data.get("risk") or {}).get("distribution", "triangular"))


def package_risk(problem: Problem, selected: list[str], data: dict[str, Any]) -> dict[str, Any]:
    """Budget risk of a package of `problem` as the pages read it: seeded, with the
    correlation and shape of ranges of the run whose input is `data`."""
    risk = budget_risk(
        problem,
        selected,
        draws=RISK_DRAWS,
        seed=RISK_SEED,
        correlation=risk_correlation(data),
        distribution=risk_distribution(data),
        workers=min(2, cores()),
    )
    risk.pop("seconds", None)  # the same input stores the same result
    return risk


def _stored(entry: dict[str, Any]) -> dict[str, Any]:
    """An action's explanation as stored: its reasons as data only (the pages word them in the
    reader's language; the engine's English sentences are for its command line)."""
    return {k: v for k, v in entry.items() if k != "kept_out_by"}
