"""A signed encounter is locked: by the model, and by the database for any other path.

The database lock is a pgtrigger trigger on PostgreSQL and the triggers of
migration 0002 on SQLite; every test here runs unchanged on both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from encounters.models import (
    Addendum,
    Encounter,
    EncounterDiagnosis,
    EncounterLocked,
    Injection,
    InstrumentScore,
    MedicationReview,
)
from tests.factories import (
    EncounterDiagnosisFactory,
    EncounterFactory,
    MedicationReviewFactory,
    instrument,
)

pytestmark = pytest.mark.django_db


# What the triggers say: ours on both databases, pgtrigger's Protect on PostgreSQL. There the
# tests run as the application role, which may not update or delete addenda at all (its
# grants); tests/test_append_only.py shows the trigger refusing the tables' owner too.
LOCK_MESSAGES = (
    r"signed and locked|addenda cannot be|pgtrigger: Cannot update or delete"
    r"|permission denied for table encounters_addendum"
)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _medication(encounter: Encounter, name: str = "sertraline") -> MedicationReview:
    return MedicationReviewFactory.build(encounter=encounter, name=name)


def _diagnosis(encounter: Encounter, code: str = "F41.1", position: int = 2) -> EncounterDiagnosis:
    return EncounterDiagnosis(
        encounter=encounter, position=position, code=code, description="Generalized anxiety"
    )


def _score(encounter: Encounter, name: str = "GAD-7") -> InstrumentScore:
    return InstrumentScore(encounter=encounter, instrument=instrument(name), score=12)


def _injection(encounter: Encounter) -> Injection:
    return Injection(encounter=encounter, drug="J2426", dose_mg=234, container_mg=234)


def _sign(encounter: Encounter) -> Encounter:
    """Mark the draft signed in the database (the signing service has its own tests)."""
    Encounter.objects.filter(pk=encounter.pk).update(
        status="signed", signed_at=timezone.now(), signed_by=encounter.clinician.user
    )
    return Encounter.objects.get(pk=encounter.pk)


@pytest.fixture
def draft() -> Encounter:
    encounter = EncounterFactory()
    EncounterDiagnosisFactory(encounter=encounter)
    _medication(encounter).save()
    _score(encounter, "PHQ-9").save()
    _injection(encounter).save()
    return encounter


@pytest.fixture
def signed(draft) -> Encounter:
    return _sign(draft)


@contextmanager
def _locked() -> Iterator[None]:
    """Expect the database to refuse the statement; the test's transaction stays usable."""
    with pytest.raises(DatabaseError, match=LOCK_MESSAGES), transaction.atomic():
        yield


# --- the encounter row ------------------------------------------------------------------------


def test_model_save_of_a_signed_encounter_raises_encounter_locked(signed):
    signed.em_plan = "changed after signing"
    with pytest.raises(EncounterLocked):
        signed.save()
    assert Encounter.objects.get(pk=signed.pk).em_plan != "changed after signing"


def test_model_save_with_update_fields_is_refused_too(signed):
    signed.pt_note = "rewritten"
    with pytest.raises(EncounterLocked):
        signed.save(update_fields=["pt_note"])


def test_model_delete_of_a_signed_encounter_raises_encounter_locked(signed):
    with pytest.raises(EncounterLocked):
        signed.delete()
    assert Encounter.objects.filter(pk=signed.pk).exists()


def test_queryset_update_of_a_signed_row_fails_in_the_database(signed):
    with _locked():
        Encounter.objects.filter(pk=signed.pk).update(pt_note="rewritten")
    assert Encounter.objects.get(pk=signed.pk).pt_note != "rewritten"


def test_unsigning_by_queryset_update_fails_in_the_database(signed):
    with _locked():
        Encounter.objects.filter(pk=signed.pk).update(status="draft")
    assert Encounter.objects.get(pk=signed.pk).is_signed


