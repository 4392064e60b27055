"""Load the three default payer profiles of docs/coding-rules.md section 10 (PY)."""

import datetime

from django.db import migrations

PRESCRIBERS = ["MD", "DO", "NP", "PA", "CNS"]
DEFAULTS = [
    {
        "slug": "medicare",
        "name": "Medicare Part B",
        "em_credentials": PRESCRIBERS,
        "pharm_mgmt_90863_credentials": [],
        "prolonged_code": "G2212",
        "video_modifier": "",
        "audio_only_covered": True,
        "audio_modifier": "93",
        "modifier_25_with_addon": False,
        "telehealth_in_person_waiver_until": datetime.date(2028, 1, 1),
        "payer_id": "MCRB1",
        "claim_filing_indicator": "MB",
        "timely_filing_days": 365,
    },
    {
        "slug": "medicaid",
        "name": "State Medicaid",
        "em_credentials": PRESCRIBERS,
        "pharm_mgmt_90863_credentials": ["RxP"],
        "prolonged_code": "99417",
        "video_modifier": "95",
        "audio_only_covered": True,
        "audio_modifier": "93",
        "modifier_25_with_addon": False,
        "payer_id": "MCD01",
        "claim_filing_indicator": "MC",
        "timely_filing_days": 365,
    },
    {
        "slug": "commercial",
        "name": "Commercial plan",
        "em_credentials": PRESCRIBERS,
        "pharm_mgmt_90863_credentials": ["RxP"],
        "prolonged_code": "99417",
        "video_modifier": "95",
        "audio_only_covered": True,
        "audio_modifier": "93",
        "modifier_25_with_addon": False,
        "payer_id": "COMM1",
        "claim_filing_indicator": "CI",
        "timely_filing_days": 180,
    },
]


def load(apps, schema_editor):
    Payer = apps.get_model("payers", "Payer")
    for row in DEFAULTS:
        Payer.objects.update_or_create(slug=row["slug"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("payers", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
