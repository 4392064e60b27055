"""Reads of one claim: a claim for a biller or its clinician, and the clinician's inbox.

``claim_get_for_user`` is the only way a view obtains a claim: it checks the role and the
clinician, returns the claim or raises 404, and writes the access record.
"""

from __future__ import annotations

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
