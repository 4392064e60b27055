"""The PostgreSQL roles the app runs under: an owner that migrates, an app role that serves.

The database triggers that keep signed encounters locked and the practice's records
append-only can be dropped or disabled by the owner of a table or by a superuser, and by
nobody else. So the web server and the worker connect as an application role that is
neither: it owns nothing, and may only read and write rows (only read and insert them in
the append-only tables). The owner role owns the database, its schema, tables, sequences
and trigger functions, and runs ``migrate``. ``manage.py db_roles`` prints or applies the
SQL built here; ``docs/operations.md`` ("Database roles") explains the setup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pgtrigger
from django.apps import apps

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

# Read-only for the app role: Django's record of the migrations applied (only migrate
# writes it, as the owner).
READ_ONLY_TABLES = ("django_migrations",)


@dataclass(frozen=True)
class Roles:
    owner: str = "psych_owner"
    app: str = "psych_app"

    def __post_init__(self) -> None:
        for name in (self.owner, self.app):
            if not ROLE_NAME.fullmatch(name):
                raise ValueError(
                    f"{name!r} is not a role name this command writes: lower-case letters, "
                    "digits and underscores, starting with a letter or underscore."
                )
        if self.owner == self.app:
            raise ValueError("The owner and the app role must be two different roles.")


def append_only_tables() -> list[str]:
    """Tables whose every row a trigger protects from UPDATE and DELETE, unconditionally."""
    tables = set()
    for model in apps.get_models():
        for trigger in getattr(model._meta, "triggers", []):
            operation = str(trigger.operation)
            if (
                isinstance(trigger, pgtrigger.Protect)
                and trigger.condition is None
                and "UPDATE" in operation
                and "DELETE" in operation
            ):
                tables.add(model._meta.db_table)
    return sorted(tables)


def _create_role(name: str, attributes: str) -> str:
    return (
        f"DO $$ BEGIN\n"
        f"    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN\n"
        f"        CREATE ROLE {name} {attributes};\n"
        f"    END IF;\n"
        f"END $$;\n"
        f"ALTER ROLE {name} {attributes};"
    )


def app_role_sql(roles: Roles) -> list[str]:
    """The application role: logs in, owns nothing, is no member of the owner role."""
    return [
        _create_role(
            roles.app, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        ),
        # Membership would let the app role SET ROLE to the owner and drop the triggers.
        f"REVOKE {roles.owner} FROM {roles.app};",
    ]


def roles_sql(roles: Roles, *, owner_createdb: bool = False) -> list[str]:
    """Create (or correct) the two login roles. Run once per server, as a superuser."""
    owner_attributes = "LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS " + (
        "CREATEDB" if owner_createdb else "NOCREATEDB"
    )
    return [_create_role(roles.owner, owner_attributes), *app_role_sql(roles)]


# Every table, view and free-standing sequence (a column's sequence follows its table) and
# every function (the trigger functions) of the public schema, to the owner.
_HAND_OVER_OBJECTS = """DO $$ DECLARE item record; BEGIN
    FOR item IN SELECT c.oid, c.relname, c.relkind FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
    LOOP
        IF item.relkind <> 'S' THEN
            EXECUTE format('ALTER TABLE public.%I OWNER TO {owner}', item.relname);
        ELSIF NOT EXISTS (SELECT FROM pg_depend d
                          WHERE d.objid = item.oid AND d.deptype IN ('a', 'i')) THEN
            EXECUTE format('ALTER SEQUENCE public.%I OWNER TO {owner}', item.relname);
        END IF;
    END LOOP;
    FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO {owner}', item.signature);
    END LOOP;
END $$;"""


def ownership_sql(roles: Roles, *, database: str) -> list[str]:
    """Hand this database and everything in its public schema to the owner (a superuser)."""
    quoted_database = '"' + database.replace('"', '""') + '"'
    return [
        f"ALTER DATABASE {quoted_database} OWNER TO {roles.owner};",
        f"ALTER SCHEMA public OWNER TO {roles.owner};",
        # The queue's name search uses trigram indexes (claims migration 0011). pg_trgm is a
        # trusted extension since PostgreSQL 13 (the owner may create it); creating it here
        # also serves an older server or one where the owner lacks CREATE on the database.
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
        _HAND_OVER_OBJECTS.replace("{owner}", roles.owner),
    ]


def grants_sql(roles: Roles, *, append_only: Iterable[str] | None = None) -> list[str]:
    """What the app role may do in this database. Run as the owner after every migrate."""
    append_only = list(append_only_tables() if append_only is None else append_only)
    owner, app = roles.owner, roles.app
    statements = [
        # Only the owner creates objects in the schema (PUBLIC could before PostgreSQL 15).
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
        f"GRANT USAGE ON SCHEMA public TO {app};",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app};",
        # Tables a later migrate creates get the same until this runs again.
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {app};",
    ]
    for table in [*append_only, *READ_ONLY_TABLES]:
        statements.append(f'REVOKE UPDATE, DELETE ON TABLE "{table}" FROM {app};')
    for table in READ_ONLY_TABLES:
        statements.append(f'REVOKE INSERT ON TABLE "{table}" FROM {app};')
    return statements


PARTS = ("roles", "ownership", "grants")


def db_roles_sql(
    roles: Roles, *, parts: Iterable[str], database: str, owner_createdb: bool = False
) -> list[tuple[str, list[str]]]:
    """The SQL of each part asked for, in order, with a line saying who runs it."""
    built = {
        "roles": (
            "As a superuser, once per server: the two login roles.",
            roles_sql(roles, owner_createdb=owner_createdb),
        ),
        "ownership": (
            f"As a superuser, once per database: {database} and its objects to the owner.",
            ownership_sql(roles, database=database),
        ),
        "grants": (
            "As the owner, after every migrate: what the app role may do.",
            grants_sql(roles),
        ),
    }
    return [built[part] for part in PARTS if part in set(parts)]


def connected_as_superuser() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def db_roles_apply(statements: Iterable[str]) -> None:
    """Run the statements in one transaction on the default connection."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
