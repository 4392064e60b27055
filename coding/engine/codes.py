"""Code sets the rules share, with short plain-language labels of our own.

CPT descriptors are AMA copyright: `LABELS` holds our own few words per code, never the
AMA long descriptor text.

It is also the one home of what a code or modifier typed by a person may look like
(`code_error`, `modifiers_error`, `parse_code_token`, `MODIFIERS`): the proposal panel's
custom codes, the biller's line fixes, fee schedule rows, payer modifier settings and the
claim scrubber all ask here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Final

from coding.engine.drugs import drug_codes, load_default_drug_table
from coding.engine.facts import PatientStatus
from coding.engine.payer import PROLONGED_CODES as PAYER_PROLONGED_CODES

EM_BY_STATUS: Final[Mapping[PatientStatus, tuple[str, str, str, str]]] = MappingProxyType(
    {
        "new": ("99202", "99203", "99204", "99205"),
        "established": ("99212", "99213", "99214", "99215"),
    }
)
EM_CODES: Final = frozenset(EM_BY_STATUS["new"] + EM_BY_STATUS["established"])
EM_TOP_CODES: Final = frozenset({"99205", "99215"})
PROLONGED_CODES: Final = frozenset(PAYER_PROLONGED_CODES)

PSYCHOTHERAPY_STANDALONE: Final = frozenset({"90832", "90834", "90837"})
PSYCHOTHERAPY_ADDON: Final = frozenset({"90833", "90836", "90838"})
INDIVIDUAL_PSYCHOTHERAPY: Final = PSYCHOTHERAPY_STANDALONE | PSYCHOTHERAPY_ADDON
CRISIS_FIRST: Final = "90839"
CRISIS_ADDON: Final = "90840"
CRISIS_CODES: Final = frozenset({CRISIS_FIRST, CRISIS_ADDON})
FAMILY_WITHOUT_PATIENT: Final = "90846"
FAMILY_WITH_PATIENT: Final = "90847"
FAMILY_CODES: Final = frozenset({FAMILY_WITHOUT_PATIENT, FAMILY_WITH_PATIENT})
GROUP: Final = "90853"
EVAL_WITHOUT_MEDICAL: Final = "90791"
EVAL_WITH_MEDICAL: Final = "90792"
EVALUATION_CODES: Final = frozenset({EVAL_WITHOUT_MEDICAL, EVAL_WITH_MEDICAL})
INTERACTIVE_COMPLEXITY: Final = "90785"
PHARM_MGMT_ADDON: Final = "90863"
VISIT_COMPLEXITY: Final = "G2211"  # VC-1
BRIEF_ASSESSMENT: Final = "96127"  # BA-1
INJECTION: Final = "96372"  # INJ-1
# Lines that never take a telehealth modifier unless payer data says so (BA-1, INJ-1).
NO_TELEHEALTH_MODIFIER: Final = frozenset({BRIEF_ASSESSMENT, INJECTION})
MODIFIER_25: Final = "25"
DISCARD_NONE: Final = "JZ"  # INJ-3
DISCARDED: Final = "JW"  # INJ-3

# Psychotherapy lines for DG-3 (a chapter F diagnosis or an accepted Z-code).
PSYCHOTHERAPY_CODES: Final = (
    INDIVIDUAL_PSYCHOTHERAPY | CRISIS_CODES | FAMILY_CODES | frozenset({GROUP})
)

LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "99202": "office visit, new patient, straightforward",
        "99203": "office visit, new patient, low complexity",
        "99204": "office visit, new patient, moderate complexity",
        "99205": "office visit, new patient, high complexity",
        "99212": "office visit, established patient, straightforward",
        "99213": "office visit, established patient, low complexity",
        "99214": "office visit, established patient, moderate complexity",
        "99215": "office visit, established patient, high complexity",
        "99417": "prolonged office visit, each 15 min",
        "G2212": "prolonged office visit (Medicare), each 15 min",
        "90832": "psychotherapy, about 30 min",
        "90833": "psychotherapy with an E/M, about 30 min",
        "90834": "psychotherapy, about 45 min",
        "90836": "psychotherapy with an E/M, about 45 min",
        "90837": "psychotherapy, about 60 min",
        "90838": "psychotherapy with an E/M, about 60 min",
        "90839": "crisis psychotherapy, first hour",
        "90840": "crisis psychotherapy, each further 30 min",
        "90846": "family psychotherapy, patient not present",
        "90847": "family psychotherapy, patient present",
        "90853": "group psychotherapy",
        "90791": "diagnostic evaluation",
        "90792": "diagnostic evaluation with medical services",
        "90785": "interactive complexity",
        "90863": "pharmacologic management with psychotherapy",
        "G2211": "visit complexity of continuing care (add-on to an office visit)",
        "96127": "brief emotional or behavioural assessment, per instrument",
        "96372": "injection under the skin or into a muscle",
        **{row.code: f"drug: {row.product}" for row in load_default_drug_table().rows},
    }
)


@cache  # a pure function of the code, asked for every line of every proposal
def line_rank(code: str) -> int:
    """Canonical line order: E/M first, then psychotherapy (and evaluation), then add-ons."""
    if code in EM_CODES:
        return 0
    if code in PROLONGED_CODES or code in (
        CRISIS_ADDON,
        PHARM_MGMT_ADDON,
        INTERACTIVE_COMPLEXITY,
        VISIT_COMPLEXITY,
    ):
        return 2
    if code in (BRIEF_ASSESSMENT, INJECTION):
        return 3
    if code in drug_codes():
        return 4
    return 1


# Daily maximum units per code (an MUE-style practice table); a code not listed: 1 a day.
# The panel shows a line above it before signing; the billing scrubber flags it (SC-UNITS).
# 96127's maximum is payer data (BA-2): 3 here is the shipped profiles' value, for a caller
# without a payer. Drug codes are billed by the dose (INJ-1) and have no entry here.
DAILY_MAX_UNITS: Final[Mapping[str, int]] = MappingProxyType(
    {CRISIS_ADDON: 3, "99417": 4, "G2212": 4, BRIEF_ASSESSMENT: 3, INJECTION: 4}
)


def units_over_daily_max(units_by_code: Mapping[str, int]) -> list[tuple[str, int, int]]:
    """(code, units, daily maximum) for each code billed above its daily maximum.

    Drug codes of the shipped table are left out: their units are the dose (INJ-1)."""
    drugs = drug_codes()
    return [
        (code, units, DAILY_MAX_UNITS.get(code, 1))
        for code, units in units_by_code.items()
        if code not in drugs and units > DAILY_MAX_UNITS.get(code, 1)
    ]


# ----------------------------------------------------------------------------- shapes
# CPT: 5 digits (99214), or 4 digits + F (category II) or T (category III). HCPCS level II:
# a letter and 4 digits (G2212). ASCII only: str.isdigit() would accept other scripts' digits.
_CODE_SHAPE: Final = re.compile(r"[0-9]{4}[0-9FT]|[A-Z][0-9]{4}")
# Modifiers on one line: the 837P SV1 composite carries at most four.
MAX_MODIFIERS: Final = 4
# The modifiers this practice may put on a claim line. Anything else is refused where it is
# typed (a modifier is two characters, so a typo is usually another valid-looking pair).
MODIFIERS: Final = frozenset(
    {
        "25",  # significant, separately identifiable E/M (PY)
        "26",  # professional component
        "52",  # reduced services
        "59",  # distinct procedural service
        "76",  # repeat procedure, same practitioner
        "77",  # repeat procedure, another practitioner
        "93",  # audio-only telehealth (TH-3)
        "95",  # synchronous audio-video telehealth (TH-2)
        "AH",  # clinical psychologist
        "AJ",  # clinical social worker
        "FQ",  # audio-only (RHC/FQHC)
        "FR",  # supervising practitioner present by audio-video
        "GA",  # waiver of liability (ABN) on file
        "GC",  # by a resident under a teaching physician
        "GE",  # by a resident without a teaching physician present
        "GQ",  # asynchronous telehealth
        "GT",  # interactive audio-video telehealth (TH-2)
        "GY",  # statutorily excluded
        "GZ",  # expected denial, no ABN
        "HA",  # child/adolescent program
        "HE",  # mental health program
        "HN",  # bachelor's degree level
        "HO",  # master's degree level
        "HQ",  # group setting
        "HR",  # family/couple with the client present
        "HS",  # family/couple without the client present
        "JW",  # drug amount discarded
        "JZ",  # no drug amount discarded
        "KX",  # requirements of the medical policy met
        "SA",  # nurse practitioner with a physician
        "TC",  # technical component
        "UA",  # Medicaid level of care (state-defined)
        "UB",
        "UC",
        "UD",
        "XE",  # separate encounter
        "XP",  # separate practitioner
        "XS",  # separate structure
        "XU",  # unusual non-overlapping service
    }
)
_ALLOWED_TEXT: Final = ", ".join(sorted(MODIFIERS))


class CodeTokenError(ValueError):
    """A typed code or modifier that cannot go on a claim; `message` says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class CodeToken:
    """A code and its modifiers as a person typed them ("99214-25")."""

    code: str
    modifiers: tuple[str, ...] = ()


