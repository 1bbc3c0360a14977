"""The demo's implementation plans (`recap demo`): Kigali's endorsed package a year in, with
actions done, one delayed by itself (a missed milestone), one at risk with a reason, one
following its project concept and one its measure, progress waiting for approval and a
re-planned date in its history, public; Rajshahi's in progress; Sebkha's in French, public.
Loading again changes nothing."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from recap.accounts.models import User
from recap.cities.models import City
from recap.demo.content import demo_data
from recap.demo.implementation import demo_plans
from recap.implementation import selectors
from recap.implementation.models import ImplementationPlan, PlanChange, ProgressReport
from recap.implementation.status import AT_RISK, DELAYED, DONE, NOT_STARTED, ON_TRACK


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The demo, built once for the module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def plan(slug: str) -> ImplementationPlan:
    found = selectors.plan_of(City.objects.get(slug=slug))
    assert found is not None, f"{slug} has no plan"
    return found


def rows(slug: str) -> dict[str, selectors.ActionRow]:
    p = plan(slug)
    return {r.action.code: r for r in selectors.plan_rows([p])[p.pk]}


def test_kigalis_plan_is_a_year_in(demo: None, db: None) -> None:
    kigali = plan("kigali")
    today = timezone.localdate()
    # Started by the endorsement, a year before the day of loading, windows from there.
    assert kigali.starts == today - datetime.timedelta(days=365)
    assert kigali.package.endorsed_at is not None
    assert timezone.localdate(kigali.package.endorsed_at) == kigali.starts
    assert kigali.short_term_ends == kigali.starts.replace(year=kigali.starts.year + 2)
    assert kigali.public
    found = rows("kigali")
    assert sorted(found) == sorted(kigali.version.selected)  # every action of the package
    for code, row in found.items():  # each planned, inside its phase's window
        a = row.action
        assert a.planned_start and a.planned_end and a.lead_department, code
        assert kigali.starts <= a.planned_start <= a.planned_end, code
        assert a.planned_end <= kigali.window_end(a.candidate.phase), code  # type: ignore[operator]
    states = {code: row.status.state for code, row in found.items()}
    assert states == {
        "DRM-01": ON_TRACK,
        "DRM-02": DELAYED,
        "GOV-06": DONE,
        "HLT-01": DONE,
        "HLT-04": AT_RISK,
        "MOB-02": ON_TRACK,
    }


def test_kigali_has_each_kind_of_status_the_issue_asks_for(demo: None, db: None) -> None:
    found = rows("kigali")
    # Done by hand: its milestones reached, its progress approved to 100 %.
    desk = found["GOV-06"]
    assert desk.action.set_status == "done" and desk.action.progress == 100
    assert desk.milestones and all(m.done_on for m in desk.milestones)
    # Delayed by itself: a milestone past its day, not reached, no progress since.
    late = found["DRM-02"].status
    assert late.derived and "“Joint operations room equipped” was due on" in late.reason
    assert found["DRM-02"].action.set_status == "on_track"  # nobody set it
    # At risk, with the reason the editor gave.
    risk = found["HLT-04"].status
    assert not risk.derived and "budget for the retrofits was halved" in risk.reason
    # Following the drainage corridors' concept, and the health-post lights' measure.
    concept = found["DRM-01"].status.record
    assert concept is not None and concept.kind == "concept"
    # Presented: the programme's portfolio decision supported it and moved it on.
    assert "Green drainage corridors" in concept.label and concept.state == "presented"
    assert found["DRM-01"].status.progress == 60  # the concept's stage carries it
    lights = found["HLT-01"].status
    assert lights.record is not None and lights.record.kind == "measure"
    assert lights.record.label == "Solar street lights at health facilities"
    assert lights.state == DONE and lights.derived


def test_kigali_has_progress_waiting_and_a_replanned_date(demo: None, db: None) -> None:
    kigali = plan("kigali")
    waiting = ProgressReport.objects.filter(
        action__plan=kigali, status=ProgressReport.Status.SUBMITTED
    )
    assert [(r.action.code, r.created_by.username) for r in waiting] == [  # type: ignore[union-attr]
        ("MOB-02", "kigali.editor")
    ]
    approved = ProgressReport.objects.filter(
        action__plan=kigali, status=ProgressReport.Status.APPROVED
    )
    assert approved.count() >= 4
    for report in approved:  # four eyes, on the day the file says, after it was reported
        assert report.decided_by is not None and report.decided_by != report.created_by
        assert report.decided_at is not None and report.decided_at > report.created_at
    replanned = kigali.changes.filter(kind=PlanChange.Kind.REPLANNED)
    assert {c.field for c in replanned} == {"planned_start", "planned_end"}
    assert all("traders' association" in c.reason for c in replanned)
    # The history reads as the year it took, in order: none of it after today.
    moments = list(kigali.changes.order_by("pk").values_list("at", flat=True))
    assert min(moments).date() == kigali.starts and max(moments) <= timezone.now()
    assert len({m.date() for m in moments}) > 10


def test_rajshahi_is_in_progress_and_sebkha_in_french_public(demo: None, db: None) -> None:
    rajshahi = plan("rajshahi")
    assert not rajshahi.public
    states = {code: row.status.state for code, row in rows("rajshahi").items()}
    assert states == {"HLT-01": ON_TRACK, "MOB-02": NOT_STARTED, "WAT-01": DONE}
    sebkha = plan("sebkha")
    assert sebkha.public
    found = rows("sebkha")
    assert set(found) == {"DRM-01", "DRM-02", "ECO-01", "MOB-02"}
    # Its team's words in French, and the catalogue's titles as they adopted them.
    assert found["DRM-02"].action.lead_department == "Service de la protection civile"
    assert found["DRM-02"].action.candidate.title.startswith("Rôles de coordination")
    assert found["ECO-01"].milestones[0].title == "Curage des caniveaux autour du marché"
    assert found["MOB-02"].status.record is not None  # the greened street's measure
    assert found["MOB-02"].status.record.label == "A greened main street that drains and shades"


def test_the_coordinator_and_the_manager_see_it_on_my_work(demo: None, db: None) -> None:
    kigali = rows("kigali")
    client = Client()
    client.force_login(User.objects.get(username="kigali.coordinator"))
    page = client.get("/me/").content.decode()
    delayed = f"/cities/kigali/workspace/implementation/actions/{kigali['DRM-02'].action.pk}/"
    assert f'href="{delayed}"' in page
    waiting = ProgressReport.objects.get(action=kigali["MOB-02"].action)
    assert f"#report-{waiting.pk}" in page
    client.force_login(User.objects.get(username="programme.manager"))
    page = client.get("/me/").content.decode()
    assert 'href="/programme/implementation/#city-kigali">Kigali</a>: 1 delayed, 1 at risk' in page
    overview = client.get("/programme/implementation/")
    assert overview.status_code == 200
    assert {c.city.slug for c, _line in overview.context["cities"]} == {
        "kigali",
        "rajshahi",
        "sebkha",
    }


def test_loading_the_demo_again_changes_nothing(demo: None, db: None) -> None:
    before = (
        PlanChange.objects.count(),
        ProgressReport.objects.count(),
        list(ImplementationPlan.objects.order_by("pk").values_list("starts", "public")),
    )
    call_command("demo", stdout=io.StringIO())
    # And the plans' own loader, run again on plans that have their history: nothing more.
    cities = {c.slug: c for c in City.objects.all()}
    demo_plans(cities, demo_data("implementation")["plans"], {"sebkha": "fr"})
    after = (
        PlanChange.objects.count(),
        ProgressReport.objects.count(),
        list(ImplementationPlan.objects.order_by("pk").values_list("starts", "public")),
    )
    assert after == before
