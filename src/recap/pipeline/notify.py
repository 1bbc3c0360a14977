"""Who is told, by e-mail, of what happens to a project concept that they wait on:

- a funder's question or expression of interest: the concept's city (its editors and
  coordinators), linking to that funder's thread on the concept's page; the city's reply: the
  funder organisation's people, linking to their page of the shared concept;
- a review: the city, and the programme's managers (who decide once the reviews are in);
- a decision of the programme's (a stage move made by the programme's manager, or a request
  to revise): the city, with the reason when there is one.

No one is told of their own act. Each e-mail is queued once the write commits (a write that
rolls back tells no one), sent in the background on the "short" queue, and written in its
reader's language (`core.mail`). The services call the `*_notify` functions; the tasks read
the rows afresh, so a row gone meanwhile sends nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from recap.accounts.models import Membership, Role
from recap.accounts.selectors import CITY_TEAM, city_people, city_programme_managers
from recap.accounts.types import User
from recap.core.mail import mail_each, reachable, site_link

from .models import ConceptMove, ConceptReview, FunderMessage, ProjectConcept, ReviewDecision, Stage
from .stages import Actor, Move


def made_by_programme(actor: User, concept: ProjectConcept, move: Move) -> bool:
    """A move the city waits on: one only the programme makes, or one either may make that
    someone outside the city's team made (the programme's manager, a platform admin)."""
    if move.by == Actor.MANAGER:
        return True
    if move.by != Actor.CITY_OR_MANAGER:
        return False
    return not Membership.objects.filter(
        user=actor, city_id=concept.city_id, role__in=CITY_TEAM
    ).exists()


def _queued(job: Any, *args: Any) -> None:
    """`job` queued with `args` once the transaction commits, with the language the act was
    made in (for readers who never chose one)."""
    language = translation.get_language()
    transaction.on_commit(lambda: job.using(queue_name="short").enqueue(*args, language))


def _day(when: Any) -> str:
    """A date in the reader's way of writing dates (the active language's)."""
    return formats.date_format(timezone.localdate(when), "DATE_FORMAT")


def _concept_words(concept: ProjectConcept) -> dict[str, str]:
    return {"reference": concept.reference, "title": concept.title, "city": concept.city.name}


# --- funders' threads ---------------------------------------------------------------------


def funder_message_notify(message: FunderMessage) -> None:
    _queued(funder_message_mail, message.pk)


@task()
def funder_message_mail(message_id: int, language: str | None) -> int:
    message = (
        FunderMessage.objects.select_related("concept__city", "facility", "author")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return 0
    concept, facility = message.concept, message.facility
    words = {**_concept_words(concept), "facility": facility.name, "text": message.text}
    if message.kind == FunderMessage.Kind.REPLY:
        # The funder organisation's people read the concept on their own page.
        if facility.organisation_id is None:
            return 0
        people = get_user_model().objects.filter(
            memberships__role=Role.FUNDER, memberships__organisation_id=facility.organisation_id
        )
        url = site_link(reverse("board:shared_detail", kwargs={"pk": concept.pk}) + "#exchange")

        def compose(person: Any) -> tuple[str, str]:
            subject = _("%(city)s replied about “%(title)s”") % words
            body = _(
                "%(city)s replied to %(facility)s about the project concept %(reference)s "
                "“%(title)s”:\n\n%(text)s\n\nRead the exchange and answer in ReCAP: %(url)s"
            ) % {**words, "url": url}
            return subject, body

    else:
        people = city_people(city_id=concept.city_id)
        url = site_link(concept.get_absolute_url() + f"#funder-{facility.code}")
        interest = message.kind == FunderMessage.Kind.INTEREST

        def compose(person: Any) -> tuple[str, str]:
            if interest:
                subject = _("%(facility)s is interested in “%(title)s”") % words
                said = _(
                    "%(facility)s expressed interest in the project concept %(reference)s "
                    "“%(title)s”:"
                )
            else:
                subject = _("%(facility)s asked about “%(title)s”") % words
                said = _("%(facility)s asked about the project concept %(reference)s “%(title)s”:")
            body = _("%(said)s\n\n%(text)s\n\nReply in ReCAP: %(url)s") % {
                "said": said % words,
                "text": message.text,
                "url": url,
            }
            return subject, body

    return mail_each(reachable(people, besides=[message.author_id]), compose, language=language)


# --- reviews ------------------------------------------------------------------------------


def review_notify(review: ConceptReview) -> None:
    _queued(review_mail, review.pk)


@task()
def review_mail(review_id: int, language: str | None) -> int:
    review = (
        ConceptReview.objects.select_related("concept__city", "reviewer")
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        return 0
    from .reviews import REVIEWS_NEEDED, reviews_of_round  # reviews queues this: not at import

    concept = review.concept
    # The reviews that counted once this one was in (not whichever came in before sending).
    counted = (
        sum(1 for r in reviews_of_round(concept) if r.submitted_at <= review.submitted_at)
        if review.round == concept.review_round
        else 0
    )
    people = reachable(
        city_people(city_id=concept.city_id),
        city_programme_managers(city_id=concept.city_id),
        besides=[review.reviewer_id],
    )
    url = site_link(concept.get_absolute_url() + "#review-title")
    words = {
        **_concept_words(concept),
        "who": review.reviewer.display_name,
        "round": str(review.round),
        "comment": review.comment,
        "url": url,
    }

    def compose(person: Any) -> tuple[str, str]:
        subject = _("%(city)s: a review of “%(title)s”") % words
        body = (
            _(
                "%(who)s reviewed the project concept %(reference)s “%(title)s” (round "
                "%(round)s). Their comments for the city:\n\n%(comment)s"
            )
            % words
        )
        if counted:
            body += "\n\n" + _(
                "Reviews that count in this round: %(n)s (%(need)s are needed before the "
                "programme decides)."
            ) % {"n": counted, "need": REVIEWS_NEEDED}
        body += "\n\n" + _("Read the review in ReCAP: %(url)s") % words
        return subject, body

    return mail_each(people, compose, language=language)


# --- the programme's decisions ------------------------------------------------------------


def move_notify(move: ConceptMove) -> None:
    """The city is told of a move the programme made (the caller decides which: see
    `made_by_programme`)."""
    _queued(move_mail, move.pk)


@task()
def move_mail(move_id: int, language: str | None) -> int:
    move = ConceptMove.objects.select_related("concept__city", "actor").filter(pk=move_id).first()
    if move is None:
        return 0
    concept = move.concept
    url = site_link(concept.get_absolute_url())
    who = move.actor.display_name if move.actor else ""

    def compose(person: Any) -> tuple[str, str]:
        words = {
            **_concept_words(concept),
            "who": who or _("The programme"),
            "from": str(Stage(move.from_stage).label) if move.from_stage else "—",
            "to": str(Stage(move.to_stage).label),
            "date": _day(move.at),
            "reason": move.reason,
            "url": url,
        }
        subject = _("%(reference)s “%(title)s”: %(to)s") % words
        lines = [
            _(
                "On %(date)s, %(who)s moved the project concept %(reference)s “%(title)s” of "
                "%(city)s from “%(from)s” to “%(to)s”."
            )
            % words
        ]
        if move.reason:
            lines.append(_("Why: %(reason)s") % words)
        lines.append(_("See the concept and its next steps in ReCAP: %(url)s") % words)
        return subject, "\n\n".join(lines)

    people = reachable(city_people(city_id=concept.city_id), besides=[move.actor_id])
    return mail_each(people, compose, language=language)


def revise_notify(decision: ReviewDecision) -> None:
    _queued(revise_mail, decision.pk)


@task()
def revise_mail(decision_id: int, language: str | None) -> int:
    decision = (
        ReviewDecision.objects.select_related("concept__city", "decided_by")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:
        return 0
    concept = decision.concept
    url = site_link(concept.get_absolute_url() + "#review-title")
    who = decision.decided_by.display_name if decision.decided_by else ""

    def compose(person: Any) -> tuple[str, str]:
        words = {
            **_concept_words(concept),
            "who": who or _("The programme"),
            "round": str(decision.round),
            "date": _day(decision.at),
            "feedback": decision.feedback,
            "url": url,
        }
        subject = _("%(city)s: revise “%(title)s”") % words
        body = (
            _(
                "On %(date)s, %(who)s sent the project concept %(reference)s “%(title)s” back to "
                "%(city)s to revise (review round %(round)s). What to change:\n\n%(feedback)s\n\n"
                "Revise it in ReCAP: %(url)s"
            )
            % words
        )
        return subject, body

    people = reachable(city_people(city_id=concept.city_id), besides=[decision.decided_by_id])
    return mail_each(people, compose, language=language)


# --- the programme's portfolio decisions --------------------------------------------------


def allocation_notify(allocation: Any) -> None:
    """Each city with a concept the decision supports is told (its editors and coordinators)."""
    _queued(allocation_mail, allocation.pk)


@task()
def allocation_mail(allocation_id: int, language: str | None) -> int:
    from .models import Allocation

    allocation = (
        Allocation.objects.select_related("decided_by", "programme", "facility")
        .filter(pk=allocation_id)
        .first()
    )
    if allocation is None:
        return 0
    by_city: dict[int, list[Any]] = {}
    for award in allocation.awards.select_related("concept__city"):
        by_city.setdefault(award.concept.city_id, []).append(award)
    sent = 0
    for city_id, awards in by_city.items():

        def compose(person: Any, awards: list[Any] = awards) -> tuple[str, str]:
            words = {
                "programme": allocation.programme.short_name if allocation.programme else "",
                "facility": allocation.facility.name if allocation.facility else "",
                "name": allocation.name,
                "n": allocation.number,
                "date": _day(allocation.decided_at),
                "rationale": allocation.rationale,
                "url": site_link(awards[0].concept.get_absolute_url()),
            }
            if allocation.facility_id is not None:
                subject = _("%(facility)s supports your project concept: %(name)s") % words
                opening = _(
                    "On %(date)s, %(facility)s decided how to share “%(name)s” (version "
                    "%(n)s) among the concepts shared with it. It supports:"
                )
            else:
                subject = _("%(programme)s supports your project concept: %(name)s") % words
                opening = _(
                    "On %(date)s, the programme %(programme)s decided how to share “%(name)s” "
                    "(version %(n)s). It supports:"
                )
            lines = [opening % words]
            for award in awards:
                moved = (
                    _(" It moves to “%(stage)s”.") % {"stage": Stage(award.moved_to).label}
                    if award.moved_to
                    else ""
                )
                lines.append(
                    "- "
                    + _("%(reference)s “%(title)s”: %(amount)s %(cur)s of %(ask)s asked.")
                    % {
                        "reference": award.concept.reference,
                        "title": award.concept.title,
                        "amount": formats.number_format(award.amount, force_grouping=True),
                        "ask": formats.number_format(award.ask, force_grouping=True),
                        "cur": allocation.currency,
                    }
                    + moved
                )
            lines.append(_("Why: %(rationale)s") % words)
            lines.append(_("See the concept and its next steps in ReCAP: %(url)s") % words)
            return subject, "\n\n".join(lines)

        people = reachable(city_people(city_id=city_id), besides=[allocation.decided_by_id])
        sent += mail_each(people, compose, language=language)
    return sent
