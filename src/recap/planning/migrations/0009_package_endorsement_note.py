from django.db import migrations, models


def endorsement_from_rationale(apps, schema_editor):
    """Until now, endorsing wrote over the rationale: an endorsed package's rationale is the
    coordinator's words, so they become its endorsement note too (the team's are lost)."""
    ActionPackage = apps.get_model("planning", "ActionPackage")
    for package in ActionPackage.objects.filter(status="endorsed", endorsement_note=""):
        package.endorsement_note = package.rationale
        package.save(update_fields=["endorsement_note"])


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0008_session_weight_spread"),
    ]

    operations = [
        migrations.AddField(
            model_name="actionpackage",
            name="endorsement_note",
            field=models.TextField(blank=True, verbose_name="endorsement note"),
        ),
        migrations.RunPython(endorsement_from_rationale, migrations.RunPython.noop),
    ]
