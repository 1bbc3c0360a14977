"""Reads of assessments: results per dimension, gaps with the actions that close them, the
comparison of two assessments (charts.py draws them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from recap.accounts.types import Reader
from recap.catalogue.models import CatalogueAction
from recap.cities.models import City

from .models import Answer, Assessment, Dimension, Question
from .policies import assessment_policy

GAP_THRESHOLD = 1  # answers scored at or below this are gaps


def assessment_list(*, user: Reader, city: City) -> list[Assessment]:
    return list(
        assessment_policy.queryset(user).filter(city=city).select_related("framework", "created_by")
    )


def assessment_latest_completed(*, user: Reader, city: City) -> Assessment | None:
    """The city's most recently completed assessment that the user may see, if any."""
    return (
        assessment_policy.queryset(user)
        .filter(city=city, status=Assessment.Status.COMPLETED)
        .select_related("framework")
        .order_by("-completed_at")
        .first()
    )


def assessment_get(*, user: Reader, city: City, pk: int) -> Assessment:
    try:
        return (
            assessment_policy.queryset(user)
            .select_related("framework", "city")
            .get(city=city, pk=pk)
        )
    except Assessment.DoesNotExist as exc:
        raise Http404("No such assessment") from exc


@dataclass(frozen=True)
class DimensionResult:
    dimension: Dimension
    mean: float | None
    share: float | None  # mean over the scale's maximum, 0..1
    answered: int
    total: int


def dimension_results(assessment: Assessment) -> list[DimensionResult]:
    answers = {a.question_id: a for a in Answer.objects.filter(assessment=assessment)}
    questions = list(
        Question.objects.filter(framework=assessment.framework).select_related("dimension")
    )
    top = assessment.framework.scale_max
    out = []
    for dimension in Dimension.objects.filter(framework=assessment.framework):
        qs = [q for q in questions if q.dimension_id == dimension.pk]
        scores: list[int] = [
            score for q in qs if q.pk in answers and (score := answers[q.pk].score) is not None
        ]
        mean = sum(scores) / len(scores) if scores else None
        out.append(
            DimensionResult(
                dimension=dimension,
                mean=mean,
                share=(mean / top if top else 0.0) if mean is not None else None,
                answered=len(scores),
                total=len(qs),
            )
        )
    return out


@dataclass(frozen=True)
class Gap:
    question: Question
    answer: Answer
    actions: list[CatalogueAction]


def gaps(assessment: Assessment, *, per_gap: int = 3) -> list[Gap]:
    """Questions scored at or below the threshold, weakest first, each with catalogue actions
    from the sectors the framework names for it."""
    weak = (
        Answer.objects.filter(assessment=assessment, score__isnull=False, score__lte=GAP_THRESHOLD)
        .select_related("question", "question__dimension")
        .order_by("score", "question__order")
    )
    catalogue = list(CatalogueAction.objects.filter(is_active=True).order_by("code"))
    out = []
    for answer in weak:
        prefixes = tuple(answer.question.action_prefixes)
        matches = [a for a in catalogue if prefixes and a.code.startswith(prefixes)][:per_gap]
        out.append(Gap(question=answer.question, answer=answer, actions=matches))
    return out


@dataclass(frozen=True)
class Comparison:
    dimension: Dimension
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def compare(before: Assessment, after: Assessment) -> list[Comparison]:
    if before.framework_id != after.framework_id:
        raise ValueError("only assessments on the same framework can be compared")
    old = {r.dimension.pk: r.mean for r in dimension_results(before)}
    return [
        Comparison(r.dimension, old.get(r.dimension.pk), r.mean) for r in dimension_results(after)
    ]
