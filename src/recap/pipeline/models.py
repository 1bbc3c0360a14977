"""Project concepts on their way to funders. The public site counts the submitted ones per
country against the programme's target."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recap.core.models import StoredDocument


class PreparationStage(models.TextChoices):
    """The stages a project goes through before it is built, as facilities name them."""

    CAPACITY = "capacity", _("Capacity building")
    CONCEPT = "concept", _("Concept and scoping")
    PREFEASIBILITY = "prefeasibility", _("Pre-feasibility")
    FEASIBILITY = "feasibility", _("Feasibility")
    STRUCTURING = "structuring", _("Structuring and transaction")
    IMPLEMENTATION = "implementation", _("Implementation")


class Facility(models.Model):
    """A project preparation facility or funder, as it publishes its mandate. Every field says
    where it comes from and when that was last checked (`sources`), because mandates, windows
    and amounts change: an entry not checked for a year is flagged."""

    #: The texts the directory ships in English only (pipeline/data/facilities.json): pages
    #: mark them as English for a French reader (`english_parts` in core's `content` tags).
    SHIPPED_IN_ENGLISH = ("operators", "applicants", "country_note", "cofinancing", "endorsements")

    class CountryRule(models.TextChoices):
        ODA = "oda", _("Countries on the OECD DAC list of ODA recipients")
        DEVELOPING = "developing", _("Developing countries (UNFCCC)")
        MEMBER = "member", _("Members of a regional development bank")
        NAMED = "named", _("Named countries")
        ANY = "any", _("Any country")

    class ApplicantType(models.TextChoices):
        LOCAL_GOVERNMENT = "local_government", _("Local government")
        MUNICIPAL_ENTERPRISE = "municipal_enterprise", _("Municipal enterprise or utility")
        NATIONAL_GOVERNMENT = "national_government", _("National government")
        DEVELOPER = "developer", _("Project developer")
        ACCREDITED_ENTITY = "accredited_entity", _("Accredited entity")

    class ClimateObjective(models.TextChoices):
        MITIGATION = "mitigation", _("Mitigation")
        ADAPTATION = "adaptation", _("Adaptation")
        DRR = "drr", _("Disaster risk reduction")

    class SupportType(models.TextChoices):
        TA_IN_KIND = "ta_in_kind", _("Technical assistance in kind")
        GRANT = "grant", _("Grant")
        REPAYABLE_GRANT = "repayable_grant", _("Repayable grant")
        EQUITY = "equity", _("Equity")
        LOAN = "loan", _("Loan")
        GUARANTEE = "guarantee", _("Guarantee")

    class CallWindow(models.TextChoices):
        ROLLING = "rolling", _("Rolling: apply at any time")
        CALLS = "calls", _("Calls with deadlines")
        CLOSED = "closed", _("Closed for now")
        UNKNOWN = "unknown", _("Not published")

    #: The fields each entry sources, in the order the directory shows them.
    SOURCED = (
        "applicants",
        "applicant_types",
        "country_rule",
        "countries",
        "sectors",
        "climate_objectives",
        "stages_supported",
        "minimum_stage",
        "support_types",
        "ticket_min_usd",
        "ticket_typical_usd",
        "ticket_max_usd",
        "cofinancing",
        "endorsements",
        "call_window",
    )
    #: How long a checked field stays current.
    CHECK_EVERY_DAYS = 365

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    operators = models.CharField(_("run by"), max_length=200)
    url = models.URLField(_("web page"))
    applicants = models.TextField(_("who may apply"))
    applicant_types = models.JSONField(_("applicant types"), default=list)
    country_rule = models.CharField(_("country rule"), max_length=20, choices=CountryRule.choices)
    countries = models.JSONField(
        _("countries (ISO codes)"),
        default=list,
        blank=True,
        help_text=_("For named countries or a bank's members: their two-letter codes."),
    )
    country_note = models.CharField(_("countries, in words"), max_length=300, blank=True)
    sectors = models.JSONField(_("sectors"), default=list)
    climate_objectives = models.JSONField(_("climate objectives"), default=list)
    stages_supported = models.JSONField(_("stages supported"), default=list)
    minimum_stage = models.CharField(
        _("minimum stage"), max_length=20, choices=PreparationStage.choices, blank=True
    )
    support_types = models.JSONField(_("support types"), default=list)
    ticket_min_usd = models.PositiveBigIntegerField(
        _("smallest ticket (US$)"), null=True, blank=True
    )
    ticket_typical_usd = models.PositiveBigIntegerField(
        _("typical ticket (US$)"), null=True, blank=True
    )
    ticket_max_usd = models.PositiveBigIntegerField(
        _("largest ticket (US$)"), null=True, blank=True
    )
    cofinancing = models.TextField(_("co-financing"), blank=True)
    endorsements = models.TextField(_("endorsements required"), blank=True)
    call_window = models.CharField(
        _("call window"), max_length=20, choices=CallWindow.choices, default=CallWindow.UNKNOWN
    )
    sources = models.JSONField(
        _("sources"),
        default=dict,
        help_text=_(
            "For each field: its source (a web page or document) and the date it was last "
            "checked against it (YYYY-MM-DD), or none if it has not been."
        ),
    )
    #: The funder organisation whose people (the funder role) read what is shared with this
    #: facility; set by the programme in the admin.
    organisation = models.ForeignKey(
        "cities.Organisation",
        verbose_name=_("funder organisation on ReCAP"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="facilities",
        limit_choices_to={"kind": "funder"},
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("facility or funder")
        verbose_name_plural = _("facilities and funders")

    def __str__(self) -> str:
        return self.name


class Stage(models.TextChoices):
    """Where a concept is on its way to finance. The main line, then the states beside it."""

    CANDIDATE = "candidate", _("Candidate")
    DRAFTED = "drafted", _("Concept drafted")
    SCREENED = "screened", _("Screened")
    SUBMITTED = "submitted", _("Submitted to the pipeline")
    PRESENTED = "presented", _("Presented or matched")
    PREPARATION = "preparation", _("In preparation")
    FINANCED = "financed", _("Financed")
    COMPLETED = "completed", _("Completed")
    ON_HOLD = "on_hold", _("On hold")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


#: The main line, in order.
MAIN_LINE = (
    Stage.CANDIDATE,
    Stage.DRAFTED,
    Stage.SCREENED,
    Stage.SUBMITTED,
    Stage.PRESENTED,
    Stage.PREPARATION,
    Stage.FINANCED,
    Stage.COMPLETED,
)
#: States a concept ends in (nothing moves it on).
CLOSED = (Stage.COMPLETED, Stage.WITHDRAWN, Stage.REJECTED, Stage.CANCELLED)
#: Closed without coming to anything: no longer on offer, so gone from the funders' pages too
#: (a funder still reads a completed concept it was shared, but writes on none that is closed).
OFF_OFFER = (Stage.WITHDRAWN, Stage.REJECTED, Stage.CANCELLED)


#: The record's sections, in the order of the harmonised form.
SECTIONS: list[tuple[Any, tuple[str, ...]]] = [
    (
        _("Identity"),
        (
            "title",
            "location",
            "applicant",
            "applicant_type",
            "lead_department",
            "contact_name",
            "contact_email",
        ),
    ),
    (
        _("Substance"),
        (
            "summary",
            "problem",
            "objectives",
            "kind",
            "sector",
            "sub_sectors",
            "climate_objectives",
            "hazards",
            "beneficiaries",
            "vulnerable_groups",
            "plan_fit",
            "scalability",
        ),
    ),
    (
        _("Maturity"),
        ("preparation_stage", "council_approval", "council_reference", "national_endorsement"),
    ),
    (_("Money"), ("currency", "total_cost", "om_cost_per_year")),
    (_("Results"), ("people_resilient", "tco2e_per_year")),
]


class ProjectConcept(models.Model):
    """One harmonised record of a project on its way to funders: the fields the facilities'
    forms ask for (CCFLA's harmonised form and the Gap Fund's expression of interest), filled
    once. What its source actions already hold (title, sector, hazards, cost, phase, value) is
    read from them, not copied: see `ConceptAction`."""

    class Kind(models.TextChoices):
        NEW = "new", _("New")
        REHABILITATION = "rehabilitation", _("Rehabilitation")
        EXPANSION = "expansion", _("Expansion")

    class Council(models.TextChoices):
        NONE = "none", _("Not yet sought")
        FORTHCOMING = "forthcoming", _("Forthcoming (on the council's agenda)")
        ADOPTED = "adopted", _("Adopted")

    Stage = Stage

    #: Stages that count as "submitted to the pipeline" (or further along) for the target.
    SUBMITTED_STAGES = (
        Stage.SUBMITTED,
        Stage.PRESENTED,
        Stage.PREPARATION,
        Stage.FINANCED,
        Stage.COMPLETED,
    )

    city = models.ForeignKey(
        "cities.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="concepts"
    )
    reference = models.CharField(_("reference"), max_length=40, unique=True, editable=False)
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.DRAFTED
    )
    #: The main-line stage a concept on hold returns to.
    held_from = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    stage_since = models.DateTimeField(_("in this stage since"), default=timezone.now)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    #: The review round under way (a decision to revise opens the next).
    review_round = models.PositiveSmallIntegerField(default=1)
    # Provenance: the package version its actions come from (none for a blank start).
    package_version = models.ForeignKey(
        "planning.PackageVersion",
        verbose_name=_("package version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concepts",
    )

    # Identity
    title = models.CharField(_("title"), max_length=200)
    location = models.CharField(_("location"), max_length=300, blank=True)
    applicant = models.CharField(_("applicant organisation"), max_length=200, blank=True)
    applicant_type = models.CharField(
        _("applicant type"), max_length=30, choices=Facility.ApplicantType.choices, blank=True
    )
    lead_department = models.CharField(_("lead department"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    # Substance
    summary = models.TextField(_("short description"), blank=True)
    problem = models.TextField(_("problem addressed"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    kind = models.CharField(_("new or existing"), max_length=20, choices=Kind.choices, blank=True)
    sector = models.CharField(_("main sector"), max_length=30, blank=True)
    sub_sectors = models.JSONField(_("sub-sectors"), default=list, blank=True)
    climate_objectives = models.JSONField(_("climate objectives"), default=list, blank=True)
    hazards = models.JSONField(_("hazards addressed"), default=list, blank=True)
    beneficiaries = models.PositiveIntegerField(_("people benefiting"), null=True, blank=True)
    vulnerable_groups = models.TextField(_("vulnerable groups benefiting"), blank=True)
    plan_fit = models.TextField(_("fit with city and national plans"), blank=True)
    scalability = models.TextField(_("scalability and replication"), blank=True)

    # Maturity
    preparation_stage = models.CharField(
        _("preparation reached"), max_length=20, choices=PreparationStage.choices, blank=True
    )
    council_approval = models.CharField(
        _("council approval"), max_length=20, choices=Council.choices, default=Council.NONE
    )
    council_reference = models.CharField(
        _("council decision (reference or date)"), max_length=200, blank=True
    )
    national_endorsement = models.CharField(
        _("national endorsement"),
        max_length=300,
        blank=True,
        help_text=_("The national body that endorses the project, and the letter if there is one."),
    )

    # Money (US$ unless said otherwise)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    total_cost = models.PositiveBigIntegerField(
        _("total cost"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the sum of the source actions' costs."),
    )
    om_cost_per_year = models.PositiveBigIntegerField(
        _("operation and maintenance a year"), null=True, blank=True
    )

    # Results
    people_resilient = models.PositiveIntegerField(
        _("people with increased resilience"), null=True, blank=True
    )
    tco2e_per_year = models.DecimalField(
        _("emissions avoided (tCO2e a year)"),
        max_digits=12,
        decimal_places=1,
        null=True,
        blank=True,
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city", "reference"]
        verbose_name = _("project concept")
        verbose_name_plural = _("project concepts")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("concepts:detail", kwargs={"slug": self.city.slug, "pk": self.pk})

    @property
    def is_blank_start(self) -> bool:
        return self.package_version_id is None


class ConceptAction(models.Model):
    """A source action of a concept, by reference: its title, sector, hazards, cost and phase
    are read from the candidate action itself, so a change there shows on the concept. The
    value and the cost the package was chosen with are kept as they were in its run."""

    concept = models.ForeignKey(ProjectConcept, on_delete=models.CASCADE, related_name="sources")
    candidate = models.ForeignKey(
        "catalogue.CandidateAction", on_delete=models.PROTECT, related_name="concept_uses"
    )
    code = models.CharField(max_length=20)  # as it was in the run
    cost_in_run = models.PositiveBigIntegerField()
    value_in_run = models.FloatField(null=True)

    class Meta:
        ordering = ["concept", "code"]
        constraints = [
            models.UniqueConstraint(fields=["concept", "candidate"], name="concept_action_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} in {self.concept_id}"


class FundingSource(models.Model):
    class Kind(models.TextChoices):
        OWN = "own", _("City's own funds or equity")
        GOVERNMENT_GRANT = "government_grant", _("Other government: grant")
        GOVERNMENT_LOAN = "government_loan", _("Other government: loan or equity")
        PRIVATE_EQUITY = "private_equity", _("Private equity")
        PRIVATE_LOAN = "private_loan", _("Private loan")
        GRANT = "grant", _("Grant (donor or fund)")
        CONCESSIONAL = "concessional", _("Development bank loan")

    class Status(models.TextChoices):
        SECURED = "secured", _("Secured")
        COMMITTED = "committed", _("Committed, not yet signed")
        SOUGHT = "sought", _("Sought")

    concept = models.ForeignKey(
        ProjectConcept, on_delete=models.CASCADE, related_name="funding_sources"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("from whom"), max_length=200)
    amount = models.PositiveBigIntegerField(_("amount"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)

    class Meta:
        ordering = ["concept", "pk"]
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")

    def __str__(self) -> str:
        return f"{self.name}: {self.amount}"


class PreparationCost(models.Model):
    class Item(models.TextChoices):
        FEASIBILITY = "feasibility", _("Feasibility study")
        ESIA = "esia", _("Environmental and social assessment")
        PERMITS = "permits", _("Permits")
        LAND = "land", _("Land")
        LEGAL = "legal", _("Legal and transaction advice")
        DESIGN = "design", _("Detailed design")
        OTHER = "other", _("Other")

    concept = models.ForeignKey(
        ProjectConcept, on_delete=models.CASCADE, related_name="preparation_costs"
    )
    item = models.CharField(_("item"), max_length=20, choices=Item.choices)
    amount = models.PositiveBigIntegerField(_("amount"))

    class Meta:
        ordering = ["concept", "pk"]
        verbose_name = _("preparation cost")
        verbose_name_plural = _("preparation costs")

    def __str__(self) -> str:
        return f"{self.item}: {self.amount}"


class ResultIndicator(models.Model):
    concept = models.ForeignKey(ProjectConcept, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=50)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["concept", "pk"]
        verbose_name = _("result indicator")
        verbose_name_plural = _("result indicators")

    def __str__(self) -> str:
        return self.name


class Study(models.Model):
    concept = models.ForeignKey(ProjectConcept, on_delete=models.CASCADE, related_name="studies")
    name = models.CharField(_("study"), max_length=200)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Meta:
        ordering = ["concept", "completed_on", "pk"]
        verbose_name = _("study")
        verbose_name_plural = _("studies")

    def __str__(self) -> str:
        return self.name


class ConceptMove(models.Model):
    """One move of a concept from stage to stage: who, when and why. The public figure of
    concepts submitted per country is counted from these."""

    concept = models.ForeignKey(ProjectConcept, on_delete=models.CASCADE, related_name="moves")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["concept", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} → {self.to_stage}"


class ConceptShare(models.Model):
    """A submitted concept shared with a facility: its funders can then read it."""

    concept = models.ForeignKey(ProjectConcept, on_delete=models.CASCADE, related_name="shares")
    facility = models.ForeignKey("Facility", on_delete=models.CASCADE, related_name="shares")
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    shared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["concept", "facility"]
        constraints = [
            models.UniqueConstraint(fields=["concept", "facility"], name="concept_shared_once")
        ]

    def __str__(self) -> str:
        return f"{self.concept_id} → {self.facility_id}"


class FunderMessage(models.Model):
    """A funder's question or expression of interest on a shared concept, or the city's reply."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        INTEREST = "interest", _("Expression of interest")
        REPLY = "reply", _("Reply from the city")

    concept = models.ForeignKey(
        ProjectConcept, on_delete=models.CASCADE, related_name="funder_messages"
    )
    facility = models.ForeignKey("Facility", on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["concept", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.concept_id}"


class Rubric(models.Model):
    """A set of questions reviewers score a concept against, held as data (loaded from
    pipeline/data/rubrics.json): the pipeline's screening criteria and a bankability checklist.
    `criteria` is a list of {"code", "question", "guidance"}; each is scored 0–3."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    about = models.TextField(blank=True)
    criteria = models.JSONField(default=list)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("review rubric")
        verbose_name_plural = _("review rubrics")

    def __str__(self) -> str:
        return self.name


class ConceptReview(models.Model):
    """One reviewer's scores and comments on a concept, in one review round. The comments are
    returned to the city; the scores are read beside the other reviewers'."""

    concept = models.ForeignKey(ProjectConcept, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField(default=1)
    #: {rubric code: {criterion code: 0..3}}
    scores = models.JSONField(default=dict)
    comment = models.TextField(_("comments for the city"))
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["concept", "round", "submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["concept", "reviewer", "round"], name="one_review_a_round"
            )
        ]

    def __str__(self) -> str:
        return f"review of {self.concept_id} by {self.reviewer_id} (round {self.round})"


class ReviewDecision(models.Model):
    """The programme manager's decision on a review round, with the feedback the city sees."""

    class Decision(models.TextChoices):
        ACCEPT = "accept", _("Accept: screened")
        REVISE = "revise", _("Revise and resubmit")
        REJECT = "reject", _("Reject")

    concept = models.ForeignKey(ProjectConcept, on_delete=models.CASCADE, related_name="decisions")
    round = models.PositiveSmallIntegerField()
    decision = models.CharField(max_length=10, choices=Decision.choices)
    feedback = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["concept", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.decision} on {self.concept_id} (round {self.round})"


class ConceptAttachment(StoredDocument):
    """A document of a concept (the council's decision, a study, an endorsement letter), its
    type read from its content."""

    class Role(models.TextChoices):
        COUNCIL = "council", _("Council decision")
        STUDY = "study", _("Study")
        ENDORSEMENT = "endorsement", _("Endorsement letter")
        PHOTO = "photo", _("Photo or map")
        OTHER = "other", _("Other")

    concept = models.ForeignKey(
        ProjectConcept, on_delete=models.CASCADE, related_name="attachments"
    )
    role = models.CharField(_("what it is"), max_length=20, choices=Role.choices)
    title = models.CharField(_("title"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["concept", "role", "uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title

    def storage_folder(self) -> str:
        return f"concepts/{self.concept_id}"


class Allocation(models.Model):
    """A decision on sharing a pot (preparation support, technical-assistance days, a small
    grant window) among concepts, chosen by the exact portfolio optimiser
    (`recap.engine.portfolio`) and saved with its rationale: the programme's, among the concepts
    in its pipeline (`programme` set), or a facility's, among the concepts shared with it
    (`facility` set); never both. A pot's decisions are versions: `number` counts them within
    their owner, and a new one supersedes the last; none is ever edited. `spec` is the engine's
    input exactly as solved (the claims, their values and asks in the pot's currency, the
    rules), `result` its answer (awards, explanations, the prices of the fairness rules),
    `choices` what the decider chose (ask basis, weights, rates), `claims` each claim's concept
    as it was read (title, city, the parts of its value, notes), `left_out` the concepts that
    could not be claims and why."""

    class Basis(models.TextChoices):
        PREPARATION = "preparation", _("its preparation costs")
        GAP = "gap", _("its funding gap")

    programme = models.ForeignKey(
        "cities.Programme",
        on_delete=models.CASCADE,
        related_name="allocations",
        null=True,
        blank=True,
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="allocations", null=True, blank=True
    )
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("what the pot is"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3)
    pot = models.PositiveBigIntegerField(_("pot"))
    basis = models.CharField(_("a concept asks for"), max_length=12, choices=Basis.choices)
    choices = models.JSONField(default=dict)
    spec = models.JSONField(default=dict)
    claims = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    left_out = models.JSONField(default=list)
    rationale = models.TextField(_("rationale"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme", "facility", "-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(programme__isnull=True) ^ Q(facility__isnull=True),
                name="allocation_one_owner",
            ),
            models.UniqueConstraint(
                fields=["programme", "number"],
                condition=Q(programme__isnull=False),
                name="allocation_version_once",
            ),
            models.UniqueConstraint(
                fields=["facility", "number"],
                condition=Q(facility__isnull=False),
                name="facility_allocation_version_once",
            ),
        ]
        verbose_name = _("portfolio decision")
        verbose_name_plural = _("portfolio decisions")

    def __str__(self) -> str:
        return f"{self.name} (v{self.number})"

    def get_absolute_url(self) -> str:
        if self.facility is not None:
            return reverse(
                "board:facility_allocation",
                kwargs={"code": self.facility.code, "number": self.number},
            )
        return reverse("board:allocation", kwargs={"number": self.number})

    def pdf_url(self) -> str:
        if self.facility is not None:
            return reverse(
                "board:facility_allocation_pdf",
                kwargs={"code": self.facility.code, "number": self.number},
            )
        return reverse("board:allocation_pdf", kwargs={"number": self.number})


class AllocationAward(models.Model):
    """One concept a decision supports, with the amount (in the decision's currency), what it
    asked, and the stage the decision moved it to (blank when it stayed where it was)."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="awards")
    concept = models.ForeignKey(
        ProjectConcept, on_delete=models.PROTECT, related_name="allocation_awards"
    )
    amount = models.PositiveBigIntegerField(_("award"))
    ask = models.PositiveBigIntegerField(_("ask"))
    moved_to = models.CharField(max_length=20, choices=Stage.choices, blank=True)

    class Meta:
        ordering = ["allocation", "-amount", "concept__reference"]
        constraints = [models.UniqueConstraint(fields=["allocation", "concept"], name="award_once")]

    def __str__(self) -> str:
        return f"{self.amount} to {self.concept_id} in {self.allocation_id}"
