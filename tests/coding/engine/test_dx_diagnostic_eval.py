"""DX: diagnostic evaluations."""

from __future__ import annotations

import pytest

from tests.coding.engine.builders import codes, em, rules, run, texts, therapy


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


def test_dx_3_intake_offers_the_em_path_with_its_codes() -> None:
    proposal = run(
        patient_status="new",
        diagnostic_evaluation="with_medical",
        psychotherapy=therapy(minutes=30),
        em=em(20, ("high", "moderate", "high")),
    )
    assert codes(proposal) == [("90792", 1)]
    (alternative,) = [a for a in proposal.alternatives if "E/M path" in a.why]
    assert [(ln.code, ln.units) for ln in alternative.lines] == [("99205", 1), ("90833", 1)]
    assert "99205 + 90833" in alternative.why
    assert any("99205 + 90833" in t for t in texts(proposal, "DX-3"))


def test_dx_3_em_by_time_alone_when_no_mdm() -> None:
    proposal = run(patient_status="new", diagnostic_evaluation="with_medical", em=em(45, None))
    (alternative,) = proposal.alternatives
    assert [ln.code for ln in alternative.lines] == ["99204"]


def test_dx_3_not_for_a_clinician_who_cannot_bill_em() -> None:
    proposal = run(clinician="LCSW", diagnostic_evaluation="without_medical", em=em(45, "high"))
    assert proposal.alternatives == ()
    assert "DX-3" not in rules(proposal)


def test_dx_4_90791_with_mdm_or_medication_work_offers_90792() -> None:
    for extra in ({"em": em(0, "moderate")}, {"pharmacologic_management": True}):
        proposal = run(diagnostic_evaluation="without_medical", **extra)
        assert codes(proposal) == [("90791", 1)]
        assert "DX-4" in rules(proposal, "warning")
        assert [[ln.code for ln in alt.lines] for alt in proposal.alternatives][0] == ["90792"]
        assert "CB-5" not in rules(proposal)


def test_dx_4_not_without_medical_work() -> None:
    proposal = run(diagnostic_evaluation="without_medical")
    assert "DX-4" not in rules(proposal)
    assert proposal.alternatives == ()
