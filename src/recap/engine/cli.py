"""`recap optimize | rank | weights | robustness | explain | value | budget-risk |
price-of-robustness | portfolio`: JSON in, JSON out (docs/engine-contract.md, docs/portfolio.md).

Contract: the result goes to stdout (or `-o FILE`) as JSON and nothing else goes to stdout.
Exit 0 for a result (including `infeasible`); 2 for input that breaks the contract, with one
line on stderr naming the field and the problem; 1 for an internal error, one line, no
traceback (set RECAP_DEBUG=1 to see it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from .errors import ProblemError
from .explain import explain, frontier
from .optimize import optimize
from .portfolio import run_portfolio_json
from .problem import parse_problem
from .ranking import parse_rank, rank
from .risk import run_risk
from .robust import price_of_robustness
from .robustness import robustness
from .value import evaluate
from .weights import derive_weights

MAX_INPUT_BYTES = 50 * 1024 * 1024
VERBS = {
    "optimize": "choose the best package of actions (the engine contract)",
    "rank": "rank alternatives by weighted sum or TOPSIS",
    "weights": "criterion weights from AHP, swing or direct judgements",
    "robustness": "rank acceptability or package selection probability under uncertain weights",
    "explain": "why each action is in or out, and the efficient frontier",
    "value": "resilience value of actions from hazards, qualities and co-benefits",
    "budget-risk": "how likely a package's budgets are to hold when costs are ranges",
    "price-of-robustness": "the best package as more actions may overrun at once (Γ = 0, 1, …)",
    "portfolio": "share a pot among concept claims fairly across countries and cities",
}


class InputError(Exception):
    """Bad input outside the JSON body: a missing file, invalid JSON, a bad option."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise InputError(f"{self.prog}: {message}")


def _positive(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return x


def _gap(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(x) or not 0 <= x < 1:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to below 1, got {text!r}")
    return x


def read_json(name: str) -> Any:
    if name == "-":
        text = sys.stdin.read(MAX_INPUT_BYTES + 1)
    else:
        path = Path(name)
        if not path.exists():
            raise InputError(f"{name}: no such file")
        if path.is_dir():
            raise InputError(f"{name}: is a folder, not a file")
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise InputError(f"{name}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{name}: not UTF-8 text") from None
    if len(text) > MAX_INPUT_BYTES:
        raise InputError(f"{name}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


def _write(result: dict[str, Any], out: str | None) -> None:
    text = json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if out:
        Path(out).write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _finite(obj: Any) -> Any:
    """JSON has no infinity: an unknown bound becomes null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(x) for k, x in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(x) for x in obj]
    return obj


def _optimize(args: argparse.Namespace, data: Any) -> dict[str, Any]:
    return optimize(parse_problem(data), time_limit=args.time_limit, gap=args.gap).to_json()


def _explain(args: argparse.Namespace, data: Any) -> dict[str, Any]:
    problem = parse_problem(data)
    result = explain(problem, time_limit=args.time_limit)
    resource = args.frontier_resource or (
        next(iter(problem.resources)) if problem.resources else None
    )
    if resource is not None and result["status"] != "infeasible":
        result["frontier"] = frontier(
            problem, resource, steps=args.frontier_steps, time_limit=args.time_limit
        )
    return result


def _price(args: argparse.Namespace, data: Any) -> dict[str, Any]:
    problem = parse_problem(data)
    return price_of_robustness(
        problem, resources=args.resource or None, seed=args.seed, time_limit=args.time_limit
    )


HANDLERS: dict[str, Callable[[argparse.Namespace, Any], dict[str, Any]]] = {
    "optimize": _optimize,
    "rank": lambda args, data: rank(parse_rank(data)).to_json(),
    "weights": lambda args, data: derive_weights(data),
    "robustness": lambda args, data: robustness(data),
    "explain": _explain,
    "value": lambda args, data: evaluate(data),
    "budget-risk": lambda args, data: run_risk(data),
    "price-of-robustness": _price,
    "portfolio": lambda args, data: run_portfolio_json(data, time_limit=args.time_limit),
}


def build_parser(verb: str) -> Parser:
    parser = Parser(prog=f"recap {verb}", description=VERBS[verb])
    parser.add_argument("problem", metavar="PROBLEM.json", help="the input file, or - for stdin")
    parser.add_argument(
        "-o", "--output", metavar="RESULT.json", help="write here instead of stdout"
    )
    if verb in ("optimize", "explain", "price-of-robustness", "portfolio"):
        parser.add_argument("--time-limit", type=_positive, default=60.0, metavar="SECONDS")
    if verb == "optimize":
        parser.add_argument(
            "--gap",
            type=_gap,
            default=0.0,
            metavar="REL",
            help="stop when within this relative gap of the bound (default 0: prove)",
        )
    if verb == "price-of-robustness":
        parser.add_argument(
            "--resource",
            action="append",
            metavar="NAME",
            help="a resource Γ applies to (repeat; default: every one an action may overrun)",
        )
        parser.add_argument("--seed", type=int, default=0, help="budget risk's seed")
    if verb == "explain":
        parser.add_argument("--frontier-resource", metavar="NAME")
        parser.add_argument("--frontier-steps", type=int, default=11, metavar="N")
    return parser


def main(argv: list[str]) -> int:
    """Run one engine verb; `argv` starts with the verb. Returns the exit code."""
    verb = argv[0]
    try:
        args = build_parser(verb).parse_args(argv[1:])
        data = read_json(args.problem)
        result = HANDLERS[verb](args, data)
        _write(_finite(result), args.output)
    except (InputError, ProblemError) as exc:
        print(f"{exc}".splitlines()[0] if str(exc) else "invalid input", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except Exception as exc:
        if os.environ.get("RECAP_DEBUG"):
            traceback.print_exc()
        print(
            f"recap {verb}: internal error: {type(exc).__name__}: {exc}".splitlines()[0],
            file=sys.stderr,
        )
        return 1
    return 0
