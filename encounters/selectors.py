"""Reads of patients and encounters, each checking the user's role and relation to the record.

``*_get_for_user`` selectors are the only way views obtain a protected
record: they return it or raise 404, and they write the access record. The
``*_page_for_user`` selectors fetch one page of a list and write one record
naming the patients on it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.access import access_record, access_record_list
from accounts.models import AccessAction, Clinician
from accounts.roles import Role, role_of
from accounts.selectors import clinician_for_user
from coding.engine.drugs import DrugTable
from payers.selectors import drug_table

from .models import (
    Coverage,
    Encounter,
    EncounterStatus,
    Instrument,
    NoteTemplate,
    Patient,
    ScheduledVisit,
)


def _require_clinician(user: User) -> Clinician:
    clinician = clinician_for_user(user)
    if clinician is None:
        raise PermissionDenied("Your account has no clinician profile.")
    return clinician


def patient_list_for_user(*, user: User, query: str = "") -> QuerySet[Patient]:
    """Patients the user may see: a prescriber's care-team patients, every patient for admins."""
    role = role_of(user)
    if role == Role.ADMIN:
        patients = Patient.objects.all()
    elif role == Role.PRESCRIBER:
        clinician = _require_clinician(user)
        patients = Patient.objects.filter(
            Q(clinicians=clinician) | Q(encounters__clinician=clinician)
        ).distinct()
    else:
        raise PermissionDenied("Your role does not list patients.")
    return _search(patients, query).order_by("last_name", "first_name", "id")


def _search(patients: QuerySet[Patient], query: str) -> QuerySet[Patient]:
    for word in query.split():
        condition = (
            Q(last_name__icontains=word) | Q(first_name__icontains=word) | Q(mrn__icontains=word)
        )
        for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
            try:
                condition |= Q(date_of_birth=datetime.datetime.strptime(word, fmt).date())  # noqa: DTZ007
            except ValueError:
                continue
        patients = patients.filter(condition)
    return patients


def patient_page_for_user(
    *, user: User, query: str = "", page_number: Any = 1, page_size: int, path: str = ""
) -> Page[Patient]:
    """One page of the patients the user may see (searched), recording the patients shown."""
    page = Paginator(patient_list_for_user(user=user, query=query), page_size).get_page(page_number)
    access_record_list(user=user, rows=Patient, patient_ids=[p.pk for p in page], path=path)
    return page


def patient_get_for_user(*, user: User, patient_id: int, path: str = "") -> Patient:
    """The patient if the user may see them (else 404), recording the access."""
    patient = (
        patient_list_for_user(user=user)
        .prefetch_related("coverages__payer")
        .filter(pk=patient_id)
        .first()
    )
    if patient is None:
        raise Http404("No such patient.")
    access_record(user=user, obj=patient, action=AccessAction.VIEW, path=path)
    return patient


def encounter_list_for_user(
    *, user: User, status: str | None = None, patient: Patient | None = None
) -> QuerySet[Encounter]:
    """The prescriber's own encounters (of one patient when given), newest first."""
    if role_of(user) != Role.PRESCRIBER:
        raise PermissionDenied("Only prescribers list their encounters.")
    encounters = Encounter.objects.for_clinician(_require_clinician(user)).select_related(
        "patient", "clinician__user"
    )
    if status in EncounterStatus.values:
        encounters = encounters.filter(status=status)
    if patient is not None:
        encounters = encounters.filter(patient=patient)
    return encounters.order_by("-date_of_service", "-id")


def encounter_page_for_user(
    *,
    user: User,
    status: str | None = None,
    page_number: Any = 1,
    page_size: int,
    path: str = "",
) -> Page[Encounter]:
    """One page of the prescriber's encounters, recording the patients shown."""
    encounters = encounter_list_for_user(user=user, status=status)
    page = Paginator(encounters, page_size).get_page(page_number)
    access_record_list(
        user=user, rows=Encounter, patient_ids=[e.patient_id for e in page], path=path
    )
    return page


def encounter_get_for_user(
    *,
    user: User,
    encounter_id: int,
    action: str = AccessAction.VIEW,
    path: str = "",
) -> Encounter:
    """The encounter if it is the prescriber's own (else 404), recording the access."""
    encounter = (
        encounter_list_for_user(user=user)
        .select_related("coverage__payer", "signed_by", "signed_proposal")
        .prefetch_related(
            "diagnoses",
            "medication_reviews",
            "instrument_scores__instrument",
            "injections",
            "addenda__author",
        )
        .filter(pk=encounter_id)
        .first()
    )
    if encounter is None:
        raise Http404("No such encounter.")
    access_record(user=user, obj=encounter, action=action, path=path)
    return encounter


def encounter_carry_forward_for_user(
    *, user: User, patient: Patient, before: datetime.date, path: str = ""
) -> Encounter | None:
    """The prescriber's latest signed visit with the patient on or before ``before``.

    A new visit starts from it (carry forward). Only the prescriber's own visits are
    read, as everywhere else; reading it is recorded as an access to that visit.
    """
    encounter = (
        encounter_list_for_user(user=user, status=EncounterStatus.SIGNED, patient=patient)
        .filter(date_of_service__lte=before)
        .select_related("coverage")
        .prefetch_related("diagnoses", "medication_reviews")
        .first()
    )
    if encounter is not None:
        access_record(user=user, obj=encounter, action=AccessAction.VIEW, path=path)
    return encounter


