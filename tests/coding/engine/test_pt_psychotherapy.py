"""PT: individual psychotherapy time."""

from __future__ import annotations

import pytest

from coding.engine.rules.pt_psychotherapy import psychotherapy_code, rule_pt_2
from tests.coding.engine.builders import codes, em, rules, run, texts, therapy


@pytest.mark.parametrize(
    ("minutes", "alone", "addon"),
    [
        (0, None, None),
        (15, None, None),
        (16, "90832", "90833"),
        (37, "90832", "90833"),
        (38, "90834", "90836"),
        (52, "90834", "90836"),
        (53, "90837", "90838"),
        (180, "90837", "90838"),
    ],
)
def test_pt_1_table_boundaries(minutes: int, alone: str | None, addon: str | None) -> None:
    assert psychotherapy_code(minutes, with_em=False) == alone
    assert psychotherapy_code(minutes, with_em=True) == addon


def test_pt_1_psychotherapy_alone_by_its_minutes() -> None:
    proposal = run(psychotherapy=therapy(minutes=45))
    assert codes(proposal) == [("90834", 1)]
    assert proposal.lines[0].rules[0] == "PT-1"


def test_pt_2_fifteen_minutes_reports_nothing_and_says_minutes() -> None:
    proposal = run(psychotherapy=therapy(minutes=15), clinician="LCSW")
    assert codes(proposal) == []
    (text,) = texts(proposal, "PT-2")
    assert "psychotherapy 15 min" in text
    assert "16 min needed for 90832" in text


def test_pt_2_with_billable_em_names_the_add_on() -> None:
    proposal = run(psychotherapy=therapy(minutes=14), em=em(20, "low"))
    assert codes(proposal) == [("99213", 1)]
    (text,) = texts(proposal, "PT-2")
    assert text.startswith("psychotherapy 14 min: 16 min needed for 90833")


def test_pt_2_never_advises_adding_time() -> None:
    text = rule_pt_2(10, with_em=False).messages[0].text
    assert "add" not in text.lower()


def test_pt_3_psychotherapy_minutes_never_count_toward_em_time() -> None:
    # 9 min E/M + 15 min psychotherapy: the 15 never make E/M time reach 99212.
    proposal = run(psychotherapy=therapy(minutes=15), em=em(9))
    assert codes(proposal) == []
    assert "PT-3" in rules(proposal)


def test_pt_3_em_minutes_never_count_toward_psychotherapy() -> None:
    proposal = run(psychotherapy=therapy(minutes=30), em=em(30, "moderate"))
    assert codes(proposal) == [("99214", 1), ("90833", 1)]


def test_pt_4_time_based_line_asks_for_block_times() -> None:
    proposal = run(psychotherapy=therapy(minutes=40), setting="video", patient_at_home=True)
    assert any("start and stop times" in t for t in texts(proposal, "PT-4"))
