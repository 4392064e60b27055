"""INJ-4 on the claim: each drug line carries the NDC of its injection where the payer
wants it (the 837P sends it in loop 2410), and nowhere else."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims.build import claim_line_update
from coding.engine.claim_lines import BilledLine
from tests.claims.injections import INVEGA_234, injection_claim

pytestmark = pytest.mark.django_db


def _lines(claim):
    return {
        (line.code, *line.modifiers): (line.units, line.ndc, line.ndc_quantity, line.ndc_unit)
        for line in claim.lines.all()
    }


def test_inj_4_the_drug_line_carries_the_injections_ndc_where_the_payer_wants_it():
    claim = injection_claim(payer_slug="medicaid")
    lines = _lines(claim)
    assert lines["J2426",] == (234, "50458056401", Decimal("1.5"), "ML")
    assert lines["96372",] == (1, "", None, "")
    assert lines["99214", "25"][1:] == ("", None, "")


def test_inj_4_the_claim_prices_the_drug_per_billing_unit():
    claim = injection_claim(payer_slug="medicaid")
    drug = claim.lines.get(code="J2426")
    assert drug.charge == Decimal("14.00") * 234
    assert claim.total_charge == sum(line.charge for line in claim.lines.all())


def test_inj_4_no_ndc_on_the_claim_of_a_payer_that_does_not_ask_for_it():
    claim = injection_claim(payer_slug="commercial")
    assert {line.ndc for line in claim.lines.all()} == {""}


def test_inj_4_the_jw_line_of_the_discarded_amount_carries_no_ndc():
    """Medicare wants JZ/JW; a practice that also asks for NDCs puts it on the line given."""
    from tests.factories import payer

    medicare = payer("medicare")
    medicare.ndc_on_drug_lines = True
    medicare.save(update_fields=["ndc_on_drug_lines"])
    claim = injection_claim(
        payer_slug="medicare", injections=[{**INVEGA_234, "dose_mg": 156, "container_mg": 234}]
    )
    lines = _lines(claim)
    assert lines["J2426",] == (156, "50458056401", Decimal("1.5"), "ML")
    assert lines["J2426", "JW"] == (78, "", None, "")


def test_inj_4_two_injections_of_one_ndc_add_their_quantities():
    second = {**INVEGA_234, "dose_mg": 156, "container_mg": 156, "ndc_quantity": 1}
    claim = injection_claim(injections=[INVEGA_234, second])
    assert _lines(claim)["J2426",] == (390, "50458056401", Decimal("2.5"), "ML")


def test_inj_4_a_drug_given_from_two_ndcs_gets_none_rather_than_a_wrong_one():
    second = {**INVEGA_234, "ndc": "50458-0560-01"}
    claim = injection_claim(injections=[INVEGA_234, second])
    assert _lines(claim)["J2426",][1] == ""


def test_inj_4_a_biller_who_changes_the_drug_lines_code_drops_its_ndc(biller):
    claim = injection_claim()
    line = claim.lines.get(code="J2426")
    claim_line_update(
        user=biller,
        claim=claim,
        version=claim.version,
        position=line.position,
        fix=BilledLine("96372", 1, (), tuple(line.pointers)),
    )
    line.refresh_from_db()
    assert (line.code, line.ndc, line.ndc_quantity, line.ndc_unit) == ("96372", "", None, "")


def test_inj_1_a_biller_fixes_a_drug_lines_pointers_keeping_its_234_units(biller):
    """A drug line bills its dose in billing units: a fix of it is not capped at 99 units,
    and keeps its NDC."""
    claim = injection_claim()
    line = claim.lines.get(code="J2426")
    claim_line_update(
        user=biller,
        claim=claim,
        version=claim.version,
        position=line.position,
        fix=BilledLine("J2426", 234, (), (1,)),
    )
    line.refresh_from_db()
    assert (line.units, line.ndc) == (234, "50458056401")


def test_a_service_line_still_stops_at_99_units(biller):
    claim = injection_claim()
    line = claim.lines.get(code="96372")
    with pytest.raises(ValidationError) as caught:
        claim_line_update(
            user=biller,
            claim=claim,
            version=claim.version,
            position=line.position,
            fix=BilledLine("96372", 100, (), (1,)),
        )
    assert caught.value.message_dict["units"] == ["Units of 96372 must be between 1 and 99."]


def test_inj_4_the_biller_sees_the_ndc_of_a_drug_line(client_for, biller):
    claim = injection_claim()
    position = claim.lines.get(code="J2426").position
    response = client_for(biller).get(reverse("claims:claim-detail", args=[claim.pk]))
    assert response.status_code == 200
    assert (
        f'data-testid="ndc-{position}"><td></td><td colspan="7">NDC 50458056401, 1.5 millilitre '
        "(ML), sent in 837P loop 2410 (INJ-4)"
    ) in response.content.decode()
