"""The demo's monitoring for ReCAP 21, written through the services: the results framework
(`tracking/data/framework.json`); six trainings with their attendance and knowledge checks
(drawn from a fixed seed: illustrative); the pilot cities' small-scale measures with their
dated history and a photo each; a year of reported values (Kigali's approved, with evidence;
Rajshahi's returned with a reason; Sebkha's never reported, so late; the programme's peer
exchanges); and a donor report issued for the programme's period."""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal

from django.utils import timezone
from PIL import Image, ImageDraw

from recap.accounts.models import User
from recap.cities.models import City, Programme
from recap.hazards.models import HazardType
from recap.tracking.measures import evidence_add, measure_save, measure_status
from recap.tracking.models import Indicator, IndicatorUpdate
from recap.tracking.reports import report_issue
from recap.tracking.services import (
    framework_load_shipped,
    update_decide,
    update_save,
    update_submit,
)
from recap.tracking.trainings import AttendancePlan, attendance_apply, training_save

from . import data

D = datetime.date


SEXES = ["female", "male", "female", "male", "not_said"]
BANDS = ["under_25", "25_34", "35_44", "45_54", "55_plus"]
DEPARTMENTS = ["Urban planning", "Public health", "Environment", "Finance", "Disaster management"]
FIRST_NAMES = ["Aline", "Jean", "Farida", "Karim", "Aminata", "Moussa", "Grace", "Tanvir"]


def _attendance(rng: random.Random, cities: list[City]) -> AttendancePlan:
    """Some people named with consent and checked before and after; the rest counted."""
    plan = AttendancePlan()
    for i, city in enumerate(cities):
        for j in range(rng.randint(3, 5)):
            before = rng.randint(35, 65)
            row = {
                "name": f"{FIRST_NAMES[(i + j) % len(FIRST_NAMES)]} {city.name[:3]}{j}"
                if j < 2
                else "",
                "consent": j < 2,
                "count": 1,
                "city": city.pk,
                "department": DEPARTMENTS[(i + j) % len(DEPARTMENTS)],
                "sex": SEXES[(i + j) % len(SEXES)],
                "age_band": BANDS[(i * 2 + j) % len(BANDS)],
                "score_before": str(before),
                "score_after": str(min(100, before + rng.randint(5, 30))),
            }
            plan.rows.append(row)
            plan.people += 1
        for sex in ("female", "male"):
            count = rng.randint(1, 3)
            plan.rows.append(
                {
                    "name": "",
                    "consent": False,
                    "count": count,
                    "city": city.pk,
                    "department": "",
                    "sex": sex,
                    "age_band": "not_said",
                    "score_before": None,
                    "score_after": None,
                }
            )
            plan.people += count
    return plan


