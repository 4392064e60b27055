"""Writes of the payers app: payer profiles and fees, claims, their states and exports.

Every write to a claim goes through ``_claim_write``: it bumps ``version`` in a guarded
``UPDATE ... WHERE version = v``, so a form opened before someone else's change is refused
with who changed it and when (``StaleClaimError``), never silently overwritten.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from accounts.access import access_record
from accounts.models import AccessAction
from accounts.roles import Role, role_of
from claims.models import (
    Claim,
    ClaimEdit,
    ClaimFrequency,
    ClaimLine,
    ClaimState,
    ClaimTransition,
    ExportBatch,
    ScrubStatus,
    validate_payer_claim_number,
)
from coding.engine import PayerProfileError
from coding.engine.claim_lines import BilledLine, payer_modifiers
from coding.engine.codes import LABELS, code_error, modifiers_error
from coding.engine.rules.dg_diagnoses import MAX_POINTERS, first_pointers

from .models import FeeScheduleEntry, Payer, PayerChange
from .profiles import payer_profile_for
from .scrubber import ScrubClaim, ScrubLine, has_errors, is_flagged, scrub

S = ClaimState
# How long a claim handed out by "next claim" stays with its biller.
CLAIM_HOLD = datetime.timedelta(minutes=30)
# Billable codes: the engine's code list (labels are our own words).
BILLABLE_CODES = frozenset(LABELS)


class StaleClaimError(ValidationError):
    """The claim changed since the form was opened."""


# ----------------------------------------------------------------------------- transitions
@dataclass(frozen=True)
class Transition:
    role: Role
    label: str
    reason_prompt: str = ""  # non-empty: a reason is required, and this asks for it
    # "7" or "8": after this change the claim goes to the payer as a replacement or a void
    # of the claim it adjudicated, which needs the payer's claim number (REF*F8).
    frequency: str = ""
    export: bool = False  # made by the 837P export, never by hand


VOID_AT_PAYER = Transition(
    Role.BILLER,
    "Void at the payer",
    "Why void the claim at the payer?",
    frequency=ClaimFrequency.VOID,
)
# The one table of allowed state changes and who may make each. A claim the payer has
# adjudicated (paid, denied, or corrected after a denial) is voided at the payer: it goes
# out as frequency 8 and becomes void when exported; a claim never sent is voided here.
TRANSITIONS: Mapping[tuple[str, str], Transition] = {
    (S.QUEUED, S.APPROVED): Transition(Role.BILLER, "Approve"),
    (S.QUEUED, S.ON_HOLD): Transition(Role.BILLER, "Hold", "Why is the claim on hold?"),
    (S.QUEUED, S.RETURNED): Transition(
        Role.BILLER, "Return to clinician", "Your question for the clinician"
    ),
    (S.QUEUED, S.VOID): Transition(Role.BILLER, "Void", "Why is the claim void?"),
    (S.ON_HOLD, S.QUEUED): Transition(Role.BILLER, "Release to queue"),
    (S.ON_HOLD, S.RETURNED): Transition(
        Role.BILLER, "Return to clinician", "Your question for the clinician"
    ),
    (S.ON_HOLD, S.VOID): Transition(Role.BILLER, "Void", "Why is the claim void?"),
    (S.RETURNED, S.QUEUED): Transition(Role.PRESCRIBER, "Answer", "Your answer to the biller"),
    (S.APPROVED, S.QUEUED): Transition(Role.BILLER, "Reopen", "Why reopen the claim?"),
    (S.APPROVED, S.SUBMITTED): Transition(Role.BILLER, "Submit (837P export)", export=True),
    (S.SUBMITTED, S.PAID): Transition(Role.BILLER, "Paid"),
    (S.SUBMITTED, S.DENIED): Transition(Role.BILLER, "Denied", "Denial reason code (CARC)"),
    (S.PAID, S.VOID_PENDING): VOID_AT_PAYER,
    (S.DENIED, S.CORRECTED): Transition(
        Role.BILLER,
        "Corrected, resubmit",
        "What was corrected?",
        frequency=ClaimFrequency.REPLACEMENT,
    ),
    (S.DENIED, S.VOID_PENDING): VOID_AT_PAYER,
    # A corrected claim goes straight to the next file only if the scrubber left it clean;
    # with findings it is approved again first (Claim.objects.exportable()).
    (S.CORRECTED, S.APPROVED): Transition(Role.BILLER, "Approve the correction"),
    (S.CORRECTED, S.SUBMITTED): Transition(Role.BILLER, "Resubmit (837P export)", export=True),
    (S.CORRECTED, S.VOID_PENDING): VOID_AT_PAYER,
    (S.VOID_PENDING, S.VOID): Transition(Role.BILLER, "Send the void (837P export)", export=True),
}
# States in which a biller may fix lines (a denied claim is fixed, then marked corrected;
# a corrected one may still be fixed before it is sent).
EDITABLE_STATES = frozenset({S.QUEUED, S.ON_HOLD, S.DENIED, S.CORRECTED})


def transitions_from(state: str, role: Role | None) -> list[tuple[str, Transition]]:
    """The changes ``role`` may make by hand from ``state`` (exports are not by hand)."""
    return [
        (to, t)
        for (frm, to), t in TRANSITIONS.items()
        if frm == state and t.role == role and not t.export
    ]


def _stale_message(claim_id: int) -> str:
    row = Claim.objects.select_related("updated_by").filter(pk=claim_id).first()
    if row is None:
        return "This claim no longer exists."
    who = (row.updated_by.get_full_name() or row.updated_by.username) if row.updated_by else "?"
    when = timezone.localtime(row.updated_at).strftime("%Y-%m-%d %H:%M:%S")
    return f"This claim was changed by {who} at {when}; reload it to see the change."


def _check_version(claim: Claim, version: int) -> None:
    """Refuse early a form opened at an older version (the guarded update is the real check)."""
    if claim.version != version:
        raise StaleClaimError(_stale_message(claim.pk), code="stale")


def _claim_write(claim: Claim, *, user: AbstractBaseUser, version: int, **fields: Any) -> Claim:
    """Update ``claim`` if it is still at ``version``; bump the version; else StaleClaimError."""
    now = timezone.now()
    updated = Claim.objects.filter(pk=claim.pk, version=version).update(
        version=F("version") + 1, updated_by=user, updated_at=now, **fields
    )
    if updated == 0:
        raise StaleClaimError(_stale_message(claim.pk), code="stale")
    for name, value in fields.items():
        setattr(claim, name, value)
    claim.version = version + 1
    claim.updated_by = user  # type: ignore[assignment]
    claim.updated_at = now
    return claim


def _require_role_for(claim: Claim, user: AbstractBaseUser, transition: Transition) -> None:
    role = role_of(user)
    if role != transition.role:
        raise PermissionDenied(f"Only a {transition.role.value.lower()} may do this.")
    if role == Role.PRESCRIBER and claim.clinician.user_id != user.pk:
        raise PermissionDenied("Only the clinician of this encounter answers its question.")


def _payer_claim_number(value: str) -> str:
    """The payer's claim number as typed, normalised; ValidationError keyed by the field."""
    number = value.strip().upper()
    try:
        validate_payer_claim_number(number)
    except ValidationError as exc:
        raise ValidationError({"payer_claim_number": exc.messages}) from None
    return number


