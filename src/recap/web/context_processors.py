from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .menus import menus_for


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout needs: the page a problem report comes from, and the reader's
    role menus with the one holding the page being read."""
    match = request.resolver_match
    here = f"{match.namespace}:{match.url_name}" if match else ""
    user = getattr(request, "user", None)
    menus = menus_for(user) if user is not None else []
    return {
        "report_from": request.get_full_path()[:500],
        "role_menus": {menu.key: (menu, menu.current(here)) for menu in menus},
    }
