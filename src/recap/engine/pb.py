"""Participatory-budgeting rules: which residents' proposals a budget funds, from their votes.

Contract: `pb_outcome(instance, rule, completion=None, tie_breaking="lexicographic",
minimums=None)` returns a JSON-ready dict (see `docs/participatory-budgeting.md`): the
selected projects in the order the rule chose them, the money used, figures (support covered,
voters with at least one funded project, shares per category / target / district) and, for
every supported project left out, why. Rules run in exact rational arithmetic
(`fractions.Fraction`; the Method of Equal Shares, which the budget-increase completions rerun
hundreds of times, in GMP's rationals, `gmpy2.mpq`, about ten times faster and as exact) and are
deterministic: every tie is broken by a named total order.

Rules (their outcomes equal pabutools 1.2.3's, the reference implementation; the tests check):

- `greedy`: projects by total support (approvals, or points), skipping any that no longer fits
  (pabutools: `greedy_utilitarian_welfare` with cost-satisfaction).
- `utilitarian`: the most approvals / points the budget can buy, proven optimal by HiGHS (a
  knapsack MILP), optionally with minimums per category / target / district; among optimal
  sets, the tie-breaking order decides (pabutools: `max_additive_utilitarian_welfare`).
- `mes`: the Method of Equal Shares (each voter holds budget/n; cost-utility for approval
  ballots, points for cumulative and scoring), with completions `add_one` (pabutools'
  `voter_budget_increment=1`), `exhaustion_by_budget_increase` (1% steps), `utilitarian_greedy`
  (`completion_by_rule_combination` with the greedy rule) or a budget increase followed by
  `+utilitarian_greedy`.
- `phragmen`: sequential Phragmén (approval ballots only); it stops at the first project that
  would be chosen but does not fit. `utilitarian_greedy` may complete it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import gmpy2
import highspy
import numpy as np

from . import validate as v
from .errors import ProblemError
from .mip import silenced_stdout
from .pabulib import PbInstance, PbProject, parse_pabulib

RULES = ("greedy", "utilitarian", "mes", "phragmen")
TIE_BREAKINGS = ("lexicographic", "min_cost", "max_cost")
COMPLETIONS = (
    "add_one",
    "exhaustion_by_budget_increase",
    "utilitarian_greedy",
    "add_one+utilitarian_greedy",
    "exhaustion_by_budget_increase+utilitarian_greedy",
)
#: Budget-increase rounds a completion may run before giving up (each round is a full MES run).
MAX_INCREASE_ROUNDS = 20_000
MAX_PB_CHARS = 50_000_000
_INF = math.inf
_ZERO = gmpy2.mpq(0)


def _q(x: Fraction | int) -> Any:
    """An exact rational as GMP's (for the Method of Equal Shares' inner loops)."""
    return gmpy2.mpq(x.numerator, x.denominator)


def _fraction(x: Any) -> Fraction:
    """Back from GMP's rational to Python's, for what the result reports."""
    return Fraction(int(x.numerator), int(x.denominator))


Number = Fraction | float  # float only for +infinity


# --------------------------------------------------------------------------------------------
# Ties and satisfaction


def tie_order(instance: PbInstance, tie_breaking: str) -> dict[str, int]:
    """Each project's rank in the tie-breaking order (0 wins a tie).

    lexicographic: by project id as text ("10" < "9"); min_cost: cheapest first, then by id;
    max_cost: dearest first, then by id."""
    key: Callable[[PbProject], tuple[Any, ...]]
    if tie_breaking == "lexicographic":
        key = lambda p: (p.id,)  # noqa: E731
    elif tie_breaking == "min_cost":
        key = lambda p: (p.cost, p.id)  # noqa: E731
    elif tie_breaking == "max_cost":
        key = lambda p: (-p.cost, p.id)  # noqa: E731
    else:
        raise ProblemError("tie_breaking", f"must be one of {', '.join(TIE_BREAKINGS)}")
    return {p.id: k for k, p in enumerate(sorted(instance.projects, key=key))}


def _utilities(instance: PbInstance) -> list[dict[str, Fraction]]:
    """Per ballot, the projects it gives a non-zero utility (1 per approval, else points)."""
    if instance.vote_type == "ordinal":
        raise ProblemError(
            "vote_type", "ordinal ballots carry no scores; these rules need approval or points"
        )
    out = []
    for b in instance.ballots:
        if b.points is None:
            out.append(dict.fromkeys(b.projects, Fraction(1)))
        else:
            out.append({p: pts for p, pts in zip(b.projects, b.points, strict=True) if pts})
    return out


def _support(instance: PbInstance, utils: list[dict[str, Fraction]]) -> dict[str, Fraction]:
    total = {p.id: Fraction(0) for p in instance.projects}
    for u in utils:
        for pid, x in u.items():
            total[pid] += x
    return total


# --------------------------------------------------------------------------------------------
# Greedy


@dataclass
class _Trace:
    """What a rule did, for the explanations."""

    order: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    #: The same reasons as data, for a reader who words them in their own language: a list of
    #: {"kind": ..., figures} per project (docs/participatory-budgeting.md, "not_funded").
    why: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


def _greedy(
    instance: PbInstance,
    density: Mapping[str, Number],
    ties: Mapping[str, int],
    selected: list[str],
    *,
    trace: _Trace,
    stage: str,
) -> list[str]:
    """Add projects by decreasing density, ties by `ties`, each if it still fits."""
    chosen = list(selected)
    remaining = instance.budget - sum((instance.index[p].cost for p in chosen), Fraction(0))
    rest = [p for p in instance.projects if p.id not in chosen]
    rest.sort(key=lambda p: (-density[p.id], ties[p.id]))
    for rank, p in enumerate(rest, start=1):
        if p.cost <= remaining:
            chosen.append(p.id)
            remaining -= p.cost
        else:
            why = (
                f"{stage}: when its turn came (rank {rank}), {_fmt(remaining)} was left "
                f"and it costs {_fmt(p.cost)}"
            )
            before = trace.notes.get(p.id)
            trace.notes[p.id] = f"{before}; then {why}" if before else why
            trace.why.setdefault(p.id, []).append(
                {
                    "kind": "no_room",
                    "stage": "completion" if stage == "completion" else "greedy",
                    "rank": rank,
                    "left": _num(remaining),
                    "cost": _num(p.cost),
                }
            )
    return chosen


def _density_by_support(instance: PbInstance, support: Mapping[str, Fraction]) -> dict[str, Number]:
    """Greedy by votes: pabutools' density with cost-satisfaction, total·cost/cost."""
    out: dict[str, Number] = {}
    for p in instance.projects:
        total = support[p.id] * p.cost
        out[p.id] = (total / p.cost if p.cost > 0 else _INF) if total > 0 else Fraction(0)
    return out


