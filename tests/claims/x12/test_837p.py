"""The 837P export: an X12 005010X222A1 file that pyx12 validates, claims marked submitted."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import pyx12.params
import pyx12.x12file
import pyx12.x12n_document
from django.core.exceptions import PermissionDenied, ValidationError

from claims.build import claim_line_update
from claims.export import claim_batch_export, claims_exportable
from claims.models import Claim, ClaimLine, ClaimState, ExportBatch
from claims.remittance import claim_payer_answer
from claims.transitions import claim_transition
from claims.x12.build import segments
from coding.engine.claim_lines import BilledLine
from encounters.models import SubscriberRelation
from tests.claims.helpers import signed_claim
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def validate(text: str) -> tuple[bool, str]:
    """pyx12's verdict on ``text`` and its 999 acknowledgement (errors are IK3/IK4 there)."""
    params = pyx12.params.params()
    ack, html = io.StringIO(), io.StringIO()
    ok = pyx12.x12n_document.x12n_document(params, io.StringIO(text), ack, html, None)
    return ok, ack.getvalue()


def segment_ids(text: str) -> list[str]:
    """The segment ids of ``text`` as pyx12 reads them (its own separators, from the ISA)."""
    return [seg.get_seg_id() for seg in pyx12.x12file.X12Reader(io.StringIO(text))]


def _approved(claim: Claim, biller) -> Claim:
    return claim_transition(
        user=biller, claim=claim, to_state=ClaimState.APPROVED, version=claim.version
    )


def test_batch_of_approved_claims_is_a_valid_837p_and_they_become_submitted(prescriber, biller):
    claims = [
        _approved(signed_claim(clinician=prescriber.clinician), biller),
        _approved(
            signed_claim(
                clinician=prescriber.clinician,
                payer_slug="medicare",
                setting="video",
                patient_at_home=True,
                diagnoses=("F41.0", "F32.9"),
            ),
            biller,
        ),
    ]
    batch = claim_batch_export(user=biller)
    ok, ack = validate(batch.content)
    assert ok, ack
    assert "IK5*A" in ack  # the transaction set is accepted
    assert batch.claim_count == 2
    for claim in claims:
        claim.refresh_from_db()
        assert claim.state == ClaimState.SUBMITTED
        assert claim.batch == batch
        assert claim.submission_count == 1
        assert claim.transitions.last().reason == f"837P batch {batch.control_number}"


def test_837p_carries_diagnoses_lines_pointers_and_the_npis(prescriber, biller):
    claim = _approved(
        signed_claim(clinician=prescriber.clinician, diagnoses=("F41.0", "F32.9")), biller
    )
    text = claim_batch_export(user=biller).content
    rows = list(segments(text))
    ids = [r[0] for r in rows]
    assert ids[:4] == ["ISA", "GS", "ST", "BHT"]
    assert ids[-3:] == ["SE", "GE", "IEA"]
    clm = next(r for r in rows if r[0] == "CLM")
    assert clm[1] == claim.number
    assert clm[2] == "300"  # 200.00 + 100.00
    assert clm[5] == "11:B:1"
    assert next(r for r in rows if r[0] == "HI") == ["HI", "ABK:F410", "ABF:F329"]
    sv1 = [r for r in rows if r[0] == "SV1"]
    assert [r[1] for r in sv1] == ["HC:99214", "HC:90833"]
    assert [r[7] for r in sv1] == ["1:2", "1:2"]
    assert next(r for r in rows if r[:2] == ["NM1", "82"])[:3] == ["NM1", "82", "1"]
    assert claim.rendering_npi in next(r for r in rows if r[:2] == ["NM1", "82"])
    se = next(r for r in rows if r[0] == "SE")
    assert int(se[1]) == ids.index("SE") - ids.index("ST") + 1


