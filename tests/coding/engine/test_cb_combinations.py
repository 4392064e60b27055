"""CB: combinations of E/M, psychotherapy and 90863 on one day."""

from __future__ import annotations

import dataclasses
import re

import pytest

from coding.engine import PayerProfile, PayerProfileError, load_default_payer_profiles
from coding.engine.codes import INDIVIDUAL_PSYCHOTHERAPY
from coding.engine.proposal import Line, Message
from coding.engine.rules.cb_combinations import rule_cb_7, rule_cb_8
from tests.coding.engine.builders import codes, em, rules, run, texts, therapy


def test_cb_1_em_by_mdm_plus_add_on() -> None:
    proposal = run(psychotherapy=therapy(minutes=40), em=em(12, "moderate"))
    assert codes(proposal) == [("99214", 1), ("90836", 1)]
    assert proposal.basis == {"em": "mdm"}
    assert "CB-1" in proposal.lines[0].rules
    assert "CB-1" in proposal.lines[1].rules


def test_cb_1_offers_psychotherapy_only_and_em_alone() -> None:
    proposal = run(psychotherapy=therapy(minutes=60), em=em(45, "low"))
    assert codes(proposal) == [("99213", 1), ("90838", 1)]
    alternatives = [[(ln.code, ln.units) for ln in alt.lines] for alt in proposal.alternatives]
    assert [("90837", 1)] in alternatives
    assert [("99215", 1)] in alternatives  # E/M alone may use its time


def test_cb_2_em_alone_when_psychotherapy_under_16() -> None:
    proposal = run(psychotherapy=therapy(minutes=10), em=em(25, "moderate"))
    assert codes(proposal) == [("99214", 1)]
    assert "CB-2" in proposal.lines[0].rules


def test_cb_2_em_alone_without_psychotherapy_has_prolonged() -> None:
    assert codes(run(em=em(70, "low"))) == [("99215", 1), ("99417", 2)]


def test_cb_3_psychotherapy_alone_without_em() -> None:
    assert codes(run(clinician="LMFT", psychotherapy=therapy(minutes=53))) == [("90837", 1)]


def test_cb_3_em_minutes_without_mdm_psychotherapy_alone_with_time_alternative() -> None:
    proposal = run(psychotherapy=therapy(minutes=30), em=em(25))
    assert codes(proposal) == [("90832", 1)]
    assert proposal.basis == {}
    assert "CB-3" in rules(proposal, "warning")
    (alternative,) = proposal.alternatives
    assert [(ln.code, ln.units) for ln in alternative.lines] == [("99213", 1)]
    assert alternative.why == "E/M by time alone, psychotherapy not reported"


def test_cb_3_no_time_alternative_when_em_time_under_lowest() -> None:
    proposal = run(psychotherapy=therapy(minutes=30), em=em(5))
    assert codes(proposal) == [("90832", 1)]
    assert proposal.alternatives == ()
    assert "CB-3" in rules(proposal, "warning")


def test_cb_4_rxp_90863_with_standalone_psychotherapy() -> None:
    proposal = run(
        clinician="RxP", psychotherapy=therapy(minutes=20), pharmacologic_management=True
    )
    assert codes(proposal) == [("90832", 1), ("90863", 1)]


def test_cb_4_no_90863_for_medicare() -> None:
    proposal = run(
        clinician="RxP",
        payer="medicare",
        psychotherapy=therapy(minutes=40),
        pharmacologic_management=True,
    )
    assert codes(proposal) == [("90834", 1)]
    assert "CB-4" in rules(proposal, "warning")


def test_cb_4_90863_never_alone_says_where_it_goes() -> None:
    proposal = run(
        clinician="RxP", psychotherapy=therapy(minutes=10), pharmacologic_management=True
    )
    assert codes(proposal) == []
    (text,) = texts(proposal, "CB-4")
    assert "goes only with individual psychotherapy 90832, 90834 or 90837" in text
    assert "never" not in text


@pytest.mark.parametrize(
    ("extra", "beside"),
    [
        ({"psychotherapy": {"kind": "family_with_patient", "minutes": 40}}, "90847"),
        ({"psychotherapy": {"kind": "group", "minutes": 60}}, "90853"),
        ({"diagnostic_evaluation": "without_medical"}, "90791"),
    ],
)
def test_cb_4_beside_family_group_or_evaluation_says_where_90863_goes(
    extra: dict[str, object], beside: str
) -> None:
    proposal = run(clinician="RxP", pharmacologic_management=True, **extra)
    assert beside in [code for code, _units in codes(proposal)]
    (text,) = texts(proposal, "CB-4")
    assert text == (
        f"90863 goes only with individual psychotherapy 90832, 90834 or 90837, not with {beside}"
    )
    assert "alone" not in text
    assert "90833" not in text


def test_cb_4_no_90863_with_em() -> None:
    # An RxP whose payer also lets RxP report E/M (state law, EM-1) bills the E/M instead.
    base = load_default_payer_profiles()["commercial"]
    payer = PayerProfile.from_dict({**base.to_dict(), "em_credentials": ["MD", "RxP"]})
    proposal = run(
        payer,
        clinician="RxP",
        psychotherapy=therapy(minutes=30),
        em=em(10, "moderate"),
        pharmacologic_management=True,
    )
    assert codes(proposal) == [("99214", 1), ("90833", 1)]
    assert "CB-4" in rules(proposal, "warning")


def test_cb_4_no_90863_with_crisis() -> None:
    proposal = run(
        clinician="RxP", psychotherapy=therapy("crisis", 45), pharmacologic_management=True
    )
    assert codes(proposal) == [("90839", 1)]
    assert "CB-4" in rules(proposal, "warning")


