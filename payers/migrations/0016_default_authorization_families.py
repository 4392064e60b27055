"""The services the shipped payers authorize before the visit (SC-AUTH): the state Medicaid
profile authorizes psychotherapy; Medicare Part B and the commercial profile authorize none
of the services this practice bills. The practice admin changes them on the payer page."""

from django.db import migrations

AUTHORIZATION_FAMILIES = {"medicaid": ["psychotherapy"]}


def load(apps, schema_editor):
    Payer = apps.get_model("payers", "Payer")
    for slug, families in AUTHORIZATION_FAMILIES.items():
        Payer.objects.filter(slug=slug).update(authorization_families=families)


class Migration(migrations.Migration):
    dependencies = [("payers", "0015_payer_authorization_families")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
