"""The plan's Gantt chart: drawn from hand-made rows (each action, its planned bar at the right
place on the time scale, today's line, the milestones reached, missed and upcoming told apart
by shape, closed actions greyed, unplanned ones labelled, hostile text escaped, light enough
for 3G), and its page (the city's team only, the same queries at 5 and at 30 actions)."""

from __future__ import annotations

import datetime
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recap.catalogue.models import CandidateAction
from recap.implementation import gantt
from recap.implementation.models import ImplementationPlan, Milestone, PlanAction
from recap.implementation.selectors import ActionRow
from recap.implementation.status import derive
from recap.testing import World

D = datetime.date
TODAY = D(2026, 6, 15)
NS = "{http://www.w3.org/2000/svg}"
PLAN = ImplementationPlan(
    starts=D(2025, 1, 1), short_term_ends=D(2026, 12, 31), medium_term_ends=D(2028, 12, 31)
)


def row(
    code: str,
    title: str = "An action",
    *,
    planned: tuple[D, D] | None = None,
    actual: tuple[D, D | None] | None = None,
    milestones: list[tuple[str, D, D | None]] = (),  # type: ignore[assignment]
    **fields: Any,
) -> ActionRow:
    """An unsaved action as `selectors.plan_rows` would give it, its status derived as of
    TODAY."""
    action = PlanAction(code=code, candidate=CandidateAction(code=code, title=title), **fields)
    if planned:
        action.planned_start, action.planned_end = planned
    if actual:
        action.actual_start, action.actual_end = actual
    ms = [Milestone(action=action, title=t, due=due, done_on=on) for t, due, on in milestones]
    return ActionRow(action, derive(action, ms, None, TODAY), ms)


def draw(*rows: ActionRow) -> Element:
    svg: Element = ElementTree.fromstring(gantt.gantt_svg(PLAN, rows, TODAY, title="Kigali's plan"))
    return svg


def rows_of(svg: Element) -> dict[str, Element]:
    """Each action's row group, by the code in its label."""
    out = {}
    for g in svg.iter(f"{NS}g"):
        if "row" in g.get("class", "").split():
            label = g.find(f"{NS}text")
            assert label is not None
            out["".join(label.itertext()).split()[0]] = g
    return out


def one(parent: Element, tag: str, cls: str) -> Element:
    found = [e for e in parent.iter(f"{NS}{tag}") if cls in e.get("class", "").split()]
    assert len(found) == 1, (tag, cls, found)
    return found[0]


def test_each_action_gets_a_row_with_its_code_title_and_status_in_words() -> None:
    svg = draw(
        row("DRM-01", "Flood early warning", planned=(D(2025, 3, 1), D(2026, 2, 28))),
        row("HLT-04", "Health post lights", planned=(D(2025, 6, 1), D(2027, 6, 30))),
        row("WAT-01", "Drainage corridors", planned=(D(2026, 1, 1), D(2026, 12, 31))),
    )
    rows = rows_of(svg)
    assert list(rows) == ["DRM-01", "HLT-04", "WAT-01"]  # in the order given
    texts = {code: " ".join(" ".join(g.itertext()).split()) for code, g in rows.items()}
    assert "Flood early warning" in texts["DRM-01"]
    assert "Health post lights" in texts["HLT-04"]
    # DRM-01 ended before TODAY: delayed by itself, said in words, not only in colour
    assert "Delayed" in texts["DRM-01"] and "On track" in texts["HLT-04"]
    assert "state-delayed" in rows["DRM-01"].get("class", "")


def test_the_planned_bar_runs_from_its_start_to_the_end_of_its_last_day() -> None:
    start, end = D(2025, 4, 1), D(2025, 9, 30)
    r = row("DRM-01", planned=(start, end))
    svg = draw(r)
    s = gantt.scale(PLAN, [r], TODAY)
    # the scale: whole quarters from the plan's start to the end of the medium-term window
    assert (s.start, s.end) == (D(2025, 1, 1), D(2029, 1, 1))
    days = (s.end - s.start).days
    plot = gantt.WIDTH - gantt.LEFT - gantt.RIGHT
    x = gantt.LEFT + plot * (start - s.start).days / days  # by hand, not through the scale
    right = gantt.LEFT + plot * ((end - s.start).days + 1) / days
    bar = one(rows_of(svg)["DRM-01"], "rect", "planned")
    assert float(bar.get("x", "")) == pytest.approx(x, abs=0.5)  # drawn to the unit
    assert float(bar.get("width", "")) == pytest.approx(right - x, abs=1)
    assert bar.get("x") == f"{s.x(start):.0f}"
    assert abs(x - gantt.LEFT - plot * 90 / 1461) < 1e-9  # 90 days into 4 years


