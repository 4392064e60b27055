"""The practice's records are append-only in the database, and the tests' role cannot undo that.

Access records, payer change history, claim transitions, signed proposals, 837P export
batches (and addenda, locked since the encounters app began) are written once: a trigger
refuses UPDATE and DELETE of their rows, for the tables' owner too, and even for a session
that sets ``pgtrigger.ignore`` (``accounts.triggers``). The application role, which the
tests connect as on PostgreSQL (``tests/conftest.py``), has no UPDATE or DELETE grant on
them, is no superuser and owns no table, so it can neither change the rows nor switch the
triggers off. PostgreSQL only (the triggers and roles are PostgreSQL's): deselected on
SQLite; the admin tests in ``test_admin_read_only.py`` run on both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from accounts.access import access_record
from accounts.db_roles import append_only_tables
from accounts.models import AccessRecord
from claims.models import (
    ClaimPayment,
    ClaimTransition,
    DenialAction,
    EligibilityCheck,
    EligibilityInquiryBatch,
    ExportBatch,
    LinePayment,
    PayerFile,
)
from coding.models import SignedProposal
from encounters.models import Addendum
from encounters.services import addendum_add
from payers.models import Drug, DrugChange, PayerChange
from tests.claims.helpers import signed_claim
from tests.factories import UserFactory
from tests.sqlite_locks import release_signed_locks

pytestmark = pytest.mark.postgresql

TRIGGER = "pgtrigger: Cannot update or delete rows"
REFUSED = re.compile(rf"{TRIGGER}|permission denied for table")


@dataclass(frozen=True)
class Protected:
    model: type[models.Model]
    field: str  # a text column to try to rewrite

    @property
    def table(self) -> str:
        return self.model._meta.db_table


PROTECTED = [
    pytest.param(Protected(AccessRecord, "path"), id="access_record"),
    pytest.param(Protected(PayerChange, "new"), id="payer_change"),
    pytest.param(Protected(DrugChange, "new"), id="drug_change"),
    pytest.param(Protected(ClaimTransition, "reason"), id="claim_transition"),
    pytest.param(Protected(SignedProposal, "override_reason"), id="signed_proposal"),
    pytest.param(Protected(ExportBatch, "content"), id="export_batch"),
    pytest.param(Protected(Addendum, "text"), id="addendum"),
    pytest.param(Protected(DenialAction, "reason"), id="denial_action"),
    pytest.param(Protected(EligibilityCheck, "file_name"), id="eligibility_check"),
    pytest.param(Protected(EligibilityInquiryBatch, "content"), id="eligibility_batch"),
]


def _practice_records() -> None:
    """One row of each append-only table, written the way the app writes them."""
    claim = signed_claim()  # its first transition and the signed proposal
    clinician = claim.clinician.user
    admin = UserFactory(role="Practice admin")
    access_record(user=clinician, obj=claim.encounter, path="/encounters/")
    PayerChange.objects.create(payer=claim.payer, user=admin, field="name", old="A", new="B")
    drug = Drug.objects.get_or_create(
        code="J2680",
        defaults={"product": "fluphenazine decanoate", "billing_unit_mg": 25, "multi_dose": True},
    )[0]
    DrugChange.objects.create(drug=drug, user=admin, field="product", old="A", new="B")
    ExportBatch.objects.create(created_by=admin, control_number=77, claim_count=1, content="ISA~")
    addendum_add(user=clinician, encounter=claim.encounter, text="Late lab.", reason="Late")
    era = PayerFile.objects.create(
        kind="835", name="era.835", sha256="0" * 64, content="ISA~", imported_by=admin
    )
    payment = ClaimPayment.objects.create(
        payer_file=era,
        claim=claim,
        payer_key="1",
        trace_number="T",
        status_code="4",
        charge=claim.total_charge,
        paid=0,
        outcome="denied",
    )
    line = LinePayment.objects.create(
        payment=payment, matched_by="unmatched", code="99214", charge=100, paid=0
    )
    DenialAction.objects.create(
        line_payment=line, claim=claim, kind="write_off", user=admin, reason="Too late"
    )
    EligibilityCheck.objects.create(
        coverage=claim.coverage,
        patient=claim.patient,
        checked_at=timezone.now(),
        checked_by=admin,
        source="271",
        file_name="answer.271",
        status="active",
    )
    EligibilityInquiryBatch.objects.create(
        visit_date=claim.date_of_service, control_number=5, inquiry_count=1, content="ISA~"
    )


@pytest.fixture
def records(db) -> None:
    _practice_records()


@pytest.fixture
def owner_records(as_database_owner) -> Iterator[None]:
    """The same rows, committed, on the owner's connection (it may UPDATE: only the trigger
    stands in the way)."""
    _practice_records()
    yield
    release_signed_locks()


def _refused(statement: Any, match: re.Pattern[str] | str = REFUSED) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        statement()


def _raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _every_change_is_refused(protected: Protected, match: re.Pattern[str] | str) -> None:
    model, field, table = protected.model, protected.field, protected.table
    row = model.objects.order_by("pk").first()
    assert row is not None
    before = getattr(row, field)
    setattr(row, field, "rewritten")
    _refused(row.save, match)
    _refused(lambda: model.objects.filter(pk=row.pk).update(**{field: "rewritten"}), match)
    _refused(lambda: model.objects.filter(pk=row.pk).delete(), match)
    _refused(lambda: model.objects.get(pk=row.pk).delete(), match)
    _refused(lambda: _raw(f'UPDATE "{table}" SET "{field}" = %s', ["rewritten"]), match)
    _refused(lambda: _raw(f'DELETE FROM "{table}"'), match)
    assert getattr(model.objects.get(pk=row.pk), field) == before


def test_every_append_only_model_is_listed_here():
    """The grants (accounts.db_roles) and these tests cover the same tables."""
    assert sorted(p.values[0].table for p in PROTECTED) == append_only_tables()


def _each_table(check: Any) -> None:
    """``check`` on every append-only table, over one committed set of rows (one flush for all
    of them, not one a table); the failures name their tables."""
    failures = []
    for param in PROTECTED:
        protected = param.values[0]
        try:
            check(protected)
        except (AssertionError, pytest.fail.Exception) as failure:
            failures.append(f"{protected.table}: {failure}")
    assert not failures, "\n".join(failures)


def test_the_trigger_refuses_the_owner_updates_and_deletes(owner_records):
    """The tables' owner has every privilege on them; the trigger still says no."""
    _each_table(lambda protected: _every_change_is_refused(protected, TRIGGER))


