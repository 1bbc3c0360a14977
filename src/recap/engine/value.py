"""The resilience value model: from a city's hazards and an action's qualities to the value the
optimiser maximises, with every number traceable.

Contract: `action_scores(hazards, action)` returns the action's criterion scores in [0, 1] and
their breakdown; `action_value(scores, weights)` returns 100 × Σ weight × score with each
criterion's contribution. The model, in words:

1. **Hazard weight.** Each hazard h the city registered has a likelihood L and an impact I
   (1–5) and a trend. Its risk is r_h = (L × I) / 25 ∈ (0, 1], raised by 25 % when the trend is
   rising and lowered by 20 % when falling (capped at 1): rising risks weigh more.
2. **Resilience score.** An action's effectiveness e_h against hazard h is 0–3. Its risk
   reduction is Σ_h r_h e_h/3 divided by Σ_h r_h: the share of the city's weighted risk it
   addresses. Resilience = 0.8 × risk reduction + 0.2 × (qualities it shows / 7), the seven
   qualities of resilient systems (reflective, resourceful, robust, redundant, flexible,
   inclusive, integrated).
3. **Triple dividend.** Co-benefits are scored 0–3: economy (jobs, local economy), equity,
   climate (the better of mitigation and adaptation, plus a quarter of the other, capped at 3)
   and health preparedness. Each becomes score/3.
4. **Feasibility.** How readily the city can carry the action out (time, staff, approvals),
   rated 0–3 (2, "feasible with the usual effort", when not given); it becomes score/3.
5. **Value.** Criterion weights w (from the workshop: direct, swing or AHP) are normalised to
   sum to 1; value = 100 × Σ_c w_c × score_c, between 0 and 100. The result carries each
   criterion's score, weight and contribution, and each hazard's share of the resilience score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import validate as v
from .errors import ProblemError

QUALITIES = (
    "reflective",
    "resourceful",
    "robust",
    "redundant",
    "flexible",
    "inclusive",
    "integrated",
)
CO_BENEFITS = ("economy", "equity", "mitigation", "adaptation", "health")
CRITERIA = ("resilience", "economy", "equity", "climate", "health", "feasibility")
#: The weights (points) a new prioritisation session starts from: resilience first.
DEFAULT_WEIGHTS = {
    "resilience": 35.0,
    "economy": 13.0,
    "equity": 13.0,
    "climate": 13.0,
    "health": 13.0,
    "feasibility": 13.0,
}
#: The feasibility rating (0–3) of an action that gives none.
DEFAULT_FEASIBILITY = 2.0
TREND_FACTOR = {"rising": 1.25, "stable": 1.0, "falling": 0.8}


@dataclass(frozen=True)
class Hazard:
    id: str
    likelihood: int
    impact: int
    trend: str = "stable"

    @property
    def risk(self) -> float:
        return min(1.0, self.likelihood * self.impact / 25 * TREND_FACTOR[self.trend])


def parse_hazards(value: Any, path: str = "hazards") -> list[Hazard]:
    out = []
    seen = set()
    for i, raw in enumerate(v.array(value, path)):
        p = v.join(path, i)
        h = v.obj(raw, p)
        v.no_unknown_keys(h, ("id", "likelihood", "impact", "trend", "name"), p)
        ident = v.string(v.required(h, "id", p), v.join(p, "id"))
        if ident in seen:
            raise ProblemError(v.join(p, "id"), f"duplicate hazard {ident!r}")
        seen.add(ident)
        likelihood = v.integer(v.required(h, "likelihood", p), v.join(p, "likelihood"), minimum=1)
        impact = v.integer(v.required(h, "impact", p), v.join(p, "impact"), minimum=1)
        if likelihood > 5:
            raise ProblemError(v.join(p, "likelihood"), "must be a whole number from 1 to 5")
        if impact > 5:
            raise ProblemError(v.join(p, "impact"), "must be a whole number from 1 to 5")
        trend = v.string(h.get("trend", "stable"), v.join(p, "trend"))
        if trend not in TREND_FACTOR:
            raise ProblemError(v.join(p, "trend"), "must be rising, stable or falling")
        out.append(Hazard(ident, likelihood, impact, trend))
    return out


def _score(value: Any, path: str) -> float:
    x = v.number(value, path, minimum=0)
    if x > 3:
        raise ProblemError(path, "must be a number from 0 to 3")
    return x


def action_scores(
    hazards: Sequence[Hazard],
    *,
    effectiveness: Mapping[str, float],
    qualities: Sequence[str],
    co_benefits: Mapping[str, float],
    feasibility: float = DEFAULT_FEASIBILITY,
) -> dict[str, Any]:
    """Criterion scores in [0, 1] of one action, with the breakdown behind each."""
    total_risk = sum(h.risk for h in hazards)
    per_hazard = {}
    reduction = 0.0
    for h in hazards:
        e = float(effectiveness.get(h.id, 0.0))
        share = h.risk * e / 3 / total_risk if total_risk > 0 else 0.0
        reduction += share
        per_hazard[h.id] = {"risk": h.risk, "effectiveness": e, "contribution": share}
    quality_share = len(set(qualities)) / len(QUALITIES)
    resilience = 0.8 * reduction + 0.2 * quality_share
    mitigation, adaptation = co_benefits.get("mitigation", 0.0), co_benefits.get("adaptation", 0.0)
    climate = min(3.0, max(mitigation, adaptation) + 0.25 * min(mitigation, adaptation))
    scores = {
        "resilience": resilience,
        "economy": co_benefits.get("economy", 0.0) / 3,
        "equity": co_benefits.get("equity", 0.0) / 3,
        "climate": climate / 3,
        "health": co_benefits.get("health", 0.0) / 3,
        "feasibility": feasibility / 3,
    }
    return {
        "scores": scores,
        "risk_reduction": reduction,
        "qualities_share": quality_share,
        "hazards": per_hazard,
    }


def weighted_value(scores: Sequence[float], weights: Sequence[float]) -> float:
    """The value (0–100) of criterion scores in [0, 1] under weights: 100 × Σ wᵢ sᵢ / Σ wᵢ.
    The one formula behind every action's value: the catalogue's, a run's, each
    re-optimisation's."""
    total = float(sum(weights))
    if total <= 0:
        raise ProblemError("weights", "at least one criterion weight must be > 0")
    return 100 * sum(w * s for w, s in zip(weights, scores, strict=True)) / total


