"""EM-2 documentation: what the note must show for each MDM element the clinician claims.

Ticking an MDM item is a claim; the note has to carry it. `documentation_checks` lists,
for each claimed element, what the note must show and whether it does. The live panel
shows the list as the clinician types; signing with an unmet check needs an explicit
acknowledgement, stored with the visit. The checks read what is documented (a medication
review row, the plan, what was reviewed), never judge the clinical content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from coding.engine.mdm import PROBLEM_ITEMS, RISK_ITEMS, DataItems

Element = Literal["problems", "data", "risk"]

CONTINUED: Final = "continued"


@dataclass(frozen=True, slots=True)
class MedicationEvidence:
    """One medication review row: the drug, the decision taken, the reason written."""

    name: str
    decision: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class NoteEvidence:
    """The MDM items claimed and what the note documents beside them."""

    problems: tuple[str, ...] = ()
    data: DataItems = DataItems()
    risk: tuple[str, ...] = ()
    diagnoses: int = 0
    plan: str = ""
    data_detail: str = ""
    risk_detail: str = ""
    medications: tuple[MedicationEvidence, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentationCheck:
    """One claimed element or item, what the note must show for it, and whether it does."""

    element: Element
    claimed: str
    needs: str
    met: bool
    rule: str = "EM-2"

    def to_dict(self) -> dict[str, object]:
        """The check as the panel and the signed record show it."""
        return {
            "element": self.element,
            "claimed": self.claimed,
            "needs": self.needs,
            "met": self.met,
            "rule": self.rule,
        }


def _filled(text: str) -> bool:
    return bool(text.strip())


def _data_claimed(data: DataItems) -> list[str]:
    claimed = [
        f"{count} {what}"
        for count, what in (
            (data.notes_reviewed, "external note(s) reviewed"),
            (data.results_reviewed, "test result(s) reviewed"),
            (data.tests_ordered, "test(s) ordered"),
        )
        if count
    ]
    for flag, what in (
        (data.independent_historian, "an independent historian"),
        (data.independent_interpretation, "an independent interpretation"),
        (data.external_discussion, "a discussion with an external physician"),
    ):
        if flag:
            claimed.append(what)
    return claimed


def _drug_management_documented(e: NoteEvidence) -> bool:
    decided = [m for m in e.medications if _filled(m.name) and _filled(m.decision)]
    reasons = all(_filled(m.reason) for m in decided if m.decision != CONTINUED)
    return bool(decided) and reasons and _filled(e.plan)


def _risk_check(item: str, e: NoteEvidence) -> DocumentationCheck | None:
    label = RISK_ITEMS[item][1]
    if item == "prescription_management":
        return DocumentationCheck(
            "risk",
            label,
            "a medication review row naming the drug and the decision (with the reason for "
            "any change), and a plan",
            _drug_management_documented(e),
        )
    if item == "intensive_monitoring":
        return DocumentationCheck(
            "risk",
            label,
            "the drug in a medication review row and, under 'risk details', the monitoring "
            "for adverse effects (not mainly efficacy) by lab, physiologic test or imaging "
            "(e.g. a lithium level, a clozapine ANC), at least quarterly or short-term "
            "intensive (weekly labs at a start); not by history or exam",
            bool(e.medications) and _filled(e.risk_detail),
        )
    if item == "social_determinants":
        return DocumentationCheck(
            "risk",
            label,
            "under 'risk details', how housing, food, transport or the drug's cost limits the "
            "diagnosis or treatment",
            _filled(e.risk_detail),
        )
    if item == "hospitalization_decision":
        return DocumentationCheck(
            "risk",
            label,
            "the reason for the decision about hospitalization, under 'risk details'",
            _filled(e.risk_detail),
        )
    if item == "otc_drugs":
        return DocumentationCheck(
            "risk", label, "the drug and its management in the plan", _filled(e.plan)
        )
    return None  # minimal risk needs nothing written


def documentation_checks(e: NoteEvidence) -> tuple[DocumentationCheck, ...]:
    """EM-2: for each claimed MDM element (and risk item), what the note shows or lacks."""
    checks: list[DocumentationCheck] = []
    problems = [PROBLEM_ITEMS[p][1] for p in e.problems if p in PROBLEM_ITEMS]
    if problems:
        checks.append(
            DocumentationCheck(
                "problems",
                "; ".join(problems),
                "a diagnosis for the problem and a plan saying what was done about it",
                e.diagnoses > 0 and _filled(e.plan),
            )
        )
    data = _data_claimed(e.data)
    if data:
        checks.append(
            DocumentationCheck(
                "data",
                ", ".join(data),
                "what was reviewed, ordered or discussed, named under 'data details' (which "
                "notes or results, which tests, with whom)",
                _filled(e.data_detail),
            )
        )
    for item in e.risk:
        if item in RISK_ITEMS and (check := _risk_check(item, e)) is not None:
            checks.append(check)
    return tuple(checks)


def documentation_gaps(e: NoteEvidence) -> tuple[DocumentationCheck, ...]:
    """The checks the note does not meet yet."""
    return tuple(check for check in documentation_checks(e) if not check.met)
