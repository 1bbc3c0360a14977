"""The catalogue of recovery and resilience actions cities choose from."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager

# The engine's value model defines the qualities and co-benefits an action is scored on.
from recap.engine.value import CO_BENEFITS

SCORE = [MinValueValidator(0), MaxValueValidator(3)]


class Sector(models.TextChoices):
    HEALTH = "health", _("Health")
    WATER = "water_sanitation", _("Water and sanitation")
    ENERGY = "energy", _("Energy")
    MOBILITY = "mobility", _("Mobility")
    HOUSING = "housing_informal", _("Housing and informal settlements")
    FOOD = "food", _("Food systems")
    ECONOMY = "local_economy", _("Local economy and jobs")
    NATURE = "nature_based", _("Nature-based solutions")
    DRM = "drm", _("Disaster risk management")
    GOVERNANCE = "governance", _("Governance")
    DIGITAL = "digital", _("Digital")


class Phase(models.TextChoices):
    SHORT = "short", _("Short term")
    MEDIUM = "medium", _("Medium term")


#: Every 0–3 rating an action carries: its co-benefits, then how feasible it is to carry out.
RATINGS = (*CO_BENEFITS, "feasibility")
FEASIBILITY_HELP = _(
    "0 very hard (years, many approvals) to 3 straightforward (months, the city's own staff)"
)

# Cost bands for filtering, in US dollars (upper bound of the indicative range).
COST_BANDS = {
    "small": (0, 100_000),
    "medium": (100_000, 1_000_000),
    "large": (1_000_000, None),
}


class ReferenceClassCode(models.TextChoices):
    """The reference classes an action's cost range may come from; their published uplifts
    and sources are data (`data/reference_classes.json`, read by `reference_classes`)."""

    BUILDING = "building", _("Building")
    CIVIL_WORKS = "civil_works", _("Civil works")
    NATURE_BASED = "nature_based", _("Nature-based works")
    EQUIPMENT = "equipment", _("Equipment")
    ICT = "ict", _("Digital and ICT")
    PROGRAMME = "programme", _("Programme or soft measure")


class CatalogueAction(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"))
    sectors = models.JSONField(
        _("sectors"), default=list, help_text=_("The first is the main sector.")
    )
    hazards = models.JSONField(
        _("hazards addressed"),
        default=dict,
        blank=True,
        help_text=_("Hazard code → effectiveness 0–3"),
    )
    qualities = models.JSONField(_("resilience qualities"), default=list)
    economy = models.PositiveSmallIntegerField(_("economy and jobs"), validators=SCORE, default=0)
    equity = models.PositiveSmallIntegerField(_("equity"), validators=SCORE, default=0)
    mitigation = models.PositiveSmallIntegerField(
        _("climate mitigation"), validators=SCORE, default=0
    )
    adaptation = models.PositiveSmallIntegerField(_("adaptation"), validators=SCORE, default=0)
    health = models.PositiveSmallIntegerField(_("health"), validators=SCORE, default=0)
    feasibility = models.PositiveSmallIntegerField(
        _("feasibility"), validators=SCORE, default=2, help_text=FEASIBILITY_HELP
    )
    cost_min_usd = models.PositiveIntegerField(_("indicative cost from (US$)"))
    cost_max_usd = models.PositiveIntegerField(_("indicative cost to (US$)"))
    reference_class = models.CharField(
        _("cost reference class"),
        max_length=20,
        choices=ReferenceClassCode.choices,
        blank=True,
        help_text=_("Where its cost range comes from when a city gives none."),
    )
    staff_fte = models.DecimalField(
        _("staff effort (FTE)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    months_to_implement = models.PositiveSmallIntegerField(
        _("months to implement"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices)
    prerequisites = models.JSONField(_("prerequisites"), default=list, blank=True)
    kpis = models.JSONField(_("indicators (KPIs)"), default=list, blank=True)
    is_active = models.BooleanField(_("offered to cities"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Declared so that type checkers see it: django-modeltranslation would otherwise swap
    # in a manager of its own making at start (reads and filters in the reader's language).
    objects = MultilingualManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("catalogue action")
        verbose_name_plural = _("catalogue actions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost_max_usd__gte=models.F("cost_min_usd")),
                name="catalogue_cost_range_ordered",
                violation_error_message=_("The upper cost must not be below the lower cost."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("catalogue:detail", kwargs={"code": self.code})

    @property
    def main_sector(self) -> str:
        return self.sectors[0] if self.sectors else ""

    @property
    def co_benefits(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in CO_BENEFITS}

    def sector_labels(self) -> list[str]:
        labels = dict(Sector.choices)
        return [str(labels.get(s, s)) for s in self.sectors]


class CandidateAction(models.Model):
    """An action a city considers: adopted from the catalogue (and adapted) or its own."""

    city = models.ForeignKey(
        "cities.City", verbose_name=_("city"), on_delete=models.CASCADE, related_name="candidates"
    )
    source = models.ForeignKey(
        CatalogueAction,
        verbose_name=_("from the catalogue"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adoptions",
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    sectors = models.JSONField(_("sectors"), default=list)
    hazards = models.JSONField(_("hazards addressed"), default=dict, blank=True)
    qualities = models.JSONField(_("resilience qualities"), default=list, blank=True)
    economy = models.PositiveSmallIntegerField(_("economy and jobs"), validators=SCORE, default=0)
    equity = models.PositiveSmallIntegerField(_("equity"), validators=SCORE, default=0)
    mitigation = models.PositiveSmallIntegerField(
        _("climate mitigation"), validators=SCORE, default=0
    )
    adaptation = models.PositiveSmallIntegerField(_("adaptation"), validators=SCORE, default=0)
    health = models.PositiveSmallIntegerField(_("health"), validators=SCORE, default=0)
    feasibility = models.PositiveSmallIntegerField(
        _("feasibility"), validators=SCORE, default=2, help_text=FEASIBILITY_HELP
    )
    local_cost_usd = models.PositiveIntegerField(_("local cost estimate (US$)"))
    cost_low_usd = models.PositiveIntegerField(
        _("lowest likely cost (US$)"),
        null=True,
        blank=True,
        help_text=_("Leave empty to take the range of its reference class."),
    )
    cost_high_usd = models.PositiveIntegerField(
        _("highest likely cost (US$)"),
        null=True,
        blank=True,
        help_text=_(
            "What it may cost if things go badly. "
            "Leave empty to take the range of its reference class."
        ),
    )
    reference_class = models.CharField(
        _("cost reference class"),
        max_length=20,
        choices=ReferenceClassCode.choices,
        blank=True,
        help_text=_(
            "The kind of project its cost overruns are read from (published overrun data)."
        ),
    )
    staff_fte = models.DecimalField(
        _("staff effort (FTE)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices)
    lead_department = models.CharField(_("lead department"), max_length=120, blank=True)
    partners = models.CharField(_("partners"), max_length=300, blank=True)
    feasibility_notes = models.TextField(_("feasibility notes"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city", "code"]
        verbose_name = _("candidate action")
        verbose_name_plural = _("candidate actions")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "code"],
                name="candidate_code_unique_per_city",
                violation_error_message=_(
                    "The city already has a candidate action with this code."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(cost_low_usd__isnull=True)
                | models.Q(cost_low_usd__lte=models.F("local_cost_usd")),
                name="candidate_cost_low_at_most_estimate",
                violation_error_message=_("The lowest likely cost cannot be above the estimate."),
            ),
            models.CheckConstraint(
                condition=models.Q(cost_high_usd__isnull=True)
                | models.Q(cost_high_usd__gte=models.F("local_cost_usd")),
                name="candidate_cost_high_at_least_estimate",
                violation_error_message=_("The highest likely cost cannot be below the estimate."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def cost_range(self) -> Any:  # reference_classes.CostRange
        """Its (low, most likely, high) cost and where the range comes from: the city's own,
        its reference class's (its own class, else its catalogue action's), or none."""
        from .reference_classes import cost_range

        code = self.reference_class or (self.source.reference_class if self.source else "")
        return cost_range(self.local_cost_usd, self.cost_low_usd, self.cost_high_usd, code)

    @property
    def co_benefits(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in CO_BENEFITS}

    def sector_labels(self) -> list[str]:
        labels = dict(Sector.choices)
        return [str(labels.get(s, s)) for s in self.sectors]
