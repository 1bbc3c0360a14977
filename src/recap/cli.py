"""`recap`: the one console command. ReCAP's own verbs and Django's management commands."""

from __future__ import annotations

import os
import sys

INTRO = """ReCAP - Resilient Cities Action Package

Usage: recap <command> [options]    (recap help <command> for one command's options)

Start here:
  demo        set up the database and load the demo programme
  serve       serve the platform on http://127.0.0.1:8000 (PORT or --port to change)

Decision engine (JSON out; JSON in, allocate reads a .pb file; exit 2 on bad input):
{engine}

All commands:"""


ENGINE_VERBS = {
    "optimize": "choose the best package of actions",
    "rank": "rank alternatives (weighted sum, TOPSIS)",
    "weights": "criterion weights (AHP, swing, direct; several stakeholders)",
    "robustness": "rank acceptability and package selection probability",
    "explain": "why each action is in or out; the efficient frontier",
    "value": "resilience value of actions from hazards and co-benefits",
    "budget-risk": "how likely a package's budgets are to hold (Monte Carlo)",
    "price-of-robustness": "robust packages as Γ grows, and what each costs",
    "portfolio": "share a pot among concepts, fairly across countries (exact)",
    "allocate": "participatory budgeting: fund projects from a .pb file's votes",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recap.settings.dev")
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "recap"
    if len(argv) == 3 and argv[1] == "help" and argv[2] in ENGINE_VERBS:
        argv[1:] = [argv[2], "--help"]  # `recap help allocate`, as the intro promises
    if len(argv) > 1 and argv[1] in ENGINE_VERBS:
        # The engine needs no Django: it starts fast and owns its exit codes.
        from recap.engine.cli import main as engine_main

        sys.exit(engine_main(argv[1:]))
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        if len(argv) == 1 or argv[1:] in (["-h"], ["--help"], ["help"]):
            engine = "\n".join(f"  {verb:<19} {text}" for verb, text in ENGINE_VERBS.items())
            print(INTRO.format(engine=engine))
            execute_from_command_line([argv[0], "help"])
            return
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        # A deployment mistake, not a bug: say what to fix, without a traceback.
        print(f"recap: configuration error: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