def _density_by_sat(instance: PbInstance, sat: Mapping[str, Fraction]) -> dict[str, Number]:
    out: dict[str, Number] = {}
    for p in instance.projects:
        total = sat[p.id]
        out[p.id] = (total / p.cost if p.cost > 0 else _INF) if total > 0 else Fraction(0)
    return out


# --------------------------------------------------------------------------------------------
# Method of Equal Shares


def _mes_sat(instance: PbInstance, utils: list[dict[str, Fraction]]) -> list[dict[str, Fraction]]:
    """MES satisfaction: cost-utility for approval ballots (cost per approved project), points
    for cumulative and scoring ballots. Only positive satisfactions make a supporter."""
    cost = {p.id: p.cost for p in instance.projects}
    if instance.is_approval:
        return [{pid: cost[pid] for pid in u} for u in utils]
    return [{pid: x for pid, x in u.items() if x > 0} for u in utils]


def _mes_run(
    instance: PbInstance,
    sats: Sequence[Mapping[str, Any]],
    per_voter: Fraction,
    ties: Mapping[str, int],
    trace: _Trace | None,
) -> list[str]:
    """One run of MES with each voter holding `per_voter`. Returns the selection in order.
    `sats` are GMP rationals (`_mes_sats`): so is every sum and price here."""
    n = len(sats)
    budgets = [_q(per_voter)] * n
    supporters: dict[str, list[int]] = {p.id: [] for p in instance.projects}
    for i, s in enumerate(sats):
        for pid in s:
            supporters[pid].append(i)
    chosen: list[str] = []
    candidates: set[str] = set()
    for p in instance.projects:
        total = sum((sats[i][p.id] for i in supporters[p.id]), _ZERO)
        if total > 0:
            if p.cost > 0:
                candidates.add(p.id)
            else:
                chosen.append(p.id)  # free and wanted: pabutools takes it before the rounds
    cost = {p.id: _q(p.cost) for p in instance.projects}
    # ρ only rises as budgets fall, so last round's ρ is a lower bound: scan candidates by it
    # and stop once it exceeds the best ρ found this round (pabutools does the same).
    bound: dict[str, Any] = {
        pid: cost[pid] / sum((sats[i][pid] for i in supporters[pid]), _ZERO) for pid in candidates
    }
    rounds = 0
    while True:
        best: Any = None
        tied: list[str] = []
        for pid in sorted(candidates, key=lambda q: (bound[q], ties[q])):
            sup = supporters[pid]
            money = sum((budgets[i] for i in sup), _ZERO)
            if money < cost[pid]:
                candidates.discard(pid)
                if trace is not None:
                    trace.notes[pid] = (
                        f"equal shares, round {rounds + 1}: its {len(sup)} supporters had "
                        f"{_fmt(_fraction(money))} left, less than its cost "
                        f"{_fmt(instance.index[pid].cost)}, so no "
                        "price share could pay for it"
                    )
                    trace.why[pid] = [
                        {
                            "kind": "supporters_short",
                            "round": rounds + 1,
                            "supporters": len(sup),
                            "money": _num(_fraction(money)),
                            "cost": _num(instance.index[pid].cost),
                        }
                    ]
                continue
            if best is not None and bound[pid] > best:
                break
            rho = _affordability(pid, cost[pid], sup, budgets, sats)
            bound[pid] = rho
            if best is None or rho < best:
                best, tied = rho, [pid]
            elif rho == best:
                tied.append(pid)
        if best is None:
            break
        rounds += 1
        pick = min(tied, key=lambda pid: ties[pid])
        chosen.append(pick)
        candidates.discard(pick)
        for i in supporters[pick]:
            budgets[i] -= min(budgets[i], best * sats[i][pick])
    if trace is not None:
        trace.details["mes_rounds"] = rounds
    return chosen


