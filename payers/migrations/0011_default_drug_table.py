"""The shipped drug table (docs/coding-rules.md section 14, coding/engine/data/drugs.json at
the time) as the practice's first rows; the practice admin extends and end-dates them."""

from django.db import migrations

# code, product, billing unit (mg), single-dose sizes (mg); None: a multi-dose vial.
DRUGS = [
    ("J2426", "paliperidone palmitate ER (Invega Sustenna)", "1", ["39", "78", "117", "156", "234"]),
    ("J0401", "aripiprazole ER (Abilify Maintena)", "1", ["300", "400"]),
    ("J1944", "aripiprazole lauroxil (Aristada)", "1", ["441", "662", "882", "1064"]),
    ("J2358", "olanzapine pamoate (Zyprexa Relprevv)", "1", ["210", "300", "405"]),
    ("J2794", "risperidone microspheres (Risperdal Consta)", "0.5", ["12.5", "25", "37.5", "50"]),
    ("J1631", "haloperidol decanoate", "50", None),
    ("J2680", "fluphenazine decanoate", "25", None),
]


def load(apps, schema_editor):
    Drug = apps.get_model("payers", "Drug")
    for code, product, unit, sizes in DRUGS:
        if Drug.objects.filter(code=code).exists():
            continue
        Drug.objects.create(
            code=code,
            product=product,
            billing_unit_mg=unit,
            single_dose_mg=sizes or [],
            multi_dose=sizes is None,
        )


class Migration(migrations.Migration):
    dependencies = [("payers", "0010_engine_2_default_profiles")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
