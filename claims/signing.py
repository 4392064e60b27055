"""Signing a visit: one transaction, three steps, in this order.

    1. encounters.services.encounter_mark_signed   lock the patient and the draft, check
                                                   everything, mark it signed (the note locks)
    2. coding.services.signed_proposal_store       run the engine once, keep its proposal and
                                                   the lines the clinician chose
    3. claims.build.claim_build                    build, price and scrub the claim from the
                                                   stored lines (the engine does not run again)

Any step that refuses (a check, a changed proposal, a custom choice without a reason) rolls
back the whole signature: the visit stays a draft and nothing is stored. The signing lives
here, at the claims layer, because it needs all three apps; the encounter form reaches it
through the ``SIGNING_SERVICE`` setting (encounters sit below claims and cannot import it).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from coding.services import signed_proposal_store
from encounters.models import Encounter
from encounters.services import encounter_mark_signed

from .build import claim_build
from .models import Claim


@transaction.atomic
def visit_sign(
    *, user: User, encounter: Encounter, documentation_acknowledged: bool = False
) -> Claim:
    """Sign the visit, keep the engine's proposal and build its claim; returns the claim."""
    signed = encounter_mark_signed(
        user=user, encounter=encounter, documentation_acknowledged=documentation_acknowledged
    )
    proposal = signed_proposal_store(encounter=signed)
    return claim_build(signed=proposal, user=user)
