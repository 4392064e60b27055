"""The claim scrubber, rule by rule: a claim that breaks the rule and one that keeps it.

No ``django_db`` mark: pytest-django refuses database access, which proves the scrubber
reads only its dataclasses.
"""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from claims.scrubber import (
    SCRUBBER_RULES,
    Finding,
    ScrubClaim,
    has_errors,
    is_flagged,
    scrub,
)
from coding.engine import facts_from_dict, load_default_payer_profiles, propose
from coding.engine.claim_lines import BilledLine
from coding.engine.codes import DAILY_MAX_UNITS as MAX_UNITS

TODAY = datetime.date(2026, 3, 16)
GOOD_NPI = "1234567893"
COMMERCIAL = load_default_payer_profiles()["commercial"]
FACTS = {
    "id": "t",
    "patient_status": "established",
    "clinician": "MD",
    "payer": "commercial",
    "setting": "in_person",
    "patient_at_home": False,
    "psychotherapy": {"kind": "individual", "minutes": 30},
    "em": {"minutes": 15, "mdm": {"problems": "moderate", "data": "minimal", "risk": "moderate"}},
    "pharmacologic_management": True,
    "interactive_complexity": False,
    "diagnostic_evaluation": None,
}


def signed(facts=FACTS, payer=COMMERCIAL) -> dict:
    """What signing stores of the engine's answer: its lines and its errors."""
    proposal = propose(facts_from_dict(facts), payer=payer)
    return {
        "proposed": tuple(BilledLine.from_line(line) for line in proposal.lines),
        "engine_errors": tuple((m.rule, m.text) for m in proposal.messages if m.level == "error"),
    }


def claim(*codes: str, **changes) -> ScrubClaim:
    lines = tuple(BilledLine(code) for code in codes) if codes else (BilledLine("99214"),)
    base = ScrubClaim(
        lines=lines,
        diagnoses=("F41.0",),
        date_of_service=TODAY - datetime.timedelta(days=3),
        today=TODAY,
        rendering_npi=GOOD_NPI,
        billing_npi=GOOD_NPI,
        member_id="M1",
        timely_filing_days=180,
        payer=COMMERCIAL,
    )
    return dataclasses.replace(base, **changes)


def rules(found: list[Finding], level: str | None = None) -> set[str]:
    return {f.rule for f in found if level is None or f.level == level}


def test_good_claim_has_no_findings_and_is_clean():
    found = scrub(claim("99214", "90833"))
    assert found == []
    assert not is_flagged(found)


# --- NCCI-style pairs -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("codes", "rule"),
    [
        (("99214", "90863"), "CB-4"),
        (("90834", "90839", "90863"), "CB-4"),
        (("90847", "90785"), "IC-2"),
        (("90839", "90785"), "IC-2"),
        (("90839", "90834"), "CR-2"),
        (("90839", "90791"), "CR-2"),
        (("90791", "99214"), "DX-2"),
        (("90792", "90834"), "DX-2"),
        (("90791", "90792"), "DX-2"),
        (("90832", "90834"), "CB-8"),
    ],
)
def test_pairs_that_must_not_go_together_are_errors(codes, rule):
    found = scrub(claim(*codes))
    assert rule in rules(found, "error")
    assert has_errors(found)


@pytest.mark.parametrize(
    ("codes", "rule"),
    [
        (("90834", "90863"), "CB-4"),
        (("90834", "90785"), "IC-2"),
        (("90839", "90840"), "CR-2"),
        (("90791", "90785"), "DX-2"),
        (("99214", "90833"), "CB-8"),
    ],
)
def test_allowed_combinations_raise_no_pair_finding(codes, rule):
    assert rule not in rules(scrub(claim(*codes)))


def test_cb_4_90863_alone_is_an_error():
    assert "CB-4" in rules(scrub(claim("90863")), "error")


