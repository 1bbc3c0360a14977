"""OR-Library multidimensional knapsack instances: the engine finds and proves the known optima.

A fast subset runs here (all of mknap1, a sample of mknap2, the quickest mknapcb1 instance);
benchmarks/engine.py runs all of mknap1, mknap2 and mknapcb1. The files live in the repository
(benchmarks/data/orlib, with their source), so a fresh clone runs these tests alone.
"""

from __future__ import annotations

import pytest
from benchmarks.orlib import BUNDLED, Instance
from benchmarks.orlib import load as load_from

from recap.engine import optimize


def load(file: str) -> list[Instance]:
    return load_from(file, BUNDLED)


MKNAP1 = load("mknap1.txt")
MKNAP2 = {i.name: i for i in load("mknap2.txt")}
SUBSET = [*MKNAP1, *(MKNAP2[n] for n in ["WEING1", "WEING7", "WEISH30", "PB4", "HP1", "SENTO1"])]


def test_the_files_parse_into_the_published_sizes() -> None:
    assert len(MKNAP1) == 7
    assert len(MKNAP2) == 48
    sizes = {(len(i.problem.actions), len(i.problem.resources)) for i in load("mknapcb1.txt")}
    assert sizes == {(100, 5)}


@pytest.mark.parametrize("instance", SUBSET, ids=[i.name for i in SUBSET])
def test_known_optimum_is_matched_and_proven(instance: Instance) -> None:
    result = optimize(instance.problem, time_limit=60)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(instance.best_known, abs=1e-6)
    assert instance.problem.violations(result.selected) == []


def test_one_chu_beasley_instance() -> None:
    instance = load("mknapcb1.txt")[21]  # the quickest of the 30 in the benchmark
    result = optimize(instance.problem, time_limit=60)
    assert (result.status, result.objective) == ("optimal", instance.best_known)


@pytest.mark.parametrize("limit", [0.01, 0.3])
def test_under_a_time_limit_the_bound_is_still_true(limit: float) -> None:
    instance = load("mknapcb1.txt")[3]  # takes HiGHS about 14 s to prove
    result = optimize(instance.problem, time_limit=limit)
    assert result.status == "feasible"
    assert instance.problem.violations(result.selected) == []
    assert result.objective <= instance.best_known <= result.bound
    assert 0 < result.gap < 1
