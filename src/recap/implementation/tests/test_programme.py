"""The programme's view of every city's plan side by side: the right counts and shares per city
and per country, a country filter, the late and at-risk actions; only the programme's manager
(a platform admin too) opens it, and sees only the cities of their own programme; the same
queries at 5 cities and at 50."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recap.accounts.models import Membership, Role
from recap.cities.models import City, Country, Programme
from recap.implementation.models import ImplementationPlan
from recap.implementation.tests.builders import city_plan
from recap.testing import World, make_user

pytestmark = pytest.mark.django_db

URL = "/programme/implementation/"
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def shares(page: str, slug: str) -> dict[str, str]:
    """The figures of the city's row, by column label."""
    row = re.search(rf'<tr id="city-{slug}">(.*?)</tr>', page, re.S)
    assert row, f"no row for {slug}"
    cells = re.findall(r'<td data-label="([^"]+)">(.*?)</td>', row.group(1), re.S)
    text = (re.sub(r"<progress.*?</progress>|<[^>]+>", "", value) for _label, value in cells)
    return {label: " ".join(t.split()) for (label, _value), t in zip(cells, text, strict=True)}


def signed_in(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.users[who])
    return client


def test_every_city_side_by_side_with_the_right_shares(world: World) -> None:
    city_plan(
        world.city_a,
        ["done", "done", "on_track", "at_risk", "delayed", "not_started", "on_track", "cancelled"],
    )
    city_plan(world.city_b, ["on_track", "delayed"])
    response = signed_in(world, "manager").get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    # Kigali: seven open actions (the cancelled one left out of the shares).
    assert shares(page, "kigali") == {
        "Actions": "7",
        "Done": "2 (29 %)",
        "On track": "2 (29 %)",
        "Not started": "1 (14 %)",
        "At risk": "1 (14 %)",
        "Delayed": "1 (14 %)",
        "Mean progress": "46 %",  # (100 + 100 + 30 + 30 + 30 + 0 + 30) / 7
    }
    assert shares(page, "rajshahi")["Delayed"] == "1 (50 %)"
    assert 'href="/cities/kigali/workspace/implementation/"' in page  # to the city's plan
    # The bar: each state's segment starts where the last one ended (to the hundredth), and
    # together they fill it.
    kigali = next(line for c, line in response.context["cities"] if c.city == world.city_a)
    ends = [float(s.x) + float(s.width) for s in kigali.segments]
    assert [float(s.x) for s in kigali.segments[1:]] == pytest.approx(ends[:-1], abs=0.02)
    assert ends[-1] == pytest.approx(100, abs=0.02)
    assert [s.state for s in kigali.segments] == [
        "done",
        "on_track",
        "not_started",
        "at_risk",
        "delayed",
    ]
    assert '<rect class="seg-delayed"' in page
    # Per country: Rwanda is Kigali's figures, Bangladesh Rajshahi's.
    countries = {k.iso2: line.summary for k, line in response.context["countries"]}
    assert countries["RW"].total == 7 and countries["RW"].counts["done"] == 2
    assert countries["BD"].total == 2 and countries["BD"].counts["delayed"] == 1
    # The late and at-risk actions, each to its page, with why.
    attention = response.context["attention"]
    assert sorted((a.city.slug, a.status.state) for a in attention) == [
        ("kigali", "at_risk"),
        ("kigali", "delayed"),
        ("rajshahi", "delayed"),
    ]
    assert "The contractor withdrew." in page
    assert "“Design signed” was due on" in page


def test_a_country_filter(world: World) -> None:
    city_plan(world.city_a, ["delayed"])
    city_plan(world.city_b, ["delayed", "done"])
    client = signed_in(world, "manager")
    page = client.get(URL, {"country": "bd"}).content.decode()
    assert 'id="city-rajshahi"' in page and 'id="city-kigali"' not in page
    assert "Action 1 of Rajshahi" in page and "Action 1 of Kigali" not in page  # late ones too
    assert '<option value="BD" selected>' in page
    # An unknown code shows every country, and says so.
    page = client.get(URL, {"country": "ZZ"}).content.decode()
    assert 'id="city-rajshahi"' in page and 'id="city-kigali"' in page
    assert "No country has this code" in page
    # A country without plans: said, not an empty table.
    Country.objects.create(name="Mauritania", iso2="MR", region="africa")
    page = client.get(URL, {"country": "MR"}).content.decode()
    assert "No city of Mauritania has an implementation plan yet." in page


def test_no_plan_yet_is_said(world: World) -> None:
    page = signed_in(world, "manager").get(URL).content.decode()
    assert "No city has an implementation plan yet" in page
    assert "No action is late or at risk." in page


