"""The access log is append-only: a trigger refuses UPDATE and DELETE (PostgreSQL).

It runs after claims/0003, the one migration that rewrites access records (it relabels
payers.Claim as claims.Claim): on a database upgraded from before the claims app, that
relabel must happen before the rows are locked.
"""

import accounts.triggers
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_roles'),
        ('claims', '0003_access_records_name_claims'),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name='accessrecord',
            trigger=pgtrigger.compiler.Trigger(name='access_record_append_only', sql=accounts.triggers.NoEscapeTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='d911a9db8f9e44931b85ca260068c5722ae84935', operation='UPDATE OR DELETE', pgid='pgtrigger_access_record_append_only_de48b', table='accounts_accessrecord', when='BEFORE')),
        ),
    ]