def _ignore_is_refused(protected: Protected) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [protected.table],
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names
    table, field = protected.table, protected.field

    def update_ignoring_the_trigger() -> None:
        _raw("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(names) + "}"])
        _raw(f'UPDATE "{table}" SET "{field}" = %s', ["rewritten"])

    _refused(update_ignoring_the_trigger, TRIGGER)


def test_pgtrigger_ignore_does_not_switch_the_trigger_off(owner_records):
    """pgtrigger's own triggers step aside for ``SET pgtrigger.ignore``; ours do not."""
    _each_table(_ignore_is_refused)


@pytest.mark.parametrize("protected", PROTECTED)
def test_the_app_role_can_insert_but_never_update_or_delete(records, protected):
    assert protected.model.objects.exists()  # written through the app's services
    _every_change_is_refused(protected, REFUSED)


def test_the_app_still_writes_the_tables_it_updates(records):
    """Claims, encounters and payers stay writable: only the history is append-only."""
    from claims.models import Claim

    claim = Claim.objects.get()
    Claim.objects.filter(pk=claim.pk).update(version=claim.version + 1)
    assert Claim.objects.get(pk=claim.pk).version == claim.version + 1


# --- the role the tests (and the app) connect as -------------------------------------------


def _one(sql: str, params: list[Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()


def test_the_tests_connect_as_a_role_that_is_no_superuser_and_owns_no_protected_table(db):
    user, superuser, createrole, bypassrls = _one(
        "SELECT current_user, rolsuper, rolcreaterole, rolbypassrls "
        "FROM pg_roles WHERE rolname = current_user"
    )
    assert (superuser, createrole, bypassrls) == (False, False, False)
    for table in [*append_only_tables(), "encounters_encounter"]:
        (owner,) = _one("SELECT tableowner FROM pg_tables WHERE tablename = %s", [table])
        assert owner != user, table
        # Not a member of the owner either: SET ROLE would make it the owner.
        assert _one("SELECT pg_has_role(current_user, %s, 'MEMBER')", [owner]) == (False,)


@pytest.mark.parametrize("table", [*append_only_tables(), "encounters_encounter"])
def test_the_tests_role_cannot_switch_a_trigger_off(db, table):
    (trigger,) = _one(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
        [table],
    )
    owner_only = re.compile(r"must be owner")
    _refused(lambda: _raw(f'ALTER TABLE "{table}" DISABLE TRIGGER ALL'), owner_only)
    _refused(lambda: _raw(f'ALTER TABLE "{table}" DISABLE TRIGGER "{trigger}"'), owner_only)
    _refused(lambda: _raw(f'DROP TRIGGER "{trigger}" ON "{table}"'), owner_only)
    # The other ways around a trigger: replica mode and the owner's identity.
    (owner,) = _one("SELECT tableowner FROM pg_tables WHERE tablename = %s", [table])
    _refused(lambda: _raw("SET session_replication_role = replica"), "permission denied")
    _refused(lambda: _raw(f'SET ROLE "{owner}"'), "permission denied")
    (enabled,) = _one("SELECT tgenabled FROM pg_trigger WHERE tgname = %s", [trigger])
    assert enabled == "O"


def test_the_app_role_may_still_append_a_transition(records):
    """Appending goes on: a claim's next transition is an INSERT the app role may make."""
    from claims.models import Claim

    claim = Claim.objects.get()
    user = UserFactory(role="Biller")
    ClaimTransition.objects.create(claim=claim, from_state="queued", to_state="on_hold", user=user)
    assert claim.transitions.count() == 2


def test_pgtrigger_ignore_does_not_unlock_a_signed_encounter(records):
    """The signed lock has no session escape either (encounters/0005)."""
    from encounters.models import Encounter

    encounter = Encounter.objects.get()
    assert encounter.is_signed
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger_%'")
        every_trigger = "{" + ",".join(row[0] for row in cursor.fetchall()) + "}"

    def change(sql: str) -> Any:
        def run() -> None:
            _raw("SELECT set_config('pgtrigger.ignore', %s, true)", [every_trigger])
            _raw(sql, [encounter.pk])

        return run

    locked = re.compile(rf"{TRIGGER}|signed and locked")
    _refused(change("UPDATE encounters_encounter SET status = 'draft' WHERE id = %s"), locked)
    _refused(change("DELETE FROM encounters_encounterdiagnosis WHERE encounter_id = %s"), locked)
    assert Encounter.objects.get(pk=encounter.pk).is_signed
