"""The engine's reasons and advice, worded in the reader's language (planning.wording)."""

from __future__ import annotations

import pytest
from django.utils import translation

from recap.planning.models import PrioritisationSession
from recap.planning.wording import consistency_advice, kept_out_text
from recap.testing import World

pytestmark = pytest.mark.django_db


def test_reasons_and_advice_are_in_the_readers_language(
    world: World,
    session: PrioritisationSession,
) -> None:
    why = {
        "kept_out_because": [
            {
                "kind": "resource",
                "resource": "capex_short",
                "need": 250000.0,
                "left": 1000.0,
                "limit": 300000.0,
            },
            {"kind": "max_actions", "limit": 4},
        ]
    }
    ahp = {
        "consistent": False,
        "consistency_ratio": 0.234,
        "least_consistent_pair": ["economy", "equity"],
    }
    with translation.override("en"):
        text = kept_out_text(why)
        assert text == (
            "Short-term budget (US$): it needs 250,000 but only 1,000 of 300,000 is left; "
            "the package already has the largest allowed number of actions (4)"
        )
        assert "consistency ratio 0.23" in consistency_advice(ahp)
        assert "Start with Economy and jobs against Equity" in consistency_advice(ahp)
    with translation.override("fr"):
        text = kept_out_text(why)
        assert "Budget à court terme" in text and "250" in text and "it needs" not in text
        advice = consistency_advice(ahp)
        assert "0,23" in advice and "contradict" not in advice
    # Runs stored before reasons were data keep their English sentences.
    assert kept_out_text({"kept_out_by": ["capex: it needs 5"]}) == "capex: it needs 5"
