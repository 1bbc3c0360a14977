from __future__ import annotations

import pytest

from recap.engine import ProblemError
from recap.engine.value import Hazard, action_scores, action_value, evaluate

HAZARDS = [
    Hazard("flood", 5, 4, "rising"),
    Hazard("heat", 3, 3, "stable"),
    Hazard("epidemic", 2, 5, "falling"),
]


def test_risk_weighs_likelihood_impact_and_trend() -> None:
    assert HAZARDS[0].risk == 1.0  # 20/25 × 1.25, capped at 1
    assert HAZARDS[1].risk == pytest.approx(9 / 25)
    assert HAZARDS[2].risk == pytest.approx(10 / 25 * 0.8)


def test_every_number_is_traceable() -> None:
    detail = action_scores(
        HAZARDS,
        effectiveness={"flood": 3, "heat": 0, "epidemic": 1.5},
        qualities=["robust", "redundant", "inclusive"],
        co_benefits={"economy": 2, "equity": 3, "mitigation": 1, "adaptation": 3, "health": 0},
    )
    total = 1.0 + 0.36 + 0.32
    flood, epidemic = 1.0 / total, 0.32 * 0.5 / total
    assert detail["hazards"]["flood"]["contribution"] == pytest.approx(flood)
    assert detail["hazards"]["heat"]["contribution"] == 0
    assert detail["risk_reduction"] == pytest.approx(flood + epidemic)
    scores = detail["scores"]
    assert scores["resilience"] == pytest.approx(0.8 * (flood + epidemic) + 0.2 * 3 / 7)
    assert scores["climate"] == pytest.approx(min(3, 3 + 0.25) / 3)
    assert scores["economy"] == pytest.approx(2 / 3)
    value = action_value(
        scores, {"resilience": 2, "economy": 1, "equity": 1, "climate": 0, "health": 0}
    )
    parts = value["criteria"]
    assert value["value"] == pytest.approx(sum(p["contribution"] for p in parts.values()))
    assert parts["resilience"]["weight"] == pytest.approx(0.5)
    assert 0 <= value["value"] <= 100


def test_an_action_against_nothing_the_city_faces_scores_only_its_qualities() -> None:
    detail = action_scores(HAZARDS, effectiveness={}, qualities=QUALITIES_ALL, co_benefits={})
    assert detail["scores"]["resilience"] == pytest.approx(0.2)


QUALITIES_ALL = [
    "reflective",
    "resourceful",
    "robust",
    "redundant",
    "flexible",
    "inclusive",
    "integrated",
]


def test_evaluate_verb_and_its_errors() -> None:
    data = {
        "hazards": [{"id": "flood", "likelihood": 4, "impact": 4, "trend": "rising"}],
        "actions": [{"id": "drain", "effectiveness": {"flood": 3}, "co_benefits": {"economy": 1}}],
        "weights": {"resilience": 1},
    }
    out = evaluate(data)
    assert out["values"]["drain"] == pytest.approx(80.0)
    bad = [
        (
            data | {"hazards": [{"id": "flood", "likelihood": 6, "impact": 4}]},
            r"hazards\[0\].likelihood: must be a whole number from 1 to 5",
        ),
        (
            data | {"actions": [{"id": "d", "effectiveness": {"quake": 1}}]},
            r"actions\[0\].effectiveness.quake: 'quake' is not one of the hazards",
        ),
        (
            data | {"actions": [{"id": "d", "effectiveness": {"flood": 4}}]},
            r"actions\[0\].effectiveness.flood: must be a number from 0 to 3",
        ),
        (
            data | {"actions": [{"id": "d", "qualities": ["shiny"]}]},
            r"actions\[0\].qualities\[0\]: must be one of",
        ),
        (data | {"weights": {"beauty": 1}}, r"weights.beauty: unknown criterion"),
        (
            data | {"weights": {"resilience": 0}},
            r"weights: at least one criterion weight must be > 0",
        ),
    ]
    for payload, message in bad:
        with pytest.raises(ProblemError, match=message):
            evaluate(payload)
