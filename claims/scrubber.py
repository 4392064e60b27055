"""The claim scrubber: pure checks of one claim, each finding citing a rule id.

It reads only the dataclasses below (no database, no clock: ``today`` is an input),
so the claim builder and every fix run the same checks, and tests need no rows.
What the coding rules say about billed lines (CB-4, CB-8, IC-2, CR-2, DX-2, DG-1..3, PY,
an add-on without its primary, units over the daily maximum) is the engine's claim-line
checker, ``coding.engine.claim_lines``, asked here and nowhere restated; the engine's own
answer is the one stored at signing (its lines and errors), not a second run. The checks of
claim data the reference does not cover (NPI, member id, dates, fees, the line's shape)
have the ``SC-`` ids of ``SCRUBBER_RULES``.

A claim is *flagged* when any finding is a warning or an error; errors block approval.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from accounts.models import npi_is_valid
from coding.engine import PayerProfile
from coding.engine.authorization import AuthorizationCheck
from coding.engine.claim_lines import (
    CLAIM_ONLY_CHECKS,
    BilledLine,
    ClaimContext,
    check_claim_lines,
    lines_text,
)
from coding.engine.codes import code_error, modifiers_error
from coding.engine.drugs import DrugTable
from coding.engine.payer import load_default_payer_profiles
from coding.engine.proposal import Line
from encounters.icd import icd_lookup

Level = Literal["info", "warning", "error"]

# The scrubber's rule ids: one table, stable ids (shown to billers, cited in tests). SC-ADDON
# and SC-UNITS are claim-line checks of the engine; their summaries come from there.
SCRUBBER_RULES: Final[Mapping[str, str]] = {
    "SC-ENGINE": "Billed lines differ from what the engine proposed when the visit was signed.",
    "SC-OVERRIDE": "The clinician chose codes other than the proposal; their reason is shown.",
    **CLAIM_ONLY_CHECKS,
    "SC-LINES": "The claim has no lines.",
    "SC-NPI": "A rendering or billing NPI fails the NPI check digit.",
    "SC-MEMBER": "No coverage or no member id for the subscriber.",
    "SC-DOS": "The date of service is in the future.",
    "SC-TIMELY": "The date of service is past the payer's timely filing limit.",
    "SC-FEE": "The payer's fee schedule has no amount for a billed code.",
    "SC-CODE": "A line's code is not a CPT/HCPCS code, or a modifier is not on the practice list.",
    "SC-AUTH": "A service the payer authorizes before the visit has no authorization on file, "
    "the visit is outside its dates, or it would exceed the visits or units authorized.",
}


@dataclass(frozen=True, slots=True)
class ScrubClaim:
    """Everything the scrubber reads about one claim."""

    lines: tuple[BilledLine, ...]
    diagnoses: tuple[str, ...]
    date_of_service: datetime.date
    today: datetime.date
    rendering_npi: str
    billing_npi: str
    member_id: str
    timely_filing_days: int = 365
    payer: PayerProfile | None = None
    # The engine's lines and errors stored at signing; None: no stored proposal, no SC-ENGINE.
    proposed: tuple[BilledLine, ...] | None = None
    engine_errors: tuple[tuple[str, str], ...] = ()
    override_reason: str = ""
    priced_codes: frozenset[str] | None = None  # None: no fee schedule check
    drugs: DrugTable | None = None  # the practice's drug table (INJ); None: the shipped one
    # The lines against the authorizations on file (coding.engine.authorization); None: no check
    authorization: AuthorizationCheck | None = None


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


def check_codes(lines: tuple[BilledLine, ...]) -> list[Finding]:
    """SC-CODE: each line's code has a CPT/HCPCS shape and its modifiers are on the list."""
    found = []
    for position, line in enumerate(lines, start=1):
        problem = code_error(line.code) or modifiers_error(line.modifiers)
        if problem:
            found.append(Finding("SC-CODE", "error", problem, position))
    return found


def check_lines(claim: ScrubClaim) -> list[Finding]:
    """The engine's claim-line checks, with the payer's profile and the ICD-10-CM code set."""
    context = ClaimContext(
        payer=_profile(claim),
        diagnoses=claim.diagnoses,
        is_billable=lambda code: icd_lookup(code) is not None,
        drugs=claim.drugs,
    )
    return [
        Finding(f.rule, f.level, _sentence(f.text), f.line)
        for f in check_claim_lines(claim.lines, context)
    ]


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


def check_engine(claim: ScrubClaim) -> list[Finding]:
    """SC-ENGINE: the billed lines against the engine's proposal stored at signing.

    The engine ran once, when the visit was signed; its errors on the signed facts and any
    difference from its lines (codes, units, modifiers) are shown to the biller.
    """
    found: list[Finding] = []
    reason = claim.override_reason.strip()
    if reason:
        found.append(Finding("SC-OVERRIDE", "info", f"Clinician's reason for the codes: {reason}"))
    if claim.proposed is None:
        return found
    found.extend(Finding(rule, "error", _sentence(text)) for rule, text in claim.engine_errors)
    if Counter(map(_line_key, claim.proposed)) != Counter(map(_line_key, claim.lines)):
        want = lines_text(sorted(claim.proposed, key=_line_key), empty="nothing")
        have = lines_text(sorted(claim.lines, key=_line_key), empty="nothing")
        why = " (clinician's reason above)" if reason else ""
        found.append(
            Finding(
                "SC-ENGINE",
                "warning",
                f"Billed {have}; the engine proposed {want} on the signed facts{why}.",
            )
        )
    return found


def _line_key(line: BilledLine | Line) -> tuple[str, int, tuple[str, ...]]:
    """A line compared with the proposal: its code, units and modifiers (any order)."""
    return line.code, line.units, tuple(sorted(line.modifiers))


def check_fees(claim: ScrubClaim) -> list[Finding]:
    """SC-FEE: every billed code has an amount in the payer's fee schedule."""
    if claim.priced_codes is None:
        return []
    return [
        Finding("SC-FEE", "warning", f"No fee schedule amount for {line.code}.", position)
        for position, line in enumerate(claim.lines, start=1)
        if line.code not in claim.priced_codes
    ]


def check_authorization(claim: ScrubClaim) -> list[Finding]:
    """SC-AUTH: a service the payer authorizes before the visit is covered by an authorization
    on file, in force on the date of service, with the visit (or units) left."""
    if claim.authorization is None:
        return []
    return [Finding("SC-AUTH", "warning", p.text) for p in claim.authorization.problems]


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def scrub(claim: ScrubClaim) -> list[Finding]:
    """Every finding for ``claim``, errors first, each citing its rule id."""
    if not claim.lines:
        found = [Finding("SC-LINES", "error", "The claim has no lines: nothing to bill.")]
    else:
        found = [*check_codes(claim.lines), *check_lines(claim)]
    found += [
        *check_parties(claim),
        *check_dates(claim),
        *check_authorization(claim),
        *check_engine(claim),
        *check_fees(claim),
    ]
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(found, key=lambda f: order[f.level])
