"""The runs' pages (planning.views.runs): results, progress polls, comparing, the Run
button's rate."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from recap.planning.models import PrioritisationSession, Run
from recap.planning.services import (
    session_run,
)
from recap.planning.tests.conftest import base_url
from recap.testing import World

pytestmark = pytest.mark.django_db


def test_pages_run_reopen_and_isolation(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    client.force_login(world.users["editor_a"])
    response = client.post(f"/cities/kigali/workspace/prioritisation/{session.pk}/run/")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Proven optimal" in page and "DRM-01" in page and "What more budget would buy" in page
    client.post(f"/cities/kigali/workspace/prioritisation/{session.pk}/run/")
    first = client.get(f"/cities/kigali/workspace/prioritisation/{session.pk}/runs/1/")
    assert first.status_code == 200 and first.context["run"].number == 1
    client.force_login(world.users["viewer_a"])
    assert (
        client.post(f"/cities/kigali/workspace/prioritisation/{session.pk}/run/").status_code == 403
    )
    client.force_login(world.users["editor_b"])
    assert client.get(f"/cities/kigali/workspace/prioritisation/{session.pk}/").status_code == 404
    assert client.get(f"/cities/rajshahi/workspace/prioritisation/{session.pk}/").status_code == 404
    assert Run.objects.count() == 2


def test_each_budgets_frontier_is_a_chart_with_its_figures_beside_it(
    client: Client,
    world: World,
    session: PrioritisationSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import base64
    import html
    import re

    from defusedxml import ElementTree

    run = session_run(actor=world.users["editor_a"], session=session)
    client.force_login(world.users["viewer_a"])
    page = client.get(base_url(session)).content.decode()
    # The frontiers' section (the price of robustness above it has its own chart).
    section = page[page.index('id="frontier-title"') :]
    charts = re.findall(
        r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', section
    )
    frontiers = run.outcome["frontiers"]
    assert len(charts) == len(frontiers) == 2
    for (data, alt), frontier in zip(charts, frontiers.values(), strict=True):
        svg = ElementTree.fromstring(base64.b64decode(data))
        texts = [t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text")]
        # Axes labelled, ticks with values (grouped by thousands), the budget set marked.
        assert "Best total value" in texts and "budget set" in texts
        assert any(t.endswith(("k", "M")) or "," in t for t in texts)
        assert f"{round(frontier['current_limit']):,}" in html.unescape(alt)
        # The figures beside: one row per step of the frontier, with the value it reaches.
        top = max(p["value"] for p in frontier["points"] if p["value"] is not None)
        assert f"{top:,.1f}" in page
    rows = re.findall(r'<table class="frontier-figures">.*?</table>', page, flags=re.S)
    assert [r.count("<tr>") - 1 for r in rows] == [len(f["points"]) for f in frontiers.values()]
    # Drawn once per run and language: the next view reads the charts from the cache.
    from django.core.cache import cache

    from recap.planning import charts as planning_charts

    drawn: list[str] = []
    original = planning_charts.line_chart

    def counting(*args: object, **kwargs: object) -> object:
        drawn.append("chart")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(planning_charts, "line_chart", counting)
    cache.clear()
    assert client.get(base_url(session)).status_code == 200
    assert len(drawn) == 2
    assert client.get(base_url(session)).status_code == 200
    assert len(drawn) == 2


def test_comparing_with_a_run_made_before_feasibility_shows_every_setting(
    world: World, session: PrioritisationSession
) -> None:
    from recap.planning.selectors import runs_compare

    new = session_run(actor=world.users["editor_a"], session=session)
    data = dict(new.input)
    data["criteria"], data["weights"] = data["criteria"][:5], data["weights"][:5]
    data["scores"] = {k: v[:5] for k, v in data["scores"].items()}
    old = Run.objects.create(
        session=session, number=9, input=data, result=new.result, status="done"
    )
    rows = {r["label"]: r for r in runs_compare(old, new)["settings"]}
    assert rows["Weight: Feasibility"]["a"] == "—" and rows["Weight: Feasibility"]["changed"]
    rows = {r["label"]: r for r in runs_compare(new, old)["settings"]}
    assert rows["Weight: Feasibility"]["b"] == "—"


def test_a_long_ranking_opens_on_its_leading_rows_and_the_package(
    client: Client,
    world: World,
    session: PrioritisationSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from recap.planning.views import runs as views

    run = session_run(actor=world.users["editor_a"], session=session)
    ranking, chosen = run.outcome["ranking"], set(run.outcome["package"]["selected"])
    assert len(ranking) > 3 and any(c in chosen for c in ranking[3:])  # a chosen one beyond 3
    monkeypatch.setattr(views, "RANKING_ROWS", 3)
    client.force_login(world.users["viewer_a"])
    url = f"/cities/kigali/workspace/prioritisation/{session.pk}/runs/1/"
    table = client.get(url).content.decode().split('id="ranking-title"')[1].split("</section>")[0]
    shown = [c for c in ranking if f">{c} · " in table]
    assert shown == [c for i, c in enumerate(ranking) if i < 3 or c in chosen]
    assert f"Showing {len(shown)} of {len(ranking)} candidates" in table
    assert 'href="?rows=all#ranking-title"' in table
    table = client.get(url + "?rows=all").content.decode().split('id="ranking-title"')[1]
    table = table.split("</section>")[0]
    assert [c for c in ranking if f">{c} · " in table] == ranking
    assert "Show all" not in table


def test_run_status_is_the_citys_own(
    client: Client,
    world: World,
    session: PrioritisationSession,
) -> None:
    session_run(actor=world.users["editor_a"], session=session)
    url = base_url(session) + "runs/1/status/"
    client.force_login(world.users["editor_b"])
    assert client.get(url).status_code == 404
    client.force_login(world.users["viewer_a"])
    response = client.get(url)
    assert response.status_code == 200 and "Run 1 is ready" in response.content.decode()
    assert "HX-Refresh" not in response  # only an HTMX poll is told to reload
    client.logout()
    assert client.get(url).status_code == 302


def test_the_engines_error_is_shown_to_editors_only(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    run = Run.objects.create(
        session=session, number=3, input={}, status="failed", error="KeyError: 'weights'"
    )
    client.force_login(world.users["editor_a"])
    page = client.get(base_url(session) + f"runs/{run.number}/").content.decode()
    assert "Run 3 failed" in page and "KeyError" in page
    client.force_login(world.users["viewer_a"])
    page = client.get(base_url(session) + f"runs/{run.number}/").content.decode()
    assert "Run 3 failed" in page and "KeyError" not in page


def test_a_signed_out_poll_sends_the_whole_page_to_the_login(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    session_run(actor=world.users["editor_a"], session=session)
    url = base_url(session) + "runs/1/status/"
    page = "http://testserver" + base_url(session) + "runs/1/"
    response = client.get(url, headers={"HX-Request": "true", "HX-Current-URL": page})
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=" + (
        base_url(session) + "runs/1/"
    ).replace("/", "%2F")
    assert client.get(url).status_code == 302  # without HTMX, the usual redirect


@override_settings(RECAP_API_RUN_RATE="2/h")
def test_the_run_button_is_rate_limited_per_person(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    client.force_login(world.users["editor_a"])
    statuses = [client.post(base_url(session) + "run/").status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert "Too many requests" in client.post(base_url(session) + "run/").content.decode()


def test_a_run_shows_its_package_while_its_actions_are_being_explained(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.planning.tasks import partial_writer

    run = session_run(actor=world.users["editor_a"], session=session)
    result = dict(run.outcome) | {"explanations": {}}
    Run.objects.filter(pk=run.pk).update(status="running", stage="explain", result=None)
    partial_writer(run.pk)(result)
    client.force_login(world.users["editor_a"])
    page = client.get(base_url(session) + "runs/1/").content.decode()
    assert "Proven optimal" in page and "being explained…" in page
    assert "You can save this package as soon as every action is explained." in page
    assert "runs/1/save/" not in page  # no saving a package half explained
    assert "Explaining each action" in page  # the progress panel polls on
    # Once done, the same page is whole.
    Run.objects.filter(pk=run.pk).update(status="done", result=run.outcome)
    page = client.get(base_url(session) + "runs/1/").content.decode()
    assert "being explained…" not in page and "runs/1/save/" in page
    # A partial result is written only while the run runs (not over a cancelled one).
    Run.objects.filter(pk=run.pk).update(status="cancelled", result=None)
    partial_writer(run.pk)(result)
    assert Run.objects.get(pk=run.pk).result is None


def test_the_session_page_says_what_the_engine_will_weigh_up_and_whose_weights(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.planning.tests.conftest import mayor_and_finance

    client.force_login(world.users["editor_a"])
    page = client.get(base_url(session)).content.decode()
    setup = page.split('id="setup-title"')[1].split("</section>")[0]
    assert "7 actions" in setup and "DRM-01" in setup and "ECO-01" in setup
    # The session's own weights, as shares of 100 (40 of 110 points → 36 %).
    assert "Resilience value 36%" in setup
    assert "once a stakeholder enters weights below" in setup
    assert "US$300,000 short term" in setup and "at least 1 × Health" in setup
    assert "must be in: DRM-01" in setup and "at most 4 actions" in setup
    mayor_and_finance(world, session)
    setup = client.get(base_url(session)).content.decode().split('id="setup-title"')[1]
    setup = setup.split("</section>")[0]
    # Mayor 60 and Finance 10 on resilience: the stakeholders' average replaces the session's 36 %.
    assert "Resilience value 35%" in setup and "Economy and jobs 35%" in setup
    assert "The average of 2 stakeholders' weights (below) replaces" in setup
    # Where the session's weights are changed, the form says they are set aside for now.
    form = client.get(base_url(session) + "edit/").content.decode()
    assert "2 stakeholders have entered weights: the next run uses their average" in form
    # The run says which weights it used.
    client.post(base_url(session) + "run/")
    page = client.get(base_url(session) + "runs/1/").content.decode()
    assert "Weights used:" in page and "the average of 2 stakeholders' weights" in page
    chosen = len(Run.objects.get(session=session, number=1).outcome["package"]["selected"])
    assert f"the sum of the values (each 0–100) of the {chosen} actions chosen" in page
    # The package comes before the form that saves it.
    assert page.index('id="package-title"') < page.index("runs/1/save/")
    assert page.index("Medium term") < page.index("runs/1/save/")
    assert 'id="first-rank-help"' in page


def test_the_run_button_waits_while_a_run_is_pending(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    client.force_login(world.users["editor_a"])
    page = client.get(base_url(session)).content.decode()
    assert 'class="button" disabled' not in page and "enter them below" in page
    Run.objects.filter(pk=run.pk).update(status="queued")
    page = client.get(base_url(session)).content.decode()
    assert 'class="button" disabled aria-describedby="run-pending"' in page
    assert "Run 1 is waiting or being computed" in page
    # A viewer sees what will be weighed up but no Run button at all.
    client.force_login(world.users["viewer_a"])
    page = client.get(base_url(session)).content.decode()
    assert 'id="setup-title"' in page and "Run the engine" not in page


def test_the_setup_panel_names_the_first_candidates_and_counts_the_rest(
    client: Client, world: World, session: PrioritisationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session of a thousand candidates does not write a thousand names on its page."""
    from recap.planning.views import runs as views

    monkeypatch.setattr(views, "CANDIDATES_NAMED", 3)
    client.force_login(world.users["viewer_a"])
    setup = client.get(base_url(session)).content.decode().split('id="setup-title"')[1]
    setup = setup.split("</section>")[0]
    assert "7 actions" in setup and "and 4 more (every one is on the session" in setup
    assert "DRM-01" in setup and "ECO-01" in setup and "WAT-01" not in setup
