"""The queue at a billing service's volume: counts per state kept by triggers (right under
concurrent changes), no second COUNT(*), a name search that finds patients first through
their trigram indexes, and a page whose queries do not grow with the claims or a search."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import queue as claim_queue
from claims.models import Claim, ClaimState, ClaimStateCount
from claims.queue import QueueFilters, claim_queue_for_biller, claim_state_counts
from claims.transitions import claim_transition
from tests.claims.helpers import run_at_once, signed_claim
from tests.claims.test_views import _copies
from tests.factories import ClinicianFactory, PatientFactory, UserFactory

QUEUE = reverse("claims:claim-queue")
S = ClaimState


def _actual() -> dict[str, int]:
    counts = dict.fromkeys(S.values, 0)
    for state in Claim.objects.values_list("state", flat=True):
        counts[state] += 1
    return counts


@pytest.mark.django_db
def test_counts_per_state_follow_inserts_transitions_bulk_updates_and_deletes(biller, prescriber):
    claim = signed_claim(clinician=prescriber.clinician)
    _copies(claim, 9)  # a bulk INSERT of nine
    assert claim_state_counts() == _actual()
    assert claim_state_counts()[S.QUEUED] == 10
    claim_transition(user=biller, claim=claim, to_state=S.APPROVED, version=claim.version)
    ids = list(Claim.objects.filter(state=S.QUEUED).values_list("pk", flat=True)[:4])
    Claim.objects.filter(pk__in=ids[:3]).update(state=S.ON_HOLD)  # one UPDATE of three
    Claim.objects.filter(pk=ids[3]).update(total_charge=1)  # no change of state: no change
    Claim.objects.filter(pk__in=ids[:1]).update(state=S.ON_HOLD)  # to the state it has
    assert claim_state_counts() == _actual()
    assert (claim_state_counts()[S.APPROVED], claim_state_counts()[S.ON_HOLD]) == (1, 3)
    Claim.objects.filter(pk=ids[1]).delete()
    assert claim_state_counts() == _actual()
    assert claim_state_counts()[S.ON_HOLD] == 2
    if connection.vendor == "postgresql":  # read from the table the triggers keep
        assert ClaimStateCount.objects.exists()
        with CaptureQueriesContext(connection) as queries:
            claim_state_counts()
        assert "claims_claimstatecount" in queries[0]["sql"]
        assert 'claims_claim"' not in queries[0]["sql"].replace("claimstatecount", "")


@pytest.mark.django_db
@pytest.mark.postgresql
def test_an_update_counts_its_claims_without_joining_their_old_and_new_rows(prescriber):
    """The session keeps the trigger's plan: one made for a one-claim update and joining the
    statement's old and new rows took 35 s for the export's UPDATE of 10,000 claims later in
    the same session (claims 0014). The counts are the new rows' less the old rows'."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'claims_state_count_apply'")
        (source,) = cursor.fetchone()
    assert "JOIN" not in source.upper()
    claim = signed_claim(clinician=prescriber.clinician)
    _copies(claim, 5)
    for _ in range(6):  # enough one-claim updates for the session to keep a generic plan
        Claim.objects.filter(pk=claim.pk).update(state=S.ON_HOLD)
        Claim.objects.filter(pk=claim.pk).update(state=S.QUEUED)
    Claim.objects.update(state=S.SUBMITTED)
    assert claim_state_counts() == _actual()
    assert claim_state_counts()[S.SUBMITTED] == 6


def test_counts_stay_right_when_billers_change_claims_at_the_same_moment(transactional_db):
    """Eight threads, each its own connection (and so its own slot or a shared one), move
    claims between states at once; the counts equal the claims after all of them."""
    clinician = ClinicianFactory()
    first = signed_claim(clinician=clinician)
    _copies(first, 39)
    ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
    billers = [UserFactory(role="Biller") for _ in range(8)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        mine = ids[index::8]  # five claims each, none shared
        try:
            for pk in mine:
                with transaction.atomic():
                    claim = Claim.objects.get(pk=pk)
                    claim_transition(
                        user=billers[index],
                        claim=claim,
                        to_state=S.ON_HOLD if index % 2 else S.APPROVED,
                        version=claim.version,
                        reason="Waiting for the card.",
                    )
            with transaction.atomic():  # and some back, in one statement
                Claim.objects.filter(pk__in=mine[:2]).update(state=S.QUEUED)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    run_at_once(work, 8)
    assert errors == []
    assert claim_state_counts() == _actual()
    assert claim_state_counts()[S.QUEUED] == 16
    assert claim_state_counts()[S.APPROVED] == 12
    assert claim_state_counts()[S.ON_HOLD] == 12


@pytest.mark.django_db
def test_the_queue_page_runs_no_count_of_its_own_beside_the_counts(client_for, biller, claim):
    client = client_for(biller)
    client.get(QUEUE)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE)
    assert response.status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == (0 if connection.vendor == "postgresql" else 1)
    assert response.context["queue"].page.paginator.count == 1
    assert "1 claims" in response.content.decode()


