"""Billing pages: the queue (filters, counts, a fixed number of queries), the claim page,
fixes and actions over htmx, bulk approval, the clinician's inbox and the payer pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AccessRecord
from claims.models import Claim, ClaimState
from payers.models import Payer, PayerChange
from payers.services import claim_transition
from tests.factories import ClinicianFactory, PatientFactory
from tests.payers.helpers import signed_claim

pytestmark = pytest.mark.django_db
QUEUE = reverse("payers:claim-queue")


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
    response = client_for(biller).get(reverse("payers:claim-detail", args=[claim.pk]))
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
    url = reverse("payers:claim-line-update", args=[claim.pk, 1])
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
    url = reverse("payers:claim-line-update", args=[claim.pk, 1])
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
    url = reverse("payers:claim-line-update", args=[claim.pk, 1])
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
    url = reverse("payers:claim-line-update", args=[claim.pk, 1])
    response = client_for(biller).post(
        url,
        {"version": 1, "code": "99215", "units": 1, "pointers": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "This claim was changed by Bea Second at" in response.content.decode()


def test_hold_without_a_reason_is_refused_next_to_the_action(client_for, biller, claim):
    url = reverse("payers:claim-action", args=[claim.pk, "hold"])
    response = client_for(biller).post(
        url, {"version": 1, "reason": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Why is the claim on hold?: this is required." in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.QUEUED


def test_approve_and_return_actions_change_the_state(client_for, biller, claim):
    client = client_for(biller)
    client.post(reverse("payers:claim-action", args=[claim.pk, "approve"]), {"version": 1})
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.APPROVED
    client.post(
        reverse("payers:claim-action", args=[claim.pk, "reopen"]),
        {"version": 2, "reason": "recheck"},
    )
    client.post(
        reverse("payers:claim-action", args=[claim.pk, "return"]),
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
    confirm = client.post(reverse("payers:claim-bulk-approve"), {"claim": ids})
    body = confirm.content.decode()
    assert "Approve 2 clean claims?" in body
    assert "1 selected claim is not queued and clean" in body
    assert Claim.objects.filter(state=ClaimState.APPROVED).count() == 0
    done = client.post(
        reverse("payers:claim-bulk-approve"), {"claim": ids, "confirm": "yes"}, follow=True
    )
    assert "2 clean claims approved." in done.content.decode()
    assert set(Claim.objects.filter(state=ClaimState.APPROVED).values_list("pk", flat=True)) == {
        c.pk for c in clean
    }


def test_next_claim_opens_the_oldest_queued_claim(client_for, biller, prescriber):
    old = signed_claim(clinician=prescriber.clinician, days_ago=9)
    signed_claim(clinician=prescriber.clinician, days_ago=2)
    response = client_for(biller).post(reverse("payers:claim-next"))
    assert response.url == reverse("payers:claim-detail", args=[old.pk])


def test_returned_claim_reaches_the_clinicians_inbox_and_the_answer_sends_it_back(
    client_for, biller, prescriber, claim
):
    claim_transition(
        user=biller, claim=claim, to_state="returned", version=1, reason="Was the visit by video?"
    )
    client = client_for(prescriber)
    inbox = client.get(reverse("payers:clinician-inbox"))
    assert "Was the visit by video?" in inbox.content.decode()
    assert claim.number in inbox.content.decode()
    empty = client.post(reverse("payers:claim-answer", args=[claim.pk]), {"version": 2})
    assert "Answer the question or add an addendum." in empty.content.decode()
    client.post(
        reverse("payers:claim-answer", args=[claim.pk]),
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
    assert client.get(reverse("payers:claim-detail", args=[claim.pk])).status_code == 404
    response = client.post(
        reverse("payers:claim-answer", args=[claim.pk]), {"version": 2, "answer": "x"}
    )
    assert response.status_code == 404
    assert claim.number not in client.get(reverse("payers:clinician-inbox")).content.decode()


def test_admin_edits_a_payer_and_every_change_is_recorded_and_shown(client_for, practice_admin):
    payer = Payer.objects.get(slug="commercial")
    client = client_for(practice_admin)
    url = reverse("payers:payer-detail", args=[payer.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        em_credentials="MD, DO, NP, PA, CNS",
        pharm_mgmt_90863_credentials="RxP",
        accepted_z_codes="",
        telehealth_in_person_waiver_until="",
        modifier_25_with_addon="on",
        timely_filing_days="90",
    )
    data.pop("audio_only_covered", None)
    data["audio_only_covered"] = "on"
    data["active"] = "on"
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    payer.refresh_from_db()
    assert payer.modifier_25_with_addon is True
    assert payer.timely_filing_days == 90
    changes = {c.field: (c.old, c.new, c.user) for c in PayerChange.objects.filter(payer=payer)}
    assert changes == {
        "modifier_25_with_addon": ("False", "True", practice_admin),
        "timely_filing_days": ("180", "90", practice_admin),
    }
    assert "timely_filing_days" in response.content.decode()


def test_payer_form_errors_are_shown_beside_the_field_with_the_typed_value(
    client_for, practice_admin
):
    payer = Payer.objects.get(slug="commercial")
    response = client_for(practice_admin).post(
        reverse("payers:payer-detail", args=[payer.pk]),
        {
            "name": "Commercial plan",
            "em_credentials": "MD, Wizard",
            "timely_filing_days": "30",
            "claim_filing_indicator": "CI",
            "audio_modifier": "93",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Unknown credential(s): Wizard" in body
    assert "MD, Wizard" in body
    assert not PayerChange.objects.filter(payer=payer).exists()


def test_admin_sets_a_fee_and_the_change_is_recorded(client_for, practice_admin):
    payer = Payer.objects.get(slug="medicaid")
    client = client_for(practice_admin)
    client.post(
        reverse("payers:fee-save", args=[payer.pk]),
        {"code": "99214", "modifier": "", "charge": "210.00", "allowed": "95.00"},
    )
    fee = payer.fees.get(code="99214", modifier="")
    assert (fee.charge, fee.allowed) == (Decimal("210.00"), Decimal("95.00"))
    change = PayerChange.objects.get(payer=payer, field="fee 99214")
    assert (change.old, change.new, change.user) == (
        "200.00 / 90.00",
        "210.00 / 95.00",
        practice_admin,
    )
    bad = client.post(
        reverse("payers:fee-save", args=[payer.pk]),
        {"code": "ABCDE", "charge": "1", "allowed": "1"},
    )
    assert "ABCDE is not a CPT or HCPCS code" in bad.content.decode()
    unknown = client.post(
        reverse("payers:fee-save", args=[payer.pk]),
        {"code": "12345", "charge": "1", "allowed": "1"},
    )
    assert "12345 is not a code this practice bills." in unknown.content.decode()


@pytest.mark.parametrize("modifier", ["~*", "ZZ", "9"])
def test_a_fee_row_takes_only_a_listed_modifier(client_for, practice_admin, modifier):
    payer = Payer.objects.get(slug="medicaid")
    response = client_for(practice_admin).post(
        reverse("payers:fee-save", args=[payer.pk]),
        {"code": "99214", "modifier": modifier, "charge": "210.00", "allowed": "95.00"},
    )
    assert response.status_code == 200
    assert f"Modifier {modifier} is not one this practice uses" in response.content.decode()
    assert not payer.fees.filter(modifier=modifier).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("audio_modifier", "9~"), ("audio_modifier", "ZZ"), ("video_modifier", "G*")],
)
def test_payer_modifier_settings_take_only_listed_modifiers_shown_beside_the_field(
    client_for, practice_admin, field, value
):
    """Review issue 8 item 6: the payer's video/audio modifiers go on every telehealth line."""
    payer = Payer.objects.get(slug="commercial")
    client = client_for(practice_admin)
    url = reverse("payers:payer-detail", args=[payer.pk])
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    data.update(em_credentials="MD, DO", pharm_mgmt_90863_credentials="", accepted_z_codes="")
    data[field] = value
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert value in errors[field][0]
    payer.refresh_from_db()
    assert getattr(payer, field) != value
    assert not PayerChange.objects.filter(payer=payer).exists()


