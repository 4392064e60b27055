"""Writes to encounters: save a draft, sign, add an addendum.

How a visit moves: the form posts a draft (``encounter_draft_save``: what validates goes
into the fields, the form exactly as typed goes into ``draft_form``, so nothing typed is
lost); one form, one draft, by the form's ``draft_key`` (unique in the database). Marking
it signed (``encounter_mark_signed``, the first step of ``claims.signing.visit_sign``)
re-checks everything under row locks, refuses a visit whose blocks overlap a signed visit
of the same patient and clinician, and locks the note.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.access import access_record
from accounts.models import AccessAction, Clinician
from accounts.roles import Role, role_of
from accounts.selectors import clinician_for_user
from coding.engine.documentation import DocumentationCheck, documentation_gaps
from coding.engine.rules.dg_diagnoses import MAX_DIAGNOSES
from payers.models import Payer

from .icd import icd_explain_invalid, icd_lookup
from .models import (
    Addendum,
    Authorization,
    Coverage,
    Encounter,
    EncounterDiagnosis,
    EncounterLocked,
    EncounterStatus,
    Injection,
    InstrumentScore,
    MedicationReview,
    NoteTemplate,
    Patient,
    ScheduledVisit,
)
from .validation import ScoreRecorded, encounter_time_errors, engine2_errors

MDM_COUNTERS = ("mdm_notes_reviewed", "mdm_results_reviewed", "mdm_tests_ordered")


class EncounterAlreadySigned(EncounterLocked):
    """A post reached an encounter that is already signed (Back and Sign again)."""

    def __init__(self, encounter: Encounter) -> None:
        super().__init__("This visit is already signed; nothing was changed.")
        self.encounter = encounter


MEDICATION_FIELDS = (
    "name",
    "dose",
    "frequency",
    "adherence",
    "side_effects",
    "effect",
    "change",
    "change_reason",
)


def _set_fields(encounter: Encounter, data: Mapping[str, Any]) -> None:
    editable = {
        f.name
        for f in Encounter._meta.concrete_fields
        if f.editable
        and f.name
        not in {"id", "status", "signed_at", "signed_by", "patient", "clinician", "draft_key"}
    }
    for name, value in data.items():
        if name in editable:
            setattr(encounter, name, value)


def _full_clean(encounter: Encounter) -> None:
    """The model's checks; the draft key's uniqueness is the database's to decide (a race)."""
    exclude = ["draft_key"] + (["coverage"] if encounter.coverage_id is None else [])
    encounter.full_clean(exclude=exclude)


def _diagnoses_replace(encounter: Encounter, codes: Iterable[str]) -> None:
    rows: list[EncounterDiagnosis] = []
    errors: list[str] = []
    seen: set[str] = set()
    for raw in codes:
        if not raw or not raw.strip():
            continue
        found = icd_lookup(raw)
        if found is None:
            errors.append(icd_explain_invalid(raw))
            continue
        if found.code in seen:
            continue
        seen.add(found.code)
        rows.append(
            EncounterDiagnosis(
                encounter=encounter,
                position=len(rows) + 1,
                code=found.code,
                description=found.description,
            )
        )
    if len(rows) > MAX_DIAGNOSES:
        errors.append(f"At most {MAX_DIAGNOSES} diagnoses per encounter (DG-1).")
    if errors:
        raise ValidationError({"diagnoses": errors})
    encounter.diagnoses.all().delete()
    EncounterDiagnosis.objects.bulk_create(rows)


def _medications_replace(encounter: Encounter, medications: Iterable[Mapping[str, Any]]) -> None:
    encounter.medication_reviews.all().delete()
    MedicationReview.objects.bulk_create(
        MedicationReview(encounter=encounter, **{k: m.get(k, "") for k in MEDICATION_FIELDS})
        for m in medications
    )


