"""The plan from endorsement to done: started by the endorsement, every action by reference;
planning with its windows and reasons; statuses; milestones; progress under four eyes; history
kept across a new package version; the pages and their forbidden paths; queries flat."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recap.core.tests.test_documents import MINIMAL_PDF
from recap.implementation import selectors, services
from recap.implementation.models import (
    ImplementationPlan,
    Milestone,
    PlanAction,
    PlanChange,
    ProgressReport,
)
from recap.planning.models import PrioritisationSession
from recap.planning.packages import package_adjust, package_endorse
from recap.testing import World

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate()


def first(plan: ImplementationPlan, phase: str = "short") -> PlanAction:
    return plan.actions.filter(candidate__phase=phase).order_by("code").first() or pytest.fail(
        f"no {phase}-term action"
    )


def planned(world: World, plan: ImplementationPlan, **values: Any) -> PlanAction:
    action = first(plan)
    dates = {
        "planned_start": plan.starts,
        "planned_end": plan.starts + datetime.timedelta(days=300),
    }
    return services.action_plan(actor=world.users["editor_a"], action=action, values=dates | values)


def test_endorsing_starts_the_plan_with_every_action_by_reference(
    world: World, plan: ImplementationPlan
) -> None:
    version = plan.package.current
    assert version is not None and plan.version == version
    assert sorted(plan.actions.values_list("code", flat=True)) == sorted(version.selected)
    action = first(plan)
    assert action.candidate.code == action.code
    assert action.lead_department == action.candidate.lead_department  # carried over
    assert plan.changes.filter(kind=PlanChange.Kind.STARTED).count() == 1
    # Starting again (the coordinator's button, a double click) gives the same plan.
    again = services.plan_start(actor=world.users["coordinator_a"], package=plan.package)
    assert again.pk == plan.pk and ImplementationPlan.objects.count() == 1


def test_only_the_coordinator_starts_a_plan(world: World, plan: ImplementationPlan) -> None:
    for who in ("editor_a", "viewer_a", "editor_b", "manager"):
        with pytest.raises(PermissionDenied):
            services.plan_start(actor=world.users[who], package=plan.package)


def test_dates_inside_the_window_of_the_phase(world: World, plan: ImplementationPlan) -> None:
    action = first(plan)
    editor = world.users["editor_a"]
    cases = {
        "planned_start": {"planned_start": plan.starts - datetime.timedelta(days=1)},
        "planned_end": {
            "planned_start": plan.starts,
            "planned_end": plan.short_term_ends + datetime.timedelta(days=1),
        },
    }
    for field, values in cases.items():
        with pytest.raises(ValidationError) as refused:
            services.action_plan(actor=editor, action=action, values=values)
        assert field in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.action_plan(
            actor=editor,
            action=action,
            values={
                "planned_start": plan.starts + datetime.timedelta(days=10),
                "planned_end": plan.starts,
            },
        )
    assert "before the start" in refused.value.message_dict["planned_end"][0]
    action.refresh_from_db()
    assert action.planned_start is None and not plan.changes.filter(kind="planned").exists()
    # A medium-term action may end after the short term's end.
    medium = first(plan, "medium")
    services.action_plan(
        actor=editor,
        action=medium,
        values={"planned_start": plan.starts, "planned_end": plan.medium_term_ends},
    )


def test_replanning_needs_a_reason_and_is_kept_in_the_history(
    world: World, plan: ImplementationPlan
) -> None:
    action = planned(world, plan)
    later = action.planned_end + datetime.timedelta(days=30)  # type: ignore[operator]
    with pytest.raises(ValidationError) as refused:
        services.action_plan(
            actor=world.users["editor_a"], action=action, values={"planned_end": later}
        )
    assert "reason" in refused.value.message_dict
    services.action_plan(
        actor=world.users["editor_a"],
        action=action,
        values={"planned_end": later},
        reason="The contractor went bankrupt.",
    )
    change = plan.changes.get(kind=PlanChange.Kind.REPLANNED)
    assert (change.field, change.after, change.reason) == (
        "planned_end",
        later.isoformat(),
        "The contractor went bankrupt.",
    )


def test_a_milestone_after_the_actions_end_is_refused(
    world: World, plan: ImplementationPlan
) -> None:
    action = planned(world, plan)
    with pytest.raises(ValidationError) as refused:
        services.milestone_add(
            actor=world.users["editor_a"],
            action=action,
            title="Handover",
            due=action.planned_end + datetime.timedelta(days=1),  # type: ignore[operator]
        )
    assert "due" in refused.value.message_dict
    services.milestone_add(
        actor=world.users["editor_a"], action=action, title="Design", due=action.planned_end
    )
    # Nor may the end move before a milestone.
    with pytest.raises(ValidationError) as refused:
        services.action_plan(
            actor=world.users["editor_a"],
            action=action,
            values={"planned_end": action.planned_end - datetime.timedelta(days=1)},  # type: ignore[operator]
            reason="Sooner",
        )
    assert "Design" in refused.value.message_dict["planned_end"][0]


def test_statuses_need_their_reasons_and_done_needs_every_milestone(
    world: World, plan: ImplementationPlan
) -> None:
    action = planned(world, plan)
    editor = world.users["editor_a"]
    for status in ("delayed", "at_risk", "cancelled"):
        with pytest.raises(ValidationError) as refused:
            services.action_status_set(actor=editor, action=action, status=status, reason=" ")
        assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.action_status_set(actor=editor, action=action, status="finished")
    milestone = services.milestone_add(
        actor=editor, action=action, title="Design", due=action.planned_start
    )
    with pytest.raises(ValidationError) as refused:
        services.action_status_set(actor=editor, action=action, status="done")
    assert "Design" in refused.value.message_dict["status"][0]
    services.milestone_reached(actor=editor, milestone=milestone, on=TODAY)
    services.action_status_set(actor=editor, action=action, status="done")
    row = selectors.plan_rows([plan])[plan.pk]
    assert next(r for r in row if r.action.pk == action.pk).status.state == "done"


def test_a_missed_milestone_delays_the_action_by_itself(
    world: World, plan: ImplementationPlan
) -> None:
    action = planned(world, plan)
    Milestone.objects.create(
        action=action, title="Tender out", due=TODAY - datetime.timedelta(days=1)
    )
    rows = selectors.plan_rows([plan])[plan.pk]
    status = next(r for r in rows if r.action.pk == action.pk).status
    assert status.state == "delayed" and status.derived and "Tender out" in status.reason
    from recap.implementation.overview import late_for

    assert [late.action.pk for late in late_for(world.users["editor_a"])] == [action.pk]
    assert late_for(world.users["editor_b"]) == []  # another city's editor


def test_progress_counts_once_someone_else_approves_it(
    world: World, plan: ImplementationPlan
) -> None:
    action = planned(world, plan)
    report = services.progress_report(
        actor=world.users["editor_a"],
        action=action,
        percent=40,
        on=TODAY,
        note="Design done.",
        evidence=(MINIMAL_PDF, "design.pdf"),
    )
    action.refresh_from_db()
    assert action.progress == 0  # not yet approved
    for who in ("editor_a", "viewer_a", "editor_b", "reviewer", "funder"):
        with pytest.raises(PermissionDenied):
            services.progress_decide(actor=world.users[who], report=report, move="approve")
    with pytest.raises(ValidationError):
        services.progress_decide(actor=world.users["coordinator_a"], report=report, move="return")
    services.progress_decide(actor=world.users["coordinator_a"], report=report, move="approve")
    action.refresh_from_db()
    assert (action.progress, action.progress_on, action.actual_start) == (40, TODAY, TODAY)
    # A second decision on the same report (two approvers at once) is refused.
    with pytest.raises(ValidationError):
        services.progress_decide(
            actor=world.users["manager"], report=report, move="approve", seen="submitted"
        )
    # The coordinator reports; the programme's manager approves (not the coordinator).
    own = services.progress_report(
        actor=world.users["coordinator_a"], action=action, percent=60, on=TODAY, note="Works begun."
    )
    with pytest.raises(PermissionDenied):
        services.progress_decide(actor=world.users["coordinator_a"], report=own, move="approve")
    services.progress_decide(actor=world.users["manager"], report=own, move="approve")
    action.refresh_from_db()
    assert action.progress == 60


def test_progress_refused_by_name(world: World, plan: ImplementationPlan) -> None:
    action = planned(world, plan)
    action.progress = 50
    action.save()
    editor = world.users["editor_a"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"percent": 101}, "percent"),
        ({"percent": -1}, "percent"),
        ({"percent": None}, "percent"),
        ({"percent": 30}, "setback_reason"),  # going back without a reason
        ({"on": TODAY + datetime.timedelta(days=1)}, "on"),
        ({"on": plan.starts - datetime.timedelta(days=1)}, "on"),
        ({"note": "  "}, "note"),
        ({"evidence": (b"MZ\x90\x00 not a pdf", "report.pdf")}, "evidence"),
        ({"evidence": (MINIMAL_PDF, "report.exe")}, "evidence"),
    ]
    for change, field in cases:
        values: dict[str, Any] = {"percent": 60, "on": TODAY, "note": "Works.", "evidence": None}
        with pytest.raises(ValidationError) as refused:
            services.progress_report(actor=editor, action=action, **(values | change))
        assert field in refused.value.message_dict, (change, refused.value.message_dict)
    assert not ProgressReport.objects.exists()
    # Going back with a reason is accepted.
    services.progress_report(
        actor=editor,
        action=action,
        percent=30,
        on=TODAY,
        note="Re-tender.",
        setback_reason="Bids void.",
    )


def test_a_new_version_closes_dropped_actions_and_keeps_their_history(
    world: World, plan: ImplementationPlan, session: PrioritisationSession
) -> None:
    package = plan.package
    version = package.current
    assert version is not None
    dropped = plan.actions.exclude(code__in=session.must_include).order_by("code").first()
    assert dropped is not None
    services.action_plan(
        actor=world.users["editor_a"],
        action=dropped,
        values={"planned_start": plan.starts, "lead_department": "Roads"},
    )
    package_adjust(
        actor=world.users["editor_a"], package=package, lock_in=[], lock_out=[dropped.code]
    )
    package.refresh_from_db()
    package_endorse(actor=world.users["coordinator_a"], package=package, note="Again.")
    plan.refresh_from_db()
    assert plan.version.number == 2
    dropped.refresh_from_db()
    assert dropped.closed_reason and "version 2" in dropped.closed_reason
    assert PlanAction.objects.filter(pk=dropped.pk).exists()  # never deleted
    assert dropped.changes.filter(kind=PlanChange.Kind.ASSIGNED).exists()  # history kept
    assert plan.changes.filter(kind=PlanChange.Kind.VERSION).count() == 1
    new_codes = set(plan.version.selected) - set(version.selected)
    assert set(plan.actions.filter(code__in=new_codes).values_list("code", flat=True)) == new_codes
    rows = selectors.plan_rows([plan])[plan.pk]
    assert next(r for r in rows if r.action.pk == dropped.pk).status.state == "cancelled"
    with pytest.raises(ValidationError):  # a closed action is not planned any more
        services.action_status_set(actor=world.users["editor_a"], action=dropped, status="on_track")


# Pages ---------------------------------------------------------------------------------------


def url(plan: ImplementationPlan, tail: str = "") -> str:
    return f"/cities/{plan.city.slug}/workspace/implementation/{tail}"


def test_the_team_reads_the_plan_and_others_do_not(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    action = first(plan)
    for who in ("viewer_a", "editor_a", "coordinator_a", "manager", "admin"):
        client.force_login(world.users[who])
        for path in (url(plan), url(plan, f"actions/{action.pk}/"), url(plan, "history/")):
            assert client.get(path).status_code == 200, (who, path)
    for who in ("editor_b", "funder", "reviewer"):
        client.force_login(world.users[who])
        assert client.get(url(plan)).status_code in (403, 404), who
        assert client.get(url(plan, f"actions/{action.pk}/")).status_code in (403, 404), who
    client.logout()
    assert client.get(url(plan)).status_code == 302


def test_a_viewer_cannot_write_and_a_failed_form_names_its_field(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    action = first(plan)
    client.force_login(world.users["viewer_a"])
    page = client.get(url(plan, f"actions/{action.pk}/")).content.decode()
    assert "Report progress" not in page and "Plan the action" not in page
    for tail in ("", "status/", "milestones/", "progress/"):
        assert client.post(url(plan, f"actions/{action.pk}/{tail}"), {}).status_code == 403, tail
    client.force_login(world.users["editor_a"])
    response = client.post(
        url(plan, f"actions/{action.pk}/"),
        {
            "planned_start": plan.starts.isoformat(),
            "planned_end": (plan.short_term_ends + datetime.timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "A short term action ends by" in response.content.decode().replace("-", " ")
    action.refresh_from_db()
    assert action.planned_start is None
    response = client.post(
        url(plan, f"actions/{action.pk}/progress/"),
        {"percent": "250", "on": TODAY.isoformat(), "note": "x"},
    )
    assert response.status_code == 400 and not ProgressReport.objects.exists()


def test_the_editor_plans_reports_and_the_coordinator_approves_by_clicking(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    action = first(plan)
    client.force_login(world.users["editor_a"])
    response = client.post(
        url(plan, f"actions/{action.pk}/"),
        {
            "lead_department": "Drainage",
            "planned_start": plan.starts.isoformat(),
            "planned_end": (plan.starts + datetime.timedelta(days=200)).isoformat(),
        },
    )
    assert response.status_code == 302
    client.post(
        url(plan, f"actions/{action.pk}/progress/"),
        {"percent": "35", "on": TODAY.isoformat(), "note": "Survey done."},
    )
    report = ProgressReport.objects.get()
    # The reporter is offered no approval of their own report.
    page = client.get(url(plan, f"actions/{action.pk}/")).content.decode()
    assert f"/progress/{report.pk}/decide/" not in page
    client.force_login(world.users["coordinator_a"])
    assert f"#report-{report.pk}" in client.get(url(plan)).content.decode()
    response = client.post(
        url(plan, f"actions/{action.pk}/progress/{report.pk}/decide/"),
        {"move": "approve", "seen": "submitted"},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.progress == 35 and action.lead_department == "Drainage"
    history = client.get(url(plan, "history/")).content.decode()
    assert "Drainage" in history and "35%" in history


def test_the_plan_pages_cost_the_same_queries_for_more_actions(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    client.force_login(world.users["coordinator_a"])
    actions = list(plan.actions.all())

    def count() -> int:
        client.get(url(plan))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(plan)).status_code == 200
        return len(queries)

    before = count()
    for i, action in enumerate(actions):
        Milestone.objects.create(action=action, title=f"M{i}", due=plan.starts)
        ProgressReport.objects.create(
            action=action, percent=10, on=plan.starts, note="n", created_by=world.users["editor_a"]
        )
    assert len(actions) >= 3
    assert count() == before


def test_evidence_is_served_to_the_team_only(
    client: Client, world: World, plan: ImplementationPlan, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    action = first(plan)
    report = services.progress_report(
        actor=world.users["editor_a"],
        action=action,
        percent=10,
        on=TODAY,
        note="Photos of the site.",
        evidence=(MINIMAL_PDF, "site visit.pdf"),
    )
    path = url(plan, f"actions/{action.pk}/progress/{report.pk}/evidence/")
    client.force_login(world.users["viewer_a"])
    assert f'href="{path}"' in client.get(url(plan, f"actions/{action.pk}/")).content.decode()
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    for who in ("editor_b", "funder"):
        client.force_login(world.users[who])
        assert client.get(path).status_code == 404, who


def test_an_indicator_of_the_framework_reads_the_citys_latest_approved_value(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    from decimal import Decimal

    from recap.tracking.models import Indicator, IndicatorUpdate
    from recap.tracking.services import framework_load_shipped

    framework_load_shipped(world.programme)
    indicator = Indicator.objects.filter(
        kind=Indicator.Kind.REPORTED, level=Indicator.Level.CITY
    ).first()
    assert indicator is not None
    action = first(plan)
    services.indicator_add(
        actor=world.users["editor_a"],
        action=action,
        values={
            "indicator": indicator,
            "baseline": Decimal(0),
            "baseline_on": plan.starts,
            "target": Decimal(100),
            "target_on": plan.medium_term_ends,
        },
    )
    month = datetime.timedelta(days=30)
    for city, value, status, end in [
        (world.city_a, "42", IndicatorUpdate.Status.APPROVED, TODAY - month),
        (world.city_a, "77", IndicatorUpdate.Status.SUBMITTED, TODAY),  # not approved: not read
        (world.city_b, "99", IndicatorUpdate.Status.APPROVED, TODAY),  # another city's
    ]:
        IndicatorUpdate.objects.create(
            indicator=indicator,
            city=city,
            period_start=end - month + datetime.timedelta(days=1),
            period_end=end,
            value=Decimal(value),
            status=status,
        )
    row = next(r for r in selectors.plan_rows([plan])[plan.pk] if r.action.pk == action.pk)
    assert [(i.label, i.latest) for i in row.indicators] == [(str(indicator.name), Decimal(42))]
    with pytest.raises(ValidationError) as refused:  # neither the framework's nor named
        services.indicator_add(
            actor=world.users["editor_a"],
            action=action,
            values={
                "name": " ",
                "baseline": 1,
                "baseline_on": plan.starts,
                "target": 2,
                "target_on": plan.starts,
            },
        )
    assert "name" in refused.value.message_dict


def test_the_citys_public_page_links_its_plan_once_public(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    world.city_a.is_public = True
    world.city_a.save()
    link = f'href="/cities/{plan.city.slug}/plan/"'
    assert link not in client.get(f"/cities/{plan.city.slug}/").content.decode()
    services.plan_publish(actor=world.users["coordinator_a"], plan=plan, public=True)
    page = client.get(f"/cities/{plan.city.slug}/").content.decode()
    assert link in page and "See the city's plan" in page
    with pytest.raises(PermissionDenied):
        services.plan_publish(actor=world.users["editor_a"], plan=plan, public=False)


def test_a_missed_milestone_moved_with_a_reason_no_longer_delays(
    world: World, plan: ImplementationPlan
) -> None:
    action = planned(world, plan)
    milestone = Milestone.objects.create(
        action=action, title="Tender out", due=TODAY - datetime.timedelta(days=3)
    )

    def state() -> str:
        rows = selectors.plan_rows([plan])[plan.pk]
        return next(r for r in rows if r.action.pk == action.pk).status.state

    assert state() == "delayed"
    editor = world.users["editor_a"]
    soon = TODAY + datetime.timedelta(days=20)
    for due, reason, field in [
        (soon, " ", "reason"),
        (action.planned_end + datetime.timedelta(days=1), "Rains", "due"),  # type: ignore[operator]
        (None, "Rains", "due"),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.milestone_move(actor=editor, milestone=milestone, due=due, reason=reason)
        assert field in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.milestone_move(
            actor=world.users["viewer_a"], milestone=milestone, due=soon, reason="x"
        )
    services.milestone_move(
        actor=editor, milestone=milestone, due=soon, reason="The rains came early."
    )
    assert state() in ("on_track", "not_started")
    change = plan.changes.get(field="milestone")
    assert change.reason == "The rains came early." and soon.isoformat() in change.after


def test_a_start_names_a_package_by_its_number_only(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    client.force_login(world.users["coordinator_a"])
    for bad in ("abc", "1e9", "-1", ""):
        assert client.post(url(plan, "start/"), {"package": bad}).status_code == 404, bad
    assert ImplementationPlan.objects.count() == 1
    # A caller naming a field the service does not write.
    with pytest.raises(ValueError, match="action_id"):
        services.indicator_add(
            actor=world.users["editor_a"],
            action=first(plan),
            values={"name": "x", "action_id": 5},
        )
