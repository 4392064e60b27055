"""``manage.py export_eligibility --date YYYY-MM-DD --out FILE``: the 270 of a day's
scheduled visits (claims.eligibility), one inquiry per patient and payer."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.eligibility import eligibility_batch_export

from ._payer_files import acting_biller, add_user_argument


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date takes a day as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = "Write the X12 270 (005010X279A1) eligibility inquiries for a day's visits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", required=True, help="The visits' day, YYYY-MM-DD.")
        parser.add_argument("--out", required=True, help="The file to write the 270 to.")
        add_user_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        day = _date(options["date"])
        user = acting_biller(options["user"])
        try:
            batch = eligibility_batch_export(visit_date=day, user=user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        try:
            Path(options["out"]).write_text(batch.content, encoding="ascii")
        except OSError as exc:
            raise CommandError(f"Cannot write {options['out']}: {exc.strerror}") from None
        self.stdout.write(
            f"{batch.inquiry_count} inquiries for {day} written to {options['out']} "
            f"(control number {batch.control_number})."
        )
