"""``manage.py load_adjustment_codes --kind CARC FILE.csv``: the official CARC or RARC texts
from the practice's own licensed file (columns code and text), shown beside our words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.adjustment_codes import KINDS, AdjustmentFileError, adjustment_texts_load


class Command(BaseCommand):
    help = "Load the official CARC or RARC texts from your licensed CSV (columns: code, text)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=KINDS)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = adjustment_texts_load(kind=options["kind"], path=Path(options["file"]))
        except AdjustmentFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{count} {options['kind']} texts loaded.")