@pytest.mark.django_db
def test_a_search_runs_as_many_queries_as_the_plain_page_and_counts_only_what_it_found(
    client_for, biller, prescriber, django_assert_num_queries
):
    novak = PatientFactory(last_name="Novakova", first_name="Ilse")
    a = signed_claim(clinician=prescriber.clinician, patient=novak)
    b = signed_claim(clinician=prescriber.clinician, patient=PatientFactory(last_name="Ortiz"))
    _copies(b, 5)
    Claim.objects.filter(pk=a.pk).update(state=S.ON_HOLD)
    client = client_for(biller)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as plain:
        client.get(QUEUE, {"state": ""})
    with django_assert_num_queries(len(plain.captured_queries)):
        response = client.get(QUEUE, {"state": "", "q": "NOVA"})
    queue = response.context["queue"]
    assert [c.number for c in queue.page.object_list] == [a.number]
    assert queue.counts[S.ON_HOLD] == 1
    assert queue.counts[S.QUEUED] == 0
    assert queue.page.paginator.count == 1
    both = client.get(QUEUE, {"state": "", "q": "ilse nov"}).context["queue"]
    assert [c.number for c in both.page.object_list] == [a.number]  # every word a name
    prefix = client.get(QUEUE, {"state": "", "q": b.number[:-1].lower()}).context["queue"]
    found = {c.number for c in prefix.page.object_list}
    assert b.number in found
    assert all(n.startswith(b.number[:-1]) for n in found)


@pytest.mark.django_db
def test_the_name_search_reads_the_trigram_indexes_on_postgresql_and_needs_none_on_sqlite(
    client_for, biller, prescriber
):
    from claims.queue import _filtered, _name_matches

    a = signed_claim(clinician=prescriber.clinician, patient=PatientFactory(last_name="Novak"))
    claims = _filtered(QueueFilters(state="", q="novak"), with_state=True)
    assert list(claims.values_list("pk", flat=True)) == [a.pk]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A handful of rows: the planner would read them all. Without whole-table and
            # plain index scans, the patients' step must be able to use the trigram indexes.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            sql, params = _name_matches(["novak"]).query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "patient_last_name_trgm" in plan
            assert "patient_first_name_trgm" in plan
        else:  # the migration made no index SQLite cannot have, and the search still works
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE '%trgm%'")
            assert cursor.fetchall() == []


@pytest.mark.django_db
@pytest.mark.parametrize("walk", [False, True], ids=["sorted-matches", "walked-index"])
@pytest.mark.parametrize("sort", ["dos", "-dos", "charge", "patient"])
def test_a_name_search_pages_through_its_claims_in_the_sort_chosen(
    biller, prescriber, monkeypatch, sort, walk
):
    """A name search picks each page's ids first and reads those rows after: every page
    holds the next claims of the patients found in the sort chosen, ties by id, whether the
    matches are sorted (a rare name) or, for a common word, met by walking the sorted index
    (where the sort has one: by charge they are sorted either way)."""
    novak = PatientFactory(last_name="Novak", first_name="Jan")
    mine = signed_claim(clinician=prescriber.clinician, patient=novak)
    _copies(mine, 6)
    other = signed_claim(clinician=prescriber.clinician, patient=PatientFactory(last_name="Ortiz"))
    _copies(other, 6)
    day = datetime.date(2026, 1, 1)
    for i, pk in enumerate(Claim.objects.order_by("pk").values_list("pk", flat=True)):
        Claim.objects.filter(pk=pk).update(
            date_of_service=day + datetime.timedelta(days=(i * 5) % 4),
            total_charge=Decimal(100 + (i * 7) % 3),
        )
    held = Claim.objects.filter(patient=novak).order_by("pk").values_list("pk", flat=True)[:2]
    Claim.objects.filter(pk__in=list(held)).update(state=S.ON_HOLD)
    keys = {
        "dos": lambda c: (c.date_of_service, c.pk),
        "-dos": lambda c: (-c.date_of_service.toordinal(), -c.pk),
        "charge": lambda c: (-c.total_charge, c.pk),
        "patient": lambda c: (c.patient.last_name, c.patient.first_name, c.pk),
    }
    expected = [
        c.number
        for c in sorted(
            Claim.objects.filter(patient=novak, state=S.QUEUED).select_related("patient"),
            key=keys[sort],
        )
    ]
    assert len(expected) == 5
    monkeypatch.setattr(claim_queue, "PAGE_SIZE", 2)
    monkeypatch.setattr(claim_queue, "WALK_FROM_MATCHES", 1 if walk else 10**9)
    seen = []
    for number in (1, 2, 3):
        page = claim_queue_for_biller(
            user=biller, filters=QueueFilters(q="nov", sort=sort), page_number=number
        ).page
        assert page.paginator.count == 5
        seen += [row.number for row in page.object_list]
    assert seen == expected


@pytest.mark.django_db
def test_rows_link_to_their_claims_without_a_reverse_per_row(client_for, biller, claim):
    body = client_for(biller).get(QUEUE).content.decode()
    assert f'href="{reverse("claims:claim-detail", args=[claim.pk])}"' in body


@pytest.mark.django_db
def test_the_queue_selector_is_for_billers_only(prescriber):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        claim_queue_for_biller(user=prescriber, filters=QueueFilters())
