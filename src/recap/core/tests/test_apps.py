"""What `recap migrate` makes besides the models' tables: the database cache's table, so that an
installation that never ran `recap demo` draws and keeps its charts (the workers' drill found
"relation recap_cache does not exist" on a migrated installation)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection

from recap.core.apps import cache_table

pytestmark = pytest.mark.django_db


def test_migrate_makes_the_database_cache_table(settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "recap_cache_made_by_migrate",
        }
    }
    assert "recap_cache_made_by_migrate" not in connection.introspection.table_names()
    cache_table(sender=None)
    assert "recap_cache_made_by_migrate" in connection.introspection.table_names()
    caches["default"].set("chart:en:x", "drawn", 60)
    assert caches["default"].get("chart:en:x") == "drawn"
    cache_table(sender=None)  # again: nothing to do, no error


def test_the_handler_is_connected_to_migrate() -> None:
    from django.db.models.signals import post_migrate

    assert any(receiver[0][0] == "core-cache-table" for receiver in post_migrate.receivers)
