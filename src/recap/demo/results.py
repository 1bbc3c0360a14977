"""The demo's monitoring for ReCAP 21, written through the services: the results framework
(`tracking/data/framework.json`); six trainings with their attendance and knowledge checks
(drawn from a fixed seed: illustrative); the pilot cities' small-scale measures with their
dated history and a photo each; a year of reported values (Kigali's approved, with evidence,
and its strategy's adoption waiting for approval; Rajshahi's returned with a reason, to
correct; Sebkha's never reported, so late; the programme's peer exchanges); and a donor report
issued for the programme's period. Every date lies inside the programme's period
(`data/programme.json`), as a real programme's would: nothing outside it counts. What they say
is in `data/results.json`."""

from __future__ import annotations

import io
import random
from decimal import Decimal
from typing import Any

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

from .content import demo_data

# The patterns the attendance is drawn in (the names and departments are in results.json).
SEXES = ["female", "male", "female", "male", "not_said"]
BANDS = ["under_25", "25_34", "35_44", "45_54", "55_plus"]


def _attendance(rng: random.Random, cities: list[City], names: dict[str, Any]) -> AttendancePlan:
    """Some people named with consent and checked before and after; the rest counted."""
    first_names, departments = names["first_names"], names["departments"]
    plan = AttendancePlan()
    for i, city in enumerate(cities):
        for j in range(rng.randint(3, 5)):
            before = rng.randint(35, 65)
            row = {
                "name": f"{first_names[(i + j) % len(first_names)]} {city.name[:3]}{j}"
                if j < 2
                else "",
                "consent": j < 2,
                "count": 1,
                "city": city.pk,
                "department": departments[(i + j) % len(departments)],
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


def demo_trainings(
    programme: Programme, cities: dict[str, City], manager: User, results: dict[str, Any]
) -> None:
    rng = random.Random(21)  # noqa: S311 - illustrative figures, not secrets
    for spec in results["trainings"]:
        training = training_save(
            actor=manager,
            programme=programme,
            data={
                "title": spec["title"],
                "held_on": spec["held_on"],
                "mode": spec["mode"],
                "trainers": spec["trainers"],
                "topics": spec["topics"],
                "cities": [cities[s] for s in spec["cities"]],
            },
        )
        attendance_apply(
            actor=manager,
            training=training,
            plan=_attendance(rng, [cities[s] for s in spec["cities"]], results["attendance"]),
        )


def demo_measures(cities: dict[str, City], results: dict[str, Any]) -> None:
    hazards = {h.code: h for h in HazardType.objects.all()}
    shares = results["beneficiaries_breakdown"]
    colours = [(90, 140, 170), (120, 150, 110), (170, 130, 90), (110, 120, 160), (140, 140, 140)]
    for i, spec in enumerate(results["measures"]):
        city = cities[spec["city"]]
        actor = User.objects.get(username=spec["entered_by"])
        title, reached = spec["title"], spec["beneficiaries"]
        women = reached * shares["female_percent"] // 100
        young = reached * shares["under_25_percent"] // 100
        first, *later = spec["history"]
        measure = measure_save(
            actor=actor,
            city=city,
            data={
                "title": title,
                "description": spec["description"],
                "hazards": [hazards[c] for c in spec["hazards"] if c in hazards],
                "action": city.candidates.filter(code=spec["action"]).first()
                if "action" in spec
                else None,
                "cost": spec["cost"],
                "co_finance": spec["co_finance"],
                "co_financers": spec["co_financers"],
                "beneficiaries": reached,
                "beneficiaries_breakdown": {
                    "sex": {"female": women, "male": reached - women},
                    "age_band": {"under_25": young, "not_said": reached - young},
                }
                if reached
                else {},
                "on": first["on"],
                "note": first["note"],
            },
        )
        for change in later:
            measure_status(
                actor=actor,
                measure=measure,
                status=change["status"],
                on=change["on"],
                note=change["note"],
            )
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
    results = demo_data("results")
    framework_load_shipped(programme)
    manager = User.objects.get(username="programme.manager")
    demo_trainings(programme, cities, manager, results)
    demo_measures(cities, results)
    for spec in results["updates"]:
        reporter = User.objects.get(username=spec["reported_by"])
        update = update_save(
            actor=reporter,
            indicator=Indicator.objects.get(outcome__programme=programme, code=spec["indicator"]),
            city=cities[spec["city"]] if spec["city"] else None,
            period_start=spec["period_start"],
            period_end=spec["period_end"],
            value=Decimal(spec["value"]),
            breakdown=spec.get("breakdown"),
            comment=spec.get("comment", ""),
        )
        if evidence := spec.get("evidence"):
            evidence_add(
                actor=reporter,
                update=update,
                title=evidence["title"],
                data=_photo(evidence["photo"], (100, 120, 150)),
                filename=evidence["filename"],
            )
        update_submit(actor=reporter, update=update)
        decision = spec.get("decision")
        if decision is None:
            continue  # it waits for the programme's approval
        update_decide(
            actor=User.objects.get(username=decision["by"]),
            update=update,
            approve=decision["approve"],
            reason=decision.get("reason", ""),
        )
    # For the programme's period as far as it has run: never past its end.
    report_issue(
        actor=manager,
        programme=programme,
        start=programme.start_date,
        end=programme.counted_until(timezone.localdate()),
    )
