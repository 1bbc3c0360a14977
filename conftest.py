from __future__ import annotations

import pytest
from django.core.cache import cache

from recap.testing import World, make_world


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Rate limits and throttles live in the cache; each test starts with none used.
    cache.clear()


@pytest.fixture
def world(db: None) -> World:
    return make_world()
