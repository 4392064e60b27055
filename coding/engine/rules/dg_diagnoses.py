"""DG: diagnosis checks for a claim's lines (pointers, code set, psychotherapy diagnoses).

These rules act on a claim (through the claim-line checks of `coding.engine.claim_lines`,
which the scrubber and the chart audit call), not on a proposal: the facts of an encounter
carry no diagnoses. The ICD-10-CM code set is
injected as `is_billable(code) -> bool`, so the engine stays pure and needs no data file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from coding.engine.codes import PSYCHOTHERAPY_CODES
from coding.engine.payer import PayerProfile
from coding.engine.proposal import EMPTY, RuleResult, error

MAX_DIAGNOSES: Final = 12
MAX_POINTERS: Final = 4


class PointedLine(Protocol):
    """What the DG rules read of a claim line: its code and its diagnosis pointers."""

    @property
    def code(self) -> str: ...

    @property
    def pointers(self) -> tuple[int, ...]: ...


@dataclass(frozen=True, slots=True)
class ClaimLine:
    """A claim line's code and its diagnosis pointers (1-based into the claim's list)."""

    code: str
    pointers: tuple[int, ...]


def first_pointers(diagnosis_count: int) -> tuple[int, ...]:
    """DG-1: the pointers a new claim line gets: the first diagnoses, at most four."""
    return tuple(range(1, min(diagnosis_count, MAX_POINTERS) + 1))


def rule_dg_1(lines: Sequence[PointedLine], diagnoses: Sequence[str]) -> RuleResult:
    """DG-1: each line points to 1-4 of the claim's diagnoses; at most 12 per claim.

    A claim with no diagnosis (blank entries are none) gets that one error, never a
    pointer error for each line."""
    if not any(code.strip() for code in diagnoses):
        return error("DG-1", "the claim has no diagnosis")
    result = EMPTY
    if len(diagnoses) > MAX_DIAGNOSES:
        result += error("DG-1", f"{len(diagnoses)} diagnoses: at most {MAX_DIAGNOSES} per claim")
    for line in lines:
        if not line.pointers:
            result += error("DG-1", f"{line.code}: points to no diagnosis")
        elif len(line.pointers) > MAX_POINTERS:
            result += error(
                "DG-1",
                f"{line.code}: {len(line.pointers)} diagnosis pointers, at most {MAX_POINTERS}",
            )
        elif len(set(line.pointers)) != len(line.pointers):
            result += error("DG-1", f"{line.code}: points to the same diagnosis twice")
        bad = [p for p in line.pointers if not 1 <= p <= min(len(diagnoses), MAX_DIAGNOSES)]
        if bad:
            result += error("DG-1", f"{line.code}: pointer(s) {bad} match no diagnosis")
    return result


def rule_dg_2(diagnoses: Sequence[str], is_billable: Callable[[str], bool]) -> RuleResult:
    """DG-2: every diagnosis is a billable (leaf) ICD-10-CM code: F32.9 yes, F32 no."""
    result = EMPTY
    for code in diagnoses:
        if not is_billable(code):
            result += error(
                "DG-2", f"{code}: not a billable ICD-10-CM code (a leaf code is needed)"
            )
    return result


def dg_3_accepts(code: str, payer: PayerProfile) -> bool:
    """DG-3: whether ``payer`` takes ``code`` on a psychotherapy line (chapter F or its Z-codes)."""
    code = code.strip().upper()
    return code.startswith("F") or any(code.startswith(p.upper()) for p in payer.accepted_z_codes)


def rule_dg_3(
    lines: Sequence[PointedLine], diagnoses: Sequence[str], payer: PayerProfile
) -> RuleResult:
    """DG-3: psychotherapy lines point to a chapter F diagnosis or a Z-code the payer accepts.

    A claim with no diagnosis at all is DG-1's error alone.
    """
    result = EMPTY
    if not diagnoses:
        return result
    for line in lines:
        if line.code not in PSYCHOTHERAPY_CODES:
            continue
        pointed = [diagnoses[p - 1] for p in line.pointers if 1 <= p <= len(diagnoses)]
        if not any(dg_3_accepts(code, payer) for code in pointed):
            result += error(
                "DG-3",
                f"{line.code}: psychotherapy needs a mental or behavioral diagnosis (chapter F) "
                f"or a Z-code {payer.name} accepts",
            )
    return result


def dg_check_claim_lines(
    lines: Sequence[PointedLine],
    diagnoses: Sequence[str],
    payer: PayerProfile,
    is_billable: Callable[[str], bool],
) -> RuleResult:
    """All DG checks of one claim; no messages means the diagnoses are in order."""
    return (
        rule_dg_1(lines, diagnoses)
        + rule_dg_2(diagnoses, is_billable)
        + rule_dg_3(lines, diagnoses, payer)
    )
