"""The claim scrubber: pure checks of one claim, each finding citing a rule id.

It reads only the dataclasses below (no database, no clock: ``today`` is an input),
so the claim builder and every fix run the same checks, and tests need no rows.
Reference rule ids (CB-4, IC-2, CR-2, DX-2, CB-8, DG-1..3, and any error the engine
raises on the signed facts) are used where they apply; the checks the reference does
not cover have the ``SC-`` ids of ``SCRUBBER_RULES``.

A claim is *flagged* when any finding is a warning or an error; errors block approval.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from accounts.models import npi_is_valid
from coding.engine import FactsError, PayerProfile, facts_from_dict, propose
from coding.engine.codes import (
    CRISIS_ADDON,
    CRISIS_CODES,
    CRISIS_FIRST,
    EM_CODES,
    EM_TOP_CODES,
    EVALUATION_CODES,
    FAMILY_CODES,
    GROUP,
    INDIVIDUAL_PSYCHOTHERAPY,
    INTERACTIVE_COMPLEXITY,
    PHARM_MGMT_ADDON,
    PROLONGED_CODES,
    PSYCHOTHERAPY_ADDON,
    PSYCHOTHERAPY_STANDALONE,
    code_error,
    modifiers_error,
    units_over_daily_max,
)
from coding.engine.payer import load_default_payer_profiles
from coding.engine.rules.dg_diagnoses import ClaimLine as DgLine
from coding.engine.rules.dg_diagnoses import dg_check_claim_lines
from coding.engine.rules.ic_interactive import IC_PRIMARIES
from encounters.icd import icd_lookup

Level = Literal["info", "warning", "error"]

# The scrubber's own rule ids: one table, stable ids (shown to billers, cited in tests).
SCRUBBER_RULES: Final[Mapping[str, str]] = {
    "SC-ENGINE": "Billed lines differ from what the engine proposes on the signed facts.",
    "SC-OVERRIDE": "The clinician chose codes other than the proposal; their reason is shown.",
    "SC-ADDON": "An add-on code is billed without its primary code.",
    "SC-UNITS": "Units exceed the daily maximum for the code.",
    "SC-LINES": "The claim has no lines.",
    "SC-NPI": "A rendering or billing NPI fails the NPI check digit.",
    "SC-MEMBER": "No coverage or no member id for the subscriber.",
    "SC-DOS": "The date of service is in the future.",
    "SC-TIMELY": "The date of service is past the payer's timely filing limit.",
    "SC-FEE": "The payer's fee schedule has no amount for a billed code.",
    "SC-CODE": "A line's code is not a CPT/HCPCS code, or a modifier is not on the practice list.",
}

# Add-on code -> the codes one of which must be on the claim with it (SC-ADDON).
ADDON_PRIMARIES: Final[Mapping[str, frozenset[str]]] = {
    **{code: EM_CODES for code in PSYCHOTHERAPY_ADDON},
    **{code: EM_TOP_CODES for code in PROLONGED_CODES},
    CRISIS_ADDON: frozenset({CRISIS_FIRST}),
    INTERACTIVE_COMPLEXITY: IC_PRIMARIES,
}

PSYCHOTHERAPY_ALL: Final = INDIVIDUAL_PSYCHOTHERAPY | FAMILY_CODES | frozenset({GROUP})

# NCCI-style pairs that must not be billed together: (codes A, codes B, rule id, why).
EXCLUSIVE_PAIRS: Final[tuple[tuple[frozenset[str], frozenset[str], str, str], ...]] = (
    (
        frozenset({PHARM_MGMT_ADDON}),
        EM_CODES | PSYCHOTHERAPY_ADDON,
        "CB-4",
        "an E/M already includes medication management; with an E/M the add-on is "
        "90833/90836/90838",
    ),
    (frozenset({PHARM_MGMT_ADDON}), CRISIS_CODES, "CB-4", "90863 never goes with crisis codes"),
    (
        frozenset({INTERACTIVE_COMPLEXITY}),
        CRISIS_CODES | FAMILY_CODES,
        "IC-2",
        "90785 is never reported with crisis or family psychotherapy",
    ),
    (
        CRISIS_CODES,
        EVALUATION_CODES
        | INDIVIDUAL_PSYCHOTHERAPY
        | frozenset({INTERACTIVE_COMPLEXITY, PHARM_MGMT_ADDON}),
        "CR-2",
        "crisis codes are not reported with an evaluation, individual psychotherapy, 90785 "
        "or 90863 on the same day",
    ),
    (
        EVALUATION_CODES,
        EM_CODES | PROLONGED_CODES | PSYCHOTHERAPY_ALL | CRISIS_CODES,
        "DX-2",
        "on the day of a diagnostic evaluation no E/M, psychotherapy or crisis code",
    ),
    (frozenset({"90791"}), frozenset({"90792"}), "DX-2", "90791 and 90792 exclude each other"),
)


@dataclass(frozen=True, slots=True)
class ScrubLine:
    code: str
    units: int = 1
    modifiers: tuple[str, ...] = ()
    pointers: tuple[int, ...] = (1,)


@dataclass(frozen=True, slots=True)
class ScrubClaim:
    """Everything the scrubber reads about one claim."""

    lines: tuple[ScrubLine, ...]
    diagnoses: tuple[str, ...]
    date_of_service: datetime.date
    today: datetime.date
    rendering_npi: str
    billing_npi: str
    member_id: str
    timely_filing_days: int = 365
    payer: PayerProfile | None = None
    facts: Mapping[str, Any] | None = None
    override_reason: str = ""
    priced_codes: frozenset[str] | None = None  # None: no fee schedule check


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    level: Level
    text: str
    line: int | None = field(default=None)  # 1-based line position, when about one line

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "level": self.level, "text": self.text, "line": self.line}


def is_flagged(findings: Iterable[Finding | Mapping[str, Any]]) -> bool:
    """A warning or an error makes the claim flagged; info findings do not."""
    return any(_level(f) != "info" for f in findings)


def has_errors(findings: Iterable[Finding | Mapping[str, Any]]) -> bool:
    return any(_level(f) == "error" for f in findings)


def _level(finding: Finding | Mapping[str, Any]) -> str:
    return finding.level if isinstance(finding, Finding) else str(finding["level"])


def _profile(claim: ScrubClaim) -> PayerProfile:
    return claim.payer or load_default_payer_profiles()["commercial"]


def check_pairs(lines: tuple[ScrubLine, ...]) -> list[Finding]:
    """CB-4, IC-2, CR-2, DX-2: codes that must not be billed together; CB-8: one individual."""
    codes = {line.code for line in lines}
    found: list[Finding] = []
    for first, second, rule, why in EXCLUSIVE_PAIRS:
        for a in sorted(first & codes):
            for b in sorted((second & codes) - {a}):
                found.append(Finding(rule, "error", f"{a} with {b}: {why}."))
    if PHARM_MGMT_ADDON in codes and not codes & PSYCHOTHERAPY_STANDALONE:
        found.append(
            Finding("CB-4", "error", "90863 is never billed alone: it needs 90832, 90834 or 90837.")
        )
    individual = [line.code for line in lines if line.code in INDIVIDUAL_PSYCHOTHERAPY]
    if len(individual) > 1:
        found.append(
            Finding(
                "CB-8",
                "error",
                f"One individual psychotherapy code per day; billed {', '.join(individual)}.",
            )
        )
    return found


def check_addons(lines: tuple[ScrubLine, ...]) -> list[Finding]:
    """SC-ADDON: every add-on code needs one of its primary codes on the claim."""
    codes = {line.code for line in lines}
    found = []
    for position, line in enumerate(lines, start=1):
        primaries = ADDON_PRIMARIES.get(line.code)
        if primaries is not None and not codes & primaries:
            need = ", ".join(sorted(primaries)[:4]) + ("…" if len(primaries) > 4 else "")
            found.append(
                Finding(
                    "SC-ADDON",
                    "error",
                    f"{line.code} is an add-on billed without its primary code ({need}).",
                    position,
                )
            )
    return found


def check_codes(lines: tuple[ScrubLine, ...]) -> list[Finding]:
    """SC-CODE: each line's code has a CPT/HCPCS shape and its modifiers are on the list."""
    found = []
    for position, line in enumerate(lines, start=1):
        problem = code_error(line.code) or modifiers_error(line.modifiers)
        if problem:
            found.append(Finding("SC-CODE", "error", problem, position))
    return found