def test_a_patient_who_is_not_the_subscriber_gets_the_2000c_loop_and_validates(prescriber, biller):
    claim = signed_claim(clinician=prescriber.clinician, patient=PatientFactory())
    coverage = claim.encounter.coverage
    Claim.objects.filter(pk=claim.pk).update(
        subscriber={
            "relation": SubscriberRelation.CHILD,
            "first_name": "Pat",
            "last_name": "Parent",
            "date_of_birth": "1970-01-01",
            "group_number": coverage.group_number,
        }
    )
    claim.refresh_from_db()
    _approved(claim, biller)
    text = claim_batch_export(user=biller).content
    ok, ack = validate(text)
    assert ok, ack
    rows = list(segments(text))
    assert ["PAT", "19"] in rows
    assert next(r for r in rows if r[:2] == ["NM1", "IL"])[3] == "PARENT"


def test_pyx12_rejects_our_file_once_a_service_line_is_broken(claim, biller):
    """The validation above can fail: the same file with a bad SV1 qualifier is rejected."""
    _approved(claim, biller)
    text = claim_batch_export(user=biller).content
    assert validate(text)[0]
    ok, ack = validate(text.replace("SV1*HC:99214", "SV1*XX:99214"))
    assert not ok
    assert "IK3*SV1" in ack


def test_export_without_approved_claims_is_refused(claim, biller):
    with pytest.raises(ValidationError, match="No approved claims"):
        claim_batch_export(user=biller)


def test_only_billers_export(claim, prescriber):
    with pytest.raises(PermissionDenied):
        claim_batch_export(user=prescriber)


def _sent_and_denied(claim: Claim, biller, icn: str = "ICN2026000123") -> Claim:
    _approved(claim, biller)
    claim_batch_export(user=biller)
    claim.refresh_from_db()
    return claim_payer_answer(
        user=biller,
        claim=claim,
        version=claim.version,
        outcome="denied",
        carc="16",
        payer_claim_number=icn,
    )