def _instrument_scores_replace(encounter: Encounter, scores: Iterable[Mapping[str, Any]]) -> None:
    encounter.instrument_scores.all().delete()
    InstrumentScore.objects.bulk_create(
        InstrumentScore(encounter=encounter, instrument_id=row["instrument"], score=row["score"])
        for row in scores
    )


INJECTION_FIELDS = (
    "drug",
    "dose_mg",
    "container_mg",
    "supplied_by_practice",
    "given_by",
    "lot",
    "ndc",
    "ndc_quantity",
    "ndc_unit",
)


def _injections_replace(encounter: Encounter, injections: Iterable[Mapping[str, Any]]) -> None:
    encounter.injections.all().delete()
    Injection.objects.bulk_create(
        Injection(encounter=encounter, **{k: row[k] for k in INJECTION_FIELDS if k in row})
        for row in injections
    )


def _children_replace(
    encounter: Encounter,
    *,
    diagnoses: Iterable[str] | None,
    medications: Iterable[Mapping[str, Any]] | None,
    instruments: Iterable[Mapping[str, Any]] | None,
    injections: Iterable[Mapping[str, Any]] | None,
) -> None:
    """Replace the rows the form posted; None leaves that kind of row as it is."""
    if diagnoses is not None:
        _diagnoses_replace(encounter, diagnoses)
    if medications is not None:
        _medications_replace(encounter, medications)
    if instruments is not None:
        _instrument_scores_replace(encounter, instruments)
    if injections is not None:
        _injections_replace(encounter, injections)


def _check_times(encounter: Encounter) -> None:
    """A draft's times may be half entered (a timer still running), never contradictory."""
    errors = encounter_time_errors(
        date_of_service=encounter.date_of_service,
        pt_start=encounter.pt_start,
        pt_end=encounter.pt_end,
        em_start=encounter.em_start,
        em_end=encounter.em_end,
        now=timezone.localtime(),
        partial_ok=True,
    )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def encounter_create(
    *,
    user: User,
    clinician: Clinician,
    patient: Patient,
    data: Mapping[str, Any],
    diagnoses: Iterable[str] = (),
    medications: Iterable[Mapping[str, Any]] = (),
    instruments: Iterable[Mapping[str, Any]] = (),
    injections: Iterable[Mapping[str, Any]] = (),
) -> Encounter:
    """Save a new draft encounter with its diagnoses, medication reviews, instrument scores
    and injections."""
    encounter = Encounter(patient=patient, clinician=clinician)
    if data.get("draft_key"):
        encounter.draft_key = data["draft_key"]
    _set_fields(encounter, data)
    _check_times(encounter)
    _full_clean(encounter)
    encounter.save()
    _children_replace(
        encounter,
        diagnoses=diagnoses,
        medications=medications,
        instruments=instruments,
        injections=injections,
    )
    patient.clinicians.add(clinician)
    access_record(user=user, obj=encounter, action=AccessAction.CREATE)
    return encounter


@transaction.atomic
def encounter_update(
    *,
    user: User,
    encounter: Encounter,
    data: Mapping[str, Any],
    diagnoses: Iterable[str] | None = None,
    medications: Iterable[Mapping[str, Any]] | None = None,
    instruments: Iterable[Mapping[str, Any]] | None = None,
    injections: Iterable[Mapping[str, Any]] | None = None,
) -> Encounter:
    """Change a draft encounter; a signed one raises ``EncounterLocked``."""
    if encounter.is_signed:
        raise EncounterLocked("This encounter is signed and can no longer be changed.")
    _set_fields(encounter, data)
    _check_times(encounter)
    _full_clean(encounter)
    encounter.save()
    _children_replace(
        encounter,
        diagnoses=diagnoses,
        medications=medications,
        instruments=instruments,
        injections=injections,
    )
    access_record(user=user, obj=encounter, action=AccessAction.UPDATE)
    return encounter


