"""Draw the monthly audit sample from the command line (works with no Celery worker or Redis).

python manage.py draw_audit_sample --month 2026-01
{"month": "2026-01", "seed": 123, "population": 42, "encounters": [7, 3, 19, 30, 11]}
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from audits.sampling import parse_month, previous_month
from audits.services import audit_sample_draw
from audits.tasks import sample_as_dict


class Command(BaseCommand):
    help = "Draw (once) the audit sample of a month and print it as JSON (AU-1, AU-2)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--month", help="YYYY-MM; default: the month before this one (local time)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = (
                parse_month(options["month"])
                if options["month"]
                else previous_month(timezone.localdate())
            )
            sample = audit_sample_draw(month=month)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(json.dumps(sample_as_dict(sample)))
