"""The bridge between encounters and the pure coding engine.

It turns an encounter (saved, or as posted by the encounter form while the
prescriber types) into the facts dict of ``docs/coding-contract.md``. A ``payers.Payer``
row becomes the engine's ``PayerProfile`` in ``payers.profiles``: the payers app sits
below coding and reads only the engine.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import prefetch_related_objects

from coding.engine import DataItems, mdm_from_items
from coding.engine.documentation import MedicationEvidence, NoteEvidence
from coding.engine.mdm import PROBLEM_ITEMS, RISK_ITEMS
from encounters.models import block_minutes
from encounters.posted import (
    mdm_items_from_post,
    posted_count,
    posted_date,
    posted_flag,
    posted_injections,
    posted_instrument_ids,
    posted_time,
)
from encounters.selectors import instruments_by_id
from encounters.validation import encounter_time_errors

if TYPE_CHECKING:
    from encounters.models import Encounter

DEFAULT_PAYER_SLUG = "commercial"


def _mdm_dict(problems: list[str], data: DataItems, risk: list[str]) -> dict[str, str] | None:
    """The MDM levels, or None when the clinician documented no MDM item at all."""
    documented = problems or risk or data != DataItems()
    if not documented:
        return None
    mdm = mdm_from_items(problems, data, risk)
    return {"problems": mdm.problems, "data": mdm.data, "risk": mdm.risk}


def facts_dict(
    *,
    facts_id: str,
    credential: str,
    payer_slug: str | None,
    patient_status: str,
    setting: str,
    patient_at_home: bool,
    pt_kind: str,
    pt_start: datetime.time | None,
    pt_end: datetime.time | None,
    em_start: datetime.time | None,
    em_end: datetime.time | None,
    problems: list[str],
    data: DataItems,
    risk: list[str],
    pharmacologic_management: bool,
    interactive_complexity: bool,
    diagnostic_evaluation: str,
    date_of_service: datetime.date | None,
    other_minutes: int = 0,
    longitudinal_care: bool = False,
    brief_assessments: int = 0,
    injections: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The engine's facts from the documented encounter fields.

    Other E/M minutes (EM-3) go with the med-management block; without a block or MDM
    there is no E/M for them to count toward (signing says so).
    """
    mdm = _mdm_dict(problems, data, risk)
    em_minutes = block_minutes(em_start, em_end)
    em: dict[str, Any] | None = None
    if em_minutes or mdm is not None:
        em = {"minutes": em_minutes, "mdm": mdm}
        if other_minutes:
            em["other_minutes"] = other_minutes
    psychotherapy = (
        {"kind": pt_kind, "minutes": block_minutes(pt_start, pt_end)} if pt_kind else None
    )
    facts: dict[str, Any] = {
        "id": facts_id,
        "patient_status": patient_status or "established",
        "clinician": credential,
        "payer": payer_slug or DEFAULT_PAYER_SLUG,
        "setting": setting or "in_person",
        "patient_at_home": bool(patient_at_home) and setting in ("video", "audio"),
        "psychotherapy": psychotherapy,
        "em": em,
        "pharmacologic_management": pharmacologic_management,
        "interactive_complexity": interactive_complexity,
        "diagnostic_evaluation": diagnostic_evaluation or None,
    }
    # Engine 2's fields go in only when documented: the facts of a visit without them read
    # exactly as before (the engine takes a missing field as empty).
    if longitudinal_care:
        facts["longitudinal_care"] = True
    if brief_assessments:
        facts["brief_assessments"] = brief_assessments
    if injections:
        facts["injections"] = injections
    if date_of_service is not None:
        facts["date_of_service"] = date_of_service.isoformat()
    return facts


