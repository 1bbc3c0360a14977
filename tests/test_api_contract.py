"""The OpenAPI document tells the truth about errors: every status an API route answers with,
for any role, a wrong token, a malformed query or too many requests, is documented there, with
the error body's shape."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import resolve, reverse

from recap.testing import ROLES, World, concept_at
from test_authorization_matrix import MATRIX, _encode, client_for

pytestmark = pytest.mark.django_db
API_ROUTES = sorted(n for n in MATRIX if n.startswith("api:") and not n.startswith("api:openapi"))


def _template(url: str) -> str:
    """/api/v1/cities/3 -> /api/v1/cities/{city_id}, as the OpenAPI document names it."""
    route = resolve(url.split("?", maxsplit=1)[0]).route
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


@override_settings(RECAP_API_RUN_RATE="2/h")
def test_every_status_a_route_answers_with_is_documented(world: World) -> None:
    documented = {
        (method.upper(), path): set(map(int, op["responses"]))
        for path, ops in Client().get("/api/v1/openapi.json").json()["paths"].items()
        for method, op in ops.items()
    }
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    for name in API_ROUTES:
        if name == "api:api-root":
            continue
        for check in MATRIX[name]:
            for role in ROLES:
                cache.clear()
                kwargs = check.setup(world) if check.setup else check.kwargs(world)
                url = reverse(name, kwargs=kwargs) + check.query
                key = (check.method, _template(url))
                if check.json:
                    body = json.dumps(check.data(world))
                    ctype = "application/json"
                else:
                    body = _encode(check.data(world))
                    ctype = "application/x-www-form-urlencoded"
                response = client_for(world, role).generic(
                    check.method, url, data=body, content_type=ctype
                )
                seen[key].add(response.status_code)
                # A wrong token is refused everywhere, public routes included.
                wrong = Client().generic(
                    check.method, url, HTTP_AUTHORIZATION="Bearer recap_wrong", content_type=ctype
                )
                seen[key].add(wrong.status_code)
                # Malformed paging or filters.
                bad = client_for(world, role).generic(
                    check.method, url.split("?")[0] + "?limit=many&offset=-4", content_type=ctype
                )
                seen[key].add(bad.status_code)
    # Too many runs queued by one person.
    from test_authorization_matrix import _api_session

    kwargs = _api_session(world)
    url = reverse("api:session_run_create", kwargs=kwargs)
    editor = client_for(world, "editor_a")
    statuses = {editor.post(url).status_code for _ in range(3)}
    seen[("POST", _template(url))] |= statuses
    assert 429 in statuses
    undocumented = {
        f"{m} {p}: {sorted(codes - documented[(m, p)])}"
        for (m, p), codes in seen.items()
        if codes - documented[(m, p)]
    }
    assert not undocumented, undocumented
    # A body that is not JSON where JSON is wanted: refused as not valid, not as a crash.
    kwargs = {"concept_id": concept_at(world.city_a, "X", "drafted").pk}
    url = reverse("api:concept_move", kwargs=kwargs)
    broken = client_for(world, "editor_a").post(url, "{not json", content_type="application/json")
    assert broken.status_code == 422 and "Cannot parse request body" in broken.json()["detail"]
    seen[("POST", _template(url))].add(broken.status_code)
    assert {code for codes in seen.values() for code in codes} >= {200, 401, 403, 404, 422, 429}


def test_error_responses_name_their_body() -> None:
    spec = Client().get("/api/v1/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for code, response in op["responses"].items():
                if int(code) >= 400:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorOut"), (method, path, code)
    assert "detail" in spec["components"]["schemas"]["ErrorOut"]["properties"]
