"""Claims move to the claims app: the payers app forgets the models, the tables stay.

State only: claims/0001 takes the same tables over (SeparateDatabaseAndState there too)
and claims/0002 renames them claims_*. No row is copied or lost.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("payers", "0006_payer_claim_number_and_frequency"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ClaimEdit"),
                migrations.DeleteModel(name="ClaimLine"),
                migrations.DeleteModel(name="ClaimTransition"),
                migrations.DeleteModel(name="Claim"),
                migrations.DeleteModel(name="ExportBatch"),
            ],
            database_operations=[],
        ),
    ]