def _affordability(
    pid: str,
    cost: Any,
    sup: list[int],
    budgets: list[Any],
    sats: Sequence[Mapping[str, Any]],
) -> Any:
    """The least ρ with Σ min(budget_i, ρ·sat_i) = cost over the project's supporters."""
    order = sorted(sup, key=lambda i: budgets[i] / sats[i][pid])
    paid = _ZERO
    denom = sum((sats[i][pid] for i in sup), _ZERO)
    for i in order:
        rho = (cost - paid) / denom
        if rho * sats[i][pid] <= budgets[i]:
            return rho
        paid += budgets[i]
        denom -= sats[i][pid]
    raise AssertionError("affordability asked of a project its supporters cannot pay for")


def _total(instance: PbInstance, chosen: Iterable[str]) -> Fraction:
    index = instance.index
    return sum((index[p].cost for p in chosen), Fraction(0))


def _exhaustive(instance: PbInstance, chosen: Sequence[str], among: Iterable[str]) -> bool:
    spent = _total(instance, chosen)
    index = instance.index
    return all(p in chosen or index[p].cost + spent > instance.budget for p in among)


def _mes(
    instance: PbInstance,
    utils: list[dict[str, Fraction]],
    ties: Mapping[str, int],
    completion: str | None,
    trace: _Trace,
) -> list[str]:
    sats = _mes_sat(instance, utils)
    exact = [{pid: _q(x) for pid, x in s.items()} for s in sats]  # GMP's, for the MES runs
    n = len(sats)
    if n == 0:
        return []
    steps = completion.split("+") if completion else []
    increase = steps[0] if steps and steps[0] != "utilitarian_greedy" else None
    base = instance.budget / n
    if increase is None:
        chosen = _mes_run(instance, exact, base, ties, trace)
        trace.details["per_voter_budget"] = _num(base)
    elif increase == "add_one":
        chosen = _add_one(instance, exact, base, ties, trace)
    else:
        chosen = _budget_increase(instance, exact, ties, trace)
    if "utilitarian_greedy" in steps and not _exhaustive(
        instance, chosen, (p.id for p in instance.projects)
    ):
        sat_total = {p.id: Fraction(0) for p in instance.projects}
        for s in sats:
            for pid, x in s.items():
                sat_total[pid] += x
        chosen = _greedy(
            instance,
            _density_by_sat(instance, sat_total),
            ties,
            chosen,
            trace=trace,
            stage="completion",
        )
    return chosen


