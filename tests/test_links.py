"""Every link a role is shown leads somewhere that role may go (issue #19, item 10): the pages a
reviewer and a funder work from are read, and each of their same-site links is followed as that
person; none may answer 404, 403 or 500."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.test import Client

from recap.learning.search import index_rebuild
from recap.pipeline.concepts import concept_share
from recap.pipeline.services import facilities_load_shipped
from recap.testing import World, concept_at

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="([^"]+)"')
#: Links that change something or leave the site are not followed.
SKIP = ("/accounts/logout", "/i18n/", "/admin/", "/api/v1/docs", "mailto:", "#")


def links(page: str) -> list[str]:
    found = []
    for raw in HREF.findall(page):
        url = unescape(raw)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith(SKIP) or not url.startswith("/"):
            continue
        if url.startswith("/static/"):
            continue
        found.append(url)
    return sorted(set(found))


def broken(client: Client, page_url: str) -> list[tuple[str, int]]:
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    out = []
    for url in links(page.content.decode()):
        status = client.get(url).status_code
        if status in (403, 404) or status >= 500:
            out.append((url, status))
    return out


def test_a_reviewer_and_a_funder_are_shown_no_dead_ends(world: World) -> None:
    facilities_load_shipped()
    from recap.pipeline.models import Facility

    gap = Facility.objects.get(code="gap-fund")
    gap.organisation = world.funder_org
    gap.save()
    drafted = concept_at(world.city_a, "Wetland channels", "drafted")
    submitted = concept_at(world.city_a, "Wetland drainage upgrade", "submitted")
    concept_share(actor=world.users["manager"], concept=submitted, facility=gap)
    index_rebuild()

    reviewer = Client()
    reviewer.force_login(world.users["reviewer"])
    assert broken(reviewer, drafted.get_absolute_url()) == []

    funder = Client()
    funder.force_login(world.users["funder"])
    results = funder.get("/search/?q=wetland").content.decode()
    assert f"/pipeline/shared/{submitted.pk}/" in results  # the funder's own page
    assert broken(funder, "/search/?q=wetland") == []
    assert broken(funder, f"/pipeline/shared/{submitted.pk}/") == []
