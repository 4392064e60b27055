"""Print or apply the SQL of the owner and application roles (docs/operations.md).

python manage.py db_roles --print                    # everything, to read or hand to a DBA
python manage.py db_roles --apply                    # as a superuser: roles, ownership, grants
python manage.py db_roles --apply --only grants      # as the owner, after every migrate
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

from accounts.db_roles import (
    PARTS,
    Roles,
    connected_as_superuser,
    db_roles_apply,
    db_roles_sql,
)


class Command(BaseCommand):
    help = (
        "The PostgreSQL owner role (migrates) and application role (serves; cannot alter "
        "tables or switch off their triggers): print or apply their SQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--print", action="store_true", help="Print the SQL, run nothing.")
        action.add_argument("--apply", action="store_true", help="Run it on DATABASE_URL.")
        parser.add_argument("--owner", default=Roles.owner, help="Owner role (psych_owner).")
        parser.add_argument("--app", default=Roles.app, help="Application role (psych_app).")
        parser.add_argument(
            "--only",
            choices=PARTS,
            action="append",
            help="Only this part (repeatable): roles, ownership, grants. Default: all three.",
        )
        parser.add_argument(
            "--owner-createdb",
            action="store_true",
            help="Let the owner create databases: for a test server, where pytest creates "
            "its test database as the owner. Never in production.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are PostgreSQL's: set DATABASE_URL to one.")
        try:
            roles = Roles(owner=options["owner"], app=options["app"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        parts = options["only"] or list(PARTS)
        sections = db_roles_sql(
            roles,
            parts=parts,
            database=connection.settings_dict["NAME"],
            owner_createdb=options["owner_createdb"],
        )
        if options["print"]:
            for who, statements in sections:
                self.stdout.write(f"-- {who}")
                self.stdout.write("\n".join(statements) + "\n")
            return
        try:
            if {"roles", "ownership"} & set(parts) and not connected_as_superuser():
                raise CommandError(
                    "Creating roles and handing over ownership needs a superuser connection; "
                    "as the owner, run: manage.py db_roles --apply --only grants"
                )
            db_roles_apply([s for _, statements in sections for s in statements])
        except DatabaseError as exc:
            raise CommandError(f"The database refused: {exc}".strip()) from None
        done = ", ".join(part for part in PARTS if part in parts)
        self.stdout.write(f"Applied ({done}) for owner {roles.owner} and app {roles.app}.")
