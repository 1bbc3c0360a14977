"""The city's public plan and its open data: shown only when the city (and its plan) is
public; derived statuses, never the raw one; filters that leave out what they should; no
contact person's name or e-mail anywhere; French; the JSON valid against the documented
schema, the CSV guarded against formulas, the XLSX with real dates; the same queries at 5 and
30 actions."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jsonschema import Draft202012Validator
from openpyxl import load_workbook

from recap.catalogue.models import CandidateAction
from recap.implementation import services
from recap.implementation.models import (
    ActionIndicator,
    ImplementationPlan,
    Milestone,
    PlanAction,
)
from recap.implementation.views.public import plan_export_private
from recap.pipeline.models import ConceptAction
from recap.testing import World, concept_at

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)
TODAY = timezone.localdate()
PAGE = "/cities/kigali/plan/"
SCHEMA = Path(__file__).resolve().parent.parent / "data" / "plan-export.schema.json"
CONTACT_NAME, CONTACT_EMAIL = "Aline Uwase", "aline.uwase@kigali.example"


def export_url(fmt: str) -> str:
    return f"{PAGE}plan.{fmt}"


def a_year_in(world: World, plan: ImplementationPlan) -> dict[str, PlanAction]:
    """Kigali's plan a year after it started: one action delayed by itself (a milestone missed,
    its status as set still "on track"), one at risk with a reason, one done, one not started;
    the delayed one's contact named and e-mailed (personal data, never public)."""
    ImplementationPlan.objects.filter(pk=plan.pk).update(
        starts=TODAY - 365 * DAY,
        short_term_ends=TODAY + 365 * DAY,
        medium_term_ends=TODAY + 4 * 365 * DAY,
    )
    plan.refresh_from_db()
    editor = world.users["editor_a"]
    delayed, at_risk, done = list(plan.actions.order_by("code"))[:3]
    waiting = extra_action(plan, "ZZ-01")
    for action in (delayed, at_risk, done):
        services.action_plan(
            actor=editor,
            action=action,
            values={"planned_start": plan.starts, "planned_end": TODAY + 200 * DAY},
        )
    services.action_plan(
        actor=editor,
        action=delayed,
        values={"contact_name": CONTACT_NAME, "contact_email": CONTACT_EMAIL},
    )
    services.milestone_add(
        actor=editor, action=delayed, title="Tender published", due=TODAY - 30 * DAY
    )
    services.action_status_set(
        actor=editor, action=at_risk, status="at_risk", reason="The contractor withdrew."
    )
    services.action_status_set(actor=editor, action=done, status="done")
    services.action_plan(
        actor=editor,
        action=waiting,
        values={"planned_start": TODAY + 30 * DAY, "planned_end": TODAY + 300 * DAY},
    )
    services.indicator_add(
        actor=editor,
        action=delayed,
        values={
            "name": "Households protected",
            "unit": "households",
            "baseline": 120,
            "baseline_on": plan.starts,
            "target": 900,
            "target_on": TODAY + 200 * DAY,
            "latest": 410,
            "latest_on": TODAY - 10 * DAY,
        },
    )
    return {
        "delayed": PlanAction.objects.get(pk=delayed.pk),
        "at_risk": PlanAction.objects.get(pk=at_risk.pk),
        "done": PlanAction.objects.get(pk=done.pk),
        "waiting": PlanAction.objects.get(pk=waiting.pk),
    }


def extra_action(plan: ImplementationPlan, code: str, **fields: Any) -> PlanAction:
    """An action of the plan besides the package's (the package has three)."""
    values: dict[str, Any] = {
        "title": f"Extra action {code}",
        "sectors": ["health", "water_sanitation"],
        "hazards": {"flood_flash": 2},
        "local_cost_usd": 1000,
        "staff_fte": 1,
        "phase": "short",
        "lead_department": "Works",
        "partners": "Red Cross; Utility",
    }
    candidate = CandidateAction.objects.create(city=plan.city, code=code, **(values | fields))
    return PlanAction.objects.create(
        plan=plan,
        candidate=candidate,
        code=code,
        lead_department=candidate.lead_department,
        partners=candidate.partners,
    )


