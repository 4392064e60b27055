"""``manage.py db_roles``: the owner and application roles' SQL (docs/operations.md)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.db_roles import Roles, append_only_tables, grants_sql, roles_sql


def test_role_names_are_plain_identifiers():
    with pytest.raises(ValueError, match="not a role name"):
        Roles(owner="psych_owner", app="app; DROP TABLE accounts_accessrecord")
    with pytest.raises(ValueError, match="two different roles"):
        Roles(owner="psych", app="psych")


def test_the_app_role_is_no_superuser_and_may_not_create_or_own():
    app_role = roles_sql(Roles())[1]
    assert "CREATE ROLE psych_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" in app_role
    assert "REVOKE psych_owner FROM psych_app;" in roles_sql(Roles())


def test_the_owner_may_create_databases_only_when_asked():
    assert "NOCREATEDB" in roles_sql(Roles())[0]
    assert " CREATEDB" in roles_sql(Roles(), owner_createdb=True)[0]


def test_the_append_only_tables_get_select_and_insert_only():
    statements = grants_sql(Roles(), append_only=["claims_claimtransition"])
    assert 'REVOKE UPDATE, DELETE ON TABLE "claims_claimtransition" FROM psych_app;' in statements
    assert not [s for s in statements if "TRUNCATE" in s or "ALL PRIVILEGES" in s]
    assert set(append_only_tables()) >= {
        "accounts_accessrecord",
        "payers_payerchange",
        "claims_claimtransition",
        "claims_exportbatch",
        "coding_signedproposal",
        "encounters_addendum",
    }


@pytest.mark.postgresql
def test_print_shows_every_part_and_runs_nothing(db):
    out = io.StringIO()
    call_command("db_roles", "--print", stdout=out)
    text = out.getvalue()
    for who in ("As a superuser, once per server", "As a superuser, once per database"):
        assert who in text
    assert "As the owner, after every migrate" in text
    for table in append_only_tables():
        assert f'REVOKE UPDATE, DELETE ON TABLE "{table}" FROM psych_app;' in text


@pytest.mark.postgresql
def test_apply_as_the_app_role_is_refused_with_a_reason(db):
    with pytest.raises(CommandError, match="needs a superuser connection"):
        call_command("db_roles", "--apply", stdout=io.StringIO())
    # The app role owns nothing, so it cannot hand out privileges either.
    with pytest.raises(CommandError, match="The database refused"):
        call_command("db_roles", "--apply", "--only", "grants", stdout=io.StringIO())
