"""Claim transitions and 837P export batches are append-only (triggers, PostgreSQL); a claim
with transitions can no longer be deleted (PROTECT instead of CASCADE).
"""

import accounts.triggers
import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0003_access_records_name_claims'),
    ]

    operations = [
        migrations.AlterField(
            model_name='claimtransition',
            name='claim',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='transitions', to='claims.claim'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='claimtransition',
            trigger=pgtrigger.compiler.Trigger(name='claim_transition_append_only', sql=accounts.triggers.NoEscapeTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='1e01cb75d8266081a31ab6197b38facd96fd1e99', operation='UPDATE OR DELETE', pgid='pgtrigger_claim_transition_append_only_798c7', table='claims_claimtransition', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='exportbatch',
            trigger=pgtrigger.compiler.Trigger(name='export_batch_append_only', sql=accounts.triggers.NoEscapeTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='ba98f7d04434cb5870e3c5a74461b29893c70ba0', operation='UPDATE OR DELETE', pgid='pgtrigger_export_batch_append_only_5fd57', table='claims_exportbatch', when='BEFORE')),
        ),
    ]
