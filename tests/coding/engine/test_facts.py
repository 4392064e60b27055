"""facts_from_dict: the one parser; its errors name the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coding.engine import EmBlock, FactsError, PsychotherapyBlock, facts_from_dict

BASE = {"id": "a", "patient_status": "new", "clinician": "NP", "payer": "medicaid"}


def test_minimal_facts_take_empty_values() -> None:
    facts = facts_from_dict(BASE)
    assert facts.setting == "in_person"
    assert facts.patient_at_home is False
    assert facts.psychotherapy is None
    assert facts.em is None
    assert facts.pharmacologic_management is False
    assert facts.interactive_complexity is False
    assert facts.diagnostic_evaluation is None
    assert facts.date_of_service is None


def test_nested_blocks_and_extra_keys() -> None:
    facts = facts_from_dict(
        {
            **BASE,
            "psychotherapy": {"kind": "group", "minutes": 60},
            "em": {"minutes": 20, "mdm": None},
            "expected": {"lines": []},
            "date_of_service": "2026-03-02",
        }
    )
    assert facts.psychotherapy == PsychotherapyBlock("group", 60)
    assert facts.em == EmBlock(20, None)
    assert facts.date_of_service == dt.date(2026, 3, 2)


def test_int_valued_float_minutes_are_accepted() -> None:
    facts = facts_from_dict({**BASE, "psychotherapy": {"kind": "individual", "minutes": 25.0}})
    assert facts.psychotherapy is not None
    assert facts.psychotherapy.minutes == 25


def test_round_trip() -> None:
    d = {
        **BASE,
        "setting": "video",
        "patient_at_home": True,
        "psychotherapy": {"kind": "crisis", "minutes": 80},
        "em": {"minutes": 5, "mdm": {"problems": "low", "data": "high", "risk": "minimal"}},
        "pharmacologic_management": True,
        "interactive_complexity": False,
        "diagnostic_evaluation": None,
        "date_of_service": "2027-01-31",
    }
    facts = facts_from_dict(d)
    assert facts_from_dict(facts.to_dict()) == facts


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": None}, "id"),
        ({"id": 7.5}, "id"),
        ({"id": True}, "id"),
        ({"patient_status": None}, "patient_status"),
        ({"patient_status": "returning"}, "patient_status"),
        ({"clinician": "RN"}, "clinician"),
        ({"payer": ""}, "payer"),
        ({"setting": "phone"}, "setting"),
        ({"patient_at_home": 1}, "patient_at_home"),
        ({"pharmacologic_management": "true"}, "pharmacologic_management"),
        ({"interactive_complexity": 0}, "interactive_complexity"),
        ({"psychotherapy": {"kind": "couples", "minutes": 30}}, "psychotherapy.kind"),
        ({"psychotherapy": {"minutes": 30}}, "psychotherapy.kind"),
        ({"psychotherapy": {"kind": "individual", "minutes": -1}}, "psychotherapy.minutes"),
        ({"psychotherapy": {"kind": "individual", "minutes": 25.5}}, "psychotherapy.minutes"),
        ({"psychotherapy": {"kind": "individual", "minutes": True}}, "psychotherapy.minutes"),
        ({"psychotherapy": {"kind": "individual", "minutes": "30"}}, "psychotherapy.minutes"),
        ({"psychotherapy": {"kind": "individual", "minutes": 5000}}, "psychotherapy.minutes"),
        ({"psychotherapy": [30]}, "psychotherapy"),
        ({"em": {"minutes": -5}}, "em.minutes"),
        ({"em": "yes"}, "em"),
        ({"em": {"minutes": 5, "mdm": {"problems": "low", "data": "low"}}}, "em.mdm.risk"),
        (
            {"em": {"minutes": 5, "mdm": {"problems": "severe", "data": "low", "risk": "low"}}},
            "em.mdm.problems",
        ),
        ({"diagnostic_evaluation": "full"}, "diagnostic_evaluation"),
        ({"date_of_service": "03/02/2026"}, "date_of_service"),
    ],
)
def test_bad_facts_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(FactsError) as caught:
        facts_from_dict({**BASE, **change})
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_facts_must_be_an_object() -> None:
    with pytest.raises(FactsError) as caught:
        facts_from_dict(["id"])
    assert caught.value.field == "facts"


def test_engine_2_fields_take_empty_values() -> None:
    facts = facts_from_dict(BASE)
    assert facts.longitudinal_care is False
    assert facts.brief_assessments == 0
    assert facts.injections == ()
    facts = facts_from_dict({**BASE, "em": {"minutes": 5, "mdm": None}})
    assert facts.em is not None
    assert facts.em.other_minutes == 0


def test_engine_2_fields_are_read_and_round_trip() -> None:
    from decimal import Decimal

    d = {
        **BASE,
        "em": {"minutes": 15, "mdm": None, "other_minutes": 12},
        "longitudinal_care": True,
        "brief_assessments": 3,
        "injections": [
            {"drug": "j2794", "dose_mg": 37.5},
            {"drug": "J0401", "dose_mg": 300, "container_mg": 400, "supplied_by_practice": False},
            {
                "drug": "J2426",
                "dose_mg": 156,
                "ndc": "50458-0561-01",
                "ndc_quantity": 1.5,
                "ndc_unit": "ML",
            },
        ],
    }
    facts = facts_from_dict(d)
    assert facts.em is not None
    assert facts.em.total_minutes == 27
    first, second, third = facts.injections
    assert (first.drug, first.dose_mg, first.container_mg) == (
        "J2794",
        Decimal("37.5"),
        Decimal("37.5"),
    )
    assert first.supplied_by_practice is True
    assert (second.container_mg, second.supplied_by_practice) == (Decimal(400), False)
    assert third.ndc is not None
    assert (third.ndc.code, third.ndc.quantity, third.ndc.unit) == (
        "50458056101",
        Decimal("1.5"),
        "ML",
    )
    assert facts_from_dict(facts.to_dict()) == facts


def test_numeric_id_is_kept_as_given() -> None:
    assert facts_from_dict({**BASE, "id": 7}).id == 7


def test_missing_mdm_element_says_required_not_got_none() -> None:
    with pytest.raises(FactsError) as caught:
        facts_from_dict({**BASE, "em": {"minutes": 5, "mdm": {"problems": "low", "data": "low"}}})
    assert caught.value.field == "em.mdm.risk"
    assert "None" not in str(caught.value)
    assert "is required" in str(caught.value)
    assert caught.value.rule == "EM-2"


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"em": {"minutes": 5, "other_minutes": -1}}, "em.other_minutes", "EM-3"),
        ({"longitudinal_care": "yes"}, "longitudinal_care", "VC-1"),
        ({"brief_assessments": 2.5}, "brief_assessments", "BA-1"),
        ({"brief_assessments": 51}, "brief_assessments", "BA-1"),
        ({"brief_assessments": True}, "brief_assessments", "BA-1"),
        ({"injections": {"drug": "J0401"}}, "injections", "INJ-1"),
        ({"injections": ["J0401"]}, "injections[0]", "INJ-1"),
        ({"injections": [{"dose_mg": 300}]}, "injections[0].drug", "INJ-1"),
        ({"injections": [{"drug": "J0401"}]}, "injections[0].dose_mg", "INJ-1"),
        ({"injections": [{"drug": "J0401", "dose_mg": 0}]}, "injections[0].dose_mg", "INJ-1"),
        ({"injections": [{"drug": "J0401", "dose_mg": "300"}]}, "injections[0].dose_mg", "INJ-1"),
        (
            {"injections": [{"drug": "J0401", "dose_mg": 300, "container_mg": -4}]},
            "injections[0].container_mg",
            "INJ-3",
        ),
        (
            {"injections": [{"drug": "J0401", "dose_mg": 300, "supplied_by_practice": 1}]},
            "injections[0].supplied_by_practice",
            "INJ-1",
        ),
        (
            {"injections": [{"drug": "J0401", "dose_mg": 300, "ndc": "123"}]},
            "injections[0].ndc",
            "INJ-4",
        ),
        (
            {"injections": [{"drug": "J0401", "dose_mg": 300, "ndc": "50458056101"}]},
            "injections[0].ndc_quantity",
            "INJ-4",
        ),
        ({"clinician": "RN"}, "clinician", "EM-1"),
        ({"id": None}, "id", None),
    ],
)
def test_engine_2_input_errors_carry_field_and_rule(
    change: dict[str, Any], field: str, rule: str | None
) -> None:
    with pytest.raises(FactsError) as caught:
        facts_from_dict({**BASE, **change})
    assert caught.value.field == field
    assert caught.value.rule == rule
    assert "got None" not in str(caught.value)
