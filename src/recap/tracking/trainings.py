"""Trainings: sessions the programme holds, their attendance (counts, or people named with
their consent) and the knowledge check each participant takes before and after.

Contract:
- `training_save(actor, programme, data, training=None)` writes a session (programme manager).
- `attendance_plan(training, data, filename)` reads an attendance sheet (XLSX or CSV, columns
  `ATTENDANCE`; categories as codes or in words, English or French) row by row, every problem
  named by row and column, nothing written; each row as it will be saved, for the preview;
  `attendance_apply(actor, training, plan)` replaces the session's attendance with it.
- `learning_gain(participants)` is the mean and spread (sample standard deviation) of
  "after minus before" over everyone with both scores: the programme's "better understanding",
  measured.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from recap.accounts.services import audit
from recap.accounts.types import User
from recap.cities.models import City, Programme
from recap.core.tabular import Column, SheetSpec, read_table

from .models import AgeBand, Participant, Sex, Training
from .policies import is_programme_manager

YES = ("yes", "y", "oui", "o", "true", "1", "x")
NO = ("", "no", "n", "non", "false", "0")
LANGUAGES = ("en", "fr")

ATTENDANCE = SheetSpec(
    name="Attendance",
    columns=[
        Column("name", required=False, max_length=200, help="Only with the person's consent"),
        Column("consent", required=False, max_length=5, help="yes when the person may be named"),
        Column("count", "int", required=False, minimum=1, maximum=10_000, default=1),
        Column("city", required=False, max_length=120),
        Column("department", required=False, max_length=120),
        # Text, read by `choice_codes`: a category's code or its words in either language.
        Column("sex", required=False, max_length=60, width=18),
        Column("age_band", required=False, max_length=60, width=18),
        Column("score_before", "float", required=False, minimum=0, maximum=100),
        Column("score_after", "float", required=False, minimum=0, maximum=100),
    ],
    notes=(
        (
            "One row per person, or one row per group of people (count) who share a city, "
            "department, sex and age band. A name only with consent; scores (0-100) only for one "
            "person."
        ),
    ),
)


def _key(text: str) -> str:
    """Words compared as people type them: case, spaces and kinds of dash set aside."""
    return " ".join(text.replace("\u2013", "-").replace("\u2014", "-").casefold().split())


def choice_codes(choices: type[Sex] | type[AgeBand]) -> dict[str, str]:
    """Every way a category may be written in a sheet (its code, its words in English and in
    French) → its code."""
    out: dict[str, str] = {}
    for code, label in choices.choices:
        out[_key(str(code))] = str(code)
        for language in LANGUAGES:
            with translation.override(language):
                out[_key(str(label))] = str(code)
    return out


def choice_words(choices: type[Sex] | type[AgeBand]) -> list[tuple[str, str, str]]:
    """(code, English words, French words) of each category, for the sheet's instructions."""
    out = []
    for code, label in choices.choices:
        words = []
        for language in LANGUAGES:
            with translation.override(language):
                words.append(str(label))
        out.append((str(code), words[0], words[1]))
    return out


@dataclass(frozen=True)
class Gain:
    n: int
    mean: float
    spread: float | None  # sample standard deviation, from two people on
    before: float | None = None
    after: float | None = None


def learning_gain(participants: QuerySet[Participant] | list[Participant]) -> Gain:
    return gain_of(
        (p.score_before, p.score_after)
        for p in participants
        if p.score_before is not None and p.score_after is not None
    )


def gain_of(scores: Iterable[tuple[Decimal, Decimal]]) -> Gain:
    """The gain over (before, after) pairs of scores."""
    pairs = [(float(before), float(after)) for before, after in scores]
    if not pairs:
        return Gain(0, 0.0, None)
    gains = [after - before for before, after in pairs]
    return Gain(
        n=len(gains),
        mean=statistics.fmean(gains),
        spread=statistics.stdev(gains) if len(gains) > 1 else None,
        before=statistics.fmean(b for b, _a in pairs),
        after=statistics.fmean(a for _b, a in pairs),
    )


def _require_manager(actor: User, programme: Programme) -> None:
    if not is_programme_manager(actor, programme):
        raise PermissionDenied(_("Only the programme's manager records trainings."))


@transaction.atomic
def training_save(
    *,
    actor: User,
    programme: Programme,
    data: dict[str, Any],
    training: Training | None = None,
) -> Training:
    """`data`: title, held_on, mode, trainers, topics, cities (of the programme), countries."""
    _require_manager(actor, programme)
    cities = list(data.get("cities") or [])
    outside = [c.name for c in cities if not programme.cities.filter(pk=c.pk).exists()]
    if outside:
        raise ValidationError(
            {"cities": _("Not cities of the programme: %(c)s") % {"c": ", ".join(outside)}}
        )
    training = training or Training(programme=programme)
    for name in ("title", "held_on", "mode", "trainers", "topics"):
        setattr(training, name, data[name] if name in data else getattr(training, name))
    training.full_clean()
    training.save()
    training.cities.set(cities)
    if "countries" in data:
        training.countries.set(set(data["countries"] or []) | {c.country for c in cities})
    else:  # the form names cities only: their countries join those the session had
        training.countries.add(*{c.country for c in cities})
    audit(actor=actor, verb="training.save", target=training, detail={"title": training.title})
    return training