@transaction.atomic
def claim_transition(
    *,
    user: AbstractBaseUser,
    claim: Claim,
    to_state: str,
    version: int,
    reason: str = "",
    payer_claim_number: str = "",
    fields: Mapping[str, Any] | None = None,
) -> Claim:
    """Move ``claim`` to ``to_state`` by hand if the table allows it for ``user``; record it.

    A correction or a void at the payer needs the payer's claim number: the stored one,
    or ``payer_claim_number`` typed with the change (then stored). Changes made by the
    837P export are refused here.
    """
    transition = _allowed(claim, user=user, to_state=to_state, version=version)
    if transition.export:
        raise ValidationError("The 837P export makes this change: export the claim instead.")
    errors: dict[str, list[str]] = {}
    reason = reason.strip()
    if transition.reason_prompt and not reason:
        errors["reason"] = [f"{transition.reason_prompt}: this is required."]
    extra = dict(fields or {})
    if transition.frequency:
        try:
            extra |= _frequency_fields(claim, transition, payer_claim_number)
        except ValidationError as exc:
            errors |= exc.message_dict
    elif payer_claim_number.strip():
        errors["payer_claim_number"] = [
            "The payer's claim number is recorded with its answer, a correction or a void."
        ]
    if errors:
        raise ValidationError(errors)
    if to_state == S.APPROVED and claim.has_errors:
        raise ValidationError(
            "This claim has errors from the scrubber: fix them (or return it to the clinician) "
            "before approving."
        )
    return _record(claim, user=user, to_state=to_state, version=version, reason=reason, **extra)


