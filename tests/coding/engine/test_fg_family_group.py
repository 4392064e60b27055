"""FG: family and group psychotherapy."""

from __future__ import annotations

import pytest

from tests.coding.engine.builders import codes, em, rules, run, texts, therapy


@pytest.mark.parametrize(
    ("kind", "minutes", "expected"),
    [
        ("family_with_patient", 26, [("90847", 1)]),
        ("family_with_patient", 90, [("90847", 1)]),
        ("family_without_patient", 26, [("90846", 1)]),
        ("family_with_patient", 25, []),
        ("family_without_patient", 10, []),
    ],
)
def test_fg_1_family_at_26_minutes(
    kind: str, minutes: int, expected: list[tuple[str, int]]
) -> None:
    proposal = run(clinician="LMFT", psychotherapy=therapy(kind, minutes))
    assert codes(proposal) == expected
    if not expected:
        assert "FG-1" in rules(proposal, "warning")


def test_fg_3_family_with_em_proposes_both_with_review_warning() -> None:
    proposal = run(psychotherapy=therapy("family_with_patient", 30), em=em(20, "moderate"))
    assert codes(proposal) == [("99214", 1), ("90847", 1)]
    assert rules(proposal, "warning") == {"FG-3"}
    (text,) = texts(proposal, "FG-3")
    assert "separately identifiable" in text
    assert "modifier 25" in text
    assert "coder" in text


@pytest.mark.parametrize("minutes", [0, 5, 45, 120])
def test_fg_2_group_any_minutes(minutes: int) -> None:
    assert codes(run(clinician="LPC", psychotherapy=therapy("group", minutes))) == [("90853", 1)]


def test_fg_3_group_with_em_proposes_both_and_cites_fg_3() -> None:
    proposal = run(psychotherapy=therapy("group", 60), em=em(0, "low"))
    assert codes(proposal) == [("99213", 1), ("90853", 1)]
    assert rules(proposal, "warning") == {"FG-3"}


@pytest.mark.parametrize(("kind", "code"), [("group", "90853"), ("family_with_patient", "90847")])
def test_fg_3_em_beside_family_or_group_is_stand_alone_and_says_nothing_of_add_ons(
    kind: str, code: str
) -> None:
    # E/M time 45 min gives 99215 by time over MDM 99213: levelled as a stand-alone E/M.
    proposal = run(psychotherapy=therapy(kind, 50), em=em(45, "low"), pharmacologic_management=True)
    assert codes(proposal) == [("99215", 1), (code, 1)]
    assert proposal.basis == {"em": "time"}
    every_text = " ".join(m.text for m in proposal.messages)
    assert "add-on" not in every_text
    assert "90863" not in every_text
    assert "FG-3" in texts(proposal, "CB-2")[0]


def test_fg_3_em_beside_group_gets_prolonged_time() -> None:
    proposal = run(psychotherapy=therapy("group", 60), em=em(55, None), payer="commercial")
    assert codes(proposal) == [("99215", 1), ("90853", 1), ("99417", 1)]


def test_fg_2_group_without_minutes_warns() -> None:
    proposal = run(clinician="LPC", psychotherapy=therapy("group", 0))
    assert codes(proposal) == [("90853", 1)]
    (text,) = texts(proposal, "FG-2")
    assert "no minutes documented" in text
    assert "0 min" not in text
    assert "FG-2" in rules(proposal, "warning")


def test_fg_2_group_with_minutes_does_not_warn() -> None:
    proposal = run(clinician="LPC", psychotherapy=therapy("group", 45))
    assert "FG-2" not in rules(proposal, "warning")
