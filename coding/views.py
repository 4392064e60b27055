"""The live proposal panel: the engine's answer for the encounter form as it is being typed."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.roles import Role
from accounts.selectors import clinician_for_user
from coding.engine.authorization import AuthorizationProblem
from coding.engine.codes import code_lines_from_text, units_over_daily_max
from coding.engine.documentation import documentation_checks

from .adapters import evidence_from_post, facts_from_posted_form, posted_time_problems
from .selectors import payer_for_panel
from .services import (
    ALTERNATIVE_PREFIX,
    CHOICE_CUSTOM,
    CHOICE_RECOMMENDED,
    custom_codes_problem,
    lines_shown,
    proposal_for_facts,
)


@transaction.non_atomic_requests  # reads only: no transaction round trips (issue 14)
@require_POST
@role_required(Role.PRESCRIBER)
def proposal_panel(request: HttpRequest) -> HttpResponse:
    """Render the proposal for the posted encounter form; writes nothing.

    The panel never holds the clinician's choice: the page keeps it (coding_option,
    coding_shown) and re-selects it after each refresh, so a late refresh cannot change it.
    Conflicting or implausible times propose nothing until they are fixed (PT-3).
    """
    clinician = clinician_for_user(request.user)
    if clinician is None:
        return render(request, "coding/partials/proposal_panel_unavailable.html")
    payer = payer_for_panel(clinician=clinician, coverage_id=request.POST.get("coverage"))
    time_problems = posted_time_problems(request.POST)
    if time_problems:
        return _panel({"time_problems": time_problems, "payer": payer, "proposal": {}})
    facts = facts_from_posted_form(
        request.POST, credential=clinician.credential, payer_slug=payer.slug if payer else None
    )
    proposal = proposal_for_facts(facts=facts, payer=payer)
    recommended = [line.to_dict() for line in proposal.lines]
    options = [{"value": CHOICE_RECOMMENDED, "shown": lines_shown(recommended), "why": ""}]
    for i, alternative in enumerate(proposal.alternatives):
        lines = [line.to_dict() for line in alternative.lines]
        options.append(
            {
                "value": f"{ALTERNATIVE_PREFIX}{i}",
                "shown": lines_shown(lines),
                "why": alternative.why,
            }
        )
    units = Counter[str]()
    for line in proposal.lines:
        units[line.code] += line.units
    return _panel(
        {
            "proposal": proposal.to_display_dict(),
            "options": options,
            "over_daily_max": units_over_daily_max(units),
            "custom_problem": _custom_problem(request.POST),
            "documentation": [
                c.to_dict() for c in documentation_checks(evidence_from_post(request.POST))
            ],
            "facts": facts,
            "em_time": _em_time(facts),
            "payer": payer,
            "authorization_problems": _authorization_problems(request.POST, payer, units),
        },
    )


# A message's colours in the panel: its line, and the badge of its rule id.
_MESSAGE_STYLES = {
    "error": ("text-danger", "text-bg-danger"),
    "warning": ("text-warning-emphasis", "text-bg-warning"),
}
_NOTE_STYLE = ("text-body-secondary", "text-bg-light border")


def _panel(context: dict[str, Any]) -> HttpResponse:
    """The panel fragment. Its words are put together here, so the template only prints them
    (the panel is drawn on every pause in typing): the codes summary screen readers hear, and
    each message with its colours (``problems``: the errors and warnings, listed first).

    It is drawn without the request: it shows nothing the context processors add (user,
    role, messages, CSRF token), and running them took a tenth of its drawing.
    """
    proposal = context["proposal"]
    messages = [
        {**m, "css": css, "badge": badge}
        for m in proposal.get("messages", ())
        for css, badge in [_MESSAGE_STYLES.get(m["level"], _NOTE_STYLE)]
    ]
    context["panel_messages"] = messages
    context["problems"] = [m for m in messages if m["level"] in _MESSAGE_STYLES]
    context["codes_summary"] = _codes_summary(proposal.get("lines") or [])
    return HttpResponse(render_to_string("coding/partials/proposal_panel.html", context))


def _codes_summary(lines: list[dict[str, Any]]) -> str:
    """What the page's live region reads when the codes change: "Proposed codes: 90833,
    99214 modifier 25", or "No codes proposed"."""
    if not lines:
        return "No codes proposed"
    return "Proposed codes: " + ", ".join(
        f"{line['code']}"
        + (f" times {line['units']}" if line["units"] > 1 else "")
        + "".join(f" modifier {m}" for m in line["modifiers"])
        for line in lines
    )


def _authorization_problems(
    data: QueryDict, payer: Any, units: Counter[str]
) -> tuple[AuthorizationProblem, ...]:
    """SC-AUTH before signing: the proposed lines against the coverage's authorizations (one
    query, only when the payer authorizes one of the proposed services)."""
    if payer is None or not units:
        return ()
    check = import_string(settings.AUTHORIZATION_CHECK)  # claims.authorization_usage
    result = check(
        coverage_id=int(
            data.get("coverage", "")
        ),  # payer_for_panel checked it: digits, own patient
        payer=payer,
        day=_posted_date(data.get("date_of_service")),
        lines=list(units.items()),
    )
    return tuple(result.problems)


def _posted_date(value: str | None) -> datetime.date:
    """The typed date of service; today while it is empty or half-typed."""
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()


def _em_time(facts: dict[str, Any]) -> dict[str, int] | None:
    """EM-3: the E/M block's minutes, the other E/M minutes and their total, when an E/M is
    documented."""
    em = facts.get("em")
    if not em:
        return None
    block, other = int(em.get("minutes") or 0), int(em.get("other_minutes") or 0)
    return {"block": block, "other": other, "total": block + other}


def _custom_problem(data: QueryDict) -> str | None:
    """What is wrong with the typed other codes, when they are the choice."""
    if data.get("coding_option") != CHOICE_CUSTOM:
        return None
    return custom_codes_problem(code_lines_from_text(data.get("coding_custom_codes", "")))
