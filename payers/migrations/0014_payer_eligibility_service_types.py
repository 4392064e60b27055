"""Which mental-health service types each payer answers for in a 271 (payer data, edited on
the payer page); the three shipped payers get theirs."""

import payers.models
from django.db import migrations, models

# Medicare's eligibility service answers MH and psychotherapy; the Medicaid plan and the
# commercial plan answer the psychiatric codes too.
DEFAULT_SERVICE_TYPES = {
    "medicare": ["MH", "A6"],
    "medicaid": ["MH", "A4", "A6"],
    "commercial": ["MH", "A4", "A6", "A7", "A8"],
}


def load(apps, schema_editor):
    Payer = apps.get_model("payers", "Payer")
    for slug, codes in DEFAULT_SERVICE_TYPES.items():
        Payer.objects.filter(slug=slug).update(eligibility_service_types=codes)


class Migration(migrations.Migration):

    dependencies = [
        ("payers", "0013_payer_appeal_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="payer",
            name="eligibility_service_types",
            field=models.JSONField(
                blank=True,
                default=payers.models.default_service_types,
                help_text="X12 service type codes: MH, A4, A6, A7, A8 (30 for the plan as a whole).",
                validators=[payers.models.validate_service_types],
                verbose_name="service types asked in a 270",
            ),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