@dataclass
class AttendancePlan:
    rows: list[dict[str, Any]] = field(default_factory=list)
    people: int = 0
    named: int = 0
    checked: int = 0  # people with both scores


def _city_index(programme: Programme) -> dict[str, int]:
    index: dict[str, int] = {}
    for city in programme.cities.all():
        index[city.name.casefold()] = city.pk
        index[city.slug] = city.pk
        index[slugify(city.name)] = city.pk
    return index


def _consent(raw: Any) -> str:
    return _key(str(raw or ""))


def attendance_plan(training: Training, data: bytes, filename: str) -> AttendancePlan:
    """The sheet read and checked in full (every problem named by row and column, nothing
    written); each row as it will be saved. Sex and age band are read from their codes or
    their words in English or French ("Female", "Femme", "female"); consent from yes or no
    in either language; a city from its name or slug."""
    cities = _city_index(training.programme)
    names = dict(training.programme.cities.values_list("pk", "name"))
    sexes, bands = choice_codes(Sex), choice_codes(AgeBand)
    yes = {_key(w) for w in (*YES, _("yes"))}
    no = {_key(w) for w in (*NO, _("no"))}

    def check(row: dict[str, Any], place: str) -> list[str]:
        problems = []
        consent = _consent(row.get("consent"))
        if consent not in yes | no:
            problems.append(
                _("%(p)s, column 'consent': yes or no, not %(v)s")
                % {"p": place, "v": repr(row["consent"])}
            )
        if row.get("name") and consent not in yes:
            problems.append(
                _("%(p)s, column 'name': a name only with the person's consent") % {"p": place}
            )
        count = row.get("count") or 1
        scores = [row.get("score_before"), row.get("score_after")]
        if count > 1 and (row.get("name") or any(s is not None for s in scores)):
            problems.append(
                _("%(p)s, column 'count': a name or scores are for one person") % {"p": place}
            )
        city = (row.get("city") or "").strip()
        if city and city.casefold() not in cities and slugify(city) not in cities:
            problems.append(
                _("%(p)s, column 'city': %(v)s is not a city of the programme (%(all)s)")
                % {"p": place, "v": repr(city), "all": ", ".join(sorted(names.values()))}
            )
        for column, known, choices in (("sex", sexes, Sex), ("age_band", bands, AgeBand)):
            text = row.get(column) or ""
            if text and _key(text) not in known:
                problems.append(
                    _("%(p)s, column '%(c)s': %(v)s is not one of %(all)s")
                    % {
                        "p": place,
                        "c": column,
                        "v": repr(text),
                        "all": ", ".join(str(label) for _c, label in choices.choices),
                    }
                )
        return problems

    records = read_table(data, filename, ATTENDANCE, check=check)
    plan = AttendancePlan()
    for r in records:
        city = (r.get("city") or "").strip()
        count = r.get("count") or 1
        city_id = cities.get(city.casefold()) or cities.get(slugify(city)) if city else None
        row = {
            "name": (r.get("name") or "").strip(),
            "consent": _consent(r.get("consent")) in yes,
            "count": count,
            "city": city_id,
            "department": (r.get("department") or "").strip(),
            "sex": sexes.get(_key(r.get("sex") or ""), Sex.NOT_SAID),
            "age_band": bands.get(_key(r.get("age_band") or ""), AgeBand.NOT_SAID),
            "score_before": _score(r.get("score_before")),
            "score_after": _score(r.get("score_after")),
            # For the preview only: where the row is in the file, the city by its name.
            "line": r["_row"],
            "city_name": names.get(city_id, "") if city_id else "",
        }
        plan.rows.append(row)
        plan.people += count
        plan.named += 1 if row["name"] else 0
        plan.checked += row["score_before"] is not None and row["score_after"] is not None
    return plan


def _score(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return str(round(Decimal(str(value)), 1))


@transaction.atomic
def attendance_apply(*, actor: User, training: Training, plan: AttendancePlan) -> int:
    _require_manager(actor, training.programme)
    # Two confirms at once would each delete the rows they saw and add their own: the second
    # waits here for the first to commit, then replaces its rows.
    training = Training.objects.select_for_update().get(pk=training.pk)
    allowed = set(training.programme.cities.values_list("pk", flat=True))
    if any(r["city"] is not None and r["city"] not in allowed for r in plan.rows):
        raise ValidationError(_("A city in the file has left the programme: upload it again."))
    training.attendance.all().delete()
    people = Participant.objects.bulk_create(
        Participant(
            training=training,
            name=r["name"],
            consent=r["consent"],
            count=r["count"],
            city_id=r["city"],
            department=r["department"],
            sex=r["sex"],
            age_band=r["age_band"],
            score_before=r["score_before"],
            score_after=r["score_after"],
        )
        for r in plan.rows
    )
    city_ids = {r["city"] for r in plan.rows if r["city"]}
    if city_ids:
        training.cities.add(*City.objects.filter(pk__in=city_ids))
        training.countries.add(*{c.country for c in City.objects.filter(pk__in=city_ids)})
    audit(
        actor=actor,
        verb="training.attendance",
        target=training,
        detail={"rows": len(people), "people": plan.people},
    )
    return plan.people
