"""Project concepts on their way to funders. The public site counts the submitted ones per
country against the programme's target."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectConcept(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted to the pipeline")
        IN_REVIEW = "in_review", _("In review")
        PRESENTED = "presented", _("Presented to funders")
        FINANCED = "financed", _("Financed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    #: Statuses that count as "submitted to the pipeline" for the programme's target.
    SUBMITTED_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.PRESENTED, Status.FINANCED)

    city = models.ForeignKey(
        "cities.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="concepts"
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("short description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city", "title"]
        verbose_name = _("project concept")
        verbose_name_plural = _("project concepts")

    def __str__(self) -> str:
        return self.title


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
        LOAN = "loan", _("Loan")
        GUARANTEE = "guarantee", _("Guarantee")

    class CallWindow(models.TextChoices):
        ROLLING = "rolling", _("Rolling: apply at any time")
        CALLS = "calls", _("Calls with deadlines")
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
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("facility or funder")
        verbose_name_plural = _("facilities and funders")

    def __str__(self) -> str:
        return self.name
