"""The practice's drug table reaches the engine: a drug the practice admin added is coded
(INJ-1) and checked on the claim, and an end-dated row no longer codes a later visit."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from claims.build import scrub_input
from claims.models import Claim, ClaimLine
from claims.scrubber import scrub
from coding.services import proposal_for_facts
from payers.models import Drug, Payer
from payers.services import drug_create, drug_end_date
from tests.claims.helpers import signed_claim

pytestmark = pytest.mark.django_db

TRINZA = {
    "code": "J2427",
    "product": "paliperidone palmitate ER 3-month (Invega Trinza)",
    "billing_unit_mg": Decimal("1"),
    "single_dose_mg": ["273", "410", "546", "819"],
}


def _facts(drug: str, dose: int, on: str = "2026-11-20") -> dict[str, Any]:
    return {
        "id": "inj",
        "patient_status": "established",
        "clinician": "MD",
        "payer": "medicare",
        "setting": "in_person",
        "em": {
            "minutes": 20,
            "mdm": {"problems": "moderate", "data": "minimal", "risk": "moderate"},
        },
        "pharmacologic_management": True,
        "date_of_service": on,
        "injections": [{"drug": drug, "dose_mg": dose, "container_mg": dose}],
    }


def _lines(proposal) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(line.code, line.units, tuple(line.modifiers)) for line in proposal.lines]


def test_inj_1_a_drug_the_practice_added_is_coded(practice_admin):
    drug_create(user=practice_admin, data=TRINZA)
    proposal = proposal_for_facts(
        facts=_facts("J2427", 546), payer=Payer.objects.get(slug="medicare")
    )
    assert proposal.error is None
    assert ("J2427", 546, ("JZ",)) in _lines(proposal)
    assert not [m for m in proposal.messages if m.level == "error"]


def test_inj_1_an_end_dated_drug_does_not_code_a_later_visit(practice_admin):
    drug_end_date(
        user=practice_admin,
        drug=Drug.objects.get(code="J2426"),
        last_day=datetime.date(2026, 10, 31),
    )
    medicare = Payer.objects.get(slug="medicare")
    before = proposal_for_facts(facts=_facts("J2426", 234, on="2026-10-31"), payer=medicare)
    assert ("J2426", 234, ("JZ",)) in _lines(before)
    after = proposal_for_facts(facts=_facts("J2426", 234, on="2026-11-01"), payer=medicare)
    assert "J2426" not in {code for code, _u, _m in _lines(after)}
    assert any(
        m.rule == "INJ-1" and "not a drug of the practice's drug table" in m.text
        for m in after.messages
    )


def test_inj_1_the_claim_checks_know_a_drug_the_practice_added(practice_admin):
    """A practice-added drug line without 96372 is the INJ-1 error on the claim, as the
    shipped drugs are: the scrubber reads the practice's table."""
    drug_create(user=practice_admin, data=TRINZA)
    claim = Claim.objects.get(pk=signed_claim().pk)
    lines = [*claim.lines.all(), ClaimLine(claim=claim, position=3, code="J2427", units=546)]
    findings = scrub(scrub_input(claim, lines, signed=None, fees={}))
    assert any(f.rule == "INJ-1" and "J2427" in f.text for f in findings)