# --- add-on without primary -------------------------------------------------------------
@pytest.mark.parametrize(
    "codes", [("90833",), ("99214", "99417"), ("90840",), ("99213", "90785"), ("G2212",)]
)
def test_sc_addon_add_on_without_its_primary_is_an_error(codes):
    assert "SC-ADDON" in rules(scrub(claim(*codes)), "error")


@pytest.mark.parametrize(
    "codes", [("99214", "90833"), ("99215", "99417"), ("90839", "90840"), ("90834", "90785")]
)
def test_sc_addon_add_on_with_its_primary_is_fine(codes):
    assert "SC-ADDON" not in rules(scrub(claim(*codes)))


# --- units ------------------------------------------------------------------------------
def test_sc_units_over_the_daily_maximum_is_an_error():
    lines = (BilledLine("90839"), BilledLine("90840", units=MAX_UNITS["90840"] + 1))
    assert "SC-UNITS" in rules(scrub(claim(lines=lines)), "error")
    assert "SC-UNITS" in rules(scrub(claim(lines=(BilledLine("99214", units=2),))))


def test_sc_units_at_the_daily_maximum_is_fine():
    lines = (BilledLine("90839"), BilledLine("90840", units=MAX_UNITS["90840"]))
    assert "SC-UNITS" not in rules(scrub(claim(lines=lines)))


def test_sc_lines_a_claim_without_lines_is_an_error():
    assert "SC-LINES" in rules(scrub(claim(lines=())), "error")


# --- diagnoses --------------------------------------------------------------------------
def test_dg_1_no_diagnosis_is_an_error():
    assert "DG-1" in rules(scrub(claim(diagnoses=())), "error")


def test_dg_1_pointer_to_no_diagnosis_or_more_than_four_is_an_error():
    five = ("F41.0", "F32.9", "F43.10", "F90.0", "F51.01")
    assert "DG-1" in rules(scrub(claim(lines=(BilledLine("99214", pointers=(2,)),))))
    many = (BilledLine("99214", pointers=(1, 2, 3, 4, 5)),)
    assert "DG-1" in rules(scrub(claim(lines=many, diagnoses=five)))
    assert "DG-1" in rules(scrub(claim(lines=(BilledLine("99214", pointers=()),))))


def test_dg_1_four_pointers_in_range_are_fine():
    four = ("F41.0", "F32.9", "F43.10", "F90.0")
    lines = (BilledLine("99214", pointers=(1, 2, 3, 4)),)
    assert "DG-1" not in rules(scrub(claim(lines=lines, diagnoses=four)))


def test_dg_2_a_category_code_is_not_billable():
    assert "DG-2" in rules(scrub(claim(diagnoses=("F32",))), "error")
    assert "DG-2" not in rules(scrub(claim(diagnoses=("F32.9",))))


def test_dg_3_psychotherapy_needs_chapter_f_or_an_accepted_z_code():
    lines = (BilledLine("90834"),)
    assert "DG-3" in rules(scrub(claim(lines=lines, diagnoses=("Z63.0",))), "error")
    accepting = dataclasses.replace(COMMERCIAL, accepted_z_codes=("Z63",))
    assert "DG-3" not in rules(scrub(claim(lines=lines, diagnoses=("Z63.0",), payer=accepting)))
    assert "DG-3" not in rules(scrub(claim(lines=lines, diagnoses=("F41.0",))))


def test_dg_3_does_not_apply_to_an_em_line():
    assert "DG-3" not in rules(scrub(claim("99214", diagnoses=("Z63.0",))))


# --- parties and dates ------------------------------------------------------------------
def test_sc_npi_a_bad_check_digit_is_an_error():
    assert "SC-NPI" in rules(scrub(claim(rendering_npi="1234567890")), "error")
    assert "SC-NPI" in rules(scrub(claim(billing_npi="12345")), "error")
    assert "SC-NPI" not in rules(scrub(claim()))


