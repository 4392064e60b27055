"""The access log names claims and 837P files by their new app: claims.Claim, claims.ExportBatch.

``access_record`` stores ``obj._meta.label``; records written before the move say
payers.Claim. Same rows, same ids: the label follows the model so the access log's
"Claim" filter keeps finding every claim ever opened.
"""

from django.db import migrations

LABELS = {"payers.Claim": "claims.Claim", "payers.ExportBatch": "claims.ExportBatch"}


def forwards(apps, schema_editor):
    AccessRecord = apps.get_model("accounts", "AccessRecord")
    for old, new in LABELS.items():
        AccessRecord.objects.filter(object_type=old).update(object_type=new)


def backwards(apps, schema_editor):
    AccessRecord = apps.get_model("accounts", "AccessRecord")
    for old, new in LABELS.items():
        AccessRecord.objects.filter(object_type=new).update(object_type=old)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("claims", "0002_claim_tables_renamed"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