def test_another_programmes_manager_sees_none_of_these_cities(world: World) -> None:
    city_plan(world.city_a, ["delayed", "at_risk"])
    other = Programme.objects.create(
        name="Other programme",
        short_name="Other",
        slug="other",
        start_date=datetime.date(2022, 1, 1),
        end_date=datetime.date(2027, 12, 31),
    )
    town = City.objects.create(name="Otherton", slug="otherton", country=world.country_b)
    other.cities.add(town)
    city_plan(town, ["on_track", "delayed"])
    theirs = make_user("other_manager")
    Membership.objects.create(user=theirs, role=Role.PROGRAMME_MANAGER, programme=other)
    client = Client()
    client.force_login(theirs)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert [c.city.slug for c, _line in response.context["cities"]] == ["otherton"]
    assert "Kigali" not in page and "Action 1 of Kigali" not in page
    assert [a.city.slug for a in response.context["attention"]] == ["otherton"]
    # Nor among the countries offered: Rwanda has plans, but none of theirs.
    assert [k.iso2 for k in response.context["choices"]] == ["BD"]
    # The world's manager sees Kigali and not Otherton; a platform admin sees both.
    page = signed_in(world, "manager").get(URL).content.decode()
    assert 'id="city-kigali"' in page and "Otherton" not in page
    page = signed_in(world, "admin").get(URL).content.decode()
    assert 'id="city-kigali"' in page and 'id="city-otherton"' in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("viewer_a", 403),
        ("editor_a", 403),
        ("coordinator_a", 403),
        ("editor_b", 403),
        ("reviewer", 403),  # reads the results, not the cities' plans
        ("funder", 403),
        ("manager", 200),
        ("admin", 200),
    ],
)
def test_only_the_programmes_manager_opens_it(world: World, who: str, status: int) -> None:
    city_plan(world.city_a, ["delayed"])
    client = Client() if who == "anonymous" else signed_in(world, who)
    response = client.get(URL)
    assert response.status_code == status
    if status == 403:
        assert "Action 1 of Kigali" not in response.content.decode()
    if who == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_only_get(world: World) -> None:
    assert signed_in(world, "manager").post(URL).status_code == 405


def test_the_same_queries_at_5_and_at_50_cities(world: World) -> None:
    pattern = ["done", "on_track", "not_started", "at_risk", "delayed", "on_track"]

    def more_cities(upto: int) -> None:
        for k in range(ImplementationPlan.objects.count(), upto):
            city = City.objects.create(
                name=f"Town {k:03d}",
                slug=f"town-{k:03d}",
                country=world.country_a if k % 2 else world.country_b,
            )
            world.programme.cities.add(city)
            city_plan(city, pattern)

    def counts() -> dict[str, int]:
        client = signed_in(world, "manager")
        out = {}
        for url in (URL, f"{URL}?country=RW"):
            client.get(url)  # warm
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            out[url] = len(queries)
        return out

    city_plan(world.city_a, pattern)
    city_plan(world.city_b, pattern)
    more_cities(5)
    small = counts()
    assert ImplementationPlan.objects.count() == 5
    more_cities(50)
    assert ImplementationPlan.objects.count() == 50
    assert counts() == small


@pytest.mark.parametrize("days", [-400, 0, 60, 500])
def test_the_late_lists_read_only_what_may_be_late_and_find_the_same(
    world: World, days: int
) -> None:
    """`late_for` derives only the actions SQL finds may be late; at any day, the same late
    and at-risk actions as deriving every action of every plan."""
    from recap.implementation.overview import _current, _late, _plans, statuses

    states = ["done", "at_risk", "delayed", "not_started", "on_track", "cancelled"]
    city_plan(world.city_a, states)
    city_plan(world.city_b, list(reversed(states)))
    plans = _current(_plans())
    day = TODAY + days * DAY
    every = _late(plans, statuses(plans, day))
    some = _late(plans, statuses(plans, day, attention_only=True))
    assert [(x.action.pk, x.status) for x in some] == [(x.action.pk, x.status) for x in every]
    read = sum(len(found) for found in statuses(plans, day, attention_only=True).values())
    assert read < 2 * len(states)  # fewer actions derived than the plans hold
    if days >= 0:
        assert every  # the missed milestone and the set risk are late from today on


def test_a_bar_and_its_cells_escape_their_labels() -> None:
    """The row is written with plain strings for speed: the one text in it, the state's label
    (a translation), is escaped; the rest are numbers and codes."""
    from recap.implementation.selectors import Summary
    from recap.implementation.views.programme import BAR_STATES, Line, _segments

    summary = Summary(total=3, counts={"done": 2, "delayed": 1}, progress=50)
    labels = {state: f'<b>"{state}" & co</b>' for state in BAR_STATES}
    line = Line(summary, _segments(summary, labels))
    html = str(line.bar) + str(line.cells)
    assert "<b>" not in html and "&lt;b&gt;&quot;done&quot; &amp; co&lt;/b&gt;: 2 (67 %)" in html
    assert html.count("<rect ") == 2  # the states with a count
    assert 'data-label="&lt;b&gt;&quot;delayed&quot; &amp; co&lt;/b&gt;">1 ' in html
