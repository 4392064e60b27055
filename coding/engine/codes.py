"""Code sets the rules share, with short plain-language labels of our own.

CPT descriptors are AMA copyright: `LABELS` holds our own few words per code, never the
AMA long descriptor text.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

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
    }
)


def line_rank(code: str) -> int:
    """Canonical line order: E/M first, then psychotherapy (and evaluation), then add-ons."""
    if code in EM_CODES:
        return 0
    if code in PROLONGED_CODES or code in (CRISIS_ADDON, PHARM_MGMT_ADDON, INTERACTIVE_COMPLEXITY):
        return 2
    return 1


# Daily maximum units per code (an MUE-style practice table); a code not listed: 1 a day.
# The panel shows a line above it before signing; the billing scrubber flags it (SC-UNITS).
DAILY_MAX_UNITS: Final[Mapping[str, int]] = MappingProxyType(
    {CRISIS_ADDON: 3, "99417": 4, "G2212": 4}
)


def units_over_daily_max(units_by_code: Mapping[str, int]) -> list[tuple[str, int, int]]:
    """(code, units, daily maximum) for each code billed above its daily maximum."""
    return [
        (code, units, DAILY_MAX_UNITS.get(code, 1))
        for code, units in units_by_code.items()
        if units > DAILY_MAX_UNITS.get(code, 1)
    ]