def patient_status_suggest(
    *, patient: Patient, clinician: Clinician | None, date_of_service: datetime.date
) -> str:
    """'established' when the patient had a visit with this practice in the 3 years before (EM-7).

    Every clinician of the practice shares the psychiatry specialty, so any
    signed encounter of the practice counts, whoever the clinician (or None) is.
    """
    try:
        since = date_of_service.replace(year=date_of_service.year - 3)
    except ValueError:  # 29 February
        since = date_of_service.replace(year=date_of_service.year - 3, day=28)
    seen = Encounter.objects.filter(
        patient=patient,
        status=EncounterStatus.SIGNED,
        date_of_service__gte=since,
        date_of_service__lt=date_of_service,
    ).exists()
    return "established" if seen else "new"


def patient_last_visit(*, patient: Patient, before: datetime.date) -> datetime.date | None:
    """The date of the patient's latest signed encounter with the practice before ``before``."""
    return (
        Encounter.objects.filter(
            patient=patient, status=EncounterStatus.SIGNED, date_of_service__lt=before
        )
        .order_by("-date_of_service")
        .values_list("date_of_service", flat=True)
        .first()
    )


def patient_primary_coverage(patient: Patient) -> Coverage | None:
    """The patient's first active coverage (the primary, by the coverages' order)."""
    return next((c for c in patient.coverages.all() if c.active), None)


def instrument_list_active() -> list[Instrument]:
    """The instruments the encounter form offers (the practice admin's list), by name."""
    return list(Instrument.objects.filter(active=True).order_by("name"))


def instruments_by_id(ids: Iterable[int]) -> dict[int, Instrument]:
    """The instruments with these ids, active or not (a draft may hold a retired one)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {i.pk: i for i in Instrument.objects.filter(pk__in=wanted)}


def injection_drug_table() -> DrugTable:
    """The drug table the injection rows choose from (INJ-1): the practice's own
    (``payers.Drug``), the one the engine reads at signing and the claim checks read."""
    return drug_table()


class TodayVisit(NamedTuple):
    """A line of the prescriber's day: the scheduled visit and the visit started from it."""

    scheduled: ScheduledVisit
    encounter: Encounter | None


class Day(NamedTuple):
    """The prescriber's day page: older unsigned drafts first, then today."""

    older_drafts: list[Encounter]
    scheduled: list[TodayVisit]
    drafts_today: list[Encounter]


DAY_MAX_ROWS = 100


def day_for_prescriber(*, user: User, today: datetime.date, path: str = "") -> Day:
    """Today's scheduled visits (with the visit started for each), today's other drafts and
    the unsigned drafts of earlier days, recording every patient the page shows."""
    clinician = _require_clinician(user)
    drafts = encounter_list_for_user(user=user, status=EncounterStatus.DRAFT)
    older = list(
        drafts.filter(date_of_service__lt=today).order_by("date_of_service", "id")[:DAY_MAX_ROWS]
    )
    todays = list(
        encounter_list_for_user(user=user)
        .filter(date_of_service=today)
        .order_by("id")[:DAY_MAX_ROWS]
    )
    visits = list(
        ScheduledVisit.objects.filter(clinician=clinician, date=today)
        .select_related("patient")
        .order_by("time", "id")[:DAY_MAX_ROWS]
    )
    by_patient: dict[int, Encounter] = {}
    for encounter in todays:
        by_patient.setdefault(encounter.patient_id, encounter)
    started = {v.patient_id for v in visits}
    day = Day(
        older_drafts=older,
        scheduled=[TodayVisit(v, by_patient.get(v.patient_id)) for v in visits],
        drafts_today=[e for e in todays if e.patient_id not in started and not e.is_signed],
    )
    shown = [e.patient_id for e in older] + [v.patient_id for v in visits]
    shown += [e.patient_id for e in day.drafts_today]
    access_record_list(user=user, rows=ScheduledVisit, patient_ids=shown, path=path)
    return day


def scheduled_visit_get_for_user(*, user: User, visit_id: int, path: str = "") -> ScheduledVisit:
    """The prescriber's own scheduled visit (else 404), recording the access."""
    visit = (
        ScheduledVisit.objects.filter(clinician=_require_clinician(user), pk=visit_id)
        .select_related("patient")
        .first()
    )
    if visit is None:
        raise Http404("No such scheduled visit.")
    access_record(user=user, obj=visit, action=AccessAction.VIEW, path=path)
    return visit


def schedulable_clinicians(*, patient: Patient, user: User) -> QuerySet[Clinician]:
    """Whom a visit with the patient may be scheduled for: the care team; a prescriber
    schedules only themself (and nobody when they are not on the team)."""
    clinicians = patient.clinicians.select_related("user")
    if role_of(user) != Role.PRESCRIBER:
        return clinicians
    own = clinician_for_user(user)
    return clinicians.filter(pk=own.pk) if own else clinicians.none()


def note_template_list_for_user(*, user: User) -> QuerySet[NoteTemplate]:
    """The prescriber's own note templates, by name (they hold no patient information)."""
    return NoteTemplate.objects.filter(clinician=_require_clinician(user)).order_by("name")


def note_template_get_for_user(*, user: User, template_id: int) -> NoteTemplate:
    """One of the prescriber's own note templates (another's is a 404)."""
    template = NoteTemplate.objects.filter(
        clinician=_require_clinician(user), pk=template_id
    ).first()
    if template is None:
        raise Http404("No such note template.")
    return template
