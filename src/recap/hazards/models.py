"""A city's shocks and stresses: a taxonomy admins can extend, and each city's register, with
every earlier state kept so it can be seen and restored."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager

SCALE = [MinValueValidator(1), MaxValueValidator(5)]


class HazardType(models.Model):
    class Family(models.TextChoices):
        METEOROLOGICAL = "meteorological", _("Meteorological")
        CLIMATOLOGICAL = "climatological", _("Climatological")
        HYDROLOGICAL = "hydrological", _("Hydrological")
        GEOPHYSICAL = "geophysical", _("Geophysical")
        BIOLOGICAL = "biological", _("Biological")
        ENVIRONMENTAL = "environmental", _("Environmental")
        TECHNOLOGICAL = "technological", _("Technological")
        SOCIETAL = "societal", _("Societal and economic")

    class Kind(models.TextChoices):
        SHOCK = "shock", _("Shock")
        STRESS = "stress", _("Stress")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    family = models.CharField(_("family"), max_length=20, choices=Family.choices)
    kind = models.CharField(_("shock or stress"), max_length=10, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("offered to cities"), default=True)

    # Declared so that type checkers see it: django-modeltranslation would otherwise swap
    # in a manager of its own making at start (reads and filters in the reader's language).
    objects = MultilingualManager()

    class Meta:
        ordering = ["family", "name"]
        verbose_name = _("hazard type")
        verbose_name_plural = _("hazard types")

    def __str__(self) -> str:
        return self.name


class Trend(models.TextChoices):
    RISING = "rising", _("Rising")
    STABLE = "stable", _("Stable")
    FALLING = "falling", _("Falling")


class CityHazard(models.Model):
    """One entry of a city's register: how likely a hazard is, how bad, and where it is going."""

    city = models.ForeignKey(
        "cities.City", verbose_name=_("city"), on_delete=models.CASCADE, related_name="hazards"
    )
    hazard = models.ForeignKey(
        HazardType, verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="+"
    )
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood (1–5)"), validators=SCALE, help_text=_("1 rare … 5 almost certain")
    )
    impact = models.PositiveSmallIntegerField(
        _("impact (1–5)"), validators=SCALE, help_text=_("1 minor … 5 catastrophic")
    )
    trend = models.CharField(_("trend"), max_length=10, choices=Trend.choices, default=Trend.STABLE)
    affected_groups = models.TextField(_("affected groups"), blank=True)
    affected_areas = models.TextField(_("affected areas"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["city", "-likelihood", "-impact"]
        verbose_name = _("city hazard")
        verbose_name_plural = _("city hazards")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "hazard"],
                name="one_entry_per_hazard_and_city",
                violation_error_message=_("This hazard is already in the city's register."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5
                ),
                name="hazard_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hazard} ({self.city})"

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def level(self) -> str:
        """low / medium / high / very high, by likelihood × impact."""
        s = self.score
        if s >= 15:
            return "very_high"
        if s >= 10:
            return "high"
        if s >= 5:
            return "medium"
        return "low"


class CityHazardVersion(models.Model):
    """A snapshot of one register entry after each change (or just before its deletion)."""

    class Change(models.TextChoices):
        CREATED = "created", _("Added")
        UPDATED = "updated", _("Changed")
        DELETED = "deleted", _("Removed")
        RESTORED = "restored", _("Restored")

    city = models.ForeignKey("cities.City", on_delete=models.CASCADE, related_name="+")
    hazard = models.ForeignKey(HazardType, on_delete=models.PROTECT, related_name="+")
    change = models.CharField(max_length=10, choices=Change.choices)
    data = models.JSONField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("hazard register version")
        verbose_name_plural = _("hazard register versions")

    def __str__(self) -> str:
        return f"{self.hazard} {self.change} {self.created_at:%Y-%m-%d %H:%M}"
