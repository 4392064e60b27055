"""FG: family and group psychotherapy."""

from __future__ import annotations

import pytest

from tests.coding.engine.builders import codes, em, rules, run, therapy


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


def test_fg_1_family_with_em_proposes_both_with_review_warning() -> None:
    proposal = run(psychotherapy=therapy("family_with_patient", 30), em=em(20, "moderate"))
    assert codes(proposal) == [("99214", 1), ("90847", 1)]
    assert "FG-1" in rules(proposal, "warning")


@pytest.mark.parametrize("minutes", [0, 5, 45, 120])
def test_fg_2_group_any_minutes(minutes: int) -> None:
    assert codes(run(clinician="LPC", psychotherapy=therapy("group", minutes))) == [("90853", 1)]


def test_fg_2_group_with_em_proposes_both() -> None:
    proposal = run(psychotherapy=therapy("group", 60), em=em(0, "low"))
    assert codes(proposal) == [("99213", 1), ("90853", 1)]
    assert "FG-2" in rules(proposal, "warning")
