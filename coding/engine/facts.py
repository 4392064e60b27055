"""Facts of one encounter, the engine's only input, and the one parser that builds them.

`facts_from_dict` turns the facts JSON object of `docs/coding-contract.md` into a frozen
`Facts`. Its errors are `FactsError(field, message)`, so a caller can point at the field.

Parsing decisions (tested in tests/coding/engine/test_facts.py):
- `id`, `patient_status`, `clinician` and `payer` are required; every other field takes its
  empty value when left out or null (`null`, `false`, `0`); a left-out `setting` is `in_person`.
- minutes are whole, non-negative numbers up to 1440 (one day); an int-valued float such as
  `25.0` is accepted as 25, a fraction such as `25.5` is refused, and so is a boolean.
- booleans must be JSON booleans: `1`/`0` or `"true"` are refused.
- keys the contract does not name (e.g. an `expected` block in a test file) are ignored.
- `date_of_service` (optional, ISO `YYYY-MM-DD`) is not part of the public contract; it only
  feeds the TH-4 warning and is ignored when absent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, TypeVar, get_args

PatientStatus = Literal["new", "established"]
Credential = Literal["MD", "DO", "NP", "PA", "CNS", "RxP", "psychologist", "LCSW", "LPC", "LMFT"]
Setting = Literal["in_person", "video", "audio"]
PsychotherapyKind = Literal[
    "individual", "crisis", "family_with_patient", "family_without_patient", "group"
]
Level = Literal["minimal", "low", "moderate", "high"]
DiagnosticEvaluation = Literal["without_medical", "with_medical"]

PATIENT_STATUSES: Final[tuple[PatientStatus, ...]] = get_args(PatientStatus)
CREDENTIALS: Final[tuple[Credential, ...]] = get_args(Credential)
SETTINGS: Final[tuple[Setting, ...]] = get_args(Setting)
PSYCHOTHERAPY_KINDS: Final[tuple[PsychotherapyKind, ...]] = get_args(PsychotherapyKind)
LEVELS: Final[tuple[Level, ...]] = get_args(Level)
DIAGNOSTIC_EVALUATIONS: Final[tuple[DiagnosticEvaluation, ...]] = get_args(DiagnosticEvaluation)

# Licence facts, not payer data: these credentials cannot prescribe (CB-6). RxP can.
NON_PRESCRIBERS: Final[frozenset[Credential]] = frozenset({"psychologist", "LCSW", "LPC", "LMFT"})

MAX_MINUTES: Final = 24 * 60

_S = TypeVar("_S", bound=str)


class FieldValueError(ValueError):
    """Invalid input data; `field` names the offending field (dotted for nested ones)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class FactsError(FieldValueError):
    """Invalid facts; `field` names the offending field (dotted for nested ones)."""


@dataclass(frozen=True, slots=True)
class Mdm:
    """The three MDM elements, each rated minimal, low, moderate or high (EM-2)."""

    problems: Level
    data: Level
    risk: Level


@dataclass(frozen=True, slots=True)
class EmBlock:
    """The med-management (E/M) block: its own minutes and, when documented, its MDM."""

    minutes: int = 0
    mdm: Mdm | None = None