def _photo(title: str, colour: tuple[int, int, int]) -> bytes:
    """A drawn stand-in for a site photo (the demo ships no real photographs)."""
    image = Image.new("RGB", (960, 640), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 470, 960, 640), fill=(70, 90, 60))
    draw.ellipse((760, 60, 880, 180), fill=(250, 220, 120))
    draw.text((40, 40), f"Site photo (illustrative): {title}"[:80], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def demo_trainings(programme: Programme, cities: dict[str, City], manager: User) -> None:
    rng = random.Random(21)  # noqa: S311 - illustrative figures, not secrets
    for title, held_on, mode, trainers, slugs, topics in data.TRAININGS:
        training = training_save(
            actor=manager,
            programme=programme,
            data={
                "title": title,
                "held_on": held_on,
                "mode": mode,
                "trainers": trainers,
                "topics": topics,
                "cities": [cities[s] for s in slugs],
            },
        )
        attendance_apply(
            actor=manager,
            training=training,
            plan=_attendance(rng, [cities[s] for s in slugs]),
        )


def demo_measures(cities: dict[str, City]) -> None:
    hazards = {h.code: h for h in HazardType.objects.all()}
    editors = {
        "kigali": "kigali.editor",
        "rajshahi": "rajshahi.editor",
        "sebkha": "sebkha.editor",
    }
    colours = [(90, 140, 170), (120, 150, 110), (170, 130, 90), (110, 120, 160), (140, 140, 140)]
    for i, (slug, title, codes, cost, co_finance, who, reached, history, description) in enumerate(
        data.MEASURES
    ):
        city = cities[slug]
        actor = User.objects.get(username=editors.get(slug, "admin"))
        women = reached * 52 // 100
        young = reached * 30 // 100
        _first, first_on, first_note = history[0]
        measure = measure_save(
            actor=actor,
            city=city,
            data={
                "title": title,
                "description": description,
                "hazards": [hazards[c] for c in codes if c in hazards],
                "action": city.candidates.order_by("code").first(),
                "cost": cost,
                "co_finance": co_finance,
                "co_financers": who,
                "beneficiaries": reached,
                "beneficiaries_breakdown": {
                    "sex": {"female": women, "male": reached - women},
                    "age_band": {"under_25": young, "not_said": reached - young},
                }
                if reached
                else {},
                "on": first_on,
                "note": first_note,
            },
        )
        for status, on, note in history[1:]:
            measure_status(actor=actor, measure=measure, status=status, on=on, note=note)
        if reached:
            evidence_add(
                actor=actor,
                measure=measure,
                title=f"{title}: on site",
                data=_photo(title, colours[i % len(colours)]),
                filename="site.jpg",
            )


def demo_results(programme: Programme, cities: dict[str, City]) -> None:
    if IndicatorUpdate.objects.exists():
        return
    framework_load_shipped(programme)
    manager = User.objects.get(username="programme.manager")
    admin = User.objects.get(username="admin")
    demo_trainings(programme, cities, manager)
    demo_measures(cities)
    reached = Indicator.objects.get(outcome__programme=programme, code="reached")
    exchanges = Indicator.objects.get(outcome__programme=programme, code="exchanges")
    kigali = User.objects.get(username="kigali.editor")
    for start, end, value, women in [
        (D(2026, 1, 1), D(2026, 3, 31), 2400, 1300),
        (D(2026, 4, 1), D(2026, 6, 30), 3100, 1700),
        (D(2026, 7, 1), D(2026, 9, 30), 2900, 1500),
    ]:
        update = update_save(
            actor=kigali,
            indicator=reached,
            city=cities["kigali"],
            period_start=start,
            period_end=end,
            value=Decimal(value),
            breakdown={"sex": {"female": women, "male": value - women}},
            comment="Residents at evacuation drills and reached by the flood warning campaign.",
        )
        evidence_add(
            actor=kigali,
            update=update,
            title="Drill attendance sheet (photo)",
            data=_photo(f"evacuation drill {end:%B %Y}", (100, 120, 150)),
            filename="drill.jpg",
        )
        update_submit(actor=kigali, update=update)
        update_decide(actor=manager, update=update, approve=True)
    rajshahi = User.objects.get(username="rajshahi.editor")
    update = update_save(
        actor=rajshahi,
        indicator=reached,
        city=cities["rajshahi"],
        period_start=D(2026, 4, 1),
        period_end=D(2026, 9, 30),
        value=Decimal(9000),
        comment="Leaflets on safe water handed out at the kiosks.",
    )
    update_submit(actor=rajshahi, update=update)
    update_decide(
        actor=manager,
        update=update,
        approve=False,
        reason="This counts leaflets handed out, not people: count each person reached once.",
    )
    for start, end, value in [
        (D(2026, 1, 1), D(2026, 6, 30), 4),
        (D(2026, 7, 1), D(2026, 9, 30), 3),
    ]:
        update = update_save(
            actor=manager,
            indicator=exchanges,
            city=None,
            period_start=start,
            period_end=end,
            value=Decimal(value),
        )
        update_submit(actor=manager, update=update)
        # Four eyes: the manager reported these, so the platform's admin approves them.
        update_decide(actor=admin, update=update, approve=True)
    report_issue(
        actor=manager,
        programme=programme,
        start=programme.start_date,
        end=timezone.localdate(),
    )
