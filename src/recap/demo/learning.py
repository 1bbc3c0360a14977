"""The demo's peer learning, written through the services.

- Lessons: the Kigali deep dive as the flagship case study (from the programme's own
  description of it; marked illustrative), Rajshahi's water kiosks and flood warnings
  (published), and Sebkha's flood preparedness (submitted, waiting for the programme); each in
  English and French.
- Peer profiles: income groups (World Bank, FY2025), working languages and population growth
  (illustrative rounded figures), and Ten Essentials assessments for Rajshahi and Sebkha
  (illustrative scores) so that "can help me" has something to read.
- Exchanges: Sebkha asks Rajshahi about its kiosks (answered); Kigali proposes a call to
  Musanze (awaiting a reply). The programme pins Kigali among Sebkha's helpers.

What they say is in `data/learning.json`.
"""

from __future__ import annotations

import contextlib
from typing import Any

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

from .content import demo_data


def demo_lessons(cities: dict[str, City]) -> None:
    if Lesson.objects.exists():
        return
    learning = demo_data("learning")
    with translation.override("en"):  # the English texts go in the English columns
        _demo_lessons(cities, learning["lessons"])
    demo_peers(cities, learning)
    index_rebuild()


#: A lesson's texts, each held in English and French (`title_en`, `title_fr`…).
TEXTS = ("title", "summary", "context", "what_was_done", "results", "differently", "partners")


def _demo_lessons(cities: dict[str, City], lessons: list[dict[str, Any]]) -> None:
    manager = User.objects.get(username="programme.manager")
    hazards = {h.code: h for h in HazardType.objects.all()}
    actions = {a.code: a for a in CatalogueAction.objects.all()}
    for raw in lessons:
        city = cities[raw["city"]]
        editor = User.objects.get(username=raw["editor"])
        lesson = lesson_save(
            actor=editor,
            city=city,
            data={
                "kind": raw["kind"],
                "title": raw["title_en"],
                "summary": raw["summary_en"],
                "context": raw["context_en"],
                "what_was_done": raw["what_was_done_en"],
                "results": raw["results_en"],
                "differently": raw.get("differently_en", ""),
                "cost_usd": raw.get("cost_usd"),
                "partners": raw.get("partners_en", ""),
                "hazards": [hazards[c] for c in raw["hazards"] if c in hazards],
                "actions": [actions[c] for c in raw.get("actions", []) if c in actions],
                "measures": list(city.measures.all()),
            },
        )
        lesson_submit(actor=editor, lesson=lesson)
        if raw["publish"]:
            lesson_decide(actor=manager, lesson=lesson, publish=True)
        # The demo's own words, not a city's: the page says so.
        Lesson.objects.filter(pk=lesson.pk).update(
            is_illustrative=raw["illustrative"],
            **{f"{name}_fr": raw[f"{name}_fr"] for name in TEXTS if f"{name}_fr" in raw},
        )


def demo_peers(cities: dict[str, City], learning: dict[str, Any]) -> None:
    """Peer profiles (income group, working languages, growth), the peers' assessments, the
    exchanges between cities and the matches the programme pinned."""
    from recap.cities.models import Country

    peers = learning["peers"]
    for username, language in peers["user_languages"].items():
        User.objects.filter(username=username).update(language=language)
    for iso2, group in peers["income_groups"].items():
        Country.objects.filter(iso2=iso2).update(income_group=group)
    for slug, profile in peers["profiles"].items():
        # The pilot cities share their registers and assessments with their peers.
        City.objects.filter(slug=slug).update(
            languages=profile["languages"],
            population_growth=profile["population_growth"],
            shares_with_peers=True,
        )
    admin = User.objects.get(username="admin")
    spec = peers["assessments"]
    framework = Framework.objects.get(code=spec["framework"])
    questions = list(Question.objects.filter(framework=framework).select_related("dimension"))
    for slug, scores in spec["scores"].items():
        assessment = assessment_start(
            actor=admin,
            city=cities[slug],
            framework=framework,
            title=spec["title"],
            respondents=spec["respondents"],
        )
        answers_save(
            actor=admin,
            assessment=assessment,
            answers={q.code: AnswerInput(score=scores[q.dimension.code]) for q in questions},
        )
        assessment_complete(actor=admin, assessment=assessment)
    for exchange in learning["exchanges"]:
        # Written in the language it names (the reader's language otherwise).
        language = exchange.get("language")
        written = translation.override(language) if language else contextlib.nullcontext()
        with written:
            started = exchange_start(
                actor=User.objects.get(username=exchange["by"]),
                from_city=cities[exchange["from_city"]],
                to_city=cities[exchange["to_city"]],
                kind=exchange["kind"],
                subject=exchange["subject"],
                body=exchange["body"],
                lesson=Lesson.objects.get(title_en=exchange["lesson"])
                if "lesson" in exchange
                else None,
            )
        for reply in exchange.get("replies", []):
            exchange_reply(
                actor=User.objects.get(username=reply["by"]),
                exchange=started,
                body=reply["body"],
            )
    for match in learning["matches"]:
        match_override(
            actor=User.objects.get(username=match["by"]),
            city=cities[match["city"]],
            peer=cities[match["peer"]],
            kind=match["kind"],
            action=match["action"],
            note=match["note"],
        )
