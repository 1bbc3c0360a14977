"""Peer learning in a real browser, in French: Sebkha's editor finds a lesson on flooding,
sees Rajshahi among its peers with the reasons, and asks it a question; Rajshahi's editor is
told by e-mail, finds it under "My work" and answers; the thread shows both."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core import mail
from django.utils import translation

from recap.accounts.models import Membership, Role
from recap.cities.models import City, Country
from recap.hazards.models import CityHazard, HazardType
from recap.hazards.services import hazard_taxonomy_load
from recap.learning.models import Exchange, Lesson
from recap.learning.search import index_rebuild
from recap.learning.services import lesson_decide, lesson_save, lesson_submit
from recap.testing import World, make_user

from .conftest import axe_violations
from .test_city_editor import sign_in


def _sebkha(world: World) -> City:
    hazard_taxonomy_load()
    mauritania = Country.objects.create(
        name="Mauritania", iso2="MR", region="africa", income_group="lower_middle"
    )
    world.country_b.income_group = "lower_middle"
    world.country_b.save()
    sebkha = City.objects.create(
        name="Sebkha",
        slug="sebkha",
        country=mauritania,
        population=72_000,
        population_growth=Decimal("3.2"),
        languages=["ar", "fr"],
        shares_with_peers=True,
    )
    City.objects.filter(pk=world.city_b.pk).update(shares_with_peers=True)
    world.programme.cities.add(sebkha)
    editor = make_user("editor_s")
    editor.language = "fr"
    editor.save()
    Membership.objects.create(user=editor, role=Role.CITY_EDITOR, city=sebkha)
    flood = HazardType.objects.get(code="flood_flash")
    water = HazardType.objects.get(code="water_insecurity")
    for city, scores in ((sebkha, ((4, 4), (3, 4))), (world.city_b, ((3, 3), (4, 4)))):
        for hazard, (likelihood, impact) in zip((flood, water), scores, strict=True):
            CityHazard.objects.create(
                city=city, hazard=hazard, likelihood=likelihood, impact=impact
            )
    with translation.override("en"):
        lesson = lesson_save(
            actor=world.users["editor_b"],
            city=world.city_b,
            data={
                "title": "Warning the riverbank wards before the river rises",
                "summary": "Ward volunteers pass on the flood warning.",
                "context": "The river floods the wards.",
                "what_was_done": "Forty volunteers trained.",
                "results": "2,100 people reached the shelters.",
                "hazards": [flood],
            },
        )
    lesson_submit(actor=world.users["editor_b"], lesson=lesson)
    lesson_decide(actor=world.users["manager"], lesson=lesson, publish=True)
    Lesson.objects.filter(pk=lesson.pk).update(
        title_fr="Alerter les quartiers des berges avant la crue",
        summary_fr="Des volontaires de quartier relaient l'alerte d'inondation.",
        context_fr="Le fleuve inonde les quartiers des berges.",
    )
    index_rebuild()
    return sebkha


def test_sebkha_in_french_finds_a_flood_lesson_sees_rajshahi_and_asks_it(
    page: Any, live_server: Any, live_world: World
) -> None:
    _sebkha(live_world)
    base = live_server.url
    sign_in(page, base, "editor_s")
    page.get_by_role("button", name="Français").click()
    page.wait_for_function("document.documentElement.lang === 'fr'")

    # A lesson on flooding, found in French.
    page.goto(base + "/search/")
    page.locator("#id_q").fill("inondation")
    page.locator("form[role=search] button[type=submit]").click()
    result = page.get_by_role("link", name="Alerter les quartiers des berges avant la crue")
    result.click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Alerter les quartiers des berges avant la crue"
    )
    assert page.get_by_text("Le fleuve inonde les quartiers des berges.").count() == 1

    # Rajshahi among the peers, with the reasons in French.
    page.goto(base + "/cities/sebkha/workspace/peers/")
    match = page.locator("li.match", has=page.get_by_role("link", name="Rajshahi")).first
    match.locator("details summary").first.click()  # the reasons, folded until asked for
    reasons = match.inner_text()
    assert "Crue éclair et inondation pluviale" in reasons  # the hazard, in French
    assert "Insécurité hydrique" in reasons
    assert axe_violations(page) == []

    # The question.
    match.locator("a[href$='?to=rajshahi']").click()
    page.locator("#id_subject").fill("Vos volontaires de quartier")
    page.locator("#id_body").fill("Comment avez-vous recruté les volontaires ?")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/exchanges/*/")
    exchange = Exchange.objects.get()
    assert (exchange.from_city.slug, exchange.to_city.slug) == ("sebkha", "rajshahi")
    assert [m.to for m in mail.outbox] == [[live_world.users["editor_b"].email]]
    page.context.clear_cookies()

    # Rajshahi's editor answers from "My work".
    sign_in(page, base, "editor_b")
    page.get_by_role("link", name="Sebkha awaits your reply: Vos volontaires de quartier").click()
    page.get_by_role("textbox", name="Reply").fill("Through the ward councillors and the mosques.")
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_url(base + exchange.get_absolute_url())
    thread = page.locator("ol.thread > li")
    assert thread.count() == 2
    assert "Through the ward councillors" in thread.nth(1).inner_text()
    exchange.refresh_from_db()
    assert exchange.awaiting_id == exchange.from_city_id
