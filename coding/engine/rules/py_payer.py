"""PY: payer profiles; resolving a payer slug and the payer's own line modifiers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from coding.engine.codes import EM_CODES, PSYCHOTHERAPY_ADDON
from coding.engine.payer import PayerProfile
from coding.engine.proposal import EMPTY, Line, RuleResult, error


def rule_py_resolve(slug: str, profiles: Mapping[str, PayerProfile]) -> RuleResult:
    """PY: a payer slug must name a payer profile; otherwise an error on the payer field."""
    if slug in profiles:
        return EMPTY
    known = ", ".join(sorted(profiles)) or "none"
    return error("PY", f"unknown payer profile {slug!r} (known: {known})", field="payer")


def rule_py(payer: PayerProfile, lines: Sequence[Line]) -> RuleResult:
    """PY: payer data sets modifier 25 on an E/M billed with a psychotherapy add-on."""
    codes = {line.code for line in lines}
    if not payer.modifier_25_with_addon or not codes & PSYCHOTHERAPY_ADDON:
        return RuleResult(tuple(lines))
    return RuleResult(
        lines=tuple(
            line.with_modifier("25", "PY") if line.code in EM_CODES else line for line in lines
        )
    )