def test_the_actual_bar_runs_to_today_while_the_action_runs_and_shows_progress() -> None:
    r = row(
        "DRM-01",
        planned=(D(2025, 4, 1), D(2026, 12, 31)),
        actual=(D(2025, 5, 1), None),
        progress=40,
    )
    s = gantt.scale(PLAN, [r], TODAY)
    g = rows_of(draw(r))["DRM-01"]
    actual = one(g, "rect", "actual")
    assert actual.get("x") == f"{s.x(D(2025, 5, 1)):.0f}"
    end = float(actual.get("x", "")) + float(actual.get("width", ""))
    assert end == pytest.approx(s.x(TODAY), abs=1)  # to today's line
    planned, progress = one(g, "rect", "planned"), one(g, "rect", "progress")
    assert float(progress.get("width", "")) == pytest.approx(
        0.4 * float(planned.get("width", "")), abs=1
    )
    assert "40 %" in " ".join(g.itertext())


def test_todays_line_is_at_today_and_labelled() -> None:
    r = row("DRM-01", planned=(D(2025, 4, 1), D(2026, 12, 31)))
    s = gantt.scale(PLAN, [r], TODAY)
    svg = draw(r)
    today = one(svg, "g", "today")
    line = today.find(f"{NS}line")
    assert line is not None
    assert line.get("x1") == line.get("x2") == f"{s.x(TODAY):.1f}"
    assert "Today" in "".join(today.itertext())
    assert "2026" in "".join(today.itertext())


def test_the_windows_ends_are_labelled_dashed_lines() -> None:
    r = row("DRM-01", planned=(D(2025, 4, 1), D(2026, 12, 31)))
    s = gantt.scale(PLAN, [r], TODAY)
    windows = [g for g in draw(r).iter(f"{NS}g") if g.get("class") == "window"]
    assert len(windows) == 2
    short, medium = windows
    line = short.find(f"{NS}line")
    assert line is not None and line.get("stroke-dasharray")
    assert line.get("x1") == f"{s.x(D(2027, 1, 1)):.1f}"  # after the window's last day
    assert "Short term ends" in "".join(short.itertext())
    assert "Medium term ends" in "".join(medium.itertext())


def test_milestones_reached_missed_and_upcoming_differ_by_shape_and_say_so() -> None:
    r = row(
        "DRM-01",
        planned=(D(2025, 4, 1), D(2026, 12, 31)),
        milestones=[
            ("Tender issued", D(2025, 9, 1), D(2025, 8, 20)),
            ("Works start", D(2026, 3, 1), None),  # past TODAY, not reached
            ("Handover", D(2026, 11, 1), None),
        ],
    )
    s = gantt.scale(PLAN, [r], TODAY)
    svg = draw(r)
    found = {
        u.get("href", "")[len("#gantt-") :]: u for u in rows_of(svg)["DRM-01"].iter(f"{NS}use")
    }
    assert set(found) == {"reached", "missed", "upcoming"}  # three shapes, one each
    assert found["missed"].get("x") == f"{s.x(D(2026, 3, 1)):.0f}"  # at its date
    shapes = {e.get("id"): e for e in svg.iter() if e.get("id", "").startswith("gantt-")}
    assert shapes["gantt-reached"].get("fill") != shapes["gantt-upcoming"].get(
        "fill"
    )  # filled/hollow
    assert shapes["gantt-missed"].tag == f"{NS}g"  # a diamond with a cross
    tips = {state: "".join(u.itertext()) for state, u in found.items()}
    assert "Works start" in tips["missed"] and "missed" in tips["missed"]
    assert "Tender issued" in tips["reached"] and "reached on" in tips["reached"]
    assert "Handover" in tips["upcoming"] and "upcoming" in tips["upcoming"]
    assert "2026" in tips["missed"]  # its date
    # the missed milestone makes the action delayed by itself
    assert r.status.state == "delayed"


def test_a_closed_action_is_greyed_and_an_open_one_is_not() -> None:
    svg = draw(
        row(
            "GOV-01",
            planned=(D(2025, 4, 1), D(2025, 12, 31)),
            actual=(D(2025, 4, 1), D(2025, 10, 1)),
            closed_reason="Dropped by version 2.",
        ),
        row(
            "DRM-01",
            planned=(D(2025, 4, 1), D(2026, 12, 31)),
            actual=(D(2025, 4, 1), None),
        ),
    )
    rows = rows_of(svg)
    closed, open_ = rows["GOV-01"], rows["DRM-01"]
    assert "closed" in closed.get("class", "").split()
    assert "closed" not in open_.get("class", "").split()
    faded = [g for g in closed.iter(f"{NS}g") if g.get("opacity")]
    assert faded and float(faded[0].get("opacity", "1")) < 1
    assert one(closed, "rect", "actual").get("fill") == gantt.FILLS["cancelled"]
    assert one(open_, "rect", "actual").get("fill") == gantt.FILLS["on_track"]
    assert not [g for g in open_.iter(f"{NS}g") if g.get("opacity")]
    assert "Cancelled" in "".join(closed.itertext())


