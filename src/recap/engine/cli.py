"""`recap optimize | rank | weights | robustness | explain | value | budget-risk |
price-of-robustness | portfolio`: JSON in, JSON out (docs/engine-contract.md, docs/portfolio.md);
`recap allocate`: a pabulib `.pb` file in, JSON out (docs/participatory-budgeting.md).

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
import re
import sys
import traceback
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

from .errors import ProblemError
from .explain import explain, frontier
from .optimize import optimize
from .pabulib import parse_pabulib
from .pb import COMPLETIONS, TIE_BREAKINGS, Minimum, pb_outcome
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
    "allocate": "participatory budgeting: the projects a rule funds from residents' votes (.pb)",
}
#: `recap allocate --rule`: the contract's names; `exact` is pb.py's `utilitarian`.
ALLOCATE_RULES = {
    "greedy": "greedy",
    "exact": "utilitarian",
    "utilitarian": "utilitarian",
    "mes": "mes",
    "phragmen": "phragmen",
}


class InputError(Exception):
    """Bad input outside the JSON body: a missing file, invalid JSON, a bad option."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise InputError(f"{self.prog}: {message}")


#: The most threads `--workers` may ask for: one curve has no use for more.
MAX_WORKERS = 16


def _positive(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return x


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not 1 <= n <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_WORKERS}, got {text!r}")
    return n


def _gap(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(x) or not 0 <= x < 1:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to below 1, got {text!r}")
    return x


def read_pb(name: str) -> str:
    """The text of a pabulib file (or stdin for `-`): at most MAX_INPUT_BYTES, UTF-8, no NUL."""
    limit = f"larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB"
    if name == "-":
        raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        path = Path(name)
        if not path.exists():
            raise InputError(f"{name}: no such file")
        if path.is_dir():
            raise InputError(f"{name}: is a folder, not a file")
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise InputError(f"{name}: {limit}")
        try:
            with path.open("rb") as handle:
                raw = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(f"{name}: {limit}")
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise InputError(f"{name}: line {line}: a NUL byte: binary data, not a .pb text file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise InputError(
            f"{name}: line {line}: not UTF-8 text (byte {raw[exc.start]:#04x} at column {column})"
        ) from None


def _minimum(text: str, what: str) -> tuple[str, str, str]:
    """`FIELD=VALUE:AMOUNT` -> (field, value, amount); the value may hold ':' and '='."""
    head, colon, amount = text.rpartition(":")
    fld, eq, value = head.partition("=")
    if not colon or not eq or not fld.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"must be FIELD=VALUE:{what}, got {text!r}")
    return fld.strip(), value.strip(), amount.strip()


def _minimum_projects(text: str) -> Minimum:
    fld, value, amount = _minimum(text, "COUNT")
    if not amount.isdigit() or int(amount) < 1:
        raise argparse.ArgumentTypeError(f"COUNT must be a whole number >= 1, got {text!r}")
    return Minimum(fld, value, projects=int(amount))


def _minimum_cost(text: str) -> Minimum:
    fld, value, amount = _minimum(text, "AMOUNT")
    if not re.fullmatch(r"\d{1,30}(?:\.\d{1,30})?", amount) or Fraction(amount) <= 0:
        raise argparse.ArgumentTypeError(f"AMOUNT must be a number > 0, got {text!r}")
    return Minimum(fld, value, cost=Fraction(amount))


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
        try:
            Path(out).write_text(text, "utf-8")
        except OSError as exc:
            raise InputError(f"{out}: cannot write the result ({exc.strerror or exc})") from None
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
        problem,
        resources=args.resource or None,
        seed=args.seed,
        time_limit=args.time_limit,
        workers=args.workers,
    )


