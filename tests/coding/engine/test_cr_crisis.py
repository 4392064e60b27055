"""CR: crisis psychotherapy."""

from __future__ import annotations

import pytest

from coding.engine.rules.cr_crisis import crisis_addon_units
from tests.coding.engine.builders import codes, em, rules, run, texts, therapy


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (30, [("90839", 1)]),
        (74, [("90839", 1)]),
        (75, [("90839", 1), ("90840", 1)]),
        (104, [("90839", 1), ("90840", 1)]),
        (105, [("90839", 1), ("90840", 2)]),
        (134, [("90839", 1), ("90840", 2)]),
        (135, [("90839", 1), ("90840", 3)]),
    ],
)
def test_cr_1_crisis_codes_by_minutes(minutes: int, expected: list[tuple[str, int]]) -> None:
    assert codes(run(psychotherapy=therapy("crisis", minutes))) == expected


def test_cr_1_units_formula() -> None:
    assert [crisis_addon_units(m) for m in (0, 74, 75, 104, 105)] == [0, 0, 1, 1, 2]


@pytest.mark.parametrize(("minutes", "code"), [(29, "90832"), (16, "90832"), (20, "90832")])
def test_cr_1_under_30_is_individual_psychotherapy_with_warning(minutes: int, code: str) -> None:
    proposal = run(psychotherapy=therapy("crisis", minutes))
    assert codes(proposal) == [(code, 1)]
    assert "CR-1" in rules(proposal, "warning")


def test_cr_1_under_16_nothing() -> None:
    proposal = run(psychotherapy=therapy("crisis", 12), clinician="LCSW")
    assert codes(proposal) == []
    assert {"CR-1", "PT-2"} <= rules(proposal, "warning")


def test_cr_1_short_crisis_with_em_is_coded_as_individual_add_on() -> None:
    proposal = run(psychotherapy=therapy("crisis", 25), em=em(15, "moderate"))
    assert codes(proposal) == [("99214", 1), ("90833", 1)]


def test_cr_2_no_em_on_crisis_day_needs_coder_review() -> None:
    proposal = run(psychotherapy=therapy("crisis", 60), em=em(30, "high"))
    assert codes(proposal) == [("90839", 1)]
    assert proposal.basis == {}
    assert "CR-2" in rules(proposal, "warning")


def test_cr_2_no_90785_or_90863_with_crisis() -> None:
    proposal = run(
        clinician="RxP",
        psychotherapy=therapy("crisis", 80),
        interactive_complexity=True,
        pharmacologic_management=True,
    )
    assert codes(proposal) == [("90839", 1), ("90840", 1)]


def test_cr_1_under_30_everything_of_individual_psychotherapy_applies() -> None:
    crisis_25 = {"kind": "crisis", "minutes": 25}
    with_em = run(psychotherapy=crisis_25, em=em(10, "moderate"), interactive_complexity=True)
    assert codes(with_em) == [("99214", 1), ("90833", 1), ("90785", 1)]  # CB-1, IC-1
    rxp = run(clinician="RxP", psychotherapy=crisis_25, pharmacologic_management=True)
    assert codes(rxp) == [("90832", 1), ("90863", 1)]  # CB-4
    assert "CR-1" in rules(rxp, "warning")


def test_cr_1_no_minutes_documented_is_not_zero_min() -> None:
    (text,) = texts(run(psychotherapy={"kind": "crisis", "minutes": 0}), "CR-1")
    assert "no minutes documented" in text
    assert "crisis psychotherapy 0 min" not in text