def test_payer_update_refuses_an_unlisted_audio_modifier(practice_admin):
    from payers.services import payer_update

    payer = Payer.objects.get(slug="commercial")
    with pytest.raises(ValidationError) as caught:
        payer_update(user=practice_admin, payer=payer, data={"audio_modifier": "X~"})
    assert "audio_modifier" in caught.value.message_dict
    payer.refresh_from_db()
    assert payer.audio_modifier == "93"


def test_an_export_refused_for_an_unsafe_value_says_which_claim_and_element(
    client_for, biller, claim
):
    from claims.models import ClaimLine

    claim_transition(user=biller, claim=claim, to_state=ClaimState.APPROVED, version=1)
    ClaimLine.objects.filter(claim=claim, position=1).update(modifiers=["X~Q*"])
    response = client_for(biller).post(reverse("payers:export-create"), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Claim {claim.number}: SV101-3 (modifier)" in body
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.APPROVED


def test_the_payer_answer_form_records_the_payer_claim_number(client_for, biller, claim):
    Claim.objects.filter(pk=claim.pk).update(state=ClaimState.SUBMITTED)
    client = client_for(biller)
    page = client.get(reverse("payers:claim-detail", args=[claim.pk])).content.decode()
    assert 'name="payer_claim_number"' in page
    response = client.post(
        reverse("payers:claim-payer-answer", args=[claim.pk]),
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
        reverse("payers:claim-payer-answer", args=[claim.pk]),
        {"version": 1, "outcome": "paid", "amount": "10", "payer_claim_number": "1~REF"},
    )
    assert response.status_code == 200
    assert "payer_claim_number" in response.context["answer_form"].errors
    assert 'value="1~REF"' in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.SUBMITTED


def test_correct_action_takes_the_payer_claim_number_when_none_is_stored(client_for, biller, claim):
    Claim.objects.filter(pk=claim.pk).update(state=ClaimState.DENIED)
    client = client_for(biller)
    url = reverse("payers:claim-action", args=[claim.pk, "correct"])
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
    page = client.get(reverse("payers:claim-detail", args=[claim.pk])).content.decode()
    assert 'data-testid="action-void-at-payer"' in page
    client.post(
        reverse("payers:claim-action", args=[claim.pk, "void-at-payer"]),
        {"version": 1, "reason": "Wrong patient", "payer_claim_number": "ICN-2"},
    )
    claim.refresh_from_db()
    assert (claim.state, claim.frequency_code) == (ClaimState.VOID_PENDING, "8")
    exports = client.get(reverse("payers:export-list")).content.decode()
    assert claim.number in exports
    assert "Void" in exports


def test_a_flagged_correction_says_it_needs_approval_and_offers_it(client_for, biller, claim):
    Claim.objects.filter(pk=claim.pk).update(
        state=ClaimState.CORRECTED, scrub_status="flagged", payer_claim_number="ICN-3"
    )
    page = client_for(biller).get(reverse("payers:claim-detail", args=[claim.pk]))
    body = page.content.decode()
    assert 'data-testid="approve-again"' in body
    assert 'data-testid="action-approve"' in body
    assert 'data-testid="action-void-at-payer"' in body
