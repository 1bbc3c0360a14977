"""One value per indicator, place and period. Values reported beside a returned one for the same
period (the only way to correct one before) are folded first: the value that stands (approved,
submitted or a draft; else the latest returned) is kept, the returned ones beside it go, and
their evidence moves to the value kept, so no file is lost."""

from typing import Any

from django.db import migrations, models

#: Which of two values for one period stands: the first found in this order.
PRECEDENCE = {"approved": 0, "submitted": 1, "draft": 2, "returned": 3}


def fold_duplicates(apps: Any, schema_editor: Any) -> None:
    update_model = apps.get_model("tracking", "IndicatorUpdate")
    evidence_model = apps.get_model("tracking", "Evidence")
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for row in update_model.objects.order_by("pk"):
        key = (row.indicator_id, row.city_id, row.period_start, row.period_end)
        groups.setdefault(key, []).append(row)
    for rows in groups.values():
        if len(rows) < 2:
            continue
        rows.sort(key=lambda r: (PRECEDENCE.get(r.status, 9), -r.pk))
        kept, *dropped = rows
        # Only returned values (which never counted) are folded; anything else beside the
        # kept one is a conflict the old rules already refused, left for the constraint to name.
        gone = [r.pk for r in dropped if r.status == "returned"]
        evidence_model.objects.filter(update_id__in=gone).update(update_id=kept.pk)
        update_model.objects.filter(pk__in=gone).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0005_stored_document"),
    ]

    operations = [
        migrations.RunPython(fold_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="indicatorupdate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("city__isnull", False)),
                fields=("indicator", "city", "period_start", "period_end"),
                name="one_city_value_a_period",
                violation_error_message="This place already has a value for this period.",
            ),
        ),
        migrations.AddConstraint(
            model_name="indicatorupdate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("city__isnull", True)),
                fields=("indicator", "period_start", "period_end"),
                name="one_programme_value_a_period",
                violation_error_message="The programme already has a value for this period.",
            ),
        ),
    ]
