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
