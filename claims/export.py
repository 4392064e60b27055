"""The 837P export: claims waiting for the next file, the files made, and making one.

``claim_batch_export`` writes one X12 837P file (``claims.x12.build``) of the exportable
claims, checks it with pyx12 (a refused file is not kept; the message names the claim and
the segment) and records each claim's export change in the state table (``claims.transitions``):
originals and corrections become submitted, voids at the payer become void. A value the
writer refuses leaves every claim as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.access import access_record, access_record_list
from accounts.models import AccessAction
from accounts.roles import Role, role_of

from .models import Claim, ClaimFrequency, ClaimState, ExportBatch, ScrubStatus
from .transitions import transition_allowed, transition_record
from .x12.build import X12ValueError, build_837p, claim_numbers, segments
from .x12.validate import x12_validate

_LINE = re.compile(r"Line:(\d+)\s+(.*)", re.DOTALL)

S = ClaimState


def _require_biller(user: User) -> None:
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers work the claim queue.")


def claims_exportable(*, user: User) -> QuerySet[Claim]:
    """Claims waiting for the next 837P file: approved, corrected and clean, voids to send."""
    _require_biller(user)
    return (
        Claim.objects.exportable()
        .select_related("patient", "payer")
        .order_by("payer__name", "date_of_service", "id")
    )


def claims_exportable_shown(*, user: User, path: str = "") -> list[Claim]:
    """The export page's list of waiting claims, recording the patients it shows."""
    claims = list(claims_exportable(user=user))
    access_record_list(user=user, rows=Claim, patient_ids=[c.patient_id for c in claims], path=path)
    return claims


def export_batches(*, user: User) -> QuerySet[ExportBatch]:
    """The last 20 837P files, newest first, without their content."""
    _require_biller(user)
    return ExportBatch.objects.select_related("created_by").defer("content")[:20]


def export_batch_patient_ids(batch: ExportBatch) -> list[int]:
    """The patients an 837P file carries: those of the claims its CLM segments name."""
    return list(
        Claim.objects.filter(number__in=claim_numbers(batch.content))
        .order_by()
        .values_list("patient_id", flat=True)
        .distinct()
    )


def export_batch_get(*, user: User, batch_id: int, path: str = "") -> ExportBatch:
    """One 837P file to download (else 404); the download is recorded with every patient
    the file carries."""
    _require_biller(user)
    batch = ExportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise Http404("No such export.")
    access_record(
        user=user,
        obj=batch,
        action=AccessAction.EXPORT,
        path=path,
        patient_ids=export_batch_patient_ids(batch),
    )
    return batch


@transaction.atomic
def claim_batch_export(*, user: User, claim_ids: Iterable[int] | None = None) -> ExportBatch:
    """Build one 837P file of the exportable claims; originals and corrections become
    submitted, voids at the payer become void (``Claim.objects.exportable()``)."""
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers export claims.")
    exportable = Claim.objects.select_for_update(of=("self",)).exportable()
    if claim_ids is not None:
        exportable = exportable.filter(pk__in=list(claim_ids))
    claims = list(
        exportable.select_related("patient", "payer", "clinician__user", "coverage", "encounter")
        .prefetch_related("lines")
        .order_by("payer_id", "id")
    )
    if not claims:
        raise ValidationError("No approved claims to export.")
    control = (ExportBatch.objects.aggregate(m=Max("control_number"))["m"] or 0) + 1
    try:
        content = build_837p(claims, control_number=control, now=timezone.localtime())
    except X12ValueError as exc:  # nothing is written and no claim changes state
        raise ValidationError(str(exc)) from None
    problems = x12_validate(content)
    if problems:  # pyx12 refuses the file: nothing is written, no claim changes state
        raise ValidationError(
            "The 837P file does not pass validation, nothing was exported: "
            + "; ".join(validation_problem_named(content, p) for p in problems[:10])
        )
    batch = ExportBatch.objects.create(
        created_by=user, control_number=control, claim_count=len(claims), content=content
    )
    for claim in claims:
        _claim_sent(claim, user=user, batch=batch)
    return batch


def validation_problem_named(content: str, problem: str) -> str:
    """pyx12's problem (``Line:N ...``, N counting segments from ISA) with the claim and the
    segment it is in: ``Claim C00000012, segment SV1 (line 31): ...``."""
    found = _LINE.match(problem)
    if not found:
        return problem
    rows = list(segments(content))
    number = int(found.group(1))
    if not 0 < number <= len(rows):
        return problem
    # A claim's segments start at its subscriber loop (HL level 22), before its CLM.
    start = max(
        (i for i, r in enumerate(rows[:number]) if r[0] == "HL" and r[3:4] == ["22"]), default=-1
    )
    claim = (
        next((r[1] for r in rows[start:] if r[0] == "CLM" and len(r) > 1), "") if start >= 0 else ""
    )
    where = f"Claim {claim}, segment" if claim else "Segment"
    return f"{where} {rows[number - 1][0]} (line {number}): {found.group(2)}"


def _claim_sent(claim: Claim, *, user: User, batch: ExportBatch) -> None:
    """Record that ``claim`` went out in ``batch`` (the table's export change)."""
    to_state = S.VOID if claim.state == S.VOID_PENDING else S.SUBMITTED
    transition = transition_allowed(claim, user=user, to_state=to_state, version=claim.version)
    if not transition.export:
        raise ValidationError(f"Claim {claim.number} is not ready for export.")
    if claim.state == S.CORRECTED and claim.scrub_status != ScrubStatus.CLEAN:
        raise ValidationError(
            f"Corrected claim {claim.number} has scrubber findings: approve it again first."
        )
    reason = f"837P batch {batch.control_number}"
    if claim.frequency_code == ClaimFrequency.REPLACEMENT:
        reason += f" (replacement of payer claim {claim.payer_claim_number})"
    elif claim.frequency_code == ClaimFrequency.VOID:
        reason += f" (void of payer claim {claim.payer_claim_number})"
    transition_record(
        claim,
        user=user,
        to_state=to_state,
        version=claim.version,
        reason=reason,
        batch=batch,
        submission_count=claim.submission_count + 1,
    )
