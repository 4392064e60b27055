"""TH: place of service and telehealth modifiers."""

from __future__ import annotations

import datetime as dt

import pytest

from coding.engine import load_default_payer_profiles
from tests.coding.engine.builders import em, rules, run, therapy

VISIT = {"psychotherapy": therapy(minutes=30), "em": em(15, "moderate")}


def test_th_1_in_person_pos_11_no_modifiers() -> None:
    proposal = run(**VISIT)
    assert proposal.place_of_service == "11"
    assert all(line.modifiers == () for line in proposal.lines)


def test_th_1_patient_at_home_ignored_in_person() -> None:
    assert run(patient_at_home=True, **VISIT).place_of_service == "11"


@pytest.mark.parametrize(("at_home", "pos"), [(True, "10"), (False, "02")])
def test_th_2_video_pos_and_payer_modifier_on_every_line(at_home: bool, pos: str) -> None:
    proposal = run(setting="video", patient_at_home=at_home, **VISIT)
    assert proposal.place_of_service == pos
    assert [line.modifiers for line in proposal.lines] == [("95",), ("95",)]
    for alternative in proposal.alternatives:
        assert all(line.modifiers == ("95",) for line in alternative.lines)


def test_th_2_medicare_video_has_no_modifier() -> None:
    proposal = run(setting="video", patient_at_home=True, payer="medicare", **VISIT)
    assert proposal.place_of_service == "10"
    assert all(line.modifiers == () for line in proposal.lines)


def test_th_2_gt_modifier_from_payer_data() -> None:
    base = load_default_payer_profiles()["commercial"]
    payer = base.__class__.from_dict({**base.to_dict(), "video_modifier": "GT"})
    proposal = run(payer, setting="video", **VISIT)
    assert all(line.modifiers == ("GT",) for line in proposal.lines)


@pytest.mark.parametrize("payer", ["medicare", "medicaid", "commercial"])
def test_th_3_audio_modifier_93_on_every_line(payer: str) -> None:
    proposal = run(setting="audio", patient_at_home=True, payer=payer, **VISIT)
    assert proposal.place_of_service == "10"
    assert all(line.modifiers == ("93",) for line in proposal.lines)
    assert len(proposal.lines) == 2


def test_th_3_audio_not_covered_is_an_error() -> None:
    base = load_default_payer_profiles()["commercial"]
    payer = base.__class__.from_dict({**base.to_dict(), "audio_only_covered": False})
    proposal = run(payer, setting="audio", patient_at_home=True, **VISIT)
    assert proposal.lines == ()
    assert proposal.alternatives == ()
    assert proposal.basis == {}
    assert "TH-3" in rules(proposal, "error")


def test_th_4_warning_on_or_after_waiver_end() -> None:
    on = run(setting="video", payer="medicare", date_of_service="2028-01-01", **VISIT)
    before = run(setting="video", payer="medicare", date_of_service="2027-12-31", **VISIT)
    undated = run(setting="video", payer="medicare", **VISIT)
    in_person = run(payer="medicare", date_of_service="2028-06-01", **VISIT)
    assert "TH-4" in rules(on, "warning")
    assert "TH-4" not in rules(before) | rules(undated) | rules(in_person)


def test_th_4_payer_without_waiver_date() -> None:
    proposal = run(
        setting="audio",
        payer="commercial",
        date_of_service=dt.date(2030, 1, 1).isoformat(),
        **VISIT,
    )
    assert "TH-4" not in rules(proposal)


def test_th_1_explains_pos_11() -> None:
    proposal = run(**VISIT)
    (message,) = [m for m in proposal.messages if m.rule == "TH-1"]
    assert message.level == "info"
    assert "in person" in message.text
    assert "11" in message.text


def test_th_3_medicare_audio_only_to_a_patient_not_at_home_is_an_error() -> None:
    proposal = run(payer="medicare", setting="audio", patient_at_home=False, **VISIT)
    assert proposal.lines == ()
    assert proposal.place_of_service == "02"
    (message,) = [m for m in proposal.messages if m.rule == "TH-3"]
    assert message.level == "error"
    assert "video" in message.text
    assert "at home" in message.text


def test_th_3_medicare_audio_only_at_home_is_billed_with_93() -> None:
    proposal = run(payer="medicare", setting="audio", patient_at_home=True, **VISIT)
    assert [(ln.code, ln.modifiers) for ln in proposal.lines] == [
        ("99214", ("93",)),
        ("90833", ("93",)),
    ]


def test_th_3_other_payers_take_audio_only_anywhere() -> None:
    proposal = run(payer="commercial", setting="audio", patient_at_home=False, **VISIT)
    assert [ln.code for ln in proposal.lines] == ["99214", "90833"]


def test_th_3_refused_visit_claims_no_g2211() -> None:
    proposal = run(
        payer="medicare", setting="audio", patient_at_home=False, longitudinal_care=True, **VISIT
    )
    assert proposal.lines == ()
    assert not [m for m in proposal.messages if m.rule.startswith("VC-")]


def test_th_2_says_which_lines_take_no_telehealth_modifier() -> None:
    proposal = run(setting="video", brief_assessments=1, **VISIT)
    (text,) = [m.text for m in proposal.messages if m.rule == "TH-2"]
    assert "every line but 96127" in text
