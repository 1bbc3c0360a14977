"""The learning pages as a person reads them (issue #21): the peers page shows what gave
points and folds the rest away, an exchange reads its dates like the rest of the product, leads
back to its list and keeps Close away from Send; a lesson's actions and measures are links for
whoever may open them; search offers only what the reader can find and marks what it found."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from recap.catalogue.models import CatalogueAction
from recap.catalogue.services import catalogue_load_shipped
from recap.cities.models import Country
from recap.hazards.models import HazardType
from recap.learning.models import Exchange, Lesson
from recap.learning.peers import matches
from recap.learning.search import highlight, index_rebuild, search_facets
from recap.learning.services import lesson_decide, lesson_save, lesson_submit
from recap.learning.tests import test_peers
from recap.testing import World, concept_at
from recap.tracking.models import Measure

pytestmark = pytest.mark.django_db

towns = test_peers.towns  # the hand-made towns, whose matches are known
_ask, _assess = test_peers._ask, test_peers._assess


# --- Peers: zero rows folded away ------------------------------------------------------------


def test_the_peers_page_lists_only_the_factors_that_gave_points_folded(client, world, towns):
    from recap.assessments.services import framework_load_shipped

    framework_load_shipped()
    admin = world.users["admin"]
    _assess(admin, towns["me"], {"E01": 0, "E02": 0, "E03": 0}, default=3)  # three weak
    _assess(admin, towns["far"], {}, default=3)
    world.programme.cities.add(towns["me"])
    client.force_login(world.users["manager"])
    body = client.get(f"/cities/{towns['me'].slug}/workspace/peers/").content.decode()
    found = matches(towns["me"], include_hidden=True)
    shown = [m for listed in found.values() for m in listed]
    # One row per factor that gave points (and one header row per table): no 0.0 rows.
    rows = body.count("<tr>")
    tables = body.count("<thead>")
    assert rows == tables + sum(len(m.scoring) for m in shown)
    assert sum(len(m.silent) for m in shown) > 0  # there were zero rows to fold
    assert "/ 0.0</td>" not in body and ">0.0 / " not in body
    # Each match is folded into a <details> under a one-line summary of what counted most.
    assert body.count('<details class="match-why">') == len(shown)
    far = next(m for m in found["help"] if m.peer.name == "Far")
    assert f"{far.scoring[0].label}: {far.scoring[0].points:.1f}" in body
    # What gave nothing is counted and named once, inside the fold.
    assert re.search(r"\d+ other factors gave no points:", body)
    assert "Has addressed Water insecurity (nothing recorded yet)" in body


# --- Exchanges: dates, a way back, Close apart from Send ------------------------------------


def _thread(world: World) -> Exchange:
    return _ask(world)


def test_an_exchange_reads_its_dates_as_the_product_does_and_leads_back(
    client: Client, world: World
) -> None:
    exchange = _thread(world)
    client.force_login(world.users["editor_b"])
    body = client.get(exchange.get_absolute_url()).content.decode()
    # The date as every page now writes one (DATE_FORMAT, in the reader's language), the
    # time on a 24-hour clock: never "1:16 p.m." beside a date written another way.
    written = timezone.localtime(exchange.messages.get().created_at)
    shown = f"{date_format(written, 'DATE_FORMAT')} {written:%H:%M}</time>"
    assert shown in body and not re.search(r"\d (a|p)\.m\.", body)
    assert 'href="/cities/rajshahi/workspace/exchanges/"' in body  # the reader's own side
    client.force_login(world.users["editor_a"])
    body = client.get(exchange.get_absolute_url()).content.decode()
    assert 'href="/cities/kigali/workspace/exchanges/"' in body
    client.force_login(world.users["manager"])  # reads both: back to the side that asked
    body = client.get(exchange.get_absolute_url()).content.decode()
    assert "All exchanges of Kigali" in body


def test_close_stands_apart_from_send_with_what_it_does(client: Client, world: World) -> None:
    exchange = _thread(world)
    client.force_login(world.users["editor_b"])
    body = client.get(exchange.get_absolute_url()).content.decode()
    forms = re.findall(r"<form.*?</form>", body, re.S)
    reply = next(f for f in forms if "Send reply" in f)
    close = next(f for f in forms if "Close the exchange" in f)
    assert 'name="close"' not in reply and reply is not close
    assert "neither city can write in it any more" in body
    # Close alone (no reply written) closes it; nothing else is written.
    assert client.post(exchange.get_absolute_url(), {"close": "1"}).status_code == 302
    exchange.refresh_from_db()
    assert exchange.is_closed and exchange.messages.count() == 1


def test_a_reader_who_does_not_write_gets_no_close(client: Client, world: World) -> None:
    exchange = _thread(world)
    client.force_login(world.users["viewer_a"])
    body = client.get(exchange.get_absolute_url()).content.decode()
    assert "Close the exchange" not in body and "All exchanges of Kigali" in body
    assert client.post(exchange.get_absolute_url(), {"close": "1"}).status_code == 403
    exchange.refresh_from_db()
    assert not exchange.is_closed


# --- Lesson page: actions and measures are links -------------------------------------------


@pytest.fixture
def lesson(world: World) -> Lesson:
    from recap.hazards.services import hazard_taxonomy_load

    hazard_taxonomy_load()
    catalogue_load_shipped()
    measure = Measure.objects.create(city=world.city_a, title="Solar lights at the clinic")
    editor = world.users["editor_a"]
    with translation.override("en"):
        lesson = lesson_save(
            actor=editor,
            city=world.city_a,
            data={
                "title": "Lighting the clinics",
                "summary": "Solar lights at night.",
                "context": "C",
                "what_was_done": "W",
                "results": "R",
                "hazards": [HazardType.objects.get(code="flood_riverine")],
                "actions": [CatalogueAction.objects.get(code="WAT-01")],
                "measures": [measure],
            },
        )
    lesson_submit(actor=editor, lesson=lesson)
    lesson_decide(actor=world.users["manager"], lesson=lesson, publish=True)
    return lesson


def test_a_lesson_links_its_actions_for_all_and_its_measures_for_who_may_open_them(
    client: Client, world: World, lesson: Lesson
) -> None:
    measure = lesson.measures.get()
    measure_url = f"/cities/kigali/workspace/measures/{measure.pk}/"
    visitor = client.get(lesson.get_absolute_url()).content.decode()
    assert 'href="/catalogue/WAT-01/"' in visitor
    assert "Solar lights at the clinic" in visitor and measure_url not in visitor
    client.force_login(world.users["viewer_a"])
    member = client.get(lesson.get_absolute_url()).content.decode()
    assert f'href="{measure_url}"' in member
    assert client.get(measure_url).status_code == 200
    client.force_login(world.users["editor_b"])  # another city: may not open it
    assert measure_url not in client.get(lesson.get_absolute_url()).content.decode()


def test_a_retired_catalogue_action_is_named_not_linked(client, world, lesson) -> None:
    CatalogueAction.objects.filter(code="WAT-01").update(is_active=False)
    body = client.get(lesson.get_absolute_url()).content.decode()
    assert "WAT-01" in body and 'href="/catalogue/WAT-01/"' not in body


# --- Search: only what the reader can find, and marked ---------------------------------------


def test_search_offers_a_visitor_only_the_kinds_and_countries_they_can_find(
    client: Client, world: World, lesson: Lesson
) -> None:
    Measure.objects.create(city=world.city_a, title="Drainage kiosk")
    concept_at(world.city_a, "Wetland drainage", "submitted")
    Country.objects.create(name="France", iso2="FR", region="europe")  # no content at all
    index_rebuild()
    kinds, countries = search_facets(AnonymousUser())
    assert kinds == ["lesson", "action"] and countries == [world.country_a.pk]
    member_kinds, _ = search_facets(world.users["viewer_a"])
    assert {"measure", "concept"} <= set(member_kinds)

    page = client.get("/search/").content.decode()
    assert 'value="lesson"' in page and 'value="measure"' not in page
    assert 'value="concept"' not in page
    assert ">Rwanda</option>" in page and ">France</option>" not in page
    assert ">Bangladesh</option>" not in page  # in the programme, but nothing to find yet
    refused = client.get("/search/", {"kind": "measure"})
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()
    client.force_login(world.users["viewer_a"])
    assert 'value="measure"' in client.get("/search/").content.decode()


def test_highlight_marks_the_words_found_and_never_lets_markup_through() -> None:
    marked = str(highlight("Flood <b>warning</b> & floods; flooded", "<script>flood</script>"))
    assert "<script>" not in marked and "&lt;b&gt;warning&lt;/b&gt; &amp;" in marked
    assert marked.count("<mark>") == 3  # Flood, floods, flooded: the same stem
    assert str(highlight("Inondées du fleuve", "inondation")) == "<mark>Inondées</mark> du fleuve"
    assert str(highlight("a b <i>", "")) == "a b &lt;i&gt;"
    # A short query word marks only that whole word, not every word beginning with it.
    assert str(highlight("bank barrier b", "b")) == "bank barrier <mark>b</mark>"


def test_the_search_page_marks_results_and_escapes_the_query(client: Client, world: World):
    from recap.hazards.services import hazard_taxonomy_load

    hazard_taxonomy_load()
    catalogue_load_shipped()
    index_rebuild()
    # Markup in the query: only its words are searched and marked; it is shown escaped.
    nasty = "flood<>\"'&"
    body = client.get("/search/", {"q": nasty, "kind": "action"}).content.decode()
    assert "Community <mark>flood</mark> early warning" in body
    assert 'value="flood&lt;&gt;&quot;&#x27;&amp;"' in body and "flood<>" not in body