def action_value(scores: Mapping[str, float], weights: Mapping[str, float]) -> dict[str, Any]:
    total = sum(weights.get(c, 0.0) for c in CRITERIA)
    if total <= 0:
        raise ProblemError("weights", "at least one criterion weight must be > 0")
    contributions = {c: 100 * weights.get(c, 0.0) / total * scores[c] for c in CRITERIA}
    return {
        "value": weighted_value(
            [scores[c] for c in CRITERIA], [weights.get(c, 0.0) for c in CRITERIA]
        ),
        "criteria": {
            c: {
                "score": scores[c],
                "weight": weights.get(c, 0.0) / total,
                "contribution": contributions[c],
            }
            for c in CRITERIA
        },
    }


def evaluate(data: Any) -> dict[str, Any]:
    """The `recap value` verb: hazards + actions + weights → each action's value and breakdown."""
    root = v.obj(data, "")
    v.no_unknown_keys(root, ("hazards", "actions", "weights"), "")
    hazards = parse_hazards(v.required(root, "hazards", ""))
    known = {h.id for h in hazards}
    raw_weights = v.obj(v.required(root, "weights", ""), "weights")
    weights = {}
    for name, w in raw_weights.items():
        if name not in CRITERIA:
            raise ProblemError(
                v.join("weights", name),
                f"unknown criterion (expected one of: {', '.join(CRITERIA)})",
            )
        weights[name] = v.number(w, v.join("weights", name), minimum=0)
    results = {}
    for i, raw in enumerate(v.array(v.required(root, "actions", ""), "actions")):
        p = v.join("actions", i)
        a = v.obj(raw, p)
        v.no_unknown_keys(
            a, ("id", "effectiveness", "qualities", "co_benefits", "feasibility", "name"), p
        )
        ident = v.string(v.required(a, "id", p), v.join(p, "id"))
        if ident in results:
            raise ProblemError(v.join(p, "id"), f"duplicate id {ident!r}")
        eff = {}
        for hz, e in v.obj(a.get("effectiveness", {}), v.join(p, "effectiveness")).items():
            ep = v.join(v.join(p, "effectiveness"), hz)
            if hz not in known:
                raise ProblemError(ep, f"{hz!r} is not one of the hazards")
            eff[hz] = _score(e, ep)
        qualities = [
            v.string(q, v.join(v.join(p, "qualities"), k))
            for k, q in enumerate(v.array(a.get("qualities", []), v.join(p, "qualities")))
        ]
        for k, q in enumerate(qualities):
            if q not in QUALITIES:
                raise ProblemError(
                    v.join(v.join(p, "qualities"), k), f"must be one of {', '.join(QUALITIES)}"
                )
        co = {}
        for name, s in v.obj(a.get("co_benefits", {}), v.join(p, "co_benefits")).items():
            cp = v.join(v.join(p, "co_benefits"), name)
            if name not in CO_BENEFITS:
                raise ProblemError(cp, f"must be one of {', '.join(CO_BENEFITS)}")
            co[name] = _score(s, cp)
        feasibility = (
            _score(a["feasibility"], v.join(p, "feasibility"))
            if "feasibility" in a
            else DEFAULT_FEASIBILITY
        )
        detail = action_scores(
            hazards,
            effectiveness=eff,
            qualities=qualities,
            co_benefits=co,
            feasibility=feasibility,
        )
        results[ident] = detail | action_value(detail["scores"], weights)
    return {
        "values": {k: r["value"] for k, r in results.items()},
        "actions": results,
        "hazards": {
            h.id: {"risk": h.risk, "likelihood": h.likelihood, "impact": h.impact, "trend": h.trend}
            for h in hazards
        },
    }