def test_delayed_and_at_risk_bars_carry_a_pattern_not_only_a_colour() -> None:
    svg = draw(
        row(
            "A-1",
            planned=(D(2025, 4, 1), D(2026, 12, 31)),
            actual=(D(2025, 4, 1), None),
            set_status="at_risk",
            status_reason="Contractor gone",
        ),
        row("A-2", planned=(D(2025, 4, 1), D(2026, 1, 31)), actual=(D(2025, 4, 1), None)),
    )
    rows = rows_of(svg)
    assert one(rows["A-1"], "rect", "actual").get("fill") == "url(#gantt-risk)"
    assert one(rows["A-2"], "rect", "actual").get("fill") == "url(#gantt-delayed)"
    assert {p.get("id") for p in svg.iter(f"{NS}pattern")} == {"gantt-risk", "gantt-delayed"}


def test_an_action_without_dates_still_gets_a_row_saying_not_planned_yet() -> None:
    svg = draw(row("NBS-02", "Green roofs"), row("DRM-01", planned=(D(2025, 4, 1), D(2025, 9, 1))))
    g = rows_of(svg)["NBS-02"]
    assert "not planned yet" in one(g, "text", "unplanned").text  # type: ignore[operator]
    assert not [e for e in g.iter(f"{NS}rect") if "planned" in e.get("class", "")]
    assert "Not started" in "".join(g.itertext())


def test_no_action_to_show_still_draws_the_axis_and_says_so() -> None:
    svg = draw()  # a filter that keeps nothing
    assert not rows_of(svg)
    assert "No action to show." in {t.text for t in svg.iter(f"{NS}text")}
    assert "Today" in "".join(one(svg, "g", "today").itertext())


def test_hostile_text_is_escaped_everywhere() -> None:
    hostile = '</svg><script>alert(1)</script>"\' onload="x'
    r = row(
        'X"1',
        hostile,
        planned=(D(2025, 4, 1), D(2026, 12, 31)),
        milestones=[(hostile, D(2026, 1, 1), None)],
        set_status="at_risk",
        status_reason=hostile,
    )
    markup = str(gantt.gantt_svg(PLAN, [r], TODAY, title=hostile))
    assert "<script" not in markup and "</svg><" not in markup
    assert markup.count("</svg>") == 1 and markup.endswith("</svg>")
    svg = ElementTree.fromstring(markup)  # well formed, the text kept as text
    assert svg.find(f"{NS}title").text == hostile
    g = rows_of(svg)['X"1']
    tips = [t.text or "" for t in g.iter(f"{NS}title")]
    assert any(hostile in t for t in tips)  # the row's and the milestone's tooltips
    assert all(e.get("onload") is None for e in svg.iter())


def test_the_chart_names_itself_for_screen_readers() -> None:
    svg = draw(row("DRM-01", planned=(D(2025, 4, 1), D(2025, 9, 1))), row("NBS-02"))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "gantt-title gantt-desc"
    assert svg.find(f"{NS}title").text == "Kigali's plan"  # type: ignore[union-attr]
    desc = svg.find(f"{NS}desc").text or ""  # type: ignore[union-attr]
    assert "2 actions" in desc and "table" in desc


def test_the_axis_has_years_and_quarters() -> None:
    svg = draw(row("DRM-01", planned=(D(2025, 4, 1), D(2025, 9, 1))))
    words = {t.text for t in svg.iter(f"{NS}text")}
    assert {"2025", "2026", "2027", "2028"} <= words
    assert {"Q1", "Q2", "Q3", "Q4"} <= words


def thirty(title_chars: int, milestones: int | None = None) -> list[ActionRow]:
    """Thirty planned actions, every other one under way, a third at risk with a reason, each
    with one or two milestones (or `milestones` each), some reached."""
    title = "Upgrade the primary health posts' lighting with solar back-up " * 3
    return [
        row(
            f"ACT-{i:02}",
            title[: title_chars - 10 + i % 20],
            planned=(D(2025, 1, 1) + datetime.timedelta(days=20 * i), D(2028, 6, 30)),
            actual=(D(2025, 2, 1) + datetime.timedelta(days=20 * i), None) if i % 2 else None,
            milestones=[
                (f"Tender {k} awarded to the contractor", D(2025 + k, 3, 1), None)
                for k in range(milestones or 1 + i % 2)
            ],
            progress=i * 3,
            set_status="at_risk" if i % 3 == 0 else "on_track",
            status_reason="The contractor withdrew: the tender is re-issued in the spring.",
        )
        for i in range(30)
    ]


