"""A run as a pure function of its stored input (planning.compute): reproducible, with
progress in order, rank robustness and stakeholder blends."""

from __future__ import annotations

import pytest

from recap.planning.compute import compute_run
from recap.planning.models import PrioritisationSession
from recap.planning.services import (
    build_input,
    session_run,
)
from recap.planning.tests.conftest import CODES, mayor_and_finance
from recap.testing import World

pytestmark = pytest.mark.django_db


def test_any_run_can_be_reproduced_exactly(world: World, session: PrioritisationSession) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    # Change the session afterwards: the stored input still reproduces the stored result.
    session.budget_short_usd = 1
    session.save()
    again = compute_run(run.input)
    assert again["package"]["selected"] == run.result["package"]["selected"]
    assert again["values"] == run.result["values"]
    assert again["ranking"] == run.result["ranking"]
    # Every explanation and the frontier too: nothing in a stored result depends on timing.
    assert again["explanations"] == run.result["explanations"]
    points = lambda r: {k: [(p["limit"], p["value"]) for p in f["points"]] for k, f in r.items()}  # noqa: E731
    assert points(again["frontiers"]) == points(run.result["frontiers"])
    assert build_input(session)["problem"]["resources"]["capex_short"] == 1


def test_stakeholders_spread_gives_rank_robustness(
    world: World, session: PrioritisationSession
) -> None:
    mayor_and_finance(world, session)
    data = build_input(session)
    assert data["weights"] == pytest.approx([0.35, 0.35, 0.1, 0.1, 0.1, 0.0])
    run = session_run(actor=world.users["editor_a"], session=session)
    firsts = run.result["rank_robustness"]["first_rank_acceptability"]
    assert sum(firsts.values()) == pytest.approx(1.0)


def test_engine_reports_progress_in_order_and_in_full() -> None:
    from recap.engine.robustness import package_robustness

    seen: list[tuple[int, int]] = []
    spec = {
        "problem": {
            "resources": {"capex": 10},
            "actions": [
                {"id": f"a{i}", "value": 0, "uses": {"capex": 1 + i % 4}} for i in range(8)
            ],
        },
        "criteria": ["x", "y"],
        "scores": {f"a{i}": [i / 8, 1 - i / 8] for i in range(8)},
        "samples": 30,
        "seed": 2,
        "workers": 1,
    }
    package_robustness(spec, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (30, 30)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_robustness_blends_the_stakeholders_weightings_within_their_spread() -> None:
    import numpy as np

    from recap.planning.tasks import robustness_spec

    people = {"Mayor": [50, 10, 10, 10, 10, 10], "Finance": [20, 40, 10, 10, 10, 10]}
    people["Community"] = [20, 10, 40, 10, 10, 10]
    run_input = {
        "problem": {"resources": {}, "actions": [{"id": "A"}, {"id": "B"}]},
        "criteria": ["resilience", "economy", "equity", "climate", "health", "feasibility"],
        "scores": {"A": [1] * 6, "B": [2] * 6},
        "weights": [30, 20, 20, 10, 10, 10],
        "stakeholders": people,
    }
    spec = robustness_spec(run_input, {"A": 1.0, "B": 2.0}, samples=200)
    blends = np.array(spec["weight_samples"])
    own = np.array(list(people.values()), dtype=float) / 100
    assert blends.shape == (200, 6) and "weight_ranges" not in spec
    assert len({tuple(row) for row in blends.round(6)}) == 200  # not three weightings again
    assert np.allclose(blends.sum(axis=1), 1)
    # Inside the spread: every weight between the stakeholders' lowest and highest.
    assert (blends >= own.min(axis=0) - 1e-9).all() and (blends <= own.max(axis=0) + 1e-9).all()
    # Blends, not corners: the mayor's resilience weight (0.5) is reached by no sample exactly.
    assert 0.2 < blends[:, 0].mean() < 0.5 and not np.isclose(blends[:, 0], 0.5).any()
    # The same input gives the same samples (a stored run can be reproduced).
    assert robustness_spec(run_input, {"A": 1.0, "B": 2.0}, samples=200) == spec
    # One stakeholder or none: every weight free within ±50 % of the one used (runs stored
    # before the session's setting), or within the session's own spread.
    solo = robustness_spec(run_input | {"stakeholders": {}}, {"A": 1.0, "B": 2.0}, samples=200)
    assert solo["weight_ranges"]["resilience"] == [15.0, 45.0] and "weight_samples" not in solo
    narrow = robustness_spec(
        run_input | {"stakeholders": {}, "weight_spread": 0.2}, {"A": 1.0, "B": 2.0}, samples=200
    )
    assert narrow["weight_ranges"]["resilience"] == pytest.approx([24.0, 36.0])


def test_progress_comes_stage_by_stage_and_in_full(
    world: World,
    session: PrioritisationSession,
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    seen: list[tuple[str, int, int]] = []
    again = compute_run(run.input, lambda stage, done, total: seen.append((stage, done, total)))
    # The same input gives the same package and explanations.
    assert again["package"]["selected"] == run.outcome["package"]["selected"]
    assert again["explanations"].keys() == run.outcome["explanations"].keys()
    stages = [s for s, _d, _t in seen]
    assert stages[0] == "optimise"
    explain = [(d, t) for s, d, t in seen if s == "explain"]
    assert explain[0] == (0, len(CODES)) and explain[-1] == (len(CODES), len(CODES))
    assert [d for d, _t in explain] == sorted(d for d, _t in explain)  # never goes back
    frontier = [(d, t) for s, d, t in seen if s == "frontier"]
    assert frontier == [(i, 18) for i in range(18)]  # 9 budget levels for each of 2 phases
    # The package, its frontier and the ranking come first; the explanations last, once the
    # page can already show the package.
    assert stages.index("explain") > stages.index("frontier")
    assert "rank" not in stages  # no stakeholders here: nothing to compare


def test_the_package_is_handed_over_before_the_explanations(
    world: World, session: PrioritisationSession
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    events: list[str] = []
    handed: list[dict] = []

    def partial(result: dict) -> None:
        events.append("partial")
        handed.append(dict(result))  # as it was when handed over

    final = compute_run(run.input, lambda stage, d, t: events.append(stage), partial=partial)
    assert events.index("partial") < events.index("explain")
    assert handed[0]["package"] == final["package"] and handed[0]["frontiers"]
    assert handed[0]["explanations"] == {} and final["explanations"]
    # What is stored is what the pages read: reasons as data, not the engine's sentences.
    assert not any("kept_out_by" in e for e in final["explanations"].values())
