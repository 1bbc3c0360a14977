from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings

from recap.catalogue.candidates import candidate_adopt
from recap.catalogue.models import CandidateAction, CatalogueAction
from recap.engine import parse_problem
from recap.planning.compute import compute_run
from recap.planning.models import PrioritisationSession, Run
from recap.planning.services import build_input, session_create, session_run
from recap.planning.tasks import run_execute
from recap.testing import DATABASE_QUEUE, World

from .conftest import CODES, mayor_and_finance

pytestmark = pytest.mark.django_db


def test_a_run_respects_every_constraint_and_is_stored_with_its_input(
    world: World, session: PrioritisationSession
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    package = run.result["package"]
    assert package["status"] == "optimal"
    assert "DRM-01" in package["selected"] and len(package["selected"]) <= 4
    problem_json = run.input["problem"] | {
        "actions": [
            a | {"value": run.result["values"][a["id"]]} for a in run.input["problem"]["actions"]
        ]
    }
    problem = parse_problem(problem_json)
    assert problem.violations(package["selected"]) == []
    assert abs(problem.objective_of(package["selected"]) - package["objective"]) < 1e-6
    assert run.result["ranking"][0] == max(run.result["values"], key=run.result["values"].get)
    assert set(run.result["explanations"]) == set(CODES)
    assert set(run.result["frontiers"]) == {"capex_short", "capex_medium"}


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


@pytest.mark.parametrize("actor", ["viewer_a", "editor_b", "manager", "funder"])
def test_only_the_citys_editors_create_or_run(
    world: World, session: PrioritisationSession, actor: str
) -> None:
    with pytest.raises(PermissionDenied):
        session_run(actor=world.users[actor], session=session)
    with pytest.raises(PermissionDenied):
        session_create(
            actor=world.users[actor],
            city=world.city_a,
            title="x",
            candidates=[],
            budget_short_usd=1,
            budget_medium_usd=1,
            staff_fte=1,
        )
    assert not Run.objects.exists()


def test_bad_session_settings_are_refused(world: World, session: PrioritisationSession) -> None:
    candidates = list(CandidateAction.objects.filter(city=world.city_a))
    with pytest.raises(ValidationError) as exc:
        session_create(
            actor=world.users["editor_a"],
            city=world.city_a,
            title="Bad",
            candidates=candidates,
            budget_short_usd=1,
            budget_medium_usd=1,
            staff_fte=1,
            weights={"resilience": 0, "economy": 0, "equity": 0, "climate": 0, "health": 0},
            min_per_sector={"space": 1},
            must_include=["NOPE-1"],
        )
    assert {"weights", "min_per_sector", "must_include"} <= set(exc.value.message_dict)
    other = candidate_adopt(
        actor=world.users["editor_b"],
        city=world.city_b,
        source=CatalogueAction.objects.get(code="WAT-01"),
    )
    with pytest.raises(ValidationError, match="city's own"):
        session_create(
            actor=world.users["editor_a"],
            city=world.city_a,
            title="Mixed",
            candidates=[other],
            budget_short_usd=1,
            budget_medium_usd=1,
            staff_fte=1,
        )


def test_pages_run_reopen_and_isolation(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    client.force_login(world.users["editor_a"])
    response = client.post(f"/cities/kigali/workspace/prioritisation/{session.pk}/run/")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert (
        "Proven optimal" in page and "DRM-01" in page and "Best value as the budget varies" in page
    )
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


def test_package_save_adjust_version_and_endorse(
    world: World, session: PrioritisationSession
) -> None:
    from recap.planning.models import ActionPackage
    from recap.planning.packages import package_adjust, package_endorse, package_save

    run = session_run(actor=world.users["editor_a"], session=session)
    package = package_save(actor=world.users["editor_a"], run=run, name="Kigali package 2026")
    first = package.current
    assert first is not None and first.selected == run.result["package"]["selected"]
    out = first.selected[-1] if first.selected[-1] != "DRM-01" else first.selected[0]
    version = package_adjust(
        actor=world.users["editor_a"],
        package=package,
        lock_in=[],
        lock_out=[out],
        note="No land yet",
    )
    assert version.number == 2 and out not in version.selected and "DRM-01" in version.selected
    assert version.objective <= first.objective + 1e-9  # locking something out cannot add value
    with pytest.raises(ValidationError, match="both in and out"):
        package_adjust(
            actor=world.users["editor_a"], package=package, lock_in=["HLT-01"], lock_out=["HLT-01"]
        )
    with pytest.raises(ValidationError, match="cannot all hold together"):
        package_adjust(
            actor=world.users["editor_a"], package=package, lock_in=[], lock_out=["DRM-01"]
        )
    with pytest.raises(PermissionDenied):
        package_endorse(actor=world.users["editor_a"], package=package, rationale="Because")
    with pytest.raises(ValidationError):
        package_endorse(actor=world.users["coordinator_a"], package=package, rationale="  ")
    package_endorse(
        actor=world.users["coordinator_a"], package=package, rationale="Best value for the budget."
    )
    package.refresh_from_db()
    assert (package.status, package.endorsed_by) == (
        ActionPackage.Status.ENDORSED,
        world.users["coordinator_a"],
    )
    # Adjusting an endorsed package makes a new draft version.
    package_adjust(actor=world.users["editor_a"], package=package, lock_in=["HLT-01"], lock_out=[])
    package.refresh_from_db()
    assert package.status == ActionPackage.Status.DRAFT and package.versions.count() == 3
    # A French-speaking team reads the clash in French.
    from django.utils import translation

    with translation.override("fr"), pytest.raises(ValidationError, match="ne peuvent pas toutes"):
        package_adjust(
            actor=world.users["editor_a"], package=package, lock_in=[], lock_out=["DRM-01"]
        )


def test_package_pages(client: Client, world: World, session: PrioritisationSession) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    client.force_login(world.users["editor_a"])
    response = client.post(
        f"/cities/kigali/workspace/prioritisation/{session.pk}/runs/{run.number}/save/",
        {"name": "Workshop package", "rationale": ""},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Workshop package" in page.content.decode() and page.context["current"].number == 1
    pk = page.context["package"].pk
    assert (
        client.post(
            f"/cities/kigali/workspace/prioritisation/packages/{pk}/endorse/", {"rationale": "x"}
        ).status_code
        == 403
    )
    client.force_login(world.users["coordinator_a"])
    client.post(
        f"/cities/kigali/workspace/prioritisation/packages/{pk}/endorse/",
        {"rationale": "Agreed in the workshop."},
    )
    assert (
        "Endorsed"
        in client.get(f"/cities/kigali/workspace/prioritisation/packages/{pk}/").content.decode()
    )
    client.force_login(world.users["editor_b"])
    assert client.get(f"/cities/kigali/workspace/prioritisation/packages/{pk}/").status_code == 404
    assert (
        client.get(f"/cities/rajshahi/workspace/prioritisation/packages/{pk}/").status_code == 404
    )


def _endorsed(world: World, session: PrioritisationSession) -> object:
    from recap.planning.packages import package_endorse, package_save

    run = session_run(actor=world.users["editor_a"], session=session)
    package = package_save(actor=world.users["editor_a"], run=run, name="Kigali package")
    return package_endorse(actor=world.users["coordinator_a"], package=package, rationale="Agreed.")


def test_pdf_report_opens_and_lists_the_package(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    import io

    from pypdf import PdfReader

    package = _endorsed(world, session)
    client.force_login(world.users["viewer_a"])
    response = client.get(
        f"/cities/kigali/workspace/prioritisation/packages/{package.pk}/report.pdf"
    )  # type: ignore[attr-defined]
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Kigali package" in text and "endorsed by coordinator_a" in text
    for code in package.current.selected:  # type: ignore[attr-defined]
        assert code in text
    assert "Method and weights" in text and "Why leading actions were left out" in text
    # Robustness: each action's share of the 200 re-optimisations, as computed after the run.
    assert "How robust the package is" in text and "re-optimised the package 200 times" in text
    probs = package.current.run.robustness_jobs.get().result["selection_probability"]  # type: ignore[attr-defined]
    assert f"{round(100 * probs['DRM-01'])}%" in text
    client.force_login(world.users["editor_b"])
    assert (
        client.get(
            f"/cities/kigali/workspace/prioritisation/packages/{package.pk}/report.pdf"
        ).status_code
        == 404
    )  # type: ignore[attr-defined]


def test_xlsx_report_has_the_package_ranking_and_weights(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    import io

    from openpyxl import load_workbook

    package = _endorsed(world, session)
    client.force_login(world.users["viewer_a"])
    response = client.get(
        f"/cities/kigali/workspace/prioritisation/packages/{package.pk}/report.xlsx"
    )  # type: ignore[attr-defined]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Package", "Ranking", "Weights", "Robustness"]
    codes = [row[0].value for row in book["Package"].iter_rows(min_row=2)]
    assert sorted(codes) == sorted(package.current.selected)  # type: ignore[attr-defined]
    assert book["Ranking"].max_row == len(CODES) + 1
    # Robustness computed after the run: every action in the package, with its share.
    shares = {r[0].value: (r[2].value, r[3].value) for r in book["Robustness"].iter_rows(min_row=2)}
    job = package.current.run.robustness_jobs.get()  # type: ignore[union-attr]
    probs = job.result["selection_probability"]
    for code in package.current.selected:  # type: ignore[union-attr]
        assert shares[code] == ("yes", round(probs[code], 4))


def test_package_report_command(
    tmp_path: object, world: World, session: PrioritisationSession
) -> None:
    from pathlib import Path

    from django.core.management import call_command
    from django.core.management.base import CommandError

    target = Path(str(tmp_path)) / "kigali.pdf"
    with pytest.raises(CommandError, match="has no endorsed package yet"):
        call_command("package", "report", "--city", "kigali", "-o", str(target))
    _endorsed(world, session)
    call_command("package", "report", "--city", "kigali", "-o", str(target))
    assert target.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="no city with the short name"):
        call_command("package", "report", "--city", "atlantis", "-o", str(target))
    with pytest.raises(CommandError, match=r"give a \.pdf or \.xlsx"):
        call_command("package", "report", "--city", "kigali", "-o", str(target.with_suffix(".doc")))
    # A French report for a French-speaking city team; an unknown language is refused.
    from pypdf import PdfReader

    french = Path(str(tmp_path)) / "kigali-fr.pdf"
    call_command("package", "report", "--city", "kigali", "-o", str(french), "--language", "fr")
    text = " ".join(p.extract_text() for p in PdfReader(french).pages)
    assert "Méthode et pondérations" in text and "Method and weights" not in text
    with pytest.raises(CommandError, match="--language: 'xx' is not one of en, fr"):
        call_command("package", "report", "--city", "kigali", "-o", str(french), "--language", "xx")


def test_robustness_runs_as_a_task_and_reports_progress(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.planning.models import RobustnessJob

    mayor_and_finance(world, session)
    run = session_run(actor=world.users["editor_a"], session=session)
    # The run queues its robustness when it finishes (the test settings run tasks at once).
    job = RobustnessJob.objects.get(run=run)
    assert (job.status, job.done, job.samples) == ("done", 200, 200)
    probs = job.result["selection_probability"]  # type: ignore[index]
    assert set(probs) == set(CODES) and probs["DRM-01"] == 1.0  # locked in: always chosen
    client.force_login(world.users["editor_a"])
    url = f"/cities/kigali/workspace/prioritisation/{session.pk}/runs/{run.number}/robustness/"
    partial = client.get(url + "status/").content.decode()
    assert "The package itself came out in" in partial and "hx-trigger" not in partial
    # An editor may compute it again (same seed, same answer); a viewer may not.
    assert client.post(url).status_code == 302
    again = RobustnessJob.objects.filter(run=run).first()
    assert again is not None and again.pk != job.pk and again.result == job.result
    client.force_login(world.users["viewer_a"])
    assert client.post(url).status_code == 403
    assert RobustnessJob.objects.count() == 2


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


def test_robustness_is_not_queued_twice(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.planning.models import RobustnessJob

    run = session_run(actor=world.users["editor_a"], session=session)
    assert RobustnessJob.objects.filter(run=run, status="done").count() == 1  # after the run
    waiting = RobustnessJob.objects.create(run=run, samples=200)  # one waiting for the worker
    client.force_login(world.users["editor_a"])
    client.post(
        f"/cities/kigali/workspace/prioritisation/{session.pk}/runs/{run.number}/robustness/"
    )
    assert RobustnessJob.objects.filter(run=run).count() == 2
    assert RobustnessJob.objects.filter(run=run).first() == waiting  # the page shows this one


def test_the_page_shows_each_stakeholders_weights_the_average_and_the_spread(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    import re

    mayor_and_finance(world, session)
    client.force_login(world.users["viewer_a"])
    page = client.get(f"/cities/kigali/workspace/prioritisation/{session.pk}/").content.decode()
    rows = {
        m.group(1): re.sub(r"<[^>]+>|\s+", " ", m.group(2))
        for m in re.finditer(r'<th scope="row">([^<]+)</th>(.*?)</tr>', page, re.S)
    }
    # Columns by name (Finance, Mayor). Resilience: Finance 10 %, Mayor 60 %, average 35 %,
    # spread 10–60 %: wide apart.
    assert re.search(r"^ 10% +60% +35% +10–60% +wide", rows["Resilience value"])
    assert "wide" not in rows["Equity"] and "10–10%" in rows["Equity"]


def test_a_hand_adjusted_version_gets_robustness_of_its_own(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from recap.planning.models import RobustnessJob
    from recap.planning.packages import package_adjust, package_save
    from recap.planning.report import package_pdf, package_xlsx, report_context

    run = session_run(actor=world.users["editor_a"], session=session)
    package = package_save(actor=world.users["editor_a"], run=run, name="Adjusted")
    context = report_context(package, user=world.users["viewer_a"])["robustness"]
    assert (context["adjusted"], context["locked"]) == (False, False)
    # Saved as run: the package shows the run's robustness, no second computation.
    assert not RobustnessJob.objects.filter(version__isnull=False).exists()
    client.force_login(world.users["viewer_a"])
    page = client.get(package.get_absolute_url()).content.decode()
    assert "This version is the optimal package of run 1" in page

    out = next(c for c in run.outcome["package"]["selected"] if c != "DRM-01")
    version = package_adjust(
        actor=world.users["editor_a"], package=package, lock_in=["DRM-01"], lock_out=[out]
    )
    # The adjusted version was re-optimised 200 times with its locks held.
    job = RobustnessJob.objects.get(version=version)
    assert job.status == "done" and job.run == run
    probs = job.result["selection_probability"]
    assert (probs["DRM-01"], probs[out]) == (1.0, 0.0)
    assert RobustnessJob.objects.filter(version=None, run=run).count() == 1  # the run's own
    context = report_context(package, user=world.users["viewer_a"])["robustness"]
    assert (context["adjusted"], context["locked"]) == (False, True)
    rows = {r["code"]: r for r in context["rows"]}
    assert rows["DRM-01"]["p"] == 1.0 and rows["DRM-01"]["in"]
    assert out not in rows  # never chosen, and not in the package: left out of the table
    pdf = package_pdf(package, user=world.users["viewer_a"])
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "as adjusted by hand: the actions locked in or out stayed so" in text
    page = client.get(package.get_absolute_url()).content.decode()
    assert f"For version {version.number} as adjusted by hand" in page
    assert "The package itself came out in" in page

    # Until the version's own robustness is done, the run's stands in, and the report says so.
    job.status = "running"
    job.save()
    context = report_context(package, user=world.users["viewer_a"])["robustness"]
    assert (context["adjusted"], context["locked"], context["run"]) == (True, False, 1)
    pdf = package_pdf(package, user=world.users["viewer_a"])
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "this version was adjusted by hand" in text
    status = package.get_absolute_url() + "robustness/status/"
    partial = client.get(status).content.decode()
    assert f'hx-get="{status}"' in partial and "re-optimisations done" in partial

    # A failed computation can be started again from the package, by an editor only.
    job.status, job.failure = "failed", "error"
    job.save()
    start = package.get_absolute_url() + "robustness/"
    assert "Compute robustness" not in client.get(status).content.decode()  # the viewer
    assert client.post(start).status_code == 403
    assert RobustnessJob.objects.filter(version=version).count() == 1
    client.force_login(world.users["editor_a"])
    assert "Compute robustness again" in client.get(status).content.decode()
    client.post(start)
    assert RobustnessJob.objects.filter(version=version).latest("pk").status == "done"
    client.force_login(world.users["editor_b"])  # another city's editor: no such package
    assert client.post(start).status_code == 404
    assert RobustnessJob.objects.filter(version=version).count() == 2

    # The spreadsheet says whose shares they are.
    book = load_workbook(io.BytesIO(package_xlsx(package, user=world.users["viewer_a"])))
    bases = {r[4].value for r in book["Robustness"].iter_rows(min_row=2)}
    assert bases == {f"version {version.number}, locks held"}


@override_settings(TASKS=DATABASE_QUEUE)
def test_versions_share_robustness_by_locks_and_superseded_work_leaves_the_queue(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.planning.models import RobustnessJob
    from recap.planning.packages import package_adjust, package_save
    from recap.planning.tasks import robustness_execute

    editor = world.users["editor_a"]
    run = session_run(actor=editor, session=session)
    run_execute(run)
    package = package_save(actor=editor, run=run, name="Adjusted")
    chosen = [c for c in run.outcome["package"]["selected"] if c != "DRM-01"]
    v2 = package_adjust(actor=editor, package=package, lock_in=[], lock_out=[chosen[0]])
    v3 = package_adjust(actor=editor, package=package, lock_in=[], lock_out=[chosen[1]])
    # v2's job was still waiting when v3 replaced it: dropped, nobody would read it.
    assert not RobustnessJob.objects.filter(version=v2).exists()
    assert list(RobustnessJob.objects.filter(version__isnull=False)) == [
        RobustnessJob.objects.get(version=v3, status="queued")
    ]
    robustness_execute(RobustnessJob.objects.get(version=v3))
    # Back to v2's locks: a new version, but the same question. Then v3's locks again:
    # answered already, so nothing is queued and the page shows v3's finished job.
    v4 = package_adjust(actor=editor, package=package, lock_in=[], lock_out=[chosen[0]])
    assert RobustnessJob.objects.get(version=v4).status == "queued"
    v5 = package_adjust(actor=editor, package=package, lock_in=[], lock_out=[chosen[1]])
    assert not RobustnessJob.objects.filter(version=v5).exists()
    assert not RobustnessJob.objects.filter(version=v4).exists()  # superseded while queued
    client.force_login(world.users["viewer_a"])
    page = client.get(package.get_absolute_url()).content.decode()
    assert f"For version {v5.number} as adjusted by hand" in page
    assert "The package itself came out in" in page
    assert RobustnessJob.objects.filter(version__isnull=False).count() == 1


def test_a_version_adjusted_before_it_had_robustness_shows_the_runs_saying_so(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.planning.models import RobustnessJob
    from recap.planning.packages import package_adjust, package_save

    editor = world.users["editor_a"]
    run = session_run(actor=editor, session=session)
    package = package_save(actor=editor, run=run, name="Older")
    out = next(c for c in run.outcome["package"]["selected"] if c != "DRM-01")
    version = package_adjust(actor=editor, package=package, lock_in=[], lock_out=[out])
    RobustnessJob.objects.filter(version=version).delete()  # as if made before this existed
    client.force_login(world.users["viewer_a"])
    page = client.get(package.get_absolute_url()).content.decode()
    assert "These shares are for the optimal package of run 1; this version was adjusted" in page
    assert "The package itself came out in" in page
    assert "Compute robustness for this version" not in page
    client.force_login(editor)
    page = client.get(package.get_absolute_url()).content.decode()
    assert "Compute robustness for this version" in page
    client.post(package.get_absolute_url() + "robustness/")
    assert RobustnessJob.objects.get(version=version).status == "done"
    page = client.get(package.get_absolute_url()).content.decode()
    assert f"For version {version.number} as adjusted by hand" in page


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


def test_overlong_names_rationales_and_notes_are_refused_not_cut(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.planning.models import ActionPackage
    from recap.planning.packages import package_adjust, package_endorse, package_save

    run = session_run(actor=world.users["editor_a"], session=session)
    with pytest.raises(ValidationError, match="at most 200 characters"):
        package_save(actor=world.users["editor_a"], run=run, name="N" * 201)
    client.force_login(world.users["editor_a"])
    page = client.post(
        f"/cities/kigali/workspace/prioritisation/{session.pk}/runs/1/save/",
        {"name": "Fine", "rationale": "R" * 5001},
        follow=True,
    ).content.decode()
    assert "Keep the rationale to 5000 characters (it has 5001)" in page
    assert not ActionPackage.objects.exists()
    package = package_save(
        actor=world.users["editor_a"], run=run, name="Fine", rationale="R" * 5000
    )
    with pytest.raises(ValidationError, match="Keep the note to 300 characters"):
        package_adjust(
            actor=world.users["editor_a"], package=package, lock_in=[], lock_out=[], note="x" * 301
        )
    with pytest.raises(ValidationError, match="Keep the rationale"):
        package_endorse(actor=world.users["coordinator_a"], package=package, rationale="R" * 5001)
    package.refresh_from_db()
    assert package.versions.count() == 1 and package.status == "draft"
    assert package.rationale == "R" * 5000


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
    shown = [c for c in ranking if f"<td>{c} · " in table]
    assert shown == [c for i, c in enumerate(ranking) if i < 3 or c in chosen]
    assert f"Showing {len(shown)} of {len(ranking)} candidates" in table
    assert 'href="?rows=all#ranking-title"' in table
    table = client.get(url + "?rows=all").content.decode().split('id="ranking-title"')[1]
    table = table.split("</section>")[0]
    assert [c for c in ranking if f"<td>{c} · " in table] == ranking
    assert "Show all" not in table


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
    # One stakeholder or none: every weight free within ±50 % of the one used.
    solo = robustness_spec(run_input | {"stakeholders": {}}, {"A": 1.0, "B": 2.0}, samples=200)
    assert solo["weight_ranges"]["resilience"] == [15.0, 45.0] and "weight_samples" not in solo
