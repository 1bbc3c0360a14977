"""Readers for the OR-Library multidimensional knapsack files.

Each instance becomes an engine `Problem` (profits as values, one resource per constraint), with
its known optimum from best_known.csv. The files the tests and the benchmark use (mknap1, mknap2,
mknapcb1) live in benchmarks/data/orlib, with their source; `$RECAP_ORLIB` points the benchmark
at another copy (say, the full set with mknapcb2 … mknapcb9).
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

from recap.engine.problem import Action, Problem

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


BUNDLED = Path(__file__).resolve().parent / "data" / "orlib"


def orlib_dir() -> Path:
    """The data folder: $RECAP_ORLIB, or the subset in the repository."""
    if "RECAP_ORLIB" in os.environ:
        return Path(os.environ["RECAP_ORLIB"])
    return BUNDLED


@dataclass(frozen=True)
class Instance:
    file: str
    index: int
    name: str
    problem: Problem
    best_known: float
    proven: bool


def _to_problem(profits: list[float], weights: list[list[float]], caps: list[float]) -> Problem:
    resources = {f"r{k}": float(c) for k, c in enumerate(caps)}
    actions = tuple(
        Action(
            id=f"x{j}",
            value=float(p),
            uses={f"r{k}": float(weights[k][j]) for k in range(len(caps)) if weights[k][j]},
        )
        for j, p in enumerate(profits)
    )
    return Problem(resources=resources, actions=actions)


def _numbers(text: str) -> list[float]:
    return [float(t) for t in NUMBER.findall(text)]


def _read_simple(path: Path) -> list[tuple[str, Problem]]:
    """mknap1 / mknapcb layout: count, then per problem `n m best`, profits, m rows, caps."""
    nums = _numbers(path.read_text())
    count, pos, out = int(nums[0]), 1, []
    for k in range(count):
        n, m = int(nums[pos]), int(nums[pos + 1])
        pos += 3
        profits = nums[pos : pos + n]
        pos += n
        weights = [nums[pos + r * n : pos + (r + 1) * n] for r in range(m)]
        pos += m * n
        caps = nums[pos : pos + m]
        pos += m
        out.append((f"{path.stem}-{k}", _to_problem(profits, weights, caps)))
    return out


def _read_mknap2(path: Path) -> list[tuple[str, Problem]]:
    """mknap2 layout: `problem NAME.DAT`, then m n, n profits, m caps, m×n weights, optimum."""
    text = path.read_text()
    chunks = re.split(r"^\s*problem\s+(\S+)\s*$", text, flags=re.M)
    out = []
    for name, body in zip(chunks[1::2], chunks[2::2], strict=True):
        clean = re.sub(r"//[^\n]*", "", body)
        nums = _numbers(clean.replace("+", " "))
        m, n = int(nums[0]), int(nums[1])
        profits = nums[2 : 2 + n]
        caps = nums[2 + n : 2 + n + m]
        flat = nums[2 + n + m : 2 + n + m + m * n]
        weights = [flat[r * n : (r + 1) * n] for r in range(m)]
        out.append((name.removesuffix(".DAT"), _to_problem(profits, weights, caps)))
    return out


def load(file: str, folder: Path | None = None) -> list[Instance]:
    folder = orlib_dir() if folder is None else folder
    known = {}
    with (folder / "best_known.csv").open() as fh:
        for row in csv.DictReader(fh):
            known[(row["file"], int(row["instance_index"]))] = (
                float(row["best_known"]),
                row["is_proven_optimal"] == "True",
            )
    path = folder / file
    parsed = _read_mknap2(path) if file == "mknap2.txt" else _read_simple(path)
    return [
        Instance(file, k, name, problem, *known[(file, k)])
        for k, (name, problem) in enumerate(parsed)
    ]
