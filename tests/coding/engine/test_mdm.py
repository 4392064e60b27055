"""EM-2 items: problems, data and risk as clinicians tick them."""

from __future__ import annotations

import pytest

from coding.engine import PROBLEM_ITEMS, RISK_ITEMS, DataItems, Mdm, mdm_from_items, mdm_level


def test_em_2_item_keys_are_the_form_contract() -> None:
    assert set(PROBLEM_ITEMS) == {
        "minor",
        "acute_uncomplicated",
        "stable_chronic_one",
        "stable_chronic_two_plus",
        "chronic_exacerbation",
        "undiagnosed_uncertain",
        "severe_exacerbation",
        "threat_to_life",
    }
    assert set(RISK_ITEMS) == {
        "minimal",
        "otc_drugs",
        "prescription_management",
        "social_determinants",
        "intensive_monitoring",
        "hospitalization_decision",
    }
    assert PROBLEM_ITEMS["chronic_exacerbation"][0] == "moderate"
    assert RISK_ITEMS["intensive_monitoring"][0] == "high"


@pytest.mark.parametrize(
    ("problems", "level"),
    [
        ([], "minimal"),
        (["minor"], "minimal"),
        (["stable_chronic_one"], "low"),
        (["stable_chronic_one", "stable_chronic_two_plus"], "moderate"),
        (["undiagnosed_uncertain"], "moderate"),
        (["minor", "threat_to_life"], "high"),
    ],
)
def test_em_2_problems_highest_ticked(problems: list[str], level: str) -> None:
    assert mdm_from_items(problems, DataItems(), []).problems == level


@pytest.mark.parametrize(
    ("data", "level"),
    [
        (DataItems(), "minimal"),
        (DataItems(notes_reviewed=1), "minimal"),
        (DataItems(notes_reviewed=2), "low"),
        (DataItems(results_reviewed=1, tests_ordered=1), "low"),
        (DataItems(independent_historian=True), "low"),
        (DataItems(notes_reviewed=3), "moderate"),
        (DataItems(notes_reviewed=1, tests_ordered=1, independent_historian=True), "moderate"),
        (DataItems(independent_interpretation=True), "moderate"),
        (DataItems(external_discussion=True), "moderate"),
        (DataItems(independent_interpretation=True, external_discussion=True), "high"),
        (DataItems(notes_reviewed=3, external_discussion=True), "high"),
        (
            DataItems(
                notes_reviewed=2, independent_historian=True, independent_interpretation=True
            ),
            "high",
        ),
    ],
)
def test_em_2_data_levels(data: DataItems, level: str) -> None:
    assert data.level == level


@pytest.mark.parametrize(
    ("risk", "level"),
    [
        ([], "minimal"),
        (["otc_drugs"], "low"),
        (["prescription_management"], "moderate"),
        (["prescription_management", "hospitalization_decision"], "high"),
    ],
)
def test_em_2_risk_highest_ticked(risk: list[str], level: str) -> None:
    assert mdm_from_items([], DataItems(), risk).risk == level


def test_em_2_mdm_level_is_middle_value() -> None:
    assert mdm_level(Mdm("high", "minimal", "moderate")) == "moderate"
    assert mdm_level(Mdm("low", "low", "high")) == "low"


def test_em_2_unknown_items_and_negative_counts_refused() -> None:
    with pytest.raises(ValueError, match="problems"):
        mdm_from_items(["bad"], DataItems(), [])
    with pytest.raises(ValueError, match="risk"):
        mdm_from_items([], DataItems(), ["bad"])
    with pytest.raises(ValueError, match="notes_reviewed"):
        DataItems(notes_reviewed=-1)
