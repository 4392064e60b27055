"""The payers app's answer to "what does this payer accept?": the engine's ``PayerProfile``.

The one field-by-field mapping from a ``Payer`` row to the engine's profile (PY). The
coding app, the claim builder and the chart audit all come through here; payers reads
only ``coding.engine``, so the mapping lives with the row it reads.
"""

from __future__ import annotations

from coding.engine import PayerProfile, load_default_payer_profiles
from coding.engine.payer import ENGINE_2_FIELDS

from .models import Payer


def _engine_2_fields(payer: Payer) -> dict[str, object]:
    """The engine 2 profile fields (G2211, 96127, audio-only at home, JZ/JW, NDC): the row's
    own value once it holds the field, else the shipped profile's of the same slug; a payer
    with no shipped profile takes the engine's cautious defaults (PayerProfile.from_dict)."""
    shipped = load_default_payer_profiles().get(payer.slug)
    fields: dict[str, object] = {}
    for name in ENGINE_2_FIELDS:
        if hasattr(payer, name):
            fields[name] = getattr(payer, name)
        elif shipped is not None:
            fields[name] = getattr(shipped, name)
    return fields


def payer_profile_for(payer: Payer) -> PayerProfile:
    """The engine's view of a payer row (PY): every payer behaviour comes from here."""
    return PayerProfile.from_dict(
        {
            **_engine_2_fields(payer),
            "slug": payer.slug,
            "name": payer.name,
            "em_credentials": list(payer.em_credentials),
            "pharm_mgmt_90863_credentials": list(payer.pharm_mgmt_90863_credentials),
            "prolonged_code": payer.prolonged_code or None,
            "video_modifier": payer.video_modifier or None,
            "audio_only_covered": payer.audio_only_covered,
            "audio_modifier": payer.audio_modifier or "93",
            "modifier_25_with_addon": payer.modifier_25_with_addon,
            "accepted_z_codes": list(payer.accepted_z_codes or []),
            "telehealth_in_person_waiver_until": (
                payer.telehealth_in_person_waiver_until.isoformat()
                if payer.telehealth_in_person_waiver_until
                else None
            ),
        }
    )
