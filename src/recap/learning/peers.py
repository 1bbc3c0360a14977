"""Peer matching that explains itself: for a city, the cities *similar to me* and the cities
that *can help me*, each with every factor's contribution in points.

The method is deterministic and documented here (README, "Peer learning"):

**Similar to me** (at most 100 points; a factor missing on either side gives 0 and says so):

| factor | points | similarity |
|---|---|---|
| hazard profile | 35 | cosine of the two registers' likelihood × impact scores, hazard by hazard |
| main stresses | 15 | shared share (Jaccard) of the stresses scored 8 or more |
| population band | 10 | same UN size class 1, neighbouring class 0.5 |
| population growth | 5 | 1 − difference in points a year / 3, at least 0 |
| region | 10 | same region 1 |
| income group | 10 | same World Bank group 1, neighbouring group 0.5 |
| language | 15 | one working language in common 1 |

**Can help me** (at most 100 points):

- *Strong where I am weak* (50): over this city's weak essentials (mean under half the scale in
  its latest completed assessment of the Ten Essentials), the peer's lead on each where the peer
  is strong (two thirds of the scale or more), averaged: a lead of the whole scale on every weak
  essential gives 50.
- *Has addressed my top hazards* (50): over this city's three highest-scored hazards, the
  peer's measures under way or done, published lessons and concepts submitted to the pipeline
  that address each, two items or more counting in full.

A city's register, assessment results, measures and concepts are read only if it shares them
with peer cities (`City.shares_with_peers`, set on its profile); otherwise those factors give
0 and say "not shared", and only its public facts and published lessons count. Ties go by the
city's name (and the top hazards by code, the same in every language). The programme may pin a
match (shown first, whatever its score) or
hide it (the city no longer sees it; the programme does, marked).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recap.assessments.models import Answer, Assessment, Dimension
from recap.cities.models import WORKING_LANGUAGES, City, IncomeGroup
from recap.core.content import reader_language
from recap.hazards.models import CityHazard, HazardType
from recap.pipeline.selectors import concepts_submitted
from recap.tracking.models import Measure

from .models import Lesson, PeerList, PeerOverride

ESSENTIALS = "ten-essentials-preliminary"
SIMILAR_WEIGHTS = {
    "hazards": 35,
    "stresses": 15,
    "population": 10,
    "growth": 5,
    "region": 10,
    "income": 10,
    "language": 15,
}
STRESS_SCORE = 8  # a stress scored this or more (likelihood × impact) is a main one
TOP_HAZARDS = 3
WEAK_SHARE = 0.5
STRONG_SHARE = 2 / 3
FULL_EVIDENCE = 2
SHOWN = 8
#: UN city size classes (World Urbanization Prospects), upper bounds.
POPULATION_BANDS = (300_000, 1_000_000, 5_000_000, 10_000_000)
INCOME_ORDER = [g.value for g in IncomeGroup]


@dataclass
class Profile:
    """What matching reads about one city."""

    city: City
    shares: bool = True  # False: only its public facts and published lessons are read
    hazards: dict[str, float] = field(default_factory=dict)  # code → likelihood × impact
    stresses: set[str] = field(default_factory=set)
    essentials: dict[str, float] = field(default_factory=dict)  # dimension code → share 0..1
    scale: int = 3
    # hazard code → kind ("measure", "lesson", "concept") → count
    offers: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))


@dataclass(frozen=True)
class Factor:
    label: str
    detail: str
    points: float
    out_of: float


@dataclass
class Match:
    peer: City
    kind: str
    factors: list[Factor]
    pinned: bool = False
    hidden: bool = False
    note: str = ""

    @property
    def score(self) -> float:
        return round(sum(f.points for f in self.factors), 1)

    @property
    def scoring(self) -> list[Factor]:
        """The factors that gave points, most first (the page shows these; the API all)."""
        return sorted((f for f in self.factors if f.points > 0), key=lambda f: -f.points)

    @property
    def silent(self) -> list[Factor]:
        """The factors that gave no points: counted on the page, not listed row by row."""
        return [f for f in self.factors if f.points <= 0]


def population_band(population: int | None) -> int | None:
    if not population:
        return None
    return sum(population > bound for bound in POPULATION_BANDS)


def _band_name(band: int) -> str:
    return [
        _("under 300,000"),
        _("300,000 to 1 million"),
        _("1 to 5 million"),
        _("5 to 10 million"),
        _("over 10 million"),
    ][band]


def profiles(cities: list[City], reader: City | None = None) -> dict[int, Profile]:
    """Profiles of `cities` in a fixed number of queries, however many there are. A city's
    register, assessment, measures and concepts are read only if it shares them with peer
    cities (or it is the `reader`, matched against the others); published lessons are public."""
    out = {
        c.pk: Profile(city=c, shares=c.shares_with_peers or (reader is not None and c == reader))
        for c in cities
    }
    everyone = list(out)
    ids = [pk for pk, p in out.items() if p.shares]
    for entry in CityHazard.objects.filter(city_id__in=ids).values(
        "city_id", "hazard__code", "hazard__kind", "likelihood", "impact"
    ):
        p = out[entry["city_id"]]
        score = entry["likelihood"] * entry["impact"]
        p.hazards[entry["hazard__code"]] = float(score)
        if entry["hazard__kind"] == HazardType.Kind.STRESS and score >= STRESS_SCORE:
            p.stresses.add(entry["hazard__code"])
    latest: dict[int, int] = {}
    for city_id, pk in (
        Assessment.objects.filter(
            city_id__in=ids, framework__code=ESSENTIALS, status=Assessment.Status.COMPLETED
        )
        .order_by("city_id", "completed_at", "pk")
        .values_list("city_id", "pk")
    ):
        latest[city_id] = pk  # the last one wins
    by_assessment = {pk: city_id for city_id, pk in latest.items()}
    scale = (
        Assessment.objects.filter(pk__in=by_assessment)
        .values_list("framework__scale_max", flat=True)
        .first()
    )
    row: dict[str, Any]
    for row in (
        Answer.objects.filter(assessment_id__in=by_assessment, score__isnull=False)
        .values("assessment_id", "question__dimension__code")
        .annotate(mean=Avg("score"))
    ):
        p = out[by_assessment[row["assessment_id"]]]
        p.scale = scale or 3
        p.essentials[row["question__dimension__code"]] = float(row["mean"]) / p.scale
    for city_id, code in Measure.objects.filter(
        city_id__in=ids, status__in=(Measure.Status.IN_PROGRESS, Measure.Status.IMPLEMENTED)
    ).values_list("city_id", "hazards__code"):
        _count(out, city_id, code, "measure")
    for city_id, code in Lesson.objects.filter(
        city_id__in=everyone, status=Lesson.Status.PUBLISHED
    ).values_list("city_id", "hazards__code"):
        _count(out, city_id, code, "lesson")
    for city_id, codes in concepts_submitted(city_ids=ids).values_list("city_id", "hazards"):
        for code in codes or []:
            _count(out, city_id, code, "concept")
    return out


def _count(out: dict[int, Profile], city_id: int, code: str | None, kind: str) -> None:
    if code:
        offers = out[city_id].offers[code]
        offers[kind] = offers.get(kind, 0) + 1


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def _unknown(label: str, weight: float) -> Factor:
    return Factor(label, _("not known for one of the two cities"), 0.0, weight)


def _not_shared(label: str, weight: float) -> Factor:
    return Factor(label, _("not shared by this city"), 0.0, weight)


def similar_factors(me: Profile, peer: Profile, names: dict[str, str]) -> list[Factor]:
    w = SIMILAR_WEIGHTS
    factors = []
    label = _("Hazard profile")
    if not peer.shares:
        factors.append(_not_shared(label, w["hazards"]))
    elif me.hazards and peer.hazards:
        shared = sorted(
            set(me.hazards) & set(peer.hazards), key=lambda c: (-me.hazards[c], names.get(c, c))
        )
        detail = (
            _("both face %(list)s") % {"list": ", ".join(names.get(c, c) for c in shared[:4])}
            if shared
            else _("no hazard in common")
        )
        factors.append(
            Factor(label, detail, w["hazards"] * _cosine(me.hazards, peer.hazards), w["hazards"])
        )
    else:
        factors.append(_unknown(label, w["hazards"]))
    label = _("Main stresses")
    if not peer.shares:
        factors.append(_not_shared(label, w["stresses"]))
    elif not (me.hazards and peer.hazards):
        factors.append(_unknown(label, w["stresses"]))
    elif not (me.stresses and peer.stresses):
        detail = _("no stress scored %(n)s or more in one of the two registers") % {
            "n": STRESS_SCORE
        }
        factors.append(Factor(label, detail, 0.0, w["stresses"]))
    else:
        shared_stresses = sorted(me.stresses & peer.stresses, key=lambda c: names.get(c, c))
        share = len(shared_stresses) / len(me.stresses | peer.stresses)
        detail = (
            _("both under %(list)s") % {"list": ", ".join(names.get(c, c) for c in shared_stresses)}
            if shared_stresses
            else _("different main stresses")
        )
        factors.append(Factor(label, detail, w["stresses"] * share, w["stresses"]))
    factors += _context_factors(me.city, peer.city)
    return [Factor(f.label, f.detail, round(f.points, 1), f.out_of) for f in factors]


def _context_factors(me: City, peer: City) -> list[Factor]:
    w = SIMILAR_WEIGHTS
    out = []
    label = _("Population")
    mine, theirs = population_band(me.population), population_band(peer.population)
    if mine is None or theirs is None:
        out.append(_unknown(label, w["population"]))
    else:
        similarity = {0: 1.0, 1: 0.5}.get(abs(mine - theirs), 0.0)
        detail = (
            _("both %(band)s") % {"band": _band_name(mine)}
            if mine == theirs
            else _("%(band)s against your %(mine)s")
            % {"band": _band_name(theirs), "mine": _band_name(mine)}
        )
        out.append(Factor(label, detail, w["population"] * similarity, w["population"]))
    label = _("Population growth")
    if me.population_growth is None or peer.population_growth is None:
        out.append(_unknown(label, w["growth"]))
    else:
        gap = abs(Decimal(me.population_growth) - Decimal(peer.population_growth))
        similarity = max(0.0, 1 - float(gap) / 3)
        detail = _("%(theirs)s%% a year against your %(mine)s%%") % {
            "theirs": number_format(peer.population_growth, decimal_pos=1),
            "mine": number_format(me.population_growth, decimal_pos=1),
        }
        out.append(Factor(label, detail, w["growth"] * similarity, w["growth"]))
    same_region = me.country.region == peer.country.region
    out.append(
        Factor(
            _("Region"),
            peer.country.get_region_display() if same_region else _("another region"),
            float(w["region"]) if same_region else 0.0,
            w["region"],
        )
    )
    label = _("Income group")
    a, b = me.country.income_group, peer.country.income_group
    if not a or not b:
        out.append(_unknown(label, w["income"]))
    else:
        similarity = {0: 1.0, 1: 0.5}.get(abs(INCOME_ORDER.index(a) - INCOME_ORDER.index(b)), 0.0)
        out.append(
            Factor(
                label,
                peer.country.get_income_group_display(),
                w["income"] * similarity,
                w["income"],
            )
        )
    label = _("Language")
    if not me.languages or not peer.languages:
        out.append(_unknown(label, w["language"]))
    else:
        common = [code for code in me.languages if code in peer.languages]
        detail = (
            _("both work in %(list)s") % {"list": ", ".join(_language_name(c) for c in common)}
            if common
            else _("no working language in common")
        )
        out.append(Factor(label, detail, float(w["language"]) if common else 0.0, w["language"]))
    return out


def _language_name(code: str) -> str:
    """A working language's name inside a sentence: French writes it in lower case
    ("toutes deux travaillent en français"), English capitalised."""
    name = str(dict(WORKING_LANGUAGES).get(code, code))
    return name.lower() if reader_language() == "fr" else name


def help_factors(
    me: Profile, peer: Profile, names: dict[str, str], dimensions: dict[str, str]
) -> list[Factor]:
    factors = []
    weak = sorted(code for code, share in me.essentials.items() if share < WEAK_SHARE)
    if not weak:
        factors.append(
            Factor(
                _("Strong where you are weak"),
                _("no completed Ten Essentials assessment with a weak essential")
                if not me.essentials
                else _("no essential is weak in your latest assessment"),
                0.0,
                50,
            )
        )
    if weak and not peer.shares:
        factors.append(_not_shared(_("Strong where you are weak"), 50))
        weak = []
    for code in weak:
        theirs = peer.essentials.get(code)
        lead = (theirs - me.essentials[code]) if theirs is not None else 0.0
        strong = theirs is not None and theirs >= STRONG_SHARE and lead > 0
        detail = (
            _("they are strong (%(theirs)s of %(scale)s); you have %(mine)s")
            % {
                "theirs": number_format(theirs * peer.scale, decimal_pos=1),
                "mine": number_format(me.essentials[code] * me.scale, decimal_pos=1),
                "scale": peer.scale,
            }
            if strong and theirs is not None
            else _("they are not strong here either")
            if theirs is not None
            else _("not assessed by them")
        )
        points = 50 * lead / len(weak) if strong else 0.0
        factors.append(
            Factor(
                _("Strong where you are weak: %(essential)s")
                % {"essential": dimensions.get(code, code)},
                detail,
                round(points, 1),
                round(50 / len(weak), 1),
            )
        )
    # Ties by code, not by name: the same three hazards in every language.
    top = sorted(me.hazards, key=lambda c: (-me.hazards[c], c))[:TOP_HAZARDS]
    if not top:
        factors.append(
            Factor(_("Has addressed your top hazards"), _("your register is empty"), 0.0, 50)
        )
    for code in top:
        offers = peer.offers.get(code, {})
        items = sum(offers.values())
        parts = [
            ngettext("%(n)s measure", "%(n)s measures", n) % {"n": n}
            if kind == "measure"
            else ngettext("%(n)s published lesson", "%(n)s published lessons", n) % {"n": n}
            if kind == "lesson"
            else ngettext("%(n)s concept in the pipeline", "%(n)s concepts in the pipeline", n)
            % {"n": n}
            for kind in ("measure", "lesson", "concept")
            if (n := offers.get(kind, 0))
        ]
        factors.append(
            Factor(
                _("Has addressed %(hazard)s") % {"hazard": names.get(code, code)},
                ", ".join(parts)
                if parts
                else _("nothing recorded yet")
                if peer.shares
                else _("no published lesson; the rest is not shared"),
                round(50 / len(top) * min(1.0, items / FULL_EVIDENCE), 1),
                round(50 / len(top), 1),
            )
        )
    return factors


def candidates(city: City) -> list[City]:
    """The cities a city is matched with: every public city but itself."""
    return list(
        City.objects.filter(Q(is_public=True) | Q(pk=city.pk))
        .select_related("country")
        .order_by("name")
    )


def matches(
    city: City, *, include_hidden: bool = False, limit: int = SHOWN
) -> dict[str, list[Match]]:
    """Both lists for `city`: pinned matches first, then by score (highest first), then by
    name; matches with no points are left out unless pinned; hidden ones only when asked."""
    cities = candidates(city)
    found = profiles(cities, reader=city)
    me = found[city.pk]
    names = dict(HazardType.objects.values_list("code", "name"))
    dimensions = {
        d.code: f"{d.code} {d.name}" for d in Dimension.objects.filter(framework__code=ESSENTIALS)
    }
    overrides = {(o.peer_id, o.kind): o for o in PeerOverride.objects.filter(city=city)}
    out: dict[str, list[Match]] = {}
    for kind in PeerList.values:
        listed = []
        for peer_id, peer in found.items():
            if peer_id == city.pk:
                continue
            factors = (
                similar_factors(me, peer, names)
                if kind == PeerList.SIMILAR
                else help_factors(me, peer, names, dimensions)
            )
            override = overrides.get((peer_id, kind))
            match = Match(
                peer=peer.city,
                kind=kind,
                factors=factors,
                pinned=bool(override and override.action == PeerOverride.Action.PIN),
                hidden=bool(override and override.action == PeerOverride.Action.HIDE),
                note=override.note if override else "",
            )
            if match.hidden and not include_hidden:
                continue
            if match.score <= 0 and not match.pinned:
                continue
            listed.append(match)
        listed.sort(key=lambda m: (not m.pinned, -m.score, m.peer.name))
        out[kind] = listed[:limit] + [m for m in listed[limit:] if m.pinned]
    return out
