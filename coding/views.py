"""The live proposal panel: the engine's answer for the encounter form as it is being typed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.roles import Role
from encounters.selectors import clinician_for_user

from .adapters import facts_from_posted_form
from .selectors import payer_for_panel
from .services import ALTERNATIVE_PREFIX, CHOICE_RECOMMENDED, proposal_for_facts


@require_POST
@role_required(Role.PRESCRIBER)
def proposal_panel(request: HttpRequest) -> HttpResponse:
    """Render the proposal for the posted encounter form; writes nothing."""
    clinician = clinician_for_user(request.user)
    if clinician is None:
        return render(request, "coding/partials/proposal_panel_unavailable.html")
    payer = payer_for_panel(clinician=clinician, coverage_id=request.POST.get("coverage"))
    facts = facts_from_posted_form(
        request.POST, credential=clinician.credential, payer_slug=payer.slug if payer else None
    )
    proposal = proposal_for_facts(facts=facts, payer=payer)
    chosen = request.POST.get("coding_option") or CHOICE_RECOMMENDED
    alternatives = [
        {
            "value": f"{ALTERNATIVE_PREFIX}{i}",
            "lines": [line.to_display_dict() for line in alternative.lines],
            "why": alternative.why,
        }
        for i, alternative in enumerate(proposal.alternatives)
    ]
    return render(
        request,
        "coding/partials/proposal_panel.html",
        {
            "proposal": proposal.to_display_dict(),
            "alternatives": alternatives,
            "facts": facts,
            "payer": payer,
            "chosen": chosen,
            "override_reason": request.POST.get("coding_override_reason", ""),
            "custom_codes": request.POST.get("coding_custom_codes", ""),
        },
    )
