"""Proposal.to_dict() is exactly the README JSON; to_display_dict() adds what the UI shows."""

from __future__ import annotations

import json

from coding.engine import ENGINE_VERSION
from coding.engine.proposal import error_proposal
from tests.coding.engine.builders import em, run, therapy


def test_to_dict_has_exactly_the_contract_keys() -> None:
    d = run(psychotherapy=therapy(minutes=30), em=em(10, "moderate"), setting="video").to_dict()
    assert list(d) == ["id", "lines", "place_of_service", "basis", "alternatives", "messages"]
    assert d["basis"] == {"em": "mdm"}
    assert d["lines"] == [
        {"code": "99214", "units": 1, "modifiers": ["95"]},
        {"code": "90833", "units": 1, "modifiers": ["95"]},
    ]
    for alternative in d["alternatives"]:
        assert set(alternative) == {"lines", "why"}
    for message in d["messages"]:
        assert set(message) == {"level", "rule", "text"}
    assert json.loads(json.dumps(d)) == d


def test_to_dict_basis_empty_without_em() -> None:
    assert run(psychotherapy=therapy(minutes=30)).to_dict()["basis"] == {}


def test_error_key_only_with_an_error() -> None:
    assert "error" not in run().to_dict()  # nothing billable is a CB-7 message, not an input error
    failed = error_proposal("x", "payer", "unknown").to_dict()
    assert failed["error"] == "payer: unknown"
    assert failed["lines"] == []


def test_display_dict_carries_rules_labels_em_levels_and_version() -> None:
    d = run(em=em(45, "low")).to_display_dict()
    assert d["lines"][0]["rules"] == ["EM-3", "EM-4", "CB-2"]
    assert d["lines"][0]["label"]
    assert d["em"] == {
        "code": "99215",
        "basis": "time",
        "mdm_code": "99213",
        "time_code": "99215",
        "minutes": 45,
        "time_allowed": True,
    }
    assert d["engine_version"] == ENGINE_VERSION
    json.dumps(d)


def test_same_facts_same_proposal() -> None:
    a = run(psychotherapy=therapy(minutes=40), em=em(12, "high"))
    b = run(psychotherapy=therapy(minutes=40), em=em(12, "high"))
    assert a == b
