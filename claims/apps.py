from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"

    def ready(self) -> None:
        from encounters.services import SIGN_HOOKS

        from .build import claim_build_for_encounter

        # Signing an encounter builds its claim in the same transaction. The builder reads
        # the coding app's stored proposal when its step ran first, else computes it.
        if claim_build_for_encounter not in SIGN_HOOKS:
            SIGN_HOOKS.append(claim_build_for_encounter)
