from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from recap.cities.models import City, Organisation
from recap.testing import World, concept_at
from recap.tracking.models import Measure, Participant, Training
from recap.tracking.selectors import programme_progress

pytestmark = pytest.mark.django_db


def test_programme_page_without_any_data_says_so_honestly(client: Client) -> None:
    body = client.get("/").content.decode()
    assert "What we are doing" in body
    assert "The programme has not been set up yet, so there is nothing to track." in body


def test_programme_page_with_a_new_programme_shows_empty_states(
    client: Client, world: World
) -> None:
    body = client.get("/").content.decode()
    assert "No training has been held yet." in body
    assert "No small-scale measure implemented yet." in body
    assert body.count("none yet") == 2  # both countries, no project submitted


def test_tracking_figures_come_from_the_database(world: World, client: Client) -> None:
    today = timezone.localdate()
    basics = Training.objects.create(
        programme=world.programme, title="Basics", held_on=date(2022, 3, 1)
    )
    Participant.objects.create(training=basics, count=30)
    later = Training.objects.create(
        programme=world.programme, title="Later", held_on=today + timedelta(days=30)
    )
    Participant.objects.create(training=later, count=99)
    Measure.objects.create(
        city=world.city_a, title="Lights", status="implemented", implemented_on=date(2023, 1, 1)
    )
    Measure.objects.create(city=world.city_b, title="Kiosks", status="in_progress")
    Measure.objects.create(
        city=world.hidden,
        title="Not in programme",
        status="implemented",
        implemented_on=date(2023, 1, 1),
    )
    for title, stage in [("A1", "submitted"), ("A2", "presented"), ("A3", "drafted")]:
        concept_at(world.city_a, title, stage)
    concept_at(world.city_b, "B1", "financed")
    # Withdrawn after submission: the city took it back, so it does not count.
    concept_at(world.city_b, "B2", "withdrawn")

    progress = programme_progress(programme=world.programme)
    assert progress.cities == 2
    assert progress.trainings_held == 1  # the future one is not held yet
    assert progress.participants == 30
    assert progress.measures_implemented == 1  # the hidden city is not in the programme
    assert progress.measures_in_progress == 1
    assert progress.projects_submitted == 3
    by_country = {
        row.country.iso2: (row.projects_submitted, row.met, row.percent)
        for row in progress.by_country
    }
    assert by_country == {"RW": (2, True, 100), "BD": (1, False, 50)}
    assert progress.countries_meeting_target == 1

    body = client.get("/").content.decode()
    assert "2 / 2" in body and "1 / 2" in body
    assert "target met" in body
    assert "trainings held, 30 participants in all" in body


def test_long_texts_fold_without_javascript(client: Client, world: World) -> None:
    body = client.get("/").content.decode()
    assert body.count('<details class="fold">') == 3
    assert "Read more" in body and "Read less" in body


def test_city_list_and_profile(client: Client, world: World) -> None:
    body = client.get("/cities/").content.decode()
    assert "Kigali" in body and "Rajshahi" in body
    assert "Hidden Town" not in body
    profile = client.get("/cities/kigali/").content.decode()
    assert "1,600,000" in profile
    assert "Africa Secretariat" in profile
    assert "Open the city workspace" not in profile


def test_city_profile_offers_the_workspace_to_members_only(client: Client, world: World) -> None:
    client.force_login(world.users["viewer_a"])
    assert "Open the city workspace" in client.get("/cities/kigali/").content.decode()
    assert "Open the city workspace" not in client.get("/cities/rajshahi/").content.decode()


def test_empty_city_list(client: Client, db: None) -> None:
    assert "No city has joined yet." in client.get("/cities/").content.decode()


def test_offices_are_grouped_by_region_and_searchable(client: Client, world: World) -> None:
    Organisation.objects.create(
        name="Japan Office", kind="regional_office", region="east_asia", locality="Tokyo"
    )
    Organisation.objects.create(name="Funder X", kind="funder")
    body = client.get("/offices/").content.decode()
    assert body.index("Africa") < body.index("East Asia")
    assert "Funder X" not in body
    assert "Supports 1 ReCAP city" in body
    only_tokyo = client.get("/offices/?q=tokyo").content.decode()
    assert "Japan Office" in only_tokyo and "Africa Secretariat" not in only_tokyo
    by_region = client.get("/offices/?q=africa").content.decode()
    assert "Africa Secretariat" in by_region and "Japan Office" not in by_region
    # A country or a city the office serves finds it, though the office is elsewhere.
    for served in ("rwanda", "Kigali"):
        found = client.get(f"/offices/?q={served}").content.decode()
        assert "Africa Secretariat" in found and "Japan Office" not in found
        assert "Supports 1 ReCAP city (Rwanda)" in found  # the count is not narrowed by it
    nothing = client.get("/offices/?q=atlantis").content.decode()
    assert "No office matches “atlantis”" in nothing


def test_office_search_answers_htmx_with_a_partial(client: Client, world: World) -> None:
    body = client.get("/offices/?q=cape", HTTP_HX_REQUEST="true").content.decode()
    assert "Africa Secretariat" in body
    assert "<html" not in body


def test_unknown_page_is_a_friendly_404(client: Client, db: None) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_every_page_offers_to_report_a_problem(client: Client, world: World) -> None:
    for url in ["/", "/cities/", "/cities/kigali/", "/offices/", "/accounts/login/", "/nope/"]:
        body = client.get(url).content.decode()
        assert "Having trouble?" in body, url
        assert "/report-a-problem/?from=" in body, url


def test_accessible_layout_landmarks(client: Client, world: World) -> None:
    body = client.get("/").content.decode()
    for needle in [
        '<html lang="en">',
        "<header",
        "<nav",
        '<main id="main"',
        "<footer",
        'class="skip-link" href="#main"',
    ]:
        assert needle in body


def test_health(client: Client, db: None) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_hidden_city_is_not_public(world: World) -> None:
    assert not City.objects.get(slug="hidden").is_public


@pytest.mark.parametrize("path", ["/", "/offices/", "/accounts/login/", "/api/v1/docs"])
def test_every_page_sends_a_content_security_policy(client: Client, path: str) -> None:
    policy = client.get(path)["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
