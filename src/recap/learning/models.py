"""What cities learn and share: lessons and case studies, drafted by a city, published by the
programme, public once published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager

from recap.core.models import StoredDocument
from recap.core.workflow import Move, UnderReview, Workflow


class Lesson(UnderReview, models.Model):
    class Kind(models.TextChoices):
        LESSON = "lesson", _("Lesson learned")
        CASE_STUDY = "case_study", _("Case study")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for publication")
        PUBLISHED = "published", _("Published")

    city = models.ForeignKey(
        "cities.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="lessons"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.LESSON)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500)
    context = models.TextField(_("context"))
    what_was_done = models.TextField(_("what was done"))
    results = models.TextField(_("results, with figures"))
    differently = models.TextField(_("what we would do differently"), blank=True)
    cost_usd = models.PositiveBigIntegerField(_("cost (US$)"), null=True, blank=True)
    partners = models.CharField(_("partners"), max_length=300, blank=True)
    hazards = models.ManyToManyField(
        "hazards.HazardType", verbose_name=_("hazards"), blank=True, related_name="lessons"
    )
    actions = models.ManyToManyField(
        "catalogue.CatalogueAction",
        verbose_name=_("catalogue actions"),
        blank=True,
        related_name="lessons",
    )
    measures = models.ManyToManyField(
        "tracking.Measure", verbose_name=_("small-scale measures"), blank=True
    )
    concepts = models.ManyToManyField(
        "pipeline.ProjectConcept", verbose_name=_("project concepts"), blank=True
    )
    #: Written for the demo or from the programme's plans rather than from a city's own words.
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    return_reason = models.TextField(_("why it was returned"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Declared so that type checkers see it: django-modeltranslation would otherwise swap
    # in a manager of its own making at start (reads and filters in the reader's language).
    objects = MultilingualManager()

    class Meta:
        ordering = ["-published_at", "title"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lessons:detail", kwargs={"pk": self.pk})

    @classmethod
    def workflow(cls) -> Workflow:
        return LESSON_MOVES


#: A lesson's way to publication: the city submits its draft, the programme's manager publishes
#: it or returns it (a published one too) to the city with a reason. Only a draft is edited.
LESSON_MOVES = Workflow(
    [
        Move(
            "submit",
            (Lesson.Status.DRAFT,),
            Lesson.Status.SUBMITTED,
            _("Only a draft can be submitted."),
        ),
        Move(
            "publish",
            (Lesson.Status.SUBMITTED,),
            Lesson.Status.PUBLISHED,
            _("Only a submitted lesson can be published."),
        ),
        Move(
            "return",
            (Lesson.Status.SUBMITTED, Lesson.Status.PUBLISHED),
            Lesson.Status.DRAFT,
            _("This lesson is already with the city."),
            needs_reason=True,
            reason_asked=_("Say why it goes back to the city."),
        ),
    ],
    editable=(Lesson.Status.DRAFT,),
)


class PeerList(models.TextChoices):
    SIMILAR = "similar", _("Similar to me")
    HELP = "help", _("Can help me")


class PeerOverride(models.Model):
    """The programme's word on one computed match: pinned to the top of a city's list, or
    hidden from it (the programme still sees it, marked)."""

    class Action(models.TextChoices):
        PIN = "pin", _("Pinned")
        HIDE = "hide", _("Hidden")

    city = models.ForeignKey("cities.City", on_delete=models.CASCADE, related_name="+")
    peer = models.ForeignKey("cities.City", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=PeerList.choices)
    action = models.CharField(max_length=10, choices=Action.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "peer", "kind"], name="one_override_per_match"),
            models.CheckConstraint(
                condition=~models.Q(city=models.F("peer")), name="override_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.peer_id} for {self.city_id} ({self.kind})"


class Exchange(models.Model):
    """A city asks a peer city a question or proposes an exchange; replies are threaded.
    Seen by the two cities' members and the people of a programme either city belongs to."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        DOCUMENT = "document", _("Document")

    from_city = models.ForeignKey(
        "cities.City",
        verbose_name=_("from"),
        on_delete=models.CASCADE,
        related_name="exchanges_started",
    )
    to_city = models.ForeignKey(
        "cities.City",
        verbose_name=_("to"),
        on_delete=models.CASCADE,
        related_name="exchanges_received",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.QUESTION)
    subject = models.CharField(_("subject"), max_length=200)
    lesson = models.ForeignKey(
        Lesson,
        verbose_name=_("about the lesson"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchanges",
    )
    is_closed = models.BooleanField(_("closed"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    #: The city whose turn it is to answer (the other one wrote last); null once closed.
    awaiting = models.ForeignKey(
        "cities.City", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_city=models.F("to_city")), name="exchange_two_cities"
            )
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("lessons:exchange", kwargs={"pk": self.pk})


class ExchangeMessage(StoredDocument):
    """A message of an exchange, with a document shared with it (one at most; its type read
    from its bytes)."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="messages")
    city = models.ForeignKey("cities.City", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    upload_field = "attachment"

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.exchange_id}: {self.body[:40]}"

    def storage_folder(self) -> str:
        return "exchanges"


class SearchDocument(models.Model):
    """One searchable record (a lesson, a catalogue action, a measure or a concept) in both
    languages, kept current by `learning.search` as the records change. On SQLite an FTS5 table
    mirrors it (migration 0004); on PostgreSQL its columns are searched with full-text search.
    Who may read the record is decided when searching, by the record's own policy."""

    class Kind(models.TextChoices):
        LESSON = "lesson", _("Lesson")
        ACTION = "action", _("Catalogue action")
        MEASURE = "measure", _("Small-scale measure")
        CONCEPT = "concept", _("Project concept")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    ref = models.PositiveIntegerField()
    city = models.ForeignKey("cities.City", on_delete=models.CASCADE, null=True, related_name="+")
    country = models.ForeignKey(
        "cities.Country", on_delete=models.CASCADE, null=True, related_name="+"
    )
    hazards = models.CharField(max_length=1000, blank=True)  # " code code " for filtering
    sectors = models.CharField(max_length=300, blank=True)  # " sector sector "
    url = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300, blank=True)
    title_fr = models.CharField(max_length=300, blank=True)
    summary_en = models.TextField(blank=True)
    summary_fr = models.TextField(blank=True)
    body_en = models.TextField(blank=True)
    body_fr = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "ref"], name="one_document_each")]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref}"