def _add_one(
    instance: PbInstance,
    sats: Sequence[Mapping[str, Any]],
    base: Fraction,
    ties: Mapping[str, int],
    trace: _Trace,
) -> list[str]:
    """pabutools' iterated MES (`voter_budget_increment=1`): raise each voter's budget by one
    unit until the outcome is exhaustive among the projects MES can fund, or overspends (then
    the previous outcome stands)."""
    free = [p.id for p in instance.projects if p.cost == 0 and any(p.id in s for s in sats)]
    among = [p.id for p in instance.projects if p.cost > 0 and any(p.id in s for s in sats)]
    previous: list[str] = free
    per_voter = base
    for _ in range(MAX_INCREASE_ROUNDS):
        run = _Trace()
        outcome = _mes_run(instance, sats, per_voter, ties, run)
        if _total(instance, outcome) > instance.budget:
            return previous
        trace.notes, trace.why, trace.details = run.notes, run.why, run.details
        trace.details["per_voter_budget"] = _num(per_voter)
        if _exhaustive(instance, outcome, among):
            return outcome
        previous = outcome
        per_voter += 1
    raise ProblemError(
        "completion",
        f"add_one needs more than {MAX_INCREASE_ROUNDS} rounds here (the budget is large "
        "per voter); use exhaustion_by_budget_increase",
    )


def _budget_increase(
    instance: PbInstance,
    sats: Sequence[Mapping[str, Any]],
    ties: Mapping[str, int],
    trace: _Trace,
) -> list[str]:
    """pabutools' `exhaustion_by_budget_increase` around MES: raise the whole budget by 1% of
    it until the outcome is exhaustive (among all projects) or overspends the real budget
    (then the previous outcome stands); at most up to budget·(n+1)."""
    n = len(sats)
    step = instance.budget / 100
    bound = instance.budget * (n + 1)
    current = instance.budget
    previous: list[str] = []
    everything = [p.id for p in instance.projects]
    rounds = 0
    while current <= bound:
        rounds += 1
        if rounds > MAX_INCREASE_ROUNDS:
            raise ProblemError(
                "completion", f"exhaustion_by_budget_increase needs more than {rounds - 1} rounds"
            )
        run = _Trace()
        outcome = _mes_run(instance, sats, current / n, ties, run)
        if _total(instance, outcome) > instance.budget:
            return previous
        trace.notes, trace.why, trace.details = run.notes, run.why, run.details
        trace.details["per_voter_budget"] = _num(current / n)
        trace.details["virtual_budget"] = _num(current)
        if _exhaustive(instance, outcome, everything):
            return outcome
        if step == 0:
            return outcome
        previous = outcome
        current += step
    return previous


