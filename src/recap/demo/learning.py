"""The demo's lessons, written through the services: the Kigali deep dive as the flagship case
study (from the programme's own description of it; marked illustrative), Rajshahi's water
kiosks (published), and Sebkha's flood preparedness (submitted, waiting for the programme)."""

from __future__ import annotations

from recap.accounts.models import User
from recap.catalogue.models import CatalogueAction
from recap.cities.models import City
from recap.hazards.models import HazardType
from recap.learning.models import Lesson
from recap.learning.services import lesson_decide, lesson_save, lesson_submit

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
    manager = User.objects.get(username="programme.manager")
    hazards = {h.code: h for h in HazardType.objects.all()}
    actions = {a.code: a for a in CatalogueAction.objects.all()}
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
        Lesson.objects.filter(pk=lesson.pk).update(is_illustrative=bool(raw["illustrative"]))
