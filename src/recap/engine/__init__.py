"""ReCAP's decision engine: a pure library (numpy, HiGHS through highspy), no Django and no
other part of recap.

- `parse_problem` / `optimize`: the package with the highest value under every constraint.
- `rank`, `derive_weights`: multi-criteria ranking and weights from people's judgements.
- `robustness`: rank acceptability and package selection probability under uncertain weights.
- `explain`, `frontier`: why each action is in or out; best value against budget.
- `value`: the resilience value model behind the actions' values.
Every verb takes decoded JSON, validates it in one place and raises `ProblemError` naming the
field; results carry status, message and their intermediates.
"""

from .errors import ProblemError
from .explain import explain, frontier
from .optimize import OptimizeResult, optimize
from .problem import Action, Problem, Synergy, parse_problem
from .ranking import parse_rank, rank
from .robustness import robustness
from .weights import derive_weights

__all__ = [
    "Action",
    "OptimizeResult",
    "Problem",
    "ProblemError",
    "Synergy",
    "derive_weights",
    "explain",
    "frontier",
    "optimize",
    "parse_problem",
    "parse_rank",
    "rank",
    "robustness",
]
