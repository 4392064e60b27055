from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts, roles and access records"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import two_step_remember_at_login

        user_logged_in.connect(two_step_remember_at_login, dispatch_uid="accounts_two_step")
