"""The session form: candidates locked in or out, a minimum per sector, and a change that keeps
what it does not touch."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from recap.catalogue.models import CandidateAction
from recap.planning.models import PrioritisationSession, Run
from recap.planning.packages import package_save
from recap.planning.services import session_run
from recap.testing import World

pytestmark = pytest.mark.django_db


def _post_data(session: PrioritisationSession, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Workshop",
        "candidates": [c.pk for c in session.candidates.all()],
        "budget_short_usd": "300000",
        "budget_medium_usd": "3000000",
        "staff_fte": "5",
        "max_actions": "4",
        "w_resilience": "40",
        "w_economy": "15",
        "w_equity": "15",
        "w_climate": "15",
        "w_health": "15",
        "w_feasibility": "10",
    }
    return data | changes


def _pk(code: str) -> int:
    return CandidateAction.objects.get(code=code, city__slug="kigali").pk


def test_locks_and_sector_minimums_reach_the_engine(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    client.force_login(world.users["editor_a"])
    url = f"/cities/kigali/workspace/prioritisation/{session.pk}/edit/"
    data = _post_data(
        session,
        **{
            f"lock_{_pk('WAT-01')}": "in",
            f"lock_{_pk('DRM-01')}": "out",
            "min_health": "2",
            "min_drm": "0",
        },
    )
    assert client.post(url, data).status_code == 302
    session.refresh_from_db()
    assert session.must_include == ["WAT-01"] and session.must_exclude == ["DRM-01"]
    assert session.min_per_sector == {"health": 2}  # 0 means no minimum
    run = session_run(actor=world.users["editor_a"], session=session)
    selected = run.outcome["package"]["selected"]
    assert "WAT-01" in selected and "DRM-01" not in selected
    assert sum(code.startswith("HLT") for code in selected) >= 2
    # The page states the constraints; the edit form shows them again as they were saved.
    page = client.get(session.get_absolute_url()).content.decode()
    assert "at most 4 actions" in page and "at least 2 × Health" in page
    assert "must be in: WAT-01" in page and "must be left out: DRM-01" in page
    form = client.get(url).context["form"]
    assert form.initial[f"lock_{_pk('WAT-01')}"] == "in"
    assert form.initial[f"lock_{_pk('DRM-01')}"] == "out"
    assert form.initial["min_health"] == 2
    edit_page = client.get(url).content.decode()
    assert '<option value="in" selected>must be in</option>' in edit_page


def test_a_lock_on_an_unticked_candidate_is_refused_by_name(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    client.force_login(world.users["editor_a"])
    url = f"/cities/kigali/workspace/prioritisation/{session.pk}/edit/"
    ticked = [c.pk for c in session.candidates.exclude(code="ECO-01")]
    response = client.post(
        url, _post_data(session, candidates=ticked, **{f"lock_{_pk('ECO-01')}": "in"})
    )
    assert response.status_code == 400
    assert "ECO-01 is locked but not ticked as a candidate" in response.content.decode()
    session.refresh_from_db()
    assert session.must_include == ["DRM-01"]  # nothing was saved
    from recap.catalogue.candidates import candidate_adopt
    from recap.catalogue.models import CatalogueAction

    elsewhere = candidate_adopt(
        actor=world.users["editor_b"],
        city=world.city_b,
        source=CatalogueAction.objects.get(code="WAT-01"),
    )
    for bad, field in [
        ({"candidates": [*ticked, elsewhere.pk]}, "candidates"),  # another city's candidate
        ({"min_health": "-1"}, "min_health"),
        ({"min_water_sanitation": "many"}, "min_water_sanitation"),
        ({f"lock_{_pk('WAT-01')}": "maybe"}, f"lock_{_pk('WAT-01')}"),
    ]:
        response = client.post(url, _post_data(session, **bad))
        assert response.status_code == 400 and field in response.context["form"].errors


def test_the_list_shows_the_citys_packages_only(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.catalogue.candidates import candidate_adopt
    from recap.catalogue.models import CatalogueAction
    from recap.planning.services import session_create

    run = session_run(actor=world.users["editor_a"], session=session)
    package_save(actor=world.users["editor_a"], run=run, name="Kigali first package")
    # Another city's package, which Kigali's list must not show.
    other = session_create(
        actor=world.users["editor_b"],
        city=world.city_b,
        title="Elsewhere",
        candidates=[
            candidate_adopt(
                actor=world.users["editor_b"],
                city=world.city_b,
                source=CatalogueAction.objects.get(code="WAT-01"),
            )
        ],
        budget_short_usd=10_000_000,
        budget_medium_usd=10_000_000,
        staff_fte=10,
    )
    package_save(
        actor=world.users["editor_b"],
        run=session_run(actor=world.users["editor_b"], session=other),
        name="Another city's package",
    )
    client.force_login(world.users["viewer_a"])
    page = client.get("/cities/kigali/workspace/prioritisation/").content.decode()
    assert "Kigali first package" in page and "No package saved yet" not in page
    assert "Another city" not in page
    assert "Create the session" not in page  # a viewer sees, but cannot start a session
    client.force_login(world.users["editor_b"])
    assert client.get("/cities/kigali/workspace/prioritisation/").status_code == 404
    assert Run.objects.count() == 2


def test_a_sector_minimum_counts_every_sector_an_action_serves(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    # HLT-01 and HLT-04 are health actions that also serve energy; no candidate has energy
    # as its first sector, so counting first sectors only would find no package.
    serve_energy = {c.code for c in session.candidates.all() if "energy" in c.sectors}
    assert serve_energy == {"HLT-01", "HLT-04"}
    assert all(c.sectors[0] != "energy" for c in session.candidates.all())
    client.force_login(world.users["editor_a"])
    url = f"/cities/kigali/workspace/prioritisation/{session.pk}/edit/"
    assert client.post(url, _post_data(session, min_energy="1")).status_code == 302
    session.refresh_from_db()
    run = session_run(actor=world.users["editor_a"], session=session)
    assert run.input["problem"]["min_per_sector"] == {"energy": 1}
    assert run.outcome["package"]["status"] == "optimal"
    assert serve_energy & set(run.outcome["package"]["selected"])


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("0", "greater than or equal to 5"),
        ("150", "less than or equal to 95"),
        ("half", "whole number"),
    ],
)
def test_the_robustness_spread_is_refused_outside_5_to_95(
    client: Client, world: World, session: PrioritisationSession, value: str, error: str
) -> None:
    client.force_login(world.users["editor_a"])
    url = f"/cities/kigali/workspace/prioritisation/{session.pk}/edit/"
    response = client.post(url, _post_data(session, weight_spread=value))
    assert response.status_code == 400
    assert error in " ".join(response.context["form"].errors["weight_spread"])
    session.refresh_from_db()
    assert session.weight_spread == 50  # nothing saved


def test_the_robustness_spread_set_on_the_session_moves_the_weights_and_is_said(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from pypdf import PdfReader

    from recap.planning.report import package_pdf

    client.force_login(world.users["editor_a"])
    url = f"/cities/kigali/workspace/prioritisation/{session.pk}/edit/"
    assert client.post(url, _post_data(session, weight_spread="")).status_code == 302
    session.refresh_from_db()
    assert session.weight_spread == 50  # blank: the default
    assert client.post(url, _post_data(session, weight_spread="20")).status_code == 302
    session.refresh_from_db()
    assert (
        session.weight_spread == 20
        and client.get(url).context["form"].initial["weight_spread"] == 20
    )
    session.stakeholders.all().delete()  # the spread applies without two stakeholders
    run = session_run(actor=world.users["editor_a"], session=session)
    assert run.input["weight_spread"] == 0.2
    job = run.robustness_jobs.get()
    assert job.status == "done"
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Every weight moved at random by up to ±20% of the one used" in page
    package = package_save(actor=world.users["editor_a"], run=run, name="Spread")
    import io

    pdf = package_pdf(package, user=world.users["editor_a"])
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Every weight moved at random by up to ±20% of the one used" in text


def test_budgets_take_grouped_digits_and_refuse_cents_keeping_the_rest(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    client.force_login(world.users["editor_a"])
    url = f"/cities/kigali/workspace/prioritisation/{session.pk}/edit/"
    page = client.get(url).content.decode()
    assert 'name="budget_short_usd" value="300,000"' in page  # shown grouped
    tick_all = '<label class="check-all" hidden><input type="checkbox" data-check-all="candidates">'
    assert tick_all in page  # shown once the script runs
    response = client.post(url, _post_data(session, budget_medium_usd="2,500,000", title="B"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.budget_medium_usd, session.title) == (2_500_000, "B")
    response = client.post(url, _post_data(session, budget_short_usd="450,000.50", title="C"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a whole amount, without cents" in page and 'value="450,000.50"' in page
    session.refresh_from_db()
    assert session.title == "B"  # nothing of the refused change was saved
    # More than the database holds is refused in words, not by the database.
    response = client.post(url, _post_data(session, budget_short_usd="9,000,000,000", title="D"))
    assert response.status_code == 400
    assert "Enter at most 2,147,483,647." in response.content.decode()


def test_the_list_offers_a_new_session_at_the_top_to_editors_only(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    url = "/cities/kigali/workspace/prioritisation/"
    client.force_login(world.users["editor_a"])
    page = client.get(url).content.decode()
    assert (
        page.index('href="#new-title"')
        < page.index("Action packages")
        < page.index('id="new-title"')
    )
    client.force_login(world.users["viewer_a"])
    page = client.get(url).content.decode()
    assert 'href="#new-title"' not in page and 'id="new-title"' not in page


def test_the_shape_of_the_cost_ranges_is_a_choice_refused_by_name_and_kept(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    client.force_login(world.users["editor_a"])
    url = f"/cities/kigali/workspace/prioritisation/{session.pk}/edit/"
    response = client.post(url, _post_data(session, cost_distribution="normal"))
    assert response.status_code == 400
    assert "Select a valid choice" in " ".join(response.context["form"].errors["cost_distribution"])
    session.refresh_from_db()
    assert session.cost_distribution == "triangular"  # nothing saved
    assert client.post(url, _post_data(session, cost_distribution="pert")).status_code == 302
    session.refresh_from_db()
    assert session.cost_distribution == "pert"
    assert client.get(url).context["form"].initial["cost_distribution"] == "pert"
    assert client.post(url, _post_data(session)).status_code == 302  # not sent: the default
    session.refresh_from_db()
    assert session.cost_distribution == "triangular"
    # A viewer of the city cannot change it.
    client.force_login(world.users["viewer_a"])
    assert client.post(url, _post_data(session, cost_distribution="pert")).status_code == 403
    session.refresh_from_db()
    assert session.cost_distribution == "triangular"
