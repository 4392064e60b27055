"""Properties every proposal keeps, over random facts (hypothesis; profile in conftest.py)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from coding.engine import RULES, FactsError, facts_from_dict, load_default_payer_profiles, propose
from coding.engine.codes import (
    BRIEF_ASSESSMENT,
    CRISIS_CODES,
    EM_CODES,
    EM_TOP_CODES,
    FAMILY_CODES,
    INDIVIDUAL_PSYCHOTHERAPY,
    PROLONGED_CODES,
    PSYCHOTHERAPY_ADDON,
    PSYCHOTHERAPY_STANDALONE,
    VISIT_COMPLEXITY,
)
from coding.engine.drugs import load_default_drug_table
from coding.engine.facts import CREDENTIALS, LEVELS, PSYCHOTHERAPY_KINDS
from coding.engine.rules.em_level import em_capable
from coding.engine.rules.ic_interactive import IC_PRIMARIES
from coding.engine.rules.pt_psychotherapy import psychotherapy_code

FIELDS = (
    "id",
    "patient_status",
    "clinician",
    "payer",
    "setting",
    "patient_at_home",
    "psychotherapy",
    "em",
    "pharmacologic_management",
    "interactive_complexity",
    "diagnostic_evaluation",
    "date_of_service",
    "longitudinal_care",
    "brief_assessments",
    "injections",
)
DRUGS = load_default_drug_table()
DRUG_CODES = DRUGS.codes
INJECTION_LINES = DRUG_CODES | {"96372"}
minutes = st.one_of(st.integers(0, 140), st.integers(0, 1440))
levels = st.sampled_from(LEVELS)
doses = st.sampled_from([12.5, 25, 39, 100, 156, 234, 300, 400, 441]) | st.integers(1, 1200)
injections = st.fixed_dictionaries(
    {"drug": st.sampled_from([*sorted(DRUG_CODES), "J9999"]), "dose_mg": doses},
    optional={"container_mg": doses, "supplied_by_practice": st.booleans()},
)
mdm = st.none() | st.fixed_dictionaries({"problems": levels, "data": levels, "risk": levels})

facts_dicts = st.fixed_dictionaries(
    {
        "id": st.text(min_size=1, max_size=8).filter(str.strip),
        "patient_status": st.sampled_from(["new", "established"]),
        "clinician": st.sampled_from(CREDENTIALS),
        "payer": st.sampled_from(["medicare", "medicaid", "commercial"]),
        "setting": st.sampled_from(["in_person", "video", "audio"]),
        "patient_at_home": st.booleans(),
        "psychotherapy": st.none()
        | st.fixed_dictionaries({"kind": st.sampled_from(PSYCHOTHERAPY_KINDS), "minutes": minutes}),
        "em": st.none()
        | st.fixed_dictionaries(
            {"minutes": minutes, "mdm": mdm}, optional={"other_minutes": st.integers(0, 90)}
        ),
        "pharmacologic_management": st.booleans(),
        "interactive_complexity": st.booleans(),
        "diagnostic_evaluation": st.sampled_from([None, "without_medical", "with_medical"]),
        "longitudinal_care": st.booleans(),
        "brief_assessments": st.integers(0, 8),
        "injections": st.lists(injections, max_size=3),
    },
    optional={"date_of_service": st.dates().map(lambda d: d.isoformat())},
)


def _check_lines(lines: list[str], d: dict[str, Any], *, main: bool = True) -> None:
    codes = set(lines)
    has_em = bool(codes & EM_CODES)
    # add-ons never without their primary
    if codes & PSYCHOTHERAPY_ADDON:
        assert has_em
    if "90840" in codes:
        assert "90839" in codes
    if codes & PROLONGED_CODES:
        assert codes & EM_TOP_CODES
        assert not codes & PSYCHOTHERAPY_ADDON
    if "90785" in codes:
        assert codes & IC_PRIMARIES
        assert not codes & (CRISIS_CODES | FAMILY_CODES)
    if "90863" in codes:
        assert codes & PSYCHOTHERAPY_STANDALONE
        assert not has_em
        assert not codes & CRISIS_CODES
    # CB-8 and one of each code (a drug may repeat: its JW line, INJ-3)
    assert len(codes & INDIVIDUAL_PSYCHOTHERAPY) <= 1
    assert len([c for c in lines if c not in DRUG_CODES]) == len(codes - DRUG_CODES)
    # E/M only for E/M-capable credentials of the payer
    payer = load_default_payer_profiles()[d["payer"]]
    if has_em or "90792" in codes:
        assert d["clinician"] in payer.em_credentials
    # psychotherapy code always matches its minutes
    therapy = d["psychotherapy"]
    for code in codes & INDIVIDUAL_PSYCHOTHERAPY:
        assert therapy is not None
        assert therapy["kind"] in ("individual", "crisis")
        assert code == psychotherapy_code(therapy["minutes"], with_em=has_em)
    if codes & CRISIS_CODES:
        assert therapy is not None
        assert therapy["kind"] == "crisis"
        assert therapy["minutes"] >= 30
        assert not has_em
    if d["diagnostic_evaluation"] is not None and main:
        assert not has_em
        assert not codes & (INDIVIDUAL_PSYCHOTHERAPY | CRISIS_CODES)
    if d["diagnostic_evaluation"] is not None and not main and has_em:  # DX-3's E/M path
        assert not codes & {"90791", "90792"}
    # VC-1, VC-3: G2211 only beside an office E/M, never beside family or group codes
    if VISIT_COMPLEXITY in codes:
        assert has_em
        assert d["longitudinal_care"]
        assert not codes & (FAMILY_CODES | {"90853"})
    # INJ-1: injection lines only in person, by an E/M-capable clinician
    if codes & INJECTION_LINES:
        assert d["setting"] == "in_person"
        assert em_capable(d["clinician"], payer)
        assert "96372" in codes


@given(facts_dicts)
def test_invariants_hold_for_any_facts(d: dict[str, Any]) -> None:
    proposal = propose(facts_from_dict(d))
    out = proposal.to_dict()
    assert json.loads(json.dumps(out)) == out
    json.dumps(proposal.to_display_dict())
    assert out["id"] == d["id"]
    assert "error" not in out
    _check_lines([line["code"] for line in out["lines"]], d)
    for alternative in out["alternatives"]:
        _check_lines([line["code"] for line in alternative["lines"]], d, main=False)
        assert alternative["lines"]
    payer = load_default_payer_profiles()[d["payer"]]
    for option in [out["lines"], *(alt["lines"] for alt in out["alternatives"])]:
        modifiers = {line["code"]: line["modifiers"] for line in option}
        # VC-2: G2211 never beside an E/M carrying modifier 25
        if VISIT_COMPLEXITY in modifiers:
            assert all("25" not in modifiers[code] for code in modifiers if code in EM_CODES)
        # BA-2: 96127 never above the payer's daily maximum
        for line in option:
            if line["code"] == BRIEF_ASSESSMENT:
                assert 1 <= line["units"] <= payer.brief_assessment_max_units
                assert line["units"] <= d["brief_assessments"]
    for message in proposal.messages:
        assert message.rule in RULES
    assert (out["basis"] != {}) == any(line["code"] in EM_CODES for line in out["lines"])
    if not out["lines"]:
        assert any(m.level == "error" for m in proposal.messages)
    if d["setting"] == "in_person":
        assert out["place_of_service"] == "11"
    else:
        assert out["place_of_service"] == ("10" if d["patient_at_home"] else "02")
    if d["setting"] == "audio":
        assert all(
            "93" in line["modifiers"]
            for line in out["lines"]
            if line["code"] not in {BRIEF_ASSESSMENT, "96372"}
        )
    if d["setting"] != "in_person":
        assert all(line["code"] not in INJECTION_LINES for line in out["lines"])
        assert all(not line["modifiers"] for line in out["lines"] if line["code"] == "96127")


# The licence ceiling as docs/coding-rules.md words it (EM-1, CB-4), restated here on purpose:
# the test checks the engine's own copy against the rule book, not against itself.
EM_LICENCE = frozenset({"MD", "DO", "NP", "PA", "CNS", "RxP", "psychologist"})
PHARM_MGMT_90863_LICENCE = frozenset({"RxP"})
credential_sets = st.frozensets(st.sampled_from(CREDENTIALS))


@given(facts_dicts, credential_sets, credential_sets)
def test_invariants_em_1_cb_4_no_code_beyond_licence_whatever_the_profile(
    d: dict[str, Any], em_list: frozenset[str], pharm_list: frozenset[str]
) -> None:
    # Built directly, not parsed: the rules must hold even for a profile the parser refuses.
    payer = dataclasses.replace(
        load_default_payer_profiles()[d["payer"]],
        em_credentials=em_list,
        pharm_mgmt_90863_credentials=pharm_list,
    )
    proposal = propose(facts_from_dict(d), payer)
    options = [proposal.lines, *(alternative.lines for alternative in proposal.alternatives)]
    for lines in options:
        codes = {line.code for line in lines}
        if codes & EM_CODES or "90792" in codes:
            assert d["clinician"] in em_list & EM_LICENCE
        if "90863" in codes:
            assert d["clinician"] in pharm_list & PHARM_MGMT_90863_LICENCE


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
mutated = st.builds(
    lambda d, key, value: {**d, key: value},
    facts_dicts,
    st.sampled_from(
        [
            "id",
            "patient_status",
            "clinician",
            "payer",
            "setting",
            "patient_at_home",
            "psychotherapy",
            "em",
            "pharmacologic_management",
            "interactive_complexity",
            "diagnostic_evaluation",
            "date_of_service",
            "longitudinal_care",
            "brief_assessments",
            "injections",
            "expected",
        ]
    ),
    json_values,
)


@given(st.one_of(json_values, mutated))
def test_parser_never_crashes(raw: Any) -> None:
    rule = None
    try:
        facts = facts_from_dict(raw)
    except FactsError as exc:
        field, rule = exc.field, exc.rule
    else:
        field = None
        json.dumps(propose(facts).to_dict())
    assert field is None or field.split(".")[0].split("[")[0] in {*FIELDS, "facts"}
    # every input error names its field and, but for id and facts, the rule reading it
    assert field is None or rule in RULES or field in ("id", "facts")


engine_2_payers = st.builds(
    lambda slug, g2211, most, m25, at_home, discard, ndc, m25_addon: dataclasses.replace(
        load_default_payer_profiles()[slug],
        takes_g2211=g2211,
        brief_assessment_max_units=most,
        modifier_25_with_96127=m25,
        audio_only_home_only=at_home,
        discard_modifiers=discard,
        ndc_on_drug_lines=ndc,
        modifier_25_with_addon=m25_addon,
    ),
    st.sampled_from(["medicare", "medicaid", "commercial"]),
    st.booleans(),
    st.integers(0, 6),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)


@given(facts_dicts, engine_2_payers)
def test_invariants_engine_2_g2211_96127_and_injections_whatever_the_payer_data(
    d: dict[str, Any], payer: Any
) -> None:
    """G2211 never beside modifier 25 (VC-2) nor without its payer and continuing care (VC-1);
    96127 never above the payer's maximum (BA-2); no injection lines for video, audio or a
    credential that cannot bill an E/M (INJ-1)."""
    facts = facts_from_dict(d)
    proposal = propose(facts, payer)
    for lines in (proposal.lines, *(alt.lines for alt in proposal.alternatives)):
        em_lines = [line for line in lines if line.code in EM_CODES]
        codes = {line.code for line in lines}
        if VISIT_COMPLEXITY in codes:
            assert payer.takes_g2211
            assert facts.longitudinal_care
            assert len(em_lines) == 1
            assert "25" not in em_lines[0].modifiers
        units = sum(line.units for line in lines if line.code == BRIEF_ASSESSMENT)
        assert units <= min(payer.brief_assessment_max_units, facts.brief_assessments)
        if codes & INJECTION_LINES:
            assert facts.setting == "in_person"
            assert em_capable(facts.clinician, payer)
            assert all("25" in line.modifiers for line in em_lines)  # INJ-2
    if facts.brief_assessments and proposal.lines and payer.brief_assessment_max_units:
        assert BRIEF_ASSESSMENT in {line.code for line in proposal.lines}
