"""BA: 96127 brief emotional or behavioural assessments (engine 2)."""

from __future__ import annotations

import dataclasses

from coding.engine import load_default_payer_profiles
from tests.coding.engine.builders import codes, em, rules, run, texts, therapy

COMMERCIAL = load_default_payer_profiles()["commercial"]
MEDICARE = load_default_payer_profiles()["medicare"]


def test_ba_1_one_unit_per_instrument_beside_psychotherapy() -> None:
    proposal = run(psychotherapy=therapy(minutes=45), brief_assessments=2)
    assert codes(proposal) == [("90834", 1), ("96127", 2)]
    assert "BA-1" in rules(proposal, "info")


def test_ba_1_alone_is_billable() -> None:
    proposal = run(clinician="LCSW", brief_assessments=1)
    assert codes(proposal) == [("96127", 1)]
    assert "CB-7" not in rules(proposal)


def test_ba_1_never_counted_in_em_time_nor_given_a_telehealth_modifier() -> None:
    proposal = run(
        setting="video", patient_at_home=True, em=em(19, None), brief_assessments=3
    )  # 19 min stays 99212 (20 needed for 99213): the instruments add no E/M time
    assert [(ln.code, ln.modifiers) for ln in proposal.lines] == [
        ("99212", ("95",)),
        ("96127", ()),
    ]
    audio = run(setting="audio", patient_at_home=True, em=em(19, None), brief_assessments=1)
    assert [(ln.code, ln.modifiers) for ln in audio.lines] == [("99212", ("93",)), ("96127", ())]


def test_ba_1_telehealth_modifier_when_the_payer_says_so() -> None:
    payer = dataclasses.replace(COMMERCIAL, brief_assessment_telehealth_modifier=True)
    proposal = run(payer, setting="video", brief_assessments=1)
    assert [(ln.code, ln.modifiers) for ln in proposal.lines] == [("96127", ("95",))]


def test_ba_2_units_above_the_payer_maximum_are_left_out_and_counted() -> None:
    proposal = run(em=em(25, "moderate"), brief_assessments=5)
    assert ("96127", 3) in codes(proposal)
    (text,) = texts(proposal, "BA-2")
    assert "2 left out" in text
    assert "BA-2" in rules(proposal, "warning")


def test_ba_2_a_payer_maximum_of_zero_proposes_no_96127() -> None:
    payer = dataclasses.replace(COMMERCIAL, brief_assessment_max_units=0)
    proposal = run(payer, psychotherapy=therapy(minutes=45), brief_assessments=2)
    assert codes(proposal) == [("90834", 1)]
    assert "2 left out" in texts(proposal, "BA-2")[0]


def test_ba_3_modifier_25_on_the_em_by_payer_data_then_vc_2() -> None:
    payer = dataclasses.replace(MEDICARE, modifier_25_with_96127=True)
    proposal = run(
        payer, payer="medicare", em=em(25, "moderate"), brief_assessments=1, longitudinal_care=True
    )
    assert [(ln.code, ln.modifiers) for ln in proposal.lines] == [
        ("99214", ("25",)),
        ("96127", ()),
    ]
    assert {"BA-3", "VC-2"} <= rules(proposal)


def test_ba_3_no_modifier_25_by_default() -> None:
    proposal = run(em=em(25, "moderate"), brief_assessments=1)
    assert all(not ln.modifiers for ln in proposal.lines)