# --------------------------------------------------------------------------------------------
# Sequential Phragmén


def _phragmen(
    instance: PbInstance,
    utils: list[dict[str, Fraction]],
    ties: Mapping[str, int],
    trace: _Trace,
) -> list[str]:
    if not instance.is_approval:
        raise ProblemError("rule", "phragmen applies to approval ballots only")
    loads = [Fraction(0)] * len(utils)
    supporters: dict[str, list[int]] = {p.id: [] for p in instance.projects}
    for i, u in enumerate(utils):
        for pid in u:
            supporters[pid].append(i)
    index = instance.index
    remaining = {p.id for p in instance.projects if p.cost <= instance.budget}
    chosen: list[str] = []
    spent = Fraction(0)
    while remaining:
        best: Number | None = None
        tied: list[str] = []
        for pid in remaining:
            sup = supporters[pid]
            load: Number = (
                (sum((loads[i] for i in sup), Fraction(0)) + index[pid].cost) / len(sup)
                if sup
                else _INF
            )
            if best is None or load < best:
                best, tied = load, [pid]
            elif load == best:
                tied.append(pid)
        assert best is not None
        blocked = [p for p in tied if spent + index[p].cost > instance.budget]
        if blocked:
            first = min(blocked, key=lambda p: ties[p])
            trace.details["stopped_at"] = first
            for pid in remaining:
                trace.notes[pid] = (
                    f"Phragmén stopped: the next project, {first} (max load "
                    f"{_fmt(best)}), no longer fitted in the {_fmt(instance.budget - spent)} left"
                    + ("" if pid == first else "; this project was not yet reached")
                )
                trace.why[pid] = [
                    {
                        "kind": "stopped",
                        "next": first,
                        "left": _num(instance.budget - spent),
                        "reached": pid == first,
                    }
                ]
            break
        pick = min(tied, key=lambda p: ties[p])
        if supporters[pick]:
            assert isinstance(best, Fraction)
            for i in supporters[pick]:
                loads[i] = best
        chosen.append(pick)
        spent += index[pick].cost
        remaining.discard(pick)
    for p in instance.projects:
        if p.cost > instance.budget:
            trace.notes.setdefault(p.id, "costs more than the whole budget")
            trace.why.setdefault(p.id, [{"kind": "over_budget"}])
    return chosen


# --------------------------------------------------------------------------------------------
# Exact utilitarian (HiGHS)


@dataclass(frozen=True)
class Minimum:
    field: str  # category | target | any PROJECTS column (district, subunit...)
    value: str
    projects: int = 0
    cost: Fraction = Fraction(0)

    def members(self, instance: PbInstance) -> list[int]:
        out = []
        for j, p in enumerate(instance.projects):
            if self.field == "category":
                hit = self.value in p.categories
            elif self.field == "target":
                hit = self.value in p.targets
            else:
                hit = p.attributes.get(self.field) == self.value
            if hit:
                out.append(j)
        return out

    @property
    def label(self) -> str:
        return f"{self.field}={self.value}"


