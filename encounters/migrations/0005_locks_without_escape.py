"""The signed lock and the addenda's append-only trigger, installed again without
pgtrigger's ``pgtrigger.ignore`` escape (``accounts.triggers``): no session can set it to
step around them. Same names, same refusals.
"""

import accounts.triggers
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('encounters', '0004_mdm_details'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='addendum',
            name='addendum_append_only',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='encounter',
            name='signed_encounter_locked',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='encounterdiagnosis',
            name='encounter_diagnosis_locked',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='medicationreview',
            name='medication_review_locked',
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='addendum',
            trigger=pgtrigger.compiler.Trigger(name='addendum_append_only', sql=accounts.triggers.NoEscapeTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='08da4fba1f8db70a3f91afafd391b59b0bf0a77f', operation='UPDATE OR DELETE', pgid='pgtrigger_addendum_append_only_69068', table='encounters_addendum', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='encounter',
            trigger=pgtrigger.compiler.Trigger(name='signed_encounter_locked', sql=accounts.triggers.NoEscapeTriggerSql(condition='WHEN (OLD."status" = \'signed\')', func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='540e3b03cee5a0a1fcc619d3a4247daa76ac3709', operation='UPDATE OR DELETE', pgid='pgtrigger_signed_encounter_locked_63b42', table='encounters_encounter', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='encounterdiagnosis',
            trigger=pgtrigger.compiler.Trigger(name='encounter_diagnosis_locked', sql=accounts.triggers.NoEscapeTriggerSql(func="\n    IF EXISTS (\n        SELECT 1 FROM encounters_encounter\n        WHERE id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.encounter_id ELSE NEW.encounter_id END)\n          AND status = 'signed'\n    ) OR (TG_OP = 'UPDATE' AND EXISTS (\n        SELECT 1 FROM encounters_encounter WHERE id = OLD.encounter_id AND status = 'signed'\n    )) THEN\n        RAISE EXCEPTION 'encounter is signed and locked: % on %', TG_OP, TG_TABLE_NAME\n            USING ERRCODE = 'integrity_constraint_violation';\n    END IF;\n    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n    RETURN NEW;\n", hash='9cdc1f7dad2468a2ac89c608e9e71b2259471056', operation='INSERT OR UPDATE OR DELETE', pgid='pgtrigger_encounter_diagnosis_locked_ff6e1', table='encounters_encounterdiagnosis', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='medicationreview',
            trigger=pgtrigger.compiler.Trigger(name='medication_review_locked', sql=accounts.triggers.NoEscapeTriggerSql(func="\n    IF EXISTS (\n        SELECT 1 FROM encounters_encounter\n        WHERE id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.encounter_id ELSE NEW.encounter_id END)\n          AND status = 'signed'\n    ) OR (TG_OP = 'UPDATE' AND EXISTS (\n        SELECT 1 FROM encounters_encounter WHERE id = OLD.encounter_id AND status = 'signed'\n    )) THEN\n        RAISE EXCEPTION 'encounter is signed and locked: % on %', TG_OP, TG_TABLE_NAME\n            USING ERRCODE = 'integrity_constraint_violation';\n    END IF;\n    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n    RETURN NEW;\n", hash='fc71682555028bc92ea124ae8b5ab8bcf9995ac3', operation='INSERT OR UPDATE OR DELETE', pgid='pgtrigger_medication_review_locked_82db0', table='encounters_medicationreview', when='BEFORE')),
        ),
    ]
