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
- `date_of_service` (optional, ISO `YYYY-MM-DD`) is not part of the public contract; it
  feeds the TH-4 warning and picks the drug-table row in force (INJ-1), and is ignored when
  absent.
- `id` is a non-empty string or a whole number (not a boolean); it is echoed as given.
- engine 2 fields: `em.other_minutes` (EM-3, minutes), `longitudinal_care` (VC-1, boolean),
  `brief_assessments` (BA-1, a count of instruments, 0-50) and `injections` (INJ-1, a list of
  `{"drug", "dose_mg", "container_mg", "supplied_by_practice"}`; doses are positive numbers in
  mg, `container_mg` defaults to the dose and `supplied_by_practice` to true). An injection
  may also carry its NDC (`ndc`: 11 digits, `ndc_quantity`, `ndc_unit`), which INJ-4 reads;
  these three are not part of the public contract.
- every error names its field (dotted, `injections[0].dose_mg` for a list item) and, where
  one rule reads the field, that rule's id (`FactsError.rule`, from `FIELD_RULES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Final, Literal, TypeVar, get_args

PatientStatus = Literal["new", "established"]
Credential = Literal["MD", "DO", "NP", "PA", "CNS", "RxP", "psychologist", "LCSW", "LPC", "LMFT"]
Setting = Literal["in_person", "video", "audio"]
PsychotherapyKind = Literal[
    "individual", "crisis", "family_with_patient", "family_without_patient", "group"
]
Level = Literal["minimal", "low", "moderate", "high"]
DiagnosticEvaluation = Literal["without_medical", "with_medical"]
# NDC quantity units of the 837P (CTP05): international unit, gram, milligram, millilitre, unit.
NdcUnit = Literal["F2", "GR", "ME", "ML", "UN"]
FactsId = str | int

PATIENT_STATUSES: Final[tuple[PatientStatus, ...]] = get_args(PatientStatus)
CREDENTIALS: Final[tuple[Credential, ...]] = get_args(Credential)
SETTINGS: Final[tuple[Setting, ...]] = get_args(Setting)
PSYCHOTHERAPY_KINDS: Final[tuple[PsychotherapyKind, ...]] = get_args(PsychotherapyKind)
LEVELS: Final[tuple[Level, ...]] = get_args(Level)
DIAGNOSTIC_EVALUATIONS: Final[tuple[DiagnosticEvaluation, ...]] = get_args(DiagnosticEvaluation)
NDC_UNITS: Final[tuple[NdcUnit, ...]] = get_args(NdcUnit)

# Licence facts, not payer data: these credentials cannot prescribe (CB-6). RxP can.
NON_PRESCRIBERS: Final[frozenset[Credential]] = frozenset({"psychologist", "LCSW", "LPC", "LMFT"})

MAX_MINUTES: Final = 24 * 60
MAX_BRIEF_ASSESSMENTS: Final = 50
MAX_INJECTIONS: Final = 10
MAX_DOSE_MG: Final = Decimal(10_000)

# The rule that reads each input field (the first dotted part, or the whole dotted name):
# an input error carries it beside the field, so a person learns which rule needs the value.
FIELD_RULES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "patient_status": "EM-7",
        "clinician": "EM-1",
        "payer": "PY",
        "setting": "TH-1",
        "patient_at_home": "TH-2",
        "psychotherapy": "PT-1",
        "psychotherapy.kind": "PT-1",
        "em": "EM-3",
        "em.mdm": "EM-2",
        "pharmacologic_management": "CB-4",
        "interactive_complexity": "IC-1",
        "diagnostic_evaluation": "DX-1",
        "date_of_service": "TH-4",
        "longitudinal_care": "VC-1",
        "brief_assessments": "BA-1",
        "injections": "INJ-1",
        "injections.container_mg": "INJ-3",
        "injections.ndc": "INJ-4",
        "injections.ndc_quantity": "INJ-4",
        "injections.ndc_unit": "INJ-4",
    }
)


def field_rule(field: str) -> str | None:
    """The rule id that reads `field` (dotted, list indexes ignored), or None (id, facts)."""
    parts = [part.split("[")[0] for part in field.split(".")]
    for size in range(len(parts), 0, -1):
        rule = FIELD_RULES.get(".".join(parts[:size]))
        if rule is not None:
            return rule
    return None


_S = TypeVar("_S", bound=str)


