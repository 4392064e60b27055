"""42 CFR Part 2 (substance use) visits: flagged by the clinician, disclosed for payment only
with the patient's consent, and shown to billing only as far as the claim needs."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audits.sampling import previous_month
from audits.services import audit_sample_draw
from claims.export import claim_batch_export
from claims.models import ClaimState
from claims.transitions import claim_transition
from encounters.icd import icd_suggests_part2
from encounters.models import Patient
from tests.audits.helpers import signed_encounter
from tests.claims.helpers import signed_claim
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

S = ClaimState


def _part2_claim(prescriber, *, consent: datetime.date | None = None):
    patient = PatientFactory(part2_consent_on=consent)
    return signed_claim(
        clinician=prescriber.clinician, patient=patient, diagnoses=("F10.20",), part2=True
    )


def _approve(claim, biller):
    return claim_transition(user=biller, claim=claim, to_state=S.APPROVED, version=claim.version)


@pytest.mark.parametrize(
    ("codes", "suggested"),
    [(["F10.20"], True), (["F41.0", "f19.10"], True), (["F41.0"], False), (["F20.9"], False)],
)
def test_f10_to_f19_diagnoses_suggest_part2(codes, suggested):
    assert icd_suggests_part2(codes) is suggested


def test_the_form_suggests_part2_for_a_substance_use_diagnosis_and_keeps_the_box(
    client_for, prescriber
):
    patient = PatientFactory()
    patient.clinicians.add(prescriber.clinician)
    client = client_for(prescriber)
    url = reverse("encounters:encounter-create", kwargs={"patient_id": patient.pk})
    response = client.post(url, {"diagnosis_1": "F10.20", "action": "save"}, follow=True)
    assert response.status_code == 200
    assert b'data-testid="part2-suggested"' in response.content
    encounter = patient.encounters.get()
    assert encounter.part2 is False  # a suggestion: the clinician decides

    edit = reverse("encounters:encounter-edit", kwargs={"encounter_id": encounter.pk})
    response = client.post(
        edit, {"diagnosis_1": "F10.20", "part2": "on", "action": "save"}, follow=True
    )
    encounter.refresh_from_db()
    assert encounter.part2 is True
    assert b'data-testid="part2-suggested"' not in response.content


def test_a_part2_claim_is_not_approved_without_the_patients_consent(prescriber, biller):
    claim = _part2_claim(prescriber)
    with pytest.raises(ValidationError, match="42 CFR Part 2.*consent"):
        _approve(claim, biller)
    claim.refresh_from_db()
    assert claim.state == S.QUEUED


def test_the_biller_is_told_why_on_the_claim_page(client_for, prescriber, biller):
    claim = _part2_claim(prescriber)
    client = client_for(biller)
    url = reverse("claims:claim-action", kwargs={"claim_id": claim.pk, "action": "approve"})
    response = client.post(url, {"version": claim.version}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "consent to disclose it to the payer for payment" in response.content.decode()
    page = client.get(reverse("claims:claim-detail", kwargs={"claim_id": claim.pk}))
    assert b'data-testid="part2-notice"' in page.content
    assert "no consent to disclose for payment on file" in page.content.decode()


def test_with_consent_on_file_the_claim_is_approved_and_exported(prescriber, biller):
    claim = _approve(_part2_claim(prescriber, consent=timezone.localdate()), biller)
    batch = claim_batch_export(user=biller)
    claim.refresh_from_db()
    assert (claim.state, claim.batch_id) == (S.SUBMITTED, batch.pk)


def test_consent_withdrawn_after_approval_stops_the_export(prescriber, biller):
    claim = _approve(_part2_claim(prescriber, consent=timezone.localdate()), biller)
    Patient.objects.filter(pk=claim.patient_id).update(part2_consent_on=None)
    with pytest.raises(ValidationError, match=claim.number):
        claim_batch_export(user=biller)
    claim.refresh_from_db()
    assert claim.state == S.APPROVED


def test_bulk_approval_leaves_a_part2_claim_without_consent(client_for, prescriber, biller):
    waiting = _part2_claim(prescriber)
    consented = _part2_claim(prescriber, consent=timezone.localdate())
    plain = signed_claim(clinician=prescriber.clinician)
    client = client_for(biller)
    ids = [waiting.pk, consented.pk, plain.pk]
    confirm = client.post(reverse("claims:claim-bulk-approve"), {"claim": ids})
    assert [c.pk for c in confirm.context["claims"]] == [consented.pk, plain.pk]
    assert confirm.context["skipped"] == 1
    client.post(reverse("claims:claim-bulk-approve"), {"claim": ids, "confirm": "yes"})
    waiting.refresh_from_db()
    consented.refresh_from_db()
    assert (waiting.state, consented.state) == (S.QUEUED, S.APPROVED)


def test_billers_see_only_what_the_claim_needs(client_for, prescriber, biller):
    claim = _part2_claim(prescriber, consent=timezone.localdate())
    page = client_for(biller).get(reverse("claims:claim-detail", kwargs={"claim_id": claim.pk}))
    text = page.content.decode()
    assert 'data-testid="claim-lines"' in text  # what the claim needs
    assert "F10.20" in text
    assert "Psychotherapy block" not in text  # the visit's content is not
    assert "Medication management (E/M)" not in text
    plain = signed_claim(clinician=prescriber.clinician)
    other = client_for(biller).get(reverse("claims:claim-detail", kwargs={"claim_id": plain.pk}))
    assert "Psychotherapy block" in other.content.decode()


def test_the_837p_of_a_part2_claim_carries_no_rendering_specialty(prescriber, biller):
    part2 = _approve(_part2_claim(prescriber, consent=timezone.localdate()), biller)
    plain = _approve(signed_claim(clinician=prescriber.clinician), biller)
    content = claim_batch_export(user=biller).content
    claims = content.split("CLM*")[1:]
    by_number = {chunk.split("*", 1)[0]: chunk for chunk in claims}
    assert "PRV*PE" not in by_number[part2.number]
    assert "PRV*PE" in by_number[plain.number]


def test_the_audit_findings_csv_leaves_part2_charts_out(client_for, compliance, prescriber):
    month = previous_month(timezone.localdate())
    clinician = prescriber.clinician
    part2 = signed_encounter(month=month, clinician=clinician, day=3, part2=True)
    plain = signed_encounter(month=month, clinician=clinician, day=4)
    audit_sample_draw(month=month, size=2)
    url = reverse("audits:sample-findings-csv", kwargs={"month": month})
    rows = list(csv.DictReader(io.StringIO(client_for(compliance).get(url).content.decode())))
    encounter_ids = {row[next(k for k in row if "encounter" in k.lower())] for row in rows}
    assert encounter_ids == {str(plain.pk)}
    assert str(part2.pk) not in encounter_ids


def test_the_admin_records_the_consent_with_who_recorded_it(client_for, practice_admin):
    patient = PatientFactory()
    client = client_for(practice_admin)
    url = reverse("encounters:patient-edit", kwargs={"patient_id": patient.pk})
    form = client.get(url).context["form"]
    data = {
        name: (value.isoformat() if isinstance(value, datetime.date) else value)
        for name, value in form.initial.items()
        if value is not None and name != "clinicians"
    }
    data |= {"coverages-TOTAL_FORMS": "0", "coverages-INITIAL_FORMS": "0"}
    future = client.post(url, {**data, "part2_consent_on": "2999-01-01"})
    assert "cannot be signed in the future" in future.content.decode()
    response = client.post(url, {**data, "part2_consent_on": "2026-01-05"})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.part2_consent_on == datetime.date(2026, 1, 5)
    assert patient.part2_consent_recorded_by == practice_admin
    assert patient.part2_consent_recorded_at is not None
    detail = client.get(reverse("encounters:patient-detail", kwargs={"patient_id": patient.pk}))
    assert "signed 2026-01-05, recorded by" in detail.content.decode()