def test_raw_sql_update_of_a_signed_row_fails(signed):
    with _locked():
        _raw(
            f"UPDATE {_q('encounters_encounter')} SET {_q('em_plan')} = %s WHERE id = %s",
            ["raw change", signed.pk],
        )
    assert Encounter.objects.get(pk=signed.pk).em_plan != "raw change"


def test_raw_sql_delete_of_a_signed_row_fails(signed):
    with _locked():
        _raw(f"DELETE FROM {_q('encounters_encounter')} WHERE id = %s", [signed.pk])
    assert Encounter.objects.filter(pk=signed.pk).exists()


def test_queryset_delete_of_a_signed_encounter_fails_in_the_database(signed):
    with _locked():
        Encounter.objects.filter(pk=signed.pk).delete()
    assert Encounter.objects.filter(pk=signed.pk).exists()
    assert signed.diagnoses.count() == 1


# --- diagnoses and medication reviews ---------------------------------------------------------

CHILDREN = [
    pytest.param(EncounterDiagnosis, _diagnosis, "code", "F99", id="diagnosis"),
    pytest.param(MedicationReview, _medication, "dose", "999 mg", id="medication_review"),
    pytest.param(InstrumentScore, _score, "score", 3, id="instrument_score"),
    pytest.param(Injection, _injection, "lot", "CHANGED", id="injection"),
]


@pytest.mark.parametrize(("model", "build", "field", "value"), CHILDREN)
def test_child_model_save_on_a_signed_encounter_raises_encounter_locked(
    signed, model, build, field, value
):
    with pytest.raises(EncounterLocked):
        build(signed).save()
    existing = model.objects.get(encounter=signed)
    setattr(existing, field, value)
    with pytest.raises(EncounterLocked):
        existing.save()
    with pytest.raises(EncounterLocked):
        existing.delete()
    assert model.objects.filter(encounter=signed).count() == 1


@pytest.mark.parametrize(("model", "build", "field", "value"), CHILDREN)
def test_child_bulk_insert_on_a_signed_encounter_fails_in_the_database(
    signed, model, build, field, value
):
    with _locked():
        model.objects.bulk_create([build(signed)])
    assert model.objects.filter(encounter=signed).count() == 1


@pytest.mark.parametrize(("model", "build", "field", "value"), CHILDREN)
def test_child_queryset_update_on_a_signed_encounter_fails_in_the_database(
    signed, model, build, field, value
):
    with _locked():
        model.objects.filter(encounter=signed).update(**{field: value})
    assert not model.objects.filter(encounter=signed, **{field: value}).exists()


@pytest.mark.parametrize(("model", "build", "field", "value"), CHILDREN)
def test_child_queryset_delete_on_a_signed_encounter_fails_in_the_database(
    signed, model, build, field, value
):
    with _locked():
        model.objects.filter(encounter=signed).delete()
    assert model.objects.filter(encounter=signed).count() == 1


@pytest.mark.parametrize(("model", "build", "field", "value"), CHILDREN)
def test_child_raw_sql_update_and_delete_on_a_signed_encounter_fail(
    signed, model, build, field, value
):
    table = _q(model._meta.db_table)
    with _locked():
        _raw(f"UPDATE {table} SET {_q(field)} = %s WHERE encounter_id = %s", [value, signed.pk])
    with _locked():
        _raw(f"DELETE FROM {table} WHERE encounter_id = %s", [signed.pk])
    assert model.objects.filter(encounter=signed).exclude(**{field: value}).count() == 1


def test_raw_sql_insert_of_a_diagnosis_on_a_signed_encounter_fails(signed):
    with _locked():
        _raw(
            f"INSERT INTO {_q('encounters_encounterdiagnosis')} "
            "(encounter_id, position, code, description) VALUES (%s, %s, %s, %s)",
            [signed.pk, 2, "F41.1", "Generalized anxiety disorder"],
        )
    assert signed.diagnoses.count() == 1


