"""Pre-filled checklist suggestions for a sampled chart; the reviewer decides (AU-3).

Each suggestion is computed from the signed chart: the time blocks and documentation
fields, and the billed lines compared with what the coding engine proposed when the chart
was signed (``coding.models.SignedProposal``: proposal, engine version, rule ids). The
engine is not re-run on the chart: the clinician signed under the rules of that version,
and the audit judges the billing against them.

How the billed codes compare with the stored proposal is asked of the engine's comparison
(``coding.engine.claim_lines.compare_with_proposal``: above or below by E/M level EM-4,
psychotherapy band PT-1, units); whether the diagnoses support the lines (DG-1, DG-3) is
read from the findings the claim's checks stored when it was billed. No rule is run again
on the chart with today's rules, and nothing here restates a rule. A chart signed before
proposals were stored has none: its coding suggestions say so and leave the item to the
reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from coding.engine.claim_lines import (
    BilledLine,
    compare_with_proposal,
    lines_text,
)
from coding.engine.codes import EM_CODES, PSYCHOTHERAPY_CODES
from coding.engine.proposal import Line
from encounters.models import Encounter, MedicationChange

from .models import Check, Outcome

NO_PROPOSAL = (
    "No proposal was stored when this chart was signed (signed before the engine's answer "
    "was kept), so there is nothing to compare the billed codes with: review them against "
    "the chart."
)


@dataclass(frozen=True)
class Suggestion:
    """A pre-filled answer and why; an empty ``value`` means no suggestion, only the reason."""

    value: str
    reason: str

    @property
    def label(self) -> str:
        return Check(self.value).label if self.value else ""


@dataclass(frozen=True)
class StoredProposal:
    """What the engine proposed at signing, as ``SignedProposal`` keeps it."""

    lines: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    engine_version: str
    rule_ids: list[str]
    error: str = ""
    alternatives: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Suggestions:
    checks: dict[str, Suggestion] = field(default_factory=dict)
    outcome: str = ""
    outcome_reason: str = ""
    reviewer_code: str = ""
    proposal_stored: bool = False
    proposed_lines: list[dict[str, Any]] = field(default_factory=list)
    proposed_messages: list[dict[str, Any]] = field(default_factory=list)
    engine_version: str = ""

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label if self.outcome else ""

    def initial(self) -> dict[str, str]:
        """Initial values for the review form (items without a suggestion stay empty)."""
        values = {name: s.value for name, s in self.checks.items() if s.value}
        if self.outcome:
            values["outcome"] = self.outcome
        if self.reviewer_code and self.outcome != Outcome.SUPPORTED:
            values["reviewer_code"] = self.reviewer_code
        return values


def codes_text(lines: list[dict[str, Any]]) -> str:
    """'99214-25 + 90833' for lines as stored (the engine's one way to write lines)."""
    return lines_text(BilledLine.from_dict(line) for line in lines)


def stored_proposal(encounter: Encounter) -> StoredProposal | None:
    """The proposal kept at signing, or None for a chart signed before they were kept."""
    stored = getattr(encounter, "signed_proposal", None)
    if stored is None:
        return None
    proposal = stored.proposal if isinstance(stored.proposal, dict) else {}
    return StoredProposal(
        lines=list(proposal.get("lines") or []),
        messages=list(proposal.get("messages") or []),
        engine_version=stored.engine_version,
        rule_ids=list(stored.rule_ids or []),
        error=str(proposal.get("error") or ""),
        alternatives=list(proposal.get("alternatives") or []),
    )


def _billed(lines: list[dict[str, Any]]) -> list[BilledLine]:
    return [BilledLine.from_dict(line) for line in lines]


def _proposed(lines: list[dict[str, Any]]) -> list[Line]:
    """Stored proposal lines as the engine's ``Line``, with the rule ids kept beside each."""
    proposed = []
    for line in lines:
        billed = BilledLine.from_dict(line)
        rules = tuple(str(rule) for rule in line.get("rules") or [])
        proposed.append(Line(billed.code, billed.units, billed.modifiers, rules))
    return proposed


def _time_blocks(e: Encounter) -> Suggestion:
    if e.pt_kind and not (e.pt_start and e.pt_end):
        return Suggestion(Check.NOT_MET, "Psychotherapy start or end time missing.")
    if (e.em_start or e.em_end) and not (e.em_start and e.em_end):
        return Suggestion(Check.NOT_MET, "Med-management start or end time missing.")
    if not (e.pt_start or e.em_start):
        return Suggestion(Check.NOT_APPLICABLE, "No timed block documented.")
    pt_start, pt_end, em_start, em_end = e.pt_start, e.pt_end, e.em_start, e.em_end
    if pt_start and pt_end and em_start and em_end and pt_start < em_end and em_start < pt_end:
        return Suggestion(Check.NOT_MET, "The psychotherapy and med-management blocks overlap.")
    return Suggestion(Check.MET, "Start and end times documented; blocks do not overlap.")


def _psychotherapy_minutes(
    e: Encounter, billed: set[str], stored: StoredProposal | None
) -> Suggestion:
    billed_pt = billed & PSYCHOTHERAPY_CODES
    if not billed_pt and not e.pt_kind:
        return Suggestion(Check.NOT_APPLICABLE, "No psychotherapy documented or billed.")
    if stored is None:
        return Suggestion("", NO_PROPOSAL)
    proposed_pt = {str(line.get("code")) for line in stored.lines} & PSYCHOTHERAPY_CODES
    supported = ", ".join(sorted(proposed_pt)) or "no code"
    said = (
        f"{e.pt_minutes} psychotherapy minutes support {supported} "
        f"(PT-1, engine {stored.engine_version} at signing)"
    )
    if billed_pt == proposed_pt:
        return Suggestion(Check.MET, f"{said}, as billed.")
    return Suggestion(Check.NOT_MET, f"{said}; billed {', '.join(sorted(billed_pt)) or 'none'}.")


def _em_level(e: Encounter, billed: set[str], stored: StoredProposal | None) -> Suggestion:
    billed_em = billed & EM_CODES
    if stored is None:
        if not billed_em and e.em_start is None:
            return Suggestion(Check.NOT_APPLICABLE, "No E/M documented or billed.")
        return Suggestion("", NO_PROPOSAL)
    proposed_em = {str(line.get("code")) for line in stored.lines} & EM_CODES
    if not billed_em and not proposed_em:
        return Suggestion(Check.NOT_APPLICABLE, "No E/M billed or supported.")
    supported = ", ".join(sorted(proposed_em)) or "no E/M"
    said = (
        f"MDM / {e.em_minutes} E/M minutes support {supported} "
        f"(engine {stored.engine_version} at signing)"
    )
    if billed_em == proposed_em:
        return Suggestion(Check.MET, f"{said}, as billed.")
    return Suggestion(Check.NOT_MET, f"{said}; billed {', '.join(sorted(billed_em)) or 'none'}.")


def _medication_review(e: Encounter) -> Suggestion:
    reviews = list(e.medication_reviews.all())
    if not reviews:
        if e.has_med_management:
            return Suggestion(Check.NOT_MET, "Med-management visit with no medication reviewed.")
        return Suggestion(Check.NOT_APPLICABLE, "No medication management.")
    missing: list[str] = []
    for m in reviews:
        gaps = [
            label
            for label, value in (
                ("dose", m.dose),
                ("frequency", m.frequency),
                ("adherence", m.adherence),
                ("side effects", m.side_effects),
                ("effect", m.effect),
                ("change", m.change),
            )
            if not str(value).strip()
        ]
        if m.change and m.change != MedicationChange.CONTINUED and not m.change_reason.strip():
            gaps.append("reason for the change")
        if gaps:
            missing.append(f"{m.name}: {', '.join(gaps)}")
    if missing:
        return Suggestion(Check.NOT_MET, "Missing " + "; ".join(missing) + ".")
    return Suggestion(Check.MET, f"{len(reviews)} medication(s) fully reviewed.")


def _psychotherapy_documentation(e: Encounter) -> Suggestion:
    if not e.pt_kind:
        return Suggestion(Check.NOT_APPLICABLE, "No psychotherapy documented.")
    fields = (("modality", e.pt_modality), ("focus", e.pt_focus))
    gaps = [name for name, value in fields if not value.strip()]
    if gaps:
        return Suggestion(Check.NOT_MET, f"Psychotherapy {' and '.join(gaps)} not documented.")
    return Suggestion(Check.MET, f"{e.get_pt_modality_display()}; focus: {e.pt_focus}.")


DIAGNOSIS_RULES = ("DG-1", "DG-3")


def _diagnoses(e: Encounter) -> Suggestion:
    """DG-1 / DG-3 as the claim's checks found them when it was built (or last fixed).

    The findings stored on the claim are the record of the day; the engine's diagnosis
    checks are not run again on the chart today.
    """
    codes = ", ".join(d.code for d in e.diagnoses.all()) or "none"
    claim = getattr(e, "claim", None)  # the claims app's claim, when there is one
    if claim is None:
        return Suggestion(
            "", f"Diagnoses: {codes}. No claim was built, so no diagnosis check was stored."
        )
    found = [
        f for f in claim.findings or [] if isinstance(f, dict) and f.get("rule") in DIAGNOSIS_RULES
    ]
    if found:
        said = "; ".join(f"{f.get('text', '')} ({f.get('rule')})" for f in found)
        return Suggestion(
            Check.NOT_MET, f"The claim's checks at billing found: {said[:1].upper()}{said[1:]}."
        )
    return Suggestion(
        Check.MET, f"Diagnoses: {codes}; the claim's checks at billing found no DG-1/DG-3 issue."
    )


def _signed_in_time(e: Encounter) -> Suggestion:
    if e.signed_at is None:
        return Suggestion(Check.NOT_MET, "Not signed.")
    # A practice convention (setting AUDIT_TIMELY_SIGNATURE_DAYS), shown as such.
    limit = settings.AUDIT_TIMELY_SIGNATURE_DAYS
    days = (timezone.localdate(e.signed_at) - e.date_of_service).days
    said = f"Signed {days} day(s) after the visit (practice convention: within {limit})"
    return Suggestion(Check.MET if days <= limit else Check.NOT_MET, said + ".")


def _outcome(
    billed_lines: list[dict[str, Any]], proposed_lines: list[dict[str, Any]], error: str
) -> tuple[str, str]:
    """AU-3 suggestion: the billed lines against the proposal, by the engine's comparison."""
    comparison = compare_with_proposal(_billed(billed_lines), _proposed(proposed_lines))
    if comparison.same:
        return Outcome.SUPPORTED, "The billed codes and units match the proposal at signing."
    if error or (billed_lines and not proposed_lines):
        return Outcome.NOT_SUPPORTED, "The documentation supported no billable code at signing."
    details = "; ".join(d.text for d in comparison.differences)
    if comparison.has("above") or (comparison.has("extra") and not comparison.has("below")):
        return Outcome.OVER_CODED, f"Billed above the proposal at signing: {details}."
    return Outcome.UNDER_CODED, f"Billed below the proposal at signing: {details}."


def _chosen_alternative(billed_lines: list[dict[str, Any]], stored: StoredProposal) -> str | None:
    """Why the alternative offered at signing that the billed lines match was offered."""
    billed = _billed(billed_lines)
    for alternative in stored.alternatives:
        if compare_with_proposal(billed, _proposed(alternative.get("lines") or [])).same:
            return str(alternative.get("why") or "")
    return None


def chart_suggestions(encounter: Encounter, billed_lines: list[dict[str, Any]]) -> Suggestions:
    """What the chart suggests for each checklist item and for the outcome."""
    stored = stored_proposal(encounter)
    billed = {str(line.get("code")) for line in billed_lines}
    suggestions = Suggestions()
    suggestions.checks = {
        "check_time_blocks": _time_blocks(encounter),
        "check_psychotherapy_minutes": _psychotherapy_minutes(encounter, billed, stored),
        "check_em_level": _em_level(encounter, billed, stored),
        "check_medication_review": _medication_review(encounter),
        "check_psychotherapy_documentation": _psychotherapy_documentation(encounter),
        "check_diagnoses": _diagnoses(encounter),
        "check_signed_in_time": _signed_in_time(encounter),
    }
    if stored is None:
        suggestions.outcome_reason = NO_PROPOSAL
        return suggestions
    suggestions.proposal_stored = True
    suggestions.proposed_lines, suggestions.proposed_messages = stored.lines, stored.messages
    suggestions.engine_version = stored.engine_version
    suggestions.outcome, suggestions.outcome_reason = _outcome(
        billed_lines, stored.lines, stored.error
    )
    why = _chosen_alternative(billed_lines, stored)
    if suggestions.outcome != Outcome.SUPPORTED and why is not None:
        suggestions.outcome_reason += f" The clinician chose the alternative offered: {why}."
    suggestions.reviewer_code = codes_text(stored.lines)
    return suggestions
