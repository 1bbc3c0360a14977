"""Generated portfolios that look like real catalogues: values not proportional to cost, and
every constraint type of the engine contract (budgets per phase, staff, dependencies,
exclusions, synergies, sector minimums, a size cap, locks)."""

from __future__ import annotations

import numpy as np

from recap.engine.problem import Action, Problem, Synergy

SECTORS = (
    "health",
    "water",
    "energy",
    "mobility",
    "housing",
    "food",
    "economy",
    "nature",
    "drm",
    "governance",
)


def city_portfolio(n: int, seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    phase = rng.choice(["short", "medium"], size=n, p=[0.45, 0.55])
    # Costs are lognormal; value comes from criterion scores that correlate only weakly with cost.
    cost = rng.lognormal(mean=0.0, sigma=0.8, size=n)
    staff = np.round(rng.gamma(2.0, 0.4, size=n), 2)
    scores = rng.beta(2, 3, size=(n, 5))
    weights = np.array([0.35, 0.2, 0.2, 0.15, 0.1])
    value = np.round(100 * scores @ weights * (0.6 + 0.4 * rng.random(n)) + 4 * np.log1p(cost), 2)
    sector = rng.choice(SECTORS, size=n)
    ids = [f"A{i:04d}" for i in range(n)]
    requires: list[list[str]] = [[] for _ in range(n)]
    excludes: list[list[str]] = [[] for _ in range(n)]
    for i in range(1, n):
        if rng.random() < 0.10:
            requires[i].append(ids[int(rng.integers(0, i))])
    for i in range(n):
        if rng.random() < 0.05:
            j = int(rng.integers(0, n))
            if j != i and ids[j] not in requires[i] and ids[i] not in requires[j]:
                excludes[i].append(ids[j])
    actions = []
    for i in range(n):
        budget = "capex_short" if phase[i] == "short" else "capex_medium"
        actions.append(
            Action(
                id=ids[i],
                value=float(value[i]),
                uses={budget: float(np.round(cost[i], 3)), "staff_fte": float(staff[i])},
                sector=str(sector[i]),
                phase=str(phase[i]),
                requires=tuple(requires[i]),
                excludes=tuple(excludes[i]),
            )
        )
    synergies = []
    for _ in range(max(1, n // 10)):
        a, b = rng.choice(n, size=2, replace=False)
        synergies.append(
            Synergy(
                actions=(ids[int(a)], ids[int(b)]), bonus=float(np.round(rng.uniform(2, 12), 2))
            )
        )
    short_total = cost[phase == "short"].sum()
    medium_total = cost[phase == "medium"].sum()
    free = [i for i in range(n) if not requires[i] and not excludes[i]]
    lock_in = [ids[i] for i in rng.choice(free, size=2, replace=False)]
    lock_out = [
        ids[i]
        for i in rng.choice([i for i in free if ids[i] not in lock_in], size=2, replace=False)
    ]
    return Problem(
        resources={
            "capex_short": float(np.round(0.25 * short_total, 2)),
            "capex_medium": float(np.round(0.3 * medium_total, 2)),
            "staff_fte": float(np.round(0.3 * staff.sum(), 2)),
        },
        actions=tuple(actions),
        synergies=tuple(synergies),
        min_per_sector=dict.fromkeys(SECTORS[:6], 1),
        max_actions=max(5, n // 4),
        must_include=tuple(lock_in),
        must_exclude=tuple(lock_out),
    )


def programme_portfolio(n: int, m: int, seed: int) -> Problem:
    """A programme-wide portfolio: n actions across countries, m budgets (capex by country and
    phase, shared staff), sector minimums and a size cap."""
    rng = np.random.default_rng(seed)
    usage = rng.lognormal(0.0, 0.7, size=(m, n)) * (rng.random((m, n)) < 0.5)
    usage[0] = np.round(rng.gamma(2.0, 0.3, size=n), 3)  # everyone uses staff
    scores = rng.beta(2, 3, size=(n, 5))
    value = np.round(100 * scores @ np.array([0.35, 0.2, 0.2, 0.15, 0.1]) + 3 * rng.random(n), 2)
    names = ["staff_fte", *[f"capex_{k}" for k in range(1, m)]]
    sector = rng.choice(SECTORS, size=n)
    actions = tuple(
        Action(
            id=f"P{j:05d}",
            value=float(value[j]),
            uses={names[r]: float(np.round(usage[r, j], 3)) for r in range(m) if usage[r, j] > 0},
            sector=str(sector[j]),
        )
        for j in range(n)
    )
    return Problem(
        resources={names[r]: float(np.round(0.3 * usage[r].sum(), 2)) for r in range(m)},
        actions=actions,
        min_per_sector=dict.fromkeys(SECTORS, 20),
        max_actions=n // 3,
    )


#: Reference classes and their overrun (uplift) on the most likely cost, low to high, as the
#: benchmark draws them: roughly the spread of the published optimism-bias ranges (the data
#: the platform uses is `recap/catalogue/data/reference_classes.json`, with its sources).
UPLIFT = {
    "standard_buildings": (0.02, 0.24),
    "non_standard_civil_engineering": (0.06, 0.66),
    "equipment_development": (0.10, 2.00),
    "outsourcing": (0.0, 0.41),
}


def with_uncertainty(problem: Problem, seed: int, futures: int = 0) -> Problem:
    """`problem` with cost ranges on its budgets (a reference class per action: a high cost
    from its uplift range, a low cost 10 % under the most likely) and, with `futures`, a value
    per future (each sector's value scaled by a factor drawn per future)."""
    from dataclasses import replace

    rng = np.random.default_rng(seed + 7)
    classes = list(UPLIFT)
    names = [f"future_{k}" for k in range(futures)]
    factor = {(f, s): float(rng.uniform(0.5, 1.8)) for f in names for s in SECTORS}
    actions = []
    for a in problem.actions:
        kind = classes[int(rng.integers(0, len(classes)))]
        low, high = UPLIFT[kind]
        uplift = float(rng.uniform(low, high))
        budgets = {r: x for r, x in a.uses.items() if r.startswith("capex")}
        actions.append(
            replace(
                a,
                uses_high={r: round(x * (1 + uplift), 3) for r, x in budgets.items()},
                uses_low={r: round(x * 0.9, 3) for r, x in budgets.items()},
                reference_class=kind,
                future_values={
                    f: round(a.value * factor[(f, a.sector)] * float(rng.uniform(0.9, 1.1)), 2)
                    for f in names
                },
            )
        )
    return replace(
        problem,
        actions=tuple(actions),
        futures=tuple(names),
        synergies=tuple(replace(s, future_bonuses={}) for s in problem.synergies),
    )
