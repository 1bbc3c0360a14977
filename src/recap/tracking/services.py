"""Tracking's writes: the results framework loaded from a file (checked in full, all or nothing,
every error named), and reported values that someone stands behind: a draft by the
city (or the programme, for programme-level indicators), submitted, then approved by the
programme's manager (it counts) or returned with a reason (the city corrects and submits
again). Every step is audited."""

from __future__ import annotations

import datetime
import json
import math
import re
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from recap.accounts.services import audit
from recap.accounts.types import User
from recap.cities.models import City, Programme
from recap.core.content import SOURCE, shipped_french
from recap.core.jsondata import load_json

from .breakdowns import DIMENSION_CODES, categories, dimension_label
from .derived import DERIVED
from .models import UPDATE_MOVES, Indicator, IndicatorTarget, IndicatorUpdate, Outcome
from .notify import update_decided_notify
from .policies import is_programme_manager, may_report, reporter_ids

#: Dimensions a value may be broken down by.
DIMENSIONS = DIMENSION_CODES
COMMENT_MAX = 2000
#: Categories one dimension of a breakdown may have (age bands, departments, cities...).
BREAKDOWN_CATEGORIES_MAX = 50
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _date(value: Any, where: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _indicator_problems(raw: Any, where: str) -> list[str]:
    if not isinstance(raw, dict):
        return [f"{where}: an object"]
    errors = [
        f"{where}: '{key}' is text"
        for key in ("code", "name", "unit", "kind", "level")
        if not isinstance(raw.get(key), str) or not raw.get(key)
    ]
    if errors:
        return errors
    limits = {"code": 40, "name": 300, "unit": 60}
    errors += [
        f"{where}: '{key}' is at most {n} characters"
        for key, n in limits.items()
        if len(raw[key]) > n
    ]
    errors += _french_problems(raw, {"name_fr": 300, "unit_fr": 60}, where)
    if not SLUG.fullmatch(raw["code"]):
        errors.append(f"{where}: code {raw['code'][:40]!r} is letters, digits, - and _ only")
    return errors + _kind_problems(raw, where) + _number_problems(raw, where)


def _french_problems(raw: dict[str, Any], limits: dict[str, int], where: str) -> list[str]:
    """Texts within their limits (the French ones are optional)."""
    return [
        f"{where}: '{key}' is text of at most {n} characters"
        for key, n in limits.items()
        if key in raw and (not isinstance(raw[key], str) or len(raw[key]) > n)
    ]


def _kind_problems(raw: dict[str, Any], where: str) -> list[str]:
    errors = []
    if raw["kind"] not in Indicator.Kind.values:
        errors.append(f"{where}: kind {raw['kind']!r} is not one of derived, reported")
    if raw["level"] not in Indicator.Level.values:
        errors.append(f"{where}: level {raw['level']!r} is not one of programme, city")
    source = raw.get("source", "")
    if raw["kind"] == "derived" and source not in DERIVED:
        errors.append(f"{where}: source {source!r} is not one of {', '.join(sorted(DERIVED))}")
    if raw["kind"] == "reported" and source:
        errors.append(f"{where}: a reported indicator has no source")
    breakdowns = raw.get("breakdowns", [])
    if not isinstance(breakdowns, list) or not all(isinstance(b, str) for b in breakdowns):
        errors.append(f"{where}: breakdowns is a list of dimensions")
    elif unknown := sorted(set(breakdowns) - set(DIMENSIONS)):
        errors.append(f"{where}: unknown breakdowns {', '.join(unknown)}")
    if raw.get("aggregation", "sum") not in Indicator.Aggregation.values:
        errors.append(f"{where}: aggregation is sum or latest")
    if raw.get("direction", "up") not in Indicator.Direction.values:
        errors.append(f"{where}: direction is up or down")
    if not isinstance(raw.get("public", False), bool):
        errors.append(f"{where}: public is true or false")
    return errors


#: What a baseline or target column holds (`DecimalField(max_digits=14, decimal_places=2)`).
NUMBER_LIMIT = Decimal("1e12")
NUMBER_RULE = "a number under 1,000,000,000,000 with at most two decimals"


def _dated_number(pair: Any, where: str) -> bool:
    """Whether `pair` is [YYYY-MM-DD, a number the columns hold]: finite, under 10^12 in size,
    at most two decimals. A number past the column would be refused by PostgreSQL on write and
    stored by SQLite only to fail every later read of it."""
    if not (isinstance(pair, list) and len(pair) == 2) or isinstance(pair[1], bool):
        return False
    if not isinstance(pair[1], (int, float, str)):
        return False
    try:
        _date(pair[0], where)
        number = Decimal(str(pair[1]))
    except (ValidationError, InvalidOperation, ValueError):
        return False
    return (
        number.is_finite()
        and abs(number) < NUMBER_LIMIT
        and number == number.quantize(Decimal("0.01"))
    )


def _number_problems(raw: dict[str, Any], where: str) -> list[str]:
    errors = []
    days = raw.get("interval_days", 90)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3660:
        errors.append(f"{where}: interval_days is a whole number of days, 1 to 3660")
    if "baseline" in raw and not _dated_number(raw["baseline"], where):
        errors.append(f"{where}: baseline is [YYYY-MM-DD, {NUMBER_RULE}]")
    targets = raw.get("targets", [])
    if not isinstance(targets, list):
        return [*errors, f"{where}: targets is a list of [date, value]"]
    errors += [
        f"{where}, target {i}: [YYYY-MM-DD, {NUMBER_RULE}]"
        for i, target in enumerate(targets, start=1)
        if not _dated_number(target, where)
    ]
    days_given = [str(t[0]) for t in targets if _dated_number(t, where)]
    errors += [
        f"{where}: two targets for {day}"
        for day in sorted(set(days_given))
        if days_given.count(day) > 1
    ]
    return errors


def framework_load(*, programme: Programme, data: Any) -> int:
    """Replace the programme's results framework with the file's (reported values of
    indicators that stay, by code, are kept). Returns the number of indicators."""
    outcomes = data.get("outcomes") if isinstance(data, dict) else None
    if not isinstance(outcomes, list) or not outcomes:
        raise ValidationError("The file needs a non-empty list 'outcomes'.")
    errors: list[str] = []
    seen_outcomes: set[str] = set()
    for i, outcome in enumerate(outcomes, start=1):
        where = f"outcome {i}"
        if not isinstance(outcome, dict) or not all(
            isinstance(outcome.get(k), str) and outcome.get(k) for k in ("code", "title")
        ):
            errors.append(f"{where}: 'code' and 'title' are text")
            continue
        if not SLUG.fullmatch(outcome["code"]) or len(outcome["code"]) > 40:
            errors.append(f"{where}: code is up to 40 letters, digits, - and _")
        errors += _french_problems(outcome, {"title": 300, "title_fr": 300}, where)
        if outcome["code"] in seen_outcomes:
            errors.append(f"{where}: code {outcome['code']!r} appears twice")
        seen_outcomes.add(outcome["code"])
        indicators = outcome.get("indicators") or []
        if not isinstance(indicators, list):
            errors.append(f"{where}: indicators is a list")
            continue
        seen: set[str] = set()
        for j, raw in enumerate(indicators, start=1):
            place = f"{where} ({outcome['code'][:40]}), indicator {j}"
            problems = _indicator_problems(raw, place)
            errors += problems
            if not problems and raw["code"] in seen:
                errors.append(f"{place}: code {raw['code']!r} appears twice in the outcome")
            if not problems:
                seen.add(raw["code"])
    if errors:
        raise ValidationError(errors[:50])
    # Indicators the file drops must not take reported values with them.
    listed = {(o["code"], i["code"]) for o in outcomes for i in (o.get("indicators") or [])}
    reported = (
        Indicator.objects.filter(outcome__programme=programme, updates__isnull=False)
        .values_list("outcome__code", "code")
        .distinct()
    )
    errors += [
        f"indicator {outcome}/{code} has reported values: keep it in the file"
        for outcome, code in reported
        if (outcome, code) not in listed
    ]
    if errors:
        raise ValidationError(errors)
    count = 0
    with transaction.atomic(), translation.override(SOURCE):
        kept_outcomes = []
        for order, raw_outcome in enumerate(outcomes):
            outcome, _made = Outcome.objects.update_or_create(
                programme=programme,
                code=raw_outcome["code"],
                defaults={
                    "title": raw_outcome["title"],
                    "order": order,
                    # A file without French texts leaves those already held as they are.
                    **({"title_fr": raw_outcome["title_fr"]} if "title_fr" in raw_outcome else {}),
                },
            )
            kept_outcomes.append(outcome.pk)
            kept = []
            for i_order, raw in enumerate(raw_outcome.get("indicators") or []):
                indicator, _made = Indicator.objects.update_or_create(
                    outcome=outcome,
                    code=raw["code"],
                    defaults={
                        "name": raw["name"],
                        "unit": raw["unit"],
                        **{key: raw[key] for key in ("name_fr", "unit_fr") if key in raw},
                        "kind": raw["kind"],
                        "source": raw.get("source", ""),
                        "level": raw["level"],
                        "aggregation": raw.get("aggregation", "sum"),
                        "direction": raw.get("direction", "up"),
                        "baseline_date": _date(raw["baseline"][0], "baseline")
                        if "baseline" in raw
                        else None,
                        "baseline_value": Decimal(str(raw["baseline"][1]))
                        if "baseline" in raw
                        else None,
                        "interval_days": int(raw.get("interval_days", 90)),
                        "breakdowns": list(raw.get("breakdowns", [])),
                        "is_public": bool(raw.get("public", False)),
                        "order": i_order,
                    },
                )
                indicator.full_clean()
                indicator.targets.all().delete()
                IndicatorTarget.objects.bulk_create(
                    IndicatorTarget(
                        indicator=indicator,
                        period_end=_date(day, "target"),
                        value=Decimal(str(value)),
                    )
                    for day, value in raw.get("targets", [])
                )
                kept.append(indicator.pk)
                count += 1
            outcome.indicators.exclude(pk__in=kept).delete()
        Outcome.objects.filter(programme=programme).exclude(pk__in=kept_outcomes).delete()
    return count


FRAMEWORK_MAX_BYTES = 512 * 1024


def framework_upload(*, actor: User, programme: Programme, data: bytes) -> int:
    """The programme's manager replaces the framework with a file (JSON, as `framework_dump`
    writes it): read and checked in full; any problem, named, and nothing is written."""
    if not is_programme_manager(actor, programme):
        raise PermissionDenied(_("Only the programme's manager changes its results framework."))
    if len(data) > FRAMEWORK_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(n)s KB.") % {"n": FRAMEWORK_MAX_BYTES // 1024}
        )
    raw = load_json(data)
    count = framework_load(programme=programme, data=raw)
    audit(actor=actor, verb="framework.load", target=programme, detail={"indicators": count})
    return count


