"""The payers app's answer to "what does this payer accept?": the engine's ``PayerProfile``.

The one field-by-field mapping from a ``Payer`` row to the engine's profile (PY). The
coding app, the claim builder and the chart audit all come through here; payers reads
only ``coding.engine``, so the mapping lives with the row it reads.
"""

from __future__ import annotations

from coding.engine import PayerProfile

from .models import Payer


def payer_profile_for(payer: Payer) -> PayerProfile:
    """The engine's view of a payer row (PY): every payer behaviour comes from here."""
    return PayerProfile.from_dict(
        {
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
            "takes_g2211": payer.takes_g2211,
            "brief_assessment_max_units": payer.brief_assessment_max_units,
            "modifier_25_with_96127": payer.modifier_25_with_96127,
            "brief_assessment_telehealth_modifier": payer.brief_assessment_telehealth_modifier,
            "audio_only_home_only": payer.audio_only_home_only,
            "discard_modifiers": payer.discard_modifiers,
            "ndc_on_drug_lines": payer.ndc_on_drug_lines,
        }
    )
