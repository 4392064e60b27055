"""DX: diagnostic evaluations."""

from __future__ import annotations

import pytest

from tests.coding.engine.builders import codes, em, rules, run, therapy


@pytest.mark.parametrize("clinician", ["MD", "DO", "NP", "PA", "CNS"])
def test_dx_1_90792_for_em_capable(clinician: str) -> None:
    proposal = run(clinician=clinician, diagnostic_evaluation="with_medical")
    assert codes(proposal) == [("90792", 1)]


@pytest.mark.parametrize("clinician", ["RxP", "psychologist", "LCSW", "LPC", "LMFT"])
def test_dx_1_non_em_capable_gets_90791_with_warning(clinician: str) -> None:
    proposal = run(clinician=clinician, diagnostic_evaluation="with_medical")
    assert codes(proposal) == [("90791", 1)]
    assert "DX-1" in rules(proposal, "warning")


def test_dx_1_without_medical_is_90791() -> None:
    proposal = run(diagnostic_evaluation="without_medical")
    assert codes(proposal) == [("90791", 1)]
    assert "DX-1" not in rules(proposal, "warning")


def test_dx_2_no_em_psychotherapy_or_crisis_on_evaluation_day() -> None:
    for block in (therapy(minutes=50), therapy("crisis", 60), therapy("family_with_patient", 40)):
        proposal = run(diagnostic_evaluation="with_medical", psychotherapy=block, em=em(30, "high"))
        assert codes(proposal) == [("90792", 1)]
        assert proposal.basis == {}
        assert "DX-2" in rules(proposal, "warning")


def test_dx_2_interactive_complexity_may_be_added() -> None:
    proposal = run(diagnostic_evaluation="without_medical", interactive_complexity=True)
    assert codes(proposal) == [("90791", 1), ("90785", 1)]