class FieldValueError(ValueError):
    """Invalid input data; `field` names the offending field (dotted for nested ones)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class FactsError(FieldValueError):
    """Invalid facts; `field` names the offending field (dotted for nested ones), `rule` the
    rule id that reads it (None for `id`, `facts` and `line`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.rule = field_rule(field)


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
    other_minutes: int = 0

    @property
    def total_minutes(self) -> int:
        """EM-3: the clinician's total E/M time that date, with and without the patient."""
        return self.minutes + self.other_minutes


@dataclass(frozen=True, slots=True)
class Ndc:
    """The drug's National Drug Code as the 837P carries it (LIN N4, CTP): INJ-4."""

    code: str
    quantity: Decimal
    unit: NdcUnit


@dataclass(frozen=True, slots=True)
class Injection:
    """One long-acting injection given in the visit (INJ-1, INJ-3).

    `drug` is the HCPCS code of the product; doses are in the product's labelled strength;
    `container_mg` is the labelled amount of the container used (the dose when not given).
    """

    drug: str
    dose_mg: Decimal
    container_mg: Decimal
    supplied_by_practice: bool = True
    ndc: Ndc | None = None


@dataclass(frozen=True, slots=True)
class PsychotherapyBlock:
    """The psychotherapy block: its kind and its own face-to-face minutes (PT-3, PT-4)."""

    kind: PsychotherapyKind
    minutes: int = 0


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the engine knows about one encounter."""

    id: FactsId
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
    longitudinal_care: bool = False
    brief_assessments: int = 0
    injections: tuple[Injection, ...] = ()

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
            "longitudinal_care": self.longitudinal_care,
            "brief_assessments": self.brief_assessments,
            "injections": [_injection_dict(injection) for injection in self.injections],
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
                "other_minutes": self.em.other_minutes,
            }
        if self.date_of_service is not None:
            out["date_of_service"] = self.date_of_service.isoformat()
        return out


def _number(value: Decimal) -> int | float:
    """A Decimal as JSON writes it: a whole number as an int."""
    return int(value) if value == value.to_integral_value() else float(value)


def _injection_dict(injection: Injection) -> dict[str, object]:
    out: dict[str, object] = {
        "drug": injection.drug,
        "dose_mg": _number(injection.dose_mg),
        "container_mg": _number(injection.container_mg),
        "supplied_by_practice": injection.supplied_by_practice,
    }
    if injection.ndc is not None:
        out["ndc"] = injection.ndc.code
        out["ndc_quantity"] = _number(injection.ndc.quantity)
        out["ndc_unit"] = injection.ndc.unit
    return out


def _choice(value: object, field: str, choices: tuple[_S, ...]) -> _S:
    if value is None:
        raise FactsError(field, f"is required: one of {', '.join(choices)}")
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


def _facts_id(value: object) -> FactsId:
    """The facts' id: a non-empty string or a whole number, echoed as given."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str) or not value.strip():
        raise FactsError("id", f"must be a non-empty string or a whole number; got {value!r}")
    return value


def facts_id_of(raw: object) -> FactsId | None:
    """The id to echo for raw facts that may not parse (None when there is no usable id)."""
    if not isinstance(raw, Mapping):
        return None
    try:
        return _facts_id(raw.get("id"))
    except FactsError:
        return None


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
    return EmBlock(
        minutes=_minutes(block.get("minutes"), "em.minutes"),
        mdm=_mdm(block.get("mdm")),
        other_minutes=_minutes(block.get("other_minutes"), "em.other_minutes"),
    )


def _count(value: object, field: str, most: int) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not (
        isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    ):
        raise FactsError(field, f"must be a whole number; got {value!r}")
    count = int(value)
    if not 0 <= count <= most:
        raise FactsError(field, f"must be from 0 to {most}; got {count}")
    return count


def _mg(value: object, field: str) -> Decimal:
    """A positive amount (mg, or an NDC quantity): an int or a float, read exactly as written."""
    if value is None:
        raise FactsError(field, "is required: a positive number")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FactsError(field, f"must be a positive number; got {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise FactsError(field, f"must be a positive number; got {value!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise FactsError(field, f"must be a positive number; got {value!r}")
    if amount > MAX_DOSE_MG:
        raise FactsError(field, f"must be at most {MAX_DOSE_MG}; got {value!r}")
    return amount


def _ndc(item: Mapping[str, object], field: str) -> Ndc | None:
    code = item.get("ndc")
    if code is None:
        return None
    if not isinstance(code, str) or not (
        len(digits := code.replace("-", "")) == 11 and digits.isascii() and digits.isdigit()
    ):
        raise FactsError(f"{field}.ndc", f"must be the 11-digit NDC; got {code!r}")
    return Ndc(
        code=digits,
        quantity=_mg(item.get("ndc_quantity"), f"{field}.ndc_quantity"),
        unit=_choice(item.get("ndc_unit"), f"{field}.ndc_unit", NDC_UNITS),
    )


def _injection(value: object, field: str) -> Injection:
    item = _object(value, field)
    if item is None:
        raise FactsError(field, "must be an object")
    drug = _text(_required(item, "drug", f"{field}.drug"), f"{field}.drug").strip().upper()
    dose = _mg(_required(item, "dose_mg", f"{field}.dose_mg"), f"{field}.dose_mg")
    container = item.get("container_mg")
    supplied = item.get("supplied_by_practice")
    if supplied is not None and not isinstance(supplied, bool):
        raise FactsError(
            f"{field}.supplied_by_practice", f"must be true or false; got {supplied!r}"
        )
    return Injection(
        drug=drug,
        dose_mg=dose,
        container_mg=dose if container is None else _mg(container, f"{field}.container_mg"),
        supplied_by_practice=True if supplied is None else supplied,
        ndc=_ndc(item, field),
    )


def _injections(value: object) -> tuple[Injection, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise FactsError("injections", f"must be a list; got {value!r}")
    if len(value) > MAX_INJECTIONS:
        raise FactsError("injections", f"at most {MAX_INJECTIONS} injections; got {len(value)}")
    return tuple(_injection(item, f"injections[{n}]") for n, item in enumerate(value))


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
        id=_facts_id(_required(d, "id")),
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
        longitudinal_care=_flag(d, "longitudinal_care"),
        brief_assessments=_count(
            d.get("brief_assessments"), "brief_assessments", MAX_BRIEF_ASSESSMENTS
        ),
        injections=_injections(d.get("injections")),
    )