def _knapsack(
    costs: Sequence[Fraction],
    budget: Fraction,
    scores: Sequence[int],
    minimums: Sequence[tuple[list[int], int, Fraction]],
    *,
    fixed: Mapping[int, int],
    floor: int | None,
) -> list[int] | None:
    """max Σ score·x under Σ cost·x ≤ budget, the minimums, x fixed where asked and (with
    `floor`) Σ score·x ≥ floor. Returns the 0/1 vector, exactly verified, or None if
    infeasible."""
    n = len(costs)
    scale = max([budget, *costs, Fraction(1)])
    inf = highspy.kHighsInf
    with silenced_stdout():
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    h.setOptionValue("mip_feasibility_tolerance", 1e-9)
    h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    lower = np.array([float(fixed.get(j, 0)) for j in range(n)])
    upper = np.array([float(fixed.get(j, 1)) for j in range(n)])
    h.addVars(n, lower, upper)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(scores, dtype=float))
    h.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger)
    )

    def row(coefs: Sequence[float], lo: float, hi: float) -> None:
        idx = [j for j in range(n) if coefs[j]]
        h.addRow(
            lo,
            hi,
            len(idx),
            np.array(idx, dtype=np.int32),
            np.array([coefs[j] for j in idx], dtype=float),
        )

    row([float(c / scale) for c in costs], -inf, float(budget / scale))
    for members, count, money in minimums:
        if count:
            row([1.0 if j in members else 0.0 for j in range(n)], float(count), inf)
        if money:
            row(
                [float(costs[j] / scale) if j in members else 0.0 for j in range(n)],
                float(money / scale) - 1e-12,
                inf,
            )
    if floor is not None:
        row([float(s) for s in scores], floor - 0.5, inf)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return None
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS: {h.modelStatusToString(status)}")
    x = [1 if val > 0.5 else 0 for val in h.getSolution().col_value]
    # Exact check: HiGHS works in floating point; the answer must hold in exact arithmetic.
    ok = sum((c for c, xj in zip(costs, x, strict=True) if xj), Fraction(0)) <= budget
    for members, count, money in minimums:
        ok = ok and sum(x[j] for j in members) >= count
        ok = ok and sum((costs[j] for j in members if x[j]), Fraction(0)) >= money
    ok = ok and all(x[j] == val for j, val in fixed.items())
    if not ok:
        raise RuntimeError("HiGHS returned a selection that fails the exact check")
    return x


def _utilitarian(
    instance: PbInstance,
    utils: list[dict[str, Fraction]],
    ties: Mapping[str, int],
    minimums: Sequence[Minimum],
    trace: _Trace,
) -> list[str] | None:
    support = _support(instance, utils)
    projects = instance.projects
    denom = math.lcm(*[support[p.id].denominator for p in projects]) if projects else 1
    scores = [int(support[p.id] * denom) for p in projects]
    costs = [p.cost for p in projects]
    mins = [(m.members(instance), m.projects, m.cost) for m in minimums]
    fixed: dict[int, int] = {}
    x = _knapsack(costs, instance.budget, scores, mins, fixed=fixed, floor=None)
    if x is None:
        return None
    best = sum(s * xj for s, xj in zip(scores, x, strict=True))
    # Among optimal sets: walk the tie-breaking order; a supported project is kept in if some
    # optimal set still allows it, an unsupported one is kept out if some optimal set allows.
    solves = 1
    for j in sorted(range(len(projects)), key=lambda j: ties[projects[j].id]):
        want = 1 if scores[j] > 0 else 0
        if x[j] != want:
            trial = _knapsack(
                costs, instance.budget, scores, mins, fixed={**fixed, j: want}, floor=best
            )
            solves += 1
            if trial is not None:
                x = trial
        fixed[j] = x[j]
    trace.details["optimum"] = _num(Fraction(best, denom))
    trace.details["highs_solves"] = solves
    # Why a supported project is out: the best score with it forced in.
    for j, p in enumerate(projects):
        if x[j] or scores[j] <= 0:
            continue
        if p.cost > instance.budget:
            trace.notes[p.id] = "costs more than the whole budget"
            trace.why[p.id] = [{"kind": "over_budget"}]
            continue
        forced = _knapsack(costs, instance.budget, scores, mins, fixed={j: 1}, floor=None)
        if forced is None:
            trace.notes[p.id] = "no selection that includes it meets the minimums"
            trace.why[p.id] = [{"kind": "minimums"}]
        else:
            with_it = Fraction(sum(s * f for s, f in zip(scores, forced, strict=True)), denom)
            trace.notes[p.id] = (
                f"funding it, the best reachable total is {_fmt(with_it)}, below the optimum "
                f"{_fmt(Fraction(best, denom))}"
            )
            trace.why[p.id] = [
                {
                    "kind": "below_optimum",
                    "with_it": _num(with_it),
                    "optimum": _num(Fraction(best, denom)),
                }
            ]
    return [p.id for j, p in enumerate(projects) if x[j]]


