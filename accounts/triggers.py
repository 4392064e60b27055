"""Database triggers no database session can step around: the locks and append-only tables.

django-pgtrigger's triggers step aside for any session that sets ``pgtrigger.ignore`` (a
setting every database role may change), so the application role could switch them off
for itself. The classes here install the same triggers without that escape: only the
table's owner can drop or disable them, and the app never connects as the owner
(``docs/operations.md``, "Database roles"). PostgreSQL only.

``AppendOnly`` guards the practice's records of what happened (the access log, payer change
history, claim transitions, signed proposals, 837P export batches, addenda): rows are
written once, and every UPDATE and DELETE is refused, by the app and through the admin.
"""

from __future__ import annotations

from typing import Any

import pgtrigger
from django.db import models
from pgtrigger import compiler


class NoEscapeTriggerSql(compiler.UpsertTriggerSql):
    """pgtrigger's installation SQL without the ``pgtrigger.ignore`` check."""

    def get_template(self) -> str:
        return """
            CREATE OR REPLACE FUNCTION {pgid}()
            RETURNS TRIGGER AS $$
                {declare}
                BEGIN
                    {func}
                END;
            $$ LANGUAGE plpgsql;

            DROP TRIGGER IF EXISTS {pgid} ON {table};
            CREATE {constraint} TRIGGER {pgid}
                {when} {operation} ON {table}
                {timing}
                {referencing}
                FOR EACH {level} {condition}
                EXECUTE PROCEDURE {execute};

            COMMENT ON TRIGGER {pgid} ON {table} IS '{hash}';
        """


class NoEscape(pgtrigger.Trigger):
    """Compile a pgtrigger trigger class into ``NoEscapeTriggerSql`` (list it first)."""

    def compile(self, model: models.Model) -> compiler.Trigger:
        compiled = super().compile(model)
        # The same arguments pgtrigger compiled, installed by the template above.
        sql = NoEscapeTriggerSql(**compiled.sql.kwargs)
        return compiler.Trigger(name=compiled.name, sql=sql)


class StrictTrigger(NoEscape, pgtrigger.Trigger):
    """``pgtrigger.Trigger`` (a free-form function) without the escape."""


class StrictProtect(NoEscape, pgtrigger.Protect):
    """``pgtrigger.Protect`` (refuse the operation, under an optional condition) without it."""


class AppendOnly(StrictProtect):
    """Refuse UPDATE and DELETE of any row of the model's table."""

    def __init__(self, *, name: str, **kwargs: Any) -> None:
        super().__init__(name=name, operation=pgtrigger.Update | pgtrigger.Delete, **kwargs)
