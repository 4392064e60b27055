"""The payers app's answer to "what does this payer accept?": the engine's ``PayerProfile``.

The field-by-field mapping lives in ``coding.adapters.payer_profile_from_payer`` (the only
bridge between models and the engine); every caller in the payers app comes through here.
"""

from __future__ import annotations

from coding.adapters import payer_profile_from_payer
from coding.engine import PayerProfile

from .models import Payer


def payer_profile_for(payer: Payer) -> PayerProfile:
    """The engine's profile of ``payer`` (PY), built with ``PayerProfile.from_dict``."""
    return payer_profile_from_payer(payer)
