"""A resident vote in a real browser: a resident with a voting code casts a ballot on a phone, in
French, without an account; the city's editor closes the vote, reads the rules side by side
(why a project is out, in French), decides by the Method of Equal Shares, and the funded projects
are the city's small-scale measures, each saying the residents chose it. Axe-clean throughout."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from recap.testing import PASSWORD, World
from recap.tracking.models import Measure
from recap.votes.models import Ballot, Vote
from recap.votes.services import ballot_cast, codes_make, vote_open
from recap.votes.tests.helpers import cast_vote

from .conftest import axe_violations
from .test_workshop import PHONE, _fits


def _open_vote(world: World) -> tuple[Vote, list[str]]:
    vote = cast_vote(world)
    codes = [c for _n, c in codes_make(actor=world.users["editor_a"], vote=vote, count=6)]
    vote_open(actor=world.users["editor_a"], vote=vote)
    vote.refresh_from_db()
    return vote, codes


def test_a_resident_votes_and_the_city_decides_by_equal_shares(
    page: Any, live_server: Any, live_world: World
) -> None:
    base = live_server.url
    vote, codes = _open_vote(live_world)
    keys = {p.title: p.key for p in vote.projects.all()}
    # Five neighbours have voted already: Parc is the most approved, Bancs the least.
    for code, chosen in zip(
        codes[1:],
        (["Parc"], ["Parc"], ["Parc", "Puits"], ["Bancs"], ["Puits", "Bancs"]),
        strict=True,
    ):
        ballot_cast(vote=vote, code=code, keys=[keys[t] for t in chosen])

    # A resident, on a phone, in French, with the code on their card typed loosely.
    page.set_viewport_size({"width": PHONE, "height": 800})
    page.goto(base + "/")
    page.locator("form.lang-form button[value='fr']").click()
    page.wait_for_load_state()
    ballot_url = reverse("ballot:vote", kwargs={"slug": vote.city.slug, "pk": vote.pk})
    page.goto(base + ballot_url)
    page.get_by_role("heading", name="Budget du quartier").wait_for()
    page.get_by_label("Votre code de vote").fill(codes[0].lower().replace("-", " "))
    page.get_by_role("button", name="Voir le bulletin").click()
    page.get_by_role("group", name="Les projets que vous soutenez").wait_for()
    _fits(page)
    assert axe_violations(page) == []
    page.get_by_role("checkbox", name="Parc").check()
    page.get_by_role("checkbox", name="Puits").check()
    page.get_by_role("checkbox", name="Bancs").check()  # 130 of a budget of 100: refused
    page.get_by_role("button", name="Envoyer mon bulletin").click()
    page.locator("#id_projects_error").wait_for()
    assert Ballot.objects.filter(vote=vote).count() == 5  # nothing written
    page.get_by_role("checkbox", name="Bancs").uncheck()
    page.get_by_role("button", name="Envoyer mon bulletin").click()
    page.get_by_role("heading", name="Votre bulletin est enregistré").wait_for()
    assert Ballot.objects.filter(vote=vote).count() == 6
    assert axe_violations(page) == []
    page.reload()  # the thanks page came by a redirect: reloading it sends nothing again
    page.get_by_role("heading", name="Votre bulletin est enregistré").wait_for()
    assert Ballot.objects.filter(vote=vote).count() == 6

    # The city's editor closes the vote and reads the rules side by side.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_fr(page, base)
    detail = reverse("votes:detail", kwargs={"slug": vote.city.slug, "pk": vote.pk})
    page.goto(base + detail)
    page.get_by_role("button", name="Clore le vote").click()
    page.wait_for_load_state()
    results = reverse("votes:results", kwargs={"slug": vote.city.slug, "pk": vote.pk})
    page.goto(base + results)
    table = page.get_by_role("region", name="Projets financés (✓)")
    table.wait_for()
    text = table.inner_text()
    assert "Parts égales" in text and "Glouton" in text
    assert "il restait 0" in text  # why Bancs is out under greedy, in French
    assert "when its turn came" not in text and "supporters" not in text
    _fits(page)
    assert axe_violations(page) == []

    page.get_by_label("Parts égales (MES)").check()
    page.get_by_label("Pourquoi cette règle").fill("Chaque quartier selon ses votants.")
    page.locator("#decision").get_by_role("button", name="Enregistrer la décision").click()
    page.get_by_text("Chaque quartier selon ses votants.").wait_for()
    chosen = Measure.objects.filter(vote_choices__decision__vote=vote)
    assert chosen.exists()
    first = chosen.order_by("title").first()
    assert first is not None
    page.locator("#decision").get_by_role("link", name=first.title).click()
    page.get_by_role("heading", name=first.title, level=1).wait_for()
    assert "Budget du quartier" in page.locator("main").inner_text()  # its provenance
    assert axe_violations(page) == []


def sign_in_fr(page: Any, base: str) -> None:
    """The city's editor signs in (the language chosen before stays: French)."""
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill("editor_a")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(base + "/me/")
