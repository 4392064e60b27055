"""Claim pages: the queue (filters, counts, a fixed number of queries), the claim page,
fixes and actions over htmx, bulk approval, the clinician's inbox, exports, payer answers."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from accounts.models import AccessRecord
from claims.models import Claim, ClaimState
from claims.transitions import claim_transition
from tests.claims.helpers import signed_claim
from tests.factories import ClinicianFactory, PatientFactory

pytestmark = pytest.mark.django_db
QUEUE = reverse("claims:claim-queue")


def _copies(claim: Claim, n: int) -> None:
    """``n`` more claim rows like ``claim`` (each on an encounter of its own)."""
    from encounters.models import Encounter, EncounterStatus

    encounter = claim.encounter
    fields = {
        f.name: getattr(encounter, f.name)
        for f in Encounter._meta.concrete_fields
        if f.name not in ("id", "status", "signed_at", "signed_by", "draft_key")
    }
    clones = Encounter.objects.bulk_create(
        Encounter(**{**fields, "status": EncounterStatus.DRAFT}) for _ in range(n)
    )
    Claim.objects.bulk_create(
        Claim(
            **{
                f.attname: getattr(claim, f.attname)
                for f in Claim._meta.concrete_fields
                if f.name not in ("id", "encounter", "number")
            },
            encounter_id=e.pk,
            number=f"X{e.pk:08d}",
        )
        for e in clones
    )


def _queue_queries(client, django_assert_num_queries, expected: int) -> None:
    with django_assert_num_queries(expected):
        response = client.get(QUEUE, {"state": "", "sort": "patient"})
    assert response.status_code == 200


def test_queue_runs_the_same_number_of_queries_for_5_and_60_claims(
    client_for, biller, prescriber, django_assert_num_queries
):
    client = client_for(biller)
    claim = signed_claim(clinician=prescriber.clinician)
    _copies(claim, 4)
    client.get(QUEUE)  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as five:
        assert client.get(QUEUE, {"state": "", "sort": "patient"}).status_code == 200
    _copies(claim, 55)
    assert Claim.objects.count() == 60
    ClinicianFactory()  # another clinician in the filter list costs no query either
    _queue_queries(client, django_assert_num_queries, len(five.captured_queries))
    response = client.get(QUEUE, {"state": "", "page": 2})
    assert len(response.context["queue"].page.object_list) == 10


def test_queue_pages_50_claims_and_counts_each_state(client_for, biller, prescriber):
    claim = signed_claim(clinician=prescriber.clinician)
    _copies(claim, 54)
    Claim.objects.filter(pk__in=list(Claim.objects.values_list("pk", flat=True)[:3])).update(
        state=ClaimState.ON_HOLD
    )
    response = client_for(biller).get(QUEUE)
    queue = response.context["queue"]
    assert queue.page.paginator.count == 52  # queued ones: the queue opens on queued claims
    assert len(queue.page.object_list) == 50
    assert queue.counts[ClaimState.QUEUED] == 52
    assert queue.counts[ClaimState.ON_HOLD] == 3
    assert b'On hold <span class="badge text-bg-light">3</span>' in response.content


def test_queue_filters_by_payer_clinician_dates_scrub_result_and_search(
    client_for, biller, prescriber, other_prescriber
):
    a = signed_claim(clinician=prescriber.clinician, payer_slug="medicare", days_ago=10)
    b = signed_claim(
        clinician=other_prescriber.clinician,
        patient=PatientFactory(last_name="Zephyr", first_name="Quinn"),
        days_ago=3,
    )
    Claim.objects.filter(pk=b.pk).update(scrub_status="flagged")
    client = client_for(biller)

    def numbers(**params):
        response = client.get(QUEUE, {"state": "", **params})
        assert response.status_code == 200
        return {c.number for c in response.context["queue"].page.object_list}

    assert numbers() == {a.number, b.number}
    assert numbers(payer=a.payer_id) == {a.number}
    assert numbers(clinician=other_prescriber.clinician.pk) == {b.number}
    since = (datetime.date.today() - datetime.timedelta(days=5)).isoformat()
    assert numbers(date_from=since) == {b.number}
    assert numbers(date_to=since) == {a.number}
    assert numbers(scrub="flagged") == {b.number}
    assert numbers(scrub="clean") == {a.number}
    assert numbers(q="zeph") == {b.number}
    assert numbers(q=a.number.lower()) == {a.number}
    assert numbers(date_from="not a date") == {a.number, b.number}  # ignored, never a 500


def _row(body: str, number: str) -> str:
    start = body.index(f'<tr data-testid="claim-row" data-claim="{number}">')
    return body[start : body.index("</tr>", start) + len("</tr>")]


def test_queue_rows_show_each_claim_as_billers_read_it(client_for, biller, prescriber):
    """Every column of a row, its link and its checkbox's label: names escaped, a claim
    without coverage, one a biller holds, a clinician without a name (the username), and
    the scrubber's badge (red with errors, amber with warnings; info findings only in the
    tooltip)."""
    plain = signed_claim(clinician=prescriber.clinician, payer_slug="medicare", days_ago=9)
    odd = signed_claim(
        patient=PatientFactory(last_name="O'Brien <&>", first_name='Ann "A"'), days_ago=8
    )
    warned = signed_claim(clinician=prescriber.clinician, days_ago=7)
    findings = [
        {"rule": "SC-<X>", "level": "error", "text": "x", "line": None},
        {"rule": "SC-INFO", "level": "info", "text": "y", "line": None},
        {"rule": "R&D", "level": "warning", "text": "z", "line": 1},
    ]
    Claim.objects.filter(pk=plain.pk).update(
        scrub_status="clean", findings=[], total_charge="1234567.50", total_expected="0"
    )
    Claim.objects.filter(pk=odd.pk).update(
        payer=None, claimed_by=biller, scrub_status="flagged", has_errors=True, findings=findings
    )
    Claim.objects.filter(pk=warned.pk).update(
        scrub_status="flagged", has_errors=False, findings=findings[1:]
    )
    odd.clinician.user.first_name = odd.clinician.user.last_name = ""
    odd.clinician.user.save()
    doctor = prescriber.get_full_name()
    body = client_for(biller).get(QUEUE).content.decode()

    def row(claim: Claim, cells: str) -> str:
        day = claim.date_of_service.isoformat()
        return (
            f'<tr data-testid="claim-row" data-claim="{claim.number}">\n'
            f'        <td><input type="checkbox" class="form-check-input claim-select" '
            f'name="claim" value="{claim.pk}" aria-label="Select claim {claim.number}"></td>\n'
            f'        <td><a href="/billing/claims/{claim.pk}/">{claim.number}</a></td>\n'
            f"        <td>{day}</td>\n{cells}      </tr>"
        )

    patient = plain.patient
    assert _row(body, plain.number) == row(
        plain,
        f"        <td>{patient.last_name}, {patient.first_name}</td>\n"
        f"        <td>{doctor}</td>\n"
        "        <td>Medicare Part B</td>\n"
        "        <td>Queued</td>\n"
        '        <td><span class="badge text-bg-success">clean</span></td>\n'
        '        <td class="text-end">1234567.50</td>\n'
        '        <td class="text-end">0.00</td>\n'
        "        <td></td>\n",
    )
    assert _row(body, odd.number) == row(
        odd,
        "        <td>O&#x27;Brien &lt;&amp;&gt;, Ann &quot;A&quot;</td>\n"
        f"        <td>{odd.clinician.user.username}</td>\n"
        "        <td>no coverage</td>\n"
        "        <td>Queued</td>\n"
        '        <td><span class="badge text-bg-danger" title="SC-&lt;X&gt; SC-INFO R&amp;D ">'
        "flagged: SC-&lt;X&gt; R&amp;D </span></td>\n"
        f'        <td class="text-end">{odd.total_charge}</td>\n'
        f'        <td class="text-end">{odd.total_expected}</td>\n'
        f"        <td>{biller.username}</td>\n",
    )
    assert (
        '<td><span class="badge text-bg-warning" title="SC-INFO R&amp;D ">flagged: R&amp;D '
        "</span></td>" in _row(body, warned.number)
    )


def test_queue_htmx_request_gets_the_table_fragment_only(client_for, biller, claim):
    response = client_for(biller).get(QUEUE, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="queue-table">')
    assert claim.number in body
    assert "HX-Request" in response["Vary"]


def test_claim_page_shows_lines_findings_time_blocks_and_mdm_never_the_therapy_note(
    client_for, biller, prescriber
):
    secret = "Patient disclosed childhood trauma details here."
    claim = signed_claim(clinician=prescriber.clinician, pt_note=secret, pt_focus="Panic")
    Claim.objects.filter(pk=claim.pk).update(
        findings=[{"rule": "SC-NPI", "level": "error", "text": "bad npi", "line": None}]
    )
    response = client_for(biller).get(reverse("claims:claim-detail", args=[claim.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert secret not in body
    assert "interoceptive" not in body
    assert "SC-NPI" in body
    assert "99214" in body
    assert "90833" in body
    assert "09:00–09:30 (30 min)" in body
    assert "chronic illness with exacerbation" in body  # the MDM summary, in words
    assert "F41.0" in body
    assert AccessRecord.objects.filter(
        user=biller, object_type="claims.Claim", object_id=str(claim.pk), action="view"
    ).exists()


def test_line_fix_over_htmx_returns_the_rescrubbed_claim_body(client_for, biller, claim):
    url = reverse("claims:claim-line-update", args=[claim.pk, 1])
    response = client_for(biller).post(
        url,
        {"version": 1, "code": "99215", "units": 1, "modifiers": "", "pointers": "1"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="claim-body"')
    assert "SC-ENGINE" in body
    assert "Line 1 saved and re-scrubbed." in body
    assert Claim.objects.get(pk=claim.pk).lines.get(position=1).code == "99215"


def test_a_bad_line_fix_comes_back_with_the_typed_values_and_the_error_beside_the_field(
    client_for, biller, claim
):
    url = reverse("claims:claim-line-update", args=[claim.pk, 1])
    response = client_for(biller).post(
        url,
        {"version": 1, "code": "99999", "units": 1, "modifiers": "25", "pointers": "7"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="99999"' in body
    assert "99999 is not a code this practice bills." in body
    assert Claim.objects.get(pk=claim.pk).version == 1


def test_a_line_fix_with_a_malformed_modifier_shows_the_error_beside_the_modifiers(
    client_for, biller, claim
):
    url = reverse("claims:claim-line-update", args=[claim.pk, 1])
    response = client_for(biller).post(
        url,
        {"version": 1, "code": "99214", "units": 1, "modifiers": "25 X~Q*", "pointers": "1"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="25 X~Q*"' in body
    assert '<div class="invalid-feedback">Modifier X~Q* is not one this practice uses' in body
    assert Claim.objects.get(pk=claim.pk).version == 1


def test_a_stale_line_fix_says_who_changed_the_claim(client_for, biller, other_biller, claim):
    claim_transition(user=other_biller, claim=claim, to_state="on_hold", version=1, reason="x")
    url = reverse("claims:claim-line-update", args=[claim.pk, 1])
    response = client_for(biller).post(
        url,
        {"version": 1, "code": "99215", "units": 1, "pointers": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "This claim was changed by Bea Second at" in response.content.decode()


def test_hold_without_a_reason_is_refused_next_to_the_action(client_for, biller, claim):
    url = reverse("claims:claim-action", args=[claim.pk, "hold"])
    response = client_for(biller).post(
        url, {"version": 1, "reason": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Why is the claim on hold?: this is required." in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.QUEUED


def test_approve_and_return_actions_change_the_state(client_for, biller, claim):
    client = client_for(biller)
    client.post(reverse("claims:claim-action", args=[claim.pk, "approve"]), {"version": 1})
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.APPROVED
    client.post(
        reverse("claims:claim-action", args=[claim.pk, "reopen"]),
        {"version": 2, "reason": "recheck"},
    )
    client.post(
        reverse("claims:claim-action", args=[claim.pk, "return"]),
        {"version": 3, "reason": "Was it by video?"},
    )
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.RETURNED


def test_bulk_approve_confirms_the_count_then_approves_only_clean_queued_claims(
    client_for, biller, prescriber
):
    clean = [signed_claim(clinician=prescriber.clinician) for _ in range(2)]
    flagged = signed_claim(clinician=prescriber.clinician)
    Claim.objects.filter(pk=flagged.pk).update(scrub_status="flagged")
    client = client_for(biller)
    ids = [c.pk for c in [*clean, flagged]]
    confirm = client.post(reverse("claims:claim-bulk-approve"), {"claim": ids})
    body = confirm.content.decode()
    assert "Approve 2 clean claims?" in body
    assert "1 selected claim is not queued and clean" in body
    assert Claim.objects.filter(state=ClaimState.APPROVED).count() == 0
    done = client.post(
        reverse("claims:claim-bulk-approve"), {"claim": ids, "confirm": "yes"}, follow=True
    )
    assert "2 clean claims approved." in done.content.decode()
    assert set(Claim.objects.filter(state=ClaimState.APPROVED).values_list("pk", flat=True)) == {
        c.pk for c in clean
    }


def test_next_claim_opens_the_oldest_queued_claim(client_for, biller, prescriber):
    old = signed_claim(clinician=prescriber.clinician, days_ago=9)
    signed_claim(clinician=prescriber.clinician, days_ago=2)
    response = client_for(biller).post(reverse("claims:claim-next"))
    assert response.url == reverse("claims:claim-detail", args=[old.pk])


def test_returned_claim_reaches_the_clinicians_inbox_and_the_answer_sends_it_back(
    client_for, biller, prescriber, claim
):
    claim_transition(
        user=biller, claim=claim, to_state="returned", version=1, reason="Was the visit by video?"
    )
    client = client_for(prescriber)
    inbox = client.get(reverse("claims:clinician-inbox"))
    assert "Was the visit by video?" in inbox.content.decode()
    assert claim.number in inbox.content.decode()
    empty = client.post(reverse("claims:claim-answer", args=[claim.pk]), {"version": 2})
    assert "Answer the question or add an addendum." in empty.content.decode()
    client.post(
        reverse("claims:claim-answer", args=[claim.pk]),
        {"version": 2, "answer": "In person, office."},
    )
    claim.refresh_from_db()
    assert claim.state == ClaimState.QUEUED
    assert claim.transitions.last().reason == "In person, office."


def test_another_prescriber_cannot_answer_or_open_the_claim(
    client_for, biller, other_prescriber, claim
):
    claim_transition(user=biller, claim=claim, to_state="returned", version=1, reason="?")
    client = client_for(other_prescriber)
    assert client.get(reverse("claims:claim-detail", args=[claim.pk])).status_code == 404
    response = client.post(
        reverse("claims:claim-answer", args=[claim.pk]), {"version": 2, "answer": "x"}
    )
    assert response.status_code == 404
    assert claim.number not in client.get(reverse("claims:clinician-inbox")).content.decode()


def test_an_export_refused_for_an_unsafe_value_says_which_claim_and_element(
    client_for, biller, claim, django_capture_on_commit_callbacks, eager_tasks
):
    from claims.models import ClaimLine

    claim_transition(user=biller, claim=claim, to_state=ClaimState.APPROVED, version=1)
    ClaimLine.objects.filter(claim=claim, position=1).update(modifiers=["X~Q*"])
    client = client_for(biller)
    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly
        assert client.post(reverse("claims:export-create")).status_code == 302
    response = client.get(reverse("claims:export-list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Claim {claim.number}: SV101-3 (modifier)" in body
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.APPROVED


def test_the_payer_answer_form_records_the_payer_claim_number(client_for, biller, claim):
    Claim.objects.filter(pk=claim.pk).update(state=ClaimState.SUBMITTED)
    client = client_for(biller)
    page = client.get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()
    assert 'name="payer_claim_number"' in page
    response = client.post(
        reverse("claims:claim-payer-answer", args=[claim.pk]),
        {"version": 1, "outcome": "denied", "carc": "16", "payer_claim_number": "ICN-5501"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.state, claim.payer_claim_number) == (ClaimState.DENIED, "ICN-5501")
    body = response.content.decode()
    assert 'data-testid="payer-claim-number">ICN-5501<' in body
    assert 'value="ICN-5501"' in body  # offered again on "Corrected, resubmit" and the void


def test_a_bad_payer_claim_number_comes_back_beside_the_field(client_for, biller, claim):
    Claim.objects.filter(pk=claim.pk).update(state=ClaimState.SUBMITTED)
    response = client_for(biller).post(
        reverse("claims:claim-payer-answer", args=[claim.pk]),
        {"version": 1, "outcome": "paid", "amount": "10", "payer_claim_number": "1~REF"},
    )
    assert response.status_code == 200
    assert "payer_claim_number" in response.context["answer_form"].errors
    assert 'value="1~REF"' in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.SUBMITTED


def test_correct_action_takes_the_payer_claim_number_when_none_is_stored(client_for, biller, claim):
    Claim.objects.filter(pk=claim.pk).update(state=ClaimState.DENIED)
    client = client_for(biller)
    url = reverse("claims:claim-action", args=[claim.pk, "correct"])
    refused = client.post(url, {"version": 1, "reason": "fixed"}, headers={"HX-Request": "true"})
    assert "claim control number" in refused.content.decode()
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.DENIED
    client.post(url, {"version": 1, "reason": "fixed", "payer_claim_number": "ICN-1"})
    claim.refresh_from_db()
    assert (claim.state, claim.payer_claim_number, claim.frequency_code) == (
        ClaimState.CORRECTED,
        "ICN-1",
        "7",
    )


def test_a_paid_claim_offers_a_void_at_the_payer(client_for, biller, claim):
    Claim.objects.filter(pk=claim.pk).update(state=ClaimState.PAID, payer_claim_number="ICN-2")
    client = client_for(biller)
    page = client.get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()
    assert 'data-testid="action-void-at-payer"' in page
    client.post(
        reverse("claims:claim-action", args=[claim.pk, "void-at-payer"]),
        {"version": 1, "reason": "Wrong patient", "payer_claim_number": "ICN-2"},
    )
    claim.refresh_from_db()
    assert (claim.state, claim.frequency_code) == (ClaimState.VOID_PENDING, "8")
    exports = client.get(reverse("claims:export-list")).content.decode()
    assert claim.number in exports
    assert "Void" in exports


def test_a_flagged_correction_says_it_needs_approval_and_offers_it(client_for, biller, claim):
    Claim.objects.filter(pk=claim.pk).update(
        state=ClaimState.CORRECTED, scrub_status="flagged", payer_claim_number="ICN-3"
    )
    page = client_for(biller).get(reverse("claims:claim-detail", args=[claim.pk]))
    body = page.content.decode()
    assert 'data-testid="approve-again"' in body
    assert 'data-testid="action-approve"' in body
    assert 'data-testid="action-void-at-payer"' in body


def test_approve_and_next_approves_then_opens_the_next_claim_next_claim_gives(
    client_for, biller, claim
):
    """Billers approved, went back to the queue and pressed "Next claim": one click now."""
    following = signed_claim(clinician=claim.encounter.clinician, days_ago=2)
    client = client_for(biller)
    page = client.get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()
    assert 'data-testid="action-approve-next"' in page
    url = reverse("claims:claim-action", args=[claim.pk, "approve"])

    response = client.post(url, {"version": claim.version, "then": "next"})

    assert Claim.objects.get(pk=claim.pk).state == ClaimState.APPROVED
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:claim-detail", args=[following.pk])
    assert Claim.objects.get(pk=following.pk).claimed_by == biller


def test_approve_and_next_over_htmx_navigates_and_says_when_the_queue_is_empty(
    client_for, biller, claim
):
    url = reverse("claims:claim-action", args=[claim.pk, "approve"])
    response = client_for(biller).post(
        url, {"version": claim.version, "then": "next"}, headers={"HX-Request": "true"}
    )
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.APPROVED
    assert response["HX-Redirect"] == QUEUE
    page = client_for(biller).get(QUEUE).content.decode()
    assert "the queue is empty" in page


def test_claim_history_lists_transitions_answers_and_edits_in_time_order(
    client_for, biller, prescriber, claim
):
    """The page listed every transition first and the line edits after them."""
    from claims.build import claim_line_update
    from claims.transitions import claim_clinician_answer
    from coding.engine.claim_lines import BilledLine

    claim_line_update(
        user=biller, claim=claim, version=1, position=1, fix=BilledLine("99214", 1, (), (1,))
    )
    claim.refresh_from_db()
    claim_transition(
        user=biller,
        claim=claim,
        to_state=ClaimState.RETURNED,
        version=claim.version,
        reason="Was it by video?",
    )
    claim.refresh_from_db()
    claim_clinician_answer(user=prescriber, claim=claim, version=claim.version, answer="In person.")
    response = client_for(biller).get(reverse("claims:claim-detail", args=[claim.pk]))
    history = [(h.what, h.detail) for h in response.context["history"]]
    assert [what for what, _ in history] == [
        "— → queued",
        "line 1 fixed",
        "queued → returned",
        "answer",
    ]
    assert history[1][1] == "99214 x1 [1] → 99214 x1 [1]"
    assert history[2][1] == "Was it by video?"
    assert "In person." in history[3][1]
    assert "Was it by video?" in response.content.decode()


def test_claim_questions_link_shows_how_many_questions_wait_in_one_query(
    client_for, biller, prescriber, claim, django_assert_num_queries, rf
):
    """Clinicians did not know a biller had asked until they opened "Claim questions"."""
    from claims.context_processors import claim_questions

    second = signed_claim(clinician=prescriber.clinician, days_ago=2)
    signed_claim()  # another clinician's question is not counted
    for asked in (claim, second):
        claim_transition(
            user=biller, claim=asked, to_state=ClaimState.RETURNED, version=1, reason="Video?"
        )
    page = client_for(prescriber).get(reverse("encounters:encounter-list")).content.decode()
    assert 'data-testid="claim-questions-count">2<' in page

    request = rf.get("/")
    request.user = prescriber
    context = claim_questions(request)
    with django_assert_num_queries(1):
        assert str(context["claim_questions_count"]) == "2"
    request.user = biller
    with django_assert_num_queries(0):
        assert claim_questions(request) == {}


def test_claim_questions_link_has_no_badge_without_a_question(client_for, prescriber, claim):
    page = client_for(prescriber).get(reverse("encounters:encounter-list")).content.decode()
    assert "Claim questions</a>" in page
    assert "claim-questions-count" not in page


def test_biller_adds_and_deletes_a_line_on_the_claim_page_with_a_reason(client_for, biller, claim):
    client = client_for(biller)
    page = client.get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()
    assert 'data-testid="line-add"' in page
    assert 'data-testid="line-delete"' in page
    add = reverse("claims:claim-line-add", args=[claim.pk])
    missing_reason = client.post(
        add, {"version": 1, "code": "96127", "units": 1, "pointers": "1", "reason": ""}
    )
    assert missing_reason.status_code == 200
    assert "This field is required." in missing_reason.content.decode()
    done = client.post(
        add,
        {"version": 1, "code": "96127", "units": 1, "pointers": "1", "reason": "PHQ-9 scored"},
        follow=True,
    )
    assert "Line 96127 added and re-scrubbed." in done.content.decode()
    delete = reverse("claims:claim-line-delete", args=[claim.pk])
    bad = client.post(delete, {"version": 2, "position": 9, "reason": "x"})
    assert bad.status_code == 200
    assert "That line is not on this claim." in bad.content.decode()
    client.post(delete, {"version": 2, "position": 3, "reason": "entered twice"})
    history = client.get(reverse("claims:claim-detail", args=[claim.pk])).context["history"]
    assert [h.what for h in history][-2:] == ["line 3 added", "line 3 deleted"]
    assert history[-1].detail.endswith(": entered twice")
    assert Claim.objects.get(pk=claim.pk).lines.count() == 2


def test_a_clinician_cannot_add_or_delete_lines(client_for, prescriber, claim):
    client = client_for(prescriber)
    add = client.post(reverse("claims:claim-line-add", args=[claim.pk]), {"version": 1})
    delete = client.post(reverse("claims:claim-line-delete", args=[claim.pk]), {"version": 1})
    assert (add.status_code, delete.status_code) == (403, 403)
