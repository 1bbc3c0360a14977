"""Review: programme reviewers score a drafted concept against the rubrics (two at least, none
from the concept's own city), their comments go back to the city, and the programme manager
decides: accept (the concept is screened), revise (the city revises and a new round opens) or
reject. Accepting and rejecting are moves (`concepts.concept_move`, which records the
decision); revising is not, the concept stays drafted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recap.accounts.models import Role
from recap.accounts.services import audit
from recap.accounts.types import Reader, User
from recap.cities.models import Programme

from .models import ConceptReview, ProjectConcept, ReviewDecision, Rubric, Stage
from .notify import review_notify, revise_notify
from .policies import is_manager_of, is_reviewer_for, require
from .texts import checked_text

COMMENT_MAX = 5000
#: Reviews a round needs before the manager can accept.
REVIEWS_NEEDED = 2
SCORES = (0, 1, 2, 3)


def _check_comment(text: str, field: str = "comment") -> str:
    return checked_text(
        text, field=field, limit=COMMENT_MAX, empty=_("Write the comments the city will read.")
    )


def check_scores(scores: Any, rubrics: list[Rubric]) -> dict[str, dict[str, int]]:
    """Every criterion of every rubric scored 0–3, and nothing else."""
    if not isinstance(scores, dict):
        raise ValidationError(_("Scores are given per rubric and criterion."))
    clean: dict[str, dict[str, int]] = {}
    missing = []
    for rubric in rubrics:
        given = scores.get(rubric.code) or {}
        if not isinstance(given, dict):
            raise ValidationError(_("Scores are given per rubric and criterion."))
        clean[rubric.code] = {}
        for criterion in rubric.criteria:
            value = given.get(criterion["code"])
            if value is None or value == "":
                missing.append(criterion["question"])
                continue
            try:
                score = int(value)
            except (TypeError, ValueError):
                score = -1
            if score not in SCORES:
                raise ValidationError(
                    _("Score “%(q)s” from 0 to 3.") % {"q": criterion["question"]}
                )
            clean[rubric.code][criterion["code"]] = score
        stray = sorted(set(given) - {c["code"] for c in rubric.criteria})
        if stray:
            raise ValidationError(
                _("Not a question of this rubric: %(c)s.") % {"c": ", ".join(stray)}
            )
    stray_rubrics = sorted(set(scores) - {r.code for r in rubrics})
    if stray_rubrics:
        raise ValidationError(_("Not a rubric: %(c)s.") % {"c": ", ".join(stray_rubrics)})
    if missing:
        raise ValidationError(
            _("Score every question; still to score: %(q)s") % {"q": "; ".join(missing)}
        )
    return clean


@transaction.atomic
def review_submit(
    *, actor: User, concept: ProjectConcept, scores: Any, comment: str
) -> ConceptReview:
    """A reviewer's scores and comments for this round (again in the same round: replaced)."""
    require(
        is_reviewer_for(actor, concept.city_id),
        _("Only the programme's reviewers from other cities review this concept."),
    )
    require(
        may_review(actor, concept),
        _(
            "A review counts only from a reviewer assigned to the programme, never from the "
            "concept's author: ask the programme's manager to assign you as a reviewer."
        ),
    )
    if concept.stage != Stage.DRAFTED:
        raise ValidationError(_("Only a drafted concept is under review."))
    rubrics = list(Rubric.objects.all())
    clean = check_scores(scores, rubrics)
    review, _made = ConceptReview.objects.update_or_create(
        concept=concept,
        reviewer=actor,
        round=concept.review_round,
        defaults={
            "scores": clean,
            "comment": _check_comment(comment),
            "submitted_at": timezone.now(),
        },
    )
    audit(
        actor=actor,
        verb="concept.review",
        target=concept,
        city=concept.city,
        detail={"round": concept.review_round},
    )
    review_notify(review)  # the city and the programme's managers are told
    return review


def _programme_ids(concept: ProjectConcept) -> set[int]:
    return set(Programme.objects.filter(cities=concept.city_id).values_list("pk", flat=True))


