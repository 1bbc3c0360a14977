"""Writes to assessments: the shipped frameworks, starting, answering and completing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recap.accounts.access import Level
from recap.accounts.services import audit
from recap.accounts.types import User
from recap.cities.models import City
from recap.cities.policies import city_policy
from recap.core.content import SOURCE, shipped_french

from .models import Answer, Assessment, Dimension, Framework, Question


def framework_load_shipped() -> int:
    """Load (or refresh) every framework file in assessments/data/frameworks."""
    folder = resources.files("recap.assessments").joinpath("data/frameworks")
    count = 0
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".json"):
            continue
        framework_load(
            json.loads(entry.read_text("utf-8")),
            french=shipped_french("recap.assessments", f"frameworks/fr/{entry.name}"),
        )
        count += 1
    return count


@transaction.atomic
def framework_load(data: dict[str, Any], *, french: dict[str, Any] | None = None) -> Framework:
    """Load (or refresh) one framework; `french` holds its French texts keyed by code, shaped
    as `data/frameworks/fr/<file>` (name, description, dimensions, criteria, questions)."""
    with translation.override(SOURCE):
        return _framework_load(data, french or {})


def _framework_load(data: dict[str, Any], french: dict[str, Any]) -> Framework:
    fr_dimensions = french.get("dimensions", {})
    fr_criteria = french.get("criteria", {})
    fr_questions = french.get("questions", {})
    framework, _created = Framework.objects.update_or_create(
        code=data["code"],
        defaults={
            "name": data["name"],
            "version": data["version"],
            "description": data["description"],
            "name_fr": french.get("name"),
            "description_fr": french.get("description"),
            "scale_min": data["scale"]["min"],
            "scale_max": data["scale"]["max"],
        },
    )
    order = 0
    for d_order, d in enumerate(data["dimensions"]):
        dimension, _c = Dimension.objects.update_or_create(
            framework=framework,
            code=d["code"],
            defaults={
                "name": d["name"],
                "description": d["description"],
                "name_fr": fr_dimensions.get(d["code"], {}).get("name"),
                "description_fr": fr_dimensions.get(d["code"], {}).get("description"),
                "foundational": d["foundational"],
                "order": d_order,
            },
        )
        for criterion in d["criteria"]:
            for q in criterion["questions"]:
                order += 1
                fr = fr_questions.get(q["code"], {})
                Question.objects.update_or_create(
                    framework=framework,
                    code=q["code"],
                    defaults={
                        "dimension": dimension,
                        "criterion_code": criterion["code"],
                        "criterion_name": criterion["name"],
                        "text": q["text"],
                        "help": q["help"],
                        "levels": q["levels"],
                        "criterion_name_fr": fr_criteria.get(criterion["code"]),
                        "text_fr": fr.get("text"),
                        "help_fr": fr.get("help"),
                        "levels_fr": fr.get("levels"),
                        "action_prefixes": q["actions"],
                        "order": order,
                    },
                )
    return framework


EDITORS_ONLY = gettext_lazy("Only the city's editors can change its assessments.")


@transaction.atomic
def assessment_start(
    *, actor: User, city: City, framework: Framework, title: str, respondents: str = ""
) -> Assessment:
    city_policy.require(actor, city, Level.EDIT, EDITORS_ONLY)
    assessment = Assessment(
        city=city, framework=framework, title=title, respondents=respondents, created_by=actor
    )
    assessment.full_clean()
    assessment.save()
    audit(
        actor=actor,
        verb="assessment.start",
        target=assessment,
        city=city,
        detail={"framework": framework.code},
    )
    return assessment


@dataclass(frozen=True)
class AnswerInput:
    score: int | None
    evidence: str = ""
    comment: str = ""


@transaction.atomic
def answers_save(*, actor: User, assessment: Assessment, answers: dict[str, AnswerInput]) -> int:
    """Save answers keyed by question code. A completed assessment is read-only."""
    city_policy.require(actor, assessment.city, Level.EDIT, EDITORS_ONLY)
    if assessment.status == Assessment.Status.COMPLETED:
        raise ValidationError(_("This assessment is completed; start a new one to record changes."))
    questions = {q.code: q for q in Question.objects.filter(framework=assessment.framework)}
    fw = assessment.framework
    errors = {}
    for code, answer in answers.items():
        if code not in questions:
            errors[code] = _("%(code)s is not a question of this framework.") % {"code": code}
        elif answer.score is not None and not fw.scale_min <= answer.score <= fw.scale_max:
            errors[code] = _("%(code)s: the score must be from %(lo)d to %(hi)d.") % {
                "code": code,
                "lo": fw.scale_min,
                "hi": fw.scale_max,
            }
    if errors:
        raise ValidationError(errors)
    for code, answer in answers.items():
        Answer.objects.update_or_create(
            assessment=assessment,
            question=questions[code],
            defaults={
                "score": answer.score,
                "evidence": answer.evidence,
                "comment": answer.comment,
                "updated_by": actor,
            },
        )
    audit(
        actor=actor,
        verb="assessment.answers",
        target=assessment,
        city=assessment.city,
        detail={"count": len(answers)},
    )
    return len(answers)


@transaction.atomic
def assessment_complete(*, actor: User, assessment: Assessment) -> Assessment:
    city_policy.require(actor, assessment.city, Level.EDIT, EDITORS_ONLY)
    total = Question.objects.filter(framework=assessment.framework).count()
    scored = assessment.answers.filter(score__isnull=False).count()
    if scored < total:
        raise ValidationError(
            _("%(left)d of %(total)d questions have no score yet; answer them before completing.")
            % {"left": total - scored, "total": total}
        )
    assessment.status = Assessment.Status.COMPLETED
    assessment.completed_at = timezone.now()
    assessment.save(update_fields=["status", "completed_at"])
    audit(actor=actor, verb="assessment.complete", target=assessment, city=assessment.city)
    return assessment
