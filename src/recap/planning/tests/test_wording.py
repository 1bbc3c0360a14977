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


def test_an_action_dearer_than_the_whole_budget_is_said_to_fit_in_no_package() -> None:
    from recap.planning.wording import cannot_text

    why = {
        "kept_out_because": [
            {
                "kind": "resource",
                "resource": "capex_short",
                "need": 675000.0,
                "left": 239000.0,
                "limit": 600000.0,
            }
        ],
        "cannot_add": "These constraints cannot all hold together: ...",
        "cannot_add_conflict": [
            {"kind": "resource", "resource": "capex_short", "limit": 600000.0},
            {"kind": "must_include", "action": "ECO-01"},
        ],
    }
    with translation.override("en"):
        assert cannot_text("ECO-01", why) == (
            "It fits in no package: it needs 675,000, more than the whole Short-term budget "
            "(US$) (600,000)."
        )
    # Forcing it in clashes with something else too: the clash is named, not the forcing.
    why["cannot_add_conflict"].append({"kind": "excludes", "actions": ["ECO-01", "NBS-02"]})
    with translation.override("en"):
        text = cannot_text("ECO-01", why)
    assert text.startswith(
        "It fits in no package: with it, these cannot all hold: the limit of 600,000"
    )
    assert "ECO-01 and NBS-02 exclude each other" in text and "must be in" not in text
    # An action that cannot be left out: without it, a sector minimum fails.
    kept = {
        "cannot_remove": "...",
        "cannot_remove_conflict": [
            {"kind": "sector", "sector": "health", "minimum": 1},
            {"kind": "must_exclude", "action": "HLT-01"},
        ],
    }
    with translation.override("fr"):
        assert "au moins 1" in cannot_text("HLT-01", kept) and "HLT-01" not in cannot_text(
            "HLT-01", kept
        )
    # Runs stored before the clash was data keep the engine's own sentence.
    assert cannot_text("X", {"cannot_add": "old sentence"}) == "old sentence"
    assert cannot_text("X", {"loss_if_removed": 3.0}) == ""


@pytest.mark.parametrize(
    ("package", "english", "french"),
    [
        ({"status": "optimal"}, "Proven optimal", "Optimalité prouvée"),
        ({"status": "feasible", "gap": 0.0123}, "at most 1.23 % below", "1,23"),
        ({"status": "no_solution"}, "Time ran out", "temps"),
        ({"status": "error"}, "report a problem", "signalez"),
        (
            {"status": "infeasible", "conflict": [{"kind": "max_actions", "maximum": 2}]},
            "This constraint cannot be met: at most 2 actions.",
            "2",
        ),
    ],
)
def test_every_engine_status_is_worded_in_the_readers_language(
    package: dict[str, object], english: str, french: str
) -> None:
    from recap.planning.wording import status_text

    with translation.override("en"):
        assert english in status_text(package)
    with translation.override("fr"):
        text = status_text(package)
    assert french in text and text != status_text(package)


def test_an_interval_the_engine_proved_reads_as_bounds_in_either_language() -> None:
    from django.utils import translation

    from recap.planning.wording import bounds_text

    assert bounds_text({"loss_if_removed": 3.0}) == ""  # the exact figure says it itself
    assert bounds_text({}) == ""
    closed = bounds_text({"loss_if_removed_between": [1.25, 3.5]})
    assert closed.startswith("Removing it would lose between 1.2 and 3.5 of value.")
    assert "Proven bounds" in closed
    opened = bounds_text({"cost_to_include_between": [2.0, None]})
    assert opened.startswith("Forcing it in would cost at least 2.0 of value.")
    with translation.override("fr"):
        french = bounds_text({"cost_to_include_between": [1234.5, 2000.25]})
    # Rounded outwards: the interval read still holds the one proven.
    assert french.startswith("L'imposer coûterait entre 1") and "2000,3" in french
    assert "Bornes prouvées" in french