def _draft_for_key(*, clinician: Clinician, patient: Patient, draft_key: Any) -> Encounter | None:
    """The encounter an earlier post of the same form made, locked for the update."""
    if not draft_key:
        return None
    found = Encounter.objects.select_for_update().filter(draft_key=draft_key).first()
    if found is None:
        return None
    if found.clinician_id != clinician.pk or found.patient_id != patient.pk:
        raise PermissionDenied("This form belongs to another visit: open the patient again.")
    if found.is_signed:
        raise EncounterAlreadySigned(found)
    return found


@transaction.atomic
def encounter_draft_save(
    *,
    user: User,
    clinician: Clinician,
    patient: Patient,
    encounter: Encounter | None,
    data: Mapping[str, Any],
    diagnoses: Iterable[str],
    medications: Iterable[Mapping[str, Any]],
    typed_form: Mapping[str, list[str]] | None,
    instruments: Iterable[Mapping[str, Any]] = (),
    injections: Iterable[Mapping[str, Any]] = (),
) -> Encounter:
    """Save a draft from the form: the checked values into the fields, the form as typed aside.

    ``data`` holds only values that passed the form's checks; ``typed_form`` is everything
    posted (None once the form is valid as a whole). A post without ``encounter`` finds
    the draft its form's ``draft_key`` made, so a form posted twice makes one draft.
    """
    if encounter is None:
        encounter = _draft_for_key(
            clinician=clinician, patient=patient, draft_key=data.get("draft_key")
        )
    else:
        encounter = Encounter.objects.select_for_update().get(pk=encounter.pk)
        if encounter.is_signed:
            raise EncounterAlreadySigned(encounter)
    fields = {**data, "draft_form": dict(typed_form) if typed_form else None}
    if encounter is None:
        try:
            with transaction.atomic():  # a savepoint: the key may be taken meanwhile
                return encounter_create(
                    user=user,
                    clinician=clinician,
                    patient=patient,
                    data=fields,
                    diagnoses=diagnoses,
                    medications=medications,
                    instruments=instruments,
                    injections=injections,
                )
        except IntegrityError:
            # The same form's other post made the draft first (two tabs, a retried
            # autosave): wait for it and update that draft instead of making a second.
            encounter = _draft_for_key(
                clinician=clinician, patient=patient, draft_key=data.get("draft_key")
            )
            if encounter is None:
                raise
    return encounter_update(
        user=user,
        encounter=encounter,
        data=fields,
        diagnoses=diagnoses,
        medications=medications,
        instruments=instruments,
        injections=injections,
    )


def encounter_overlapping(encounter: Encounter) -> list[Encounter]:
    """Signed visits of the same patient and clinician that day whose blocks overlap this one's."""
    mine = _blocks(encounter)
    if not mine:
        return []
    others = (
        Encounter.objects.signed()
        .filter(
            patient_id=encounter.patient_id,
            clinician_id=encounter.clinician_id,
            date_of_service=encounter.date_of_service,
        )
        .exclude(pk=encounter.pk)
        .order_by("pk")
    )
    return [
        other
        for other in others
        if any(a < d and c < b for a, b in mine for c, d in _blocks(other))
    ]


def _blocks(encounter: Encounter) -> list[tuple[Any, Any]]:
    return [
        (start, end)
        for start, end in (
            (encounter.pt_start, encounter.pt_end),
            (encounter.em_start, encounter.em_end),
        )
        if start is not None and end is not None
    ]


