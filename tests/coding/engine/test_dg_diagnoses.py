"""DG: diagnosis checks of claim lines, with the ICD-10-CM code set injected."""

from __future__ import annotations

from coding.engine import load_default_payer_profiles
from coding.engine.rules.dg_diagnoses import (
    ClaimLine,
    dg_check_claim_lines,
    rule_dg_1,
    rule_dg_2,
    rule_dg_3,
)

LEAVES = {"F32.9", "F41.1", "Z63.0", "E11.9"}
PAYER = load_default_payer_profiles()["commercial"]


def is_billable(code: str) -> bool:
    return code in LEAVES


def _rules(result: object) -> list[str]:
    return [m.rule for m in result.messages]  # type: ignore[attr-defined]


def test_dg_1_each_line_points_to_a_diagnosis() -> None:
    result = rule_dg_1([ClaimLine("90834", ())], ["F32.9"])
    assert _rules(result) == ["DG-1"]


def test_dg_1_at_most_four_pointers_and_twelve_diagnoses() -> None:
    assert _rules(rule_dg_1([ClaimLine("99214", (1, 2, 3, 4, 5))], ["F32.9"] * 5)) == ["DG-1"]
    assert "DG-1" in _rules(rule_dg_1([ClaimLine("99214", (1,))], ["F32.9"] * 13))
    assert _rules(rule_dg_1([ClaimLine("99214", (1, 2, 3, 4))], ["F32.9"] * 4)) == []


def test_dg_1_pointer_out_of_range() -> None:
    assert _rules(rule_dg_1([ClaimLine("99214", (2,))], ["F32.9"])) == ["DG-1"]


def test_dg_1_a_line_points_to_each_diagnosis_once() -> None:
    assert _rules(rule_dg_1([ClaimLine("99214", (1, 1))], ["F32.9", "F41.1"])) == ["DG-1"]
    assert _rules(rule_dg_1([ClaimLine("99214", (1, 2))], ["F32.9", "F41.1"])) == []


def test_dg_2_only_billable_leaf_codes() -> None:
    assert _rules(rule_dg_2(["F32.9"], is_billable)) == []
    assert _rules(rule_dg_2(["F32"], is_billable)) == ["DG-2"]


def test_dg_3_psychotherapy_needs_chapter_f_or_accepted_z() -> None:
    lines = [ClaimLine("90834", (1,))]
    assert _rules(rule_dg_3(lines, ["E11.9"], PAYER)) == ["DG-3"]
    assert _rules(rule_dg_3(lines, ["F41.1"], PAYER)) == []
    assert _rules(rule_dg_3(lines, ["Z63.0"], PAYER)) == ["DG-3"]
    accepting = PAYER.__class__.from_dict({**PAYER.to_dict(), "accepted_z_codes": ["Z63"]})
    assert _rules(rule_dg_3(lines, ["Z63.0"], accepting)) == []


def test_dg_3_em_lines_may_point_to_other_chapters() -> None:
    assert _rules(rule_dg_3([ClaimLine("99214", (1,))], ["E11.9"], PAYER)) == []


def test_dg_check_claim_lines_combines_all() -> None:
    clean = dg_check_claim_lines(
        [ClaimLine("99214", (1, 2)), ClaimLine("90833", (1,))],
        ["F32.9", "E11.9"],
        PAYER,
        is_billable,
    )
    assert clean.messages == ()
    bad = dg_check_claim_lines([ClaimLine("90833", ())], ["F32"], PAYER, is_billable)
    assert set(_rules(bad)) == {"DG-1", "DG-2", "DG-3"}


def test_dg_1_no_diagnoses_at_all_is_one_error_not_a_pointer_error() -> None:
    for diagnoses in ([], [""], ["  "]):
        result = rule_dg_1([ClaimLine("90834", (1,)), ClaimLine("99214", (1, 2))], diagnoses)
        assert [m.text for m in result.messages] == ["the claim has no diagnosis"]
        assert not any("match no diagnosis" in m.text for m in result.messages)
