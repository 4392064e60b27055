"""The engine's output: `Proposal` and its parts, and `RuleResult`, what each rule returns.

`Proposal.to_dict()` is exactly the proposal JSON of `docs/coding-contract.md`;
`Proposal.to_display_dict()` adds what the UI shows (each line's rule ids and label, the E/M
levels by MDM and by time, the engine version).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Final, Literal, NamedTuple, ParamSpec, TypeVar, cast

from coding.engine.codes import LABELS
from coding.engine.facts import FactsId, field_rule
from coding.engine.version import ENGINE_VERSION

_P = ParamSpec("_P")
_R = TypeVar("_R")

MessageLevel = Literal["info", "warning", "error"]
EmBasis = Literal["mdm", "time"]


class Line(NamedTuple):
    """One claim line: a code, its units, its modifiers, and the rule ids that produced it."""

    code: str
    units: int = 1
    modifiers: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()

    def with_modifier(self, modifier: str, rule: str) -> Line:
        """This line with one more modifier (once) and the rule that added it."""
        if modifier in self.modifiers:
            return self
        return Line(self.code, self.units, (*self.modifiers, modifier), (*self.rules, rule))

    def with_rule(self, rule: str) -> Line:
        """This line with one more rule id behind it."""
        return Line(self.code, self.units, self.modifiers, (*self.rules, rule))

    def to_dict(self) -> dict[str, object]:
        """The README form of the line."""
        return {"code": self.code, "units": self.units, "modifiers": list(self.modifiers)}

    def to_display_dict(self) -> dict[str, object]:
        """The line with its plain label and the rule ids behind it."""
        return {
            **self.to_dict(),
            "label": LABELS.get(self.code, ""),
            "rules": list(self.rules),
        }


class Message(NamedTuple):
    """An explanation, warning or error, always citing a registered rule id."""

    level: MessageLevel
    rule: str
    text: str
    field: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The README form of the message."""
        return {"level": self.level, "rule": self.rule, "text": self.text}


class Alternative(NamedTuple):
    """Another valid combination a person might choose, and why."""

    lines: tuple[Line, ...]
    why: str

    def to_dict(self) -> dict[str, object]:
        """The README form of the alternative."""
        return {"lines": [line.to_dict() for line in self.lines], "why": self.why}


class EmDetail(NamedTuple):
    """For display: how the E/M level was reached."""

    code: str
    basis: EmBasis
    mdm_code: str | None
    time_code: str | None
    minutes: int
    time_allowed: bool = True


class RuleResult(NamedTuple):
    """What a rule returns: lines, messages and, for some rules, alternatives or a basis.

    A named tuple rather than a frozen dataclass: the engine builds a dozen of these per
    proposal, and a tuple is made several times faster (issue 14); it is as immutable.
    `+` joins two results (it is not tuple concatenation).
    """

    lines: tuple[Line, ...] = ()
    messages: tuple[Message, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    em: EmDetail | None = None
    place_of_service: str | None = None

    def __add__(self, other: RuleResult) -> RuleResult:  # type: ignore[override]
        # Most rules return EMPTY when they do not apply: skip building a copy then.
        if other is EMPTY:
            return self
        if self is EMPTY:
            return other
        return RuleResult(
            self.lines + other.lines,
            self.messages + other.messages,
            self.alternatives + other.alternatives,
            self.em or other.em,
            self.place_of_service or other.place_of_service,
        )


EMPTY: Final = RuleResult()

# Distinct argument sets a remembered rule keeps; past it the least recently used goes.
REMEMBERED: Final = 4096


def remembered(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """A rule of a few small values (minutes, a code, a status) worked out once per set of
    them: its result is immutable, so the same object is handed out again (issue 14)."""
    return cast(Callable[_P, _R], lru_cache(maxsize=REMEMBERED)(function))


def minutes_text(minutes: int, what: str = "") -> str:
    """Minutes as a message says them: "psychotherapy 25 min", and for none "psychotherapy
    with no minutes documented" (never "0 min")."""
    said = f"{minutes} min" if minutes else "with no minutes documented"
    return f"{what} {said}" if what else said


def info(
    rule: str, text: str, *, lines: tuple[Line, ...] = (), place_of_service: str | None = None
) -> RuleResult:
    """A result carrying one info message, after `lines` (and a place of service) when given:
    `info(rule, text, lines=x)` is `RuleResult(lines=x) + info(rule, text)` in one object."""
    return RuleResult(lines, (Message("info", rule, text),), (), None, place_of_service)


def warning(rule: str, text: str, field: str | None = None) -> RuleResult:
    """A result carrying one warning (on `field` when given)."""
    return RuleResult(messages=(Message("warning", rule, text, field),))


def error(rule: str, text: str, field: str | None = None) -> RuleResult:
    """A result carrying one error (on `field` when given)."""
    return RuleResult(messages=(Message("error", rule, text, field),))


class Proposal(NamedTuple):
    """The engine's answer for one encounter."""

    id: FactsId | None
    lines: tuple[Line, ...]
    place_of_service: str | None
    em: EmDetail | None = None
    alternatives: tuple[Alternative, ...] = ()
    messages: tuple[Message, ...] = ()
    error: str | None = None
    engine_version: str = ENGINE_VERSION

    @property
    def basis(self) -> dict[str, str]:
        """`{"em": "mdm"|"time"}` when an E/M is proposed, else `{}`."""
        return {} if self.em is None else {"em": self.em.basis}

    @property
    def has_errors(self) -> bool:
        """True when the facts were invalid or a rule raised an error message."""
        return self.error is not None or any(m.level == "error" for m in self.messages)

    def to_dict(self) -> dict[str, object]:
        """Exactly the README JSON; `error` only when there is one."""
        out: dict[str, object] = {
            "id": self.id,
            "lines": [line.to_dict() for line in self.lines],
            "place_of_service": self.place_of_service,
            "basis": self.basis,
            "alternatives": [alt.to_dict() for alt in self.alternatives],
            "messages": [message.to_dict() for message in self.messages],
        }
        if self.error is not None:
            out["error"] = self.error
        return out

    def to_display_dict(self) -> dict[str, object]:
        """The richer form for the UI: rule ids per line, labels, E/M levels, version."""
        out = self.to_dict()
        out["lines"] = [line.to_display_dict() for line in self.lines]
        out["alternatives"] = [
            {"lines": [line.to_display_dict() for line in alt.lines], "why": alt.why}
            for alt in self.alternatives
        ]
        out["messages"] = [
            {**message.to_dict(), "field": message.field} for message in self.messages
        ]
        out["em"] = None
        if self.em is not None:
            out["em"] = {
                "code": self.em.code,
                "basis": self.em.basis,
                "mdm_code": self.em.mdm_code,
                "time_code": self.em.time_code,
                "minutes": self.em.minutes,
                "time_allowed": self.em.time_allowed,
            }
        out["engine_version"] = self.engine_version
        return out


def error_proposal(
    facts_id: FactsId | None, field: str, message: str, rule: str | None = None
) -> Proposal:
    """The proposal for facts that cannot be coded: no lines, `error` naming the field, and
    an error message citing the rule that reads the field (`rule`, else from the field)."""
    rule = rule or field_rule(field)
    text = f"{field}: {message}"
    messages = () if rule is None else (Message("error", rule, text, field),)
    return Proposal(id=facts_id, lines=(), place_of_service=None, messages=messages, error=text)
