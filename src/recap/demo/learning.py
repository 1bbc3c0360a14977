"""The demo's peer learning, written through the services.

- Lessons: the Kigali deep dive as the flagship case study (from the programme's own
  description of it; marked illustrative), Rajshahi's water kiosks and flood warnings
  (published), and Sebkha's flood preparedness (submitted, waiting for the programme); each in
  English and French (`lessons_fr.json`).
- Peer profiles: income groups (World Bank, FY2025), working languages and population growth
  (illustrative rounded figures), and Ten Essentials assessments for Rajshahi and Sebkha
  (illustrative scores) so that "can help me" has something to read.
- Exchanges: Sebkha asks Rajshahi about its kiosks (answered); Kigali proposes a call to
  Musanze (awaiting a reply). The programme pins Kigali among Sebkha's helpers.
"""

from __future__ import annotations

import json
from importlib import resources

from django.utils import translation

from recap.accounts.models import User
from recap.assessments.models import Framework, Question
from recap.assessments.services import (
    AnswerInput,
    answers_save,
    assessment_complete,
    assessment_start,
)
from recap.catalogue.models import CatalogueAction
from recap.cities.models import City
from recap.hazards.models import HazardType
from recap.learning.models import Lesson
from recap.learning.search import index_rebuild
from recap.learning.services import (
    exchange_reply,
    exchange_start,
    lesson_decide,
    lesson_save,
    lesson_submit,
    match_override,
)

LESSONS = [
    {
        "city": "kigali",
        "editor": "kigali.editor",
        "kind": Lesson.Kind.CASE_STUDY,
        "title": "Kigali's resilient recovery deep dive",
        "summary": (
            "With its Chief Resilience Officer, Kigali turned its recovery from the pandemic "
            "into a portfolio of transformative actions other cities can learn from."
        ),
        "context": (
            "Kigali came out of the pandemic with stretched health services, informal workers "
            "who had lost their income, and rising flood risk in its wetlands."
        ),
        "what_was_done": (
            "A deep dive led by the Chief Resilience Officer: the hazards register and the "
            "baseline assessment, a prioritisation workshop with finance and community "
            "representatives, and project concepts for the actions with the highest triple "
            "dividend."
        ),
        "results": (
            "A package of seven actions endorsed by the city; two project concepts in the "
            "pipeline; solar street lights at twelve health centres reaching about 9,800 people."
        ),
        "differently": (
            "Bring the finance department in from the first workshop, not the second: its "
            "weights changed the package."
        ),
        "partners": "City of Kigali; UN-Habitat; ICLEI",
        "hazards": ["flood_flash", "epidemic"],
        "actions": ["DRM-01", "HLT-01"],
        "illustrative": True,
        "publish": True,
    },
    {
        "city": "rajshahi",
        "editor": "rajshahi.editor",
        "kind": Lesson.Kind.LESSON,
        "title": "Drinking-water kiosks where people gather",
        "summary": "Eight kiosks selling safe water by card near markets and bus stands.",
        "context": "Heat waves and unsafe water sent people to clinics every summer.",
        "what_was_done": "Kiosks built with the city corporation, run on a card system.",
        "results": "About 12,400 people use them; the city co-financed a quarter of the cost.",
        "differently": "Agree the card's price with traders before opening.",
        "cost_usd": 48_000,
        "partners": "Rajshahi City Corporation",
        "hazards": ["extreme_heat", "water_insecurity"],
        "actions": ["WAT-01"],
        "illustrative": True,
        "publish": True,
    },
    {
        "city": "rajshahi",
        "editor": "rajshahi.editor",
        "kind": Lesson.Kind.LESSON,
        "title": "Warning the riverbank wards before the Padma rises",
        "summary": (
            "Ward volunteers pass on the flood warning by SMS, loudhailer and mosque, and walk "
            "families to agreed shelters."
        ),
        "context": (
            "When the Padma rises, Rajshahi's riverbank wards flood; the national warning came "
            "late and did not reach households without a phone."
        ),
        "what_was_done": (
            "Forty volunteers trained, a contact list per ward, three shelters agreed with "
            "schools, and a drill before the monsoon."
        ),
        "results": (
            "In the 2024 flood 2,100 people reached the shelters before the water; no deaths "
            "in the wards covered."
        ),
        "differently": (
            "Train imams and teachers as relays from the start: they reach the households "
            "SMS does not."
        ),
        "cost_usd": 18_000,
        "partners": "Rajshahi City Corporation; Bangladesh Red Crescent",
        "hazards": ["flood_riverine", "flood_flash"],
        "actions": ["DRM-01"],
        "illustrative": True,
        "publish": True,
    },
    {
        "city": "sebkha",
        "editor": "sebkha.editor",
        "kind": Lesson.Kind.LESSON,
        "title": "Getting ready for flash floods in Sebkha",
        "summary": "A shared contact list, roles and a drill plan agreed with response partners.",
        "context": "Flash floods cut the commune's neighbourhoods off after heavy rain.",
        "what_was_done": "A preparedness training and a coordination agreement.",
        "results": "Partners agreed roles; the first drill is planned.",
        "hazards": ["flood_flash", "flood_coastal"],
        "illustrative": True,
        "publish": False,
    },
]


def demo_lessons(cities: dict[str, City]) -> None:
    if Lesson.objects.exists():
        return
    with translation.override("en"):  # the English texts go in the English columns
        _demo_lessons(cities)
    demo_peers(cities)
    index_rebuild()


