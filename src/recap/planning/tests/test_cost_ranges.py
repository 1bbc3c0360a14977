"""Cost ranges from reference classes or the city's own, into the run: the problem carries them
and the session's Γ, the run stores the package's budget risk and the price of robustness,
reproducibly, and the run page shows both in English and French."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from recap.catalogue.candidate_forms import CandidateForm
from recap.catalogue.models import CandidateAction, CatalogueAction, ReferenceClassCode
from recap.catalogue.reference_classes import classes, cost_range, sources
from recap.engine import parse_problem
from recap.planning.compute import compute_run
from recap.planning.models import PrioritisationSession
from recap.planning.services import build_input, session_run
from recap.testing import World

from .conftest import CODES

pytestmark = pytest.mark.django_db


def test_the_reference_classes_are_sourced_data_and_every_shipped_action_has_one() -> None:
    found = classes()
    assert set(found) == {c.value for c in ReferenceClassCode}
    for c in found.values():
        assert c.source in sources() and 0 <= c.lower <= c.upper
        assert sources()[c.source]["url"].startswith("https://")
    # The published figures (HM Treasury's optimism-bias table) as the data holds them.
    assert (found["building"].upper, found["civil_works"].upper) == (0.24, 0.44)
    assert found["equipment"].upper == 2.0 and found["programme"].upper == 0.41
    raw = resources.files("recap.catalogue").joinpath("data/reference_classes.json")
    assert json.loads(raw.read_text("utf-8"))["checked"] == "2026-12-07"
    shipped = json.loads(
        resources.files("recap.catalogue").joinpath("data/actions.json").read_text("utf-8")
    )
    assert {a["reference_class"] for a in shipped} <= set(found)


def test_a_range_is_the_citys_own_else_its_class_else_none() -> None:
    typed = cost_range(100_000, 90_000, 150_000, "building")
    assert (typed.low, typed.high, typed.origin) == (90_000, 150_000, "typed")
    by_class = cost_range(100_000, None, None, "building")
    assert (by_class.low, by_class.high, by_class.origin) == (100_000, 124_000, "class")
    assert by_class.reference_class is not None and by_class.reference_class.name == "Building"
    none = cost_range(100_000, None, None, "")
    assert (none.has_spread, none.origin) == (False, "none")


def test_the_problem_carries_each_candidates_range_and_the_sessions_gamma(
    world: World, session: PrioritisationSession
) -> None:
    hlt04 = CandidateAction.objects.get(city=world.city_a, code="HLT-04")  # a building
    drm01 = CandidateAction.objects.get(city=world.city_a, code="DRM-01")
    drm01.cost_low_usd, drm01.cost_high_usd = drm01.local_cost_usd - 1, drm01.local_cost_usd * 3
    drm01.save()
    session.gamma_short = 2
    session.save()
    problem = build_input(session)["problem"]
    actions = {a["id"]: a for a in problem["actions"]}
    budget = "capex_short" if hlt04.phase == "short" else "capex_medium"
    assert actions["HLT-04"]["uses_high"] == {budget: round(hlt04.local_cost_usd * 1.24)}
    assert actions["HLT-04"]["reference_class"] == "building"
    assert actions["DRM-01"]["uses_high"]["capex_short"] == drm01.local_cost_usd * 3
    assert actions["DRM-01"]["uses_low"]["capex_short"] == drm01.local_cost_usd - 1
    assert problem["robust"] == {"gamma": {"capex_short": 2}}
    parse_problem(problem)  # the engine's contract holds


def test_a_run_stores_its_budget_risk_and_price_of_robustness_reproducibly(
    world: World, session: PrioritisationSession
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    result = run.result
    risk = result["budget_risk"]
    assert risk["selected"] == result["package"]["selected"]
    assert 0 <= risk["all_hold"]["probability"] <= 1 and risk["draws"] == 20_000
    curve = result["robust_curve"]
    assert curve["points"][0]["gamma"] == 0
    assert curve["points"][0]["value"] == pytest.approx(result["package"]["objective"])
    values = [p["value"] for p in curve["points"] if "value" in p]
    assert values == sorted(values, reverse=True)  # protection never adds value
    again = compute_run(run.input)
    assert again["budget_risk"] == risk and again["robust_curve"] == curve


def test_gamma_keeps_the_package_within_budget_in_the_worst_case(
    world: World, session: PrioritisationSession
) -> None:
    session.gamma_short = 3
    session.gamma_medium = 3
    session.save()
    # Locked in, DRM-01 (an ICT action: up to three times its estimate) cannot fit at Γ = 3:
    # the conflict is named, at its worst case.
    locked = session_run(actor=world.users["editor_a"], session=session).result["package"]
    assert locked["status"] == "infeasible"
    assert {"kind": "resource", "resource": "capex_short"}.items() <= locked["conflict"][0].items()
    assert locked["conflict"][0]["worst_case"] is True
    assert "if 3 of its actions overrun at once" in locked["reason"]
    session.must_include = []
    session.save()
    run = session_run(actor=world.users["editor_a"], session=session)
    package = run.result["package"]
    worst = package["robust"]["worst_case_usage"]
    assert worst["capex_short"] <= session.budget_short_usd
    assert worst["capex_medium"] <= session.budget_medium_usd
    # The run page's budget table adds the worst case beside the most likely use.
    client = Client()
    client.force_login(world.users["viewer_a"])
    url = f"/cities/kigali/workspace/prioritisation/{session.pk}/runs/{run.number}/"
    page = client.get(url).content.decode()
    assert "If the largest overruns happen" in page and "3 actions overrunning" in page
    assert f"{round(worst['capex_short']):,}" in page
    # Every action's explanation reads the budgets at their worst case too.
    for why in run.result["explanations"].values():
        for reason in why.get("kept_out_because", []):
            if reason["kind"] == "resource" and reason["resource"].startswith("capex"):
                assert reason.get("worst_case") is True


def test_the_run_page_shows_budget_risk_and_the_price_of_robustness_in_both_languages(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    client.force_login(world.users["editor_a"])
    url = f"/cities/{world.city_a.slug}/workspace/prioritisation/{session.pk}/runs/{run.number}/"
    page = client.get(url).content.decode()
    assert "Will the budgets hold?" in page
    assert "Every budget holds in" in page
    assert "If costs overrun: the price of robustness" in page
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    page = client.get(url).content.decode()
    assert "Les budgets tiendront-ils ?" in page
    assert "Si les coûts dérapent : le prix de la robustesse" in page


def test_a_candidates_range_is_checked_by_name(
    world: World, session: PrioritisationSession
) -> None:
    candidate = CandidateAction.objects.get(city=world.city_a, code=CODES[0])
    data = {
        "title": candidate.title,
        "sectors": candidate.sectors,
        "phase": candidate.phase,
        "local_cost_usd": "100000",
        "cost_low_usd": "120000",
        "cost_high_usd": "90000",
        "staff_fte": "1",
        **dict.fromkeys(("economy", "equity", "mitigation", "adaptation", "health"), "1"),
        "feasibility": "2",
    }
    form = CandidateForm(data, instance=candidate, city=world.city_a)
    assert not form.is_valid()
    assert form.errors["cost_low_usd"] == ["The lowest likely cost cannot be above the estimate."]
    assert form.errors["cost_high_usd"] == ["The highest likely cost cannot be below the estimate."]
    # The database refuses it too, whatever writes it.
    candidate.cost_low_usd = candidate.local_cost_usd + 1
    with pytest.raises(ValidationError):
        candidate.full_clean()


def test_a_candidate_takes_its_catalogue_actions_class_unless_it_has_its_own(
    world: World, session: PrioritisationSession
) -> None:
    candidate = CandidateAction.objects.select_related("source").get(
        city=world.city_a, code="NBS-02"
    )
    assert candidate.source is not None
    assert candidate.source.reference_class == "nature_based"
    assert candidate.cost_range.reference_class.code == "nature_based"
    candidate.reference_class = "civil_works"
    assert candidate.cost_range.reference_class.code == "civil_works"
    assert CatalogueAction.objects.exclude(reference_class="").count() == 66


def test_any_version_shows_its_own_budget_risk_and_the_reports_carry_it(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    import io

    import openpyxl
    from pypdf import PdfReader

    from recap.planning.packages import package_adjust, package_save
    from recap.planning.report import package_pdf, package_xlsx
    from recap.planning.uncertainty import version_risk

    run = session_run(actor=world.users["editor_a"], session=session)
    package = package_save(actor=world.users["editor_a"], run=run, name="Kigali package")
    optimum = version_risk(run.result["package"]["selected"], run)
    assert optimum is not None
    assert optimum.together == run.result["budget_risk"]["all_hold"]["probability"]
    # Adjusted by hand (WAT-01 out): its own figures, from the same ranges, draws and seed.
    version = package_adjust(
        actor=world.users["editor_a"], package=package, lock_in=[], lock_out=["WAT-01"]
    )
    own = version_risk(list(version.selected), run)
    assert own is not None and set(version.selected) != set(run.result["package"]["selected"])
    client.force_login(world.users["viewer_a"])
    page = client.get(package.get_absolute_url()).content.decode()
    assert "Will the budgets hold?" in page and f"{own.together_percent} %" in page
    pdf = package_pdf(package, user=world.users["viewer_a"], language="fr")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Les budgets tiendront-ils ?" in text
    assert "le prix de la robustesse" in text
    book = openpyxl.load_workbook(io.BytesIO(package_xlsx(package)))
    assert {"Budget risk", "Price of robustness"} <= set(book.sheetnames)
    risk = book["Budget risk"]
    assert [c.value for c in risk[1]][:2] == ["budget", "limit"]
    assert risk.max_row == len(own.rows) + 2  # a row a budget, then every budget at once


def test_a_version_of_the_runs_own_package_reads_the_odds_the_run_stored(
    world: World, session: PrioritisationSession
) -> None:
    """A run stored before the draws' stream changed keeps its figures: a version of its own
    package (in any order) reads what the run's page says, not a recomputation with today's
    stream; any other package is drawn afresh with the run's draws and seed."""
    from recap.planning.compute import package_risk
    from recap.planning.uncertainty import version_risk

    run = session_run(actor=world.users["editor_a"], session=session)
    selected = list(run.result["package"]["selected"])
    fresh = package_risk(parse_problem(run.input["problem"]), selected, run.input)
    # As an older stream would have drawn them: other odds, within the sampling error.
    old = run.result["budget_risk"]
    old["all_hold"]["probability"] = fresh["all_hold"]["probability"] - 0.0031
    for figures in old["resources"].values():
        figures["probability"] = max(0.0, figures["probability"] - 0.0017)
    run.save(update_fields=["result"])
    run.refresh_from_db()
    readout = version_risk(list(reversed(selected)), run)
    assert readout is not None
    assert readout.together == old["all_hold"]["probability"] != fresh["all_hold"]["probability"]
    assert [r.probability for r in readout.rows] == [
        old["resources"][r.code]["probability"] for r in readout.rows
    ]
    other = selected[1:]
    readout = version_risk(other, run)
    assert readout is not None
    drawn = package_risk(parse_problem(run.input["problem"]), other, run.input)
    assert readout.together == drawn["all_hold"]["probability"]


