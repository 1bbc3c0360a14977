"""People and what they work on: users, their role memberships and personal API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person. Platform admins are superusers; everyone else acts through memberships."""

    organisation = models.ForeignKey(
        "cities.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The language this person last chose on the site; e-mails to them use it."),
    )
    #: When "My work" was last shown to this person: what is newer is "new since your last
    #: visit" there.
    work_seen_at = models.DateTimeField(_("My work last seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Role(models.TextChoices):
    CITY_VIEWER = "city_viewer", _("City viewer")
    CITY_EDITOR = "city_editor", _("City editor")
    CITY_COORDINATOR = "city_coordinator", _("City coordinator")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    REVIEWER = "reviewer", _("Reviewer")
    FUNDER = "funder", _("Funder")


CITY_ROLES = (Role.CITY_VIEWER, Role.CITY_EDITOR, Role.CITY_COORDINATOR)
PROGRAMME_ROLES = (Role.PROGRAMME_MANAGER, Role.REVIEWER)


class Membership(models.Model):
    """One role of one person over one scope: a city, a programme or a funder organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    city = models.ForeignKey(
        "cities.City",
        verbose_name=_("city"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    programme = models.ForeignKey(
        "cities.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        "cities.Organisation",
        verbose_name=_("funder"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        limit_choices_to={"kind": "funder"},
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(
                        role__in=[r.value for r in CITY_ROLES],
                        city__isnull=False,
                        programme__isnull=True,
                        organisation__isnull=True,
                    )
                    | Q(
                        role__in=[r.value for r in PROGRAMME_ROLES],
                        city__isnull=True,
                        programme__isnull=False,
                        organisation__isnull=True,
                    )
                    | Q(
                        role=Role.FUNDER.value,
                        city__isnull=True,
                        programme__isnull=True,
                        organisation__isnull=False,
                    )
                ),
                violation_error_message=_(
                    "City roles need a city, programme roles a programme, the funder role a "
                    "funder organisation, and nothing else."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "city"],
                condition=Q(city__isnull=False),
                name="one_city_role_per_person",
                violation_error_message=_("This person already has a role in this city."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "programme"],
                condition=Q(programme__isnull=False),
                name="unique_programme_role",
            ),
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=Q(organisation__isnull=False),
                name="unique_funder_role",
            ),
        ]

    def __str__(self) -> str:
        scope = self.city or self.programme or self.organisation
        return f"{self.user} · {self.get_role_display()} · {scope}"


class AuditEvent(models.Model):
    """Who did what to which object, written by services in the same transaction."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verb = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    city = models.ForeignKey("cities.City", on_delete=models.SET_NULL, null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.verb} {self.target_type}"


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored; the token is shown once, when made.

    A token stands for its owner's password at the time it was made (`password_stamp`): once
    the password changes, by any path (the page, a reset, the admin, a command), the token
    stops working and is marked revoked, so a stolen password cannot outlive its change as a
    token."""

    class RevokedBecause(models.TextChoices):
        OWNER = "owner", _("revoked by its owner")
        PASSWORD = "password", _("revoked when the password changed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_because = models.CharField(
        max_length=10, choices=RevokedBecause.choices, blank=True, default=""
    )
    password_stamp = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
