"""Building a claim at signing, and fixing its lines: lines, prices, scrubber findings.

``claim_build`` is the last step of signing (``claims.signing.visit_sign``): it takes the
lines the clinician chose, as stored at signing, adds the payer's modifiers (PY), prices them
from the payer's fee schedule, copies each injection's NDC onto its drug line where the payer
wants it (INJ-4) and scrubs the claim. ``claim_line_update`` is a
biller's fix of one line, priced and scrubbed the same way.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.access import access_record
from accounts.models import AccessAction
from accounts.roles import Role, role_of
from coding.engine.claim_lines import BilledLine, payer_modifiers
from coding.engine.codes import DISCARDED, modifiers_error
from coding.engine.rules.dg_diagnoses import first_pointers, rule_dg_1
from coding.models import SignedProposal
from payers.models import FeeScheduleEntry, Payer, billable_code_problem
from payers.profiles import payer_profile_for
from payers.selectors import drug_table, fees_for

from .authorization_usage import authorization_check_for_visit, lines_of
from .models import (
    MAX_DRUG_UNITS,
    MAX_SERVICE_UNITS,
    Claim,
    ClaimEdit,
    ClaimLine,
    ClaimState,
    ClaimTransition,
    ScrubStatus,
)
from .scrubber import ScrubClaim, has_errors, is_flagged, scrub
from .transitions import EDITABLE_STATES, claim_version_check, claim_write

S = ClaimState


# ----------------------------------------------------------------------------- pricing
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
    chosen: Iterable[BilledLine], payer: Payer | None, pointers: tuple[int, ...]
) -> tuple[BilledLine, ...]:
    """The chosen lines as billed: each pointing to the claim's first diagnoses (DG-1), with
    the payer's own modifiers (PY, modifier 25) added by the engine's rule."""
    lines = tuple(dataclasses.replace(line, pointers=pointers) for line in chosen)
    return lines if payer is None else payer_modifiers(lines, payer_profile_for(payer))


def _ndcs(signed: SignedProposal, payer: Payer | None) -> dict[str, tuple[str, Decimal, str]]:
    """INJ-4: (NDC, quantity, unit) by drug code, from the injections of the signed facts,
    where the payer wants the NDC on drug lines. Injections of one code are one line (the
    engine sums their units): they share the NDC and unit, and their quantities add up; a
    code given from two NDCs, or a drug the practice did not buy (no drug line), has none."""
    if payer is None or not payer_profile_for(payer).ndc_on_drug_lines:
        return {}
    found: dict[str, list[tuple[str, Decimal, str]]] = {}
    for injection in (signed.facts or {}).get("injections") or []:
        if not isinstance(injection, dict) or injection.get("supplied_by_practice") is False:
            continue
        ndc = str(injection.get("ndc") or "").replace("-", "")
        if not ndc or injection.get("ndc_quantity") is None:
            continue
        code = str(injection.get("drug") or "").strip().upper()
        quantity = Decimal(str(injection["ndc_quantity"]))
        found.setdefault(code, []).append((ndc, quantity, str(injection.get("ndc_unit") or "")))
    ndcs = {}
    for code, given in found.items():
        if len({(ndc, unit) for ndc, _quantity, unit in given}) == 1:
            ndc, _quantity, unit = given[0]
            ndcs[code] = (ndc, sum((quantity for _n, quantity, _u in given), Decimal(0)), unit)
    return ndcs


def _with_ndc(row: ClaimLine, ndcs: Mapping[str, tuple[str, Decimal, str]]) -> ClaimLine:
    """The drug line of a code carries its NDC; its JW line (the amount discarded, INJ-3)
    does not, since the NDC quantity is what was given."""
    if row.code in ndcs and DISCARDED not in row.modifiers:
        row.ndc, row.ndc_quantity, row.ndc_unit = ndcs[row.code]
    return row


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


def claim_build(*, signed: SignedProposal, user: User) -> Claim:
    """Build and scrub the claim of a signed visit from the lines stored at signing.

    The third step of signing (``claims.signing.visit_sign``), in its transaction: the
    engine does not run again; the claim bills the lines the clinician chose.
    """
    encounter = signed.encounter
    coverage = encounter.coverage
    payer = coverage.payer if coverage is not None else None
    fees = fees_for(payer)
    diagnoses = [d.code for d in encounter.diagnoses.all()]
    lines = _billed_lines(signed.chosen(), payer, first_pointers(len(diagnoses)))
    claim = Claim.objects.create(
        encounter=encounter,
        number=f"C{encounter.pk:08d}",
        patient_id=encounter.patient_id,
        clinician=encounter.clinician,
        payer=payer,
        coverage=coverage,
        date_of_service=encounter.date_of_service,
        place_of_service=str(signed.proposal.get("place_of_service") or "11"),
        member_id=coverage.member_id if coverage is not None else "",
        subscriber=_subscriber(coverage, encounter.patient),
        rendering_npi=encounter.clinician.npi,
        billing_npi=settings.PRACTICE_NPI,
        diagnoses=diagnoses,
        override_reason=signed.override_reason,
        updated_by=user,
    )
    ndcs = _ndcs(signed, payer)
    rows = [
        _with_ndc(
            ClaimLine.from_billed(
                line,
                claim=claim,
                position=position,
                priced=price(fees, line.code, line.modifiers, line.units),
            ),
            ndcs,
        )
        for position, line in enumerate(lines, start=1)
    ]
    ClaimLine.objects.bulk_create(rows)
    _apply_scrub(claim, rows, signed=signed, fees=fees)
    claim.save(
        update_fields=[
            "findings",
            "scrub_status",
            "has_errors",
            "total_charge",
            "total_expected",
            "prior_authorization",
        ]
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
    signed: SignedProposal | None,
    fees: Mapping[tuple[str, str], FeeScheduleEntry],
    today: datetime.date | None = None,
) -> ScrubClaim:
    """The scrubber's view of a claim (no database access after this point)."""
    payer = claim.payer
    lines = list(lines)
    return ScrubClaim(
        lines=tuple(line.billed for line in lines),
        diagnoses=tuple(claim.diagnoses),
        date_of_service=claim.date_of_service,
        today=today or timezone.localdate(),
        rendering_npi=claim.rendering_npi,
        billing_npi=claim.billing_npi,
        member_id=claim.member_id,
        timely_filing_days=payer.timely_filing_days if payer else 365,
        payer=payer_profile_for(payer) if payer else None,
        proposed=signed.proposed() if signed is not None else None,
        engine_errors=signed.engine_errors() if signed is not None else (),
        override_reason=claim.override_reason,
        priced_codes=frozenset(code for code, _mod in fees) if payer else None,
        drugs=drug_table(),
        authorization=authorization_check_for_visit(
            coverage_id=claim.coverage_id,
            payer=payer,
            day=claim.date_of_service,
            lines=lines_of(lines),
            exclude_claim_id=claim.pk,
        ),
    )


