"""Refusals kept in a module's constant are translated when they are read, not when the
module is imported: a French page reads them in French (they were English, built with an
eager `gettext` at import time)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from recap.learning.services import lesson_save
from recap.testing import World
from recap.tracking.measures import measure_save

pytestmark = pytest.mark.django_db


def test_lesson_and_measure_refusals_read_in_french(world: World) -> None:
    outsider = world.users["editor_b"]  # Rajshahi's editor, not Kigali's
    with translation.override("fr"):
        with pytest.raises(PermissionDenied) as lesson:
            lesson_save(actor=outsider, city=world.city_a, data={"title": "Kiosques"})
        with pytest.raises(PermissionDenied) as measure:
            measure_save(actor=outsider, city=world.city_a, data={"title": "Digue"})
        assert str(lesson.value) == "Seuls les éditeurs de la ville rédigent ses enseignements."
        assert str(measure.value) == (
            "Seuls les éditeurs de la ville peuvent modifier ses mesures."
        )
    # And in English on an English page: the same constants.
    with translation.override("en"):
        assert str(lesson.value) == "Only the city's editors write its lessons."
        assert str(measure.value) == "Only the city's editors change its measures."