def test_overruns_of_one_class_moving_together_change_the_odds_the_same_way_everywhere(
    world: World, session: PrioritisationSession
) -> None:
    from recap.planning.uncertainty import version_risk

    run = session_run(actor=world.users["editor_a"], session=session)
    alone = run.result["budget_risk"]
    session.overrun_correlation = 100
    session.budget_short_usd = 250_000  # tight: the odds move with the correlation
    session.save()
    together = session_run(actor=world.users["editor_a"], session=session)
    assert together.input["risk"] == {"correlation": 1.0}
    risk = together.result["budget_risk"]
    assert risk["correlation"] == 1.0 and alone["correlation"] == 0.0
    # A version of that run reads the same figures: the run's correlation, draws and seed.
    readout = version_risk(together.result["package"]["selected"], together)
    assert readout is not None and readout.correlation == 1.0
    assert readout.together == risk["all_hold"]["probability"]


def test_pert_ranges_chosen_on_the_session_reach_every_figure_and_are_said(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    """PERT instead of triangular: the run's input says so, its budget risk and its price of
    robustness are drawn so (other odds on a tight budget), a saved version reads the same,
    and the page (both languages), the workbook and the API say which shape was used."""
    import io

    import openpyxl
    from pypdf import PdfReader

    from recap.engine.risk import budget_risk
    from recap.planning.compute import RISK_DRAWS, RISK_SEED
    from recap.planning.packages import package_save
    from recap.planning.report import package_pdf, package_xlsx
    from recap.planning.uncertainty import version_risk

    session.budget_short_usd = 250_000  # tight: the odds move with the shape
    session.save()
    triangular = session_run(actor=world.users["editor_a"], session=session)
    session.cost_distribution = "pert"
    session.save()
    run = session_run(actor=world.users["editor_a"], session=session)
    assert "risk" not in triangular.input and run.input["risk"] == {"distribution": "pert"}
    risk = run.result["budget_risk"]
    assert risk["distribution"] == "pert"
    assert triangular.result["budget_risk"]["distribution"] == "triangular"
    selected = run.result["package"]["selected"]
    problem = parse_problem(run.input["problem"])
    # The same package's odds under each shape, with the run's draws and seed.
    odds = {
        shape: budget_risk(problem, selected, draws=RISK_DRAWS, seed=RISK_SEED,
                           distribution=shape)["all_hold"]["probability"]
        for shape in ("triangular", "pert")
    }  # fmt: skip
    assert risk["all_hold"]["probability"] == odds["pert"] != odds["triangular"]
    curve = run.result["robust_curve"]["points"]
    first = budget_risk(problem, curve[0]["selected"], draws=RISK_DRAWS, seed=RISK_SEED,
                        distribution="pert")  # fmt: skip
    assert curve[0]["probability"] == first["all_hold"]["probability"]
    readout = version_risk(selected, run)
    assert readout is not None and readout.distribution == "pert"
    client.force_login(world.users["editor_a"])
    url = f"/cities/{world.city_a.slug}/workspace/prioritisation/{session.pk}/runs/{run.number}/"
    assert "The ranges are PERT (beta)" in client.get(url).content.decode()
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert "Les fourchettes sont PERT (bêta)" in client.get(url).content.decode()
    package = package_save(actor=world.users["editor_a"], run=run, name="PERT")
    for language, said in (
        ("en", "The ranges are PERT (beta)"),
        ("fr", "Les fourchettes sont PERT (bêta)"),
    ):
        pdf = package_pdf(package, user=world.users["viewer_a"], language=language)
        text = " ".join(
            " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split()
        )
        assert said in text and "triangular" not in text and "triangulaires" not in text
    sheet = openpyxl.load_workbook(io.BytesIO(package_xlsx(package)))["Budget risk"]
    header = [c.value for c in sheet[1]]
    column = header.index("distribution")
    assert {row[column].value for row in sheet.iter_rows(min_row=2)} == {"pert"}
    from recap.accounts.services import api_token_create

    _token, key = api_token_create(user=world.users["viewer_a"], name="script")
    sessions = client.get(
        f"/api/v1/cities/{world.city_a.pk}/sessions", headers={"Authorization": f"Bearer {key}"}
    ).json()
    assert {s["id"]: s["cost_distribution"] for s in sessions}[session.pk] == "pert"
