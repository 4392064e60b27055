"""The count badge of the clinician's "Claim questions" link, on every page's navigation."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.roles import Role, role_of

from .models import Claim, ClaimState


def claim_questions(request: HttpRequest) -> dict[str, object]:
    """How many of the prescriber's claims wait for their answer: one COUNT, only if shown."""
    user_id = request.user.pk
    if user_id is None or role_of(request.user) != Role.PRESCRIBER:
        return {}

    def count() -> int:
        return Claim.objects.filter(clinician__user_id=user_id, state=ClaimState.RETURNED).count()

    return {"claim_questions_count": SimpleLazyObject(count)}
