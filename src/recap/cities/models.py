"""Countries, cities, organisations (city governments, the network's offices, partners, funders)
and the programmes that bring them together."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager


class Region(models.TextChoices):
    WORLD = "world", _("World Secretariat")
    EUROPE = "europe", _("Europe")
    AFRICA = "africa", _("Africa")
    NORTH_AMERICA = "north_america", _("North America")
    CENTRAL_AMERICA = "central_america", _("Central America and the Caribbean")
    SOUTH_AMERICA = "south_america", _("South America")
    SOUTH_ASIA = "south_asia", _("South Asia")
    EAST_ASIA = "east_asia", _("East Asia")
    SOUTHEAST_ASIA = "southeast_asia", _("Southeast Asia")
    OCEANIA = "oceania", _("Oceania")


class IncomeGroup(models.TextChoices):
    """The World Bank's income groups, poorest first (peer matching reads the order)."""

    LOW = "low", _("Low income")
    LOWER_MIDDLE = "lower_middle", _("Lower-middle income")
    UPPER_MIDDLE = "upper_middle", _("Upper-middle income")
    HIGH = "high", _("High income")


#: The working languages a city may name (ISO 639-1), for peer matching.
WORKING_LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("ar", _("Arabic")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("bn", _("Bengali")),
    ("rw", _("Kinyarwanda")),
    ("sw", _("Swahili")),
]


def validate_languages(value: object) -> None:
    known = dict(WORKING_LANGUAGES)
    if not isinstance(value, list) or any(code not in known for code in value):
        raise ValidationError(
            _("Choose working languages from the list: %(codes)s.") % {"codes": ", ".join(known)}
        )


class Country(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    iso2 = models.CharField(_("ISO code"), max_length=2, unique=True)
    region = models.CharField(_("region"), max_length=32, choices=Region.choices)
    income_group = models.CharField(
        _("income group"), max_length=20, choices=IncomeGroup.choices, blank=True
    )

    # Declared so that type checkers see it: django-modeltranslation would otherwise swap
    # in a manager of its own making at start (reads and filters in the reader's language).
    objects = MultilingualManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        CITY_GOVERNMENT = "city_government", _("City government")
        SECRETARIAT = "secretariat", _("Network secretariat")
        REGIONAL_OFFICE = "regional_office", _("Regional or country office")
        PARTNER = "partner", _("Partner")
        FUNDER = "funder", _("Funder")

    OFFICE_KINDS = (Kind.SECRETARIAT, Kind.REGIONAL_OFFICE)

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    region = models.CharField(_("region"), max_length=32, choices=Region.choices, blank=True)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, null=True, blank=True
    )
    locality = models.CharField(_("town or city"), max_length=100, blank=True)
    address = models.TextField(_("postal address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Contact details are facts: each office's carry where they were read and when, and a note
    # of what that source does not give (never a number made up to fill the gap).
    contact_source = models.CharField(
        _("source of the contact details"), max_length=300, blank=True
    )
    contact_checked = models.DateField(_("contact details checked on"), null=True, blank=True)
    contact_note = models.CharField(_("note on the contact details"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["name", "kind"], name="organisation_name_kind_unique"),
            models.CheckConstraint(
                condition=~Q(kind__in=["secretariat", "regional_office"]) | ~Q(region=""),
                name="office_has_region",
                violation_error_message=_("An office must belong to a region."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_office(self) -> bool:
        return self.kind in self.OFFICE_KINDS


class City(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name in addresses"), max_length=80, unique=True)
    country = models.ForeignKey(Country, verbose_name=_("country"), on_delete=models.PROTECT)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(
        _("population year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    population_growth = models.DecimalField(
        _("population growth (% a year)"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(-10), MaxValueValidator(20)],
    )
    languages = models.JSONField(
        _("working languages"),
        default=list,
        blank=True,
        help_text=_("The languages the city government works in."),
        validators=[validate_languages],
    )
    shares_with_peers = models.BooleanField(
        _("share with peer cities"),
        default=False,
        help_text=_(
            "Let peer matching read the hazard register, the latest assessment's results and "
            "the measures and concepts under way, and name what the cities have in common to "
            "the other cities' teams."
        ),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        null=True,
        blank=True,
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        null=True,
        blank=True,
    )
    regional_office = models.ForeignKey(
        Organisation,
        verbose_name=_("regional office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cities_supported",
        limit_choices_to={"kind__in": Organisation.OFFICE_KINDS},
    )
    government = models.ForeignKey(
        Organisation,
        verbose_name=_("city government"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="governed_cities",
        limit_choices_to={"kind": Organisation.Kind.CITY_GOVERNMENT},
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    context = models.TextField(
        _("context"),
        blank=True,
        help_text=_("Shocks, stresses and priorities in a few paragraphs."),
    )
    is_public = models.BooleanField(
        _("public profile"), default=True, help_text=_("Show this city on the public site.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Declared so that type checkers see it: django-modeltranslation would otherwise swap
    # in a manager of its own making at start (reads and filters in the reader's language).
    objects = MultilingualManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cities:profile", kwargs={"slug": self.slug})


class Programme(models.Model):
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40)
    slug = models.SlugField(max_length=60, unique=True)
    summary = models.TextField(_("summary"), blank=True)
    countries = models.ManyToManyField(Country, verbose_name=_("countries"), blank=True)
    cities = models.ManyToManyField(
        City, verbose_name=_("participating cities"), related_name="programmes", blank=True
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    donor = models.ForeignKey(
        Organisation,
        verbose_name=_("donor"),
        on_delete=models.PROTECT,
        related_name="programmes_funded",
        null=True,
        blank=True,
    )
    implementers = models.ManyToManyField(
        Organisation, verbose_name=_("implementing partners"), related_name="programmes", blank=True
    )
    projects_per_country_target = models.PositiveSmallIntegerField(
        _("transformative projects per country (target)"), default=2
    )
    trainings_target = models.PositiveSmallIntegerField(
        _("trainings (target)"), null=True, blank=True
    )
    measures_target = models.PositiveSmallIntegerField(
        _("small-scale measures (target)"), null=True, blank=True
    )
    is_public = models.BooleanField(_("shown on the public site"), default=True)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="programme_ends_after_start",
                violation_error_message=_("A programme cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.short_name

    def period_refusal(self, first: datetime.date, last: datetime.date | None = None) -> str | None:
        """Why a record dated `first` (to `last`) falls outside the programme's period, or None.
        The one rule for what the programme counts: its forms, its API and its headline figures
        all take records from its start to its end, never before or after."""
        last = last or first
        if first < self.start_date:
            return _("The programme began on %(d)s: nothing before it counts.") % {
                "d": self.start_date.isoformat()
            }
        if last > self.end_date:
            return _("The programme ends on %(d)s: nothing after it counts.") % {
                "d": self.end_date.isoformat()
            }
        return None

    def counted_until(self, today: datetime.date) -> datetime.date:
        """The last day whose records count today: today, or the programme's end if sooner."""
        return min(today, self.end_date)