def framework_load_shipped(programme: Programme) -> int:
    """The demo programme's framework, with the French texts of `data/fr/framework.json`."""
    raw = json.loads(
        resources.files("recap.tracking").joinpath("data/framework.json").read_text("utf-8")
    )
    french = shipped_french("recap.tracking", "fr/framework.json")
    for outcome in raw["outcomes"]:
        if title := french.get("outcomes", {}).get(outcome["code"]):
            outcome["title_fr"] = title
        for indicator in outcome["indicators"]:
            texts = french.get("indicators", {}).get(indicator["code"], {})
            indicator |= {f"{key}_fr": text for key, text in texts.items() if text}
    return framework_load(programme=programme, data=raw)


def _check_breakdown(indicator: Indicator, breakdown: Any) -> dict[str, dict[str, float]]:
    """{dimension: {category: number}}: dimensions the indicator has, categories the dimension
    knows (sex, age band, the programme's cities and countries), numbers not below zero. Each
    problem is keyed `breakdown_<dimension>`, the field a form shows it on."""
    if breakdown in (None, ""):
        return {}
    if not isinstance(breakdown, dict):
        raise ValidationError({"breakdown": _("A breakdown is given per dimension.")})
    clean: dict[str, dict[str, float]] = {}
    for dimension, parts in breakdown.items():
        key = f"breakdown_{str(dimension)[:40]}"
        if dimension not in indicator.breakdowns:
            raise ValidationError(
                {
                    key: _("%(i)s is not broken down by %(d)s.")
                    % {"i": indicator.name, "d": dimension_label(str(dimension)[:40]).lower()}
                }
            )
        if not isinstance(parts, dict):
            raise ValidationError({key: _("Give a number for each category.")})
        if not parts:
            continue
        if len(parts) > BREAKDOWN_CATEGORIES_MAX:
            raise ValidationError(
                {
                    key: _("%(d)s: at most %(n)s categories.")
                    % {"d": dimension_label(dimension).lower(), "n": BREAKDOWN_CATEGORIES_MAX}
                }
            )
        known = dict(categories(dimension, indicator.outcome.programme))
        clean[dimension] = {}
        for category, number in parts.items():
            if known and category not in known:
                raise ValidationError(
                    {
                        key: _("%(c)s is not one of %(all)s.")
                        % {"c": str(category)[:40], "all": ", ".join(known)}
                    }
                )
            label = known.get(category, str(category)[:40])
            try:
                value = float(number)
            except (TypeError, ValueError):
                value = math.nan
            if isinstance(number, bool) or not math.isfinite(value):
                raise ValidationError({key: _("%(c)s: a number.") % {"c": label}})
            if value < 0:
                raise ValidationError({key: _("%(c)s: not below zero.") % {"c": label}})
            clean[dimension][str(category)[:60]] = value
    return clean


