"""Writes about people and access: memberships, API tokens, the audit trail."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import Level, city_ids, forget_roles
from .models import ApiToken, AuditEvent, Membership, Role, User

TOKEN_PREFIX = "recap_"  # noqa: S105 - a marker, not a secret


def audit(
    *,
    actor: User,
    verb: str,
    target: models.Model,
    city: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        city=city,
        detail=detail or {},
    )


def _require_coordinator(actor: User, city: Any) -> None:
    ids = city_ids(actor, Level.COORDINATE)
    if ids is not None and city.pk not in ids:
        raise PermissionDenied(_("Only the city's coordinator can change its team."))


@transaction.atomic
def membership_add(*, actor: User, city: Any, user: User, role: Role) -> Membership:
    """Give `user` a role in `city`. Only the city's coordinator or a platform admin may."""
    _require_coordinator(actor, city)
    if role not in (Role.CITY_VIEWER, Role.CITY_EDITOR, Role.CITY_COORDINATOR):
        raise ValidationError({"role": _("Choose a city role.")})
    if Membership.objects.filter(user=user, city=city).exists():
        raise ValidationError({"username": _("This person already has a role in this city.")})
    membership = Membership(user=user, city=city, role=role, created_by=actor)
    membership.full_clean()
    membership.save()
    forget_roles(user)
    audit(
        actor=actor,
        verb="membership.add",
        target=membership,
        city=city,
        detail={"user": user.username, "role": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    city = membership.city
    _require_coordinator(actor, city)
    if membership.role == Role.CITY_COORDINATOR:
        others = Membership.objects.filter(city=city, role=Role.CITY_COORDINATOR).exclude(
            pk=membership.pk
        )
        if not others.exists():
            raise ValidationError(_("A city keeps at least one coordinator."))
    audit(
        actor=actor,
        verb="membership.remove",
        target=membership,
        city=city,
        detail={"user": membership.user.username, "role": membership.role},
    )
    membership.delete()
    forget_roles(membership.user)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def password_stamp(user: User) -> str:
    """Changes whenever the password does (the stored hash is salted anew each time)."""
    return hashlib.sha256(user.password.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Make a token and return it with its secret, which is never stored and shown only once."""
    days = settings.RECAP_API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 366:
        raise ValidationError({"days": _("A token lasts between 1 and 366 days.")})
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, such as the tool that uses it.")})
    # Counted under a lock on the person, so two requests at once cannot both pass the cap.
    User.objects.select_for_update().filter(pk=user.pk).first()
    active = ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).count()
    cap = settings.RECAP_API_TOKENS_PER_PERSON
    if active >= cap:
        raise ValidationError(
            _("You have %(n)d active tokens, the most one person may have. Revoke one first.")
            % {"n": cap}
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=key[: len(TOKEN_PREFIX) + 6],
        key_hash=_hash(key),
        expires_at=timezone.now() + timedelta(days=days),
        password_stamp=password_stamp(user),
    )
    token.full_clean()
    token.save()
    audit(actor=user, verb="api_token.create", target=token)
    return token, key


@transaction.atomic
def api_token_revoke(*, user: User, token: ApiToken) -> None:
    if token.user_id != user.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_because = ApiToken.RevokedBecause.OWNER
        token.save(update_fields=["revoked_at", "revoked_because"])
        audit(actor=user, verb="api_token.revoke", target=token)


@transaction.atomic
def api_tokens_revoke_on_password_change(*, user: User) -> int:
    """Every token the person still has stops working; returns how many there were. Called
    when the password changes on the site; any other path is caught when a token is used."""
    tokens = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))
    ApiToken.objects.filter(pk__in=[t.pk for t in tokens]).update(
        revoked_at=timezone.now(), revoked_because=ApiToken.RevokedBecause.PASSWORD
    )
    active = [t for t in tokens if t.expires_at > timezone.now()]
    if tokens:
        audit(
            actor=user,
            verb="api_token.revoke_all",
            target=user,
            detail={"because": "password", "tokens": len(tokens)},
        )
    return len(active)


def api_token_authenticate(key: str) -> User | None:
    """The active user behind a token, or None. Records when the token was last used."""
    if not key.startswith(TOKEN_PREFIX) or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.password_stamp != password_stamp(token.user):
        # The password changed since the token was made (by whatever path): it is revoked.
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_because=ApiToken.RevokedBecause.PASSWORD
        )
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_language_set(*, user: User, language: str) -> None:
    """Remembers the language a person chose (one of the site's), for what is sent to them."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the site's languages.")})
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


def user_work_seen(*, user: User) -> None:
    """Marks "My work" as seen now: what comes after is new at the next visit. The person's
    object keeps the previous time for the page being built."""
    User.objects.filter(pk=user.pk).update(work_seen_at=timezone.now())
