"""Two billers at once: "next claim" hands each a different claim; a stale edit is refused.

On PostgreSQL (CI) two threads with their own connections really overlap: each takes the
oldest claim nobody holds, ``skip_locked`` lets the second pass the first's locked row.
SQLite's test database cannot hold two writers, so there the same calls run one after
the other and must give the same answers.
"""

from __future__ import annotations

import threading

from django.db import connection, connections, transaction

from claims.models import Claim, ClaimState
from claims.queue import claim_next_for_biller
from claims.transitions import StaleClaimError, claim_transition
from tests.claims.helpers import signed_claim
from tests.factories import ClinicianFactory, UserFactory


def _billers():
    return UserFactory(role="Biller"), UserFactory(
        role="Biller", first_name="Bea", last_name="Second"
    )


def _run_together(*calls):
    """Run ``calls`` in threads released at the same moment; their results in order."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index, call):
        try:
            start.wait(timeout=10)
            with transaction.atomic():
                results[index] = call()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def test_next_claim_hands_two_billers_different_claims(transactional_db):
    clinician = ClinicianFactory()
    claims = [signed_claim(clinician=clinician, days_ago=d) for d in (5, 4, 3)]
    first, second = _billers()
    if connection.vendor == "postgresql":
        results, errors = _run_together(
            lambda: claim_next_for_biller(user=first).pk,
            lambda: claim_next_for_biller(user=second).pk,
        )
        assert errors == []
    else:
        results = [claim_next_for_biller(user=u).pk for u in (first, second)]
    assert results[0] != results[1]
    assert set(results) == {claims[0].pk, claims[1].pk}  # the two oldest
    holders = dict(Claim.objects.filter(pk__in=results).values_list("pk", "claimed_by"))
    assert holders == {results[0]: first.pk, results[1]: second.pk}


def test_next_claim_keeps_a_billers_claim_with_them_after_the_transaction(transactional_db):
    clinician = ClinicianFactory()
    for d in (5, 4):
        signed_claim(clinician=clinician, days_ago=d)
    first, second = _billers()
    mine = claim_next_for_biller(user=first)
    assert claim_next_for_biller(user=first).pk == mine.pk
    assert claim_next_for_biller(user=second).pk != mine.pk
    assert claim_next_for_biller(user=UserFactory(role="Biller")) is None


def test_two_billers_editing_at_once_one_wins_the_other_is_told(transactional_db):
    claim = signed_claim(clinician=ClinicianFactory())
    first, second = _billers()
    opened = Claim.objects.get(pk=claim.pk)  # both opened the page at version 1

    def approve(user):
        def call():
            return claim_transition(
                user=user,
                claim=Claim.objects.get(pk=opened.pk),
                to_state=ClaimState.APPROVED,
                version=opened.version,
            ).state

        return call

    if connection.vendor == "postgresql":
        results, errors = _run_together(approve(first), approve(second))
    else:
        results, errors = [], []
        for user in (first, second):
            try:
                results.append(approve(user)())
            except StaleClaimError as exc:
                errors.append(exc)
    assert [r for r in results if r] == [ClaimState.APPROVED]
    assert len(errors) == 1
    assert isinstance(errors[0], StaleClaimError)
    assert "this claim was changed by" in str(errors[0]).lower()
    assert Claim.objects.get(pk=claim.pk).version == 2
    assert Claim.objects.get(pk=claim.pk).transitions.filter(to_state="approved").count() == 1
