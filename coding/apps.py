from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "coding"
    verbose_name = "Coding"

    def ready(self) -> None:
        from encounters.services import SIGN_HOOKS

        from .services import signed_proposal_store

        if signed_proposal_store not in SIGN_HOOKS:
            SIGN_HOOKS.append(signed_proposal_store)