def check_units(lines: tuple[ScrubLine, ...]) -> list[Finding]:
    """SC-UNITS: units of a code per day over the daily maximum."""
    totals: Counter[str] = Counter()
    for line in lines:
        totals[line.code] += line.units
    return [
        Finding("SC-UNITS", "error", f"{code}: {units} units billed, at most {most} per day.")
        for code, units, most in units_over_daily_max(totals)
    ]


def check_diagnoses(claim: ScrubClaim) -> list[Finding]:
    """DG-1..DG-3 through the engine's claim checks, with the ICD-10-CM code set (DG-2)."""
    if not claim.diagnoses:
        return [Finding("DG-1", "error", "The claim has no diagnosis.")]
    result = dg_check_claim_lines(
        [DgLine(line.code, line.pointers) for line in claim.lines],
        claim.diagnoses,
        _profile(claim),
        lambda code: icd_lookup(code) is not None,
    )
    return [Finding(m.rule, m.level, _sentence(m.text)) for m in result.messages]


def check_parties(claim: ScrubClaim) -> list[Finding]:
    """SC-NPI and SC-MEMBER: provider NPIs pass the check digit; the subscriber has an id."""
    found = []
    for label, npi in (("Rendering", claim.rendering_npi), ("Billing", claim.billing_npi)):
        if not npi_is_valid(npi or ""):
            found.append(
                Finding("SC-NPI", "error", f"{label} provider NPI {npi or '(none)'} is not valid.")
            )
    if not claim.member_id.strip():
        found.append(Finding("SC-MEMBER", "error", "No coverage or member id for the patient."))
    return found