def test_thirty_actions_weigh_under_25_kb() -> None:
    markup = str(gantt.gantt_svg(PLAN, thirty(52), TODAY, title="Kigali"))  # titles as shipped
    assert len(rows_of(ElementTree.fromstring(markup))) == 30
    assert len(markup.encode()) < 25_000, len(markup.encode())
    # every field at its longest, three milestones each: still light (and gzip takes it to 3 KB)
    markup = str(gantt.gantt_svg(PLAN, thirty(120, milestones=3), TODAY, title="Kigali"))
    assert len(markup.encode()) < 35_000, len(markup.encode())


# The page.


def url(city: str = "kigali") -> str:
    return f"/cities/{city}/workspace/implementation/gantt/"


def dated(plan: ImplementationPlan) -> None:
    """Every action planned in the short-term window, with one milestone."""
    for action in plan.actions.all():
        action.planned_start, action.planned_end = plan.starts, plan.short_term_ends
        action.save(update_fields=["planned_start", "planned_end"])
        Milestone.objects.create(action=action, title=f"{action.code} tendered", due=plan.starts)


def more_actions(world: World, plan: ImplementationPlan, until: int) -> None:
    """Actions added to the plan until it has `until`, each with a milestone."""
    n = plan.actions.count()
    for i in range(n, until):
        candidate = CandidateAction.objects.create(
            city=world.city_a,
            code=f"X-{i:02}",
            title=f"Extra action {i}",
            local_cost_usd=1000,
            staff_fte=1,
            phase="short",
        )
        action = PlanAction.objects.create(
            plan=plan,
            candidate=candidate,
            code=candidate.code,
            planned_start=plan.starts,
            planned_end=plan.short_term_ends,
        )
        Milestone.objects.create(action=action, title="Tendered", due=plan.starts)


@pytest.mark.django_db
def test_the_citys_team_sees_the_chart_with_its_table(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    dated(plan)
    codes = list(plan.actions.values_list("code", flat=True))
    for who in ("viewer_a", "editor_a", "coordinator_a"):
        client.force_login(world.users[who])
        response = client.get(url())
        assert response.status_code == 200, who
    page = response.content.decode()
    assert '<svg class="gantt"' in page and 'class="table-scroll gantt-scroll"' in page
    chart = page[page.index('<svg class="gantt"') : page.index("</svg>", page.index("gantt-desc"))]
    table = page[page.index("gantt-facts") :]
    for code in codes:
        assert f">{code}</tspan>" in chart and f"{code} · " in table
    assert '<details class="fold gantt-facts">' in page and "tendered" in table  # the facts
    assert "Milestone missed" in page  # the legend
    assert 'href="/cities/kigali/workspace/implementation/"' in page  # back to the plan
    assert "style=" not in chart  # nothing the style policy would refuse


@pytest.mark.django_db
def test_the_state_filter_keeps_only_those_actions(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    dated(plan)
    late = plan.actions.order_by("code").first()
    assert late is not None
    # its milestone missed: delayed by itself
    late.milestones.update(due=timezone.localdate() - datetime.timedelta(days=10))
    client.force_login(world.users["viewer_a"])
    page = client.get(url() + "?state=delayed").content.decode()
    chart = page[page.index('<svg class="gantt"') :]
    assert f">{late.code}</tspan>" in chart
    others = plan.actions.exclude(pk=late.pk).values_list("code", flat=True)
    assert others and not any(f">{code}</tspan>" in chart for code in others)


@pytest.mark.django_db
def test_others_do_not_see_it(client: Client, world: World, plan: ImplementationPlan) -> None:
    response = client.get(url())  # a visitor: sent to sign in
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(world.users["editor_b"])  # another city's editor: the city is hidden
    assert client.get(url()).status_code == 404
    # their own city has no plan: a 404 too, not an empty chart
    assert client.get(url("rajshahi")).status_code == 404
    client.force_login(world.users["viewer_a"])
    assert client.post(url()).status_code == 405  # a page to read, nothing to send


@pytest.mark.django_db
def test_the_page_costs_the_same_queries_at_5_and_at_30_actions(
    client: Client, world: World, plan: ImplementationPlan
) -> None:
    dated(plan)
    client.force_login(world.users["viewer_a"])
    client.get(url())  # the session and the caches warmed
    more_actions(world, plan, 5)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url()).status_code == 200
    more_actions(world, plan, 30)
    with CaptureQueriesContext(connection) as thirty:
        page = client.get(url()).content.decode()
    assert plan.actions.count() == 30 and page.count('class="row ') == 30
    assert len(thirty) == len(five), [q["sql"] for q in thirty.captured_queries]
