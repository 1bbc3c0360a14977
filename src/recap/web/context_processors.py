from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout needs: the page a problem report comes from."""
    return {"report_from": request.get_full_path()[:500]}