def counts_as_review(user: User, concept: ProjectConcept, programme_ids: set[int]) -> bool:
    """Four eyes on concepts: a review counts only from a reviewer assigned to a programme of
    the concept's city (`programme_ids`) who is not of the city and is not the concept's
    author. A platform admin's review does not count unless they are so assigned."""
    if user.pk == concept.created_by_id:
        return False
    memberships = list(user.memberships.all())  # prefetched on the concept's pages
    assigned = any(m.role == Role.REVIEWER and m.programme_id in programme_ids for m in memberships)
    return assigned and all(m.city_id != concept.city_id for m in memberships)


def may_review(user: Reader, concept: ProjectConcept) -> bool:
    """Whether `user`'s review of the concept would count (the review page offers it)."""
    return (
        user.is_authenticated
        and is_reviewer_for(user, concept.city_id)
        and counts_as_review(user, concept, _programme_ids(concept))
    )


def reviews_of_round(concept: ProjectConcept) -> list[ConceptReview]:
    """The reviews of the round under way that count (`counts_as_review`), read through the
    concept's prefetched reviews where there are any."""
    round_reviews = [r for r in concept.reviews.all() if r.round == concept.review_round]
    if not round_reviews:
        return []
    programme_ids = _programme_ids(concept)
    return [r for r in round_reviews if counts_as_review(r.reviewer, concept, programme_ids)]


def gate_reviews(concept: ProjectConcept) -> list[str]:
    n = len(reviews_of_round(concept))
    if n < REVIEWS_NEEDED:
        return [_("%(need)s reviews are needed (it has %(n)s)") % {"need": REVIEWS_NEEDED, "n": n}]
    return []


@transaction.atomic
def review_revise(*, actor: User, concept: ProjectConcept, feedback: str) -> ReviewDecision:
    """The manager sends the concept back to its city to revise: a new review round opens."""
    require(
        is_manager_of(actor, concept.city_id), _("Only the programme's manager decides on reviews.")
    )
    if concept.stage != Stage.DRAFTED:
        raise ValidationError(_("Only a drafted concept is under review."))
    decision = ReviewDecision.objects.create(
        concept=concept,
        round=concept.review_round,
        decision=ReviewDecision.Decision.REVISE,
        feedback=_check_comment(feedback, "feedback"),
        decided_by=actor,
    )
    ProjectConcept.objects.filter(pk=concept.pk).update(review_round=concept.review_round + 1)
    concept.review_round += 1
    audit(
        actor=actor,
        verb="concept.revise",
        target=concept,
        city=concept.city,
        detail={"round": decision.round},
    )
    revise_notify(decision)  # the city is told what to change
    return decision


def record_decision(concept: ProjectConcept, to: str, actor: User, reason: str) -> None:
    """Called by `concept_move`: accepting (screened) or rejecting a drafted concept records
    the decision; returning a screened concept for revision records it and opens a new review
    round (the earlier round's reviews no longer count)."""
    decision = None
    if concept.stage == Stage.DRAFTED and to == Stage.SCREENED:
        decision = ReviewDecision.Decision.ACCEPT
    elif concept.stage == Stage.DRAFTED and to == Stage.REJECTED:
        decision = ReviewDecision.Decision.REJECT
    elif concept.stage == Stage.SCREENED and to == Stage.DRAFTED:
        decision = ReviewDecision.Decision.REVISE
    if decision is None:
        return
    ReviewDecision.objects.create(
        concept=concept,
        round=concept.review_round,
        decision=decision,
        feedback=reason,
        decided_by=actor,
    )
    if decision == ReviewDecision.Decision.REVISE:
        concept.review_round += 1
        ProjectConcept.objects.filter(pk=concept.pk).update(review_round=concept.review_round)


@dataclass(frozen=True)
class CriterionSummary:
    rubric: str
    code: str
    question: str
    scores: list[int]

    @property
    def mean(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None


def review_summary(reviews: list[ConceptReview], rubrics: list[Rubric]) -> list[CriterionSummary]:
    """Each question with the scores the round's reviewers gave it."""
    return [
        CriterionSummary(
            r.name,
            c["code"],
            c["question"],
            [
                int(s)
                for rv in reviews
                if (s := (rv.scores.get(r.code) or {}).get(c["code"])) is not None
            ],
        )
        for r in rubrics
        for c in r.criteria
    ]
