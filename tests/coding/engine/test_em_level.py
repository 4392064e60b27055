"""EM: credentials, MDM and time levels, basis, prolonged codes, new patients."""

from __future__ import annotations

import dataclasses

import pytest

from coding.engine import PayerProfile, PayerProfileError, load_default_payer_profiles
from coding.engine.rules.em_level import prolonged_units, time_rank
from tests.coding.engine.builders import codes, em, rules, run, texts, therapy


@pytest.mark.parametrize("clinician", ["psychologist", "RxP", "LCSW", "LPC", "LMFT"])
def test_em_1_non_em_credentials_get_no_em(clinician: str) -> None:
    proposal = run(clinician=clinician, em=em(30, "moderate"))
    assert not any(line.code.startswith("992") for line in proposal.lines)
    assert "EM-1" in rules(proposal, "warning")


def test_em_1_credentials_come_from_payer_data() -> None:
    base = load_default_payer_profiles()["commercial"]
    payer = base.__class__.from_dict({**base.to_dict(), "em_credentials": ["MD", "RxP"]})
    assert codes(run(payer, clinician="RxP", em=em(30, "moderate"))) == [("99214", 1)]


@pytest.mark.parametrize("clinician", ["LCSW", "LPC", "LMFT"])
def test_em_1_profile_data_cannot_let_a_non_physician_licence_bill_em(clinician: str) -> None:
    base = load_default_payer_profiles()["commercial"]
    data = {**base.to_dict(), "em_credentials": ["MD", clinician]}
    with pytest.raises(PayerProfileError) as caught:
        PayerProfile.from_dict(data)
    assert caught.value.field == "em_credentials"
    assert caught.value.message == (
        f"{clinician} cannot bill E/M under any payer: a licence-scope limit (EM-1)"
    )


def test_em_1_lcsw_gets_no_em_even_from_a_profile_that_lists_it() -> None:
    # The reported case: LCSW added to the E/M list, the panel proposed 99214 + 90833.
    base = load_default_payer_profiles()["commercial"]
    payer = dataclasses.replace(base, em_credentials=base.em_credentials | {"LCSW"})
    proposal = run(
        payer, clinician="LCSW", psychotherapy=therapy(minutes=30), em=em(20, "moderate")
    )
    assert codes(proposal) == [("90832", 1)]
    assert proposal.alternatives == ()
    (text,) = texts(proposal, "EM-1")
    assert "LCSW cannot bill E/M under any payer: a licence-scope limit (EM-1)" in text


@pytest.mark.parametrize("clinician", ["psychologist", "RxP"])
def test_em_1_psychologist_or_rxp_in_the_em_list_is_the_payers_word_on_state_law(
    clinician: str,
) -> None:
    base = load_default_payer_profiles()["commercial"]
    payer = PayerProfile.from_dict({**base.to_dict(), "em_credentials": ["MD", clinician]})
    assert codes(run(payer, clinician=clinician, em=em(30, "moderate"))) == [("99214", 1)]
    assert codes(run(clinician=clinician, em=em(30, "moderate"))) == []


def test_em_1_payer_data_may_narrow_the_em_list() -> None:
    base = load_default_payer_profiles()["commercial"]
    payer = PayerProfile.from_dict({**base.to_dict(), "em_credentials": ["MD"]})
    assert codes(run(payer, clinician="MD", em=em(30, "moderate"))) == [("99214", 1)]
    proposal = run(payer, clinician="NP", em=em(30, "moderate"))
    assert codes(proposal) == []
    assert "EM-1" in rules(proposal, "warning")


@pytest.mark.parametrize(
    ("levels", "code"),
    [
        (("minimal", "minimal", "minimal"), "99212"),
        (("high", "minimal", "minimal"), "99212"),
        (("high", "low", "minimal"), "99213"),
        (("moderate", "minimal", "moderate"), "99214"),
        (("high", "moderate", "low"), "99214"),
        (("high", "high", "minimal"), "99215"),
    ],
)
def test_em_2_mdm_is_middle_value(levels: tuple[str, str, str], code: str) -> None:
    assert codes(run(em=em(0, levels))) == [(code, 1)]


def test_em_2_new_and_established_share_the_table() -> None:
    assert codes(run(patient_status="new", em=em(0, "high"))) == [("99205", 1)]


@pytest.mark.parametrize(
    ("status", "minutes", "rank"),
    [
        ("new", 14, None),
        ("new", 15, 0),
        ("new", 29, 0),
        ("new", 30, 1),
        ("new", 45, 2),
        ("new", 59, 2),
        ("new", 60, 3),
        ("established", 9, None),
        ("established", 10, 0),
        ("established", 20, 1),
        ("established", 29, 1),
        ("established", 30, 2),
        ("established", 40, 3),
    ],
)
def test_em_3_time_thresholds_met_or_exceeded(status: str, minutes: int, rank: int | None) -> None:
    assert time_rank(minutes, status) == rank  # type: ignore[arg-type]


def test_em_3_em_alone_by_time() -> None:
    proposal = run(em=em(31))
    assert codes(proposal) == [("99214", 1)]
    assert proposal.basis == {"em": "time"}


def test_em_4_with_add_on_mdm_only_even_when_time_is_higher() -> None:
    proposal = run(psychotherapy=therapy(minutes=20), em=em(40, "low"))
    assert codes(proposal) == [("99213", 1), ("90833", 1)]
    assert proposal.basis == {"em": "mdm"}


