"""The sessions' pages (planning.views.sessions): settings, stakeholders' weights by swing
and by pairwise comparison, their spread."""

from __future__ import annotations

import pytest
from django.test import Client

from recap.planning.models import PrioritisationSession, Run
from recap.planning.tests.conftest import mayor_and_finance
from recap.testing import World

pytestmark = pytest.mark.django_db


def test_session_form_validation(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    client.force_login(world.users["editor_a"])
    response = client.post(
        "/cities/kigali/workspace/prioritisation/",
        {
            "title": "",
            "budget_short_usd": "-5",
            "budget_medium_usd": "x",
            "staff_fte": "",
            "w_resilience": "0",
            "w_economy": "0",
            "w_equity": "0",
            "w_climate": "0",
            "w_health": "0",
            "w_feasibility": "0",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"title", "candidates", "budget_short_usd", "budget_medium_usd", "staff_fte"} <= set(
        errors
    )
    assert PrioritisationSession.objects.count() == 1


def test_two_budgets_side_by_side(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    client.force_login(world.users["editor_a"])
    client.post(f"/cities/kigali/workspace/prioritisation/{session.pk}/run/")
    form = client.get(f"/cities/kigali/workspace/prioritisation/{session.pk}/edit/").context["form"]
    assert form.initial["budget_medium_usd"] == 3_000_000
    data = {
        "title": "Workshop",
        "candidates": [c.pk for c in session.candidates.all()],
        "budget_short_usd": "300000",
        "budget_medium_usd": "9000000",
        "staff_fte": "9",
        "max_actions": "6",
        "min_health": "1",
        "w_resilience": "40",
        "w_economy": "15",
        "w_equity": "15",
        "w_climate": "15",
        "w_health": "15",
        "w_feasibility": "10",
    }
    assert (
        client.post(f"/cities/kigali/workspace/prioritisation/{session.pk}/edit/", data).status_code
        == 302
    )
    client.post(f"/cities/kigali/workspace/prioritisation/{session.pk}/run/")
    first, second = Run.objects.order_by("number")
    assert (
        first.input["problem"]["resources"]["capex_medium"] == 3_000_000
    )  # the old run keeps its input
    assert second.input["problem"]["resources"]["capex_medium"] == 9_000_000
    page = client.get(f"/cities/kigali/workspace/prioritisation/{session.pk}/runs/1/compare/2/")
    settings = {r["label"]: r for r in page.context["cmp"]["settings"]}
    # A larger budget and package, and the lock on DRM-01 lifted, cannot do worse.
    assert second.outcome["package"]["objective"] >= first.outcome["package"]["objective"]
    assert settings["Medium-term budget (US$)"] | {"label": ""} == {
        "label": "",
        "a": "3,000,000",
        "b": "9,000,000",
        "changed": True,
    }
    assert settings["Must be in"]["a"] == "DRM-01" and settings["Must be in"]["b"] == "—"
    assert settings["Weight: Resilience value"]["changed"] is False
    assert (
        settings["Largest package size"]["a"] == "4"
        and settings["Largest package size"]["b"] == "6"
    )
    text = page.content.decode()
    assert "Scenarios side by side" in text and text.count('class="changed"') >= 6
    bad = client.post(
        f"/cities/kigali/workspace/prioritisation/{session.pk}/edit/", data | {"staff_fte": "-1"}
    )
    assert bad.status_code == 400


def test_weights_by_swing_and_by_pairwise_comparison(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.planning.forms import criterion_pairs
    from recap.planning.models import StakeholderWeights

    client.force_login(world.users["editor_a"])
    base = f"/cities/kigali/workspace/prioritisation/{session.pk}/stakeholders/"
    client.post(
        base + "swing/",
        {
            "name": "Health",
            "s_resilience": "100",
            "s_economy": "20",
            "s_equity": "40",
            "s_climate": "20",
            "s_health": "20",
            "s_feasibility": "0",
        },
    )
    swing = StakeholderWeights.objects.get(name="Health").weights
    assert swing == {
        "resilience": 50.0,
        "economy": 10.0,
        "equity": 20.0,
        "climate": 10.0,
        "health": 10.0,
        "feasibility": 0.0,
    }
    refused = client.post(
        base + "swing/",
        {
            "name": "Bad",
            "s_resilience": "80",
            "s_economy": "20",
            "s_equity": "40",
            "s_climate": "20",
            "s_health": "20",
            "s_feasibility": "0",
        },
        follow=True,
    )
    assert "Give the most important swing 100 points" in refused.content.decode()
    assert not StakeholderWeights.objects.filter(name="Bad").exists()

    # Resilience strongly more important than everything; the rest equal: consistent.
    answers = {f"p_{a}_{b}": ("5" if a == "resilience" else "1") for a, b in criterion_pairs()}
    response = client.post(base + "ahp/", {"name": "Mayor"} | answers, follow=True)
    mayor = StakeholderWeights.objects.get(name="Mayor").weights
    assert mayor["resilience"] == pytest.approx(100 * 5 / 10, abs=0.01)  # 5 : 1 : … : 1
    assert "consistent enough" in response.content.decode()
    # A contradictory set of comparisons is saved but flagged in plain words.
    contradictory = dict(answers) | {
        "p_economy_equity": "9",
        "p_equity_climate": "9",
        "p_economy_climate": "1/9",
    }
    response = client.post(base + "ahp/", {"name": "Finance"} | contradictory, follow=True)
    assert "contradict each other" in response.content.decode()


def test_the_page_shows_each_stakeholders_weights_the_average_and_the_spread(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    import re

    mayor_and_finance(world, session)
    client.force_login(world.users["viewer_a"])
    page = client.get(f"/cities/kigali/workspace/prioritisation/{session.pk}/").content.decode()
    rows = {
        m.group(1): re.sub(r"<[^>]+>|\s+", " ", m.group(2))
        for m in re.finditer(r'<th scope="row"[^>]*>([^<]+)</th>(.*?)</tr>', page, re.S)
    }
    # Columns by name (Finance, Mayor). Resilience: Finance 10 %, Mayor 60 %, average 35 %,
    # spread 10–60 %: wide apart.
    assert re.search(r"^ 10% +60% +35% +10–60% +wide", rows["Resilience value"])
    assert "wide" not in rows["Equity"] and "10–10%" in rows["Equity"]
    # Each figure says whose it is, for the phone's one card per criterion.
    assert '<td class="num" data-label="Mayor">60%</td>' in page