def _same_period(
    indicator: Indicator,
    city: City | None,
    period_start: datetime.date,
    period_end: datetime.date,
    update: IndicatorUpdate | None,
) -> IndicatorUpdate | None:
    """The value this one is: the one being corrected, or the draft or returned value already
    held for exactly this period (one value a period: reporting it again corrects it). Any
    other value covering part of the period is refused, named."""
    overlapping = (
        IndicatorUpdate.objects.select_for_update()
        .filter(
            indicator=indicator,
            city=city,
            period_start__lte=period_end,
            period_end__gte=period_start,
        )
        .order_by("period_start", "pk")
    )
    if update is not None:
        overlapping = overlapping.exclude(pk=update.pk)
    others = list(overlapping)
    if update is None and len(others) == 1:
        held = others[0]
        same = (held.period_start, held.period_end) == (period_start, period_end)
        if same and held.editable:
            return held
    if others:
        held = others[0]
        raise ValidationError(
            {
                "period_start": _(
                    "This place already has a value for %(a)s – %(b)s (%(status)s, %(v)s): "
                    "one value a period. %(what)s"
                )
                % {
                    "a": held.period_start.isoformat(),
                    "b": held.period_end.isoformat(),
                    "status": held.get_status_display().lower(),
                    "v": f"{held.value.normalize():f}",
                    "what": _("Correct that one instead.")
                    if held.editable
                    else _("Choose another period."),
                }
            }
        )
    return update


