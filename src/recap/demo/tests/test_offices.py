"""The offices' contact details are facts: each carries its source and the day it was checked,
none is made up where the source gives none, and the page says which is which."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import pytest
from django.test import Client
from django.utils.formats import date_format

from recap.cities.models import Country, Organisation
from recap.demo.load import offices_load
from recap.testing import World

pytestmark = pytest.mark.django_db

ROWS = json.loads(resources.files("recap.cities").joinpath("data/offices.json").read_text("utf-8"))


def test_every_office_in_the_file_names_its_source_and_when_it_was_checked() -> None:
    for row in ROWS:
        assert row["source"].strip(), row["name"]
        assert date.fromisoformat(row["checked"]) <= date(2026, 12, 6), row["name"]
        # The programme's page, the only source held, gives addresses and nothing else: a
        # number or address appearing here must come with a new source, not fill a gap.
        if row["source"].startswith("ICLEI's ReCAP 21 programme page"):
            assert (row["phone"], row["email"], row["website"]) == ("", "", ""), row["name"]
            assert "phone number, e-mail address or website" in row["note"], row["name"]


def test_loading_the_offices_keeps_their_contact_facts(world: World) -> None:
    for row in ROWS:
        Country.objects.get_or_create(iso2=row["country"], defaults={"name": row["country"]})
    assert offices_load() == len(ROWS)
    bonn = Organisation.objects.get(name="World Secretariat")
    assert bonn.contact_checked == date(2026, 12, 6)
    assert bonn.contact_source.startswith("ICLEI's ReCAP 21 programme page")
    assert (bonn.phone, bonn.email, bonn.website) == ("", "", "")


def test_the_page_shows_what_a_source_gives_and_says_what_it_does_not(
    client: Client, world: World
) -> None:
    Organisation.objects.filter(pk=world.office.pk).update(
        contact_source="The office's own contact page", contact_checked=date(2026, 12, 1)
    )
    Organisation.objects.create(
        name="Tokyo Office",
        kind="regional_office",
        region="east_asia",
        locality="Tokyo",
        phone="+81 3 0000 0000",
        email="tokyo@example.org",
        website="https://example.org/tokyo",
        contact_source="Example source",
        contact_checked=date(2026, 12, 2),
    )
    body = client.get("/offices/").content.decode()
    cards = body.split("<h3")[1:]
    cape_town = next(card for card in cards if "Africa Secretariat" in card)
    tokyo = next(card for card in cards if "Tokyo Office" in card)
    # Where the source gives nothing, the office says so; where it gives them, they are links.
    assert "No phone, e-mail or website in the source." in cape_town
    assert f'<a href="#office-sources">Source</a>, checked {_d(date(2026, 12, 1))}.' in cape_town
    assert "No phone, e-mail or website" not in tokyo
    assert 'href="tel:+81300000000"' in tokyo and 'href="mailto:tokyo@example.org"' in tokyo
    assert 'href="https://example.org/tokyo"' in tokyo
    assert f'<a href="#office-sources">Source</a>, checked {_d(date(2026, 12, 2))}.' in tokyo
    # Each source is named once, below the offices.
    sources = body.split('id="office-sources"')[1]
    assert "The office&#x27;s own contact page" in sources and "Example source" in sources


def _d(day: date) -> str:
    return date_format(day, "DATE_FORMAT")  # as every page writes a date
