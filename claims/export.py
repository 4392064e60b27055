"""The 837P export: claims waiting for the next file, the files made, and making one.

``claim_batch_export`` writes one X12 837P file (``claims.x12.build``) of the exportable
claims, checks it with pyx12 (a refused file is not kept; the message names the claim and
the segment) and records each claim's export change in the state table (``claims.transitions``):
originals and corrections become submitted, voids at the payer become void. A value the
writer refuses leaves every claim as it was.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Max, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from accounts.access import access_record, access_record_list
from accounts.models import AccessAction
from accounts.roles import Role, role_of

from .models import (
    Claim,
    ClaimFrequency,
    ClaimLine,
    ClaimState,
    ClaimTransition,
    ExportBatch,
    ExportJob,
    ExportJobStatus,
    ScrubStatus,
)
from .transitions import TRANSITIONS
from .x12.build import (
    ST_SE_CLAIMS,
    ClaimRow,
    ClinicianRow,
    LineRow,
    PatientRow,
    PayerRow,
    X12ValueError,
    build_837p,
    claim_numbers,
    segments,
)
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


def claims_exportable_count(*, user: User) -> int:
    """How many claims wait for the next 837P file."""
    _require_biller(user)
    return Claim.objects.exportable().count()


def claims_exportable_shown(*, user: User, path: str = "", limit: int | None = None) -> list[Claim]:
    """The export page's list of waiting claims (the first ``limit``), recording the
    patients it shows."""
    claims = list(claims_exportable(user=user)[:limit])
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


ProgressFn = Callable[[str, int], object]


def claim_batch_export(
    *,
    user: User,
    claim_ids: Iterable[int] | None = None,
    split: int = ST_SE_CLAIMS,
    progress: ProgressFn | None = None,
    job: ExportJob | None = None,
) -> ExportBatch:
    """Build one 837P file of the exportable claims (one ST/SE set per ``split`` claims);
    originals and corrections become submitted, voids at the payer become void
    (``Claim.objects.exportable()``).

    A fixed number of queries whatever the number of claims (per ``split`` claims one more
    when ``progress`` records how far it got): the claims and their lines are read and the
    file is written and checked outside any lock; then, in one transaction, the claims are
    locked and must still be as read (else nothing changes: export again), and the batch,
    every claim's transition (one INSERT), the claims' new state (one UPDATE) and one access
    record naming their patients are written. ``progress(status, claims_done)`` reports the
    build; ``job`` is marked done in the same transaction.
    """
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers export claims.")
    exportable = Claim.objects.exportable()
    if claim_ids is not None:
        exportable = exportable.filter(pk__in=list(claim_ids))
    claims = claim_rows(exportable.order_by("payer_id", "id"))
    if not claims:
        raise ValidationError("No approved claims to export.")
    for claim in claims:
        _claim_exportable_check(claim)
    control = (ExportBatch.objects.aggregate(m=Max("control_number"))["m"] or 0) + 1
    built = None if progress is None else (lambda done: progress(ExportJobStatus.BUILDING, done))
    try:
        content = build_837p(
            claims, control_number=control, now=timezone.localtime(), split=split, progress=built
        )
    except X12ValueError as exc:  # nothing is written and no claim changes state
        raise ValidationError(str(exc)) from None
    if progress is not None:
        progress(ExportJobStatus.VALIDATING, len(claims))
    problems = x12_validate(content)
    if problems:  # pyx12 refuses the file: nothing is written, no claim changes state
        raise ValidationError(
            "The 837P file does not pass validation, nothing was exported: "
            + "; ".join(validation_problem_named(content, p) for p in problems[:10])
        )
    return _batch_write(user=user, claims=claims, control=control, content=content, job=job)


_CLAIM_FIELDS = (
    "pk",
    "number",
    "state",
    "version",
    "scrub_status",
    "frequency_code",
    "payer_claim_number",
    "prior_authorization",
    "subscriber",
    "member_id",
    "place_of_service",
    "date_of_service",
    "diagnoses",
    "rendering_npi",
    "encounter__part2",
    "patient_id",
)
_PATIENT_FIELDS = tuple(f"patient__{f}" for f in PatientRow.__slots__)
_PAYER_FIELDS = ("payer_id", *(f"payer__{f}" for f in PayerRow.__slots__))
_CLINICIAN_FIELDS = (
    "clinician_id",
    "clinician__user__last_name",
    "clinician__user__first_name",
    "clinician__user__username",
    "clinician__taxonomy_code",
)
_LINE_FIELDS = ("claim_id", *LineRow.__slots__)


def claim_rows(claims: QuerySet[Claim]) -> list[ClaimRow]:
    """What the 837P writer reads of ``claims``, in their order: two queries (the claims
    with their patient, payer, rendering provider and encounter; their lines), plain values
    and no model instances; each patient, payer and provider is one row for all its claims."""
    fields = (*_CLAIM_FIELDS, *_PATIENT_FIELDS, *_PAYER_FIELDS, *_CLINICIAN_FIELDS)
    rows: list[tuple[Any, ...]] = list(claims.values_list(*fields))
    if not rows:
        return []
    lines: dict[int, list[LineRow]] = {}
    for claim_id, *line in (
        ClaimLine.objects.filter(claim_id__in=[r[0] for r in rows])
        .order_by("claim_id", "position")
        .values_list(*_LINE_FIELDS)
    ):
        lines.setdefault(claim_id, []).append(LineRow(*line))
    patients: dict[int, PatientRow] = {}
    payers: dict[int | None, PayerRow | None] = {None: None}
    clinicians: dict[int, ClinicianRow] = {}
    n_claim, n_patient, n_payer = len(_CLAIM_FIELDS), len(_PATIENT_FIELDS), len(_PAYER_FIELDS)
    out = []
    for row in rows:
        claim, rest = row[:n_claim], row[n_claim:]
        patient_id = claim[-1]
        patient = patients.get(patient_id)
        if patient is None:
            patient = patients[patient_id] = PatientRow(*rest[:n_patient])
        payer_row = rest[n_patient : n_patient + n_payer]
        if payer_row[0] in payers:
            payer = payers[payer_row[0]]
        else:
            payer = payers[payer_row[0]] = PayerRow(*payer_row[1:])
        clinician_id, *provider = rest[n_patient + n_payer :]
        clinician = clinicians.get(clinician_id)
        if clinician is None:
            clinician = clinicians[clinician_id] = ClinicianRow(*provider)
        out.append(ClaimRow(patient, payer, clinician, tuple(lines.get(claim[0], ())), *claim))
    return out


def _claim_exportable_check(claim: ClaimRow) -> None:
    """The state table's checks for the export's change of ``claim`` (no query)."""
    to_state = S.VOID if claim.state == S.VOID_PENDING else S.SUBMITTED
    transition = TRANSITIONS.get((claim.state, to_state))
    if transition is None or not transition.export:
        raise ValidationError(f"Claim {claim.number} is not ready for export.")
    # part2_consent_missing, on the values read
    if to_state == S.SUBMITTED and claim.part2 and claim.patient.part2_consent_on is None:
        raise ValidationError(
            f"Claim {claim.number} is a 42 CFR Part 2 (substance use) record: the patient's "
            "consent to disclose it to the payer for payment must be on file before it is "
            "approved or exported. Ask the practice admin to record it on the patient."
        )
    if claim.state == S.CORRECTED and claim.scrub_status != ScrubStatus.CLEAN:
        raise ValidationError(
            f"Corrected claim {claim.number} has scrubber findings: approve it again first."
        )


def _sent_reason(claim: ClaimRow, control: int) -> str:
    reason = f"837P batch {control}"
    if claim.frequency_code == ClaimFrequency.REPLACEMENT:
        reason += f" (replacement of payer claim {claim.payer_claim_number})"
    elif claim.frequency_code == ClaimFrequency.VOID:
        reason += f" (void of payer claim {claim.payer_claim_number})"
    return reason


@transaction.atomic
def _batch_write(
    *, user: User, claims: list[ClaimRow], control: int, content: str, job: ExportJob | None
) -> ExportBatch:
    """Record the file and every claim's export change: five statements for any number."""
    read = {c.pk: (c.version, c.state) for c in claims}
    locked = dict(
        (pk, (version, state))
        for pk, version, state in Claim.objects.select_for_update()
        .filter(pk__in=list(read))
        .order_by("pk")
        .values_list("pk", "version", "state")
    )
    if locked != read:
        raise ValidationError(
            "Some of these claims changed while the 837P file was being written (another "
            "export, or a biller's change): nothing was exported. Export again."
        )
    try:
        with transaction.atomic():
            batch = ExportBatch.objects.create(
                created_by=user, control_number=control, claim_count=len(claims), content=content
            )
    except IntegrityError:
        raise ValidationError(
            "Another export took this file number meanwhile: nothing was exported. Export again."
        ) from None
    ClaimTransition.objects.bulk_create(
        ClaimTransition(
            claim_id=c.pk,
            from_state=c.state,
            to_state=S.VOID if c.state == S.VOID_PENDING else S.SUBMITTED,
            user=user,
            reason=_sent_reason(c, control),
        )
        for c in claims
    )
    Claim.objects.filter(pk__in=list(read)).update(
        state=Case(When(state=S.VOID_PENDING, then=Value(S.VOID)), default=Value(S.SUBMITTED)),
        batch=batch,
        submission_count=F("submission_count") + 1,
        version=F("version") + 1,
        updated_by=user,
        updated_at=timezone.now(),
        claimed_by=None,
        claimed_at=None,
    )
    access_record(
        user=user,
        obj=batch,
        action=AccessAction.UPDATE,
        patient_ids=[c.patient_id for c in claims],
    )
    if job is not None:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJobStatus.DONE,
            batch=batch,
            done=len(claims),
            total=len(claims),
            finished_at=timezone.now(),
        )
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


