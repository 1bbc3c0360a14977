"""Policy objects: one per city-scoped model, answering both questions the same way.

- `queryset(user, level)`: the rows `user` may see (level VIEW) or change (EDIT, COORDINATE).
- `allows(user, obj, level)`: may `user` act on this one object at `level`?
- `require(user, obj, level, message)`: the same as a guard for services, refusing with
  `PermissionDenied(message)`.

Both come from `recap.accounts.access.city_ids`, so a row is in the queryset exactly when the
object check allows it. Views call a selector built on `queryset`; a row outside it is a 404.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet

from .access import Level, city_ids
from .types import Reader

M = TypeVar("M", bound=models.Model)


class CityScopedPolicy(Generic[M]):
    model: type[M]
    #: Lookup from the model to its city's primary key ("city" for a plain foreign key,
    #: "" when the model is the City itself).
    city_path: str = "city"

    def _city_lookup(self) -> str:
        return f"{self.city_path}_id" if self.city_path else "pk"

    def queryset(self, user: Reader, level: Level = Level.VIEW) -> QuerySet[M]:
        ids = city_ids(user, level)
        manager = self.model._default_manager
        if ids is None:
            return manager.all()
        return manager.filter(**{f"{self._city_lookup()}__in": ids})

    def city_id_of(self, obj: M) -> int | None:
        target: Any = obj
        if not self.city_path:
            return int(target.pk)
        *hops, last = self.city_path.split("__")
        for hop in hops:
            target = getattr(target, hop)
        value = getattr(target, f"{last}_id")
        return None if value is None else int(value)

    def allows(self, user: Reader, obj: M, level: Level = Level.VIEW) -> bool:
        ids = city_ids(user, level)
        # A row outside any city (say, a programme role) is never reached through a city.
        return ids is None or self.city_id_of(obj) in ids

    def require(self, user: Reader, obj: M, level: Level, message: Any) -> None:
        """Refuse, with `message` in the reader's words, unless `allows(user, obj, level)`."""
        if not self.allows(user, obj, level):
            raise PermissionDenied(message)
