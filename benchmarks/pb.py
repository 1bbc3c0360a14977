"""Seconds per participatory-budgeting rule (recap.engine.pb) on the largest shipped pabulib file.

Usage:  .venv/bin/python -m benchmarks.pb [--runs 3] [--file PATH.pb] [--approval-file PATH.pb]
        [--skip add_one] [--pabutools]

Times, in one process and one run, parsing the file and then every rule on it: greedy, exact
(pb.py's `utilitarian`), mes, mes with each completion, and phragmen (approval ballots only: on
a cumulative file such as Toulouse it is timed on --approval-file instead, the largest shipped
approval file). Each figure is the median of --runs runs of `pb_outcome` (the whole result:
rule, figures and reasons, as `recap allocate` computes it), with the ratio to greedy's median
in the same run and whether it meets the issue's target of 10 s. The rules are run
interleaved (greedy, exact, mes, ... then again), so a busy machine slows them alike.
`--skip NAME` leaves out every case whose label contains NAME (repeat). `--pabutools` also
times pabutools 1.2.3 (the reference implementation, a dev dependency) once per rule, for
comparison. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from recap.engine.pabulib import PbInstance, parse_pabulib
from recap.engine.pb import COMPLETIONS, pb_outcome

DATA = Path(__file__).resolve().parent.parent / "src/recap/engine/tests/data/pabulib"
TARGET_SECONDS = 10.0


def _largest(approval_only: bool) -> Path:
    files = sorted(DATA.glob("*.pb"), key=lambda p: p.stat().st_size, reverse=True)
    for path in files:
        if not approval_only or parse_pabulib(path.read_text("utf-8")).is_approval:
            return path
    raise SystemExit(f"no {'approval ' if approval_only else ''}.pb file in {DATA}")


def _pabutools(path: Path, rule: str, completion: str | None) -> Callable[[], Any] | None:
    """pabutools' equivalent of one case (lexicographic ties), or None if it has none."""
    from pabutools.election import (  # type: ignore[import-untyped]
        Additive_Cardinal_Sat,
        Cardinality_Sat,
        Cost_Sat,
    )
    from pabutools.election import parse_pabulib as parse
    from pabutools.rules import (  # type: ignore[import-untyped]
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        max_additive_utilitarian_welfare,
        method_of_equal_shares,
        sequential_phragmen,
    )

    inst, prof = parse(str(path))
    approval = inst.meta.get("vote_type") in ("approval", "choose-1")
    sat = Cost_Sat if approval else Additive_Cardinal_Sat
    if rule == "greedy":
        return lambda: greedy_utilitarian_welfare(inst, prof, sat_class=Cost_Sat)
    if rule == "utilitarian":
        card = Cardinality_Sat if approval else Additive_Cardinal_Sat
        return lambda: max_additive_utilitarian_welfare(inst, prof, sat_class=card)
    if rule == "phragmen":
        return lambda: sequential_phragmen(inst, prof)
    steps = completion.split("+") if completion else []
    mes: dict[str, Any] = {"sat_class": sat}
    first: Any = method_of_equal_shares
    params: dict[str, Any] = dict(mes)
    if "add_one" in steps:
        params["voter_budget_increment"] = 1
    if "exhaustion_by_budget_increase" in steps:
        first = exhaustion_by_budget_increase
        params = {"rule": method_of_equal_shares, "rule_params": dict(mes)}
    if "utilitarian_greedy" in steps:
        rules = [first, greedy_utilitarian_welfare]
        return lambda: completion_by_rule_combination(inst, prof, rules, [params, mes])
    return lambda: first(inst, prof, **params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per rule (median)")
    parser.add_argument("--file", type=Path, help="default: the largest shipped .pb file")
    parser.add_argument("--approval-file", type=Path, help="for phragmen on a points file")
    parser.add_argument("--skip", action="append", default=[], metavar="NAME")
    parser.add_argument("--pabutools", action="store_true", help="also time pabutools, once")
    args = parser.parse_args()
    path: Path = args.file or _largest(approval_only=False)
    text = path.read_text("utf-8")

    parse_times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        instance = parse_pabulib(text)
        parse_times.append(time.perf_counter() - start)
    approval_path = path
    approval_instance = instance
    if not instance.is_approval:
        approval_path = args.approval_file or _largest(approval_only=True)
        approval_instance = parse_pabulib(approval_path.read_text("utf-8"))

    cases: list[tuple[str, str, str | None, PbInstance, Path]] = [
        ("greedy", "greedy", None, instance, path),
        ("exact", "utilitarian", None, instance, path),
        ("mes", "mes", None, instance, path),
        *[(f"mes + {c}", "mes", c, instance, path) for c in COMPLETIONS],
        ("phragmen", "phragmen", None, approval_instance, approval_path),
        ("phragmen + utilitarian_greedy", "phragmen", "utilitarian_greedy", approval_instance,
         approval_path),
    ]  # fmt: skip
    cases = [c for c in cases if not any(s in c[0] for s in args.skip)]
    times: dict[str, list[float]] = {c[0]: [] for c in cases}
    outcomes: dict[str, dict[str, Any]] = {}
    for _ in range(args.runs):
        for label, rule, completion, inst, _path in cases:
            start = time.perf_counter()
            outcomes[label] = pb_outcome(inst, rule, completion)
            times[label].append(time.perf_counter() - start)
    reference: dict[str, float] = {}
    if args.pabutools:
        for label, rule, completion, _inst, case_path in cases:
            call = _pabutools(case_path, rule, completion)
            if call is not None:
                start = time.perf_counter()
                call()
                reference[label] = time.perf_counter() - start

    n_voters, n_projects = len(instance.ballots), len(instance.projects)
    print(
        f"File: {path.name} ({path.stat().st_size:,} bytes; {instance.vote_type}, "
        f"{n_projects} projects, {n_voters:,} ballots, budget {float(instance.budget):,.0f})"
    )
    if approval_path != path:
        print(
            f"phragmen on {approval_path.name} ({approval_instance.vote_type}, "
            f"{len(approval_instance.projects)} projects, {len(approval_instance.ballots):,} "
            "ballots): phragmen takes approval ballots only"
        )
    print(f"Median of {args.runs} runs, seconds; parse: {statistics.median(parse_times):.4f} s")
    print()
    head = "| Rule | Seconds | × greedy | ≤ 10 s | Funded | Rounds |"
    rule_line = "|---|---:|---:|---|---:|---:|"
    if reference:
        head += " pabutools s |"
        rule_line += "---:|"
    print(head)
    print(rule_line)
    greedy = statistics.median(times["greedy"]) if times.get("greedy") else None
    for label, *_ in cases:
        sec = statistics.median(times[label])
        ratio = f"{sec / greedy:,.1f}" if greedy else "-"
        out = outcomes[label]
        rounds = out["details"].get("mes_rounds", out["details"].get("highs_solves", ""))
        row = (
            f"| {label} | {sec:.3f} | {ratio} | {'yes' if sec <= TARGET_SECONDS else 'NO'} | "
            f"{len(out['selected'])} | {rounds} |"
        )
        if reference:
            row += f" {reference[label]:.3f} |" if label in reference else " - |"
        print(row)
    print()
    print(
        "Rounds: MES rounds of the final MES run (mes), HiGHS solves (exact). The budget-"
        "increase completions rerun MES once per step (add_one: +1 per voter; exhaustion: +1% "
        "of the budget)."
    )


if __name__ == "__main__":
    main()
