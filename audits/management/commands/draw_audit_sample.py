"""Draw the monthly audit sample from the command line (works with no Celery worker or Redis).

python manage.py draw_audit_sample --month 2026-01
{"month": "2026-01", "seed": 123, "population": 42, "encounters": [7, 3, 19, 30, 11]}

python manage.py draw_audit_sample --month 2026-01 --verify
{"month": "2026-01", "seed": 123, "population": 42, "encounters": [7, 3, 19, 30, 11],
 "verified": true}

``--verify`` draws nothing: it recomputes the stored month's population, strata and draw
from the stored seed and prints the redrawn ids; it fails when they differ from the stored.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from audits.models import AuditSample, SampleKind
from audits.sampling import parse_month, previous_month
from audits.services import audit_month_draw, audit_sample_redraw
from audits.tasks import sample_as_dict


class Command(BaseCommand):
    help = (
        "Draw (once) the audit sample of a month and print it as JSON (AU-1, AU-2); "
        "with --verify, redraw the stored sample from its seed and compare."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--month", help="YYYY-MM; default: the month before this one (local time)."
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Redraw the stored sample from its seed, print the ids, fail on a difference.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = (
                parse_month(options["month"])
                if options["month"]
                else previous_month(timezone.localdate())
            )
            if options["verify"]:
                self._verify(month)
                return
            sample = audit_month_draw(month=month)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(json.dumps(sample_as_dict(sample)))

    def _verify(self, month: Any) -> None:
        sample = AuditSample.objects.filter(month=month, kind=SampleKind.MONTHLY).first()
        if sample is None:
            raise CommandError(f"{month:%Y-%m} has not been drawn: nothing to verify.")
        redraw = audit_sample_redraw(sample)
        out = {
            "month": sample.month_label,
            "seed": sample.seed,
            "population": len(redraw.population_ids),
            "encounters": redraw.encounter_ids,
            "verified": redraw.matches,
        }
        self.stdout.write(json.dumps(out))
        if not redraw.matches:
            raise CommandError(
                f"The redraw differs from the stored sample: stored "
                f"{redraw.stored_encounter_ids} from {sample.population_size} encounters."
            )
