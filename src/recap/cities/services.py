"""Writes to a city's own record."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from recap.accounts.access import Level
from recap.accounts.models import Membership, Role
from recap.accounts.services import audit
from recap.accounts.types import User
from recap.core.content import same_text, set_edited

from .models import City
from .policies import city_policy

PROFILE_FIELDS = (
    "summary",
    "context",
    "population",
    "population_year",
    "population_growth",
    "languages",
    "shares_with_peers",
)
TRANSLATED = ("summary", "context")


@transaction.atomic
def city_profile_update(*, actor: User, city: City, **changes: Any) -> City:
    """Change the public description of a city. Editors and coordinators of the city may."""
    if not city_policy.allows(actor, city, Level.EDIT):
        raise PermissionDenied(_("Only the city's editors can change its profile."))
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    # Read the stored values: a bound ModelForm may already have changed `city` in memory.
    stored = City.objects.get(pk=city.pk)
    before = {f: getattr(stored, f) for f in changes}
    if "shares_with_peers" in changes and changes["shares_with_peers"] != stored.shares_with_peers:
        # Consent to share with peer cities is the city's own: a platform admin, who may edit
        # any profile, does not give or withdraw it.
        own = Membership.objects.filter(
            user=actor, city=city, role__in=(Role.CITY_EDITOR, Role.CITY_COORDINATOR)
        )
        if not own.exists():
            raise ValidationError(
                {"shares_with_peers": _("Only the city's own editors give or withdraw this.")}
            )
    for field, value in changes.items():
        if field in TRANSLATED:  # the editor's language; a text left as shown stays put
            set_edited(city, stored, field, value)
        else:
            setattr(city, field, value)
    city.full_clean()
    city.save()
    changed = {
        f: [str(before[f]), str(v)] for f, v in changes.items() if not same_text(before[f], v)
    }
    if changed:
        audit(actor=actor, verb="city.profile_update", target=city, city=city, detail=changed)
    return city
