"""Pre-filled checklist suggestions for a sampled chart; the reviewer decides (AU-3).

Each suggestion is computed from the signed chart: the time blocks, the
documentation fields, and the codes the coding engine gives for the chart's
facts today, compared with the lines that were billed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from coding.engine.codes import EM_CODES, PSYCHOTHERAPY_CODES
from encounters.models import Encounter, MedicationChange

from .models import Check, Outcome

logger = logging.getLogger(__name__)

# Rank of each individual psychotherapy code by its time band (PT-1).
PT_BAND = {"90832": 1, "90833": 1, "90834": 2, "90836": 2, "90837": 3, "90838": 3}


@dataclass(frozen=True)
class Suggestion:
    value: str
    reason: str

    @property
    def label(self) -> str:
        return Check(self.value).label


@dataclass
class Suggestions:
    checks: dict[str, Suggestion] = field(default_factory=dict)
    outcome: str = ""
    outcome_reason: str = ""
    reviewer_code: str = ""
    engine_lines: list[dict[str, Any]] = field(default_factory=list)
    engine_messages: list[dict[str, Any]] = field(default_factory=list)
    engine_error: str = ""

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label if self.outcome else ""

    def initial(self) -> dict[str, str]:
        """Initial values for the review form."""
        values = {name: s.value for name, s in self.checks.items()}
        if self.outcome:
            values["outcome"] = self.outcome
        if self.reviewer_code and self.outcome != Outcome.SUPPORTED:
            values["reviewer_code"] = self.reviewer_code
        return values


def codes_text(lines: list[dict[str, Any]]) -> str:
    """'99214 + 90833' for a list of line dicts."""
    parts = []
    for line in lines:
        code = str(line.get("code", ""))
        units = int(line.get("units") or 1)
        mods = "-".join(line.get("modifiers") or [])
        parts.append(code + (f"-{mods}" if mods else "") + (f" x{units}" if units > 1 else ""))
    return " + ".join(parts)


def _engine_lines(encounter: Encounter) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """The engine's lines and messages for the chart's facts (today's rules)."""
    from coding.adapters import facts_from_encounter
    from coding.services import proposal_for_facts

    payer = encounter.coverage.payer if encounter.coverage_id else None
    proposal = proposal_for_facts(facts=facts_from_encounter(encounter), payer=payer)
    return (
        [line.to_dict() for line in proposal.lines],
        [m.to_dict() for m in proposal.messages],
        proposal.error or "",
    )


def _time_blocks(e: Encounter) -> Suggestion:
    if e.pt_kind and not (e.pt_start and e.pt_end):
        return Suggestion(Check.NOT_MET, "Psychotherapy start or end time missing.")
    if (e.em_start or e.em_end) and not (e.em_start and e.em_end):
        return Suggestion(Check.NOT_MET, "Med-management start or end time missing.")
    if not (e.pt_start or e.em_start):
        return Suggestion(Check.NOT_APPLICABLE, "No timed block documented.")
    both = e.pt_start and e.em_start and e.pt_end and e.em_end
    if both and e.pt_start < e.em_end and e.em_start < e.pt_end:  # type: ignore[operator]
        return Suggestion(Check.NOT_MET, "The psychotherapy and med-management blocks overlap.")
    return Suggestion(Check.MET, "Start and end times documented; blocks do not overlap.")


def _band(codes: set[str]) -> int:
    return max((PT_BAND.get(c, 0) for c in codes), default=0)


def _em_rank(codes: set[str]) -> int:
    return max((int(c[-1]) for c in codes if c in EM_CODES), default=0)


def _psychotherapy_minutes(e: Encounter, billed: set[str], engine: set[str]) -> Suggestion:
    billed_pt, engine_pt = billed & PSYCHOTHERAPY_CODES, engine & PSYCHOTHERAPY_CODES
    if not billed_pt and not e.pt_kind:
        return Suggestion(Check.NOT_APPLICABLE, "No psychotherapy documented or billed.")
    supported = ", ".join(sorted(engine_pt)) or "no code"
    said = f"{e.pt_minutes} psychotherapy minutes support {supported}"
    if billed_pt == engine_pt:
        return Suggestion(Check.MET, f"{said}, as billed.")
    return Suggestion(Check.NOT_MET, f"{said}; billed {', '.join(sorted(billed_pt)) or 'none'}.")


def _em_level(e: Encounter, billed: set[str], engine: set[str]) -> Suggestion:
    billed_em, engine_em = billed & EM_CODES, engine & EM_CODES
    if not billed_em and not engine_em:
        return Suggestion(Check.NOT_APPLICABLE, "No E/M billed or supported.")
    said = f"MDM / {e.em_minutes} E/M minutes support {', '.join(sorted(engine_em)) or 'no E/M'}"
    if billed_em == engine_em:
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


def _diagnoses(e: Encounter, billed: set[str]) -> Suggestion:
    codes = [d.code for d in e.diagnoses.all()]
    if not codes:
        return Suggestion(Check.NOT_MET, "No diagnosis on the chart (DG-1).")
    accepted_z = list(e.coverage.payer.accepted_z_codes or []) if e.coverage_id else []
    mental = [c for c in codes if c.startswith("F") or any(c.startswith(z) for z in accepted_z)]
    if billed & PSYCHOTHERAPY_CODES and not mental:
        return Suggestion(
            Check.NOT_MET, "Psychotherapy billed without a chapter F diagnosis (DG-3)."
        )
    return Suggestion(Check.MET, f"Diagnoses: {', '.join(codes)}.")


def _signed_in_time(e: Encounter) -> Suggestion:
    if e.signed_at is None:
        return Suggestion(Check.NOT_MET, "Not signed.")
    # A practice convention (setting AUDIT_TIMELY_SIGNATURE_DAYS), shown as such.
    limit = settings.AUDIT_TIMELY_SIGNATURE_DAYS
    days = (timezone.localdate(e.signed_at) - e.date_of_service).days
    said = f"Signed {days} day(s) after the visit (practice convention: within {limit})"
    return Suggestion(Check.MET if days <= limit else Check.NOT_MET, said + ".")


def _units(lines: list[dict[str, Any]]) -> dict[str, int]:
    units: dict[str, int] = {}
    for line in lines:
        code = str(line.get("code"))
        units[code] = units.get(code, 0) + int(line.get("units") or 1)
    return units


def _outcome(
    billed_lines: list[dict[str, Any]], engine_lines: list[dict[str, Any]], engine_error: str
) -> tuple[str, str]:
    billed_units, engine_units = _units(billed_lines), _units(engine_lines)
    billed, engine = set(billed_units), set(engine_units)
    if billed_units == engine_units:
        return Outcome.SUPPORTED, "The billed codes and units match what the chart supports."
    if engine_error or (billed and not engine):
        return Outcome.NOT_SUPPORTED, "The documentation supports no billable code."
    shared = billed & engine
    more_units = any(billed_units[c] > engine_units[c] for c in shared)
    fewer_units = any(billed_units[c] < engine_units[c] for c in shared)
    over = _em_rank(billed) > _em_rank(engine) or _band(billed) > _band(engine) or more_units
    under = _em_rank(billed) < _em_rank(engine) or _band(billed) < _band(engine) or fewer_units
    if over or (billed - engine and not under):
        return Outcome.OVER_CODED, "Billed above what the chart supports."
    return Outcome.UNDER_CODED, "Billed below what the chart supports."


def chart_suggestions(encounter: Encounter, billed_lines: list[dict[str, Any]]) -> Suggestions:
    """What the chart suggests for each checklist item and for the outcome."""
    suggestions = Suggestions()
    try:
        lines, messages, error = _engine_lines(encounter)
    except Exception:  # the review must open even if the engine cannot read this chart
        logger.exception("Coding engine failed on encounter %s", encounter.pk)
        lines, messages, error = [], [], "The coding engine could not read this chart."
    suggestions.engine_lines, suggestions.engine_messages = lines, messages
    suggestions.engine_error = error
    billed = {str(line.get("code")) for line in billed_lines}
    engine = {str(line.get("code")) for line in lines}
    suggestions.checks = {
        "check_time_blocks": _time_blocks(encounter),
        "check_psychotherapy_minutes": _psychotherapy_minutes(encounter, billed, engine),
        "check_em_level": _em_level(encounter, billed, engine),
        "check_medication_review": _medication_review(encounter),
        "check_psychotherapy_documentation": _psychotherapy_documentation(encounter),
        "check_diagnoses": _diagnoses(encounter, billed),
        "check_signed_in_time": _signed_in_time(encounter),
    }
    suggestions.outcome, suggestions.outcome_reason = _outcome(billed_lines, lines, error)
    suggestions.reviewer_code = codes_text(lines)
    return suggestions