def encounter_sign_errors(encounter: Encounter) -> dict[str, list[str]]:
    """What keeps a draft from being signed, keyed by field."""
    errors: dict[str, list[str]] = dict(
        encounter_time_errors(
            date_of_service=encounter.date_of_service,
            pt_start=encounter.pt_start,
            pt_end=encounter.pt_end,
            em_start=encounter.em_start,
            em_end=encounter.em_end,
            now=timezone.localtime(),
        )
    )
    if not encounter.diagnoses.exists():
        errors.setdefault("diagnoses", []).append(
            "Add at least one diagnosis before signing (DG-1)."
        )
    if encounter.pt_kind and not (encounter.pt_start and encounter.pt_end):
        errors.setdefault("pt_start", []).append(
            "Enter the psychotherapy start and end times (PT-4)."
        )
    if not encounter.pt_kind and encounter.pt_start:
        errors.setdefault("pt_kind", []).append("Choose the kind of psychotherapy.")
    if not (encounter.pt_kind or encounter.has_med_management or encounter.diagnostic_evaluation):
        errors.setdefault("__all__", []).append(
            "Document a psychotherapy block, a med-management block or a diagnostic evaluation."
        )
    if encounter.interactive_complexity and not encounter.interactive_complexity_reason.strip():
        errors.setdefault("interactive_complexity_reason", []).append(
            "Say what made the communication complex (IC-1)."
        )
    limit = settings.ENCOUNTER_MAX_MDM_COUNT
    for name in MDM_COUNTERS:
        if getattr(encounter, name) > limit:
            errors.setdefault(name, []).append(f"At most {limit} can be counted.")
    if encounter.em_other_minutes and not encounter.has_med_management:
        errors.setdefault("em_other_minutes", []).append(
            "Other E/M minutes count toward an E/M (EM-3): record the med-management block "
            "too, or clear them."
        )
    for field, messages in engine2_errors(
        other_minutes=encounter.em_other_minutes,
        injections=encounter.injections.count(),
        scores=[
            ScoreRecorded(
                row.instrument.name, row.score, row.instrument.score_min, row.instrument.score_max
            )
            for row in encounter.instrument_scores.select_related("instrument")
        ],
    ).items():
        errors.setdefault(field, []).extend(messages)
    for other in encounter_overlapping(encounter):
        errors.setdefault("__all__", []).append(
            f"This visit overlaps visit {other.pk}, already signed for this patient on "
            f"{other.date_of_service:%Y-%m-%d}: one visit is billed once (PT-3)."
        )
    return errors


@transaction.atomic
def encounter_mark_signed(
    *, user: User, encounter: Encounter, documentation_acknowledged: bool = False
) -> Encounter:
    """Lock a draft, check it and mark it signed: the first step of signing a visit.

    The whole signing (this, then the engine's stored proposal, then the claim, in one
    transaction) is ``claims.signing.visit_sign``; this step alone leaves a signed visit
    with no claim. The patient row is locked first, so two visits of one patient are signed
    one after the other and the overlap check sees the first before it passes the second.
    """
    Patient.objects.select_for_update().filter(pk=encounter.patient_id).first()
    locked = Encounter.objects.select_for_update().get(pk=encounter.pk)
    if locked.is_signed:
        raise EncounterAlreadySigned(locked)
    if locked.clinician.user_id != user.pk:
        raise PermissionDenied("Only the treating clinician signs this encounter.")
    errors = encounter_sign_errors(locked)
    if errors:
        raise ValidationError(errors)
    gaps = documentation_gaps(locked.note_evidence())
    if gaps and not documentation_acknowledged:
        raise ValidationError({"documentation_acknowledged": [_gaps_message(gaps)]})
    locked.documentation_gaps = [gap.to_dict() for gap in gaps]
    locked.status = EncounterStatus.SIGNED
    locked.signed_at = timezone.now()
    locked.signed_by = user
    locked.draft_form = None
    locked.save(
        update_fields=[
            "status",
            "signed_at",
            "signed_by",
            "draft_form",
            "documentation_gaps",
            "updated_at",
        ]
    )
    access_record(user=user, obj=locked, action=AccessAction.SIGN)
    return locked


def _gaps_message(gaps: Iterable[DocumentationCheck]) -> str:
    shown = "; ".join(f"{gap.claimed}: {gap.needs}" for gap in gaps)
    return (
        f"The note does not show yet what the MDM items claim (EM-2): {shown}. Complete the "
        "note, or tick the box to sign with these gaps; they are kept with the visit."
    )


