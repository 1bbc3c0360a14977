from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.utils import translation

from recap.testing import Beacon, World, make_world


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Rate limits and throttles live in the cache; each test starts with none used.
    cache.clear()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # A request in French leaves French active in the thread; each test starts in English.
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture
def beacon() -> Iterator[Beacon]:
    with Beacon() as server:
        yield server