def test_em_4_without_add_on_higher_of_mdm_and_time() -> None:
    assert run(em=em(30, "low")).basis == {"em": "time"}
    assert codes(run(em=em(30, "low"))) == [("99214", 1)]
    assert run(em=em(10, "high")).basis == {"em": "mdm"}


def test_em_4_tie_prefers_mdm() -> None:
    proposal = run(em=em(20, "low"))
    assert codes(proposal) == [("99213", 1)]
    assert proposal.basis == {"em": "mdm"}


def test_em_4_tie_at_top_with_prolonged_time_uses_time() -> None:
    proposal = run(em=em(55, "high"))
    assert codes(proposal) == [("99215", 1), ("99417", 1)]
    assert proposal.basis == {"em": "time"}


def test_em_4_explanation_names_basis() -> None:
    assert any("by time" in t for t in texts(run(em=em(25)), "EM-4"))


def test_em_5_nothing_when_neither_reaches_lowest() -> None:
    proposal = run(em=em(9))
    assert codes(proposal) == []
    assert "EM-5" in rules(proposal, "warning")
    assert "CB-7" in rules(proposal, "error")


def test_em_5_never_99211() -> None:
    for minutes in range(0, 12):
        assert "99211" not in {c for c, _ in codes(run(em=em(minutes)))}


@pytest.mark.parametrize(
    ("status", "payer", "minutes", "expected"),
    [
        ("established", "commercial", 54, [("99215", 1)]),
        ("established", "commercial", 55, [("99215", 1), ("99417", 1)]),
        ("established", "commercial", 69, [("99215", 1), ("99417", 1)]),
        ("established", "commercial", 70, [("99215", 1), ("99417", 2)]),
        ("new", "medicaid", 74, [("99205", 1)]),
        ("new", "medicaid", 75, [("99205", 1), ("99417", 1)]),
        ("new", "medicaid", 90, [("99205", 1), ("99417", 2)]),
        ("established", "medicare", 68, [("99215", 1)]),
        ("established", "medicare", 69, [("99215", 1), ("G2212", 1)]),
        ("established", "medicare", 84, [("99215", 1), ("G2212", 2)]),
        ("new", "medicare", 88, [("99205", 1)]),
        ("new", "medicare", 89, [("99205", 1), ("G2212", 1)]),
    ],
)
def test_em_6_prolonged_code_and_units_by_payer(
    status: str, payer: str, minutes: int, expected: list[tuple[str, int]]
) -> None:
    assert codes(run(patient_status=status, payer=payer, em=em(minutes))) == expected


def test_em_6_no_prolonged_with_psychotherapy_add_on() -> None:
    proposal = run(psychotherapy=therapy(minutes=30), em=em(80, "high"))
    assert codes(proposal) == [("99215", 1), ("90833", 1)]


def test_em_6_no_prolonged_when_level_is_by_mdm_only() -> None:
    # 99215 by MDM, only 35 min: time does not reach 99215, so no prolonged unit.
    assert codes(run(em=em(35, "high"))) == [("99215", 1)]


def test_em_6_units_formula() -> None:
    assert prolonged_units(54, "established", "99417") == 0
    assert prolonged_units(84, "established", "99417") == 2
    assert prolonged_units(85, "established", "99417") == 3


def test_em_6_payer_without_prolonged_code() -> None:
    base = load_default_payer_profiles()["commercial"]
    payer = base.__class__.from_dict({**base.to_dict(), "prolonged_code": None})
    proposal = run(payer, em=em(80))
    assert codes(proposal) == [("99215", 1)]
    assert "EM-6" in rules(proposal)


def test_em_7_new_patient_code_explained() -> None:
    proposal = run(patient_status="new", em=em(0, "moderate"))
    assert codes(proposal) == [("99204", 1)]
    assert "EM-7" in rules(proposal)
    assert "EM-7" not in rules(run(em=em(0, "moderate")))


def test_em_3_total_time_adds_other_em_minutes_of_the_date() -> None:
    with_other = {"minutes": 20, "mdm": None, "other_minutes": 12}
    proposal = run(em=with_other)
    assert codes(proposal) == [("99214", 1)]
    assert proposal.basis == {"em": "time"}
    assert any("32 min (20 with the patient + 12 other)" in t for t in texts(proposal, "EM-3"))


def test_em_3_other_minutes_never_lift_an_em_beside_an_add_on() -> None:
    visit = {"minutes": 10, "mdm": {"problems": "low", "data": "minimal", "risk": "low"}}
    proposal = run(psychotherapy=therapy(minutes=40), em={**visit, "other_minutes": 30})
    assert codes(proposal) == [("99213", 1), ("90836", 1)]


def test_em_3_other_minutes_alone_can_reach_a_level() -> None:
    assert codes(run(em={"minutes": 0, "mdm": None, "other_minutes": 10})) == [("99212", 1)]


def test_em_5_no_minutes_documented_is_not_zero_min() -> None:
    proposal = run(em=em(0, None))
    (text,) = texts(proposal, "EM-5")
    assert "0 min" not in text.replace("10 min", "")
    assert "no E/M minutes documented" in text


def test_em_6_prolonged_counts_total_time_of_the_date() -> None:
    # established, commercial (99417 from 55 min): 45 face to face + 25 other = 70 min
    proposal = run(em={"minutes": 45, "mdm": None, "other_minutes": 25})
    assert codes(proposal) == [("99215", 1), ("99417", 2)]
    medicare = run(payer="medicare", em={"minutes": 45, "mdm": None, "other_minutes": 24})
    assert codes(medicare) == [("99215", 1), ("G2212", 1)]