def _apply_scrub(
    claim: Claim,
    lines: list[ClaimLine],
    *,
    signed: SignedProposal | None,
    fees: Mapping[tuple[str, str], FeeScheduleEntry],
) -> None:
    checked = scrub_input(claim, lines, signed=signed, fees=fees)
    findings = scrub(checked)
    numbers = checked.authorization.numbers if checked.authorization else ()
    claim.prior_authorization = numbers[0] if numbers else ""
    claim.findings = [f.to_dict() for f in findings]
    claim.scrub_status = ScrubStatus.FLAGGED if is_flagged(findings) else ScrubStatus.CLEAN
    claim.has_errors = has_errors(findings)
    claim.total_charge = sum((ln.charge for ln in lines), Decimal("0.00"))
    claim.total_expected = sum((ln.expected for ln in lines), Decimal("0.00"))


def _signed(claim: Claim) -> SignedProposal | None:
    return SignedProposal.objects.filter(encounter_id=claim.encounter_id).first()


# ----------------------------------------------------------------------------- fixing lines
def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _validate_fix(
    fix: BilledLine, diagnoses: Sequence[str], drug_codes: frozenset[str]
) -> dict[str, list[str]]:
    """What is wrong with a biller's fix: the code's shape, units, modifiers, and DG-1. A drug
    of the practice's table is billable, and bills its dose in billing units (J2426 x234)."""
    errors: dict[str, list[str]] = {}
    is_drug = fix.code in drug_codes
    code_problem = None if is_drug else billable_code_problem(fix.code)
    if code_problem:
        errors["code"] = [code_problem]
    most = MAX_DRUG_UNITS if is_drug else MAX_SERVICE_UNITS
    if not 1 <= fix.units <= most:
        errors["units"] = [f"Units of {fix.code} must be between 1 and {most}."]
    modifier_problem = modifiers_error(fix.modifiers)
    if modifier_problem:
        errors["modifiers"] = [modifier_problem]
    line = BilledLine(fix.code, fix.units, fix.modifiers, fix.pointers)
    pointer_problems = [
        f"{_sentence(m.text)} (DG-1)" for m in rule_dg_1([line], diagnoses).messages
    ]
    if pointer_problems:
        errors["pointers"] = pointer_problems
    return errors


@transaction.atomic
def claim_line_update(
    *, user: User, claim: Claim, version: int, position: int, fix: BilledLine
) -> Claim:
    """Fix one line (code, units, modifiers, pointers), re-price and re-scrub.

    A fix that leaves error-level findings is saved and shown: the biller may need several
    fixes in a row, and approval stays blocked until the errors are gone.
    """
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers fix claim lines.")
    claim_version_check(claim, version)
    if claim.state not in EDITABLE_STATES:
        raise ValidationError(
            f"A claim that is {claim.get_state_display().lower()} cannot be changed."
        )
    errors = _validate_fix(fix, claim.diagnoses, drug_table().codes)
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
    if fix.code != line.code:  # the NDC was the old code's drug
        line.ndc, line.ndc_quantity, line.ndc_unit = "", None, ""
    line.code, line.units = fix.code, fix.units
    line.modifiers, line.pointers = list(fix.modifiers), list(fix.pointers)
    line.charge, line.expected = price(fees, line.code, line.modifiers, line.units)
    _rescrub_and_write(claim, lines, fees=fees, user=user, version=version)
    line.save(
        update_fields=[
            *("code", "units", "modifiers", "pointers", "charge", "expected"),
            *("ndc", "ndc_quantity", "ndc_unit"),
        ]
    )
    new = {
        "code": line.code,
        "units": line.units,
        "modifiers": line.modifiers,
        "pointers": line.pointers,
    }
    ClaimEdit.objects.create(claim=claim, user=user, position=position, old=old, new=new)
    access_record(user=user, obj=claim, action=AccessAction.UPDATE)
    return claim


