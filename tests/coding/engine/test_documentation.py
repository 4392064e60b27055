"""EM-2 documentation checks: each claimed MDM element names what the note must show."""

from __future__ import annotations

from coding.engine.documentation import (
    MedicationEvidence,
    NoteEvidence,
    documentation_checks,
    documentation_gaps,
)
from coding.engine.mdm import DataItems

SERTRALINE_UP = MedicationEvidence("sertraline", "increased", "partial response")


def _check(evidence: NoteEvidence, element: str):
    return next(c for c in documentation_checks(evidence) if c.element == element)


def test_em_2_nothing_claimed_needs_nothing():
    assert documentation_checks(NoteEvidence()) == ()


def test_em_2_drug_management_without_a_medication_review_or_plan_is_a_gap():
    evidence = NoteEvidence(risk=("prescription_management",))
    (gap,) = documentation_gaps(evidence)
    assert gap.rule == "EM-2"
    assert gap.element == "risk"
    assert "medication review row naming the drug and the decision" in gap.needs


def test_em_2_drug_management_is_shown_by_a_decided_row_and_a_plan():
    evidence = NoteEvidence(
        risk=("prescription_management",), medications=(SERTRALINE_UP,), plan="Increase."
    )
    assert _check(evidence, "risk").met


def test_em_2_a_changed_drug_without_its_reason_is_a_gap():
    evidence = NoteEvidence(
        risk=("prescription_management",),
        medications=(MedicationEvidence("sertraline", "increased", ""),),
        plan="Increase.",
    )
    assert not _check(evidence, "risk").met


def test_em_2_a_continued_drug_needs_no_reason():
    evidence = NoteEvidence(
        risk=("prescription_management",),
        medications=(MedicationEvidence("sertraline", "continued"),),
        plan="Continue.",
    )
    assert _check(evidence, "risk").met


def test_em_2_hospitalization_decision_needs_its_reason():
    claimed = NoteEvidence(risk=("hospitalization_decision",))
    assert "reason for the decision about hospitalization" in _check(claimed, "risk").needs
    assert not _check(claimed, "risk").met
    written = NoteEvidence(risk=("hospitalization_decision",), risk_detail="Safe at home.")
    assert _check(written, "risk").met


def test_em_2_intensive_monitoring_needs_the_drug_and_the_monitoring():
    only_text = NoteEvidence(risk=("intensive_monitoring",), risk_detail="Lithium level")
    assert not _check(only_text, "risk").met
    both = NoteEvidence(
        risk=("intensive_monitoring",),
        risk_detail="Lithium level every 3 months",
        medications=(MedicationEvidence("lithium", "continued"),),
    )
    assert _check(both, "risk").met


def test_em_2_data_claimed_needs_what_was_reviewed_named():
    claimed = NoteEvidence(data=DataItems(notes_reviewed=2, independent_historian=True))
    check = _check(claimed, "data")
    assert check.claimed == "2 external note(s) reviewed, an independent historian"
    assert not check.met
    assert _check(NoteEvidence(data=DataItems(tests_ordered=1), data_detail="TSH"), "data").met


def test_em_2_problems_need_a_diagnosis_and_a_plan():
    no_plan = NoteEvidence(problems=("chronic_exacerbation",), diagnoses=1)
    assert not _check(no_plan, "problems").met
    documented = NoteEvidence(problems=("chronic_exacerbation",), diagnoses=1, plan="Adjust.")
    assert _check(documented, "problems").met


def test_em_2_minimal_risk_needs_nothing_written():
    assert documentation_checks(NoteEvidence(risk=("minimal",))) == ()


def test_em_2_social_determinants_are_moderate_risk_and_need_the_how():
    from coding.engine.mdm import RISK_ITEMS, risk_level

    assert RISK_ITEMS["social_determinants"][0] == "moderate"
    assert risk_level(["social_determinants"]) == "moderate"
    check = _check(NoteEvidence(risk=("social_determinants",)), "risk")
    assert not check.met
    assert "housing" in check.needs
    written = NoteEvidence(risk=("social_determinants",), risk_detail="no bus to the lab")
    assert _check(written, "risk").met


def test_em_2_intensive_monitoring_is_for_adverse_effects_by_lab_test_or_imaging():
    check = _check(NoteEvidence(risk=("intensive_monitoring",)), "risk")
    assert "adverse effects" in check.needs
    assert "not by history or exam" in check.needs
    assert "quarterly" in check.needs
