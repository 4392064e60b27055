"""Signed proposals are append-only: a trigger refuses UPDATE and DELETE (PostgreSQL).
"""

import accounts.triggers
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('coding', '0001_initial'),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name='signedproposal',
            trigger=pgtrigger.compiler.Trigger(name='signed_proposal_append_only', sql=accounts.triggers.NoEscapeTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='93a109e9616c17d6796fee8cfe745d933bf08d05', operation='UPDATE OR DELETE', pgid='pgtrigger_signed_proposal_append_only_a3f59', table='coding_signedproposal', when='BEFORE')),
        ),
    ]