@transaction.atomic
def update_save(
    *,
    actor: User,
    indicator: Indicator,
    city: City | None,
    period_start: datetime.date,
    period_end: datetime.date,
    value: Decimal,
    breakdown: Any = None,
    comment: str = "",
    update: IndicatorUpdate | None = None,
) -> IndicatorUpdate:
    """A new draft, or a correction of a draft or returned value, in place (it becomes a draft
    again; its evidence stays with it). One value per indicator, place and period: a value for
    a period that already has a draft or returned one corrects that one; any other value
    covering part of the period is refused, named."""
    if indicator.kind != Indicator.Kind.REPORTED:
        raise ValidationError(_("This indicator is computed from the platform's records."))
    if not may_report(actor, indicator, city):
        raise PermissionDenied(_("You do not report this indicator for this place."))
    if update is not None:
        if update.city_id != (city.pk if city is not None else None):
            raise PermissionDenied(_("You do not report this indicator for this place."))
        fresh = _locked(update)  # one correction at a time, of the value as it is now
        if fresh.indicator_id != indicator.pk:
            raise ValidationError({"indicator": _("A correction keeps its indicator.")})
        if not fresh.editable or not update.editable:
            raise ValidationError(_("A submitted or approved value can no longer be changed."))
    if not value.is_finite() or value < 0:
        raise ValidationError({"value": _("Not below zero.")})
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": _("Keep it to %(n)s characters.") % {"n": COMMENT_MAX}})
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    if period_end > timezone.localdate():
        raise ValidationError({"period_end": _("The period has not ended yet.")})
    if refusal := indicator.outcome.programme.period_refusal(period_start, period_end):
        raise ValidationError({"period_start": refusal})
    clean = _check_breakdown(indicator, breakdown)
    for dimension, parts in clean.items():
        if abs(sum(parts.values()) - float(value)) > 1e-6:
            raise ValidationError(
                {
                    f"breakdown_{dimension}": _("The %(d)s breakdown adds up to %(s)s, not %(v)s.")
                    % {
                        "d": dimension_label(dimension).lower(),
                        "s": f"{sum(parts.values()):g}",
                        "v": f"{value:g}",
                    }
                }
            )
    update = _same_period(indicator, city, period_start, period_end, update)
    corrected = update is not None
    update = update or IndicatorUpdate(indicator=indicator, city=city, created_by=actor)
    update.period_start, update.period_end = period_start, period_end
    update.value, update.breakdown, update.comment = value, clean, comment.strip()
    update.status = IndicatorUpdate.Status.DRAFT
    update.full_clean()
    update.save()
    audit(
        actor=actor,
        verb="indicator.update_correct" if corrected else "indicator.update_save",
        target=update,
        city=city,
        detail={"indicator": indicator.code, "value": str(value)},
    )
    return update


