"""Who may see and change a city's private workspace, and its team."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from recap.accounts.access import Level, city_ids
from recap.accounts.models import Membership
from recap.accounts.policies import CityScopedPolicy
from recap.accounts.types import Reader

from .models import City


class CityPolicy(CityScopedPolicy[City]):
    """Private workspace: members of the city, its programme managers and platform admins."""

    model = City
    city_path = ""

    def public_queryset(self, user: Reader) -> QuerySet[City]:
        """Cities anyone may see on the public site, plus those `user` works on."""
        ids = city_ids(user, Level.VIEW)
        if ids is None:
            return City.objects.all()
        return City.objects.filter(Q(is_public=True) | Q(pk__in=ids))


class MembershipPolicy(CityScopedPolicy[Membership]):
    """City team: members see their team; coordinators (and admins) change it."""

    model = Membership
    city_path = "city"


city_policy = CityPolicy()
membership_policy = MembershipPolicy()