def publish(world: World, plan: ImplementationPlan) -> None:
    services.plan_publish(actor=world.users["coordinator_a"], plan=plan, public=True)


def action_block(html: str, code: str) -> str:
    """The part of the page about one action."""
    start = f'<li class="plan-action" id="action-{code.lower()}">'
    match = re.search(
        re.escape(start) + r'(.*?)</li>\s*(<li class="plan-action"|</ol>)', html, re.S
    )
    assert match, f"{code} is not on the page"
    return match.group(1)


def shown_codes(html: str) -> set[str]:
    return {
        m.upper() for m in re.findall(r'<li class="plan-action" id="action-([a-z0-9-]+)">', html)
    }


# ---------------------------------------------------------------- who sees it


def test_a_plan_not_made_public_is_not_found(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    a_year_in(world, plan)
    assert not plan.public
    assert client.get(PAGE).status_code == 404
    for fmt in ("json", "csv", "xlsx"):
        assert client.get(export_url(fmt)).status_code == 404
    # Not even for the city's own team: the public page is the public's.
    client.force_login(world.users["coordinator_a"])
    assert client.get(PAGE).status_code == 404


def test_a_public_plan_of_a_hidden_city_is_not_found(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    publish(world, plan)
    assert client.get(PAGE).status_code == 200
    world.city_a.is_public = False
    world.city_a.save(update_fields=["is_public"])
    assert client.get(PAGE).status_code == 404
    assert client.get(export_url("json")).status_code == 404


def test_unpublishing_takes_the_page_and_the_files_down(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    publish(world, plan)
    assert client.get(export_url("csv")).status_code == 200
    services.plan_publish(actor=world.users["coordinator_a"], plan=plan, public=False)
    assert client.get(PAGE).status_code == 404
    assert client.get(export_url("csv")).status_code == 404


def test_an_unknown_format_or_city_is_not_found(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    publish(world, plan)
    for path in (export_url("pdf"), export_url("JSON"), "/cities/nowhere/plan/"):
        assert client.get(path).status_code == 404, path
    # A city without any plan.
    assert client.get("/cities/rajshahi/plan/").status_code == 404


def test_the_public_page_is_read_only(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    publish(world, plan)
    assert client.post(PAGE).status_code == 405
    assert client.post(export_url("json")).status_code == 405


# ---------------------------------------------------------------- what it shows


def test_the_page_shows_derived_statuses_progress_and_indicators(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    actions = a_year_in(world, plan)
    dropped = extra_action(plan, "ZZ-09")
    PlanAction.objects.filter(pk=dropped.pk).update(
        closed_reason="Left out of version 2 of the package.", closed_at=timezone.now()
    )
    publish(world, plan)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    closed = action_block(html, "ZZ-09")
    assert ">Cancelled<" in closed
    assert closed.count("Left out of version 2 of the package.") == 1  # kept, said once
    delayed = action_block(html, actions["delayed"].code)
    # Set "on track", but its milestone was missed: delayed, by itself, saying why.
    assert actions["delayed"].set_status == "on_track"
    assert 'class="badge badge-fail">Delayed<' in delayed
    assert "On track" not in delayed
    assert "The milestone “Tender published” was due on" in delayed
    assert "missed" in delayed
    assert "Households protected" in delayed and "<svg" in delayed  # the figures and the chart
    at_risk = action_block(html, actions["at_risk"].code)
    assert ">At risk<" in at_risk and "The contractor withdrew." in at_risk
    done = action_block(html, actions["done"].code)
    assert ">Done<" in done
    assert 'value="100"' in done and "<strong>100 %</strong>" in done  # the bar, and in words
    assert ">Not started<" in action_block(html, actions["waiting"].code)
    # The lead department, by the action.
    lead = actions["done"].lead_department
    if lead:
        assert lead in done
    # The summary counts what the actions show.
    assert re.search(r'href="\?status=delayed#plan-actions">1<', html)


def test_filters_leave_out_what_they_should(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    actions = a_year_in(world, plan)
    publish(world, plan)
    everything = shown_codes(client.get(PAGE).content.decode())
    assert everything == set(plan.actions.values_list("code", flat=True))

    html = client.get(PAGE, {"status": "delayed"}).content.decode()
    assert shown_codes(html) == {actions["delayed"].code}

    candidates = {a.code: a.candidate for a in plan.actions.select_related("candidate")}
    sector = candidates[actions["at_risk"].code].sectors[0]
    html = client.get(PAGE, {"sector": sector}).content.decode()
    expected = {code for code, c in candidates.items() if sector in c.sectors}
    assert shown_codes(html) == expected and expected != everything

    # A hazard only one action addresses.
    only = CandidateAction.objects.get(pk=actions["waiting"].candidate_id)
    only.hazards = {**(only.hazards or {}), "heatwave_test": 2}
    only.save(update_fields=["hazards"])
    html = client.get(PAGE, {"hazard": "heatwave_test"}).content.decode()
    assert shown_codes(html) == {actions["waiting"].code}

    # Filters together: delayed in a sector the delayed action is not in leaves nothing.
    other = next(
        s
        for c in candidates.values()
        for s in c.sectors
        if s not in candidates[actions["delayed"].code].sectors
    )
    html = client.get(PAGE, {"status": "delayed", "sector": other}).content.decode()
    assert shown_codes(html) == set()
    assert "No action matches these filters." in html

    # A value that is no option is ignored, not an error.
    response = client.get(PAGE, {"status": "<script>", "sector": "nope", "hazard": "x" * 500})
    assert response.status_code == 200
    assert shown_codes(response.content.decode()) == everything


def test_no_contact_name_or_email_anywhere_public(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    actions = a_year_in(world, plan)
    assert actions["delayed"].contact_email == CONTACT_EMAIL  # it is there, in the workspace
    publish(world, plan)
    page = client.get(PAGE).content.decode()
    files = {fmt: client.get(export_url(fmt)).content for fmt in ("json", "csv")}
    book = load_workbook(io.BytesIO(client.get(export_url("xlsx")).content))
    cells = " ".join(
        str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
    )
    for text in (page, files["json"].decode(), files["csv"].decode("utf-8-sig"), cells):
        assert CONTACT_NAME not in text
        assert CONTACT_EMAIL not in text
        assert "aline.uwase" not in text


def test_the_concept_an_action_follows_is_a_link_only_for_who_may_open_it(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    publish(world, plan)
    action = plan.actions.order_by("code").first()
    assert action is not None
    concept = concept_at(world.city_a, "Drainage corridors", stage="submitted")
    ConceptAction.objects.create(
        concept=concept, candidate=action.candidate, code=action.code, cost_in_run=1
    )
    detail = f"/cities/kigali/workspace/concepts/{concept.pk}/"
    html = client.get(PAGE).content.decode()
    assert "Drainage corridors" in action_block(html, action.code)
    assert detail not in html  # a visitor reads its name: the concept's page is not public
    client.force_login(world.users["viewer_a"])
    assert f'href="{detail}"' in client.get(PAGE).content.decode()


class _Text(HTMLParser):
    """The text of the page's headings, labels, choices and terms."""

    WANTED = frozenset({"h1", "h2", "h4", "label", "option", "dt", "summary", "button", "th"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.WANTED:
            self.open.append(tag)
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open:
            self.found[-1] += data


#: English words of this page's headings, labels and choices that are not French words too.
_ENGLISH_WORDS = """
    the and of where show every lead department milestones indicators status statuses
    sectors hazards hazard open data progress planned partners reached missed baseline latest
    target mean implementation follows closed because carried out shown all what is by
    come track delayed risk done cancelled started not sector measure"""
ENGLISH = frozenset(_ENGLISH_WORDS.split())


def test_the_page_in_french_has_no_english_headings(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    actions = a_year_in(world, plan)
    publish(world, plan)
    client.cookies["django_language"] = "fr"
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    parser = _Text()
    parser.feed(html)
    english = {
        text.strip()
        for text in parser.found
        if ENGLISH & {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
    }
    assert not english, sorted(english)
    # Dates in French, and the derived reason too.
    block = action_block(html, actions["delayed"].code)
    assert "Tender published" in block  # what the city wrote stays as written
    assert "The milestone" not in block


def test_the_page_is_light(client: Client, world: World, plan: ImplementationPlan) -> None:
    a_year_in(world, plan)
    publish(world, plan)
    html = client.get(PAGE).content
    assert len(html) < 60 * 1024
    assert b"<script" not in html.split(b"</head>", 1)[1]  # no script of its own
    assert b"style=" not in html  # CSP: no inline style


# ---------------------------------------------------------------- open data


def test_the_json_follows_its_schema_and_says_which(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    actions = a_year_in(world, plan)
    publish(world, plan)
    response = client.get(export_url("json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors
    assert data["schema"] == {"name": "recap-implementation-plan", "version": "1.0"}
    by_code = {a["identifier"]: a for a in data["actions"]}
    delayed = by_code[actions["delayed"].code]
    assert delayed["status"] == {"identifier": "delayed", "name": "Delayed", "is_completed": False}
    assert delayed["manual_status"] is False  # derived, not set
    assert "Tender published" in delayed["manual_status_reason"]
    assert delayed["tasks"] == [
        {
            "name": "Tender published",
            "due_at": (TODAY - 30 * DAY).isoformat(),
            "completed_at": None,
            "state": "not_started",
        }
    ]
    (indicator,) = delayed["indicators"]
    assert indicator["baseline"]["value"] == 120 and indicator["latest_value"]["value"] == 410
    assert indicator["goals"] == [{"date": (TODAY + 200 * DAY).isoformat(), "value": 900}]
    at_risk = by_code[actions["at_risk"].code]
    assert at_risk["status"]["identifier"] == "at_risk" and at_risk["manual_status"] is True
    assert at_risk["manual_status_reason"] == "The contractor withdrew."
    done = by_code[actions["done"].code]
    assert done["status"]["is_completed"] is True and done["completion"] == 100
    assert done["implementation_phase"] == "completed"
    assert data["plan"]["summary"]["by_status"]["delayed"] == 1
    # Every action, and the invalid shape is refused (the schema does check).
    assert len(data["actions"]) == plan.actions.count()
    broken = json.loads(response.content)
    broken["actions"][0]["completion"] = 140
    del broken["actions"][0]["status"]
    assert len(list(validator.iter_errors(broken))) == 2


def test_the_csv_is_excel_ready_and_guarded_against_formulas(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    actions = a_year_in(world, plan)
    services.action_plan(
        actor=world.users["editor_a"],
        action=actions["done"],
        values={"lead_department": '=HYPERLINK("http://evil.example","x")', "partners": "@SUM(1)"},
    )
    candidate = actions["at_risk"].candidate
    candidate.title = "+cmd|' /C calc'!A0"
    candidate.save(update_fields=["title"])
    publish(world, plan)
    response = client.get(export_url("csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == plan.actions.count()
    by_code = {r["identifier"]: r for r in rows}
    done = by_code[actions["done"].code]
    assert done["lead_department"] == '\'=HYPERLINK("http://evil.example","x")'
    assert done["partners"] == "'@SUM(1)"
    assert by_code[actions["at_risk"].code]["name"] == "'+cmd|' /C calc'!A0"
    for row in rows:  # no cell at all starts as a formula
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value
    assert by_code[actions["delayed"].code]["status"] == "Delayed"
    assert by_code[actions["delayed"].code]["start_date"] == (TODAY - 365 * DAY).isoformat()


def test_the_xlsx_opens_with_dates_as_dates(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    actions = a_year_in(world, plan)
    services.action_plan(
        actor=world.users["editor_a"], action=actions["done"], values={"partners": "-1+1"}
    )
    publish(world, plan)
    response = client.get(export_url("xlsx"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Actions", "Tasks", "Indicators"]
    sheet = book["Actions"]
    header = [c.value for c in sheet[1]]
    rows = {r[0].value: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2)}
    delayed = rows[actions["delayed"].code]
    start = delayed["start_date"]
    assert start.is_date and "yy" in start.number_format
    assert start.value.date() == TODAY - 365 * DAY
    assert delayed["completion"].data_type == "n"
    partners = rows[actions["done"].code]["partners"]
    assert partners.data_type == "s" and partners.value == "'-1+1"
    tasks = list(book["Tasks"].iter_rows(min_row=2))
    assert [(t[0].value, t[1].value) for t in tasks] == [
        (actions["delayed"].code, "Tender published")
    ]
    assert tasks[0][2].is_date and tasks[0][2].value.date() == TODAY - 30 * DAY
    (indicator,) = list(book["Indicators"].iter_rows(min_row=2, values_only=True))
    assert indicator[1] == "Households protected" and indicator[3] == 120


def test_the_city_team_downloads_the_same_file_of_a_plan_not_public(
    world: World, plan: ImplementationPlan
) -> None:
    a_year_in(world, plan)
    assert not plan.public
    factory = RequestFactory()

    def get(user: Any, fmt: str = "json") -> Any:
        request = factory.get(f"/cities/kigali/workspace/implementation/plan.{fmt}")
        request.user = user
        return plan_export_private(request, "kigali", fmt)

    response = get(world.users["viewer_a"])
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["plan"]["public"] is False and len(data["actions"]) == plan.actions.count()
    assert CONTACT_EMAIL not in response.content.decode()
    assert get(world.users["manager"], "xlsx").status_code == 200  # the programme's manager
    # Anyone else: signed out is sent to sign in; another city's editor finds nothing.
    assert get(AnonymousUser()).status_code == 302
    with pytest.raises(Http404):
        get(world.users["editor_b"])
    with pytest.raises(Http404):
        get(world.users["viewer_a"], "pdf")


# ---------------------------------------------------------------- scale


def grow(plan: ImplementationPlan, to: int) -> None:
    """More actions, each with a milestone, an indicator, sectors and hazards."""
    n = plan.actions.count()
    for i in range(n, to):
        action = extra_action(plan, f"X-{i:03d}")
        action.planned_start = plan.starts
        action.save(update_fields=["planned_start"])
        Milestone.objects.create(action=action, title=f"Step {i}", due=plan.starts + 10 * DAY)
        ActionIndicator.objects.create(
            action=action,
            name=f"Indicator {i}",
            unit="people",
            baseline=1,
            baseline_on=plan.starts,
            target=10,
            target_on=plan.starts + 300 * DAY,
            latest=4,
            latest_on=plan.starts + 20 * DAY,
        )
    assert plan.actions.count() == to


@pytest.mark.parametrize("path", [PAGE, export_url("json"), export_url("xlsx")])
def test_the_same_queries_at_5_and_30_actions(
    client: Client, world: World, plan: ImplementationPlan, path: str
) -> None:
    publish(world, plan)

    def count() -> int:
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    grow(plan, 5)
    at_5 = count()
    grow(plan, 30)
    assert count() == at_5
    assert len(shown_codes(client.get(PAGE).content.decode())) == 30