@transaction.atomic
def addendum_add(*, user: User, encounter: Encounter, text: str, reason: str) -> Addendum:
    """Append an addendum to a signed encounter."""
    if not encounter.is_signed:
        raise ValidationError("Addenda are for signed encounters; edit the draft instead.")
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = ["Write the addendum."]
    if not reason.strip():
        errors["reason"] = ["Say why the addendum is added."]
    if errors:
        raise ValidationError(errors)
    addendum = Addendum.objects.create(
        encounter=encounter, author_id=user.pk, text=text.strip(), reason=reason.strip()
    )
    access_record(user=user, obj=encounter, action=AccessAction.UPDATE)
    return addendum


@transaction.atomic
def patient_save(
    *,
    user: User,
    patient: Patient,
    coverages: Iterable[Coverage] = (),
    coverages_removed: Iterable[Coverage] = (),
    clinicians: Iterable[Clinician] | None = None,
) -> Patient:
    """Create or change a patient with their coverage (practice admins).

    A new or changed Part 2 consent date is recorded with who entered it, and when.
    """
    created = patient.pk is None
    before = None if created else Patient.objects.filter(pk=patient.pk).first()
    if patient.part2_consent_on != (before.part2_consent_on if before else None):
        has_consent = patient.part2_consent_on is not None
        patient.part2_consent_recorded_by_id = user.pk if has_consent else None
        patient.part2_consent_recorded_at = timezone.now() if has_consent else None
    patient.full_clean(exclude=["clinicians"])
    patient.save()
    if clinicians is not None:
        patient.clinicians.set(clinicians)
    removed = [c.pk for c in coverages_removed if c.pk]
    try:
        Coverage.objects.filter(patient=patient, pk__in=removed).delete()
    except ProtectedError:
        raise ValidationError(
            "A coverage billed on an encounter cannot be deleted: untick Active instead."
        ) from None
    coverages = list(coverages)
    # Priorities may be swapped: park the changed rows first so the
    # one-active-coverage-per-priority constraint holds after every statement.
    Coverage.objects.filter(patient=patient, pk__in=[c.pk for c in coverages if c.pk]).update(
        active=False
    )
    for coverage in coverages:
        coverage.patient = patient
        coverage.full_clean(exclude=["patient"], validate_constraints=False)
        coverage.save()
    access_record(
        user=user, obj=patient, action=AccessAction.CREATE if created else AccessAction.UPDATE
    )
    return patient


@transaction.atomic
def coverage_replace(
    *, user: User, coverage: Coverage, payer: Payer, member_id: str, group_number: str = ""
) -> Coverage:
    """The patient's new coverage in place of ``coverage``, at its priority (billers fixing an
    inactive coverage before the visit, practice admins). The old row stays, inactive, for
    the claims billed on it; the subscriber carries over."""
    if role_of(user) not in (Role.BILLER, Role.ADMIN):
        raise PermissionDenied("Only billers and practice admins change a patient's coverage.")
    old = Coverage.objects.select_for_update().get(pk=coverage.pk)
    if not old.active:
        raise ValidationError(
            "This coverage was already replaced: open the patient's schedule row again."
        )
    old.active = False
    old.save(update_fields=["active"])
    new = Coverage(
        patient_id=old.patient_id,
        payer=payer,
        member_id=member_id.strip(),
        group_number=group_number.strip(),
        relation=old.relation,
        subscriber_first_name=old.subscriber_first_name,
        subscriber_last_name=old.subscriber_last_name,
        subscriber_date_of_birth=old.subscriber_date_of_birth,
        priority=old.priority,
        active=True,
    )
    new.full_clean()
    new.save()
    access_record(user=user, obj=new, action=AccessAction.CREATE)
    return new