@dataclass(frozen=True, slots=True)
class PsychotherapyBlock:
    """The psychotherapy block: its kind and its own face-to-face minutes (PT-3, PT-4)."""

    kind: PsychotherapyKind
    minutes: int = 0


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the engine knows about one encounter."""

    id: str
    patient_status: PatientStatus
    clinician: Credential
    payer: str
    setting: Setting = "in_person"
    patient_at_home: bool = False
    psychotherapy: PsychotherapyBlock | None = None
    em: EmBlock | None = None
    pharmacologic_management: bool = False
    interactive_complexity: bool = False
    diagnostic_evaluation: DiagnosticEvaluation | None = None
    date_of_service: dt.date | None = None

    def to_dict(self) -> dict[str, object]:
        """The facts as the JSON object `facts_from_dict` reads (round-trips)."""
        out: dict[str, object] = {
            "id": self.id,
            "patient_status": self.patient_status,
            "clinician": self.clinician,
            "payer": self.payer,
            "setting": self.setting,
            "patient_at_home": self.patient_at_home,
            "psychotherapy": None,
            "em": None,
            "pharmacologic_management": self.pharmacologic_management,
            "interactive_complexity": self.interactive_complexity,
            "diagnostic_evaluation": self.diagnostic_evaluation,
        }
        if self.psychotherapy is not None:
            out["psychotherapy"] = {
                "kind": self.psychotherapy.kind,
                "minutes": self.psychotherapy.minutes,
            }
        if self.em is not None:
            mdm = self.em.mdm
            out["em"] = {
                "minutes": self.em.minutes,
                "mdm": None
                if mdm is None
                else {"problems": mdm.problems, "data": mdm.data, "risk": mdm.risk},
            }
        if self.date_of_service is not None:
            out["date_of_service"] = self.date_of_service.isoformat()
        return out


def _choice(value: object, field: str, choices: tuple[_S, ...]) -> _S:
    for choice in choices:
        if value == choice:
            return choice
    raise FactsError(field, f"must be one of {', '.join(choices)}; got {value!r}")


def _required(d: Mapping[str, object], key: str, field: str | None = None) -> object:
    value = d.get(key)
    if value is None:
        raise FactsError(field or key, "is required")
    return value


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FactsError(field, f"must be a non-empty string; got {value!r}")
    return value


def _flag(d: Mapping[str, object], field: str) -> bool:
    value = d.get(field)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise FactsError(field, f"must be true or false; got {value!r}")
    return value


def _minutes(value: object, field: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        raise FactsError(field, f"must be a number of minutes; got {value!r}")
    if isinstance(value, int):
        minutes = value
    elif isinstance(value, float) and value.is_integer():
        minutes = int(value)
    else:
        raise FactsError(field, f"must be a whole number of minutes; got {value!r}")
    if minutes < 0:
        raise FactsError(field, f"must not be negative; got {minutes}")
    if minutes > MAX_MINUTES:
        raise FactsError(field, f"must be at most {MAX_MINUTES} (one day); got {minutes}")
    return minutes


def _object(value: object, field: str) -> Mapping[str, object] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise FactsError(field, f"must be an object or null; got {value!r}")
    return value


def _psychotherapy(value: object) -> PsychotherapyBlock | None:
    block = _object(value, "psychotherapy")
    if block is None:
        return None
    kind = _choice(
        _required(block, "kind", "psychotherapy.kind"), "psychotherapy.kind", PSYCHOTHERAPY_KINDS
    )
    return PsychotherapyBlock(
        kind=kind, minutes=_minutes(block.get("minutes"), "psychotherapy.minutes")
    )


def _mdm(value: object) -> Mdm | None:
    mdm = _object(value, "em.mdm")
    if mdm is None:
        return None
    return Mdm(
        problems=_choice(mdm.get("problems"), "em.mdm.problems", LEVELS),
        data=_choice(mdm.get("data"), "em.mdm.data", LEVELS),
        risk=_choice(mdm.get("risk"), "em.mdm.risk", LEVELS),
    )


def _em(value: object) -> EmBlock | None:
    block = _object(value, "em")
    if block is None:
        return None
    return EmBlock(minutes=_minutes(block.get("minutes"), "em.minutes"), mdm=_mdm(block.get("mdm")))


def _date(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise FactsError("date_of_service", f"must be a date as YYYY-MM-DD; got {value!r}")


def facts_from_dict(d: object) -> Facts:
    """Parse one facts object (README contract); raise FactsError naming the bad field."""
    if not isinstance(d, Mapping):
        raise FactsError("facts", f"must be a JSON object; got {type(d).__name__}")
    diagnostic = d.get("diagnostic_evaluation")
    setting = d.get("setting")
    return Facts(
        id=_text(_required(d, "id"), "id"),
        patient_status=_choice(_required(d, "patient_status"), "patient_status", PATIENT_STATUSES),
        clinician=_choice(_required(d, "clinician"), "clinician", CREDENTIALS),
        payer=_text(_required(d, "payer"), "payer"),
        setting="in_person" if setting is None else _choice(setting, "setting", SETTINGS),
        patient_at_home=_flag(d, "patient_at_home"),
        psychotherapy=_psychotherapy(d.get("psychotherapy")),
        em=_em(d.get("em")),
        pharmacologic_management=_flag(d, "pharmacologic_management"),
        interactive_complexity=_flag(d, "interactive_complexity"),
        diagnostic_evaluation=None
        if diagnostic is None
        else _choice(diagnostic, "diagnostic_evaluation", DIAGNOSTIC_EVALUATIONS),
        date_of_service=_date(d.get("date_of_service")),
    )
