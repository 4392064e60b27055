"""What the billing commands share: the user they act as, reading a file."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import CommandError, CommandParser

from accounts.roles import Role


def add_user_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--user",
        help="The biller the changes are recorded under (username); "
        "optional when the practice has exactly one active biller.",
    )


def acting_biller(username: str | None) -> User:
    """The biller named, or the only active biller; otherwise a CommandError saying why."""
    billers = User.objects.filter(is_active=True, groups__name=Role.BILLER.value)
    if username:
        user = billers.filter(username=username).first()
        if user is None:
            raise CommandError(f"No active biller has the username {username!r}.")
        return user
    found = list(billers.order_by("username")[:2])
    if len(found) != 1:
        raise CommandError("Name the biller the changes are recorded under: --user USERNAME.")
    return found[0]


def read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
