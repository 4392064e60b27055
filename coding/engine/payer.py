"""Payer profiles (PY): every payer-specific behaviour of the engine, as data.

Rules read `PayerProfile` fields, never a payer's name. The three defaults of
docs/coding-rules.md section 10 ship in `data/payer_profiles.json`; the payers app stores
edited copies and hands them to `propose(facts, payer=...)` through `PayerProfile.from_dict`.

Payer data may narrow the two credential lists freely but widen them only within licence
(docs/coding-rules.md, EM-1 and CB-4): `LICENCE_CEILING` holds that limit, `from_dict` refuses
a list beyond it, and EM-1 / CB-4 never let a credential beyond it bill, whatever a profile says.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Final, Literal, TypeVar, get_args

from coding.engine.facts import CREDENTIALS, Credential, FieldValueError

ProlongedCode = Literal["99417", "G2212"]
VideoModifier = Literal["95", "GT"]
CredentialList = Literal["em_credentials", "pharm_mgmt_90863_credentials"]

_S = TypeVar("_S", bound=str)

PROLONGED_CODES: Final[tuple[ProlongedCode, ...]] = get_args(ProlongedCode)
VIDEO_MODIFIERS: Final[tuple[VideoModifier, ...]] = get_args(VideoModifier)

# Licence scope: the most a payer's credential list may ever hold (docs/coding-rules.md,
# EM-1 and CB-4). Psychologists and RxP report E/M only where the payer says state law lets
# them; a profile has no separate flag for it, so naming them in the E/M list is that
# statement (EM-1). 90863 is for prescribers who cannot report E/M: RxP only (CB-4).
# Who prescribes at all is a licence fact too: `facts.NON_PRESCRIBERS` (CB-6).
EM_BY_LICENCE: Final[frozenset[Credential]] = frozenset({"MD", "DO", "NP", "PA", "CNS"})
EM_BY_STATE_LAW: Final[frozenset[Credential]] = frozenset({"RxP", "psychologist"})
LICENCE_CEILING: Final[Mapping[CredentialList, frozenset[Credential]]] = MappingProxyType(
    {
        "em_credentials": EM_BY_LICENCE | EM_BY_STATE_LAW,
        "pharm_mgmt_90863_credentials": frozenset({"RxP"}),
    }
)
# The rule each list serves and what it lets a credential bill, for the refusal text.
_LIST_RULE: Final[Mapping[CredentialList, tuple[str, str]]] = MappingProxyType(
    {"em_credentials": ("EM-1", "E/M"), "pharm_mgmt_90863_credentials": ("CB-4", "90863")}
)


def within_licence(credential: str, field: CredentialList) -> bool:
    """Whether any payer may put `credential` in its `field` list (EM-1, CB-4)."""
    return credential in LICENCE_CEILING[field]


def licence_scope_refusal(credential: str, field: CredentialList) -> str:
    """Why `credential` may not stand in a payer's `field` list, citing EM-1 or CB-4."""
    rule, service = _LIST_RULE[field]
    return f"{credential} cannot bill {service} under any payer: a licence-scope limit ({rule})"


def beyond_licence(credentials: Iterable[str], field: CredentialList) -> list[str]:
    """The refusal of each credential in `credentials` beyond licence scope, in their order."""
    unique = dict.fromkeys(credentials)
    return [licence_scope_refusal(c, field) for c in unique if not within_licence(c, field)]


# The profile fields engine 2 added (docs/coding-rules.md section 10). A stored profile that
# does not hold them yet loads with the dataclass defaults (`from_dict`); the payers app keeps
# them as columns of its payer rows (`payers.profiles`).
ENGINE_2_FIELDS: Final = (
    "takes_g2211",
    "brief_assessment_max_units",
    "modifier_25_with_96127",
    "brief_assessment_telehealth_modifier",
    "audio_only_home_only",
    "discard_modifiers",
    "ndc_on_drug_lines",
)


class PayerProfileError(FieldValueError):
    """Invalid payer profile data; `field` names the offending field."""