# --------------------------------------------------------------------------------------------
# Entry points


def _fmt(x: Number) -> str:
    if isinstance(x, float):
        return "infinite"
    if x.denominator == 1:
        return f"{x.numerator:,}"
    return f"{float(x):,.4f}"


def _num(x: Fraction) -> int | float:
    return x.numerator if x.denominator == 1 else float(x)


def parse_minimums(value: Any, path: str = "minimums") -> list[Minimum]:
    """`[{"field": "district", "value": "North", "projects": 1, "cost": 50000}, ...]`."""
    out = []
    for k, item in enumerate(v.array(value, path)):
        where = v.join(path, k)
        m = v.obj(item, where)
        v.no_unknown_keys(m, ("field", "value", "projects", "cost"), where)
        fld = v.string(v.required(m, "field", where), v.join(where, "field"))
        val = v.string(v.required(m, "value", where), v.join(where, "value"))
        count = v.integer(m.get("projects", 0), v.join(where, "projects"), minimum=0)
        money = v.number(m.get("cost", 0), v.join(where, "cost"), minimum=0)
        if not count and not money:
            raise ProblemError(where, "needs 'projects' >= 1 or 'cost' > 0")
        out.append(Minimum(fld, val, count, Fraction(str(money)) if money else Fraction(0)))
    return out


def _figures(
    instance: PbInstance, chosen: Sequence[str], utils: list[dict[str, Fraction]]
) -> dict[str, Any]:
    index = instance.index
    support = _support(instance, utils)
    spent = _total(instance, chosen)
    picked = set(chosen)
    covered = sum((support[p] for p in chosen), Fraction(0))
    total = sum(support.values(), Fraction(0))
    happy = sum(1 for u in utils if picked & u.keys())
    n = len(utils)
    shares: dict[str, dict[str, dict[str, Any]]] = {}

    def add(group: str, value: str, p: PbProject) -> None:
        slot = shares.setdefault(group, {}).setdefault(
            value, {"projects": 0, "funded": 0, "cost": Fraction(0)}
        )
        slot["projects"] += 1
        if p.id in picked:
            slot["funded"] += 1
            slot["cost"] += p.cost

    for p in instance.projects:
        for c in p.categories:
            add("category", c, p)
        for t in p.targets:
            add("target", t, p)
        for col in ("district", "subunit", "area", "neighbourhood", "neighborhood"):
            if col in p.attributes:
                add(col, p.attributes[col], p)
    for groups in shares.values():
        for slot in groups.values():
            cost = slot["cost"]
            slot["share_of_spent"] = float(cost / spent) if spent else 0.0
            slot["cost"] = _num(cost)
    kind = "approvals" if instance.is_approval else "points"
    return {
        "spent": _num(spent),
        "budget": _num(instance.budget),
        "left": _num(instance.budget - spent),
        "share_spent": float(spent / instance.budget) if instance.budget else 0.0,
        "support_kind": kind,
        "support_covered": _num(covered),
        "support_total": _num(total),
        "share_of_support_covered": float(covered / total) if total else 0.0,
        "voters": n,
        "voters_with_a_funded_project": happy,
        "share_of_voters_with_a_funded_project": happy / n if n else 0.0,
        "shares": shares,
        "projects_funded": len(chosen),
        "projects": len(index),
    }