def _shown(text: str) -> str:
    return text if len(text) <= 20 else text[:20] + "..."


def code_error(code: str) -> str | None:
    """Why ``code`` is not a CPT or HCPCS level II code; None when it has the shape of one."""
    if not code:
        return "Enter a code."
    if _CODE_SHAPE.fullmatch(code):
        return None
    return (
        f"{_shown(code)} is not a CPT or HCPCS code: CPT codes are 5 digits (or 4 digits and "
        "F or T), HCPCS codes a capital letter and 4 digits."
    )


def modifiers_error(modifiers: Sequence[str]) -> str | None:
    """Why ``modifiers`` cannot go on one line (unknown, repeated, too many); None when fine."""
    for modifier in modifiers:
        if modifier not in MODIFIERS:
            return (
                f"Modifier {_shown(modifier) or '(empty)'} is not one this practice uses; "
                f"allowed: {_ALLOWED_TEXT}."
            )
    repeated = sorted({m for m in modifiers if modifiers.count(m) > 1})
    if repeated:
        return f"Modifier {repeated[0]} is given twice."
    if len(modifiers) > MAX_MODIFIERS:
        return f"A line carries at most {MAX_MODIFIERS} modifiers."
    return None


def parse_code_token(text: str) -> CodeToken:
    """``"99214-25"`` -> CodeToken("99214", ("25",)); raise CodeTokenError saying what is wrong.

    Letters are upper-cased and blanks around the token dropped; empty parts between
    hyphens are ignored ("99214-" is 99214).
    """
    code, *rest = text.strip().upper().split("-")
    error = code_error(code) if code else "Enter a code before its modifiers, e.g. 99214-25."
    if error is not None:
        raise CodeTokenError(error)
    modifiers = tuple(m for m in (part.strip() for part in rest) if m)
    error = modifiers_error(modifiers)
    if error is not None:
        raise CodeTokenError(error)
    return CodeToken(code, modifiers)


def code_lines_from_text(text: str) -> list[dict[str, object]]:
    """Typed codes as claim lines, unchecked: "99214-25, 90833" -> two lines of one unit.

    Tokens are split on commas, semicolons and blanks; `parse_code_token` checks each one
    where the lines are used, so what was typed is kept to be shown back with its error.
    """
    lines: list[dict[str, object]] = []
    for token in re.split(r"[,\s;]+", text or ""):
        if not token:
            continue
        code, *modifiers = token.upper().split("-")
        lines.append({"code": code, "units": 1, "modifiers": [m for m in modifiers if m]})
    return lines