def test_raw_sql_insert_of_a_medication_review_on_a_signed_encounter_fails(signed):
    columns = ", ".join(
        _q(c)
        for c in ("encounter_id", "name", "dose", "frequency", "adherence", "side_effects")
        + ("effect", "change", "change_reason")
    )
    with _locked():
        _raw(
            f"INSERT INTO {_q('encounters_medicationreview')} ({columns}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [signed.pk, "lithium", "300 mg", "daily", "full", "", "improved", "started", ""],
        )
    assert signed.medication_reviews.count() == 1


@pytest.mark.parametrize(("model", "build", "field", "value"), CHILDREN)
def test_moving_a_draft_row_onto_a_signed_encounter_fails_in_the_database(
    signed, model, build, field, value
):
    other = EncounterFactory()
    row = build(other)
    row.save()
    with _locked():
        model.objects.filter(pk=row.pk).update(encounter=signed)
    assert model.objects.get(pk=row.pk).encounter_id == other.pk


# --- addenda ------------------------------------------------------------------------------


@pytest.fixture
def addendum(signed) -> Addendum:
    return Addendum.objects.create(
        encounter=signed, author=signed.clinician.user, text="Lab result.", reason="Late result"
    )


def test_addendum_can_be_added_to_a_signed_encounter(addendum, signed):
    assert list(signed.addenda.all()) == [addendum]


def test_addendum_cannot_be_changed(addendum):
    addendum.text = "rewritten"
    with _locked():
        addendum.save()
    with _locked():
        Addendum.objects.filter(pk=addendum.pk).update(reason="other")
    with _locked():
        _raw(f"UPDATE {_q('encounters_addendum')} SET text = %s WHERE id = %s", ["x", addendum.pk])
    stored = Addendum.objects.get(pk=addendum.pk)
    assert (stored.text, stored.reason) == ("Lab result.", "Late result")


def test_addendum_cannot_be_deleted(addendum):
    with _locked():
        addendum.delete()
    with _locked():
        Addendum.objects.filter(pk=addendum.pk).delete()
    with _locked():
        _raw(f"DELETE FROM {_q('encounters_addendum')} WHERE id = %s", [addendum.pk])
    assert Addendum.objects.filter(pk=addendum.pk).exists()


# --- drafts stay editable -------------------------------------------------------------------


def test_draft_can_be_saved_updated_and_deleted(draft):
    draft.em_plan = "saved"
    draft.save()
    Encounter.objects.filter(pk=draft.pk).update(pt_note="updated")
    _raw(
        f"UPDATE {_q('encounters_encounter')} SET {_q('pt_focus')} = %s WHERE id = %s",
        ["raw", draft.pk],
    )
    stored = Encounter.objects.get(pk=draft.pk)
    assert (stored.em_plan, stored.pt_note, stored.pt_focus) == ("saved", "updated", "raw")
    draft.delete()
    assert not Encounter.objects.filter(pk=draft.pk).exists()


# Two more rows of each kind a draft may take (the draft already has one of each).
DRAFT_ROWS = {
    EncounterDiagnosis: (("F41.1", 2), ("F43.10", 3)),
    MedicationReview: (("lithium",), ("prazosin",)),
    InstrumentScore: (("GAD-7",), ("PCL-5",)),
    Injection: ((), ()),
}


@pytest.mark.parametrize(("model", "build", "field", "value"), CHILDREN)
def test_draft_children_can_be_inserted_updated_and_deleted(draft, model, build, field, value):
    first, second = DRAFT_ROWS[model]
    row = build(draft, *first)
    row.save()
    model.objects.bulk_create([build(draft, *second)])
    model.objects.filter(pk=row.pk).update(**{field: value})
    assert model.objects.get(pk=row.pk).__dict__[field] == value
    model.objects.filter(encounter=draft).delete()
    assert not model.objects.filter(encounter=draft).exists()