def _allowed(claim: Claim, *, user: AbstractBaseUser, to_state: str, version: int) -> Transition:
    """The table's entry for this change, if ``user`` may make it (else the error)."""
    _check_version(claim, version)
    transition = TRANSITIONS.get((claim.state, to_state))
    if transition is None:
        raise ValidationError(
            f"A claim that is {claim.get_state_display().lower()} cannot become "
            f"{S(to_state).label.lower() if to_state in S.values else to_state}."
        )
    _require_role_for(claim, user, transition)
    return transition


def _frequency_fields(claim: Claim, transition: Transition, typed: str) -> dict[str, str]:
    """The frequency code and payer claim number a correction or void goes out with."""
    number = _payer_claim_number(typed) if typed.strip() else claim.payer_claim_number
    if not number:
        what = "a void" if transition.frequency == ClaimFrequency.VOID else "a correction"
        raise ValidationError(
            {
                "payer_claim_number": [
                    f"The payer needs its claim control number (ICN/DCN, on its answer) to "
                    f"take {what}: enter it."
                ]
            }
        )
    return {"frequency_code": transition.frequency, "payer_claim_number": number}


def _record(
    claim: Claim,
    *,
    user: AbstractBaseUser,
    to_state: str,
    version: int,
    reason: str,
    **fields: Any,
) -> Claim:
    """Write the new state (and ``fields``), end any hand-out, and record the change."""
    from_state = claim.state
    # Any change of state ends a "next claim" hand-out: the claim goes back to everyone.
    extra = {"claimed_by": None, "claimed_at": None, **fields}
    _claim_write(claim, user=user, version=version, state=to_state, **extra)
    ClaimTransition.objects.create(
        claim=claim, from_state=from_state, to_state=to_state, user=user, reason=reason
    )
    access_record(user=user, obj=claim, action=AccessAction.UPDATE)
    return claim


@transaction.atomic
def claim_clinician_answer(
    *,
    user: AbstractBaseUser,
    claim: Claim,
    version: int,
    answer: str,
    addendum_text: str = "",
    addendum_reason: str = "",
) -> Claim:
    """The clinician answers a returned claim (optionally with an addendum); back to the queue."""
    if addendum_text.strip() or addendum_reason.strip():
        from encounters.services import addendum_add

        addendum_add(
            user=user, encounter=claim.encounter, text=addendum_text, reason=addendum_reason
        )
        if not answer.strip():
            answer = f"Addendum added: {addendum_reason.strip()}"
    return claim_transition(
        user=user, claim=claim, to_state=S.QUEUED, version=version, reason=answer
    )


