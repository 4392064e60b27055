"""The engine 2 fields of the three default payers (docs/coding-rules.md section 10), as
coding/engine/data/payer_profiles.json ships them; the model's defaults cover the rest."""

from django.db import migrations

ENGINE_2 = {
    "medicare": {"takes_g2211": True, "audio_only_home_only": True, "discard_modifiers": True},
    "medicaid": {"ndc_on_drug_lines": True},
    "commercial": {},
}


def load(apps, schema_editor):
    Payer = apps.get_model("payers", "Payer")
    for slug, values in ENGINE_2.items():
        if values:
            Payer.objects.filter(slug=slug).update(**values)


class Migration(migrations.Migration):
    dependencies = [("payers", "0009_engine_2_profile_fields_and_drug_table")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
