"""IC: interactive complexity 90785."""

from __future__ import annotations

import pytest

from coding.engine.rules.ic_interactive import rule_ic_2
from tests.coding.engine.builders import codes, em, rules, run, therapy


@pytest.mark.parametrize(
    ("overrides", "primary"),
    [
        ({"psychotherapy": therapy(minutes=20), "clinician": "LCSW"}, "90832"),
        ({"psychotherapy": therapy(minutes=20), "em": em(10, "low")}, "90833"),
        ({"diagnostic_evaluation": "without_medical"}, "90791"),
        ({"diagnostic_evaluation": "with_medical"}, "90792"),
        ({"psychotherapy": therapy("group", 60)}, "90853"),
    ],
)
def test_ic_1_added_once_to_eligible_codes(overrides: dict[str, object], primary: str) -> None:
    proposal = run(interactive_complexity=True, **overrides)
    assert primary in [c for c, _ in codes(proposal)]
    assert [c for c, _ in codes(proposal)].count("90785") == 1
    assert proposal.lines[-1].code == "90785"


def test_ic_1_not_added_without_documentation() -> None:
    assert codes(run(psychotherapy=therapy(minutes=40))) == [("90834", 1)]


def test_ic_1_nothing_to_add_to() -> None:
    proposal = run(interactive_complexity=True, psychotherapy=therapy(minutes=5), clinician="LPC")
    assert codes(proposal) == []
    assert "IC-1" in rules(proposal, "warning")


def test_ic_1_also_on_psychotherapy_only_alternative() -> None:
    proposal = run(interactive_complexity=True, psychotherapy=therapy(minutes=40), em=em(10, "low"))
    alternatives = [[ln.code for ln in alt.lines] for alt in proposal.alternatives]
    assert ["90834", "90785"] in alternatives
    assert ["99213"] in alternatives  # E/M alone: no 90785


@pytest.mark.parametrize(
    "overrides",
    [
        {"psychotherapy": therapy("crisis", 60)},
        {"psychotherapy": therapy("family_with_patient", 50)},
        {"psychotherapy": therapy("family_without_patient", 50)},
        {"em": em(30, "moderate")},
    ],
)
def test_ic_2_never_with_crisis_family_or_bare_em(overrides: dict[str, object]) -> None:
    proposal = run(interactive_complexity=True, **overrides)
    assert "90785" not in [c for c, _ in codes(proposal)]
    assert "IC-2" in rules(proposal, "warning")


def test_ic_2_not_with_90863_alone_but_with_90832_and_90863() -> None:
    assert rule_ic_2({"90863"}).messages[0].rule == "IC-2"
    proposal = run(
        clinician="RxP",
        interactive_complexity=True,
        pharmacologic_management=True,
        psychotherapy=therapy(minutes=20),
    )
    assert sorted(c for c, _ in codes(proposal)) == ["90785", "90832", "90863"]