@transaction.atomic
def claim_payer_answer(
    *,
    user: AbstractBaseUser,
    claim: Claim,
    version: int,
    outcome: str,
    amount: Decimal | None = None,
    carc: str = "",
    note: str = "",
    payer_claim_number: str = "",
) -> Claim:
    """Record the payer's answer: paid with the amount, or denied with the reason code (CARC),
    and the payer's claim control number (ICN/DCN) a correction or void will need."""
    fields: dict[str, Any] = {}
    if payer_claim_number.strip():
        fields["payer_claim_number"] = _payer_claim_number(payer_claim_number)
    if outcome == "paid":
        if amount is None or amount < 0:
            raise ValidationError({"amount": ["Enter the amount the payer paid."]})
        return claim_transition(
            user=user,
            claim=claim,
            to_state=S.PAID,
            version=version,
            reason=note or f"Paid {amount}",
            fields={"paid_amount": amount, **fields},
        )
    if outcome == "denied":
        carc = carc.strip().upper()
        if not carc:
            raise ValidationError({"carc": ["Enter the denial reason code (CARC), e.g. 16 or 50."]})
        return claim_transition(
            user=user,
            claim=claim,
            to_state=S.DENIED,
            version=version,
            reason=f"CARC {carc}" + (f": {note}" if note else ""),
            fields={"denial_code": carc, **fields},
        )
    raise ValidationError({"outcome": ["Choose paid or denied."]})


# ----------------------------------------------------------------------------- pricing
def fees_for(payer: Payer | None) -> dict[tuple[str, str], FeeScheduleEntry]:
    if payer is None:
        return {}
    return {(f.code, f.modifier): f for f in payer.fees.all()}


def price(
    fees: Mapping[tuple[str, str], FeeScheduleEntry],
    code: str,
    modifiers: Iterable[str],
    units: int,
) -> tuple[Decimal, Decimal]:
    """(charge, expected) of a line: a modifier-specific fee wins over the code's general fee."""
    entry = next((fees[(code, m)] for m in modifiers if (code, m) in fees), None)
    entry = entry or fees.get((code, ""))
    if entry is None:
        return Decimal("0.00"), Decimal("0.00")
    return entry.charge * units, entry.allowed * units


# ----------------------------------------------------------------------------- building
def _billed_lines(
    chosen: list[dict[str, Any]], payer: Payer | None, pointers: tuple[int, ...]
) -> tuple[BilledLine, ...]:
    """The chosen lines as billed: the payer's own modifiers (PY, modifier 25) added by the
    engine's rule, each line pointing to the claim's first diagnoses (DG-1)."""
    lines = tuple(BilledLine.from_dict({**line, "pointers": list(pointers)}) for line in chosen)
    return lines if payer is None else payer_modifiers(lines, payer_profile_for(payer))


def _signed_choice(encounter: Any) -> tuple[dict[str, Any], dict[str, Any], list[dict], str]:
    """(facts, proposal dict, chosen lines, override reason) of a signed encounter.

    The coding app's signing step stores them (``SignedProposal``); if it has not run,
    the same coding services compute them here, so the claim never depends on hook order.
    """
    from coding.models import SignedProposal

    stored = SignedProposal.objects.filter(encounter_id=encounter.pk).first()
    if stored is not None:
        return stored.facts, stored.proposal, stored.chosen_lines, stored.override_reason
    from coding.adapters import facts_from_encounter
    from coding.services import chosen_lines_for, proposal_for_facts

    facts = facts_from_encounter(encounter)
    payer = encounter.coverage.payer if encounter.coverage_id else None
    proposal = proposal_for_facts(facts=facts, payer=payer)
    _option, lines = chosen_lines_for(proposal=proposal, choice=encounter.coding_choice)
    return facts, proposal.to_dict(), lines, encounter.coding_override_reason.strip()


