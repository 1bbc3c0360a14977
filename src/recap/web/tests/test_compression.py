"""Pages travel compressed to whoever accepts gzip (issue #21, "light enough for 3G"), the CSRF
token in them masked anew in each response (BREACH), and nothing changes for a client that does
not ask for it."""

from __future__ import annotations

import gzip
import re

import pytest
from django.test import Client

from recap.testing import World

pytestmark = pytest.mark.django_db


def test_a_page_is_sent_compressed_to_a_client_that_accepts_gzip(client: Client) -> None:
    plain = client.get("/")
    packed = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content)
    assert html.startswith(b"<!DOCTYPE html>") or b"<html" in html[:200]
    assert len(packed.content) < len(plain.content) / 2, (len(packed.content), len(plain.content))


def test_a_signed_in_page_with_a_form_masks_its_csrf_token_in_every_response(
    client: Client, world: World
) -> None:
    client.force_login(world.users["editor_a"])
    url = f"/cities/{world.city_a.slug}/workspace/lessons/"
    tokens = []
    for _ in range(2):
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response["Content-Encoding"] == "gzip"
        found = re.search(
            rb'name="csrfmiddlewaretoken" value="([^"]+)"', gzip.decompress(response.content)
        )
        assert found is not None
        tokens.append(found.group(1))
    assert tokens[0] != tokens[1]  # a secret that differs on every page cannot be guessed by size


def test_an_api_answer_is_compressed_too(client: Client) -> None:
    response = client.get("/api/v1/openapi.json", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert b'"openapi"' in gzip.decompress(response.content)
