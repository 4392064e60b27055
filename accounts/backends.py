"""Signing in and the signed-in user of each request, read once with their role and clinician.

`UserBackend` is Django's `ModelBackend` (passwords, permissions) with one change: the user of
a request comes in one query that also brings their role (the first of their groups in
`ROLES` order) and their clinician profile. Every view checks the role (`role_required`) and
the prescribers' views read the clinician: before, that was three queries on every request
(issue 14). The read is fresh on every request, so a role or clinician changed by a practice
admin counts from the user's next click, with nothing cached to go stale.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, User
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When

from .roles import ROLES, Role

ROLE_KEY = "_role_cache"  # the attribute `roles.role_of` reads


def _role_name() -> Subquery:
    """The user's role: the name of their first group in `ROLES` order."""
    rank = Case(
        *(When(name=role.value, then=Value(i)) for i, role in enumerate(ROLES)),
        output_field=IntegerField(),
    )
    groups = (
        Group.objects.filter(user=OuterRef("pk"), name__in=[role.value for role in ROLES])
        .annotate(rank=rank)
        .order_by("rank")
        .values("name")[:1]
    )
    return Subquery(groups)


class UserBackend(ModelBackend):
    """ModelBackend whose `get_user` reads the user, role and clinician in one query."""

    def get_user(self, user_id: Any) -> User | None:
        user = (
            User._default_manager.select_related("clinician")
            .annotate(role_name=_role_name())
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        role_name: str | None = getattr(user, "role_name", None)
        user.__dict__[ROLE_KEY] = Role(role_name) if role_name else ""
        return user