def _subscriber(coverage: Any, patient: Any) -> dict[str, Any]:
    if coverage is None:
        return {}
    self_ = coverage.relation == "18"
    dob = patient.date_of_birth if self_ else coverage.subscriber_date_of_birth
    return {
        "relation": coverage.relation,
        "first_name": patient.first_name if self_ else coverage.subscriber_first_name,
        "last_name": patient.last_name if self_ else coverage.subscriber_last_name,
        "date_of_birth": dob.isoformat() if dob else "",
        "group_number": coverage.group_number,
    }


def claim_build_for_encounter(*, encounter: Any, user: AbstractBaseUser) -> Claim:
    """Build and scrub the claim of a signed encounter (a signing step, same transaction)."""
    facts, proposal, chosen, reason = _signed_choice(encounter)
    coverage = encounter.coverage
    payer = coverage.payer if coverage is not None else None
    fees = fees_for(payer)
    diagnoses = [d.code for d in encounter.diagnoses.all()]
    lines = _billed_lines(chosen, payer, first_pointers(len(diagnoses)))
    claim = Claim.objects.create(
        encounter=encounter,
        number=f"C{encounter.pk:08d}",
        patient_id=encounter.patient_id,
        clinician=encounter.clinician,
        payer=payer,
        coverage=coverage,
        date_of_service=encounter.date_of_service,
        place_of_service=str(proposal.get("place_of_service") or "11"),
        member_id=coverage.member_id if coverage is not None else "",
        subscriber=_subscriber(coverage, encounter.patient),
        rendering_npi=encounter.clinician.npi,
        billing_npi=settings.PRACTICE_NPI,
        diagnoses=diagnoses,
        override_reason=reason,
        updated_by=user,
    )
    rows = []
    for position, line in enumerate(lines, start=1):
        charge, expected = price(fees, line.code, line.modifiers, line.units)
        rows.append(
            ClaimLine(
                claim=claim,
                position=position,
                code=line.code,
                units=line.units,
                modifiers=list(line.modifiers),
                pointers=list(line.pointers),
                charge=charge,
                expected=expected,
            )
        )
    ClaimLine.objects.bulk_create(rows)
    _apply_scrub(claim, rows, facts=facts, fees=fees)
    claim.save(
        update_fields=["findings", "scrub_status", "has_errors", "total_charge", "total_expected"]
    )
    ClaimTransition.objects.create(
        claim=claim, from_state="", to_state=S.QUEUED, user=user, reason="Built at signing."
    )
    access_record(user=user, obj=claim, action=AccessAction.CREATE)
    return claim


def scrub_input(
    claim: Claim,
    lines: Iterable[ClaimLine],
    *,
    facts: Mapping[str, Any] | None,
    fees: Mapping[tuple[str, str], FeeScheduleEntry],
    today: datetime.date | None = None,
) -> ScrubClaim:
    """The scrubber's view of a claim (no database access after this point)."""
    payer = claim.payer
    return ScrubClaim(
        lines=tuple(
            ScrubLine(ln.code, ln.units, tuple(ln.modifiers), tuple(ln.pointers)) for ln in lines
        ),
        diagnoses=tuple(claim.diagnoses),
        date_of_service=claim.date_of_service,
        today=today or timezone.localdate(),
        rendering_npi=claim.rendering_npi,
        billing_npi=claim.billing_npi,
        member_id=claim.member_id,
        timely_filing_days=payer.timely_filing_days if payer else 365,
        payer=payer_profile_for(payer) if payer else None,
        facts=facts,
        override_reason=claim.override_reason,
        priced_codes=frozenset(code for code, _mod in fees) if payer else None,
    )


def _apply_scrub(
    claim: Claim,
    lines: list[ClaimLine],
    *,
    facts: Mapping[str, Any] | None,
    fees: Mapping[tuple[str, str], FeeScheduleEntry],
) -> None:
    findings = scrub(scrub_input(claim, lines, facts=facts, fees=fees))
    claim.findings = [f.to_dict() for f in findings]
    claim.scrub_status = ScrubStatus.FLAGGED if is_flagged(findings) else ScrubStatus.CLEAN
    claim.has_errors = has_errors(findings)
    claim.total_charge = sum((ln.charge for ln in lines), Decimal("0.00"))
    claim.total_expected = sum((ln.expected for ln in lines), Decimal("0.00"))


