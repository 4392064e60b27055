"""Reads of one claim: a claim for a biller or its clinician, and the clinician's inbox.

``claim_get_for_user`` is the only way a view obtains a claim: it checks the role and the
clinician, returns the claim or raises 404, and writes the access record.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from accounts.access import access_record, access_record_list
from accounts.models import AccessAction
from accounts.roles import Role, role_of
from accounts.selectors import clinician_for_user
from encounters.models import Addendum

from .models import Claim, ClaimLine, ClaimState

# The encounter's free text: the claim page shows none of it (minimum necessary for
# billing), so none of it is loaded; addenda are loaded without their text or reason.
NOTE_FIELDS = (
    "pt_focus",
    "pt_note",
    "mdm_data_detail",
    "mdm_risk_detail",
    "em_plan",
    "interactive_complexity_reason",
    "draft_form",
)


def _claim_detail_qs() -> QuerySet[Claim]:
    return (
        Claim.objects.select_related(
            "patient",
            "payer",
            "clinician__user",
            "coverage",
            "encounter",
            "updated_by",
            "claimed_by",
            "batch",
        )
        .defer(*(f"encounter__{name}" for name in NOTE_FIELDS))
        .prefetch_related(
            "lines",
            "transitions__user",
            "edits__user",
            Prefetch(
                "encounter__addenda",
                queryset=Addendum.objects.only("id", "encounter_id", "created_at"),
            ),
        )
    )


def claim_get_for_user(*, user: User, claim_id: int, path: str = "", record: bool = True) -> Claim:
    """The claim for a biller, or for the clinician of its encounter (else 404); recorded."""
    role = role_of(user)
    claims = _claim_detail_qs()
    if role == Role.BILLER:
        pass
    elif role == Role.PRESCRIBER:
        clinician = clinician_for_user(user)
        if clinician is None:
            raise PermissionDenied("Your account has no clinician profile.")
        claims = claims.filter(clinician=clinician)
    else:
        raise PermissionDenied("Your role does not open claims.")
    claim = claims.filter(pk=claim_id).first()
    if claim is None:
        raise Http404("No such claim.")
    if record:
        access_record(user=user, obj=claim, action=AccessAction.VIEW, path=path)
    return claim


def claim_returned_for_clinician(*, user: User, path: str = "") -> list[Claim]:
    """The prescriber's claims returned with a question, with that question; recorded."""
    if role_of(user) != Role.PRESCRIBER:
        raise PermissionDenied("Only prescribers have a claim inbox.")
    clinician = clinician_for_user(user)
    if clinician is None:
        raise PermissionDenied("Your account has no clinician profile.")
    claims = list(
        Claim.objects.filter(clinician=clinician, state=ClaimState.RETURNED)
        .select_related("patient", "payer")
        .prefetch_related("lines", "transitions__user")
        .order_by("date_of_service", "id")
    )
    for claim in claims:
        asked = [t for t in claim.transitions.all() if t.to_state == ClaimState.RETURNED]
        claim.question = asked[-1] if asked else None  # type: ignore[attr-defined]
    access_record_list(user=user, rows=Claim, patient_ids=[c.patient_id for c in claims], path=path)
    return claims


def claim_lines(claim: Claim) -> list[ClaimLine]:
    """The claim's lines in order (prefetched by ``claim_get_for_user``)."""
    return list(claim.lines.all())


@dataclass(frozen=True)
class HistoryEntry:
    """One row of a claim's history: a state change, a clinician's answer or a line edit."""

    at: datetime.datetime
    who: str
    what: str
    detail: str


def _line_text(line: dict[str, Any]) -> str:
    """A line as the history shows it: ``90833 x1 95 [1 2]``."""
    if not line:
        return "none"
    modifiers = "".join(f" {m}" for m in line.get("modifiers") or [])
    pointers = " ".join(str(p) for p in line.get("pointers") or [])
    return f"{line.get('code')} x{line.get('units')}{modifiers} [{pointers}]"


def claim_history(claim: Claim) -> list[HistoryEntry]:
    """Transitions, clinicians' answers and line edits in time order (prefetched rows)."""
    entries: list[tuple[datetime.datetime, int, int, HistoryEntry]] = []
    for t in claim.transitions.all():
        who = t.user.get_full_name() or t.user.username
        answered = t.from_state == ClaimState.RETURNED and t.to_state == ClaimState.QUEUED
        what = "answer" if answered else f"{t.from_state or '—'} → {t.to_state}"
        entries.append((t.at, 0, t.pk, HistoryEntry(t.at, who, what, t.reason)))
    for e in claim.edits.all():
        who = e.user.get_full_name() or e.user.username
        did = "added" if not e.old else "deleted" if not e.new else "fixed"
        detail = f"{_line_text(e.old)} → {_line_text(e.new)}"
        if e.reason:
            detail += f": {e.reason}"
        entries.append((e.at, 1, e.pk, HistoryEntry(e.at, who, f"line {e.position} {did}", detail)))
    return [entry for *_, entry in sorted(entries, key=lambda row: row[:3])]
