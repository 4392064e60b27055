"""Claim-line checks: billed lines against the rules, one test (at least) per check id.

No ``django_db`` mark: the checks are pure, like the rest of the engine.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys

import pytest
from hypothesis import given

from coding.engine import RULES, FactsError, facts_from_dict, load_default_payer_profiles, propose
from coding.engine.claim_lines import (
    ADDON_PRIMARIES,
    CLAIM_CHECKS,
    CLAIM_ONLY_CHECKS,
    BilledLine,
    ClaimContext,
    ClaimFinding,
    check_claim_lines,
    compare_with_proposal,
    payer_modifiers,
)
from coding.engine.codes import DAILY_MAX_UNITS
from coding.engine.proposal import Line
from coding.engine.rules.em_level import em_rank
from coding.engine.rules.pt_psychotherapy import PT_1_BANDS, psychotherapy_band
from tests.coding.engine.test_invariants import facts_dicts

COMMERCIAL = load_default_payer_profiles()["commercial"]
WANTS_25 = dataclasses.replace(COMMERCIAL, name="Wants 25", modifier_25_with_addon=True)
LEAVES = {"F41.0", "F32.9", "Z63.0", "E11.9"}


def context(**changes: object) -> ClaimContext:
    base = ClaimContext(payer=COMMERCIAL, diagnoses=("F41.0",), is_billable=LEAVES.__contains__)
    return dataclasses.replace(base, **changes)


def check(*codes: str, **changes: object) -> tuple[ClaimFinding, ...]:
    return check_claim_lines([BilledLine(code) for code in codes], context(**changes))


def ids(found: tuple[ClaimFinding, ...], level: str | None = None) -> set[str]:
    return {f.rule for f in found if level is None or f.level == level}


# --- the table ---------------------------------------------------------------------------
def test_every_check_id_is_a_registered_rule_or_a_documented_claim_only_check() -> None:
    for rule_id, spec in CLAIM_CHECKS.items():
        assert rule_id == spec.rule_id
        assert rule_id in RULES or rule_id in CLAIM_ONLY_CHECKS, rule_id
        assert spec.summary
    assert set(CLAIM_ONLY_CHECKS) <= set(CLAIM_CHECKS)


def test_every_check_id_has_a_test_named_for_it() -> None:
    names = [n for n, _ in inspect.getmembers(sys.modules[__name__], inspect.isfunction)]
    for rule_id in CLAIM_CHECKS:
        prefix = "test_" + rule_id.lower().replace("-", "_") + "_"
        assert any(n.startswith(prefix) for n in names), rule_id


def test_a_clean_claim_has_no_findings() -> None:
    assert check("99214", "90833") == ()
    assert check("90834", "90863", "90785") == ()


def test_only_runs_the_named_checks_and_refuses_unknown_ids() -> None:
    lines = [BilledLine("90832"), BilledLine("90834"), BilledLine("90863")]
    assert ids(check_claim_lines(lines, context(), only={"CB-8"})) == {"CB-8"}
    with pytest.raises(ValueError, match="XX-9"):
        check_claim_lines(lines, context(), only={"XX-9"})


# --- combinations ------------------------------------------------------------------------
@pytest.mark.parametrize("codes", [("99214", "90863"), ("90833", "90863"), ("90863",)])
def test_cb_4_90863_with_an_em_its_add_on_or_alone_is_an_error(codes: tuple[str, ...]) -> None:
    assert "CB-4" in ids(check(*codes), "error")


def test_cb_4_90863_with_crisis_is_an_error_and_with_psychotherapy_alone_fine() -> None:
    assert "CB-4" in ids(check("90834", "90839", "90863"), "error")
    assert "CB-4" not in ids(check("90834", "90863"))


def test_cb_4_claim_check_and_proposal_share_one_reason() -> None:
    """The proposal's CB-4 warning and the claim's CB-4 error say the same words."""
    facts = facts_from_dict(
        {
            "id": "rxp",
            "patient_status": "established",
            "clinician": "RxP",
            "payer": "commercial",
            "psychotherapy": {"kind": "crisis", "minutes": 45},
            "pharmacologic_management": True,
        }
    )
    proposal_text = [m.text for m in propose(facts).messages if m.rule == "CB-4"]
    claim_text = [f.text for f in check("90839", "90863") if f.rule == "CB-4"]
    assert (
        proposal_text
        == claim_text
        == [
            "90863 is not reported with crisis psychotherapy: 90863 goes only with individual "
            "psychotherapy 90832, 90834 or 90837"
        ]
    )


def test_cb_8_two_individual_psychotherapy_codes_are_an_error() -> None:
    found = check("90832", "90834")
    assert ids(found, "error") == {"CB-8"}
    assert "90832, 90834" in found[0].text
    assert "CB-8" not in ids(check("99214", "90833"))


def test_ic_2_90785_with_crisis_or_family_is_an_error() -> None:
    assert "IC-2" in ids(check("90847", "90785"), "error")
    assert "IC-2" in ids(check("90839", "90785"), "error")
    assert "IC-2" not in ids(check("90834", "90785"))


def test_ic_2_90785_with_an_em_without_add_on_is_an_error() -> None:
    found = check("99213", "90785")
    assert "IC-2" in ids(found, "error")
    assert "SC-ADDON" in ids(found, "error")


def test_cr_2_crisis_with_an_evaluation_psychotherapy_or_add_ons_is_an_error() -> None:
    for other in ("90834", "90791", "90785", "90863"):
        assert "CR-2" in ids(check("90839", other), "error"), other
    assert "CR-2" not in ids(check("90839", "90840"))


def test_cr_2_an_em_on_a_crisis_day_is_left_to_a_coder() -> None:
    assert "CR-2" not in ids(check("99214", "90839"))


def test_dx_2_evaluation_excludes_em_psychotherapy_crisis_and_the_other_evaluation() -> None:
    for codes in (("90791", "99214"), ("90792", "90834"), ("90791", "90792"), ("90791", "99417")):
        assert "DX-2" in ids(check(*codes), "error"), codes
    assert "DX-2" not in ids(check("90791", "90785"))


# --- add-ons and units -------------------------------------------------------------------
@pytest.mark.parametrize("code", sorted(ADDON_PRIMARIES))
def test_sc_addon_each_add_on_without_its_primary_is_an_error(code: str) -> None:
    found = check(code)
    addon = [f for f in found if f.rule == "SC-ADDON"]
    assert addon
    assert addon[0].line == 1
    assert ADDON_PRIMARIES[code][1] in addon[0].text


@pytest.mark.parametrize(
    "codes", [("99214", "90833"), ("99215", "99417"), ("90839", "90840"), ("90834", "90785")]
)
def test_sc_addon_add_on_with_its_primary_is_fine(codes: tuple[str, ...]) -> None:
    assert "SC-ADDON" not in ids(check(*codes))


def test_sc_units_over_the_daily_maximum_is_an_error() -> None:
    most = DAILY_MAX_UNITS["90840"]
    over = [BilledLine("90839"), BilledLine("90840", units=most + 1)]
    assert "SC-UNITS" in ids(check_claim_lines(over, context()), "error")
    at = [BilledLine("90839"), BilledLine("90840", units=most)]
    assert "SC-UNITS" not in ids(check_claim_lines(at, context()))
    assert "SC-UNITS" in ids(check_claim_lines([BilledLine("99214", units=2)], context()))


# --- diagnoses ---------------------------------------------------------------------------
def test_dg_1_no_diagnosis_is_one_error() -> None:
    found = check("90834", diagnoses=())
    assert [(f.rule, f.text) for f in found] == [("DG-1", "the claim has no diagnosis")]


def test_dg_1_pointer_to_no_diagnosis_is_an_error() -> None:
    lines = [BilledLine("99214", pointers=(2,))]
    assert "DG-1" in ids(check_claim_lines(lines, context()), "error")


def test_dg_2_runs_only_with_the_code_set() -> None:
    assert "DG-2" in ids(check("99214", diagnoses=("F32",)), "error")
    assert "DG-2" not in ids(check("99214", diagnoses=("F32",), is_billable=None))


def test_dg_3_psychotherapy_needs_chapter_f_or_an_accepted_z_code() -> None:
    assert "DG-3" in ids(check("90834", diagnoses=("Z63.0",)), "error")
    accepting = dataclasses.replace(COMMERCIAL, accepted_z_codes=("Z63",))
    assert "DG-3" not in ids(check("90834", diagnoses=("Z63.0",), payer=accepting))


def test_dg_checks_do_not_run_without_diagnoses_given() -> None:
    assert check("90834", diagnoses=None) == ()


# --- payer modifiers ---------------------------------------------------------------------
def test_py_modifier_25_added_by_the_engine_rule_for_a_payer_that_wants_it() -> None:
    lines = (BilledLine("99214", pointers=(1, 2)), BilledLine("90833"))
    assert [ln.modifiers for ln in payer_modifiers(lines, WANTS_25)] == [("25",), ()]
    assert payer_modifiers(lines, WANTS_25)[0].pointers == (1, 2)
    assert payer_modifiers(lines, COMMERCIAL) == lines
    assert payer_modifiers((BilledLine("99214"),), WANTS_25) == (BilledLine("99214"),)


def test_py_missing_modifier_25_is_a_warning_on_its_line() -> None:
    found = check("99214", "90833", payer=WANTS_25)
    assert [(f.rule, f.level, f.line) for f in found] == [("PY", "warning", 1)]
    with_25 = [BilledLine("99214", modifiers=("25",)), BilledLine("90833")]
    assert check_claim_lines(with_25, context(payer=WANTS_25)) == ()


# --- against the proposal ----------------------------------------------------------------
def test_pt_1_band_ranks_follow_the_minutes_table() -> None:
    bands = [psychotherapy_band(alone) for _first, alone, _addon in PT_1_BANDS]
    assert bands == [2, 1, 0]
    assert psychotherapy_band("90836") == psychotherapy_band("90834") == 1
    assert psychotherapy_band("99214") is None


def test_em_4_level_ranks_follow_the_mdm_table() -> None:
    assert [em_rank(c) for c in ("99202", "99213", "99204", "99215")] == [0, 1, 2, 3]
    assert em_rank("90833") is None


def test_pt_1_billed_band_below_the_proposal() -> None:
    result = compare_with_proposal(
        [BilledLine("99214"), BilledLine("90833")], [Line("99214"), Line("90836")]
    )
    assert [(d.kind, d.rules) for d in result.differences] == [("below", ("PT-1",))]
    assert "90833 billed where the proposal has 90836" in result.differences[0].text


def test_em_4_billed_level_above_the_proposal() -> None:
    result = compare_with_proposal(
        [BilledLine("99215"), BilledLine("90833")], [Line("99214"), Line("90833")]
    )
    assert [(d.kind, d.rules) for d in result.differences] == [("above", ("EM-4",))]


def test_em_4_no_em_billed_where_one_was_proposed_is_below_and_the_reverse_above() -> None:
    proposed = [Line("99214"), Line("90833")]
    alone = compare_with_proposal([BilledLine("90832")], proposed)
    assert ("below", ("EM-4",)) in [(d.kind, d.rules) for d in alone.differences]
    assert "no E/M level billed where the proposal has 99214 (EM-4)" in [
        d.text for d in alone.differences
    ]
    extra_em = compare_with_proposal([BilledLine("99213"), BilledLine("90834")], [Line("90834")])
    assert [(d.kind, d.rules) for d in extra_em.differences] == [("above", ("EM-4",))]


def test_units_extra_and_missing_codes_against_the_proposal() -> None:
    proposed = [Line("99215"), Line("99417", rules=("EM-6",))]
    assert compare_with_proposal([BilledLine("99215"), BilledLine("99417")], proposed).same
    more = compare_with_proposal([BilledLine("99215"), BilledLine("99417", 2)], proposed)
    assert [(d.kind, d.rules) for d in more.differences] == [("above", ("EM-6",))]
    extra = compare_with_proposal([BilledLine("99214"), BilledLine("90863")], [Line("99214")])
    assert [d.kind for d in extra.differences] == ["extra"]
    missing = compare_with_proposal([BilledLine("99214")], [Line("99214"), Line("90863")])
    assert missing.has("missing")
    assert not missing.has("above")


def test_modifiers_do_not_count_against_the_proposal() -> None:
    billed = [BilledLine("99214", modifiers=("25", "95"))]
    assert compare_with_proposal(billed, [Line("99214", modifiers=("95",))]).same


def test_billed_line_from_its_stored_form() -> None:
    line = BilledLine.from_dict({"code": "99417", "units": "2", "modifiers": ["95"]})
    assert line == BilledLine("99417", 2, ("95",))
    assert BilledLine.from_dict({"code": "99214", "pointers": []}).pointers == ()
    assert BilledLine.from_dict({"code": "99214"}) == BilledLine("99214")
    assert BilledLine.from_dict({"code": "99214", "units": 0}).units == 1


# --- the proposal keeps the rules the claim checks ask ------------------------------------
@given(facts_dicts)
def test_every_proposal_passes_the_claim_line_checks(d: dict[str, object]) -> None:
    """What propose() offers never breaks a claim-line rule (units aside: the panel warns)."""
    try:
        facts = facts_from_dict(d)
    except FactsError:
        return
    for payer in (load_default_payer_profiles()[str(d["payer"])], WANTS_25):
        proposal = propose(facts, payer=payer)
        for lines in (proposal.lines, *(alt.lines for alt in proposal.alternatives)):
            billed = [BilledLine(ln.code, ln.units, ln.modifiers) for ln in lines]
            found = check_claim_lines(billed, ClaimContext(payer=payer))
            assert [f for f in found if f.rule != "SC-UNITS"] == [], (lines, found)


# --- engine 2 ------------------------------------------------------------------------------
MEDICARE = load_default_payer_profiles()["medicare"]


def billed(*lines: tuple[str, int, tuple[str, ...]], **changes: object) -> tuple[ClaimFinding, ...]:
    return check_claim_lines(
        [BilledLine(code, units, modifiers) for code, units, modifiers in lines], context(**changes)
    )


def test_vc_2_g2211_beside_an_em_with_modifier_25_is_an_error() -> None:
    found = billed(("99214", 1, ("25",)), ("96372", 1, ()), ("G2211", 1, ()))
    assert "VC-2" in ids(found, "error")
    assert "VC-2" not in ids(billed(("99214", 1, ()), ("G2211", 1, ())))


def test_vc_3_g2211_without_an_em_or_beside_group_is_an_error() -> None:
    assert "VC-3" in ids(billed(("90834", 1, ()), ("G2211", 1, ())), "error")
    assert "VC-3" in ids(billed(("99214", 1, ()), ("90853", 1, ()), ("G2211", 1, ())), "error")
    assert ids(billed(("99214", 1, ()), ("90833", 1, ()), ("G2211", 1, ()))) == set()


def test_ba_2_96127_over_the_payer_maximum_is_an_error_not_sc_units() -> None:
    found = billed(("96127", 4, ()))
    assert ids(found) == {"BA-2"}
    assert "at most 3" in found[0].text
    roomy = dataclasses.replace(COMMERCIAL, brief_assessment_max_units=5)
    assert ids(billed(("96127", 4, ()), payer=roomy)) == set()


def test_inj_1_a_drug_line_without_96372_is_an_error() -> None:
    assert "INJ-1" in ids(billed(("J2426", 156, ())), "error")
    assert ids(billed(("96372", 1, ()), ("J2426", 156, ()))) == set()


def test_inj_2_em_beside_96372_without_modifier_25_is_a_warning() -> None:
    assert "INJ-2" in ids(billed(("99214", 1, ()), ("96372", 1, ())), "warning")
    assert ids(billed(("99214", 1, ("25",)), ("96372", 1, ()))) == set()


def test_inj_3_single_dose_drug_without_jz_or_jw_for_a_payer_that_asks() -> None:
    lines = (("96372", 1, ()), ("J0401", 300, ()))
    assert "INJ-3" in ids(billed(*lines, payer=MEDICARE), "warning")
    assert ids(billed(("96372", 1, ()), ("J0401", 300, ("JZ",)), payer=MEDICARE)) == set()
    assert ids(billed(*lines)) == set()  # commercial asks for none
    assert ids(billed(("96372", 1, ()), ("J1631", 2, ()), payer=MEDICARE)) == set()  # multi-dose


def test_sc_units_leaves_drug_units_alone() -> None:
    assert ids(billed(("96372", 1, ()), ("J1944", 882, ()))) == set()
