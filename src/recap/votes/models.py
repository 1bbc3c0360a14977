"""Resident votes: a city's participatory budget.

- `Vote`: a budget residents share among small projects, imported from a pabulib `.pb` file
  (the file kept, `VoteFile`) or cast in ReCAP with one-time voting codes (`VotingCode`).
  Its status runs draft → open → closed → decided (an imported vote starts closed: its ballots
  are in the file).
- `VoteProject`: a project on the ballot (its id in the file, or one ReCAP gives it).
- `Ballot`: one voter's ballot (the projects approved; points for cumulative and scoring
  ballots), at most one per voting code.
- `Outcome`: what one rule funds on the closed vote (`recap.engine.pb.pb_outcome`'s answer,
  kept: the ballots no longer change, and some rules take minutes).
- `Decision`: the rule the city chose, with the outcome's figures as they were, who and why.
  Saved once, never edited; a later decision supersedes it and both stay in the history.
- `ChosenMeasure`: the small-scale measure a decision made of a chosen project (the measure's
  provenance, shown on its page).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

#: Money is kept exactly, to four decimals (pabulib's costs are whole or a decimal or two).
MONEY_DIGITS = 22
MONEY_PLACES = 4


class Vote(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for voting")
        CLOSED = "closed", _("Closed")
        DECIDED = "decided", _("Decided")

    class Source(models.TextChoices):
        IMPORTED = "imported", _("Imported from a .pb file")
        CAST = "cast", _("Cast in ReCAP")

    class Kind(models.TextChoices):
        APPROVAL = "approval", _("Approval")
        CHOOSE_1 = "choose-1", _("Choose one")
        CUMULATIVE = "cumulative", _("Cumulative points")
        SCORING = "scoring", _("Scores")

    city = models.ForeignKey(
        "cities.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="votes"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    budget = models.DecimalField(_("budget"), max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    currency = models.CharField(_("currency"), max_length=3)
    vote_type = models.CharField(
        _("ballots"), max_length=12, choices=Kind.choices, default=Kind.APPROVAL
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    #: The META section of an imported file (description, unit, dates...), as written.
    meta = models.JSONField(_("file metadata"), default=dict, blank=True)
    #: Invented ballots (the demo's): said on every page that shows them.
    illustrative = models.BooleanField(_("illustrative ballots"), default=False)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("resident vote")
        verbose_name_plural = _("resident votes")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("votes:detail", kwargs={"slug": self.city.slug, "pk": self.pk})

    @property
    def is_approval(self) -> bool:
        return self.vote_type in (self.Kind.APPROVAL, self.Kind.CHOOSE_1)

    @property
    def has_results(self) -> bool:
        return self.status in (self.Status.CLOSED, self.Status.DECIDED)


class VoteFile(models.Model):
    """The `.pb` file a vote was imported from, kept as it was read (UTF-8 text)."""

    vote = models.OneToOneField(Vote, on_delete=models.CASCADE, related_name="file")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    text = models.TextField()

    def __str__(self) -> str:
        return self.filename


class VoteProject(models.Model):
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="projects")
    #: The project's id in the `.pb` file (or one ReCAP gives it): what ballots name.
    key = models.CharField(_("project id"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    cost = models.DecimalField(_("cost"), max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    district = models.CharField(_("district"), max_length=120, blank=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    targets = models.JSONField(_("targets"), default=list, blank=True)
    #: Every other column of the file's PROJECTS section, as written.
    attributes = models.JSONField(default=dict, blank=True)
    action = models.ForeignKey(
        "catalogue.CandidateAction",
        verbose_name=_("candidate action it comes from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["vote", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "key"], name="vote_project_key_unique")
        ]

    def __str__(self) -> str:
        return self.title


class VotingCode(models.Model):
    """A one-time code a resident votes with: only its keyed hash is kept; the code itself is
    shown once, on the sheet the city prints when it makes it."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, unique=True)
    #: The code's number on its printed sheet (to tell which sheets went where).
    number = models.PositiveIntegerField()
    #: Whether it has voted: a flag, not a time, so that the order codes were used in cannot be
    #: matched with the order ballots were written in.
    used = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["vote", "number"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "number"], name="voting_code_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.vote_id} #{self.number}"


class Ballot(models.Model):
    """One voter's ballot. A ballot cast in ReCAP keeps no link to the code it was cast with,
    nor the time: its voter id is random, so no list of who got which code tells how they
    voted."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    voter = models.CharField(_("voter id"), max_length=64)
    #: Project keys, in the order written (the rank order of an ordinal ballot).
    projects = models.JSONField(default=list)
    #: For cumulative and scoring ballots, one exact decimal (text) per project; else null.
    points = models.JSONField(null=True, blank=True)
    #: Every other column of the file's VOTES section (age, sex...), as written.
    attributes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["vote", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "voter"], name="ballot_voter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.vote_id}: {self.voter}"


class Outcome(models.Model):
    """One rule's answer on a closed vote, computed once (in the background: the Method of
    Equal Shares with its completion may take a minute on a large vote)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Being computed")
        DONE = "done", _("Computed")
        FAILED = "failed", _("Failed")

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="outcomes")
    #: "greedy", "utilitarian", "mes+add_one", "phragmen", or "utilitarian:<minimums>".
    key = models.CharField(max_length=500)
    rule = models.CharField(max_length=20)
    completion = models.CharField(max_length=60, blank=True)
    minimums = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    result = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    #: When a viewer last asked for it (what-ifs with minimums: the least recently asked are
    #: the ones dropped past `outcomes.KEPT_WITH_MINIMUMS`).
    asked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["vote", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "key"], name="vote_outcome_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.vote_id}: {self.key}"


class Decision(models.Model):
    """The rule a city chose for a vote, why, and what it funded, as shown when it chose.
    Never edited: a later decision for the same vote supersedes it."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="decisions")
    rule = models.CharField(_("rule"), max_length=20)
    completion = models.CharField(_("completion"), max_length=60, blank=True)
    tie_breaking = models.CharField(_("tie-breaking"), max_length=20)
    minimums = models.JSONField(_("minimums"), default=list, blank=True)
    #: Project keys funded, in the order the rule chose them.
    selected = models.JSONField(_("projects funded"))
    #: The outcome as it was (figures, projects not funded and why).
    snapshot = models.JSONField()
    rationale = models.TextField(_("rationale"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("decision")

    def __str__(self) -> str:
        return f"{self.vote}: {self.rule}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Written once; afterwards only the link to the decision that supersedes it."""
        if self.pk is not None and set(kwargs.get("update_fields") or ()) != {"superseded_by"}:
            raise ValueError("a decision is never edited: take a new one")
        super().save(*args, **kwargs)


class ChosenMeasure(models.Model):
    """A small-scale measure made of a project a decision chose: the measure's provenance. A
    later decision that funds the same project links the same measure again (the newest link
    is the one its page shows)."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="measures")
    project = models.ForeignKey(VoteProject, on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey(
        "tracking.Measure", on_delete=models.CASCADE, related_name="vote_choices"
    )

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "project"], name="chosen_measure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.decision_id}: {self.project_id}"