def pb_outcome(
    instance: PbInstance,
    rule: str,
    completion: str | None = None,
    tie_breaking: str = "lexicographic",
    minimums: Sequence[Minimum] | None = None,
) -> dict[str, Any]:
    """The projects `rule` funds (see the module docstring), with figures and reasons."""
    if rule not in RULES:
        raise ProblemError("rule", f"must be one of {', '.join(RULES)}")
    if completion is not None and completion not in COMPLETIONS:
        raise ProblemError("completion", f"must be one of {', '.join(COMPLETIONS)}")
    if completion is not None and rule != "mes" and completion != "utilitarian_greedy":
        raise ProblemError("completion", f"{completion} completes mes only")
    if completion is not None and rule in ("greedy", "utilitarian"):
        raise ProblemError("completion", f"{rule} needs no completion: it is exhaustive")
    if minimums is not None and rule != "utilitarian":
        raise ProblemError("minimums", "apply to the utilitarian rule only")
    ties = tie_order(instance, tie_breaking)
    utils = _utilities(instance)
    support = _support(instance, utils)
    trace = _Trace()
    status = "ok"
    if rule == "greedy":
        chosen = _greedy(
            instance,
            _density_by_support(instance, support),
            ties,
            [],
            trace=trace,
            stage="greedy by votes",
        )
    elif rule == "utilitarian":
        found = _utilitarian(instance, utils, ties, list(minimums or ()), trace)
        status = "ok" if found is not None else "infeasible"
        chosen = found or []
    elif rule == "mes":
        chosen = _mes(instance, utils, ties, completion, trace)
    else:
        chosen = _phragmen(instance, utils, ties, trace)
        if completion == "utilitarian_greedy" and not _exhaustive(
            instance, chosen, (p.id for p in instance.projects)
        ):
            cost_sat = {p.id: support[p.id] * p.cost for p in instance.projects}
            chosen = _greedy(
                instance,
                _density_by_sat(instance, cost_sat),
                ties,
                chosen,
                trace=trace,
                stage="completion",
            )
    picked = set(chosen)
    index = instance.index
    not_funded = []
    for p in sorted(instance.projects, key=lambda p: (-support[p.id], ties[p.id])):
        if p.id in picked or support[p.id] <= 0:
            continue
        reason = trace.notes.get(p.id)
        why = trace.why.get(p.id) or [{"kind": "not_chosen"}]
        if p.cost > instance.budget:
            reason = "costs more than the whole budget"
            why = [{"kind": "over_budget"}]
        not_funded.append(
            {
                "project": p.id,
                "support": _num(support[p.id]),
                "cost": _num(p.cost),
                "reason": reason or "not chosen by the rule",
                "why": why,
            }
        )
    return {
        "rule": rule,
        "completion": completion,
        "tie_breaking": tie_breaking,
        "vote_type": instance.vote_type,
        "status": status,
        "selected": list(chosen),
        "selected_sorted": sorted(chosen, key=lambda pid: ties[pid]),
        "cost": _num(_total(instance, chosen)),
        "budget": _num(instance.budget),
        "figures": _figures(instance, chosen, utils),
        "not_funded": not_funded,
        "details": trace.details,
        "projects": [
            {
                "id": p.id,
                "cost": _num(p.cost),
                "support": _num(support[p.id]),
                "name": index[p.id].attributes.get("name", ""),
            }
            for p in instance.projects
        ],
    }


def run_pb_json(data: Any) -> dict[str, Any]:
    """The JSON face for a future CLI verb: `{"pb": "<text of a .pb file>", "rule": "mes",
    "completion": "add_one+utilitarian_greedy", "tie_breaking": "min_cost",
    "minimums": [...]}`; only `pb` and `rule` are required."""
    d = v.obj(data, "")
    v.no_unknown_keys(d, ("pb", "rule", "completion", "tie_breaking", "minimums"), "")
    text = v.string(v.required(d, "pb", ""), "pb", max_length=MAX_PB_CHARS)
    rule = v.string(v.required(d, "rule", ""), "rule")
    completion = d.get("completion")
    if completion is not None:
        completion = v.string(completion, "completion")
    tie_breaking = v.string(d.get("tie_breaking", "lexicographic"), "tie_breaking")
    minimums = parse_minimums(d["minimums"]) if d.get("minimums") is not None else None
    instance = parse_pabulib(text)
    return pb_outcome(instance, rule, completion, tie_breaking, minimums)