def check_dates(claim: ScrubClaim) -> list[Finding]:
    """SC-DOS and SC-TIMELY: not in the future, not past the payer's filing limit."""
    if claim.date_of_service > claim.today:
        return [Finding("SC-DOS", "error", f"Date of service {claim.date_of_service} is ahead.")]
    age = (claim.today - claim.date_of_service).days
    if age > claim.timely_filing_days:
        return [
            Finding(
                "SC-TIMELY",
                "error",
                f"Date of service is {age} days ago; the payer's filing limit is "
                f"{claim.timely_filing_days} days.",
            )
        ]
    return []


def _line_key(code: str, units: int, modifiers: Iterable[str]) -> tuple[str, int, tuple[str, ...]]:
    return code, units, tuple(sorted(modifiers))


def check_engine(claim: ScrubClaim) -> list[Finding]:
    """SC-ENGINE: re-run the engine on the signed facts; its errors and a mismatch are shown."""
    found: list[Finding] = []
    reason = claim.override_reason.strip()
    if reason:
        found.append(Finding("SC-OVERRIDE", "info", f"Clinician's reason for the codes: {reason}"))
    if claim.facts is None:
        return found
    try:
        facts = facts_from_dict(dict(claim.facts))
    except FactsError as exc:
        return [*found, Finding("SC-ENGINE", "error", f"Signed facts unreadable: {exc}")]
    proposal = propose(facts, payer=_profile(claim))
    found.extend(
        Finding(m.rule, "error", _sentence(m.text)) for m in proposal.messages if m.level == "error"
    )
    expected = Counter(_line_key(ln.code, ln.units, ln.modifiers) for ln in proposal.lines)
    billed = Counter(_line_key(ln.code, ln.units, ln.modifiers) for ln in claim.lines)
    if expected != billed:
        want = ", ".join(_show(k) for k in sorted(expected.elements())) or "nothing"
        have = ", ".join(_show(k) for k in sorted(billed.elements())) or "nothing"
        why = " (clinician's reason above)" if reason else ""
        found.append(
            Finding(
                "SC-ENGINE",
                "warning",
                f"Billed {have}; the engine proposes {want} on the signed facts{why}.",
            )
        )
    return found


def check_fees(claim: ScrubClaim) -> list[Finding]:
    """SC-FEE: every billed code has an amount in the payer's fee schedule."""
    if claim.priced_codes is None:
        return []
    return [
        Finding("SC-FEE", "warning", f"No fee schedule amount for {line.code}.", position)
        for position, line in enumerate(claim.lines, start=1)
        if line.code not in claim.priced_codes
    ]


def _show(key: tuple[str, int, tuple[str, ...]]) -> str:
    code, units, modifiers = key
    text = code + "".join(f"-{m}" for m in modifiers)
    return text if units == 1 else f"{text} x{units}"


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def scrub(claim: ScrubClaim) -> list[Finding]:
    """Every finding for ``claim``, errors first, each citing its rule id."""
    if not claim.lines:
        found = [Finding("SC-LINES", "error", "The claim has no lines: nothing to bill.")]
    else:
        found = [
            *check_codes(claim.lines),
            *check_pairs(claim.lines),
            *check_addons(claim.lines),
            *check_units(claim.lines),
            *check_diagnoses(claim),
        ]
    found += [*check_parties(claim), *check_dates(claim), *check_engine(claim), *check_fees(claim)]
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(found, key=lambda f: order[f.level])