# ----------------------------------------------------------------------------- in the background
# A job still "running" after this is taken as lost (its worker died): it no longer blocks
# a new export (the task's hard time limit is well under it).
EXPORT_JOB_LOST_AFTER = datetime.timedelta(minutes=20)


def export_job_running() -> ExportJob | None:
    """The export job now running, if any (one at a time: they would take the same claims)."""
    since = timezone.now() - EXPORT_JOB_LOST_AFTER
    return (
        ExportJob.objects.select_related("created_by")
        .filter(
            status__in=(
                ExportJobStatus.QUEUED,
                ExportJobStatus.BUILDING,
                ExportJobStatus.VALIDATING,
            ),
            created_at__gte=since,
        )
        .first()
    )


def export_job_create(*, user: User) -> ExportJob:
    """Ask for the 837P file of every exportable claim, to be written in the background."""
    _require_biller(user)
    running = export_job_running()
    if running is not None:
        who = running.created_by.get_full_name() or running.created_by.username
        raise ValidationError(
            f"An 837P export started by {who} is still running: wait for it to finish."
        )
    total = Claim.objects.exportable().count()
    if not total:
        raise ValidationError("No approved claims to export.")
    return ExportJob.objects.create(created_by=user, total=total)


def export_job_run(*, job_id: int, split: int = ST_SE_CLAIMS) -> ExportJob:
    """Run a queued export job (the Celery task's body): its progress is saved as the file is
    written, then the job is done with its batch, or failed with the reason. A job that
    already ran is left as it is."""
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ExportJobStatus.QUEUED:
        return job

    def progress(status: str, done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(status=status, done=done)

    try:
        claim_batch_export(user=job.created_by, split=split, progress=progress, job=job)
    except ValidationError as exc:
        _job_failed(job, " ".join(exc.messages))
    except BaseException:  # the time limit, the database gone: said on the page, then raised
        _job_failed(job, "The export stopped before the file was written: export again.")
        raise
    job.refresh_from_db()
    return job


def _job_failed(job: ExportJob, error: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJobStatus.FAILED, error=error, finished_at=timezone.now()
    )


def export_job_failed_to_queue(*, job_id: int) -> None:
    """The worker could not be reached: the job is marked failed, to be asked for again."""
    ExportJob.objects.filter(pk=job_id, status=ExportJobStatus.QUEUED).update(
        status=ExportJobStatus.FAILED,
        error="The background worker could not be reached: nothing was exported. Try again.",
        finished_at=timezone.now(),
    )


def export_job_get(*, user: User, job_id: int) -> ExportJob:
    """One export job (its progress), else 404."""
    _require_biller(user)
    job = ExportJob.objects.select_related("batch").defer("batch__content").filter(pk=job_id)
    found = job.first()
    if found is None:
        raise Http404("No such export.")
    return found


def export_job_latest(*, user: User) -> ExportJob | None:
    """The newest export job, for the export page's progress bar or last outcome."""
    _require_biller(user)
    return ExportJob.objects.select_related("batch").defer("batch__content").first()
