"""Roles are groups; a user holds the first role in ROLES order."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from accounts.roles import ROLES, Role, role_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_user_has_no_role():
    assert role_of(AnonymousUser()) is None


def test_user_without_a_group_has_no_role():
    assert role_of(UserFactory()) is None


@pytest.mark.parametrize("role", list(Role))
def test_each_group_gives_its_role(role):
    assert role_of(UserFactory(role=role.value)) == role


def test_the_four_role_groups_exist_from_the_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in ROLES}


def test_prescriber_in_two_groups_keeps_the_narrower_clinical_role():
    user = UserFactory(role="Practice admin")
    user.groups.add(Group.objects.get(name="Prescriber"))
    assert role_of(user) == Role.PRESCRIBER


def test_role_is_looked_up_once_per_user_object(django_assert_num_queries):
    user = UserFactory(role="Biller")
    with django_assert_num_queries(1):
        assert role_of(user) == Role.BILLER
        assert role_of(user) == Role.BILLER
