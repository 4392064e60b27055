"""Prior authorizations (SC-AUTH): used counted from signed visits' claim lines, the scrubber's
finding, REF*G1 on a pyx12-valid 837P, and the biller's worklist and forms."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessRecord
from claims.authorization_usage import with_usage
from claims.authorizations import authorization_record
from claims.build import claim_line_delete
from claims.export import claim_batch_export
from claims.models import Claim, ClaimState
from claims.remittance import claim_payer_answer
from claims.signing import visit_sign
from claims.transitions import claim_transition
from claims.x12.build import segments
from encounters.models import Authorization, ScheduledVisit
from tests.claims.x12.test_837p import validate
from tests.factories import (
    AuthorizationFactory,
    CoverageFactory,
    EncounterDiagnosisFactory,
    EncounterFactory,
    MedicationReviewFactory,
    PatientFactory,
    payer,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def coverage(prescriber):
    """A Medicaid coverage; the payer authorizes psychotherapy (as payers/0016 ships it)."""
    medicaid = payer("medicaid")
    medicaid.authorization_families = ["psychotherapy"]
    medicaid.save(update_fields=["authorization_families"])
    patient = PatientFactory(last_name="Quist")
    patient.clinicians.add(prescriber.clinician)
    return CoverageFactory(patient=patient, payer=medicaid)


def _sign(coverage, prescriber, *, days_ago: int = 3, **fields) -> Claim:
    """Sign a complete visit (99214 + 90833 by default) on ``coverage`` and return its claim."""
    encounter = EncounterFactory(
        patient=coverage.patient,
        clinician=prescriber.clinician,
        coverage=coverage,
        date_of_service=TODAY - datetime.timedelta(days=days_ago),
        **fields,
    )
    EncounterDiagnosisFactory(encounter=encounter, position=1, code="F41.0")
    MedicationReviewFactory(encounter=encounter)
    visit_sign(user=prescriber, encounter=encounter)
    return Claim.objects.get(encounter=encounter)


def _authorization(coverage, **fields) -> Authorization:
    values = {
        "start_date": TODAY - datetime.timedelta(days=30),
        "end_date": TODAY + datetime.timedelta(days=60),
        "authorized": 12,
        **fields,
    }
    return AuthorizationFactory(coverage=coverage, **values)


def _used(authorization: Authorization) -> int:
    return with_usage(Authorization.objects.filter(pk=authorization.pk)).get().used


def _auth_findings(claim: Claim) -> list[str]:
    claim.refresh_from_db()
    return [f["text"] for f in claim.findings if f["rule"] == "SC-AUTH"]


# --- used: counted from signed visits and their claim lines -----------------------------


def test_used_counts_each_signed_visit_with_a_covered_service_once(coverage, prescriber):
    authorization = _authorization(coverage, number="PA-1")
    _sign(coverage, prescriber, days_ago=10)
    _sign(coverage, prescriber, days_ago=3)
    EncounterFactory(patient=coverage.patient, coverage=coverage, date_of_service=TODAY)
    assert _used(authorization) == 2  # the draft uses nothing yet


def test_visits_outside_the_dates_of_another_coverage_or_service_do_not_count(coverage, prescriber):
    authorization = _authorization(
        coverage, start_date=TODAY - datetime.timedelta(days=5), number="PA-2"
    )
    _sign(coverage, prescriber, days_ago=8)  # before the first day
    other = CoverageFactory(payer=payer("medicaid"))
    other.patient.clinicians.add(prescriber.clinician)
    _sign(other, prescriber, days_ago=2)  # another patient's coverage
    # a med-management visit without psychotherapy: no psychotherapy line
    _sign(coverage, prescriber, days_ago=1, pt_kind="", pt_start=None, pt_end=None)
    assert _used(authorization) == 0
    e_m = _authorization(coverage, psychotherapy=False, em=True, number="EM-1")
    assert _used(e_m) == 2  # from 30 days ago: both visits of this coverage have an E/M


def test_an_authorization_in_units_counts_the_lines_units(coverage, prescriber):
    authorization = _authorization(coverage, counts="units", number="PA-U")
    claim = _sign(coverage, prescriber)
    _sign(coverage, prescriber, days_ago=4)
    assert [line.code for line in claim.lines.all()] == ["99214", "90833"]
    assert _used(authorization) == 2
    both = _authorization(coverage, em=True, counts="units", number="PA-UB")
    assert _used(both) == 4  # 99214 and 90833 on each visit
    assert with_usage(Authorization.objects.filter(pk=both.pk)).get().remaining == 8


def test_a_biller_deleting_the_covered_line_gives_the_visit_back(coverage, prescriber, biller):
    authorization = _authorization(coverage, number="PA-D")
    claim = _sign(coverage, prescriber)
    position = next(ln.position for ln in claim.lines.all() if ln.code == "90833")
    claim_line_delete(
        user=biller, claim=claim, version=claim.version, position=position, reason="not done"
    )
    assert _used(authorization) == 0


def _approved(claim: Claim, biller) -> Claim:
    claim.refresh_from_db()
    return claim_transition(
        user=biller, claim=claim, to_state=ClaimState.APPROVED, version=claim.version
    )


def _sent_and_answered(claim: Claim, biller, outcome: str) -> Claim:
    _approved(claim, biller)
    claim_batch_export(user=biller)
    claim.refresh_from_db()
    return claim_payer_answer(
        user=biller,
        claim=claim,
        version=claim.version,
        outcome=outcome,
        amount=Decimal("100.00") if outcome == "paid" else None,
        carc="16",
        payer_claim_number="ICN-77",
    )


def test_a_voided_claim_uses_nothing(coverage, prescriber, biller):
    authorization = _authorization(coverage, number="PA-V")
    claim = _sign(coverage, prescriber)
    _sign(coverage, prescriber, days_ago=5)
    _sent_and_answered(claim, biller, "paid")
    assert _used(authorization) == 2
    claim_transition(
        user=biller,
        claim=claim,
        to_state=ClaimState.VOID_PENDING,
        version=claim.version,
        reason="Wrong patient",
    )
    assert _used(authorization) == 1
    claim_batch_export(user=biller)  # the void goes to the payer
    claim.refresh_from_db()
    assert claim.state == ClaimState.VOID
    assert _used(authorization) == 1


def test_a_corrected_claim_counts_once(coverage, prescriber, biller):
    authorization = _authorization(coverage, number="PA-C")
    claim = _sign(coverage, prescriber)
    _sent_and_answered(claim, biller, "denied")
    claim_transition(
        user=biller, claim=claim, to_state="corrected", version=claim.version, reason="fixed"
    )
    assert _used(authorization) == 1
    claim_batch_export(user=biller)  # the replacement (frequency 7) goes out
    claim.refresh_from_db()
    assert claim.frequency_code == "7"
    assert _used(authorization) == 1


# --- the scrubber (SC-AUTH) and REF*G1 --------------------------------------------------


def test_a_claim_without_the_authorization_the_payer_wants_is_flagged(coverage, prescriber):
    claim = _sign(coverage, prescriber)
    (text,) = _auth_findings(claim)
    assert text == (
        "Psychotherapy needs the payer's authorization; none is on file for this coverage."
    )
    assert claim.scrub_status == "flagged"
    assert claim.prior_authorization == ""


def test_a_claim_under_an_authorization_carries_its_number(coverage, prescriber):
    _authorization(coverage, number="PA-OK")
    claim = _sign(coverage, prescriber)
    assert _auth_findings(claim) == []
    assert claim.prior_authorization == "PA-OK"


def test_the_visit_past_the_authorized_count_is_flagged(coverage, prescriber):
    _authorization(coverage, number="PA-ONE", authorized=1)
    first = _sign(coverage, prescriber, days_ago=6)
    second = _sign(coverage, prescriber, days_ago=2)
    assert _auth_findings(first) == []
    assert _auth_findings(second) == [
        "Psychotherapy: authorization PA-ONE has 1 of 1 visits used; this visit needs 1 more."
    ]


def test_a_visit_outside_the_authorized_dates_is_flagged(coverage, prescriber):
    _authorization(
        coverage,
        number="PA-OLD",
        start_date=TODAY - datetime.timedelta(days=90),
        end_date=TODAY - datetime.timedelta(days=30),
    )
    claim = _sign(coverage, prescriber)
    (text,) = _auth_findings(claim)
    assert text.startswith("Psychotherapy: authorization PA-OLD runs ")
    assert "is outside it" in text


def test_a_payer_that_authorizes_nothing_never_flags(prescriber):
    claim = _sign(CoverageFactory(payer=payer("commercial")), prescriber)
    assert _auth_findings(claim) == []


def test_recording_the_authorization_clears_the_finding_of_open_claims(
    coverage, prescriber, biller
):
    claim = _sign(coverage, prescriber)
    assert _auth_findings(claim)
    version = claim.version
    authorization_record(
        user=biller,
        coverage=coverage,
        data={
            "number": "PA-NEW",
            "psychotherapy": True,
            "start_date": TODAY - datetime.timedelta(days=7),
            "end_date": TODAY + datetime.timedelta(days=90),
            "authorized": 10,
            "counts": "visits",
        },
    )
    assert _auth_findings(claim) == []
    assert claim.prior_authorization == "PA-NEW"
    assert claim.version == version + 1


def test_the_837p_carries_ref_g1_before_ref_f8_and_pyx12_accepts_it(coverage, prescriber, biller):
    _authorization(coverage, number="PA-2026-0042")
    claim = _sign(coverage, prescriber)
    _approved(claim, biller)
    text = claim_batch_export(user=biller).content
    ok, ack = validate(text)
    assert ok, ack
    assert "REF*G1*PA-2026-0042~" in text
    claim.refresh_from_db()
    claim = _sent_denied_again(claim, biller)
    claim_transition(
        user=biller, claim=claim, to_state="corrected", version=claim.version, reason="fixed"
    )
    text = claim_batch_export(user=biller).content
    ok, ack = validate(text)
    assert ok, ack
    refs = [seg for seg in segments(text) if seg[0] == "REF" and seg[1] in ("G1", "F8")]
    assert refs == [["REF", "G1", "PA-2026-0042"], ["REF", "F8", "ICN-78"]]


def _sent_denied_again(claim: Claim, biller) -> Claim:
    return claim_payer_answer(
        user=biller,
        claim=claim,
        version=claim.version,
        outcome="denied",
        carc="16",
        payer_claim_number="ICN-78",
    )


# --- the live panel ---------------------------------------------------------------------

PANEL = reverse("coding:proposal-panel")
VISIT = {
    "pt_kind": "individual",
    "pt_start": "09:00",
    "pt_end": "09:30",
    "date_of_service": TODAY.isoformat(),
}


def _panel_warnings(client, data) -> list[str]:
    response = client.post(PANEL, data)
    assert response.status_code == 200
    return [p.text for p in response.context["authorization_problems"]]


def test_the_panel_warns_before_signing(coverage, prescriber, client_for):
    client = client_for(prescriber)
    data = {**VISIT, "coverage": coverage.pk}
    assert _panel_warnings(client, data) == [
        "Psychotherapy needs the payer's authorization; none is on file for this coverage."
    ]
    authorization = _authorization(coverage, number="PA-P", authorized=1)
    assert _panel_warnings(client, data) == []
    _sign(coverage, prescriber)
    assert _panel_warnings(client, data) == [
        "Psychotherapy: authorization PA-P has 1 of 1 visits used; this visit needs 1 more."
    ]
    later = {
        **data,
        "date_of_service": (authorization.end_date + datetime.timedelta(1)).isoformat(),
    }
    (outside,) = _panel_warnings(client, later)
    assert "is outside it" in outside
    response = client.post(PANEL, data)
    assert 'data-testid="proposal-authorization-warning"' in response.content.decode()
    assert "SC-AUTH" in response.content.decode()


def test_the_panel_is_quiet_for_services_the_payer_does_not_authorize(
    coverage, prescriber, client_for
):
    client = client_for(prescriber)
    med_only = {
        "em_start": "09:00",
        "em_end": "09:20",
        "mdm_problems": ["chronic_exacerbation"],
        "mdm_risk": ["prescription_management"],
        "coverage": coverage.pk,
    }
    assert _panel_warnings(client, med_only) == []


# --- the biller's worklist and forms ----------------------------------------------------

WORKLIST = reverse("claims:authorization-worklist")


def _visit(coverage, prescriber, days: int, hour: int = 10) -> ScheduledVisit:
    return ScheduledVisit.objects.create(
        patient=coverage.patient,
        clinician=prescriber.clinician,
        date=TODAY + datetime.timedelta(days=days),
        time=datetime.time(hour, 0),
        created_by=prescriber,
    )


def _rows(response) -> list[str]:
    return [row.authorization.number for row in response.context["worklist"].rows]


def test_worklist_lists_authorizations_ending_soon_or_nearly_used_with_the_next_visit(
    coverage, prescriber, biller, client_for, django_assert_max_num_queries
):
    _visit(coverage, prescriber, days=9)
    _visit(coverage, prescriber, days=2, hour=15)
    ending = _authorization(coverage, number="ENDING", end_date=TODAY + datetime.timedelta(14))
    few = _authorization(coverage, number="FEW", em=True, psychotherapy=False, authorized=3)
    _sign(coverage, prescriber, pt_kind="", pt_start=None, pt_end=None)  # uses one of FEW
    _authorization(coverage, number="PLENTY", testing=True, psychotherapy=False)
    _authorization(coverage, number="OVER", end_date=TODAY - datetime.timedelta(1))
    client = client_for(biller)
    response = client.get(WORKLIST)
    assert _rows(response) == ["ENDING", "FEW"]
    rows = response.context["worklist"].rows
    assert rows[0].next_visit == TODAY + datetime.timedelta(days=2)
    assert rows[0].next_visit_time == datetime.time(15, 0)
    assert (rows[0].ending_soon, rows[1].few_left, rows[1].authorization.remaining) == (
        True,
        True,
        2,
    )
    text = response.content.decode()
    assert "Quist" in text
    assert "ends in 14 days" in text
    record = AccessRecord.objects.filter(user=biller, object_type="encounters.Authorization")
    assert record.get().patient_ids == [coverage.patient_id]
    assert rows[0].authorization == ending
    assert rows[1].authorization == few
    for _ in range(20):  # more authorizations: the page costs the same queries
        _authorization(CoverageFactory(payer=payer("medicaid")), end_date=TODAY)
    with django_assert_max_num_queries(12):
        assert client.get(WORKLIST).status_code == 200


def test_recording_a_renewal_takes_the_authorization_off_the_worklist(
    coverage, prescriber, biller, client_for
):
    old = _authorization(coverage, number="OLD-1", end_date=TODAY + datetime.timedelta(5))
    client = client_for(biller)
    url = reverse("claims:authorization-create", kwargs={"coverage_id": coverage.pk})
    form = client.get(f"{url}?renew={old.pk}").context["form"]
    assert form.initial["psychotherapy"] is True
    assert form.initial["start_date"] == old.end_date + datetime.timedelta(days=1)
    response = client.post(
        url,
        {
            "number": "new-2",
            "psychotherapy": "on",
            "start_date": (old.end_date + datetime.timedelta(1)).isoformat(),
            "end_date": (TODAY + datetime.timedelta(200)).isoformat(),
            "authorized": "20",
            "counts": "visits",
        },
    )
    assert response.status_code == 302
    new = Authorization.objects.get(number="NEW-2")
    assert (new.patient, new.created_by, new.authorized) == (coverage.patient, biller, 20)
    assert _rows(client.get(WORKLIST)) == []


def test_extending_an_authorization_clears_it(coverage, biller, client_for):
    authorization = _authorization(coverage, number="EXT-1", end_date=TODAY)
    client = client_for(biller)
    url = reverse("claims:authorization-update", kwargs={"authorization_id": authorization.pk})
    data = {
        "number": "EXT-1",
        "psychotherapy": "on",
        "start_date": authorization.start_date.isoformat(),
        "end_date": (TODAY + datetime.timedelta(120)).isoformat(),
        "authorized": "24",
        "counts": "visits",
    }
    assert client.post(url, data).status_code == 302
    assert _rows(client.get(WORKLIST)) == []


@pytest.mark.parametrize(
    ("change", "field", "error"),
    [
        ({"number": ""}, "number", "This field is required."),
        ({"number": "PA*1~"}, "number", "letters, digits and hyphens only"),
        ({"end_date": "2020-01-01"}, "end_date", "The last day is before the first day."),
        ({"psychotherapy": ""}, None, "Tick at least one service"),
        ({"authorized": "0"}, "authorized", "greater than or equal to 1"),
        ({"start_date": "31/02/2026"}, "start_date", "Enter a valid date."),
        ({"number": "DUP-1"}, "number", "already has an authorization with this number"),
    ],
)
def test_a_form_with_mistakes_comes_back_with_clear_errors_and_what_was_typed(
    coverage, biller, client_for, change, field, error
):
    _authorization(coverage, number="DUP-1")
    data = {
        "number": "PA-9",
        "psychotherapy": "on",
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + datetime.timedelta(90)).isoformat(),
        "authorized": "12",
        "counts": "visits",
        **change,
    }
    url = reverse("claims:authorization-create", kwargs={"coverage_id": coverage.pk})
    response = client_for(biller).post(url, data)
    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors.get(field or "__all__")
    assert errors, form.errors
    assert any(error in e for e in errors), form.errors
    assert form.data["authorized"] == data["authorized"]
    assert Authorization.objects.filter(coverage=coverage).count() == 1


def test_an_unknown_coverage_or_authorization_is_not_found(biller, client_for):
    client = client_for(biller)
    create = reverse("claims:authorization-create", kwargs={"coverage_id": 999999})
    update = reverse("claims:authorization-update", kwargs={"authorization_id": 999999})
    assert client.get(create).status_code == 404
    assert client.get(update).status_code == 404


def test_only_billers_record_authorizations(coverage, prescriber, client_for):
    url = reverse("claims:authorization-create", kwargs={"coverage_id": coverage.pk})
    assert client_for(prescriber).get(url).status_code == 403


def test_the_claim_page_shows_the_number_and_links_a_flagged_claim_to_the_form(
    coverage, prescriber, biller, client_for
):
    flagged = _sign(coverage, prescriber, days_ago=6)
    client = client_for(biller)
    page = client.get(reverse("claims:claim-detail", kwargs={"claim_id": flagged.pk}))
    create = reverse("claims:authorization-create", kwargs={"coverage_id": coverage.pk})
    assert f'href="{create}" data-testid="record-authorization"' in page.content.decode()
    _authorization(coverage, number="PA-SHOWN")
    covered = _sign(coverage, prescriber, days_ago=2)
    page = client.get(reverse("claims:claim-detail", kwargs={"claim_id": covered.pk}))
    assert '<span data-testid="prior-authorization">PA-SHOWN</span>' in page.content.decode()
    assert 'data-testid="record-authorization"' not in page.content.decode()