def _signed_facts(claim: Claim) -> dict[str, Any] | None:
    from coding.models import SignedProposal

    return (
        SignedProposal.objects.filter(encounter_id=claim.encounter_id)
        .values_list("facts", flat=True)
        .first()
    )


# ----------------------------------------------------------------------------- fixing lines
def _code_problem(code: str) -> str | None:
    """Why ``code`` cannot be billed: not a CPT/HCPCS shape, or not in the engine's list."""
    problem = code_error(code)
    if problem is None and code not in BILLABLE_CODES:
        problem = f"{code} is not a code this practice bills."
    return problem


@dataclass(frozen=True)
class LineFix:
    code: str
    units: int
    modifiers: tuple[str, ...]
    pointers: tuple[int, ...]


def _validate_fix(fix: LineFix, diagnosis_count: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    code_problem = _code_problem(fix.code)
    if code_problem:
        errors["code"] = [code_problem]
    if not 1 <= fix.units <= 99:
        errors["units"] = ["Units must be between 1 and 99."]
    modifier_problem = modifiers_error(fix.modifiers)
    if modifier_problem:
        errors["modifiers"] = [modifier_problem]
    if not fix.pointers:
        errors["pointers"] = ["Point to at least one diagnosis (DG-1)."]
    elif len(fix.pointers) > MAX_POINTERS or len(set(fix.pointers)) != len(fix.pointers):
        errors["pointers"] = ["Up to 4 different diagnosis pointers (DG-1)."]
    elif any(not 1 <= p <= diagnosis_count for p in fix.pointers):
        errors["pointers"] = [f"Pointers go from 1 to {diagnosis_count} (DG-1)."]
    return errors


@transaction.atomic
def claim_line_update(
    *, user: AbstractBaseUser, claim: Claim, version: int, position: int, fix: LineFix
) -> Claim:
    """Fix one line (code, units, modifiers, pointers), re-price and re-scrub.

    A fix that leaves error-level findings is saved and shown: the biller may need several
    fixes in a row, and approval stays blocked until the errors are gone.
    """
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers fix claim lines.")
    _check_version(claim, version)
    if claim.state not in EDITABLE_STATES:
        raise ValidationError(
            f"A claim that is {claim.get_state_display().lower()} cannot be changed."
        )
    errors = _validate_fix(fix, len(claim.diagnoses))
    if errors:
        raise ValidationError(errors)
    lines = list(claim.lines.all())
    line = next((ln for ln in lines if ln.position == position), None)
    if line is None:
        raise ValidationError("That line is not on this claim.")
    old = {
        "code": line.code,
        "units": line.units,
        "modifiers": line.modifiers,
        "pointers": line.pointers,
    }
    fees = fees_for(claim.payer)
    line.code, line.units = fix.code, fix.units
    line.modifiers, line.pointers = list(fix.modifiers), list(fix.pointers)
    line.charge, line.expected = price(fees, line.code, line.modifiers, line.units)
    _rescrub_and_write(claim, lines, fees=fees, user=user, version=version)
    line.save(update_fields=["code", "units", "modifiers", "pointers", "charge", "expected"])
    new = {
        "code": line.code,
        "units": line.units,
        "modifiers": line.modifiers,
        "pointers": line.pointers,
    }
    ClaimEdit.objects.create(claim=claim, user=user, position=position, old=old, new=new)
    access_record(user=user, obj=claim, action=AccessAction.UPDATE)
    return claim


def _rescrub_and_write(
    claim: Claim, lines: list[ClaimLine], *, fees: Any, user: AbstractBaseUser, version: int
) -> Claim:
    """Scrub the claim's lines again and save the findings and totals (version-checked)."""
    _apply_scrub(claim, lines, facts=_signed_facts(claim), fees=fees)
    return _claim_write(
        claim,
        user=user,
        version=version,
        findings=claim.findings,
        scrub_status=claim.scrub_status,
        has_errors=claim.has_errors,
        total_charge=claim.total_charge,
        total_expected=claim.total_expected,
    )


# ----------------------------------------------------------------------------- hand-out
def _claimable() -> Q:
    stale = timezone.now() - CLAIM_HOLD
    return Q(claimed_by__isnull=True) | Q(claimed_at__lt=stale)


@transaction.atomic
def claim_next_for_biller(*, user: AbstractBaseUser) -> Claim | None:
    """Hand the biller the oldest queued claim nobody else holds (theirs stays theirs).

    On PostgreSQL ``skip_locked`` lets two billers pass each other without waiting; the
    guarded update is what makes the hand-out exclusive on every database.
    """
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers take claims from the queue.")
    mine = (
        Claim.objects.filter(state=S.QUEUED, claimed_by=user)
        .order_by("date_of_service", "id")
        .first()
    )
    if mine is not None:
        return mine
    for _attempt in range(5):
        candidate = (
            Claim.objects.select_for_update(skip_locked=True)
            .filter(_claimable(), state=S.QUEUED)
            .order_by("date_of_service", "id")
            .first()
        )
        if candidate is None:
            return None
        now = timezone.now()
        taken = Claim.objects.filter(_claimable(), pk=candidate.pk, state=S.QUEUED).update(
            claimed_by=user, claimed_at=now
        )
        if taken:
            candidate.claimed_by, candidate.claimed_at = user, now  # type: ignore[assignment]
            return candidate
    return None


# ----------------------------------------------------------------------------- bulk approve
def claims_bulk_approvable(claim_ids: Iterable[int]) -> list[Claim]:
    """The claims among ``claim_ids`` that bulk approval takes: queued and clean."""
    ids = [int(i) for i in claim_ids]
    return list(
        Claim.objects.filter(pk__in=ids, state=S.QUEUED, scrub_status=ScrubStatus.CLEAN)
        .select_related("patient")
        .order_by("date_of_service", "id")
    )


@transaction.atomic
def claim_bulk_approve(*, user: AbstractBaseUser, claim_ids: Iterable[int]) -> int:
    """Approve every queued clean claim among ``claim_ids``; the number approved."""
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers approve claims.")
    approved = 0
    for claim in claims_bulk_approvable(claim_ids):
        try:
            claim_transition(
                user=user,
                claim=claim,
                to_state=S.APPROVED,
                version=claim.version,
                reason="Bulk approval of clean claims.",
            )
        except StaleClaimError:
            continue  # changed meanwhile: it stays for a look of its own
        approved += 1
    return approved


# ----------------------------------------------------------------------------- export
@transaction.atomic
def claim_batch_export(
    *, user: AbstractBaseUser, claim_ids: Iterable[int] | None = None
) -> ExportBatch:
    """Build one 837P file of the exportable claims; originals and corrections become
    submitted, voids at the payer become void (``Claim.objects.exportable()``)."""
    from .x12.build import X12ValueError, build_837p

    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers export claims.")
    claims = Claim.objects.select_for_update(of=("self",)).exportable()
    if claim_ids is not None:
        claims = claims.filter(pk__in=list(claim_ids))
    claims = list(
        claims.select_related("patient", "payer", "clinician__user", "coverage")
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
    batch = ExportBatch.objects.create(
        created_by=user, control_number=control, claim_count=len(claims), content=content
    )
    for claim in claims:
        _claim_sent(claim, user=user, batch=batch)
    return batch


def _claim_sent(claim: Claim, *, user: AbstractBaseUser, batch: ExportBatch) -> None:
    """Record that ``claim`` went out in ``batch`` (the table's export change)."""
    to_state = S.VOID if claim.state == S.VOID_PENDING else S.SUBMITTED
    transition = _allowed(claim, user=user, to_state=to_state, version=claim.version)
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
    _record(
        claim,
        user=user,
        to_state=to_state,
        version=claim.version,
        reason=reason,
        batch=batch,
        submission_count=claim.submission_count + 1,
    )


# ----------------------------------------------------------------------------- payers
# The fields a practice admin edits, in the order the payer form shows them.
PAYER_FIELDS = (
    "name",
    "payer_id",
    "claim_filing_indicator",
    "timely_filing_days",
    "em_credentials",
    "pharm_mgmt_90863_credentials",
    "prolonged_code",
    "video_modifier",
    "audio_only_covered",
    "audio_modifier",
    "modifier_25_with_addon",
    "accepted_z_codes",
    "telehealth_in_person_waiver_until",
    "active",
)


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if value is None:
        return ""
    return str(value)


def _require_admin(user: AbstractBaseUser) -> None:
    if role_of(user) != Role.ADMIN:
        raise PermissionDenied("Only practice admins change payers.")


@transaction.atomic
def payer_update(*, user: AbstractBaseUser, payer: Payer, data: Mapping[str, Any]) -> Payer:
    """Change a payer's profile; each changed field is recorded with its old and new value."""
    _require_admin(user)
    stored = Payer.objects.select_for_update().get(pk=payer.pk)  # old values, not a form's copy
    changes = []
    for name in PAYER_FIELDS:
        if name not in data:
            continue
        old, new = getattr(stored, name), data[name]
        if old != new:
            changes.append(
                PayerChange(payer=stored, user=user, field=name, old=_shown(old), new=_shown(new))
            )
            setattr(stored, name, new)
    if not changes:
        return stored
    stored.full_clean()
    try:
        payer_profile_for(stored)  # the engine must be able to read the profile
    except PayerProfileError as exc:
        raise ValidationError({exc.field: [exc.message]}) from None
    stored.save(update_fields=[c.field for c in changes])
    PayerChange.objects.bulk_create(changes)
    return stored


@transaction.atomic
def fee_set(
    *,
    user: AbstractBaseUser,
    payer: Payer,
    code: str,
    modifier: str,
    charge: Decimal,
    allowed: Decimal,
) -> FeeScheduleEntry:
    """Add or change one fee schedule amount, recording the old and new amounts."""
    _require_admin(user)
    code, modifier = code.strip().upper(), modifier.strip().upper()
    code_problem = _code_problem(code)
    if code_problem:
        raise ValidationError({"code": [code_problem]})
    modifier_problem = modifiers_error([modifier]) if modifier else None
    if modifier_problem:
        raise ValidationError({"modifier": [modifier_problem]})
    if charge < 0 or allowed < 0:
        raise ValidationError({"charge": ["Amounts cannot be negative."]})
    entry = FeeScheduleEntry.objects.filter(payer=payer, code=code, modifier=modifier).first()
    old = f"{entry.charge} / {entry.allowed}" if entry else ""
    if entry is None:
        entry = FeeScheduleEntry(payer=payer, code=code, modifier=modifier)
    elif (entry.charge, entry.allowed) == (charge, allowed):
        return entry
    entry.charge, entry.allowed = charge, allowed
    entry.save()
    PayerChange.objects.create(
        payer=payer,
        user=user,
        field=f"fee {code}" + (f"-{modifier}" if modifier else ""),
        old=old,
        new=f"{charge} / {allowed}",
    )
    return entry


@transaction.atomic
def fee_delete(*, user: AbstractBaseUser, entry: FeeScheduleEntry) -> None:
    """Remove a fee schedule row, recording what it was."""
    _require_admin(user)
    PayerChange.objects.create(
        payer=entry.payer,
        user=user,
        field=f"fee {entry.code}" + (f"-{entry.modifier}" if entry.modifier else ""),
        old=f"{entry.charge} / {entry.allowed}",
        new="",
    )
    entry.delete()