@transaction.atomic
def update_submit(*, actor: User, update: IndicatorUpdate) -> IndicatorUpdate:
    if not may_report(actor, update.indicator, update.city):
        raise PermissionDenied(_("You do not report this indicator for this place."))
    # Locked, and submitted only while it is still the draft the caller saw.
    fresh = _locked(update)
    update.status = UPDATE_MOVES.check("submit", seen=update.status, fresh=fresh.status).to
    update.submitted_at = timezone.now()
    update.save(update_fields=["status", "submitted_at"])
    audit(actor=actor, verb="indicator.update_submit", target=update, city=update.city)
    return update


def _locked(update: IndicatorUpdate) -> IndicatorUpdate:
    """The value's row, locked to the end of the transaction: a second decision waits for the
    first and then reads what it decided."""
    return (
        IndicatorUpdate.objects.select_for_update(of=("self",))
        .select_related("indicator__outcome__programme", "city")
        .get(pk=update.pk)
    )


def _decided_text(update: IndicatorUpdate) -> str:
    by = update.decided_by
    who = (by.get_full_name() or by.username) if by is not None else _("someone")
    if update.status == IndicatorUpdate.Status.APPROVED:
        return _("This value was already approved by %(who)s.") % {"who": who}
    if update.status == IndicatorUpdate.Status.RETURNED:
        return _("This value was already returned by %(who)s.") % {"who": who}
    return _("Only a submitted value can be approved or returned.")


@transaction.atomic
def update_decide(
    *, actor: User, update: IndicatorUpdate, approve: bool, reason: str = ""
) -> IndicatorUpdate:
    """The programme's manager approves a submitted value (it counts from now) or returns it
    with a reason the reporter reads. Four eyes: whoever reported the value neither approves
    nor returns it. Two decisions at once: the second waits for the first, then is refused,
    naming who decided."""
    if not is_programme_manager(actor, update.indicator.outcome.programme):
        raise PermissionDenied(_("Only the programme's manager approves reported values."))
    fresh = _locked(update)
    if update.status != fresh.status or not UPDATE_MOVES.allows("approve", fresh.status):
        raise ValidationError(_decided_text(fresh))
    if actor.pk in reporter_ids(fresh):
        raise ValidationError(
            _(
                "You reported this value: another of the programme's managers approves or "
                "returns it (four eyes)."
            )
        )
    move = UPDATE_MOVES.move("approve" if approve else "return")
    reason = UPDATE_MOVES.reason(move, reason)
    update.status = move.to
    update.return_reason = "" if approve else reason[:COMMENT_MAX]
    update.decided_by, update.decided_at = actor, timezone.now()
    update.save(update_fields=["status", "return_reason", "decided_by", "decided_at"])
    audit(
        actor=actor,
        verb="indicator.update_approve" if approve else "indicator.update_return",
        target=update,
        city=update.city,
        detail={"reason": update.return_reason},
    )
    update_decided_notify(update)  # its reporters and the city's coordinators are told
    return update
