"""A claim of a visit with a long-acting injection, built from facts as signing stores them.

The encounter form has no injection fields in this branch, so the signed proposal is made
here the way ``coding.services.signed_proposal_store`` makes it (the engine's proposal of
the facts, its lines chosen) and the claim is built from it by ``claims.build.claim_build``.
"""

from __future__ import annotations

import datetime
from typing import Any

from claims.build import claim_build
from claims.models import Claim
from coding.models import SignedProposal
from coding.services import proposal_for_facts
from tests.factories import (
    ClinicianFactory,
    CoverageFactory,
    EncounterDiagnosisFactory,
    EncounterFactory,
    PatientFactory,
    payer,
)

# Invega Sustenna 234 mg/1.5 mL prefilled syringe (NDC 50458-0564-01).
INVEGA_234 = {
    "drug": "J2426",
    "dose_mg": 234,
    "container_mg": 234,
    "ndc": "50458-0564-01",
    "ndc_quantity": 1.5,
    "ndc_unit": "ML",
}


def injection_claim(
    *, payer_slug: str = "medicaid", injections: list[dict[str, Any]] | None = None
) -> Claim:
    """A signed follow-up (99214) with the injections given (Invega Sustenna 234 mg)."""
    clinician = ClinicianFactory(credential="MD")
    patient = PatientFactory()
    coverage = CoverageFactory(patient=patient, payer=payer(payer_slug))
    encounter = EncounterFactory(
        patient=patient,
        clinician=clinician,
        coverage=coverage,
        date_of_service=datetime.date.today() - datetime.timedelta(days=2),
    )
    EncounterDiagnosisFactory(encounter=encounter, position=1, code="F20.0")
    facts = {
        "id": f"enc-{encounter.pk}",
        "patient_status": "established",
        "clinician": "MD",
        "payer": payer_slug,
        "setting": "in_person",
        "em": {
            "minutes": 20,
            "mdm": {"problems": "moderate", "data": "minimal", "risk": "moderate"},
        },
        "pharmacologic_management": True,
        "date_of_service": encounter.date_of_service.isoformat(),
        "injections": [INVEGA_234] if injections is None else injections,
    }
    proposal = proposal_for_facts(facts=facts, payer=coverage.payer)
    assert proposal.error is None, proposal.error
    signed = SignedProposal.objects.create(
        encounter=encounter,
        engine_version=proposal.engine_version,
        facts=facts,
        proposal=proposal.to_display_dict(),
        chosen_option="recommended",
        chosen_lines=[line.to_dict() for line in proposal.lines],
        rule_ids=sorted({m.rule for m in proposal.messages}),
    )
    return claim_build(signed=signed, user=clinician.user)