def _allocate(args: argparse.Namespace, text: str) -> dict[str, Any]:
    rule = ALLOCATE_RULES[args.rule]
    completion = args.completion
    if completion is not None and rule in ("greedy", "utilitarian"):
        raise InputError(
            f"recap allocate: argument --completion: {args.rule} takes none (it is exhaustive)"
        )
    if completion not in (None, "utilitarian_greedy") and rule != "mes":
        raise InputError(
            f"recap allocate: argument --completion: {completion} completes mes only; "
            f"{args.rule} takes only utilitarian_greedy"
        )
    minimums = (args.minimum or []) + (args.minimum_cost or [])
    if minimums and rule != "utilitarian":
        raise InputError(
            "recap allocate: argument --minimum/--minimum-cost: apply to --rule exact only"
        )
    instance = parse_pabulib(text)
    try:
        outcome = pb_outcome(
            instance, rule, completion, args.tie_breaking, minimums if minimums else None
        )
    except ProblemError as exc:
        if exc.path in ("rule", "completion"):  # about the options, not the file
            raise InputError(
                f"recap allocate: argument --{exc.path}: {exc.message} (this file's vote_type "
                f"is {instance.vote_type})"
            ) from None
        raise
    # Approvals honoured: ballots naming a funded project (with points > 0 unless approval).
    picked = set(outcome["selected"])
    approvals = 0
    for ballot in instance.ballots:
        if ballot.points is None:
            approvals += sum(1 for p in ballot.projects if p in picked)
        else:
            approvals += sum(
                1
                for p, x in zip(ballot.projects, ballot.points, strict=True)
                if p in picked and x > 0
            )
    figures = outcome["figures"]
    return {
        "selected": outcome["selected"],
        "cost": outcome["cost"],
        "approvals": approvals,
        "support": figures["support_covered"],
        "support_kind": figures["support_kind"],
        **outcome,
    }


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
    "allocate": _allocate,
}


def build_parser(verb: str) -> Parser:
    parser = Parser(prog=f"recap {verb}", description=VERBS[verb])
    if verb == "allocate":
        parser.add_argument("problem", metavar="FILE.pb", help="a pabulib file, or - for stdin")
    else:
        parser.add_argument(
            "problem", metavar="PROBLEM.json", help="the input file, or - for stdin"
        )
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
        parser.add_argument(
            "--workers",
            type=_workers,
            default=1,
            metavar="N",
            help="points solved at once, on threads (default 1; the same points unless a solve "
            "reaches --time-limit)",
        )
    if verb == "explain":
        parser.add_argument("--frontier-resource", metavar="NAME")
        parser.add_argument("--frontier-steps", type=int, default=11, metavar="N")
    if verb == "allocate":
        parser.add_argument(
            "--rule",
            required=True,
            choices=list(ALLOCATE_RULES),
            help="exact is the proven utilitarian optimum (also spelled utilitarian)",
        )
        parser.add_argument(
            "--completion",
            choices=COMPLETIONS,
            help="what spends the money mes leaves (phragmen: utilitarian_greedy only); "
            "default none",
        )
        parser.add_argument(
            "--tie-breaking",
            choices=TIE_BREAKINGS,
            default="lexicographic",
            help="the order that decides ties (default: project id as text)",
        )
        parser.add_argument(
            "--minimum",
            action="append",
            type=_minimum_projects,
            metavar="FIELD=VALUE:COUNT",
            help="exact rule: fund at least COUNT projects whose category, target or PROJECTS "
            "column FIELD has VALUE, e.g. district=North:2 (repeat)",
        )
        parser.add_argument(
            "--minimum-cost",
            action="append",
            type=_minimum_cost,
            metavar="FIELD=VALUE:AMOUNT",
            help="exact rule: spend at least AMOUNT on such projects (repeat)",
        )
    return parser


def main(argv: list[str]) -> int:
    """Run one engine verb; `argv` starts with the verb. Returns the exit code."""
    verb = argv[0]
    try:
        args = build_parser(verb).parse_args(argv[1:])
        data = read_pb(args.problem) if verb == "allocate" else read_json(args.problem)
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
