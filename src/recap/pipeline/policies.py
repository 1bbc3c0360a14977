"""Who may read a project concept and who may act on it.

Reading: the city's members and its programme's manager (every stage, through the city
policy); the programme's reviewers, once a concept has been drafted, for cities other than
their own;
a funder, once the concept is shared with one of its facilities (never withdrawn ones: what a
city has not submitted, or has taken back, a funder does not see).

Acting: each move names its actor (`stages.Actor`); `may_act` answers for one concept.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from recap.accounts.access import (
    Level,
    city_ids,
    funder_organisation_ids,
    is_platform_admin,
    own_city_ids,
    programme_city_ids,
)
from recap.accounts.models import Role
from recap.accounts.policies import CityScopedPolicy
from recap.accounts.types import Reader
from recap.cities.policies import city_policy

from .models import OFF_OFFER, ProjectConcept, Stage


class ProjectConceptPolicy(CityScopedPolicy[ProjectConcept]):
    model = ProjectConcept

    def queryset(self, user: Reader, level: Level = Level.VIEW) -> QuerySet[ProjectConcept]:
        if level != Level.VIEW:
            return super().queryset(user, level)
        ids = city_ids(user, Level.VIEW)
        if ids is None:
            return ProjectConcept.objects.all()
        seen = Q(city_id__in=ids)
        reviewed = programme_city_ids(user, Role.REVIEWER) or set()
        if reviewed:
            # Once drafted (a concept put on hold or withdrawn as a candidate never was).
            seen |= Q(city_id__in=reviewed - own_city_ids(user)) & Q(moves__to_stage=Stage.DRAFTED)
        organisations = funder_organisation_ids(user)
        if organisations:
            seen |= Q(shares__facility__organisation_id__in=organisations) & ~Q(stage__in=OFF_OFFER)
        return ProjectConcept.objects.filter(seen).distinct()

    def allows(self, user: Reader, obj: ProjectConcept, level: Level = Level.VIEW) -> bool:
        if level != Level.VIEW:
            return super().allows(user, obj, level)
        return self.queryset(user).filter(pk=obj.pk).exists()


project_concept_policy = ProjectConceptPolicy()


def is_manager_of(user: Reader, city_id: int) -> bool:
    ids = programme_city_ids(user, Role.PROGRAMME_MANAGER)
    return ids is None or city_id in ids


def is_reviewer_for(user: Reader, city_id: int) -> bool:
    """A programme reviewer of this city's programme who is not a member of the city."""
    ids = programme_city_ids(user, Role.REVIEWER)
    if ids is None:
        return True
    return city_id in ids and city_id not in own_city_ids(user)


def is_insider(user: Reader, city: Any) -> bool:
    """The city's team, its programme's manager, and reviewers from other cities: those who
    read a concept's whole record, reviews and every funder's thread."""
    return (
        city_policy.allows(user, city, Level.VIEW)
        or is_manager_of(user, city.pk)
        or is_reviewer_for(user, city.pk)
    )


def funder_facility_ids(user: Reader) -> set[int]:
    """The facilities `user` speaks for as a funder."""
    from .models import Facility

    organisations = funder_organisation_ids(user)
    if not organisations:
        return set()
    return set(
        Facility.objects.filter(organisation_id__in=organisations).values_list("pk", flat=True)
    )


def programme_reader(user: Reader) -> bool:
    """The programme's people (its manager, its reviewers) and platform admins."""
    return bool(
        is_platform_admin(user)
        or programme_city_ids(user, Role.PROGRAMME_MANAGER)
        or programme_city_ids(user, Role.REVIEWER)
    )


def require(condition: bool, message: Any) -> None:
    if not condition:
        raise PermissionDenied(message)
