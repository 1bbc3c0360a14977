"""One reading of a package for every place that shows it."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from recap.planning.models import PrioritisationSession, Run
from recap.planning.packages import package_adjust, package_save
from recap.planning.readouts import package_readout, version_readout
from recap.planning.report import report_context
from recap.planning.services import session_run
from recap.testing import World


def _run() -> Run:
    def action(code: str, phase: str, sector: str, capex: float, staff: float) -> dict:
        budget = "capex_short" if phase == "short" else "capex_medium"
        return {
            "id": code,
            "name": f"Action {code}",
            "phase": phase,
            "sector": sector,
            "uses": {budget: capex, "staff_fte": staff},
        }

    return Run(
        number=1,
        status="done",
        input={
            "problem": {
                "resources": {"capex_short": 100.0, "capex_medium": 500.0, "staff_fte": 4.0},
                "actions": [
                    action("A", "short", "health", 60, 1),
                    action("B", "medium", "water", 300, 2),
                    action("C", "short", "health", 30, 0.5),
                ],
            },
            "criteria": ["resilience", "economy"],
            "scores": {"A": [0.5, 1.0], "B": [1.0, 0.0], "C": [0.2, 0.2]},
            "weights": [0.5, 0.5],
        },
        result={
            "values": {"A": 75.0, "B": 50.0, "C": 20.0},
            "ranking": ["A", "B", "C"],
            "package": {"status": "optimal", "objective": 125.0, "selected": ["A", "B"]},
        },
    )


def test_a_readout_arranges_the_chosen_actions() -> None:
    readout = package_readout(_run())
    assert readout.selected == ("A", "B")
    assert [a.id for a in readout.by_phase["short"]] == ["A"]
    assert [a.id for a in readout.by_phase["medium"]] == ["B"]
    assert readout.phase_cost == {"short": 60.0, "medium": 300.0} and readout.total_cost == 360
    assert readout.sectors == [("water", 300.0), ("health", 60.0)]
    used = {r.code: (r.used, r.limit) for r in readout.resources}
    assert used == {
        "capex_short": (60.0, 100.0),
        "capex_medium": (300.0, 500.0),
        "staff_fte": (3.0, 4.0),
    }
    a = readout.actions["A"]
    assert (a.cost, a.staff, a.value, a.scores) == (
        60.0,
        1.0,
        75.0,
        {"resilience": 0.5, "economy": 1.0},
    )
    # Another choice of actions (a version adjusted by hand) from the same run.
    other = package_readout(_run(), ["A", "C"])
    assert other.phase_cost == {"short": 90.0, "medium": 0.0}
    assert [c.id for c in other.candidates] == ["A", "B", "C"]


@pytest.mark.django_db
def test_the_page_the_reports_and_the_api_read_the_package_alike(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    package = package_save(actor=world.users["editor_a"], run=run, name="Kigali package")
    kept = run.outcome["package"]["selected"][-1]
    package_adjust(actor=world.users["editor_a"], package=package, lock_in=[], lock_out=[kept])
    package.refresh_from_db()
    readout = version_readout(package.current)  # type: ignore[arg-type]
    assert kept not in readout.selected
    context = report_context(package, user=world.users["viewer_a"])
    assert context["total_cost"] == readout.total_cost
    assert [a.id for a in context["by_phase"]["short"]] == [a.id for a in readout.by_phase["short"]]
    client.force_login(world.users["viewer_a"])
    base = f"/cities/kigali/workspace/prioritisation/packages/{package.pk}/"
    book = load_workbook(io.BytesIO(client.get(base + "report.xlsx").content))
    rows = list(book["Package"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in rows) == sorted(readout.selected)
    assert sum(r[4] for r in rows) == pytest.approx(readout.total_cost)
    page = client.get(base).content.decode()
    for phase, cost in readout.phase_cost.items():
        if readout.by_phase[phase]:
            assert f"US${cost:,.0f}" in page
    api = client.get(f"/api/v1/cities/{world.city_a.pk}/packages").json()
    assert api[0]["selected"] == list(readout.selected)
