"""Payer change history is append-only (a trigger, PostgreSQL); a payer with a history can
no longer be deleted (PROTECT instead of CASCADE).
"""

import accounts.triggers
import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payers', '0007_claims_move_to_claims_app'),
    ]

    operations = [
        migrations.AlterField(
            model_name='payerchange',
            name='payer',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='changes', to='payers.payer'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='payerchange',
            trigger=pgtrigger.compiler.Trigger(name='payer_change_append_only', sql=accounts.triggers.NoEscapeTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='06df2f00f06492f5ad494ea6f13d4a38d23962c0', operation='UPDATE OR DELETE', pgid='pgtrigger_payer_change_append_only_eb5d0', table='payers_payerchange', when='BEFORE')),
        ),
    ]