def test_cb_4_without_pharmacologic_management_no_90863() -> None:
    assert codes(run(clinician="RxP", psychotherapy=therapy(minutes=40))) == [("90834", 1)]


@pytest.mark.parametrize("clinician", ["MD", "DO", "NP", "PA", "CNS", "psychologist", "LCSW"])
def test_cb_4_profile_data_cannot_give_90863_to_anyone_but_rxp(clinician: str) -> None:
    base = load_default_payer_profiles()["commercial"]
    data = {**base.to_dict(), "pharm_mgmt_90863_credentials": ["RxP", clinician]}
    with pytest.raises(PayerProfileError) as caught:
        PayerProfile.from_dict(data)
    assert caught.value.field == "pharm_mgmt_90863_credentials"
    assert caught.value.message == (
        f"{clinician} cannot bill 90863 under any payer: a licence-scope limit (CB-4)"
    )


def test_cb_4_no_90863_beyond_licence_even_from_a_profile_that_lists_it() -> None:
    base = load_default_payer_profiles()["commercial"]
    payer = dataclasses.replace(base, pharm_mgmt_90863_credentials=frozenset({"RxP", "MD"}))
    proposal = run(
        payer, clinician="MD", psychotherapy=therapy(minutes=40), pharmacologic_management=True
    )
    assert codes(proposal) == [("90834", 1)]
    (text,) = texts(proposal, "CB-4")
    assert "MD cannot bill 90863 under any payer: a licence-scope limit (CB-4)" in text


def test_cb_4_payer_data_may_narrow_the_90863_list() -> None:
    base = load_default_payer_profiles()["commercial"]
    payer = PayerProfile.from_dict({**base.to_dict(), "pharm_mgmt_90863_credentials": []})
    proposal = run(
        payer, clinician="RxP", psychotherapy=therapy(minutes=40), pharmacologic_management=True
    )
    assert codes(proposal) == [("90834", 1)]
    assert "CB-4" in rules(proposal, "warning")


def test_cb_5_em_capable_with_medication_but_no_em_warns() -> None:
    proposal = run(psychotherapy=therapy(minutes=40), pharmacologic_management=True)
    assert codes(proposal) == [("90834", 1)]
    assert "CB-5" in rules(proposal, "warning")


def test_cb_5_no_warning_when_em_billed() -> None:
    proposal = run(em=em(20, "moderate"), pharmacologic_management=True)
    assert "CB-5" not in rules(proposal)


@pytest.mark.parametrize("clinician", ["psychologist", "LCSW", "LPC", "LMFT"])
def test_cb_6_non_prescriber_pharmacologic_management_is_an_error(clinician: str) -> None:
    proposal = run(
        clinician=clinician, psychotherapy=therapy(minutes=40), pharmacologic_management=True
    )
    assert codes(proposal) == [("90834", 1)]
    (message,) = [m for m in proposal.messages if m.rule == "CB-6"]
    assert message.level == "error"
    assert message.field == "pharmacologic_management"
    assert proposal.error is None


def test_cb_6_rxp_is_a_prescriber() -> None:
    proposal = run(
        clinician="RxP", psychotherapy=therapy(minutes=40), pharmacologic_management=True
    )
    assert "CB-6" not in rules(proposal)


def test_cb_7_nothing_billable_error_says_why() -> None:
    proposal = run(clinician="LCSW", psychotherapy=therapy(minutes=12))
    assert proposal.lines == ()
    (text,) = texts(proposal, "CB-7")
    assert "nothing billable" in text
    assert "12 min" in text
    assert proposal.to_dict()["lines"] == []


def test_cb_7_empty_facts() -> None:
    (text,) = texts(run(), "CB-7")
    assert "no psychotherapy, E/M or diagnostic evaluation" in text


def test_cb_7_no_error_when_lines() -> None:
    assert rule_cb_7([Line("90832")], [Message("warning", "PT-2", "x")]).messages == ()


def test_cb_8_one_individual_psychotherapy_code_per_day() -> None:
    result = rule_cb_8([Line("99214"), Line("90833"), Line("90834")])
    assert [line.code for line in result.lines] == ["99214", "90833"]
    assert result.messages[0].rule == "CB-8"
    assert result.messages[0].level == "error"


def test_cb_8_proposals_hold_one_individual_code() -> None:
    proposal = run(psychotherapy=therapy(minutes=60), em=em(20, "low"))
    individual = [ln for ln in proposal.lines if ln.code in INDIVIDUAL_PSYCHOTHERAPY]
    assert len(individual) == 1


def test_cb_3_empty_em_block_does_not_ask_to_document_mdm() -> None:
    proposal = run(psychotherapy=therapy(minutes=40), em={"minutes": 0, "mdm": None})
    assert codes(proposal) == [("90834", 1)]
    assert not any("document MDM" in t for t in texts(proposal, "CB-3"))
    assert not re.search(r"\b0 min", " ".join(m.text for m in proposal.messages))


def test_cb_3_em_time_without_mdm_still_asks_for_mdm() -> None:
    proposal = run(psychotherapy=therapy(minutes=40), em={"minutes": 15, "mdm": None})
    assert any("document MDM to report both" in t for t in texts(proposal, "CB-3"))


def test_cb_2_add_on_wording_only_where_an_add_on_could_go() -> None:
    proposal = run(em=em(25, "moderate"))
    assert texts(proposal, "CB-2") == ["99214: E/M alone, no psychotherapy add-on"]