def _line_dict(line: ClaimLine) -> dict[str, Any]:
    return {
        "code": line.code,
        "units": line.units,
        "modifiers": line.modifiers,
        "pointers": line.pointers,
    }


def _line_change_check(user: User, claim: Claim, version: int, reason: str) -> str:
    """The checks an added or deleted line shares with a fix, plus the biller's reason."""
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers change claim lines.")
    claim_version_check(claim, version)
    if claim.state not in EDITABLE_STATES:
        raise ValidationError(
            f"A claim that is {claim.get_state_display().lower()} cannot be changed."
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the line is added or deleted."]})
    return reason


@transaction.atomic
def claim_line_add(
    *, user: User, claim: Claim, version: int, line: BilledLine, reason: str
) -> Claim:
    """Add a line at the end (an add-on left out), priced and re-scrubbed as a fix is."""
    reason = _line_change_check(user, claim, version, reason)
    errors = _validate_fix(line, claim.diagnoses, drug_table().codes)
    if errors:
        raise ValidationError(errors)
    lines = list(claim.lines.all())
    fees = fees_for(claim.payer)
    added = ClaimLine.from_billed(
        line,
        claim=claim,
        position=len(lines) + 1,
        priced=price(fees, line.code, list(line.modifiers), line.units),
    )
    lines.append(added)
    _rescrub_and_write(claim, lines, fees=fees, user=user, version=version)
    added.save()
    ClaimEdit.objects.create(
        claim=claim,
        user=user,
        position=added.position,
        old={},
        new=_line_dict(added),
        reason=reason,
    )
    access_record(user=user, obj=claim, action=AccessAction.UPDATE)
    return claim


@transaction.atomic
def claim_line_delete(
    *, user: User, claim: Claim, version: int, position: int, reason: str
) -> Claim:
    """Delete a line (an add-on billed in error), re-scrub; later lines move up one."""
    reason = _line_change_check(user, claim, version, reason)
    lines = list(claim.lines.all())
    line = next((ln for ln in lines if ln.position == position), None)
    if line is None:
        raise ValidationError("That line is not on this claim.")
    if len(lines) == 1:
        raise ValidationError("A claim keeps at least one line: void the claim instead.")
    if line.payments.exists():
        raise ValidationError("The payer has answered for this line: it cannot be deleted.")
    kept = [ln for ln in lines if ln.pk != line.pk]
    for number, kept_line in enumerate(kept, start=1):
        kept_line.position = number
    _rescrub_and_write(claim, kept, fees=fees_for(claim.payer), user=user, version=version)
    old = _line_dict(line)
    line.delete()
    for kept_line in kept:  # ascending: each position is free when its line moves up
        kept_line.save(update_fields=["position"])
    ClaimEdit.objects.create(
        claim=claim, user=user, position=position, old=old, new={}, reason=reason
    )
    access_record(user=user, obj=claim, action=AccessAction.UPDATE)
    return claim


def _rescrub_and_write(
    claim: Claim, lines: list[ClaimLine], *, fees: Any, user: User, version: int
) -> Claim:
    """Scrub the claim's lines again and save the findings and totals (version-checked)."""
    _apply_scrub(claim, lines, signed=_signed(claim), fees=fees)
    return claim_write(
        claim,
        user=user,
        version=version,
        findings=claim.findings,
        scrub_status=claim.scrub_status,
        has_errors=claim.has_errors,
        total_charge=claim.total_charge,
        total_expected=claim.total_expected,
        prior_authorization=claim.prior_authorization,
    )


# Claims not yet with the payer: an authorization recorded or changed re-scrubs them.
OPEN_STATES = frozenset({S.QUEUED, S.ON_HOLD, S.RETURNED, S.APPROVED, S.CORRECTED})


def claims_rescrub_for_coverage(*, coverage_id: int, user: User) -> list[Claim]:
    """Scrub again the open claims of a coverage (after its authorizations changed), so SC-AUTH
    and the prior authorization number (REF*G1) follow what is on file."""
    claims = list(
        Claim.objects.select_for_update(of=("self",))
        .select_related("payer")
        .filter(coverage_id=coverage_id, state__in=OPEN_STATES)
        .order_by("id")
    )
    for claim in claims:
        lines = list(claim.lines.all())
        _rescrub_and_write(
            claim, lines, fees=fees_for(claim.payer), user=user, version=claim.version
        )
    return claims
