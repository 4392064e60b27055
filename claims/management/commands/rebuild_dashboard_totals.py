"""``manage.py rebuild_dashboard_totals``: recompute the billing dashboard's totals from the
claims (PostgreSQL). The triggers keep them right; run it after restoring the claim tables
by hand with the triggers off, or now and then to fold the connections' rows of each group
into one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from claims.dashboard import dashboard_totals_rebuild


class Command(BaseCommand):
    help = "Recompute the billing dashboard's totals from the claims (PostgreSQL)."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = dashboard_totals_rebuild()
        if rows is None:
            self.stdout.write("SQLite computes the dashboard from the claims: nothing to rebuild.")
        else:
            self.stdout.write(f"Dashboard totals rebuilt: {rows} rows.")
