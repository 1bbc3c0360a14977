"""What the programme delivers: trainings held and small-scale measures implemented."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager

from recap.core.models import StoredDocument
from recap.core.workflow import Move, UnderReview, Workflow, decision_moves


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Another identity")
    NOT_SAID = "not_said", _("Not said")


class AgeBand(models.TextChoices):
    UNDER_25 = "under_25", _("Under 25")
    FROM_25 = "25_34", _("25–34")
    FROM_35 = "35_44", _("35–44")
    FROM_45 = "45_54", _("45–54")
    FROM_55 = "55_plus", _("55 and over")
    NOT_SAID = "not_said", _("Not said")


class Training(models.Model):
    """A session of the programme's capacity building: who gave it, on what, for which
    cities; its participants and their knowledge check are `Participant` rows."""

    class Mode(models.TextChoices):
        VIRTUAL = "virtual", _("Virtual")
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Hybrid")

    programme = models.ForeignKey(
        "cities.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="trainings",
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.VIRTUAL)
    countries = models.ManyToManyField("cities.Country", verbose_name=_("countries"), blank=True)
    cities = models.ManyToManyField(
        "cities.City", verbose_name=_("cities"), blank=True, related_name="trainings"
    )
    trainers = models.CharField(_("trainers"), max_length=300, blank=True)
    topics = models.TextField(_("topics"), blank=True)

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%Y-%m-%d})"

    def clean(self) -> None:
        dated = self.programme_id and self.held_on
        if dated and (refusal := self.programme.period_refusal(self.held_on)):
            raise ValidationError({"held_on": refusal})


class Participant(models.Model):
    """One person at a training (named only with their consent, and with their knowledge
    check before and after if they took it), or a count of people who share a city,
    department, sex and age band."""

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="attendance")
    name = models.CharField(_("name"), max_length=200, blank=True)
    consent = models.BooleanField(_("agreed to be named"), default=False)
    count = models.PositiveIntegerField(_("people"), default=1)
    city = models.ForeignKey(
        "cities.City", verbose_name=_("city"), on_delete=models.SET_NULL, null=True, blank=True
    )
    department = models.CharField(_("department"), max_length=120, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.NOT_SAID)
    age_band = models.CharField(
        _("age band"), max_length=10, choices=AgeBand.choices, default=AgeBand.NOT_SAID
    )
    score_before = models.DecimalField(
        _("score before"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    score_after = models.DecimalField(
        _("score after"), max_digits=5, decimal_places=1, null=True, blank=True
    )

    class Meta:
        ordering = ["training", "pk"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="participant_count_positive"),
            models.CheckConstraint(
                condition=Q(name="") | Q(consent=True), name="participant_named_with_consent"
            ),
            models.CheckConstraint(
                condition=Q(count=1) | (Q(score_before__isnull=True) & Q(score_after__isnull=True)),
                name="participant_scores_for_one_person",
            ),
            models.CheckConstraint(
                condition=(Q(score_before__isnull=True) | Q(score_before__range=(0, 100)))
                & (Q(score_after__isnull=True) | Q(score_after__range=(0, 100))),
                name="participant_scores_0_to_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.count} × {self.get_sex_display()}"


class Measure(models.Model):
    """A small-scale measure a city implements with the programme's support: the hazards it
    addresses, the package action it comes from, what it costs and who co-finances it, whom it
    reaches, its status over time (`MeasureStatusChange`) and its evidence (`Evidence`)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        IMPLEMENTED = "implemented", _("Implemented")

    city = models.ForeignKey(
        "cities.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="measures"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    hazards = models.ManyToManyField(
        "hazards.HazardType", verbose_name=_("hazards addressed"), blank=True
    )
    action = models.ForeignKey(
        "catalogue.CandidateAction",
        verbose_name=_("package action it comes from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="measures",
    )
    cost = models.PositiveBigIntegerField(_("cost (US$)"), null=True, blank=True)
    co_finance = models.PositiveBigIntegerField(_("co-finance (US$)"), default=0)
    co_financers = models.CharField(_("co-financed by"), max_length=300, blank=True)
    beneficiaries = models.PositiveIntegerField(_("people reached"), default=0)
    #: {dimension: {category: number}} over sex and age band, each adding up to `beneficiaries`.
    beneficiaries_breakdown = models.JSONField(_("people reached by"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    implemented_on = models.DateField(_("implemented on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city", "title"]
        verbose_name = _("small-scale measure")
        verbose_name_plural = _("small-scale measures")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="implemented") | Q(implemented_on__isnull=False),
                name="implemented_measure_has_date",
                violation_error_message=_("An implemented measure needs its date."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.implemented_on and self.status != self.Status.IMPLEMENTED:
            raise ValidationError(
                {"implemented_on": _("Only an implemented measure has an implementation date.")}
            )
        if self.cost is not None and (self.co_finance or 0) > self.cost:
            raise ValidationError({"co_finance": _("Co-finance cannot exceed the cost.")})


#: A measure's status follows the work on the ground and may be set back (a measure marked
#: implemented too early goes back in progress): every status is reached from every status, each
#: step dated and kept in its history (`MeasureStatusChange`).
MEASURE_MOVES = Workflow(
    Move(status.value, tuple(Measure.Status.values), status.value, _("Choose a status."))
    for status in Measure.Status
)


class MeasureStatusChange(models.Model):
    """A dated step of a measure: its status from that day, with what happened."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(_("status"), max_length=16, choices=Measure.Status.choices)
    on = models.DateField(_("on"))
    note = models.TextField(_("what happened"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["measure", "on", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.measure} {self.status} {self.on}"


def _thumbnail_path(instance: Evidence, filename: str) -> str:
    return f"evidence/thumbnails/{uuid.uuid4().hex}.png"


class Evidence(StoredDocument):
    """A photo or a PDF that backs a measure or a reported value, its type read from its
    content; images get a thumbnail."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    update = models.ForeignKey(
        "IndicatorUpdate", on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    title = models.CharField(_("title"), max_length=200)
    thumbnail = models.FileField(upload_to=_thumbnail_path, max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=Q(measure__isnull=True, update__isnull=False)
                | Q(measure__isnull=False, update__isnull=True),
                name="evidence_of_one_thing",
            )
        ]

    def __str__(self) -> str:
        return self.title

    extra_files = ("thumbnail",)

    def storage_folder(self) -> str:
        return "evidence"

    @property
    def is_image(self) -> bool:
        return self.kind_of_file != "pdf"


class Outcome(models.Model):
    """A result the programme works towards: the level above its indicators."""

    programme = models.ForeignKey(
        "cities.Programme", on_delete=models.CASCADE, related_name="outcomes"
    )
    code = models.SlugField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    # Declared so that type checkers see it: django-modeltranslation would otherwise swap
    # in a manager of its own making at start (reads and filters in the reader's language).
    objects = MultilingualManager()

    class Meta:
        ordering = ["programme", "order", "code"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="outcome_code_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Indicator(models.Model):
    """A measure of an outcome: derived from the platform's own records (computed, never
    typed) or reported by a city or the programme (counted once approved)."""

    class Kind(models.TextChoices):
        DERIVED = "derived", _("Derived from the platform's records")
        REPORTED = "reported", _("Reported")

    class Level(models.TextChoices):
        PROGRAMME = "programme", _("Programme")
        CITY = "city", _("City")

    class Direction(models.TextChoices):
        UP = "up", _("Higher is better")
        DOWN = "down", _("Lower is better")

    class Aggregation(models.TextChoices):
        SUM = "sum", _("Sum of the periods")
        LATEST = "latest", _("Latest value")

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=300)
    unit = models.CharField(_("unit"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    #: For a derived indicator: which of the platform's computations (`tracking.derived`).
    source = models.CharField(_("computed from"), max_length=40, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    direction = models.CharField(
        _("direction"), max_length=4, choices=Direction.choices, default=Direction.UP
    )
    aggregation = models.CharField(
        _("aggregation"), max_length=8, choices=Aggregation.choices, default=Aggregation.SUM
    )
    baseline_value = models.DecimalField(
        _("baseline"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    #: A reported indicator not updated within this many days is late.
    interval_days = models.PositiveSmallIntegerField(_("update every (days)"), default=90)
    breakdowns = models.JSONField(_("breakdowns"), default=list, blank=True)
    is_public = models.BooleanField(_("shown on the public page"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    # Declared so that type checkers see it: django-modeltranslation would otherwise swap
    # in a manager of its own making at start (reads and filters in the reader's language).
    objects = MultilingualManager()

    class Meta:
        ordering = ["outcome", "order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["outcome", "code"], name="indicator_code_unique"),
            models.CheckConstraint(
                condition=Q(kind="reported", source="") | (Q(kind="derived") & ~Q(source="")),
                name="indicator_source_when_derived",
                violation_error_message=_(
                    "A derived indicator names what it is computed from; a reported one does not."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorTarget(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    period_end = models.DateField(_("by"))
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["indicator", "period_end"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period_end"], name="one_target_a_period")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} by {self.period_end}: {self.value}"


class IndicatorUpdate(UnderReview, models.Model):
    """A reported value for a period, which someone stands behind: drafted, submitted, then
    approved (it counts) or returned with a reason."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="updates")
    city = models.ForeignKey(
        "cities.City", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    #: {dimension: {category: number}}, e.g. {"sex": {"female": 12, "male": 9}}
    breakdown = models.JSONField(_("breakdown"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    return_reason = models.TextField(_("why it was returned"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["indicator", "-period_end", "pk"]
        verbose_name = _("indicator update")
        verbose_name_plural = _("indicator updates")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="update_period_in_order",
                violation_error_message=_("The period ends before it starts."),
            ),
            # One value per indicator, place and period: a returned value is corrected in
            # place, never reported beside. Two conditions, since NULL (the programme itself)
            # never equals NULL in a unique index.
            models.UniqueConstraint(
                fields=["indicator", "city", "period_start", "period_end"],
                condition=Q(city__isnull=False),
                name="one_city_value_a_period",
                violation_error_message=_("This place already has a value for this period."),
            ),
            models.UniqueConstraint(
                fields=["indicator", "period_start", "period_end"],
                condition=Q(city__isnull=True),
                name="one_programme_value_a_period",
                violation_error_message=_("The programme already has a value for this period."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.period_start}–{self.period_end}: {self.value}"

    @classmethod
    def workflow(cls) -> Workflow:
        return UPDATE_MOVES


#: A reported value's way to counting: its reporter submits the draft, a programme manager
#: (never the reporter: four eyes) approves it or returns it with a reason; a draft or a
#: returned value is changed, and becomes a draft again.
UPDATE_MOVES = Workflow(
    [
        Move(
            "submit",
            (IndicatorUpdate.Status.DRAFT,),
            IndicatorUpdate.Status.SUBMITTED,
            _("Only a draft can be submitted."),
        ),
        *decision_moves(
            IndicatorUpdate.Status.SUBMITTED,
            IndicatorUpdate.Status.APPROVED,
            IndicatorUpdate.Status.RETURNED,
            _("Only a submitted value can be approved or returned."),
        ),
    ],
    editable=(IndicatorUpdate.Status.DRAFT, IndicatorUpdate.Status.RETURNED),
)


class DonorReport(models.Model):
    """A report to the donor for a period, frozen when issued: everything it shows is kept in
    `snapshot`, so later edits to the records do not change it."""

    programme = models.ForeignKey(
        "cities.Programme", on_delete=models.PROTECT, related_name="donor_reports"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    snapshot = models.JSONField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("donor report")
        verbose_name_plural = _("donor reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="report_period_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.period_start}–{self.period_end}"


class ReminderSent(models.Model):
    """One reminder digest a person was sent for a week: the digest runs at most once a week
    per person, however often its task runs."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()  # the Monday of the week
    sent_at = models.DateTimeField(default=timezone.now)
    items = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "week"], name="one_digest_a_week")]

    def __str__(self) -> str:
        return f"{self.user} {self.week}"
