"""Claim states: the one table of allowed changes, who may make each, and every write.

Every write to a claim goes through ``claim_write``: it bumps ``version`` in a guarded
``UPDATE ... WHERE version = v``, so a form opened before someone else's change is refused
with who changed it and when (``StaleClaimError``), never silently overwritten. Each change
of state is recorded (``ClaimTransition``) by ``transition_record``; the builder, the queue,
the export and the payer's answers all come through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.access import access_record
from accounts.models import AccessAction
from accounts.roles import Role, role_of
from encounters.services import addendum_add

from .models import Claim, ClaimFrequency, ClaimState, ClaimTransition, validate_payer_claim_number

S = ClaimState


class StaleClaimError(ValidationError):
    """The claim changed since the form was opened."""


@dataclass(frozen=True)
class Transition:
    role: Role
    label: str
    reason_prompt: str = ""  # non-empty: a reason is required, and this asks for it
    # "7" or "8": after this change the claim goes to the payer as a replacement or a void
    # of the claim it adjudicated, which needs the payer's claim number (REF*F8).
    frequency: str = ""
    export: bool = False  # made by the 837P export, never by hand
    payer_file: bool = False  # made by importing a payer's file (835, 999, 277CA), never by hand


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
    # Partly paid (an 835 paid less than the charge, with adjustments): corrected and sent
    # again, or voided at the payer, as a denied claim is.
    (S.PARTLY_PAID, S.CORRECTED): Transition(
        Role.BILLER,
        "Corrected, resubmit",
        "What was corrected?",
        frequency=ClaimFrequency.REPLACEMENT,
    ),
    (S.PARTLY_PAID, S.VOID_PENDING): VOID_AT_PAYER,
    # The payer's files (claims.acks, claims.era): a 999 or 277CA accepts or rejects (a
    # rejected claim never reached adjudication: back to the queue to fix and send again);
    # an 835 pays, partly pays or denies; a reversal (CLP02 22) undoes a posting.
    (S.SUBMITTED, S.ACCEPTED): Transition(Role.BILLER, "Accepted by the payer", payer_file=True),
    (S.SUBMITTED, S.QUEUED): Transition(Role.BILLER, "Rejected by the payer", payer_file=True),
    (S.ACCEPTED, S.QUEUED): Transition(Role.BILLER, "Rejected by the payer", payer_file=True),
    **{
        (frm, to): Transition(Role.BILLER, label, payer_file=True)
        for frm in (S.SUBMITTED, S.ACCEPTED, S.DENIED)
        for to, label in (
            (S.PAID, "Paid (835)"),
            (S.PARTLY_PAID, "Partly paid (835)"),
            (S.DENIED, "Denied (835)"),
        )
        if (frm, to) not in ((S.SUBMITTED, S.PAID), (S.SUBMITTED, S.DENIED), (S.DENIED, S.DENIED))
        and frm != S.ACCEPTED
    },
    # An accepted claim may also be answered on paper (the payer answer form), as a submitted one.
    (S.ACCEPTED, S.PAID): Transition(Role.BILLER, "Paid"),
    (S.ACCEPTED, S.DENIED): Transition(Role.BILLER, "Denied", "Denial reason code (CARC)"),
    (S.ACCEPTED, S.PARTLY_PAID): Transition(Role.BILLER, "Partly paid (835)", payer_file=True),
    **{
        (frm, S.SUBMITTED): Transition(Role.BILLER, "Payment reversed (835)", payer_file=True)
        for frm in (S.PAID, S.PARTLY_PAID, S.DENIED)
    },
}
# States in which the payer's answer is awaited: a paper answer may be recorded.
ANSWERABLE_STATES = frozenset({S.SUBMITTED, S.ACCEPTED})
# States in which a biller may fix lines (a denied claim is fixed, then marked corrected;
# a corrected one may still be fixed before it is sent).
EDITABLE_STATES = frozenset({S.QUEUED, S.ON_HOLD, S.DENIED, S.PARTLY_PAID, S.CORRECTED})


def transitions_from(state: str, role: Role | None) -> list[tuple[str, Transition]]:
    """The changes ``role`` may make by hand from ``state`` (exports and payer files are not
    by hand)."""
    return [
        (to, t)
        for (frm, to), t in TRANSITIONS.items()
        if frm == state and t.role == role and not t.export and not t.payer_file
    ]


def _stale_message(claim_id: int) -> str:
    row = Claim.objects.select_related("updated_by").filter(pk=claim_id).first()
    if row is None:
        return "This claim no longer exists."
    who = (row.updated_by.get_full_name() or row.updated_by.username) if row.updated_by else "?"
    when = timezone.localtime(row.updated_at).strftime("%Y-%m-%d %H:%M:%S")
    return f"This claim was changed by {who} at {when}; reload it to see the change."


def claim_version_check(claim: Claim, version: int) -> None:
    """Refuse early a form opened at an older version (the guarded update is the real check)."""
    if claim.version != version:
        raise StaleClaimError(_stale_message(claim.pk), code="stale")


def claim_write(claim: Claim, *, user: User, version: int, **fields: Any) -> Claim:
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
    claim.updated_by = user
    claim.updated_at = now
    return claim


def _require_role_for(claim: Claim, user: User, transition: Transition) -> None:
    role = role_of(user)
    if role != transition.role:
        raise PermissionDenied(f"Only a {transition.role.value.lower()} may do this.")
    if role == Role.PRESCRIBER and claim.clinician.user_id != user.pk:
        raise PermissionDenied("Only the clinician of this encounter answers its question.")


def payer_claim_number_clean(value: str) -> str:
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
    user: User,
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
    transition = transition_allowed(claim, user=user, to_state=to_state, version=version)
    if transition.export:
        raise ValidationError("The 837P export makes this change: export the claim instead.")
    if transition.payer_file:
        raise ValidationError(
            "The payer's file makes this change: import its 835, 999 or 277CA instead."
        )
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
    return transition_record(
        claim, user=user, to_state=to_state, version=version, reason=reason, **extra
    )


def part2_consent_missing(claim: Claim) -> bool:
    """True for a 42 CFR Part 2 visit whose patient has no consent to disclose for payment."""
    return claim.encounter.part2 and claim.patient.part2_consent_on is None


def transition_allowed(claim: Claim, *, user: User, to_state: str, version: int) -> Transition:
    """The table's entry for this change, if ``user`` may make it (else the error).

    A Part 2 claim is neither approved nor sent to the payer without the patient's consent.
    """
    claim_version_check(claim, version)
    transition = TRANSITIONS.get((claim.state, to_state))
    if transition is None:
        raise ValidationError(
            f"A claim that is {claim.get_state_display().lower()} cannot become "
            f"{S(to_state).label.lower() if to_state in S.values else to_state}."
        )
    _require_role_for(claim, user, transition)
    if to_state in (S.APPROVED, S.SUBMITTED) and part2_consent_missing(claim):
        raise ValidationError(
            f"Claim {claim.number} is a 42 CFR Part 2 (substance use) record: the patient's "
            "consent to disclose it to the payer for payment must be on file before it is "
            "approved or exported. Ask the practice admin to record it on the patient."
        )
    return transition


def _frequency_fields(claim: Claim, transition: Transition, typed: str) -> dict[str, str]:
    """The frequency code and payer claim number a correction or void goes out with."""
    number = payer_claim_number_clean(typed) if typed.strip() else claim.payer_claim_number
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


def transition_record(
    claim: Claim,
    *,
    user: User,
    to_state: str,
    version: int,
    reason: str,
    **fields: Any,
) -> Claim:
    """Write the new state (and ``fields``), end any hand-out, and record the change."""
    from_state = claim.state
    # Any change of state ends a "next claim" hand-out: the claim goes back to everyone.
    extra = {"claimed_by": None, "claimed_at": None, **fields}
    claim_write(claim, user=user, version=version, state=to_state, **extra)
    ClaimTransition.objects.create(
        claim=claim, from_state=from_state, to_state=to_state, user=user, reason=reason
    )
    access_record(user=user, obj=claim, action=AccessAction.UPDATE)
    return claim


@transaction.atomic
def claim_clinician_answer(
    *,
    user: User,
    claim: Claim,
    version: int,
    answer: str,
    addendum_text: str = "",
    addendum_reason: str = "",
) -> Claim:
    """The clinician answers a returned claim (optionally with an addendum); back to the queue."""
    if addendum_text.strip() or addendum_reason.strip():
        addendum_add(
            user=user, encounter=claim.encounter, text=addendum_text, reason=addendum_reason
        )
        if not answer.strip():  # billers read the history: it says that, never what or why
            answer = "An addendum was added to the signed note."
    return claim_transition(
        user=user, claim=claim, to_state=S.QUEUED, version=version, reason=answer
    )
