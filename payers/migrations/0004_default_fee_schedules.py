"""Seed demo fee schedules for the three default payers: practice charge and expected amount."""

from decimal import Decimal

from django.db import migrations

# Practice charge per code (the same for every payer).
CHARGES = {
    "99202": "120.00", "99203": "180.00", "99204": "270.00", "99205": "350.00",
    "99212": "90.00", "99213": "140.00", "99214": "200.00", "99215": "280.00",
    "90791": "260.00", "90792": "300.00",
    "90832": "110.00", "90833": "100.00", "90834": "150.00",
    "90836": "130.00", "90837": "210.00", "90838": "170.00",
    "90839": "240.00", "90840": "110.00",
    "90846": "160.00", "90847": "170.00", "90853": "60.00",
    "90785": "25.00", "90863": "40.00", "99417": "70.00", "G2212": "70.00",
}
# Expected (allowed) amount as a share of the charge, and codes a payer does not take.
PAYERS = {
    "medicare": (Decimal("0.55"), {"99417", "90863"}),
    "medicaid": (Decimal("0.45"), {"G2212"}),
    "commercial": (Decimal("0.75"), {"G2212"}),
}


def load(apps, schema_editor):
    Payer = apps.get_model("payers", "Payer")
    Fee = apps.get_model("payers", "FeeScheduleEntry")
    for slug, (share, excluded) in PAYERS.items():
        payer = Payer.objects.filter(slug=slug).first()
        if payer is None:
            continue
        for code, charge in CHARGES.items():
            if code in excluded:
                continue
            amount = Decimal(charge)
            Fee.objects.update_or_create(
                payer=payer,
                code=code,
                modifier="",
                defaults={"charge": amount, "allowed": (amount * share).quantize(Decimal("0.01"))},
            )


class Migration(migrations.Migration):
    dependencies = [("payers", "0003_claims")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