@transaction.atomic
def scheduled_visit_create(
    *,
    user: User,
    patient: Patient,
    clinician: Clinician,
    date: datetime.date,
    time: datetime.time,
    setting: str,
    path: str = "",
) -> ScheduledVisit:
    """Put a visit on the schedule. A prescriber schedules only themself; the clinician
    must be on the patient's care team (else they could not open the patient to start it)."""
    own = clinician_for_user(user)
    if role_of(user) == Role.PRESCRIBER and (own is None or own.pk != clinician.pk):
        raise PermissionDenied("A prescriber schedules visits only for themself.")
    if not patient.clinicians.filter(pk=clinician.pk).exists():
        raise ValidationError(
            {
                "clinician": f"{clinician} is not on {patient.full_name}'s care team: "
                "add them on the patient's page first."
            }
        )
    visit = ScheduledVisit(
        patient=patient,
        clinician=clinician,
        date=date,
        time=time,
        setting=setting,
        created_by=user,
    )
    visit.full_clean()
    visit.save()
    access_record(user=user, obj=visit, action=AccessAction.CREATE, path=path)
    return visit


_TEMPLATE_NAME_TAKEN = "You already have a template with this name: pick another name."


def note_template_save(
    *,
    user: User,
    name: str,
    pt_note: str,
    plan: str,
    template: NoteTemplate | None = None,
) -> NoteTemplate:
    """Add a note template for the prescriber, or change one of theirs (``template``)."""
    clinician = clinician_for_user(user)
    if clinician is None:
        raise PermissionDenied("Your account has no clinician profile.")
    if template is not None and template.clinician_id != clinician.pk:
        raise PermissionDenied("A prescriber changes only their own templates.")
    others = NoteTemplate.objects.filter(clinician=clinician, name=name)
    if template is not None:
        others = others.exclude(pk=template.pk)
    if others.exists():
        raise ValidationError({"name": _TEMPLATE_NAME_TAKEN})
    if template is None:
        template = NoteTemplate(clinician=clinician)
    template.name = name
    template.pt_note = pt_note
    template.plan = plan
    template.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:  # the same name saved at the same moment
        raise ValidationError({"name": _TEMPLATE_NAME_TAKEN}) from exc
    return template


def note_template_delete(*, user: User, template: NoteTemplate) -> None:
    """Delete one of the prescriber's own note templates (encounters keep their text)."""
    clinician = clinician_for_user(user)
    if clinician is None or template.clinician_id != clinician.pk:
        raise PermissionDenied("A prescriber deletes only their own templates.")
    template.delete()


_AUTHORIZATION_NUMBER_TAKEN = "This coverage already has an authorization with this number."
AUTHORIZATION_FIELDS = (
    "number",
    "psychotherapy",
    "em",
    "testing",
    "injection",
    "start_date",
    "end_date",
    "authorized",
    "counts",
)


@transaction.atomic
def authorization_save(
    *,
    user: User,
    coverage: Coverage,
    data: Mapping[str, Any],
    authorization: Authorization | None = None,
) -> Authorization:
    """Record a payer's authorization for a coverage, or change one (SC-AUTH).

    Billers record them from the payer's letter or portal; how much is used is counted from
    claims, never typed here.
    """
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Billers record authorizations.")
    if authorization is not None and authorization.coverage_id != coverage.pk:
        raise PermissionDenied("The authorization belongs to another coverage.")
    if authorization is None:
        authorization = Authorization(coverage=coverage, patient_id=coverage.patient_id)
        authorization.created_by = user
    for name in AUTHORIZATION_FIELDS:
        if name in data:
            setattr(authorization, name, data[name])
    authorization.updated_by = user
    taken = Authorization.objects.filter(coverage=coverage, number=authorization.number)
    if taken.exclude(pk=authorization.pk).exists():
        raise ValidationError({"number": [_AUTHORIZATION_NUMBER_TAKEN]})
    authorization.full_clean()
    try:
        with transaction.atomic():
            authorization.save()
    except IntegrityError as exc:  # the same number saved twice at the same moment
        raise ValidationError({"number": [_AUTHORIZATION_NUMBER_TAKEN]}) from exc
    access_record(user=user, obj=authorization, action=AccessAction.UPDATE)
    return authorization
