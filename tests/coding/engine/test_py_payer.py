"""PY: payer profiles as data (section 10 defaults), resolution, modifier 25."""

from __future__ import annotations

import json

import pytest

from coding.engine import (
    LICENCE_CEILING,
    PayerProfile,
    beyond_licence,
    facts_from_dict,
    load_default_payer_profiles,
    propose,
    within_licence,
)
from coding.engine.payer import PayerProfileError
from tests.coding.engine.builders import codes, em, facts, run, therapy


def test_py_default_profiles_match_section_10() -> None:
    profiles = load_default_payer_profiles()
    assert set(profiles) == {"medicare", "medicaid", "commercial"}
    core = frozenset({"MD", "DO", "NP", "PA", "CNS"})
    medicare, medicaid, commercial = (profiles[s] for s in ("medicare", "medicaid", "commercial"))
    assert medicare.em_credentials == medicaid.em_credentials == commercial.em_credentials == core
    assert medicare.pharm_mgmt_90863_credentials == frozenset()
    assert (
        medicaid.pharm_mgmt_90863_credentials == commercial.pharm_mgmt_90863_credentials == {"RxP"}
    )
    assert (medicare.prolonged_code, medicaid.prolonged_code, commercial.prolonged_code) == (
        "G2212",
        "99417",
        "99417",
    )
    assert (medicare.video_modifier, medicaid.video_modifier, commercial.video_modifier) == (
        None,
        "95",
        "95",
    )
    for profile in profiles.values():
        assert profile.audio_only_covered
        assert profile.audio_modifier == "93"
        assert profile.modifier_25_with_addon is False
    assert medicare.telehealth_in_person_waiver_until == "2028-01-01"


def test_em_1_cb_4_licence_ceiling_is_the_rule_books() -> None:
    assert dict(LICENCE_CEILING) == {
        "em_credentials": {"MD", "DO", "NP", "PA", "CNS", "RxP", "psychologist"},
        "pharm_mgmt_90863_credentials": {"RxP"},
    }
    assert within_licence("psychologist", "em_credentials")
    assert not within_licence("psychologist", "pharm_mgmt_90863_credentials")
    assert not within_licence("Wizard", "em_credentials")


def test_em_1_cb_4_default_profiles_are_within_licence() -> None:
    for profile in load_default_payer_profiles().values():
        assert profile.em_credentials <= LICENCE_CEILING["em_credentials"]
        ceiling = LICENCE_CEILING["pharm_mgmt_90863_credentials"]
        assert profile.pharm_mgmt_90863_credentials <= ceiling


def test_em_1_beyond_licence_names_each_refused_credential_in_order() -> None:
    assert beyond_licence(["LPC", "MD", "LCSW", "LPC"], "em_credentials") == [
        "LPC cannot bill E/M under any payer: a licence-scope limit (EM-1)",
        "LCSW cannot bill E/M under any payer: a licence-scope limit (EM-1)",
    ]
    assert beyond_licence(["MD", "RxP", "psychologist"], "em_credentials") == []


def test_em_1_parser_names_every_credential_beyond_licence() -> None:
    base = load_default_payer_profiles()["commercial"]
    with pytest.raises(PayerProfileError) as caught:
        PayerProfile.from_dict({**base.to_dict(), "em_credentials": ["LMFT", "MD", "LCSW"]})
    assert caught.value.field == "em_credentials"
    assert caught.value.message == (
        "LCSW cannot bill E/M under any payer: a licence-scope limit (EM-1); "
        "LMFT cannot bill E/M under any payer: a licence-scope limit (EM-1)"
    )


def test_py_profiles_are_cached() -> None:
    assert load_default_payer_profiles() is load_default_payer_profiles()


def test_py_profile_round_trips_through_json() -> None:
    for profile in load_default_payer_profiles().values():
        assert PayerProfile.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("em_credentials", ["MD", "Dr"]),
        ("em_credentials", ["MD", "LCSW"]),
        ("pharm_mgmt_90863_credentials", ["RxP", "MD"]),
        ("prolonged_code", "99354"),
        ("video_modifier", "GQ"),
        ("audio_only_covered", "yes"),
        ("telehealth_in_person_waiver_until", "soon"),
        ("slug", ""),
    ],
)
def test_py_bad_profile_data_names_the_field(field: str, value: object) -> None:
    data = {**load_default_payer_profiles()["commercial"].to_dict(), field: value}
    with pytest.raises(PayerProfileError) as caught:
        PayerProfile.from_dict(data)
    assert caught.value.field == field


def test_py_unknown_payer_gives_error_proposal_on_payer() -> None:
    proposal = propose(facts(payer="acme"))
    assert proposal.lines == ()
    assert proposal.error is not None
    assert proposal.error.startswith("payer: ")
    assert proposal.to_dict()["error"] == proposal.error
    assert proposal.messages[0].rule == "PY"


def test_py_explicit_profile_overrides_facts_payer() -> None:
    medicare = load_default_payer_profiles()["medicare"]
    proposal = propose(
        facts_from_dict(
            {
                "id": "x",
                "patient_status": "established",
                "clinician": "MD",
                "payer": "acme",
                "em": em(70),
            }
        ),
        medicare,
    )
    assert codes(proposal) == [("99215", 1), ("G2212", 1)]


def test_py_modifier_25_on_em_with_add_on_from_payer_data() -> None:
    base = load_default_payer_profiles()["commercial"]
    payer = PayerProfile.from_dict({**base.to_dict(), "modifier_25_with_addon": True})
    proposal = run(payer, setting="video", psychotherapy=therapy(minutes=30), em=em(10, "low"))
    assert [line.modifiers for line in proposal.lines] == [("25", "95"), ("95",)]
    alone = run(payer, em=em(10, "low"))
    assert alone.lines[0].modifiers == ()


def test_py_engine_2_columns_of_the_default_profiles() -> None:
    profiles = load_default_payer_profiles()
    table = {
        slug: (
            p.takes_g2211,
            p.brief_assessment_max_units,
            p.modifier_25_with_96127,
            p.audio_only_home_only,
            p.discard_modifiers,
            p.ndc_on_drug_lines,
            p.brief_assessment_telehealth_modifier,
        )
        for slug, p in profiles.items()
    }
    assert table == {
        "medicare": (True, 3, False, True, True, False, False),
        "medicaid": (False, 3, False, False, False, True, False),
        "commercial": (False, 3, False, False, False, False, False),
    }


def test_py_a_stored_profile_without_engine_2_fields_loads_with_cautious_defaults() -> None:
    old = load_default_payer_profiles()["medicare"].to_dict()
    for key in (
        "takes_g2211",
        "brief_assessment_max_units",
        "modifier_25_with_96127",
        "brief_assessment_telehealth_modifier",
        "audio_only_home_only",
        "discard_modifiers",
        "ndc_on_drug_lines",
    ):
        del old[key]
    profile = PayerProfile.from_dict(old)
    assert not profile.takes_g2211
    assert profile.brief_assessment_max_units == 3
    assert not profile.audio_only_home_only
    assert not profile.discard_modifiers
    assert not profile.ndc_on_drug_lines
    assert not profile.modifier_25_with_96127


@pytest.mark.parametrize(
    ("field", "value"),
    [("takes_g2211", "yes"), ("brief_assessment_max_units", -1), ("discard_modifiers", 1)],
)
def test_py_engine_2_bad_values_name_the_field(field: str, value: object) -> None:
    data = {**load_default_payer_profiles()["medicare"].to_dict(), field: value}
    with pytest.raises(PayerProfileError) as caught:
        PayerProfile.from_dict(data)
    assert caught.value.field == field
