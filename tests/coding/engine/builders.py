"""Small builders for engine tests: facts from keyword overrides, codes of a proposal."""

from __future__ import annotations

from typing import Any

from coding.engine import Facts, Proposal, facts_from_dict, propose
from coding.engine.payer import PayerProfile


def facts(**overrides: Any) -> Facts:
    """Established MD patient, commercial payer, in person, nothing documented yet."""
    d: dict[str, Any] = {
        "id": "t",
        "patient_status": "established",
        "clinician": "MD",
        "payer": "commercial",
        "setting": "in_person",
    }
    d.update(overrides)
    return facts_from_dict(d)


def therapy(kind: str = "individual", minutes: int = 0) -> dict[str, Any]:
    return {"kind": kind, "minutes": minutes}


def em(minutes: int = 0, mdm: str | tuple[str, str, str] | None = None) -> dict[str, Any]:
    """An E/M block; `mdm="moderate"` rates all three elements alike."""
    if isinstance(mdm, str):
        mdm = (mdm, mdm, mdm)
    levels = None if mdm is None else dict(zip(("problems", "data", "risk"), mdm, strict=True))
    return {"minutes": minutes, "mdm": levels}


def run(profile: PayerProfile | None = None, **overrides: Any) -> Proposal:
    return propose(facts(**overrides), profile)


def codes(proposal: Proposal) -> list[tuple[str, int]]:
    """The proposal's lines as (code, units), in the order given."""
    return [(line.code, line.units) for line in proposal.lines]


def rules(proposal: Proposal, level: str | None = None) -> set[str]:
    """Rule ids cited by the proposal's messages (of one level when given)."""
    return {m.rule for m in proposal.messages if level is None or m.level == level}


def texts(proposal: Proposal, rule: str) -> list[str]:
    return [m.text for m in proposal.messages if m.rule == rule]
