"""Running the engine for an encounter, and keeping its proposal at signing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from coding.engine import FactsError, PayerProfileError, Proposal, facts_from_dict, propose
from coding.engine.claim_lines import BilledLine, lines_text
from coding.engine.codes import LABELS, CodeTokenError, modifiers_error, parse_code_token
from coding.engine.proposal import error_proposal
from payers.profiles import payer_profile_for
from payers.selectors import drug_table

from .adapters import facts_from_encounter
from .models import SignedProposal

if TYPE_CHECKING:
    from encounters.models import Encounter
    from payers.models import Payer

CHOICE_RECOMMENDED = "recommended"
CHOICE_CUSTOM = "custom"
ALTERNATIVE_PREFIX = "alternative-"


def proposal_for_facts(*, facts: dict[str, Any], payer: Payer | None) -> Proposal:
    """The engine's proposal for ``facts``, with the payer's stored profile when there is one
    and the practice's drug table (INJ-1)."""
    try:
        profile = payer_profile_for(payer) if payer is not None else None
    except PayerProfileError as exc:  # a stored row beyond licence scope: say which field
        name = payer.name if payer is not None else ""
        return error_proposal(str(facts.get("id")), f"{name} {exc.field}", exc.message)
    try:
        parsed = facts_from_dict(facts)
    except FactsError as exc:  # a half-typed form: the panel says which field (and rule)
        return error_proposal(str(facts.get("id")), exc.field, exc.message, exc.rule)
    # Only injections read the drug table: a visit without one spares the panel the query.
    drugs = drug_table() if parsed.injections else None
    return propose(parsed, payer=profile, drugs=drugs)


def lines_shown(lines: list[dict[str, Any]]) -> str:
    """The lines as the panel shows them and the clinician attests them: "99214-25 + 90833"."""
    return lines_text((BilledLine.from_dict(line) for line in lines), empty="nothing billed")


def chosen_lines_for(
    *, proposal: Proposal, choice: dict[str, Any] | None
) -> tuple[str, list[dict[str, Any]]]:
    """The option the clinician chose on the panel and its lines (recommended when none)."""
    option = (choice or {}).get("option") or CHOICE_RECOMMENDED
    if option == CHOICE_RECOMMENDED:
        return option, [line.to_dict() for line in proposal.lines]
    if option.startswith(ALTERNATIVE_PREFIX):
        index = option.removeprefix(ALTERNATIVE_PREFIX)
        if index.isascii() and index.isdigit() and int(index) < len(proposal.alternatives):
            return option, [line.to_dict() for line in proposal.alternatives[int(index)].lines]
        raise ValidationError(
            {"coding_choice": ["That alternative is no longer offered: choose again."]}
        )
    if option == CHOICE_CUSTOM:
        return option, _custom_lines((choice or {}).get("lines") or [])
    raise ValidationError({"coding_choice": ["Choose the recommended codes or an alternative."]})


def _custom_lines(raw: list[Any]) -> list[dict[str, Any]]:
    """The clinician's own codes ("99214-25", or a code with its modifiers), checked.

    Every code must have a CPT/HCPCS shape and be one the engine knows; modifiers come
    from the engine's fixed list (``coding.engine.codes``), so nothing typed here can
    break the claim file.
    """
    lines: list[dict[str, Any]] = []
    for item in raw:
        typed = str(item.get("code", "")).strip() if isinstance(item, dict) else ""
        if not typed:
            continue
        extra = item.get("modifiers") or []
        extra = extra if isinstance(extra, list | tuple) else [extra]
        try:
            token = parse_code_token(typed)
        except CodeTokenError as exc:
            raise ValidationError({"coding_choice": [exc.message]}) from None
        code = token.code
        modifiers = [*token.modifiers, *(str(m).strip().upper() for m in extra if str(m).strip())]
        error = modifiers_error(modifiers)
        if error is not None:
            raise ValidationError({"coding_choice": [f"{code}: {error}"]})
        if code not in LABELS:
            raise ValidationError({"coding_choice": [f"{code} is not a code this practice bills."]})
        try:
            units = int(item.get("units") or 1)
        except (TypeError, ValueError):
            units = 0
        if units < 1:
            raise ValidationError({"coding_choice": [f"Units for {code} must be 1 or more."]})
        lines.append({"code": code, "units": units, "modifiers": modifiers})
    if not lines:
        raise ValidationError(
            {"coding_choice": ["Enter at least one code, or accept the proposal."]}
        )
    return lines


def custom_codes_problem(lines: list[Any]) -> str | None:
    """Why the clinician's own codes cannot be billed, or None: the panel says it as typed."""
    try:
        _custom_lines(lines)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


def _check_shown(
    *, option: str, lines: list[dict[str, Any]], choice: dict[str, Any] | None
) -> None:
    """Sign only the codes the panel showed: the posted text must match the lines signed now."""
    if option == CHOICE_CUSTOM or not choice or "shown" not in choice:
        return  # custom codes are the typed text itself; no choice: a caller inside the app
    shown = str(choice.get("shown") or "")
    now = lines_shown(lines)
    if not shown:
        raise ValidationError(
            {"coding_choice": ["Choose the codes to bill on the panel before signing."]}
        )
    if shown != now:
        raise ValidationError(
            {
                "coding_choice": [
                    f"The codes changed since the panel showed them: it showed {shown}, the "
                    f"visit as saved gives {now}. Check the panel and sign again."
                ]
            }
        )


def signed_proposal_store(*, encounter: Encounter) -> SignedProposal:
    """Run the engine on the signed encounter and keep its answer with the chosen codes.

    The second step of signing (``claims.signing.visit_sign``), in its transaction: the
    only run of the engine a signature makes. A proposal the engine cannot make, codes that
    differ from what the panel showed, or a custom choice without a written reason stop
    the signing.
    """
    facts = facts_from_encounter(encounter)
    payer = encounter.coverage.payer if encounter.coverage is not None else None
    proposal = proposal_for_facts(facts=facts, payer=payer)
    if proposal.error:
        raise ValidationError(
            {"coding_choice": [f"The codes cannot be proposed for this visit: {proposal.error}"]}
        )
    option, lines = chosen_lines_for(proposal=proposal, choice=encounter.coding_choice)
    _check_shown(option=option, lines=lines, choice=encounter.coding_choice)
    reason = encounter.coding_override_reason.strip()
    if option == CHOICE_CUSTOM and not reason:
        raise ValidationError(
            {
                "coding_override_reason": [
                    "Codes that differ from the proposal need a written reason; billers see it."
                ]
            }
        )
    rule_ids = sorted(
        {m.rule for m in proposal.messages} | {r for ln in proposal.lines for r in ln.rules}
    )
    return SignedProposal.objects.create(
        encounter=encounter,
        engine_version=proposal.engine_version,
        facts=facts,
        proposal=proposal.to_display_dict(),
        chosen_option=option,
        chosen_lines=lines,
        rule_ids=rule_ids,
        override_reason=reason,
    )
