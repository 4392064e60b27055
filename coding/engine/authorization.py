"""Prior authorizations: which service family a billed code belongs to, and whether a visit's
lines are covered by an authorization on file (SC-AUTH). Standard library only.

A payer says which families need its authorization (``payers.Payer.authorization_families``);
the practice records each authorization it gets (number, families, dates, visits or units
authorized); what is used is counted from signed visits' claim lines, by the claims app,
with the code sets below. The live panel, the claim scrubber and the 837P (REF*G1) ask
``check_authorizations`` and restate nothing.

Families name the codes this practice bills: psychotherapy (individual, crisis, family,
group and the diagnostic evaluations, 90791/90792), E/M (office visits), testing (the brief
instruments, 96127) and injections (96372). Add-ons that only qualify another line
(interactive complexity, 90863, G2211, prolonged time) and the drug lines belong to no
family: they never use an authorization up and never need one of their own.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal, get_args

from coding.engine.codes import (
    BRIEF_ASSESSMENT,
    CRISIS_CODES,
    EM_CODES,
    EVALUATION_CODES,
    INJECTION,
    PSYCHOTHERAPY_CODES,
)

ServiceFamily = Literal["psychotherapy", "em", "testing", "injection"]
SERVICE_FAMILIES: Final[tuple[ServiceFamily, ...]] = get_args(ServiceFamily)

FAMILY_LABELS: Final[Mapping[ServiceFamily, str]] = MappingProxyType(
    {
        "psychotherapy": "Psychotherapy",
        "em": "E/M (office visits)",
        "testing": "Testing (96127)",
        "injection": "Injections (96372)",
    }
)

FAMILY_CODES: Final[Mapping[ServiceFamily, frozenset[str]]] = MappingProxyType(
    {
        "psychotherapy": PSYCHOTHERAPY_CODES | CRISIS_CODES | EVALUATION_CODES,
        "em": EM_CODES,
        "testing": frozenset({BRIEF_ASSESSMENT}),
        "injection": frozenset({INJECTION}),
    }
)

Counts = Literal["visits", "units"]
COUNTS: Final[tuple[Counts, ...]] = get_args(Counts)
ProblemKind = Literal["missing", "outside_dates", "exceeded"]


def code_family(code: str) -> ServiceFamily | None:
    """The service family of a billed code; None for add-ons and drug lines."""
    for family in SERVICE_FAMILIES:
        if code in FAMILY_CODES[family]:
            return family
    return None


def families_error(values: Iterable[object]) -> str | None:
    """Why ``values`` is not a list of service families; None when it is one."""
    unknown = [str(v) for v in values if v not in SERVICE_FAMILIES]
    if unknown:
        return f"Unknown service family {', '.join(unknown)}; use {', '.join(SERVICE_FAMILIES)}."
    return None


@dataclass(frozen=True, slots=True)
class AuthorizationOnFile:
    """One authorization as the check reads it; ``used`` excludes the visit being checked."""

    number: str
    families: frozenset[ServiceFamily]
    start: datetime.date
    end: datetime.date
    authorized: int
    used: int
    counts: Counts = "visits"

    @property
    def remaining(self) -> int:
        return max(self.authorized - self.used, 0)

    def covers(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class AuthorizationProblem:
    kind: ProblemKind
    family: ServiceFamily
    text: str


@dataclass(frozen=True, slots=True)
class AuthorizationCheck:
    """What the check found, and the numbers of the authorizations the visit would use."""

    problems: tuple[AuthorizationProblem, ...] = ()
    numbers: tuple[str, ...] = ()


def _need(lines: Sequence[tuple[str, int]], family: ServiceFamily, counts: Counts) -> int:
    if counts == "visits":
        return 1
    return sum(units for code, units in lines if code_family(code) == family)


def check_authorizations(
    *,
    lines: Sequence[tuple[str, int]],
    day: datetime.date,
    required: Iterable[ServiceFamily],
    on_file: Sequence[AuthorizationOnFile],
) -> AuthorizationCheck:
    """SC-AUTH: each family of the visit's ``(code, units)`` lines that the payer ``required``
    an authorization for needs one on file that covers the family, is in force on ``day`` and
    has the visit (or the family's units) left.

    One problem per family: none on file; none in force on that day (the latest is named);
    or every one in force used up (the one with the most left is named)."""
    wanted = set(required)
    problems: list[AuthorizationProblem] = []
    numbers: list[str] = []
    billed = {code_family(code) for code, _units in lines}
    for family in SERVICE_FAMILIES:
        if family not in billed or family not in wanted:
            continue
        label = FAMILY_LABELS[family]
        candidates = [a for a in on_file if family in a.families]
        if not candidates:
            problems.append(
                AuthorizationProblem(
                    "missing",
                    family,
                    f"{label} needs the payer's authorization; none is on file for this coverage.",
                )
            )
            continue
        in_force = [a for a in candidates if a.covers(day)]
        if not in_force:
            latest = max(candidates, key=lambda a: a.end)
            problems.append(
                AuthorizationProblem(
                    "outside_dates",
                    family,
                    f"{label}: authorization {latest.number} runs {latest.start.isoformat()} "
                    f"to {latest.end.isoformat()}; the visit on {day.isoformat()} is outside it.",
                )
            )
            continue
        enough = [a for a in in_force if a.remaining >= _need(lines, family, a.counts)]
        if not enough:
            best = max(in_force, key=lambda a: a.remaining)
            need = _need(lines, family, best.counts)
            problems.append(
                AuthorizationProblem(
                    "exceeded",
                    family,
                    f"{label}: authorization {best.number} has {best.used} of {best.authorized} "
                    f"{best.counts} used; this visit needs {need} more.",
                )
            )
            continue
        chosen = min(enough, key=lambda a: (a.end, a.number))
        if chosen.number not in numbers:
            numbers.append(chosen.number)
    return AuthorizationCheck(tuple(problems), tuple(numbers))