@dataclass(frozen=True, slots=True)
class PayerProfile:
    """What one payer accepts: credentials, prolonged code, telehealth modifiers, G2211,
    96127, injections (PY)."""

    slug: str
    name: str
    em_credentials: frozenset[Credential]
    pharm_mgmt_90863_credentials: frozenset[Credential]
    prolonged_code: ProlongedCode | None
    video_modifier: VideoModifier | None
    audio_only_covered: bool
    audio_modifier: str = "93"
    modifier_25_with_addon: bool = False
    accepted_z_codes: tuple[str, ...] = ()
    telehealth_in_person_waiver_until: str | None = None
    # Engine 2 (docs/coding-rules.md section 10). The defaults are the cautious reading, so a
    # stored profile written before these fields existed still loads and adds nothing.
    takes_g2211: bool = False  # VC-1
    brief_assessment_max_units: int = 3  # BA-2: 96127 units a day at most
    modifier_25_with_96127: bool = False  # BA-3
    brief_assessment_telehealth_modifier: bool = False  # BA-1: 96127 takes 95/GT/93
    audio_only_home_only: bool = False  # TH-3: audio-only only to a patient at home
    discard_modifiers: bool = False  # INJ-3: JZ/JW on single-dose drug lines
    ndc_on_drug_lines: bool = False  # INJ-4

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> PayerProfile:
        """Build a profile from its JSON form; raise PayerProfileError naming the field."""
        waiver = d.get("telehealth_in_person_waiver_until")
        if waiver is not None:
            try:
                dt.date.fromisoformat(str(waiver))
            except ValueError:
                raise PayerProfileError(
                    "telehealth_in_person_waiver_until", f"must be YYYY-MM-DD; got {waiver!r}"
                ) from None
        return cls(
            slug=_string(d, "slug"),
            name=_string(d, "name"),
            em_credentials=_licensed_credentials(d, "em_credentials"),
            pharm_mgmt_90863_credentials=_licensed_credentials(d, "pharm_mgmt_90863_credentials"),
            prolonged_code=_optional_choice(d, "prolonged_code", PROLONGED_CODES),
            video_modifier=_optional_choice(d, "video_modifier", VIDEO_MODIFIERS),
            audio_only_covered=_boolean(d, "audio_only_covered"),
            audio_modifier=_string(d, "audio_modifier", default="93"),
            modifier_25_with_addon=_boolean(d, "modifier_25_with_addon", default=False),
            accepted_z_codes=_strings(d, "accepted_z_codes"),
            telehealth_in_person_waiver_until=None if waiver is None else str(waiver),
            takes_g2211=_boolean(d, "takes_g2211", default=False),
            brief_assessment_max_units=_units(d, "brief_assessment_max_units", default=3),
            modifier_25_with_96127=_boolean(d, "modifier_25_with_96127", default=False),
            brief_assessment_telehealth_modifier=_boolean(
                d, "brief_assessment_telehealth_modifier", default=False
            ),
            audio_only_home_only=_boolean(d, "audio_only_home_only", default=False),
            discard_modifiers=_boolean(d, "discard_modifiers", default=False),
            ndc_on_drug_lines=_boolean(d, "ndc_on_drug_lines", default=False),
        )

    def to_dict(self) -> dict[str, object]:
        """The profile's JSON form (`from_dict` reads it back)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "em_credentials": sorted(self.em_credentials, key=CREDENTIALS.index),
            "pharm_mgmt_90863_credentials": sorted(
                self.pharm_mgmt_90863_credentials, key=CREDENTIALS.index
            ),
            "prolonged_code": self.prolonged_code,
            "video_modifier": self.video_modifier,
            "audio_only_covered": self.audio_only_covered,
            "audio_modifier": self.audio_modifier,
            "modifier_25_with_addon": self.modifier_25_with_addon,
            "accepted_z_codes": list(self.accepted_z_codes),
            "telehealth_in_person_waiver_until": self.telehealth_in_person_waiver_until,
            "takes_g2211": self.takes_g2211,
            "brief_assessment_max_units": self.brief_assessment_max_units,
            "modifier_25_with_96127": self.modifier_25_with_96127,
            "brief_assessment_telehealth_modifier": self.brief_assessment_telehealth_modifier,
            "audio_only_home_only": self.audio_only_home_only,
            "discard_modifiers": self.discard_modifiers,
            "ndc_on_drug_lines": self.ndc_on_drug_lines,
        }


def _string(d: Mapping[str, object], field: str, default: str | None = None) -> str:
    value = d.get(field, default)
    if not isinstance(value, str) or not value:
        raise PayerProfileError(field, f"must be a non-empty string; got {value!r}")
    return value


def _boolean(d: Mapping[str, object], field: str, default: bool | None = None) -> bool:
    value = d.get(field, default)
    if not isinstance(value, bool):
        raise PayerProfileError(field, f"must be true or false; got {value!r}")
    return value


def _units(d: Mapping[str, object], field: str, default: int) -> int:
    value = d.get(field, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 99:
        raise PayerProfileError(field, f"must be a whole number from 0 to 99; got {value!r}")
    return value


def _strings(d: Mapping[str, object], field: str) -> tuple[str, ...]:
    value = d.get(field, [])
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise PayerProfileError(field, f"must be a list of strings; got {value!r}")
    return tuple(value)


def _credentials(d: Mapping[str, object], field: str) -> frozenset[Credential]:
    values = _strings(d, field)
    for value in values:
        if value not in CREDENTIALS:
            raise PayerProfileError(field, f"unknown credential {value!r}")
    return frozenset(c for c in CREDENTIALS if c in values)


def _licensed_credentials(d: Mapping[str, object], field: CredentialList) -> frozenset[Credential]:
    credentials = _credentials(d, field)
    refusals = beyond_licence(sorted(credentials, key=CREDENTIALS.index), field)
    if refusals:
        raise PayerProfileError(field, "; ".join(refusals))
    return credentials


def _optional_choice(d: Mapping[str, object], field: str, choices: tuple[_S, ...]) -> _S | None:
    value = d.get(field)
    if value is None:
        return None
    for choice in choices:
        if value == choice:
            return choice
    raise PayerProfileError(field, f"must be null or one of {', '.join(choices)}; got {value!r}")


@cache
def load_default_payer_profiles() -> Mapping[str, PayerProfile]:
    """The shipped default profiles (section 10), by slug; read once and cached."""
    text = resources.files("coding.engine").joinpath("data/payer_profiles.json").read_text("utf-8")
    raw = json.loads(text)
    profiles = (PayerProfile.from_dict(item) for item in raw["profiles"])
    return MappingProxyType({p.slug: p for p in profiles})