def _clm_and_ref(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(segments(text))
    clm = next(r for r in rows if r[0] == "CLM")
    between = rows[rows.index(clm) + 1 : next(i for i, r in enumerate(rows) if r[0] == "HI")]
    return clm, between


def test_an_original_claim_goes_out_as_frequency_1_without_a_payer_claim_number(claim, biller):
    _approved(claim, biller)
    clm, between = _clm_and_ref(claim_batch_export(user=biller).content)
    assert clm[5] == "11:B:1"
    assert between == []


def test_a_denied_claim_is_corrected_and_goes_in_the_next_file(claim, biller):
    _sent_and_denied(claim, biller)
    claim_transition(
        user=biller,
        claim=claim,
        to_state="corrected",
        version=claim.version,
        reason="Added the missing member id suffix",
    )
    second = claim_batch_export(user=biller)
    claim.refresh_from_db()
    assert (claim.state, claim.submission_count, claim.batch) == (ClaimState.SUBMITTED, 2, second)
    assert validate(second.content)[0]


def test_a_corrected_claim_goes_out_as_frequency_7_with_the_payers_claim_number(claim, biller):
    """Review issue 8 item 8: CLM05-3 = 7 and REF*F8 in loop 2300, and pyx12 accepts it."""
    _sent_and_denied(claim, biller)
    claim_transition(
        user=biller, claim=claim, to_state="corrected", version=claim.version, reason="fixed"
    )
    text = claim_batch_export(user=biller).content
    ok, ack = validate(text)
    assert ok, ack
    clm, between = _clm_and_ref(text)
    assert clm[5] == "11:B:7"
    assert between == [["REF", "F8", "ICN2026000123"]]
    claim.refresh_from_db()
    assert "replacement of payer claim ICN2026000123" in claim.transitions.last().reason


@pytest.mark.parametrize("answered", ["paid", "denied"])
def test_a_void_at_the_payer_goes_out_as_frequency_8_and_the_claim_becomes_void(
    claim, biller, answered
):
    _approved(claim, biller)
    claim_batch_export(user=biller)
    claim.refresh_from_db()
    claim_payer_answer(
        user=biller,
        claim=claim,
        version=claim.version,
        outcome=answered,
        amount=Decimal("120.00"),
        carc="16",
        payer_claim_number="ICN-9",
    )
    claim_transition(
        user=biller,
        claim=claim,
        to_state=ClaimState.VOID_PENDING,
        version=claim.version,
        reason="Billed for the wrong patient",
    )
    batch = claim_batch_export(user=biller)
    ok, ack = validate(batch.content)
    assert ok, ack
    clm, between = _clm_and_ref(batch.content)
    assert clm[5] == "11:B:8"
    assert between == [["REF", "F8", "ICN-9"]]
    claim.refresh_from_db()
    assert (claim.state, claim.batch, claim.submission_count) == (ClaimState.VOID, batch, 2)


def test_the_writer_refuses_a_replacement_without_the_payers_claim_number(claim, biller):
    _sent_and_denied(claim, biller)
    claim_transition(
        user=biller, claim=claim, to_state="corrected", version=claim.version, reason="fixed"
    )
    Claim.objects.filter(pk=claim.pk).update(payer_claim_number="")
    with pytest.raises(ValidationError, match=f"Claim {claim.number}: REF02"):
        claim_batch_export(user=biller)


def test_a_corrected_claim_with_findings_waits_for_approval_before_export(claim, biller):
    """A fix that leaves scrubber findings needs a biller's approval again (TRANSITIONS)."""
    _sent_and_denied(claim, biller)
    claim_line_update(
        user=biller,
        claim=claim,
        version=claim.version,
        position=1,
        fix=BilledLine("99215", 1, (), (1,)),
    )
    claim_transition(
        user=biller, claim=claim, to_state="corrected", version=claim.version, reason="fixed"
    )
    assert claim.scrub_status == "flagged"
    assert not claims_exportable(user=biller).filter(pk=claim.pk).exists()
    with pytest.raises(ValidationError, match="No approved claims"):
        claim_batch_export(user=biller)
    claim_transition(user=biller, claim=claim, to_state=ClaimState.APPROVED, version=claim.version)
    text = claim_batch_export(user=biller).content
    assert _clm_and_ref(text)[0][5] == "11:B:7"
    claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED


def test_a_clean_corrected_claim_goes_straight_to_export(claim, biller):
    _sent_and_denied(claim, biller)
    claim_transition(
        user=biller, claim=claim, to_state="corrected", version=claim.version, reason="fixed"
    )
    assert claims_exportable(user=biller).filter(pk=claim.pk).exists()


# ----------------------------------------------------------------------------- injection
# Review issue 8 item 6: a custom code 99213-X~Q* went into the 837P as a broken segment.
# Codes, modifiers and ids holding a separator (~ * : ^) or a control character are refused,
# naming the claim and the element; free text (names, addresses) is sanitised.
INJECTED = "~NM1*PR*2*EVIL PAYER*****PI*666~REF*EI*666"


def _export_one(claim: Claim, biller) -> str:
    _approved(claim, biller)
    return claim_batch_export(user=biller).content


def test_a_hostile_patient_name_and_address_add_no_segment_and_the_file_validates(
    prescriber, biller
):
    plain = _export_one(signed_claim(clinician=prescriber.clinician), biller)
    patient = PatientFactory(
        last_name="Doe" + INJECTED,
        first_name="Ann:Marie^\x07\n",
        address_line1="1 Main St" + INJECTED,
        city="Town*\r\nX",
    )
    text = _export_one(signed_claim(clinician=prescriber.clinician, patient=patient), biller)
    ok, ack = validate(text)
    assert ok, ack
    assert segment_ids(text) == segment_ids(plain)
    rows = list(segments(text))
    subscriber = next(r for r in rows if r[:2] == ["NM1", "IL"])
    assert subscriber[3:5] == ["DOE NM1 PR 2 EVIL PAYER PI 666 REF EI 666", "ANN MARIE"]
    patient_address = rows[rows.index(subscriber) + 1]
    assert patient_address[0] == "N3"
    assert patient_address[1].startswith("1 MAIN ST NM1 PR 2 EVIL")
    assert "EVIL PAYER" not in [r[3] for r in rows if r[:2] == ["NM1", "PR"]]


def test_accents_in_free_text_are_dropped_not_refused(prescriber, biller):
    patient = PatientFactory(last_name="Muñoz-Pérez", first_name="Zoë", city="Bogotá")
    text = _export_one(signed_claim(clinician=prescriber.clinician, patient=patient), biller)
    assert validate(text)[0]
    assert next(r for r in segments(text) if r[:2] == ["NM1", "IL"])[3:5] == ["MUNOZ-PEREZ", "ZOE"]


def _refused(claim: Claim, biller, *words: str) -> None:
    _approved(claim, biller)
    with pytest.raises(ValidationError) as caught:
        claim_batch_export(user=biller)
    message = caught.value.messages[0]
    assert f"Claim {claim.number}" in message
    for word in words:
        assert word in message
    assert not ExportBatch.objects.exists()
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.APPROVED


@pytest.mark.parametrize(
    ("value", "shown"),
    [("M1~NM1*PR*2*EVIL~REF*EI*6", "'~'"), ("M1\x1dX", "control"), ("M1:X", "':'")],
)
def test_a_member_id_with_a_separator_or_control_character_is_refused(
    prescriber, biller, value, shown
):
    claim = signed_claim(clinician=prescriber.clinician)
    Claim.objects.filter(pk=claim.pk).update(member_id=value)
    claim.refresh_from_db()
    _refused(claim, biller, "NM109", "member id", shown)


@pytest.mark.parametrize(
    ("code", "modifiers", "element"),
    [
        ("99214", ["X~Q*"], "SV101-3"),
        ("9921~X*", [], "SV101-2"),  # codes are 8 characters at most in the database
        ("99214", ["25", "9^"], "SV101-4"),
        ("99214:1", [], "SV101-2"),
    ],
)
def test_a_line_code_or_modifier_with_a_separator_is_refused_naming_claim_and_element(
    claim, biller, code, modifiers, element
):
    """Lines stored before the entry points checked them still cannot break the file."""
    ClaimLine.objects.filter(claim=claim, position=1).update(code=code, modifiers=modifiers)
    _refused(claim, biller, element)


@pytest.mark.parametrize(
    ("change", "element"),
    [
        ({"diagnoses": ["F41.0", "F32*9~X"]}, "HI02-2 (diagnosis code)"),
        ({"subscriber": {"relation": "18", "group_number": "G1~HL*9"}}, "SBR03 (group number)"),
        ({"number": "C1*X"}, "CLM01 (claim number)"),
    ],
)
def test_a_diagnosis_group_or_claim_number_with_a_separator_is_refused(
    claim, biller, change, element
):
    Claim.objects.filter(pk=claim.pk).update(**change)
    claim.refresh_from_db()
    _refused(claim, biller, element)


def test_every_element_is_checked_even_one_the_writer_forgot(claim, biller, settings):
    """The segment writer is the last guard: a bad taxonomy from settings is refused too."""
    settings.PRACTICE_TAXONOMY = "2084P0800X~HL*9"
    _approved(claim, biller)
    with pytest.raises(ValidationError, match="PRV03"):
        claim_batch_export(user=biller)


def test_downloading_an_837p_records_every_patient_it_carries(client_for, prescriber, biller):
    from django.urls import reverse

    from accounts.models import AccessRecord
    from claims.x12.build import claim_numbers

    claims = [_approved(signed_claim(clinician=prescriber.clinician), biller) for _ in range(3)]
    batch = claim_batch_export(user=biller)
    later = _approved(signed_claim(clinician=prescriber.clinician), biller)  # not in the file
    assert claim_numbers(batch.content) == [c.number for c in claims]
    before = AccessRecord.objects.count()

    url = reverse("claims:export-download", kwargs={"batch_id": batch.pk})
    response = client_for(biller).get(url)

    assert response.status_code == 200
    record = AccessRecord.objects.order_by("id").last()
    assert AccessRecord.objects.count() == before + 1
    assert (record.user, record.action, record.object_type, record.object_id) == (
        biller,
        "export",
        "claims.ExportBatch",
        str(batch.pk),
    )
    assert record.patient_ids == sorted(c.patient_id for c in claims)
    assert later.patient_id not in record.patient_ids
    assert record.path == url