def _number(amount: Decimal) -> int | float:
    """A stored amount as the JSON number the facts take (12.50 -> 12.5, 234.00 -> 234)."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _injection_facts(encounter: Encounter) -> list[dict[str, Any]]:
    """The encounter's injections as the facts' ``injections`` list (INJ-1, INJ-3, INJ-4)."""
    rows: list[dict[str, Any]] = []
    for injection in encounter.injections.all():
        row: dict[str, Any] = {
            "drug": injection.drug,
            "dose_mg": _number(injection.dose_mg),
            "container_mg": _number(injection.container_mg),
            "supplied_by_practice": injection.supplied_by_practice,
        }
        if injection.ndc and injection.ndc_quantity is not None and injection.ndc_unit:
            row["ndc"] = injection.ndc
            row["ndc_quantity"] = _number(injection.ndc_quantity)
            row["ndc_unit"] = injection.ndc_unit
        rows.append(row)
    return rows


def facts_from_encounter(encounter: Encounter) -> dict[str, Any]:
    """The facts dict of a saved encounter (its rows prefetched, or fetched here once)."""
    prefetch_related_objects([encounter], "instrument_scores__instrument", "injections")
    return facts_dict(
        facts_id=str(encounter.pk),
        credential=encounter.clinician.credential,
        payer_slug=encounter.coverage.payer.slug if encounter.coverage is not None else None,
        patient_status=encounter.patient_status,
        setting=encounter.setting,
        patient_at_home=encounter.patient_at_home,
        pt_kind=encounter.pt_kind,
        pt_start=encounter.pt_start,
        pt_end=encounter.pt_end,
        em_start=encounter.em_start,
        em_end=encounter.em_end,
        problems=[p for p in encounter.mdm_problems if p in PROBLEM_ITEMS],
        data=encounter.data_items,
        risk=[r for r in encounter.mdm_risk if r in RISK_ITEMS],
        pharmacologic_management=bool(encounter.medication_reviews.all()),
        interactive_complexity=encounter.interactive_complexity,
        diagnostic_evaluation=encounter.diagnostic_evaluation,
        date_of_service=encounter.date_of_service,
        other_minutes=encounter.em_other_minutes,
        longitudinal_care=encounter.longitudinal_care,
        brief_assessments=sum(
            1 for row in encounter.instrument_scores.all() if row.instrument.counts_for_96127
        ),
        injections=_injection_facts(encounter),
    )


def _posted_times(data: Any) -> dict[str, datetime.time | None]:
    """The two blocks' posted start and end times; one that cannot be read is None."""
    return {
        name: posted_time(data.get(name)) for name in ("pt_start", "pt_end", "em_start", "em_end")
    }


def posted_time_problems(data: Any) -> list[str]:
    """What is wrong with the posted date and blocks (overlap, order, length), in words.

    The same checks as signing (``encounters.validation``), so the panel shows a conflict
    as soon as it is typed instead of proposing codes for times that cannot be signed.
    """
    errors = encounter_time_errors(
        date_of_service=posted_date(data.get("date_of_service")),
        **_posted_times(data),
        now=None,
        partial_ok=True,
    )
    return [message for messages in errors.values() for message in messages]


def evidence_from_post(data: Any) -> NoteEvidence:
    """What a posted encounter form claims for MDM and documents beside it (EM-2 checks)."""
    problems, items, risk = mdm_items_from_post(data)
    rows = [
        MedicationEvidence(
            name=str(data.get(f"{prefix}name", "")),
            decision=str(data.get(f"{prefix}change", "")),
            reason=str(data.get(f"{prefix}change_reason", "")),
        )
        for prefix in _medication_prefixes(data)
    ]
    return NoteEvidence(
        problems=tuple(problems),
        data=items,
        risk=tuple(risk),
        diagnoses=sum(1 for k, v in data.items() if k.startswith("diagnosis_") and str(v).strip()),
        plan=str(data.get("em_plan", "")),
        data_detail=str(data.get("mdm_data_detail", "")),
        risk_detail=str(data.get("mdm_risk_detail", "")),
        medications=tuple(row for row in rows if row.name.strip()),
    )


def _medication_prefixes(data: Any) -> list[str]:
    """The posted medication rows still on the form ("medications-0-", ...), in order."""
    return [
        k[: -len("name")]
        for k in data
        if k.startswith("medications-")
        and k.endswith("-name")
        and str(data.get(k, "")).strip()
        and not posted_flag(data, k[: -len("name")] + "DELETE")
    ]


def facts_from_posted_form(data: Any, *, credential: str, payer_slug: str | None) -> dict[str, Any]:
    """The facts of an encounter form as posted while it is being typed (a QueryDict).

    Half-typed values never fail: a time that cannot be read counts as not
    entered, so the panel shows what the documentation supports so far.
    """
    medication_names = _medication_prefixes(data)
    problems, items, risk = mdm_items_from_post(data)
    date_of_service = posted_date(data.get("date_of_service"))
    return facts_dict(
        facts_id="form",
        credential=credential,
        payer_slug=payer_slug,
        patient_status=str(data.get("patient_status", "")),
        setting=str(data.get("setting", "")),
        patient_at_home=posted_flag(data, "patient_at_home"),
        pt_kind=str(data.get("pt_kind", "")),
        **_posted_times(data),
        problems=problems,
        data=items,
        risk=risk,
        pharmacologic_management=bool(medication_names),
        interactive_complexity=posted_flag(data, "interactive_complexity"),
        diagnostic_evaluation=str(data.get("diagnostic_evaluation", "")),
        date_of_service=date_of_service,
        other_minutes=posted_count(data.get("em_other_minutes")),
        longitudinal_care=posted_flag(data, "longitudinal_care"),
        brief_assessments=posted_brief_assessments(data),
        injections=posted_injections(data),
    )


def posted_brief_assessments(data: Any) -> int:
    """BA-1: how many of the posted form's instruments count for 96127 (one query, if any)."""
    instruments = instruments_by_id(posted_instrument_ids(data))
    return sum(1 for instrument in instruments.values() if instrument.counts_for_96127)