def _demo_lessons(cities: dict[str, City]) -> None:
    manager = User.objects.get(username="programme.manager")
    hazards = {h.code: h for h in HazardType.objects.all()}
    actions = {a.code: a for a in CatalogueAction.objects.all()}
    french = json.loads(
        resources.files("recap.demo").joinpath("lessons_fr.json").read_text("utf-8")
    )
    for raw in LESSONS:
        city = cities[str(raw["city"])]
        editor = User.objects.get(username=str(raw["editor"]))
        lesson = lesson_save(
            actor=editor,
            city=city,
            data={
                "kind": raw["kind"],
                "title": raw["title"],
                "summary": raw["summary"],
                "context": raw["context"],
                "what_was_done": raw["what_was_done"],
                "results": raw["results"],
                "differently": raw.get("differently", ""),
                "cost_usd": raw.get("cost_usd"),
                "partners": raw.get("partners", ""),
                "hazards": [hazards[c] for c in raw["hazards"] if c in hazards],  # type: ignore[attr-defined]
                "actions": [actions[c] for c in raw.get("actions", []) if c in actions],  # type: ignore[attr-defined]
                "measures": list(city.measures.all()),
            },
        )
        lesson_submit(actor=editor, lesson=lesson)
        if raw["publish"]:
            lesson_decide(actor=manager, lesson=lesson, publish=True)
        # The demo's own words, not a city's: the page says so.
        Lesson.objects.filter(pk=lesson.pk).update(
            is_illustrative=bool(raw["illustrative"]),
            **{f"{name}_fr": text for name, text in french.get(str(raw["title"]), {}).items()},
        )


# Peer profiles: income group by country (World Bank FY2025), and per city its working
# languages and population growth in % a year (illustrative rounded figures).
INCOME = {"RW": "low", "BD": "lower_middle", "MR": "lower_middle"}
PROFILES = {
    "kigali": (["rw", "en", "fr"], "3.8"),
    "musanze": (["rw", "en", "fr"], "2.4"),
    "rajshahi": (["bn", "en"], "1.6"),
    "sylhet": (["bn", "en"], "2.1"),
    "sebkha": (["ar", "fr"], "3.2"),
}
# Illustrative Ten Essentials scores (0–3) by essential: Rajshahi strong on early warning and
# infrastructure, Sebkha weak on most.
ESSENTIAL_SCORES = {
    "rajshahi": {
        "E01": 2,
        "E02": 3,
        "E03": 2,
        "E04": 2,
        "E05": 1,
        "E06": 2,
        "E07": 3,
        "E08": 3,
        "E09": 3,
        "E10": 2,
    },
    "sebkha": {
        "E01": 1,
        "E02": 1,
        "E03": 0,
        "E04": 1,
        "E05": 1,
        "E06": 1,
        "E07": 2,
        "E08": 0,
        "E09": 1,
        "E10": 0,
    },
}


def demo_peers(cities: dict[str, City]) -> None:
    from recap.cities.models import Country

    User.objects.filter(username="sebkha.editor").update(language="fr")
    for iso2, group in INCOME.items():
        Country.objects.filter(iso2=iso2).update(income_group=group)
    for slug, (languages, growth) in PROFILES.items():
        # The pilot cities share their registers and assessments with their peers.
        City.objects.filter(slug=slug).update(
            languages=languages, population_growth=growth, shares_with_peers=True
        )
    admin = User.objects.get(username="admin")
    framework = Framework.objects.get(code="ten-essentials-preliminary")
    questions = list(Question.objects.filter(framework=framework).select_related("dimension"))
    for slug, scores in ESSENTIAL_SCORES.items():
        assessment = assessment_start(
            actor=admin,
            city=cities[slug],
            framework=framework,
            title="Preliminary scorecard 2025",
            respondents="Resilience focal point\nPlanning\nWater and sanitation",
        )
        answers_save(
            actor=admin,
            assessment=assessment,
            answers={q.code: AnswerInput(score=scores[q.dimension.code]) for q in questions},
        )
        assessment_complete(actor=admin, assessment=assessment)
    sebkha, rajshahi = (
        User.objects.get(username="sebkha.editor"),
        User.objects.get(username="rajshahi.editor"),
    )
    kiosks = Lesson.objects.get(title_en="Drinking-water kiosks where people gather")
    with translation.override("fr"):
        asked = exchange_start(
            actor=sebkha,
            from_city=cities["sebkha"],
            to_city=cities["rajshahi"],
            kind="question",
            subject="Vos kiosques à eau : qui fixe le prix ?",
            body=(
                "Bonjour, nous préparons des points d'eau près du marché de Sebkha. Comment "
                "avez-vous fixé le prix de la carte avec les commerçants ?"
            ),
            lesson=kiosks,
        )
    exchange_reply(
        actor=rajshahi,
        exchange=asked,
        body=(
            "We agreed it in two meetings with the market committee, before opening: the price "
            "covers maintenance only. Happy to share the agreement (in English)."
        ),
    )
    exchange_start(
        actor=User.objects.get(username="kigali.editor"),
        from_city=cities["kigali"],
        to_city=cities["musanze"],
        kind="call",
        subject="A call on landslide mapping",
        body="Could your planning team show us how you mapped the slopes above the town?",
    )
    match_override(
        actor=User.objects.get(username="programme.manager"),
        city=cities["sebkha"],
        peer=cities["kigali"],
        kind="help",
        action="pin",
        note="Kigali's Chief Resilience Officer offered to mentor Sebkha's team.",
    )
