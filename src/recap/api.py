"""The REST API under /api/v1/: one router per app, every route behind the same policies as
the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.parser import Parser

from recap.accounts.api import router as me_router
from recap.assessments.api import router as baseline_router
from recap.catalogue.api import router as catalogue_router
from recap.cities.api import router as cities_router
from recap.core.jsondata import load_json
from recap.hazards.api import router as hazards_router
from recap.learning.api import city_router as learning_city_router
from recap.learning.api import router as learning_router
from recap.pipeline.api import router as pipeline_router
from recap.planning.api import router as planning_router
from recap.tracking.api import city_router as tracking_city_router
from recap.tracking.api import router as tracking_router


class _SafeParser(Parser):
    """Request bodies read like uploaded files: too deep or not text is a 422, never a 500."""

    def parse_body(self, request: HttpRequest) -> Any:
        return load_json(request.body)


api = NinjaAPI(
    parser=_SafeParser(),
    title="ReCAP API",
    version="1",
    description=(
        "Programme and city data of ReCAP. Public routes answer anyone; send a personal token "
        "(`Authorization: Bearer recap_…`, made on your account page) to see what you work on."
    ),
    urls_namespace="api",
)
api.add_router("/cities", cities_router)
api.add_router("/cities", hazards_router)
api.add_router("/cities", baseline_router)
api.add_router("/cities", planning_router)
api.add_router("/catalogue", catalogue_router)
api.add_router("/pipeline", pipeline_router)
api.add_router("/cities", tracking_city_router)
api.add_router("/programme", tracking_router)
api.add_router("/me", me_router)
api.add_router("/learning", learning_router)
api.add_router("/cities", learning_city_router)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Not allowed."}, status=403)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own refusals as documented: a body that cannot be parsed (its 400) is a 422,
    like any other request that is not valid."""
    status = 422 if exc.status_code == 400 else exc.status_code
    return api.create_response(request, {"detail": str(exc)}, status=status)
