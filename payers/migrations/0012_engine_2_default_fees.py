"""Fee schedules of the three default payers for engine 2's codes: G2211, 96127, 96372 and
each drug of the shipped drug table, drugs priced per billing unit (claims.build.price
multiplies by the line's units: J2426 x234 is 234 times the 1 mg price).

Expected amounts follow Medicare's (national, non-facility; drugs near ASP + 6%), with
Medicaid paying less and the commercial plan more. G2211 only where the payer takes it (VC-1).
"""

from decimal import Decimal

from django.db import migrations

# code: (practice charge, Medicare's expected amount), per unit.
FEES = {
    "G2211": ("30.00", "16.05"),
    "96127": ("10.00", "4.49"),
    "96372": ("30.00", "13.89"),
    "J2426": ("14.00", "11.20"),  # per 1 mg
    "J0401": ("7.60", "6.10"),  # per 1 mg
    "J1944": ("3.70", "2.95"),  # per 1 mg
    "J2358": ("4.30", "3.40"),  # per 1 mg
    "J2794": ("11.50", "8.90"),  # per 0.5 mg
    "J1631": ("12.00", "5.60"),  # per 50 mg
    "J2680": ("25.00", "12.80"),  # per 25 mg
}
# Expected amount against Medicare's, and the codes a payer does not take.
PAYERS = {
    "medicare": (Decimal("1.00"), set()),
    "medicaid": (Decimal("0.85"), {"G2211"}),
    "commercial": (Decimal("1.20"), {"G2211"}),
}


def load(apps, schema_editor):
    Payer = apps.get_model("payers", "Payer")
    Fee = apps.get_model("payers", "FeeScheduleEntry")
    for slug, (share, excluded) in PAYERS.items():
        payer = Payer.objects.filter(slug=slug).first()
        if payer is None:
            continue
        for code, (charge, medicare) in FEES.items():
            if code in excluded:
                continue
            expected = (Decimal(medicare) * share).quantize(Decimal("0.01"))
            Fee.objects.get_or_create(
                payer=payer,
                code=code,
                modifier="",
                defaults={"charge": Decimal(charge), "allowed": min(expected, Decimal(charge))},
            )


class Migration(migrations.Migration):
    dependencies = [("payers", "0011_default_drug_table")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
