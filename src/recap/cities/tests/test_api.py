from __future__ import annotations

import pytest
from django.test import Client

from recap.accounts.services import api_token_create, api_token_revoke
from recap.testing import World

pytestmark = pytest.mark.django_db


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_public_city_list(client: Client, world: World) -> None:
    data = client.get("/api/v1/cities").json()
    assert data["count"] == 2
    names = [c["name"] for c in data["items"]]
    assert names == ["Rajshahi", "Kigali"]  # by country, then name
    kigali = data["items"][1]
    assert kigali["country"] == {"name": "Rwanda", "iso2": "RW"}
    assert kigali["regional_office"] == "Africa Secretariat"
    assert kigali["url"] == "/cities/kigali/"


def test_pagination(client: Client, world: World) -> None:
    data = client.get("/api/v1/cities?limit=1&offset=1").json()
    assert data["count"] == 2 and [c["slug"] for c in data["items"]] == ["kigali"]
    assert client.get("/api/v1/cities?limit=-1").status_code == 422


def test_city_detail(client: Client, world: World) -> None:
    data = client.get(f"/api/v1/cities/{world.city_a.pk}").json()
    assert data["name"] == "Kigali"
    assert data["programmes"] == ["ReCAP 21"]
    assert client.get("/api/v1/cities/999999").status_code == 404
    assert client.get("/api/v1/cities/abc").status_code == 404


def test_hidden_city_needs_a_token_of_someone_who_works_on_it(client: Client, world: World) -> None:
    url = f"/api/v1/cities/{world.hidden.pk}"
    assert client.get(url).status_code == 404
    _t, admin_key = api_token_create(user=world.users["admin"], name="admin")
    assert client.get(url, **bearer(admin_key)).status_code == 200
    _t, editor_key = api_token_create(user=world.users["editor_a"], name="editor")
    assert client.get(url, **bearer(editor_key)).status_code == 404
    listed = client.get("/api/v1/cities", **bearer(admin_key)).json()
    assert listed["count"] == 3


def test_bad_tokens_are_refused_even_on_public_routes(client: Client, world: World) -> None:
    response = client.get("/api/v1/cities", **bearer("recap_wrong"))
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid, expired or revoked API token."}
    token, key = api_token_create(user=world.users["editor_a"], name="t")
    api_token_revoke(user=world.users["editor_a"], token=token)
    assert client.get("/api/v1/cities", **bearer(key)).status_code == 401


def test_me_with_token_and_with_session(client: Client, world: World) -> None:
    assert client.get("/api/v1/me").status_code == 401
    _t, key = api_token_create(user=world.users["manager"], name="t")
    data = client.get("/api/v1/me", **bearer(key)).json()
    assert data["username"] == "manager"
    assert {c["city"] for c in data["cities"]} == {"Kigali", "Rajshahi"}
    client.force_login(world.users["editor_b"])
    assert [c["city"] for c in client.get("/api/v1/me").json()["cities"]] == ["Rajshahi"]


def test_openapi_and_docs(client: Client, db: None) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/cities", "/api/v1/cities/{city_id}", "/api/v1/me"} <= set(schema["paths"])
    assert "TokenAuth" in schema["components"]["securitySchemes"]
    assert client.get("/api/v1/docs").status_code == 200


def test_unsafe_methods_are_not_allowed(client: Client, world: World) -> None:
    assert client.post("/api/v1/cities", {}).status_code == 405
    assert client.delete(f"/api/v1/cities/{world.city_a.pk}").status_code == 405
