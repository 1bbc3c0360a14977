"""Futures of a session: checked and written by the city's editors only; each candidate valued in
each future by the same model; the run's best-worst-case and least-regret packages equal
brute force over every package; the run page shows the regret table in both languages."""

from __future__ import annotations

import itertools
import sys
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from recap.accounts.models import AuditEvent
from recap.engine import optimize, parse_problem
from recap.hazards.models import HazardType
from recap.hazards.services import city_hazard_add
from recap.planning.compute import futures_analysis, run_values
from recap.planning.futures import MAX_FUTURES, future_remove, future_set
from recap.planning.models import PrioritisationSession
from recap.planning.services import build_input, session_run
from recap.testing import World

from .conftest import base_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hazards(world: World, session: PrioritisationSession) -> PrioritisationSession:
    """The session's city with a second hazard: with one, its share of the risk is always all
    of it, and no future could change a value."""
    city_hazard_add(
        actor=world.users["editor_a"],
        city=world.city_a,
        hazard=HazardType.objects.get(code="epidemic"),
        likelihood=2,
        impact=3,
        trend="stable",
    )
    session.must_include = []
    session.save()
    return session


@pytest.mark.parametrize(
    ("name", "hazards", "field", "message"),
    [
        ("  ", {}, "name", "Give the future a name."),
        ("x" * 81, {}, "name", "at most 80 characters"),
        (
            "Dry",
            {"volcano": (3, 3)},
            "hazards",
            "volcano is neither in the city's hazards register nor a hazard type ReCAP offers",
        ),
        ("Dry", {"flood_flash": (0, 3)}, "hazards", "likelihood is a whole number from 1 to 5"),
        ("Dry", {"flood_flash": (3, 6)}, "hazards", "impact is a whole number from 1 to 5"),
        ("Dry", {"flood_flash": (True, 3)}, "hazards", "likelihood is a whole number"),
    ],
)
def test_a_bad_future_is_refused_by_name_and_nothing_is_written(
    world: World,
    two_hazards: PrioritisationSession,
    name: str,
    hazards: dict[str, tuple[int, int]],
    field: str,
    message: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        future_set(actor=world.users["editor_a"], session=two_hazards, name=name, hazards=hazards)
    assert any(message in m for m in caught.value.message_dict[field])
    two_hazards.refresh_from_db()
    assert two_hazards.futures == []


def test_futures_are_capped_renamed_in_place_removed_and_audited(
    world: World, two_hazards: PrioritisationSession
) -> None:
    editor = world.users["editor_a"]
    for k in range(MAX_FUTURES):
        future_set(actor=editor, session=two_hazards, name=f"Future {k}", hazards={})
    with pytest.raises(ValidationError, match="at most 4 futures"):
        future_set(actor=editor, session=two_hazards, name="One too many", hazards={})
    # The same name (in any case) changes that future instead of adding one.
    future_set(actor=editor, session=two_hazards, name="FUTURE 0", hazards={"epidemic": (5, 5)})
    two_hazards.refresh_from_db()
    assert len(two_hazards.futures) == MAX_FUTURES
    assert two_hazards.futures[-1] == {"name": "FUTURE 0", "hazards": {"epidemic": [5, 5]}}
    future_remove(actor=editor, session=two_hazards, name="Future 1")
    with pytest.raises(ValidationError, match="no future of that name"):
        future_remove(actor=editor, session=two_hazards, name="Future 1")
    verbs = set(AuditEvent.objects.filter(city=world.city_a).values_list("verb", flat=True))
    assert {"session.future", "session.future.remove"} <= verbs


@pytest.mark.parametrize("actor", ["viewer_a", "editor_b", "manager", "funder"])
def test_only_the_citys_editors_change_its_futures(
    world: World, two_hazards: PrioritisationSession, actor: str
) -> None:
    with pytest.raises(PermissionDenied):
        future_set(actor=world.users[actor], session=two_hazards, name="Dry", hazards={})
    future_set(actor=world.users["editor_a"], session=two_hazards, name="Dry", hazards={})
    with pytest.raises(PermissionDenied):
        future_remove(actor=world.users[actor], session=two_hazards, name="Dry")


def test_each_candidate_is_valued_in_each_future_by_the_same_model(
    world: World, two_hazards: PrioritisationSession
) -> None:
    future_set(
        actor=world.users["editor_a"],
        session=two_hazards,
        name="Epidemic",
        hazards={"epidemic": (5, 5), "flood_flash": (1, 1)},
    )
    two_hazards.refresh_from_db()
    data = build_input(two_hazards)
    assert data["futures"] == [
        {"code": "f1", "name": "Epidemic", "hazards": {"epidemic": [5, 5], "flood_flash": [1, 1]}}
    ]
    today = data["scores"]
    future = data["future_scores"]["f1"]
    # DRM-01 (early warning, floods) loses resilience; HLT-04 (health centres) gains.
    assert future["DRM-01"][0] < today["DRM-01"][0]
    assert future["HLT-04"][0] > today["HLT-04"][0]
    assert future["DRM-01"][1:] == today["DRM-01"][1:]  # the co-benefits do not move


def test_a_stop_asked_while_the_futures_are_solved_interrupts_them(
    world: World, two_hazards: PrioritisationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run stopped in its futures step stops there: before it starts, nothing is solved;
    while it solves, its solves are interrupted and the step ends with `Stopped`."""
    import time

    from recap.engine.errors import Stopped
    from recap.engine.mip import Interrupt
    from recap.planning import compute

    future_set(actor=world.users["editor_a"], session=two_hazards, name="Epidemic",
               hazards={"epidemic": (5, 5)})  # fmt: skip
    two_hazards.refresh_from_db()
    data = build_input(two_hazards)
    values = run_values(data)
    problem_json = dict(data["problem"])
    problem_json["actions"] = [a | {"value": values[a["id"]]} for a in problem_json["actions"]]
    seen: list[Interrupt] = []
    real = compute.best_per_future

    def slow(problem: object, **kwargs: Any) -> Any:
        """Solves that run until they are interrupted (at most 10 s)."""
        seen.append(kwargs["interrupt"])
        until = time.monotonic() + 10
        while not kwargs["interrupt"].called and time.monotonic() < until:
            time.sleep(0.01)
        return real(problem, **kwargs)

    monkeypatch.setattr(compute, "best_per_future", slow)
    with pytest.raises(Stopped):
        futures_analysis(data, problem_json, [], should_stop=lambda: True)
    assert seen == []  # asked first: nothing started
    asked = iter([False, False, True])
    with pytest.raises(Stopped):
        futures_analysis(data, problem_json, [], should_stop=lambda: next(asked, True))
    assert len(seen) == 1 and seen[0].called  # its solves were interrupted
    # Asking fails (the database is gone, say): the solves are interrupted all the same and
    # the failure is raised, not left waiting for them to reach their time limits.
    answers = iter([False, False])

    def broken() -> bool:
        answer = next(answers, None)
        if answer is None:
            raise RuntimeError("cannot ask")
        return answer

    with pytest.raises(RuntimeError, match="cannot ask"):
        futures_analysis(data, problem_json, [], should_stop=broken)
    assert len(seen) == 2 and seen[1].called


def test_the_best_worst_case_and_least_regret_packages_equal_brute_force(
    world: World, two_hazards: PrioritisationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = world.users["editor_a"]
    future_set(actor=editor, session=two_hazards, name="Epidemic", hazards={"epidemic": (5, 5)})
    future_set(
        actor=editor,
        session=two_hazards,
        name="Floods",
        hazards={"flood_flash": (5, 5), "epidemic": (1, 1)},
    )
    two_hazards.refresh_from_db()
    data = build_input(two_hazards)
    values = run_values(data)
    problem_json = dict(data["problem"])
    problem_json["actions"] = [a | {"value": values[a["id"]]} for a in problem_json["actions"]]
    found = futures_analysis(data, problem_json, [])
    # With the run's own optimum handed over as proven, today's best is not solved again:
    # the same answers.
    optimum = optimize(parse_problem(problem_json), time_limit=30)
    assert optimum.status == "optimal"
    engine = sys.modules["recap.engine.optimize"]  # the package's `optimize` is the verb
    solved: list[object] = []

    def counted(p: object, **kwargs: Any) -> Any:
        solved.append(p)
        return optimize(p, **kwargs)

    monkeypatch.setattr(engine, "optimize", counted)
    handed = futures_analysis(data, problem_json, optimum.selected, proven=True)
    assert len(solved) == 2  # the two futures' bests; today's is the run's own
    solved.clear()
    futures_analysis(data, problem_json, optimum.selected)
    assert len(solved) == 3  # not proven: today's best is found again
    assert handed["best"] == pytest.approx(found["best"])
    for objective in ("max_min", "min_max_regret"):
        assert handed["packages"][objective]["objective"] == pytest.approx(
            found["packages"][objective]["objective"]
        )
    names = found["names"]
    problem = parse_problem(problem_json)  # which packages fit: the futures do not change it
    ids = [a.id for a in problem.actions]
    packages = [
        list(p)
        for size in range(len(ids) + 1)
        for p in itertools.combinations(ids, size)
        if not problem.violations(list(p))
    ]
    per_future = {"today": values} | {
        code: {
            c: sum(w * s for w, s in zip(data["weights"], scores, strict=True)) * 100
            for c, scores in data["future_scores"][code].items()
        }
        for code in ("f1", "f2")
    }

    def value(package: list[str], future: str) -> float:
        return sum(per_future[future][c] for c in package)

    best = {f: max(value(p, f) for p in packages) for f in names}
    assert found["best"] == pytest.approx(best)
    max_min = max(min(value(p, f) for f in names) for p in packages)
    least_regret = min(max(best[f] - value(p, f) for f in names) for p in packages)
    assert found["packages"]["max_min"]["objective"] == pytest.approx(max_min)
    assert found["packages"]["min_max_regret"]["objective"] == pytest.approx(least_regret)
    assert found["packages"]["max_min"]["status"] == "optimal"
    # The table lists each package once, its regrets against the futures' bests.
    for row in found["table"]:
        assert row["max_regret"] == pytest.approx(
            max(best[f] - value(row["selected"], f) for f in names)
        )


def test_the_run_page_shows_futures_and_their_regrets_and_editors_add_them(
    client: Client, world: World, two_hazards: PrioritisationSession
) -> None:
    url = base_url(two_hazards)
    client.force_login(world.users["viewer_a"])
    refused = client.post(url + "futures/", {"name": "Dry"})
    assert refused.status_code in (403, 404)
    client.force_login(world.users["editor_a"])
    form = {"name": "Epidemic", "likelihood__epidemic": "5", "impact__epidemic": "5"}
    form |= {"likelihood__flood_flash": "5", "impact__flood_flash": "4"}  # today's: unchanged
    client.post(url + "futures/", form)
    two_hazards.refresh_from_db()
    assert two_hazards.futures == [{"name": "Epidemic", "hazards": {"epidemic": [5, 5]}}]
    bad = client.post(url + "futures/", form | {"impact__epidemic": "9"}, follow=True)
    assert "Select a valid choice" in bad.content.decode()
    two_hazards.refresh_from_db()
    assert len(two_hazards.futures) == 1
    run = session_run(actor=world.users["editor_a"], session=two_hazards)
    page = client.get(url + f"runs/{run.number}/").content.decode()
    assert "In other futures: values and regrets" in page
    assert "Largest regret" in page and "Epidemic" in page
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    page = client.get(url + f"runs/{run.number}/").content.decode()
    assert "Dans d'autres futurs : valeurs et regrets" in page
    assert "Plus grand regret" in page


def test_the_api_gives_a_runs_budget_risk_price_of_robustness_and_futures(
    client: Client, world: World, two_hazards: PrioritisationSession
) -> None:
    from recap.accounts.services import api_token_create

    future_set(
        actor=world.users["editor_a"],
        session=two_hazards,
        name="Epidemic",
        hazards={"epidemic": (5, 5)},
    )
    two_hazards.refresh_from_db()
    two_hazards.gamma_short = 1
    two_hazards.save()
    session_run(actor=world.users["editor_a"], session=two_hazards)
    _token, key = api_token_create(user=world.users["viewer_a"], name="script")
    headers = {"Authorization": f"Bearer {key}"}
    city = world.city_a.pk
    sessions = client.get(f"/api/v1/cities/{city}/sessions", headers=headers).json()
    assert sessions[0]["gamma_short"] == 1 and sessions[0]["futures"][0]["name"] == "Epidemic"
    run = client.get(
        f"/api/v1/cities/{city}/sessions/{two_hazards.pk}/runs/1", headers=headers
    ).json()
    assert run["worst_case_usage"]["capex_short"] <= two_hazards.budget_short_usd
    assert 0 <= run["budget_risk"]["all_hold"]["probability"] <= 1
    assert run["budget_risk"]["resources"]["capex_short"]["p80"] > 0
    assert run["price_of_robustness"]["points"][0]["gamma"] == 0
    assert run["futures"]["names"] == ["today", "f1"]
    assert run["futures"]["labels"] == {"f1": "Epidemic"}
    assert {"max_min", "min_max_regret"} == set(run["futures"]["packages"])


def test_every_stage_a_run_reports_has_a_name_on_its_page(
    world: World, two_hazards: PrioritisationSession
) -> None:
    """The progress the page shows while a run works names each stage in words."""
    from recap.planning.models import Run

    future_set(actor=world.users["editor_a"], session=two_hazards, name="Dry", hazards={})
    two_hazards.refresh_from_db()
    from recap.planning.compute import compute_run

    seen: set[str] = set()
    compute_run(build_input(two_hazards), progress=lambda stage, done, total: seen.add(stage))
    assert {"optimise", "explain", "robust", "futures"} <= seen
    assert seen <= set(Run.Stage.values)


def test_a_future_may_add_a_hazard_the_register_lacks(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    """Kigali's register has flash floods only: a new epidemic wave is a future that adds
    epidemics. Health actions gain value in it, the page says the hazard is not in today's
    register (both languages), the form refuses half a hazard by name and writes nothing,
    and a hazard type no longer offered is refused."""
    session.must_include = []
    session.save()
    url = base_url(session)
    client.force_login(world.users["editor_a"])
    form = {"name": "Epidemic wave", "likelihood__flood_flash": "5", "impact__flood_flash": "4"}
    half = client.post(url + "futures/", form | {"new_hazard": "epidemic", "new_likelihood": "4"})
    assert half.status_code == 302
    assert (
        "That hazard: impact (1–5): Give the added hazard&#x27;s impact, from 1 to 5."
        in client.get(url).content.decode()
    )
    stray = client.post(url + "futures/", form | {"new_impact": "4"}, follow=True)
    assert (
        "A hazard the register lacks: Choose the hazard these figures are for."
        in stray.content.decode()
    )
    session.refresh_from_db()
    assert session.futures == []
    added = form | {"new_hazard": "epidemic", "new_likelihood": "4", "new_impact": "5"}
    client.post(url + "futures/", added)
    session.refresh_from_db()
    assert session.futures == [{"name": "Epidemic wave", "hazards": {"epidemic": [4, 5]}}]
    data = build_input(session)
    today, future = data["scores"], data["future_scores"]["f1"]
    assert future["HLT-04"][0] > today["HLT-04"][0]  # health centres: worth more
    assert future["DRM-01"][0] < today["DRM-01"][0]  # flood warning: a smaller share of risk
    page = client.get(url).content.decode()
    assert "Disease outbreak likelihood 4, impact 5" in page
    assert "(not in today's register)" in page
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert "(absent du registre d'aujourd'hui)" in client.get(url).content.decode()
    run = session_run(actor=world.users["editor_a"], session=session)
    assert run.status == "done" and run.result["futures"]["names"] == ["today", "f1"]
    HazardType.objects.filter(code="drought").update(is_active=False)
    with translation.override("en"), pytest.raises(ValidationError, match="drought is neither"):
        future_set(
            actor=world.users["editor_a"], session=session, name="Dry", hazards={"drought": (3, 3)}
        )


def test_a_hazard_that_left_the_register_stays_in_the_futures_that_changed_it(
    world: World, two_hazards: PrioritisationSession
) -> None:
    """A future that changed epidemics, after the city took epidemics off its register: the
    future still weighs it (as a hazard the register lacks) and its page says so."""
    from recap.hazards.models import CityHazard
    from recap.planning.futures import described, register_of

    future_set(
        actor=world.users["editor_a"],
        session=two_hazards,
        name="Epidemic",
        hazards={"epidemic": (5, 5)},
    )
    CityHazard.objects.filter(city=world.city_a, hazard__code="epidemic").delete()
    two_hazards.refresh_from_db()
    data = build_input(two_hazards)
    assert data["future_scores"]["f1"]["HLT-04"][0] > data["scores"]["HLT-04"][0]
    (change,) = described(two_hazards, register_of(world.city_a))[0]["changes"]
    assert change["today"] is None and change["name"] == "Disease outbreak"
