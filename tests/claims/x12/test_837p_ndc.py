"""INJ-4 in the 837P: a drug line with an NDC gets loop 2410 (LIN N4, CTP) after its 2400
segments, and pyx12 still validates the file."""

from __future__ import annotations

import pytest
from django.utils import timezone

from claims.export import claim_batch_export, claim_rows
from claims.models import Claim, ClaimState
from claims.transitions import claim_transition
from claims.x12.build import X12ValueError, build_837p, segments
from tests.claims.injections import injection_claim
from tests.claims.x12.test_837p import validate

pytestmark = pytest.mark.django_db


def _exported(claim, biller) -> str:
    claim_transition(user=biller, claim=claim, to_state=ClaimState.APPROVED, version=claim.version)
    return claim_batch_export(user=biller).content


def test_inj_4_j2426_x234_goes_out_with_lin_and_ctp_and_pyx12_validates(biller):
    claim = injection_claim(payer_slug="medicaid")
    text = _exported(claim, biller)
    ok, ack = validate(text)
    assert ok, ack
    assert "IK5*A" in ack
    rows = list(segments(text))
    drug = next(i for i, r in enumerate(rows) if r[:2] == ["SV1", "HC:J2426"])
    assert rows[drug][4:5] == ["234"]  # units: 234 mg of a 1 mg billing unit
    assert rows[drug + 1][:2] == ["DTP", "472"]
    assert rows[drug + 2][:2] == ["REF", "6R"]  # the line control number ends loop 2400
    assert rows[drug + 3] == ["LIN", "", "N4", "50458056401"]
    assert rows[drug + 4] == ["CTP", "", "", "", "1.5", "ML"]
    assert [r[0] for r in rows].count("LIN") == 1  # only the drug line
    assert rows[drug + 5][0] in {"LX", "SE"}  # the next line, or the end of the claim


def test_inj_4_no_2410_for_a_payer_that_does_not_ask_for_the_ndc(biller):
    text = _exported(injection_claim(payer_slug="commercial"), biller)
    assert validate(text)[0]
    assert not [r for r in segments(text) if r[0] in {"LIN", "CTP"}]


def test_pyx12_rejects_a_2410_loop_with_a_bad_product_qualifier(biller):
    """The validation above can fail: the same file with LIN02 = XX is rejected."""
    text = _exported(injection_claim(payer_slug="medicaid"), biller)
    ok, ack = validate(text.replace("LIN**N4*", "LIN**XX*"))
    assert not ok
    assert "IK3*LIN" in ack


def test_an_ndc_without_its_quantity_is_refused_naming_the_element(biller):
    claim = injection_claim(payer_slug="medicaid")
    claim.lines.filter(code="J2426").update(ndc_quantity=None)
    with pytest.raises(X12ValueError, match="CTP04"):
        build_837p(
            claim_rows(Claim.objects.filter(pk=claim.pk)),
            control_number=1,
            now=timezone.now(),
        )