def test_sc_member_missing_member_id_is_an_error():
    assert "SC-MEMBER" in rules(scrub(claim(member_id="  ")), "error")
    assert "SC-MEMBER" not in rules(scrub(claim(member_id="M1")))


def test_sc_dos_a_date_of_service_ahead_is_an_error():
    ahead = TODAY + datetime.timedelta(days=1)
    assert "SC-DOS" in rules(scrub(claim(date_of_service=ahead)), "error")
    assert "SC-DOS" not in rules(scrub(claim(date_of_service=TODAY)))


def test_sc_timely_past_the_payers_filing_limit_is_an_error():
    old = TODAY - datetime.timedelta(days=181)
    assert "SC-TIMELY" in rules(scrub(claim(date_of_service=old)), "error")
    on_limit = TODAY - datetime.timedelta(days=180)
    assert "SC-TIMELY" not in rules(scrub(claim(date_of_service=on_limit)))


# --- the engine's proposal stored at signing -----------------------------------------------------
def test_sc_engine_billed_lines_matching_the_engine_are_clean():
    found = scrub(claim("99214", "90833", **signed()))
    assert "SC-ENGINE" not in rules(found)


def test_sc_engine_billed_lines_differing_from_the_engine_are_flagged():
    found = scrub(claim("99215", "90833", **signed()))
    assert "SC-ENGINE" in rules(found, "warning")
    assert is_flagged(found)
    assert not has_errors(found)


def test_sc_override_the_clinicians_reason_is_shown_and_does_not_flag():
    found = scrub(claim("99214", "90833", **signed(), override_reason="Longer session"))
    assert [f.text for f in found if f.rule == "SC-OVERRIDE"] == [
        "Clinician's reason for the codes: Longer session"
    ]
    assert not is_flagged(found)


def test_engine_errors_on_the_signed_facts_become_findings_with_their_rule_id():
    no_audio = dataclasses.replace(COMMERCIAL, audio_only_covered=False)
    facts = {**FACTS, "setting": "audio", "patient_at_home": True}
    found = scrub(claim("99214", "90833", **signed(facts, no_audio), payer=no_audio))
    assert "TH-3" in rules(found, "error")


def test_sc_fee_a_code_without_a_fee_is_a_warning():
    found = scrub(claim("99214", priced_codes=frozenset({"90833"})))
    assert "SC-FEE" in rules(found, "warning")
    assert "SC-FEE" not in rules(scrub(claim("99214", priced_codes=frozenset({"99214"}))))


def test_every_finding_cites_a_documented_rule_id():
    import re

    from coding.engine import RULES

    found = scrub(
        claim(
            "90833",
            "90863",
            "90785",
            "90839",
            diagnoses=("F32",),
            member_id="",
            rendering_npi="1",
            date_of_service=TODAY + datetime.timedelta(days=2),
            **signed(),
            priced_codes=frozenset(),
        )
    )
    assert found
    for finding in found:
        assert finding.rule in SCRUBBER_RULES or finding.rule in RULES, finding
        assert re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]+)?", finding.rule)


def test_errors_come_first():
    found = scrub(claim("99215", "90833", member_id="", **signed()))
    levels = [f.level for f in found]
    assert levels == sorted(levels, key=["error", "warning", "info"].index)


@pytest.mark.parametrize(
    "line",
    [
        BilledLine("99214", modifiers=("X~Q*",)),
        BilledLine("99213*X~"),
        BilledLine("99214", 1, ("ZZ",)),
    ],
)
def test_sc_code_a_malformed_code_or_unlisted_modifier_is_an_error(line):
    """A line stored before the entry points checked codes cannot be approved as it is."""
    found = scrub(claim(lines=(line,)))
    assert "SC-CODE" in rules(found, "error")
    assert next(f for f in found if f.rule == "SC-CODE").line == 1


def test_sc_code_listed_modifiers_are_fine():
    assert "SC-CODE" not in rules(scrub(claim(lines=(BilledLine("99214", 1, ("25", "95")),))))
