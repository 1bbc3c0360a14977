"""A read whose database connection died under it is read once more on a fresh connection.

A request in flight when the connection drops (PostgreSQL restarted, a failover, a backend
killed) fails in the middle of its queries. For a GET or HEAD outside a transaction, nothing
was written, so the view is simply called again once on a new connection; anything else (a
write, a second failure, an error that is not a lost connection) goes on as the error it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse

from .work import connection_reset

log = logging.getLogger(__name__)
SAFE = ("GET", "HEAD")


def connection_lost() -> bool:
    """Whether this thread's connection is gone (closed, or failing a health check)."""
    if connection.connection is None:
        return True
    try:
        return not connection.is_usable()
    except Exception:  # asking a dead connection may itself fail
        return True


class RetryReadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if (
            request.method not in SAFE
            or not isinstance(exception, (OperationalError, InterfaceError))
            or getattr(request, "_read_again", False)
            or connection.in_atomic_block
            or not connection_lost()
        ):
            return None
        request._read_again = True  # type: ignore[attr-defined]
        log.warning(
            "database connection lost during %s %s: reading again", request.method, request.path
        )
        connection_reset()
        match = request.resolver_match
        if match is None:
            return None
        return match.func(request, *match.args, **match.kwargs)
