"""The four roles of the practice, kept as Django groups.

A user's role decides their home page and which views they may open. A user
holds one role; where a user is in several groups the first in ``ROLES``
order wins, so the narrower clinical role is never widened by accident.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser, User


class Role(StrEnum):
    PRESCRIBER = "Prescriber"
    BILLER = "Biller"
    COMPLIANCE = "Compliance"
    ADMIN = "Practice admin"


ROLES: tuple[Role, ...] = (Role.PRESCRIBER, Role.BILLER, Role.COMPLIANCE, Role.ADMIN)


def role_of(user: User | AnonymousUser) -> Role | None:
    """The role of ``user``, or None for anonymous users and users without a role."""
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_role_cache", None)
    if cached is not None:
        return cached or None
    names = user.groups.values_list("name", flat=True)
    role = role_from_group_names(names)
    user.__dict__["_role_cache"] = role or ""  # cached for this request's user object
    return role


def role_from_group_names(names: Iterable[str]) -> Role | None:
    """The role a user in the groups ``names`` holds (the first in ``ROLES`` order), or None."""
    held = set(names)
    return next((r for r in ROLES if r.value in held), None)
